/* fuzz_shell.c — fuzz the client's command line: one input is one line typed
 * at the okr shell (or one line of a script).
 *
 * The line (up to its first NUL byte, as C strings end) goes through
 * shell_split; if it names a command, through cmd_lookup and cmd_parse, the
 * way client_run does it, and `help ...` through the help printers (into
 * /dev/null). Nothing is sent. Any outcome is fine except a crash, a leak, a
 * sanitizer report, or one of these broken promises, which print
 * "fuzz_shell: invariant: ..." and abort:
 *   - a split error leaves no words and has a sentence; a split gives
 *     argc words, each no longer than the line, and argv[argc] == NULL;
 *   - a refused lookup or parse says why (a non-empty message);
 *   - a parsed command's request has the body the command table names, and
 *     packs and unpacks to the same bytes (it is what conn.c would send).
 *
 * Never opens a socket; the only file it opens is /dev/null. */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "fuzz.h"
#include "shell.h"

static FILE *fs_devnull;
static uint64_t fs_lines, fs_parsed;

static void fs_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void fs_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "fuzz_shell: invariant: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    abort();
}

static FILE *fs_out(void)
{
    if (fs_devnull == NULL && (fs_devnull = fopen("/dev/null", "w")) == NULL)
        fs_fail("cannot open /dev/null");
    return fs_devnull;
}

void fuzz_shell_counts(uint64_t *lines, uint64_t *parsed)
{
    *lines = fs_lines;
    *parsed = fs_parsed;
}

/* What conn.c would send: the request with the envelope filled, packed; it
 * must unpack, and pack again to the same bytes. */
static void fs_check_request(const okr_command *cmd, cmd_request *r)
{
    if (r->request.body_case != cmd->body && cmd->id != OKR_CMD_SHOW &&
        cmd->id != OKR_CMD_HISTORY)                  /* both pick the body by the id */
        fs_fail("'%s' built body %d, the table says %d", cmd->name, (int)r->request.body_case,
                (int)cmd->body);
    r->request.has_version = true;
    r->request.version = OKR__PROTOCOL_VERSION__PROTOCOL_VERSION_1;
    r->request.has_request_id = true;
    r->request.request_id = 42;
    size_t len = okr__request__get_packed_size(&r->request);
    uint8_t *buf = malloc(len + 1);
    if (buf == NULL)
        fs_fail("out of memory");
    if (okr__request__pack(&r->request, buf) != len)
        fs_fail("'%s': packed size differs from get_packed_size", cmd->name);
    Okr__Request *back = okr__request__unpack(NULL, len, buf);
    if (back == NULL)
        fs_fail("'%s': its request (%zu bytes) does not unpack", cmd->name, len);
    size_t len2 = okr__request__get_packed_size(back);
    uint8_t *buf2 = malloc(len2 + 1);
    if (buf2 == NULL)
        fs_fail("out of memory");
    okr__request__pack(back, buf2);
    if (len2 != len || memcmp(buf, buf2, len) != 0)
        fs_fail("'%s': its request does not survive pack/unpack", cmd->name);
    free(buf2);
    okr__request__free_unpacked(back, NULL);
    free(buf);
}

/* client_run without the sending: help, or lookup and parse. */
static void fs_command(int argc, char **argv)
{
    args_error e;
    int words = 0;
    static cmd_request parsed;      /* large, and never copied */

    memset(&e, 0, sizeof e);
    if (strcmp(argv[0], "help") == 0) {
        if (argc == 1)
            cmd_print_commands(fs_out());
        else if (!cmd_print_topic(fs_out(), argc - 1, argv + 1, &e) && e.msg[0] == '\0')
            fs_fail("help refused a topic without saying why");
        return;
    }
    const okr_command *cmd = cmd_lookup(argc, argv, &words, &e);
    if (cmd == NULL) {
        if (e.msg[0] == '\0')
            fs_fail("cmd_lookup refused '%.40s' without saying why", argv[0]);
        return;
    }
    if (words < 1 || words > 2 || words > argc)
        fs_fail("cmd_lookup used %d words of %d", words, argc);
    switch (cmd_parse(cmd, argc - words + 1, argv + words - 1, &parsed, &e)) {
    case CMD_PARSE_HELP:
        cmd_print_usage(fs_out(), cmd, true);
        break;
    case CMD_PARSE_USAGE:
        if (e.msg[0] == '\0')
            fs_fail("'%s' refused its arguments without saying why", cmd->name);
        cmd_print_usage(fs_out(), cmd, false);
        break;
    case CMD_PARSE_OK:
        fs_parsed++;
        fs_check_request(cmd, &parsed);
        break;
    default:
        fs_fail("cmd_parse returned an unknown result");
    }
}

int fuzz_shell_input(const uint8_t *data, size_t size)
{
    char *line = malloc(size + 1);
    if (line == NULL)
        fs_fail("out of memory");
    memcpy(line, data, size);
    line[size] = '\0';
    fs_lines++;

    shell_words words;
    shell_split_result split = shell_split(line, &words);
    if (split != SHELL_SPLIT_OK) {
        const char *why = shell_split_error(split);
        if (words.argc != 0 || words.argv != NULL || why == NULL || why[0] == '\0')
            fs_fail("split error %d left words behind or has no sentence", (int)split);
        free(line);
        return 0;
    }
    size_t len = strlen(line);
    if (words.argc < 0 || (words.argc > 0 && words.argv == NULL) ||
        (words.argv && words.argv[words.argc] != NULL))
        fs_fail("split gave %d words without a NULL after them", words.argc);
    for (int i = 0; i < words.argc; i++)
        if (words.argv[i] == NULL || strlen(words.argv[i]) > len)
            fs_fail("word %d is missing or longer than the line", i);
    if (words.argc > 0)
        fs_command(words.argc, words.argv);
    shell_words_free(&words);
    free(line);
    return 0;
}

#ifndef OKR_FUZZ_REPLAY
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_shell_input(data, size);
}
#endif

/* ------------------------------------------------------------ seed corpus */

/* Every command with its options, the quoting rules, and lines the parser
 * must refuse. Names are the file names in corpus/shell/. */
static const struct {
    const char *name;
    const char *line;
} fs_seeds[] = {
    {"period_add", "period add 2026-Q4 --start 2026-10-01 --end 2026-12-31"},
    {"period_list", "period list"},
    {"period_close", "period close 2026-Q3"},
    {"period_reopen", "period reopen 2026-Q3"},
    {"team_add", "team add platform --parent eng"},
    {"team_list", "team list"},
    {"obj_add", "obj add \"Ship v2\" --team eng --period 2026-Q4 --committed --owner alice "
                "--description 'The big one' --align-to O1:2 --align-to K4"},
    {"obj_add_aspirational", "obj add 'Delight users' --aspirational"},
    {"obj_edit", "obj edit O2 --title \"Ship v2.1\" --description '' --owner '' --team ops "
                 "--aspirational"},
    {"obj_show", "obj show O1"},
    {"obj_list", "obj list --period 2026-Q4 --team eng --all"},
    {"obj_align", "obj align O3 K4 --weight 5"},
    {"obj_unalign", "obj unalign O4 O3"},
    {"obj_archive", "obj archive O3"},
    {"obj_restore", "obj restore O6"},
    {"obj_delete", "obj delete O4"},
    {"kr_add_metric", "kr add O2 'Revenue from v2' --kind metric --from 0 --to 1e6 --unit EUR "
                      "--weight 3 --owner bob"},
    {"kr_add_threshold", "kr add O3 Uptime --kind threshold --at-least 99.9 --unit %"},
    {"kr_add_at_most", "kr add O3 'p99 latency' --kind threshold --at-most 200 --unit ms"},
    {"kr_add_milestone", "kr add O2 Launch --kind milestone"},
    {"kr_add_rollup", "kr add O1 'Teams on target' --kind rollup --weight 2"},
    {"kr_edit", "kr edit K1 --title Revenue --kind metric --from 10 --to 20 --unit k "
                "--weight 7 --owner carol"},
    {"kr_show", "kr show K4"},
    {"kr_delete", "kr delete K3"},
    {"checkin", "checkin K1 42.5 --confidence 0.7 --note \"good \\\"week\\\"\""},
    {"checkin_negative", "checkin K5 -- -5"},
    {"checkin_done", "checkin K3 done"},
    {"history", "history K1 --limit 20"},
    {"show", "show K2"},
    {"tree", "tree O1 --period 2026-Q4 --team eng"},
    {"tree_all", "tree"},
    {"status", "status"},
    {"watch", "watch O1 K2 --from 10 --count 5"},
    {"help", "help"},
    {"help_cmd", "help obj add"},
    {"help_option", "kr add -h"},
    {"comment", "  # just a comment"},
    {"empty", ""},
    {"escapes", "obj add a\\ b\\'c \"d\\$e\\`f\\\\\" 'g\\h' # trailing"},
    {"open_quote", "obj add 'never closed"},
    {"trailing_backslash", "checkin K1 3 \\"},
    {"unknown", "frobnicate --now"},
    {"group_only", "obj"},
    {"group_option", "kr --help"},
    {"missing_value", "kr add O1 x --from"},
    {"bad_number", "checkin K1 1e999"},
    {"bad_id", "obj show O0"},
    {"unknown_option", "obj list --bogus=1"},
    {"too_many_args", "status now please"},
    {"long_option_eq", "history K1 --limit=5000000000"},
    {"tabs_crlf", "\tobj\tlist\t--all\r\n"},
};

int fuzz_shell_make_corpus(const char *dir)
{
    int written = 0;
    for (size_t i = 0; i < sizeof fs_seeds / sizeof fs_seeds[0]; i++) {
        if (fuzz_write_file(dir, fs_seeds[i].name, fs_seeds[i].line,
                            strlen(fs_seeds[i].line)) != 0)
            return -1;
        written++;
    }
    return written;
}
