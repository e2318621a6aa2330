/* test_options.c — the settings table (server/options.c): every setting has
 * a key derived from its flag, defaults that are the server's own, flags
 * that keep working as they always did, values refused with a sentence and
 * left unchanged, the default config file read only when it exists, and
 * --print-config's numbers that read back exactly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "okr_limits.h"
#include "options.h"

#define ARGC(argv) ((int)(sizeof argv / sizeof argv[0]) - 1)

static void test_every_key_is_its_flag_with_underscores_and_unique(void **state)
{
    (void)state;
    char key[OKRD_KEY_MAX], other[OKRD_KEY_MAX];
    for (size_t i = 0; i < okrd_settings_count; i++) {
        const okrd_setting *s = &okrd_settings[i];
        options_key(s, key, sizeof key);
        assert_null(strchr(key, '-'));
        assert_ptr_equal(options_find_key(key), s);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(options_key(&okrd_settings[j], other, sizeof other), key);
        for (size_t j = 0; j < okrd_actions_count; j++)
            assert_string_not_equal(okrd_actions[j].flag, s->flag);
    }
    assert_null(options_find_key("map-size"));
    assert_null(options_find_key("config"));
}

static void test_the_defaults_are_the_servers_own(void **state)
{
    (void)state;
    char *argv[] = {"okrd", NULL};
    okrd_options o;
    assert_int_equal(options_load(&o, ARGC(argv), argv, NULL), 0);
    assert_int_equal(o.action, OKRD_SERVE);
    assert_string_equal(o.cfg.listen, OKR_DEFAULT_ENDPOINT);
    assert_string_equal(o.cfg.publish, OKR_DEFAULT_PUBLISH);
    assert_int_equal(o.cfg.map_size, STORE_DEFAULT_MAP_SIZE);
    assert_true(o.cfg.health.on_track == score_default_health.on_track);
    assert_true(o.cfg.health.at_risk == score_default_health.at_risk);
    assert_true(o.cfg.health.low_confidence == score_default_health.low_confidence);
    assert_int_equal(o.cfg.pub_hwm, 1000);
    assert_int_equal(o.cfg.pub_sndbuf, 65536);
    assert_int_equal(o.cfg.retain_events, 0);
    assert_false(o.cfg.insecure);
    assert_int_equal(o.cfg.slow_ms, 100);
    assert_int_equal(o.cfg.log_level, LOG_LEVEL_INFO);
    assert_false(o.cfg.use_syslog);
    assert_string_equal(o.config_path, "");
    options_free(&o);
}

static void test_the_existing_flags_work_as_before(void **state)
{
    (void)state;
    char *argv[] = {"okrd", "-d", "/srv/okrd", "-l", "ipc:///run/okrd/r", "--publish=ipc:///p",
                    "--map-size", "65536", "--on-track", "0.9", "--at-risk", "0.5",
                    "--low-confidence", "0.25", "--insecure", "--retain", "12",
                    "--pub-hwm", "1", "--pub-sndbuf", "8192", "--verify", NULL};
    okrd_options o;
    assert_int_equal(options_load(&o, ARGC(argv), argv, NULL), 0);
    assert_int_equal(o.action, OKRD_VERIFY);
    assert_string_equal(o.cfg.data_dir, "/srv/okrd");
    assert_string_equal(o.cfg.listen, "ipc:///run/okrd/r");
    assert_string_equal(o.cfg.publish, "ipc:///p");
    assert_int_equal(o.cfg.map_size, 65536);
    assert_true(o.cfg.health.on_track == 0.9);
    assert_true(o.cfg.health.at_risk == 0.5);
    assert_true(o.cfg.health.low_confidence == 0.25);
    assert_true(o.cfg.insecure);
    assert_int_equal(o.cfg.retain_events, 12);
    assert_int_equal(o.cfg.pub_hwm, 1);
    assert_int_equal(o.cfg.pub_sndbuf, 8192);
    options_free(&o);
}

static void test_a_refused_value_names_why_and_changes_nothing(void **state)
{
    (void)state;
    char *argv[] = {"okrd", NULL};
    okrd_options o;
    char why[256];
    assert_int_equal(options_load(&o, ARGC(argv), argv, NULL), 0);
    const okrd_setting *map = options_find_key("map_size"), *hwm = options_find_key("pub_hwm");
    const okrd_setting *ratio = options_find_key("on_track"), *flag = options_find_key("syslog");
    const okrd_setting *listen = options_find_key("listen");
    assert_false(options_set(&o, map, "65535", why, sizeof why));
    assert_string_equal(why, "must be a whole number of bytes, at least 65536, not \"65535\"");
    assert_false(options_set(&o, hwm, "0", why, sizeof why));
    assert_string_equal(why, "must be a whole number from 1 to 2147483647, not \"0\"");
    assert_false(options_set(&o, hwm, "+5", why, sizeof why));
    assert_false(options_set(&o, ratio, "nan", why, sizeof why));
    assert_string_equal(why, "must be a number from 0 to 1, not \"nan\"");
    assert_false(options_set(&o, flag, "maybe", why, sizeof why));
    assert_string_equal(why, "must be true or false, not \"maybe\"");
    assert_false(options_set(&o, listen, "", why, sizeof why));
    assert_string_equal(why, "must not be empty");
    assert_false(options_set(&o, listen, "tcp://127.0.0.1:1 ;x", why, sizeof why));
    assert_false(options_set(&o, listen, "a\nb", why, sizeof why));
    assert_string_equal(why, "must be one line of printable text");
    assert_int_equal(o.cfg.map_size, STORE_DEFAULT_MAP_SIZE);
    assert_int_equal(o.cfg.pub_hwm, 1000);
    assert_true(o.cfg.health.on_track == 0.85);
    assert_false(o.cfg.use_syslog);
    assert_string_equal(o.cfg.listen, OKR_DEFAULT_ENDPOINT);
    options_free(&o);
}

static char *temp_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/okr-options.XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void test_the_default_file_is_read_when_it_exists_and_flags_win(void **state)
{
    (void)state;
    char *path = temp_file("retain = 9\ninsecure = yes\nslow_ms = 5\n");
    char *argv[] = {"okrd", "--slow-ms", "7", "--insecure=off", NULL};
    okrd_options o;
    assert_int_equal(options_load(&o, ARGC(argv), argv, path), 0);
    assert_string_equal(o.config_path, path);
    assert_int_equal(o.cfg.retain_events, 9);
    assert_int_equal(o.cfg.slow_ms, 7);
    assert_false(o.cfg.insecure);
    options_free(&o);
    /* A default file that does not exist is no error; a --config one is. */
    char *plain[] = {"okrd", NULL};
    assert_int_equal(options_load(&o, ARGC(plain), plain, "/nonexistent/okrd.conf"), 0);
    assert_string_equal(o.config_path, "");
    options_free(&o);
    char *given[] = {"okrd", "--config", "/nonexistent/okrd.conf", NULL};
    assert_int_equal(options_load(&o, ARGC(given), given, path), 2);
    options_free(&o);
    unlink(path);
}

static void test_printed_ratios_read_back_exactly(void **state)
{
    (void)state;
    char *argv[] = {"okrd", "--on-track", "0.1", "--at-risk", "0.09999999999999999", NULL};
    okrd_options o, back;
    assert_int_equal(options_load(&o, ARGC(argv), argv, NULL), 0);
    char value[64];
    assert_string_equal(options_value(&o, options_find_key("on_track"), value, sizeof value),
                        "0.1");
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    options_print_config(&o, f);
    fclose(f);
    char *path = temp_file(text);
    char *again[] = {"okrd", NULL};
    assert_int_equal(options_load(&back, ARGC(again), again, path), 0);
    assert_true(back.cfg.health.at_risk == o.cfg.health.at_risk);
    assert_true(back.cfg.health.on_track == o.cfg.health.on_track);
    unlink(path);
    free(text);
    options_free(&o);
    options_free(&back);
}

static void test_two_actions_or_a_crossed_threshold_are_refused(void **state)
{
    (void)state;
    okrd_options o;
    char *two[] = {"okrd", "--verify", "--new-epoch", NULL};
    assert_int_equal(options_load(&o, ARGC(two), two, NULL), 2);
    options_free(&o);
    char *crossed[] = {"okrd", "--at-risk", "0.9", NULL};
    assert_int_equal(options_load(&o, ARGC(crossed), crossed, NULL), 2);
    options_free(&o);
    /* --help acts at once: a broken file is not even read. */
    char *help[] = {"okrd", "--help", "--config", "/nonexistent", NULL};
    assert_int_equal(options_load(&o, ARGC(help), help, NULL), 0);
    assert_int_equal(o.action, OKRD_HELP);
    options_free(&o);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_key_is_its_flag_with_underscores_and_unique),
        cmocka_unit_test(test_the_defaults_are_the_servers_own),
        cmocka_unit_test(test_the_existing_flags_work_as_before),
        cmocka_unit_test(test_a_refused_value_names_why_and_changes_nothing),
        cmocka_unit_test(test_the_default_file_is_read_when_it_exists_and_flags_win),
        cmocka_unit_test(test_printed_ratios_read_back_exactly),
        cmocka_unit_test(test_two_actions_or_a_crossed_threshold_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
