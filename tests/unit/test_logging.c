/* test_logging.c — server/logging.c: one event is one line on stderr,
 * `okrd: ` first, control characters written as '?' (a line break in a
 * logged name cannot forge a line), the level filter, the ready line
 * (log_notice) at every level, and the journal's priority prefix only when
 * $JOURNAL_STREAM names stderr itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "logging.h"

/* Run fn with stderr going to a temp file; return what it wrote (malloc'd). */
static char *captured(void (*fn)(void))
{
    char path[] = "/tmp/okr-logging.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    int saved = dup(2);
    dup2(fd, 2);
    fn();
    dup2(saved, 2);
    close(saved);
    char *buf = calloc(1, 4096);
    assert_true(pread(fd, buf, 4095, 0) >= 0);
    close(fd);
    unlink(path);
    return buf;
}

static void log_each_level(void)
{
    log_error("e %d", 1);
    log_warn("w");
    log_info("i");
    log_debug("d");
    log_notice("ready");
}

static void test_levels_filter_and_the_ready_line_always_shows(void **state)
{
    (void)state;
    unsetenv("JOURNAL_STREAM");
    log_setup(LOG_LEVEL_WARN, false);
    char *out = captured(log_each_level);
    assert_string_equal(out, "okrd: e 1\nokrd: w\nokrd: ready\n");
    free(out);
    log_setup(LOG_LEVEL_DEBUG, false);
    out = captured(log_each_level);
    assert_string_equal(out, "okrd: e 1\nokrd: w\nokrd: i\nokrd: d\nokrd: ready\n");
    free(out);
    log_setup(LOG_LEVEL_ERROR, false);
    out = captured(log_each_level);
    assert_string_equal(out, "okrd: e 1\nokrd: ready\n");
    free(out);
    log_setup(LOG_LEVEL_INFO, false);
}

static void log_a_forged_line(void)
{
    log_info("backup by %s", "eve\nokrd: ready requests=tcp://10.0.0.1:1\r\x7f");
}

static void test_a_logged_value_cannot_make_a_line_of_its_own(void **state)
{
    (void)state;
    unsetenv("JOURNAL_STREAM");
    log_setup(LOG_LEVEL_INFO, false);
    char *out = captured(log_a_forged_line);
    assert_string_equal(out, "okrd: backup by eve?okrd: ready requests=tcp://10.0.0.1:1??\n");
    free(out);
}

static void log_long(void)
{
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    log_info("%s", big);
}

static void test_a_long_message_is_cut_but_stays_one_line(void **state)
{
    (void)state;
    unsetenv("JOURNAL_STREAM");
    log_setup(LOG_LEVEL_INFO, false);
    char *out = captured(log_long);
    size_t len = strlen(out);
    assert_true(len > 1000 && len < 4096);
    assert_int_equal(strncmp(out, "okrd: xxx", 9), 0);
    assert_ptr_equal(strchr(out, '\n'), out + len - 1);
    free(out);
}

static void log_to_the_journal(void)
{
    /* stderr is the capture file here: name it as the journal stream. */
    struct stat st;
    assert_int_equal(fstat(2, &st), 0);
    char stream[64];
    snprintf(stream, sizeof stream, "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    setenv("JOURNAL_STREAM", stream, 1);
    log_setup(LOG_LEVEL_INFO, false);
    log_warn("slow");
    log_notice("ready");
    setenv("JOURNAL_STREAM", "1:2", 1);      /* someone else's stream */
    log_setup(LOG_LEVEL_INFO, false);
    log_info("plain");
}

static void test_the_journal_gets_priorities_only_when_it_is_stderr(void **state)
{
    (void)state;
    char *out = captured(log_to_the_journal);
    assert_string_equal(out, "<4>okrd: slow\n<5>okrd: ready\nokrd: plain\n");
    free(out);
    unsetenv("JOURNAL_STREAM");
    log_setup(LOG_LEVEL_INFO, false);
}

static void test_level_names_read_back(void **state)
{
    (void)state;
    log_level l;
    for (int i = LOG_LEVEL_ERROR; i <= LOG_LEVEL_DEBUG; i++) {
        assert_true(log_level_parse(log_level_name((log_level)i), &l));
        assert_int_equal(l, i);
    }
    assert_false(log_level_parse("warning", &l));
    assert_false(log_level_parse("", &l));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels_filter_and_the_ready_line_always_shows),
        cmocka_unit_test(test_a_logged_value_cannot_make_a_line_of_its_own),
        cmocka_unit_test(test_a_long_message_is_cut_but_stays_one_line),
        cmocka_unit_test(test_the_journal_gets_priorities_only_when_it_is_stderr),
        cmocka_unit_test(test_level_names_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
