/* test_shell_habits.c — end to end: the habits psql, redis-cli and sqlite3
 * users bring (issue 12), on a real okrd and the real okr.
 *
 * -c LINE runs one shell-quoted line; -f FILE runs a script that stops at
 * the first failing line by default, goes on with --keep-going (status: the
 * first failure's) and prints each line with --echo; global options work
 * after the command, except where the command has an option of that name
 * (log --user); a mistyped command or option gets "did you mean"; --csv and
 * --tsv print tables quoted; the config file's user, timeout, color and
 * pager keys sit under $OKR_USER and the flags; long output on a terminal
 * (a pty made by script(1)) goes through $PAGER, short output, --no-pager,
 * `pager = false` and pipes do not; `okr completion bash` completes
 * commands, members and options in a real bash. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "table.h"

typedef struct {
    struct harness_server server;
    char home[HARNESS_PATH_MAX];       /* XDG_CONFIG_HOME: okr/config lives here */
    char config[HARNESS_PATH_MAX + 16];
} fixture;

static const char *okr_path(void)
{
    const char *p = getenv("OKR");
    return p && p[0] ? p : "build/okr";
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    if (f == NULL || harness_server_start(&f->server, NULL) != 0) {
        free(f);
        return -1;
    }
    snprintf(f->home, sizeof f->home, "%s/xdg", f->server.root);
    snprintf(f->config, sizeof f->config, "%s/okr", f->home);
    mkdir(f->home, 0700);
    mkdir(f->config, 0700);
    strcat(f->config, "/config");
    setenv("XDG_CONFIG_HOME", f->home, 1);
    unsetenv("OKR_USER");
    unsetenv("NO_COLOR");
    unsetenv("PAGER");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    harness_server_destroy(&f->server);
    free(f);
    return 0;
}

/* A loopback TCP port whose connections the kernel accepts and nobody ever
 * reads: a server that does not answer. Returns the socket; *port its port. */
static int silent_listener(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(fd, 16), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Run okr and compare exit, stdout and stderr exactly (NULL: not checked). */
static void expect(const struct harness_result *r, int code, const char *out, const char *err)
{
    harness_expect_exit(r, code);
    if (out != NULL)
        assert_string_equal(r->out, out);
    if (err != NULL)
        assert_string_equal(r->err, err);
}

/* ------------------------------------------------------------ -c and -f */

static void test_dash_c_runs_one_quoted_line(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    harness_okr(&f->server, &r, "-c", "team add 'c team'", NULL);
    expect(&r, 0, "c team\n", "");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "-c", "team add \"open", NULL);
    expect(&r, 2, "", "okr: -c: unterminated quote\n");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "-c", "  # nothing", NULL);
    expect(&r, 2, "", "okr: -c: no command given\n");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "-c", "status", "team", "list", NULL);
    expect(&r, 2, "", "okr: give one of -c LINE, -f FILE or a command (try 'okr --help')\n");
    harness_result_free(&r);
}

static void test_dash_f_stops_or_keeps_going(void **state)
{
    fixture *f = *state;
    char script[HARNESS_PATH_MAX + 16];
    struct harness_result r;
    snprintf(script, sizeof script, "%s/s.okr", f->server.root);
    write_text(script, "team add f1\nteam add f1\n\nteam add f2\n");

    harness_okr(&f->server, &r, "-f", script, NULL);
    expect(&r, 1, "f1\n", "okr: line 2: CONFLICT: team \"f1\" exists already\n");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "team", "list", "--csv", NULL);   /* f2 was never made */
    harness_expect_exit(&r, 0);
    assert_null(strstr(r.out, "f2"));
    harness_result_free(&r);

    harness_okr(&f->server, &r, "-f", script, "--keep-going", "--echo", NULL);
    expect(&r, 1, "team add f1\nteam add f1\nteam add f2\nf2\n",
           "okr: line 1: CONFLICT: team \"f1\" exists already\n"
           "okr: line 2: CONFLICT: team \"f1\" exists already\n");
    harness_result_free(&r);

    harness_okr(&f->server, &r, "-f", "/nonexistent/s.okr", NULL);
    expect(&r, 2, "", "okr: cannot open /nonexistent/s.okr: No such file or directory\n");
    harness_result_free(&r);
}

/* ------------------------------------------------------------ options after */

static void test_global_options_after_the_command(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    /* --server after the command beats the one before it. */
    harness_okr_at("tcp://127.0.0.1:1", &r, NULL, "--timeout", "50", "period", "list",
                   "--json", "--server", f->server.requests, NULL);
    expect(&r, 0, "[]\n", "");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "status", "--timeout", NULL);
    expect(&r, 2, "", "okr: --timeout needs a value (try 'okr --help')\n");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "status", "--json=yes", NULL);
    expect(&r, 2, "", "okr: --json takes no value (try 'okr --help')\n");
    harness_result_free(&r);

    /* --user after a command is the global one... */
    harness_okr(&f->server, &r, "team", "add", "by-alice", "--user", "alice", NULL);
    expect(&r, 0, "by-alice\n", "");
    harness_result_free(&r);
    /* ...except for log, whose own --user filters by actor. */
    harness_okr(&f->server, &r, "log", "--user", "alice", NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, " alice team add by-alice\n"));
    assert_int_equal(strchr(r.out, '\n') - r.out + 1, (long)strlen(r.out));   /* one line */
    harness_result_free(&r);
    harness_okr(&f->server, &r, "log", "--user", "nobody", NULL);
    harness_expect_exit(&r, 0);
    assert_null(strstr(r.out, "by-alice"));
    harness_result_free(&r);
}

/* ------------------------------------------------------------ did you mean */

static void test_did_you_mean(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    harness_okr(&f->server, &r, "stauts", NULL);
    expect(&r, 2, "", "okr: unknown command \"stauts\"; did you mean \"status\"?\n");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "obj", "lsit", NULL);
    expect(&r, 2, "", "okr: unknown command \"obj lsit\"; did you mean \"obj list\"?\n");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "ojb", "list", NULL);
    expect(&r, 2, "", "okr: unknown command \"ojb\"; did you mean \"obj\"?\n");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "obj", "list", "--tema", "x", NULL);
    expect(&r, 2, "",
           "okr: obj list: unknown option \"--tema\"; did you mean \"--team\"?\n"
           "usage: okr obj list [--period P] [--team T [--only]] [--owner U] [--all]\n");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "xyzzyq", NULL);   /* nothing near: the plain message */
    expect(&r, 2, "", "okr: unknown command 'xyzzyq' (try 'help')\n");
    harness_result_free(&r);
}

/* ------------------------------------------------------------ csv, tsv */

static void test_csv_and_tsv(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    harness_okr(&f->server, &r, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end",
                "2026-12-31", NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    harness_okr(&f->server, &r, "team", "add", "csv team", NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    harness_okr(&f->server, &r, "obj", "add", "Ship, \"fast\"", "--period", "2026-Q4",
                "--team", "csv team", "--owner", "olga", NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);

    harness_okr(&f->server, &r, "obj", "list", "--team", "csv team", "--csv", NULL);
    expect(&r, 0,
           "ID,SCORE,HEALTH,TYPE,PERIOD,TEAM,OWNER,TITLE\n"
           "O1,0.000,off_track,aspirational,2026-Q4,csv team,olga,\"Ship, \"\"fast\"\"\"\n", "");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "--tsv", "obj", "list", "--team", "csv team", NULL);
    expect(&r, 0,
           "ID\tSCORE\tHEALTH\tTYPE\tPERIOD\tTEAM\tOWNER\tTITLE\n"
           "O1\t0.000\toff_track\taspirational\t2026-Q4\tcsv team\tolga\tShip, \"fast\"\n", "");
    harness_result_free(&r);
}

/* Fields the server never lets in (tabs, newlines) still come out escaped. */
static void test_delimited_escaping(void **state)
{
    (void)state;
    static const char *const headers[] = {"A", "B"};
    char *buf = NULL;
    size_t len = 0;
    table *t = table_new(2, headers);
    table_cell(t, NULL, "x\ty");
    table_cell(t, NULL, "l1\nl2\\");
    FILE *out = open_memstream(&buf, &len);
    table_set_format(TABLE_TSV);
    table_print(t, out, true);
    table_set_format(TABLE_CSV);
    table_print(t, out, true);
    table_set_format(TABLE_TEXT);
    fclose(out);
    assert_string_equal(buf, "A\tB\nx\\ty\tl1\\nl2\\\\\n"
                             "A,B\nx\ty,\"l1\nl2\\\"\n");
    free(buf);
    table_free(t);
}

/* ------------------------------------------------------------ config */

static void test_config_user_timeout_color(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    write_text(f->config, "[okr]\nuser = carol\ntimeout = 50\ncolor = always\n");

    harness_okr(&f->server, &r, "team", "add", "by-carol", NULL);
    expect(&r, 0, "by-carol\n", "");
    harness_result_free(&r);
    setenv("OKR_USER", "dave", 1);
    harness_okr(&f->server, &r, "team", "add", "by-dave", NULL);
    expect(&r, 0, "by-dave\n", "");
    harness_result_free(&r);
    harness_okr(&f->server, &r, "--user", "erin", "team", "add", "by-erin", NULL);
    expect(&r, 0, "by-erin\n", "");
    harness_result_free(&r);
    unsetenv("OKR_USER");
    harness_okr(&f->server, &r, "log", "--limit", "100", NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, " carol team add by-carol\n"));
    assert_non_null(strstr(r.out, " dave team add by-dave\n"));
    assert_non_null(strstr(r.out, " erin team add by-erin\n"));
    harness_result_free(&r);

    /* timeout from the file, then the flag over it: against a port that
     * takes the connection and never answers (nothing listening would be
     * "connection refused" at once, before any timeout) */
    int port, silent = silent_listener(&port);
    char ep[64], want[160];
    snprintf(ep, sizeof ep, "127.0.0.1:%d", port);
    harness_okr_at(ep, &r, NULL, "status", NULL);
    snprintf(want, sizeof want, "okr: no reply from tcp://%s within 50 ms (3 tries); "
             "is okrd running?\n", ep);
    expect(&r, 3, "", want);
    harness_result_free(&r);
    harness_okr_at(ep, &r, NULL, "status", "--timeout", "60", NULL);
    snprintf(want, sizeof want, "okr: no reply from tcp://%s within 60 ms (3 tries); "
             "is okrd running?\n", ep);
    expect(&r, 3, "", want);
    harness_result_free(&r);
    close(silent);

    /* color = always paints a pipe; NO_COLOR (the environment) wins */
    harness_okr(&f->server, &r, "team", "list", NULL);
    expect(&r, 0, NULL, "");
    assert_memory_equal(r.out, "\033[1mNAME\033[0m", 12);
    harness_result_free(&r);
    setenv("NO_COLOR", "1", 1);
    harness_okr(&f->server, &r, "team", "list", NULL);
    expect(&r, 0, NULL, "");
    assert_memory_equal(r.out, "NAME ", 5);
    harness_result_free(&r);
    unsetenv("NO_COLOR");

    char why[HARNESS_PATH_MAX + 128];
    write_text(f->config, "timeout = 0\n");
    harness_okr(&f->server, &r, "status", NULL);
    snprintf(why, sizeof why, "okr: %s:1: timeout must be a whole number of milliseconds "
                              "from 1 to 3600000\n", f->config);
    expect(&r, 2, "", why);
    harness_result_free(&r);
    write_text(f->config, "\ncolor = purple\n");
    harness_okr(&f->server, &r, "status", NULL);
    snprintf(why, sizeof why, "okr: %s:2: color must be auto, always or never\n", f->config);
    expect(&r, 2, "", why);
    harness_result_free(&r);
    unlink(f->config);
}

/* ------------------------------------------------------------ pager */

/* okr ARGS in a pseudo-terminal of `rows` rows (script(1)), PAGER prefixing
 * each line with "P:"; returns its output without the pty's CRs. */
static char *in_terminal(const fixture *f, int rows, const char *args)
{
    char cmd[2 * HARNESS_PATH_MAX];
    snprintf(cmd, sizeof cmd,
             "stty rows %d cols 100; NO_COLOR=1 PAGER='sed s/^/P:/' exec '%s' --server '%s' %s",
             rows, okr_path(), f->server.requests, args);
    char *argv[] = {"/usr/bin/script", "-qec", cmd, "/dev/null", NULL};
    struct harness_result r;
    assert_int_equal(harness_run(&r, NULL, 20000, argv), 0);
    harness_expect_exit(&r, 0);
    char *text = strdup(r.out), *w = text;
    for (const char *p = r.out; *p; p++)
        if (*p != '\r')
            *w++ = *p;
    *w = '\0';
    harness_result_free(&r);
    return text;
}

static void test_pager_only_for_long_output_on_a_terminal(void **state)
{
    fixture *f = *state;
    struct harness_result r;
    char *text;
    harness_okr(&f->server, &r, "-c", "team add p1", NULL);
    harness_result_free(&r);
    harness_okr(&f->server, &r, "-c", "team add p2", NULL);
    harness_result_free(&r);

    text = in_terminal(f, 3, "team list --csv");          /* 4+ lines on 3 rows */
    assert_memory_equal(text, "P:NAME,PARENT,OBJECTIVES\nP:", 27);
    for (const char *p = text; *p; p = strchr(p, '\n') + 1)
        assert_memory_equal(p, "P:", 2);
    free(text);
    text = in_terminal(f, 200, "team list --csv");        /* fits: written straight */
    assert_memory_equal(text, "NAME,PARENT,OBJECTIVES\n", 23);
    assert_null(strstr(text, "P:"));
    free(text);
    text = in_terminal(f, 3, "team list --csv --no-pager");
    assert_memory_equal(text, "NAME,PARENT,OBJECTIVES\n", 23);
    free(text);
    write_text(f->config, "pager = false\n");
    text = in_terminal(f, 3, "team list --csv");
    unlink(f->config);
    assert_memory_equal(text, "NAME,PARENT,OBJECTIVES\n", 23);
    free(text);
    text = in_terminal(f, 1, "watch --from 1 --count 2");  /* watch is never paged */
    assert_null(strstr(text, "P:"));
    free(text);

    setenv("PAGER", "sed s/^/P:/", 1);                     /* a pipe is never paged */
    harness_okr(&f->server, &r, "team", "list", "--csv", NULL);
    unsetenv("PAGER");
    expect(&r, 0, NULL, "");
    assert_memory_equal(r.out, "NAME,PARENT,OBJECTIVES\n", 23);
    harness_result_free(&r);
}

/* ------------------------------------------------------------ completion */

/* What bash's completion offers for the words (the last one being typed). */
static char *complete(const char *words)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "source <('%s' completion bash) || exit 9; COMP_WORDS=(%s); "
             "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _okr; echo \"${COMPREPLY[*]}\"",
             okr_path(), words);
    char *argv[] = {"/bin/bash", "-c", cmd, NULL};
    struct harness_result r;
    assert_int_equal(harness_run(&r, NULL, 10000, argv), 0);
    harness_expect_exit(&r, 0);
    assert_string_equal(r.err, "");
    char *text = harness_chomp(r.out);
    harness_result_free(&r);
    return text;
}

static void check_completion(const char *words, const char *want)
{
    char *got = complete(words);
    assert_string_equal(got, want);
    free(got);
}

static void test_completion_scripts(void **state)
{
    (void)state;
    check_completion("okr st", "status");
    check_completion("okr o", "obj");
    check_completion("okr obj a", "add align archive");
    check_completion("okr --server x:1 period ''", "add list close reopen edit delete next");
    check_completion("okr obj list --t", "--team --tsv --timeout");
    check_completion("okr log --u", "--user --until");
    check_completion("okr --ve", "--version");
    check_completion("okr comp", "completion");

    struct harness_result r;
    char *argv[] = {(char *)okr_path(), "completion", "zsh", NULL};
    assert_int_equal(harness_run(&r, NULL, 10000, argv), 0);
    expect(&r, 0, NULL, "");
    assert_memory_equal(r.out, "#compdef okr\n", 13);
    assert_non_null(strstr(r.out, "'obj add') cands=\"--team --period"));
    harness_result_free(&r);
    char *fish[] = {(char *)okr_path(), "completion", "fish", NULL};
    assert_int_equal(harness_run(&r, NULL, 10000, fish), 0);
    expect(&r, 2, "", "okr: completion: give the shell, bash or zsh (okr completion bash)\n");
    harness_result_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dash_c_runs_one_quoted_line),
        cmocka_unit_test(test_dash_f_stops_or_keeps_going),
        cmocka_unit_test(test_global_options_after_the_command),
        cmocka_unit_test(test_did_you_mean),
        cmocka_unit_test(test_csv_and_tsv),
        cmocka_unit_test(test_delimited_escaping),
        cmocka_unit_test(test_config_user_timeout_color),
        cmocka_unit_test(test_pager_only_for_long_output_on_a_terminal),
        cmocka_unit_test(test_completion_scripts),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
