/* test_install.c — `make install` puts every file where it belongs, the
 * manuals render without a warning and say what `okr help` says, the
 * systemd unit parses, and `make uninstall` takes it all away again.
 *
 * Runs `make install DESTDIR=TMP` in the source tree, on the build the
 * suite is testing (BUILD is the directory of $OKRD), so it rebuilds
 * nothing. */
#include <errno.h>
#include <libgen.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "commands.h"
#include "harness.h"

#define PREFIX "/usr/local"

typedef struct {
    char dest[256];
    char build[256];
    const char *sanitize;       /* the make variable of the build under test */
} fixture;

static const char *const installed[] = {
    PREFIX "/bin/okrd",
    PREFIX "/bin/okr",
    PREFIX "/share/man/man1/okr.1",
    PREFIX "/share/man/man8/okrd.8",
    PREFIX "/lib/systemd/system/okrd.service",
    PREFIX "/share/okrd/okr.proto",
    PREFIX "/share/man/man5/okrd.conf.5",
    PREFIX "/share/doc/okrd/okrd.conf.example",
    PREFIX "/share/bash-completion/completions/okr",
    PREFIX "/share/zsh/site-functions/_okr",
};
static const mode_t modes[] = {0755, 0755, 0644, 0644, 0644, 0644, 0644, 0644, 0644, 0644};
static const size_t manuals[] = {2, 3, 6};         /* the indexes of the manuals */
#define N_INSTALLED (sizeof installed / sizeof installed[0])

static struct harness_result run_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static struct harness_result run_sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    char *argv[] = {"/bin/sh", "-c", cmd, NULL};
    struct harness_result r;
    if (harness_run(&r, NULL, 300000, argv) != 0)
        fail_msg("cannot run /bin/sh");
    return r;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    const char *okrd = getenv("OKRD");
    char path[256];
    snprintf(path, sizeof path, "%s", okrd && okrd[0] ? okrd : "build/okrd");
    snprintf(f->build, sizeof f->build, "%s", dirname(path));
    f->sanitize = strstr(f->build, "asan") ? "SANITIZE=1" : "SANITIZE=";
    snprintf(f->dest, sizeof f->dest, "/tmp/okr-install.XXXXXX");
    if (mkdtemp(f->dest) == NULL)
        return -1;
    struct harness_result r = run_sh("make --no-print-directory install %s BUILD=%s DESTDIR=%s "
                                     "PREFIX=" PREFIX " >/dev/null", f->sanitize, f->build,
                                     f->dest);
    int code = r.exit_code;
    if (code != 0)
        fprintf(stderr, "make install failed:\n%s%s", r.out, r.err);
    harness_result_free(&r);
    *state = f;
    return code == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    struct harness_result r = run_sh("rm -rf '%s'", f->dest);
    harness_result_free(&r);
    free(f);
    return 0;
}

static void test_every_file_is_installed_with_its_mode(void **state)
{
    fixture *f = *state;
    for (size_t i = 0; i < N_INSTALLED; i++) {
        char path[512];
        struct stat sb;
        snprintf(path, sizeof path, "%s%s", f->dest, installed[i]);
        if (stat(path, &sb) != 0)
            fail_msg("%s was not installed", installed[i]);
        if ((sb.st_mode & 07777) != modes[i])
            fail_msg("%s has mode %o, expected %o", installed[i], sb.st_mode & 07777, modes[i]);
    }
    /* Nothing outside PREFIX. */
    struct harness_result r = run_sh("cd '%s' && find . -type f | grep -v '^./usr/local/' | wc -l",
                                     f->dest);
    assert_int_equal(atoi(r.out), 0);
    harness_result_free(&r);
}

/* `man -l` renders each page with nothing on stderr; mandoc finds no error. */
static void test_the_manuals_render_cleanly(void **state)
{
    fixture *f = *state;
    for (size_t m = 0; m < sizeof manuals / sizeof manuals[0]; m++) {
        size_t i = manuals[m];
        struct harness_result r = run_sh("MANWIDTH=80 man -l '%s%s' >/dev/null", f->dest,
                                         installed[i]);
        harness_expect_exit(&r, 0);
        if (r.err[0])
            fail_msg("man -l %s warned: %s", installed[i], r.err);
        harness_result_free(&r);
        r = run_sh("mandoc -Tlint -Werror '%s%s'", f->dest, installed[i]);
        harness_expect_exit(&r, 0);
        harness_result_free(&r);
    }
}

/* The manual's COMMANDS section is the command table: each command's usage
 * and summary, as `okr help COMMAND` prints them. */
static void test_okr_1_says_what_okr_help_says(void **state)
{
    fixture *f = *state;
    struct harness_result page = run_sh("MANWIDTH=3000 man -l '%s%s' 2>/dev/null", f->dest,
                                        installed[2]);
    harness_expect_exit(&page, 0);
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        struct harness_result help;
        const char *args[] = {"help", c->group ? c->group : c->name, c->group ? c->name : NULL,
                              NULL};
        harness_okr_argv("tcp://127.0.0.1:1", &help, NULL, args);
        harness_expect_exit(&help, 0);
        /* "usage: okr obj add TITLE ..." and the summary line after it. */
        char *usage = strstr(help.out, "usage: ");
        assert_non_null(usage);
        char *end = strchr(usage, '\n');
        assert_non_null(end);
        *end = '\0';
        if (strstr(page.out, usage + strlen("usage: ")) == NULL)
            fail_msg("okr(1) lacks \"%s\"", usage + strlen("usage: "));
        char *summary = end + 1;
        char *dot = strchr(summary, '\n');
        if (dot)
            *dot = '\0';
        if (strstr(page.out, summary) == NULL)
            fail_msg("okr(1) lacks the summary \"%s\"", summary);
        harness_result_free(&help);
    }
    harness_result_free(&page);
}

/* Every long option okrd --help lists is documented in okrd(8). */
static void test_okrd_8_documents_every_option(void **state)
{
    fixture *f = *state;
    struct harness_result page = run_sh("MANWIDTH=3000 man -l '%s%s' 2>/dev/null", f->dest,
                                        installed[3]);
    struct harness_result help;
    harness_okrd_cmd(&help, "--help", NULL);
    harness_expect_exit(&help, 0);
    int options = 0;
    for (char *p = help.out; (p = strstr(p, "--")) != NULL; p += 2) {
        char name[64];
        if (sscanf(p, "%63[-a-z]", name) != 1 || strlen(name) < 3)
            continue;
        options++;
        if (strstr(page.out, name) == NULL)
            fail_msg("okrd(8) does not document %s", name);
    }
    assert_true(options >= 10);
    harness_result_free(&help);
    harness_result_free(&page);
}

/* Every key `okrd --print-config` prints is documented in okrd.conf(5), as
 * an item "KEY = VALUE". */
static void test_okrd_conf_5_documents_every_key(void **state)
{
    fixture *f = *state;
    struct harness_result page = run_sh("MANWIDTH=3000 man -l '%s%s' 2>/dev/null", f->dest,
                                        installed[6]);
    harness_expect_exit(&page, 0);
    struct harness_result conf;
    harness_okrd_cmd(&conf, "--print-config", NULL);
    harness_expect_exit(&conf, 0);
    int keys = 0;
    for (char *line = strtok(conf.out, "\n"); line; line = strtok(NULL, "\n")) {
        char key[64], item[80];
        if (line[0] == '#' || sscanf(line, "%63[a-z_] =", key) != 1)
            continue;
        keys++;
        snprintf(item, sizeof item, "\n       %s = ", key);
        if (strstr(page.out, item) == NULL)
            fail_msg("okrd.conf(5) does not document the key %s", key);
    }
    assert_true(keys >= 14);
    harness_result_free(&conf);
    harness_result_free(&page);
}

/* The installed example, every key uncommented (but data, which depends on
 * $HOME), is exactly okrd's defaults. */
static void test_the_example_config_holds_every_key_at_its_default(void **state)
{
    fixture *f = *state;
    const char *okrd = getenv("OKRD") && getenv("OKRD")[0] ? getenv("OKRD") : "build/okrd";
    struct harness_result r = run_sh(
        "sed -e 's/^#\\([a-z_]* = \\)/\\1/' -e '/^data = /d' '%s%s' > '%s/all.conf' && "
        "grep -c '^[a-z_]* = ' '%s/all.conf' && "
        "'%s' --config '%s/all.conf' --print-config > '%s/example.out' && "
        "'%s' --print-config > '%s/defaults.out' && "
        "cmp '%s/example.out' '%s/defaults.out'",
        f->dest, installed[7], f->dest, f->dest, okrd, f->dest, f->dest, okrd, f->dest,
        f->dest, f->dest);
    harness_expect_exit(&r, 0);
    assert_int_equal(atoi(r.out), 15);              /* every key but data */
    harness_result_free(&r);
    r = run_sh("rm -f '%s/all.conf' '%s/example.out' '%s/defaults.out'", f->dest, f->dest,
               f->dest);
    harness_result_free(&r);
}

static void test_the_systemd_unit_parses(void **state)
{
    fixture *f = *state;
    if (access("/usr/bin/systemd-analyze", X_OK) != 0)
        skip();
    /* verify resolves ExecStart: point it at the installed binary. */
    struct harness_result r = run_sh(
        "sed 's|" PREFIX "/bin|%s" PREFIX "/bin|' '%s%s' > '%s/okrd.service' && "
        "systemd-analyze verify --man=no '%s/okrd.service'",
        f->dest, f->dest, installed[4], f->dest, f->dest);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    r = run_sh("grep -c -E '^(DynamicUser=yes|StateDirectory=okrd|NoNewPrivileges=yes|"
               "ProtectSystem=strict|Restart=on-failure)$' '%s%s'", f->dest, installed[4]);
    assert_int_equal(atoi(r.out), 5);
    harness_result_free(&r);
}

/* Every long option okr --help lists is documented in okr(1). */
static void test_okr_1_documents_every_option(void **state)
{
    fixture *f = *state;
    struct harness_result page = run_sh("MANWIDTH=3000 man -l '%s%s' 2>/dev/null", f->dest,
                                        installed[2]);
    const char *okr = getenv("OKR");
    char *argv[] = {(char *)(okr && okr[0] ? okr : "build/okr"), "--help", NULL};
    struct harness_result help;
    assert_int_equal(harness_run(&help, NULL, 10000, argv), 0);
    harness_expect_exit(&help, 0);
    int options = 0;
    for (char *p = help.out; (p = strstr(p, "--")) != NULL; p += 2) {
        char name[64];
        if (sscanf(p, "%63[-a-z]", name) != 1 || strlen(name) < 3)
            continue;
        options++;
        if (strstr(page.out, name) == NULL)
            fail_msg("okr(1) does not document %s", name);
    }
    assert_true(options >= 15);
    harness_result_free(&help);
    harness_result_free(&page);
}

/* The installed completion scripts are what okr completion prints. */
static void test_the_completion_scripts_are_okrs(void **state)
{
    fixture *f = *state;
    const char *okr = getenv("OKR");
    struct harness_result r = run_sh("'%s' completion bash | cmp - '%s%s' && "
                                     "'%s' completion zsh | cmp - '%s%s'",
                                     okr && okr[0] ? okr : "build/okr", f->dest, installed[8],
                                     okr && okr[0] ? okr : "build/okr", f->dest, installed[9]);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

static void test_uninstall_removes_every_file(void **state)
{
    fixture *f = *state;
    struct harness_result r = run_sh("make --no-print-directory uninstall %s BUILD=%s "
                                     "DESTDIR=%s PREFIX=" PREFIX " >/dev/null && "
                                     "rm -f '%s/okrd.service' && find '%s' -type f | wc -l",
                                     f->sanitize, f->build, f->dest, f->dest, f->dest);
    harness_expect_exit(&r, 0);
    assert_int_equal(atoi(r.out), 0);
    harness_result_free(&r);
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_file_is_installed_with_its_mode),
        cmocka_unit_test(test_the_manuals_render_cleanly),
        cmocka_unit_test(test_okr_1_says_what_okr_help_says),
        cmocka_unit_test(test_okrd_8_documents_every_option),
        cmocka_unit_test(test_okrd_conf_5_documents_every_key),
        cmocka_unit_test(test_the_example_config_holds_every_key_at_its_default),
        cmocka_unit_test(test_the_systemd_unit_parses),
        cmocka_unit_test(test_okr_1_documents_every_option),
        cmocka_unit_test(test_the_completion_scripts_are_okrs),
        cmocka_unit_test(test_uninstall_removes_every_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
