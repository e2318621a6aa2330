/* test_export.c — okr export and okr import (issue 12) against real okrd's.
 *
 * One organisation is built on a server A: a year and a quarter (closed at
 * the end) and a third period whose links stay inside it; teams with a
 * parent; committed, aspirational, archived objectives and one scored from
 * aligned children; metric, milestone, threshold and roll-up KRs; weighted
 * alignments; check-ins by two authors, one note holding a comma, a quote
 * and a line feed. Then:
 *  - export -> import on an empty server -> export is byte-identical, and
 *    every node's score on the new server equals the original's;
 *  - one period goes into a server that holds data: new ids, the links
 *    follow them, authors and times are kept, scores equal;
 *  - a file with one bad record (the last check-in) changes nothing, with
 *    the handler's own sentence; a file of several periods into a server
 *    with data, and a link to a record outside the file, are refused;
 *  - --csv checkins quotes as RFC 4180 says, with CRLF line ends;
 *  - a file too large for one request is refused before anything is sent.
 *  - in secure mode an editor's Import is refused (admin only) and changes
 *    nothing; an admin's is applied, its event's actor the admin, while
 *    the check-ins keep the authors the file names.
 * (test_secure.c sends every mutating request type, Import too, as a
 * viewer.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zmq.h>

#include "harness.h"

typedef struct {
    struct harness_server a, b;
    char path[HARNESS_PATH_MAX + 32];      /* an export file in a's directory */
} world;

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    if (w == NULL || harness_server_start(&w->a, NULL) != 0 ||
        harness_server_start(&w->b, NULL) != 0)
        return -1;
    snprintf(w->path, sizeof w->path, "%s/export.json", w->a.root);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    harness_server_destroy(&w->a);
    harness_server_destroy(&w->b);
    free(w);
    return 0;
}

#define OK(s, ...) harness_okr_quiet((s), __VA_ARGS__, NULL)

/* A check-in sent raw: the CLI keeps notes to one line, the protocol allows
 * line feeds (docs/protocol.md, "Text rules"). */
static void raw_checkin(struct harness_server *s, const char *kr, double value,
                        const char *note)
{
    Okr__CheckInAdd in = OKR__CHECK_IN_ADD__INIT;
    in.kr = (char *)kr;
    in.has_value = true;
    in.value = value;
    in.note = (char *)note;
    Okr__Request req = OKR__REQUEST__INIT;
    req.user = "bob";
    req.body_case = OKR__REQUEST__BODY_CHECKIN;
    req.checkin = &in;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(resp, NULL);
}

static const char *const NOTE = "up, \"finally\"\nafter the fix";

static void populate(struct harness_server *s)
{
    OK(s, "period", "add", "2026", "--start", "2026-01-01", "--end", "2026-12-31");
    OK(s, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31");
    OK(s, "period", "add", "2027-Q1", "--start", "2027-01-01", "--end", "2027-03-31");
    OK(s, "team", "add", "eng");
    OK(s, "team", "add", "core", "--parent", "eng");
    OK(s, "team", "add", "web", "--parent", "eng");
    OK(s, "team", "add", "sales");
    OK(s, "obj", "add", "Be the fastest", "--team", "eng", "--period", "2026", "--committed",
       "--owner", "carol");                                          /* O1 */
    OK(s, "kr", "add", "O1", "Teams hit their goals", "--kind", "rollup");    /* K1 */
    OK(s, "obj", "add", "Quarter: fast, \"really\"", "--team", "core", "--period", "2026-Q4",
       "--align-to", "K1:3", "--align-to", "O1:2", "--description", "why it matters");  /* O2 */
    OK(s, "kr", "add", "O2", "p99 latency", "--from", "180", "--to", "60", "--unit", "ms",
       "--weight", "2", "--owner", "dave");                          /* K2 */
    OK(s, "kr", "add", "O2", "Launch in Spain", "--kind", "milestone");        /* K3 */
    OK(s, "kr", "add", "O2", "Churn", "--at-most", "2", "--unit", "%");       /* K4 */
    OK(s, "--user", "alice", "checkin", "K2", "150", "--confidence", "0.6");
    raw_checkin(s, "K2", 120.5, NOTE);
    OK(s, "checkin", "K3", "1", "--note", "done");
    OK(s, "checkin", "K4", "1.5");
    OK(s, "obj", "add", "Dropped idea", "--team", "web", "--period", "2026-Q4",
       "--align-to", "K1");                                          /* O3 */
    OK(s, "kr", "add", "O3", "Signups", "--from", "0", "--to", "10");         /* K5 */
    OK(s, "checkin", "K5", "4");
    OK(s, "obj", "archive", "O3");
    OK(s, "obj", "add", "Grow sales", "--team", "sales", "--period", "2027-Q1",
       "--progress", "aligned");                                     /* O4 */
    OK(s, "kr", "add", "O4", "Regions", "--kind", "rollup");          /* K6 */
    OK(s, "obj", "add", "Open Lisbon", "--team", "sales", "--period", "2027-Q1",
       "--align-to", "K6:2", "--align-to", "O4");                    /* O5 */
    OK(s, "kr", "add", "O5", "Deals", "--from", "0", "--to", "8", "--owner", "erin");  /* K7 */
    OK(s, "--user", "erin", "checkin", "K7", "3", "--confidence", "0.8", "--note", "two big ones");
    OK(s, "--user", "alice", "checkin", "K7", "5");
    OK(s, "period", "close", "2026-Q4");
}

/* stdout of a command that must succeed, copied (free it). */
static char *okr_out(struct harness_server *s, ...)
{
    const char *args[24];
    va_list ap;
    va_start(ap, s);
    int n = 0;
    while (n < 23 && (args[n] = va_arg(ap, const char *)) != NULL)
        n++;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    assert_int_equal(harness_okr_argv(s->requests, &r, NULL, args), 0);
    harness_expect_exit(&r, 0);
    char *out = strdup(r.out);
    harness_result_free(&r);
    return out;
}

static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* a's export, written to w->path (--json) and parsed: the file a test
 * edits (json_object_put it). */
static struct json_object *export_doc(world *w)
{
    OK(&w->a, "export", "--json", w->path);
    char *text = read_text(w->path);
    struct json_object *doc = harness_json_parse(text);
    free(text);
    return doc;
}

/* Write an edited export back to w->path. */
static void write_doc(world *w, struct json_object *doc)
{
    write_text(w->path, json_object_to_json_string(doc));
}

/* okr --json history KR on s, parsed (json_object_put it). */
static struct json_object *history_doc(struct harness_server *s, const char *kr)
{
    char *out = okr_out(s, "history", kr, "--json", NULL);
    struct json_object *doc = harness_json_parse(out);
    free(out);
    return doc;
}

/* "id=score" of every node of a snapshot, with `from` ids renamed `to`
 * (parallel lists, may be empty), one per line in snapshot order. */
static char *scores(struct harness_server *s)
{
    Okr__SnapshotGet get = OKR__SNAPSHOT_GET__INIT;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &get;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    const Okr__Snapshot *snap = resp->snapshot;
    assert_false(snap->more);
    static char buf[8192];
    size_t used = 0;
    for (size_t i = 0; i < snap->n_objectives; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s=%lld\n",
                                 snap->objectives[i]->id,
                                 (long long)snap->objectives[i]->score);
    for (size_t i = 0; i < snap->n_krs; i++)
        used += (size_t)snprintf(buf + used, sizeof buf - used, "%s=%lld\n", snap->krs[i]->id,
                                 (long long)snap->krs[i]->score);
    okr__response__free_unpacked(resp, NULL);
    return strdup(buf);
}

/* The score line of node id in a scores() text, or "" (static). */
static const char *score_line(const char *all, const char *id)
{
    static char line[64];
    char key[24];
    snprintf(key, sizeof key, "%s=", id);
    for (const char *p = all; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, key, strlen(key)) == 0) {
            snprintf(line, sizeof line, "%.*s", (int)strcspn(p + strlen(key), "\n"),
                     p + strlen(key));
            return line;
        }
    }
    return "";
}

/* ------------------------------------------------------------ round trip */

static void test_round_trip_on_an_empty_server_is_byte_identical(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "export", "--json", w->path);
    char *first = read_text(w->path);
    char *via_stdout = okr_out(&w->a, "export", NULL);
    assert_string_equal(first, via_stdout);           /* deterministic, either way */
    assert_non_null(strstr(first, "\"format\":\"okr-export\",\n  \"version\":1,"));

    char *said = okr_out(&w->b, "--user", "importer", "import", w->path, NULL);
    assert_string_equal(said, "imported 3 periods, 4 teams, 5 objectives, 7 key results, "
                              "5 alignments, 7 check-ins (seq 1)\n");
    char *second = okr_out(&w->b, "export", NULL);
    assert_string_equal(first, second);

    /* Every score, recomputed by the roll-up on the way in, is the original's. */
    char *sa = scores(&w->a), *sb = scores(&w->b);
    assert_string_equal(sa, sb);
    assert_string_equal(score_line(sa, "O2"), "747917");   /* (2 x .495833 + 1 + 1) / 4 */
    assert_string_equal(score_line(sa, "O4"), "625000");   /* aligned: O5 */
    /* One event, whose actor is the importing admin. */
    assert_int_equal(harness_last_seq(&w->b), 1);
    char *log = okr_out(&w->b, "log", "--json", NULL);
    assert_non_null(strstr(log, "\"actor\":\"importer\""));
    free(log);
    log = okr_out(&w->b, "log", NULL);
    assert_non_null(strstr(log, "importer import 5 objectives, 7 key results, 7 check-ins"));
    free(log);
    free(sa), free(sb), free(first), free(via_stdout), free(said), free(second);
}

/* Check-ins keep their author and time; objectives their created_at. */
/* A carried objective and its KRs keep "carried from" through a round trip,
 * with the new ids; a period imported alone drops an origin it does not
 * hold (the copy stands on its own there). */
static void test_carried_from_links_follow_the_new_ids(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "carry", "O2", "--to", "2027-Q1", "--with-krs");     /* O6, K8.. */
    OK(&w->a, "export", "--json", w->path);
    char *first = read_text(w->path);
    assert_non_null(strstr(first, "\"origin\":\"O2\""));
    OK(&w->b, "import", w->path);
    char *second = okr_out(&w->b, "export", NULL);
    assert_string_equal(first, second);
    free(first), free(second);

    struct harness_server c = {0};
    assert_int_equal(harness_server_start(&c, NULL), 0);
    OK(&c, "import", w->path, "--period", "2027-Q1");
    char *alone = okr_out(&c, "export", NULL);
    assert_null(strstr(alone, "\"origin\""));
    free(alone);
    harness_server_destroy(&c);
}

static void test_import_keeps_authors_times_and_archived(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "export", "--json", w->path);
    OK(&w->b, "import", w->path);
    char *ha = okr_out(&w->a, "history", "K2", "--json", NULL);
    char *hb = okr_out(&w->b, "history", "K2", "--json", NULL);
    /* scores/score_moves: history's score moves, read from each server's own
     * audit log (the import is one event there) */
    const char *const drop[] = {"seq", "id", "health", "expected", "scores", "score_moves",
                                NULL};
    char *ca = harness_json_canonical(ha, drop), *cb = harness_json_canonical(hb, drop);
    assert_string_equal(ca, cb);
    assert_non_null(strstr(hb, "\"author\":\"alice\""));
    assert_non_null(strstr(hb, "\"author\":\"bob\""));
    char *oa = okr_out(&w->a, "obj", "list", "--all", "--json", NULL);
    char *ob = okr_out(&w->b, "obj", "list", "--all", "--json", NULL);
    free(ca), free(cb);
    ca = harness_json_canonical(oa, drop), cb = harness_json_canonical(ob, drop);
    assert_string_equal(ca, cb);
    assert_non_null(strstr(ob, "\"archived\":true"));
    free(ha), free(hb), free(ca), free(cb), free(oa), free(ob);
}

/* An import makes all its check-ins in one change (one seq), so they are
 * told apart by their place: ids "1", "1.1", "1.2" ... in the file's order
 * (K2's two, K3, K4, K5, K7's two). Each can be corrected by its id, and a
 * check-in corrected before the export keeps who did it and when; a closed
 * period keeps when it was closed. */
static void test_imported_checkins_have_ids_of_their_own_and_keep_their_corrections(
    void **state)
{
    world *w = *state;
    populate(&w->a);
    struct json_object *doc = history_doc(&w->a, "K7");
    char k7_id[32];
    snprintf(k7_id, sizeof k7_id, "%s", harness_json_string(doc, "checkins.0.id"));
    json_object_put(doc);
    OK(&w->a, "--user", "carol", "checkin", "edit", k7_id, "--note", "typo");
    doc = history_doc(&w->a, "K7");
    char edited_at[40];
    snprintf(edited_at, sizeof edited_at, "%s", harness_json_string(doc, "checkins.0.edited_at"));
    json_object_put(doc);
    char *periods_a = okr_out(&w->a, "period", "list", "--json", NULL);

    OK(&w->a, "export", "--json", w->path);
    OK(&w->b, "import", w->path);
    char *first = read_text(w->path), *second = okr_out(&w->b, "export", NULL);
    assert_string_equal(first, second);                 /* edited_*, closed_at: kept */
    assert_non_null(strstr(first, "\"edited_by\":\"carol\""));
    assert_non_null(strstr(first, "\"closed_at\":"));
    char *periods_b = okr_out(&w->b, "period", "list", "--json", NULL);
    assert_string_equal(periods_a, periods_b);
    free(first), free(second), free(periods_a), free(periods_b);

    doc = history_doc(&w->b, "K2");
    assert_string_equal(harness_json_string(doc, "checkins.0.id"), "1");
    assert_string_equal(harness_json_string(doc, "checkins.1.id"), "1.1");
    json_object_put(doc);
    doc = history_doc(&w->b, "K7");
    assert_string_equal(harness_json_string(doc, "checkins.0.id"), "1.5");
    assert_string_equal(harness_json_string(doc, "checkins.0.edited_by"), "carol");
    assert_string_equal(harness_json_string(doc, "checkins.0.edited_at"), edited_at);
    assert_string_equal(harness_json_string(doc, "checkins.1.id"), "1.6");
    json_object_put(doc);
    char *h = okr_out(&w->b, "history", "K7", NULL);
    assert_non_null(strstr(h, "#1.5 "));
    assert_non_null(strstr(h, "typo (edited by carol)"));
    free(h);

    /* K7 (0 -> 8): 5 -> 8 is 0.625 -> 1. */
    char *out = okr_out(&w->b, "checkin", "edit", "#1.6", "--value", "8", NULL);
    assert_non_null(strstr(out, "K7 0.625000 -> 1.000000\n"));
    free(out);
    out = okr_out(&w->b, "checkin", "edit", "1.5", "--note", "first", NULL);
    assert_string_equal(out, "check-in #1.5 edited; no score moved\n");
    free(out);
    doc = history_doc(&w->b, "K7");
    assert_string_equal(harness_json_string(doc, "checkins.0.note"), "first");
    assert_string_equal(harness_json_text(doc, "checkins.1.value"), "8");
    json_object_put(doc);
    out = okr_out(&w->b, "log", NULL);
    assert_non_null(strstr(out, "checkin edit #1.6 of K7 (value 8)"));
    free(out);

    /* "1" is K2's first: found, and refused for its closed period. */
    struct harness_result r;
    harness_okr(&w->b, &r, "checkin", "edit", "1", "--note", "x", NULL);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err, "okr: PERIOD_CLOSED: period 2026-Q4 of objective O2 is closed\n");
    harness_result_free(&r);
    harness_okr(&w->b, &r, "checkin", "delete", "1.9", NULL);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err, "okr: NOT_FOUND: no check-in #1.9 (okr history KR lists a key "
                               "result's check-ins with their ids)\n");
    harness_result_free(&r);
    harness_okr(&w->b, &r, "checkin", "delete", "1.x", NULL);
    harness_expect_exit(&r, 2);
    assert_non_null(strstr(r.err, "ID '1.x' is not a check-in's number"));
    harness_result_free(&r);
}

/* ------------------------------------------------------------ one period */

static void test_one_period_into_a_server_with_data_gets_new_ids_and_keeps_links(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "export", "--json", w->path);
    OK(&w->b, "period", "add", "2026-H2", "--start", "2026-07-01", "--end", "2026-12-31");
    OK(&w->b, "team", "add", "sales");
    OK(&w->b, "obj", "add", "Already here", "--team", "sales", "--period", "2026-H2"); /* O1 */
    OK(&w->b, "kr", "add", "O1", "Old KR", "--from", "0", "--to", "1");               /* K1 */
    uint64_t seq = harness_last_seq(&w->b);

    char *said = okr_out(&w->b, "import", w->path, "--period", "2027-Q1", NULL);
    char want[512];
    snprintf(want, sizeof want,
             "imported 1 periods, 0 teams, 2 objectives, 2 key results, 2 alignments, "
             "2 check-ins (seq %llu)\nO4 -> O2\nO5 -> O3\nK6 -> K2\nK7 -> K3\n",
             (unsigned long long)seq + 1);
    assert_string_equal(said, want);

    /* The links follow the new ids; the scores are the original's. */
    char *show = okr_out(&w->b, "obj", "show", "O3", "--json", NULL);
    struct json_object *doc = harness_json_parse(show);
    struct json_object *to_kr = harness_json_array_find(doc, "parents", "id", "K2");
    struct json_object *to_obj = harness_json_array_find(doc, "parents", "id", "O2");
    assert_non_null(to_kr);
    assert_non_null(to_obj);
    assert_int_equal(harness_json_int(to_kr, "weight"), 2);
    json_object_put(doc);
    char *sa = scores(&w->a), *sb = scores(&w->b);
    assert_string_equal(score_line(sb, "O2"), score_line(sa, "O4"));
    assert_string_equal(score_line(sb, "O3"), score_line(sa, "O5"));
    assert_string_equal(score_line(sb, "K2"), score_line(sa, "K6"));
    assert_string_equal(score_line(sb, "K3"), score_line(sa, "K7"));
    assert_string_equal(score_line(sb, "O3"), "625000");
    assert_string_equal(score_line(sb, "O1"), "0");       /* what was there is untouched */

    /* The period out of b is the period out of a, ids aside. */
    char *pa = okr_out(&w->a, "export", "--period", "2027-Q1", NULL);
    char *pb = okr_out(&w->b, "export", "--period", "2027-Q1", NULL);
    assert_non_null(strstr(pb, "\"author\":\"erin\""));
    assert_int_equal(strlen(pa), strlen(pb));             /* same ids' lengths: O4->O2 ... */
    free(said), free(show), free(sa), free(sb), free(pa), free(pb);
}

/* ------------------------------------------------------------ refusals */

static void expect_refused(struct harness_server *s, const char *path, const char *period,
                           const char *want_err)
{
    char *before = okr_out(s, "export", NULL);
    uint64_t seq = harness_last_seq(s);
    struct harness_result r;
    if (period)
        harness_okr(s, &r, "import", path, "--period", period, NULL);
    else
        harness_okr(s, &r, "import", path, NULL);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err, want_err);
    assert_string_equal(r.out, "");
    harness_result_free(&r);
    char *after = okr_out(s, "export", NULL);
    assert_string_equal(before, after);                 /* nothing changed */
    assert_int_equal(harness_last_seq(s), seq);         /* and no event */
    free(before), free(after);
}

static void test_a_bad_record_changes_nothing(void **state)
{
    world *w = *state;
    populate(&w->a);
    /* The last check-in (K7, 5) becomes a check-in of the milestone K3 with 0.5. */
    struct json_object *doc = export_doc(w);
    struct json_object *list = harness_json_find(doc, "checkins");
    size_t last = json_object_array_length(list) - 1;
    struct json_object *bad = json_object_array_get_idx(list, last);
    json_object_object_add(bad, "kr", json_object_new_string("K3"));
    json_object_object_add(bad, "value", json_object_new_double(0.5));
    write_doc(w, doc);
    json_object_put(doc);

    char want[256];
    snprintf(want, sizeof want, "okr: INVALID_ARGUMENT: import: checkins[%zu] (K3): K3 is a "
                                "milestone: value must be 1 (done) or 0, not 0.5\n", last);
    expect_refused(&w->b, w->path, NULL, want);
    char *empty = okr_out(&w->b, "export", NULL);
    assert_string_equal(empty, "{\n  \"format\":\"okr-export\",\n  \"version\":1\n}\n");
    free(empty);
}

/* An edited_by without its edited_at is refused, and changes nothing. */
static void test_an_edit_mark_without_its_time_is_refused(void **state)
{
    world *w = *state;
    populate(&w->a);
    struct json_object *doc = export_doc(w);
    struct json_object *first = harness_json_find(doc, "checkins.0");
    json_object_object_add(first, "edited_by", json_object_new_string("carol"));
    write_doc(w, doc);
    json_object_put(doc);
    expect_refused(&w->b, w->path, NULL,
                   "okr: INVALID_ARGUMENT: import: checkins[0] (K2): edited_at and edited_by "
                   "go together\n");
}

/* A period closed in the file keeps its closed_at; without one (a file
 * from before okrd kept it) it has none; one before the period's start or
 * its newest check-in is refused and changes nothing. */
static void test_closed_at_is_kept_left_unset_or_refused(void **state)
{
    world *w = *state;
    populate(&w->a);
    struct json_object *doc = export_doc(w);
    struct json_object *q4 = harness_json_find(doc, "periods.1");
    assert_string_equal(harness_json_string(q4, "name"), "2026-Q4");
    int64_t closed_at = harness_json_int(q4, "closed_at");

    /* A correction of one of its check-ins after the close. */
    struct json_object *k2 = harness_json_find(doc, "checkins.0");
    assert_string_equal(harness_json_string(k2, "kr"), "K2");
    json_object_object_add(k2, "edited_at", json_object_new_int64(closed_at + 1));
    json_object_object_add(k2, "edited_by", json_object_new_string("carol"));
    write_doc(w, doc);
    expect_refused(&w->b, w->path, NULL,
                   "okr: INVALID_ARGUMENT: import: periods[1]: closed_at is before "
                   "checkins[0]'s edited_at (a closed period's check-ins are not corrected)\n");
    json_object_object_add(k2, "edited_at", json_object_new_int64(closed_at));
    write_doc(w, doc);
    OK(&w->b, "import", w->path);                   /* at the close itself: kept */
    harness_server_destroy(&w->b);
    assert_int_equal(harness_server_start(&w->b, NULL), 0);
    json_object_object_del(k2, "edited_at");
    json_object_object_del(k2, "edited_by");

    /* 2026-10-01 00:00 UTC: the period's start, before its check-ins (today). */
    json_object_object_add(q4, "closed_at", json_object_new_int64(1790812800000000));
    write_doc(w, doc);
    expect_refused(&w->b, w->path, NULL,
                   "okr: INVALID_ARGUMENT: import: periods[1]: closed_at is before the period's "
                   "newest check-in (nothing is checked in after a close)\n");
    json_object_object_add(q4, "closed_at", json_object_new_int64(INT64_MAX));
    write_doc(w, doc);
    expect_refused(&w->b, w->path, NULL,
                   "okr: INVALID_ARGUMENT: import: periods[1]: closed_at must be a time in Unix "
                   "microseconds, after 1970 and not in the future\n");

    struct json_object *q1 = harness_json_find(doc, "periods.2");  /* 2027-Q1, open */
    assert_false(json_object_get_boolean(harness_json_find(q1, "closed")));
    json_object_object_add(q1, "closed_at", json_object_new_int64(1790812800000000));
    write_doc(w, doc);
    expect_refused(&w->b, w->path, NULL,
                   "okr: INVALID_ARGUMENT: import: periods[2]: closed_at given for an open "
                   "period (\"closed\": false)\n");
    json_object_object_del(q1, "closed_at");

    json_object_object_del(q4, "closed_at");
    write_doc(w, doc);
    json_object_put(doc);
    OK(&w->b, "import", w->path);
    char *list = okr_out(&w->b, "period", "list", "--json", NULL);
    doc = harness_json_parse(list);
    assert_string_equal(harness_json_string(doc, "1.name"), "2026-Q4");
    assert_true(json_object_get_boolean(harness_json_find(doc, "1.closed")));
    struct json_object *at = harness_json_find(doc, "1.closed_at");
    assert_true(at == NULL || json_object_is_type(at, json_type_null));
    json_object_put(doc);
    char *again = okr_out(&w->b, "export", NULL);
    assert_null(strstr(again, "\"closed_at\""));
    free(list), free(again);
}

/* A period can be closed before it begins: its closed_at, earlier than its
 * start, goes out and comes back in. */
static void test_a_period_closed_before_its_start_round_trips(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "period", "add", "2027-Q2", "--start", "2027-04-01", "--end", "2027-06-30");
    OK(&w->a, "period", "close", "2027-Q2");
    char *periods_a = okr_out(&w->a, "period", "list", "--json", NULL);
    struct json_object *doc = harness_json_parse(periods_a);
    assert_string_equal(harness_json_string(doc, "3.name"), "2027-Q2");
    assert_true(strcmp(harness_json_string(doc, "3.closed_at"), "2027-04-01") < 0);  /* ISO */
    json_object_put(doc);
    OK(&w->a, "export", "--json", w->path);
    OK(&w->b, "import", w->path);
    char *periods_b = okr_out(&w->b, "period", "list", "--json", NULL);
    assert_string_equal(periods_a, periods_b);
    char *first = read_text(w->path), *second = okr_out(&w->b, "export", NULL);
    assert_string_equal(first, second);
    free(periods_a), free(periods_b), free(first), free(second);
}

/* A bare seq is (seq, 0) alone: once an import's first check-in is
 * deleted, "1" is not found, not its neighbour. */
static void test_a_bare_id_never_falls_through_to_an_imports_other_checkin(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "export", "--json", w->path, "--period", "2027-Q1");
    OK(&w->b, "import", w->path);     /* K7 there, K2 here: its two check-ins are #1, #1.1 */
    struct json_object *doc = history_doc(&w->b, "K2");
    assert_string_equal(harness_json_string(doc, "checkins.0.id"), "1");
    assert_string_equal(harness_json_string(doc, "checkins.1.id"), "1.1");
    json_object_put(doc);
    OK(&w->b, "checkin", "delete", "1");
    struct harness_result r;
    harness_okr(&w->b, &r, "checkin", "edit", "1", "--note", "x", NULL);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err, "okr: NOT_FOUND: no check-in #1 (okr history KR lists a key "
                               "result's check-ins with their ids)\n");
    harness_result_free(&r);
    char *out = okr_out(&w->b, "checkin", "edit", "1.1", "--note", "x", NULL);
    assert_string_equal(out, "check-in #1.1 edited; no score moved\n");
    free(out);
}

/* The same once the import's event is pruned (--retain): nothing but the
 * id itself says which check-in "1" is. */
static void test_a_bare_id_names_the_same_after_the_import_is_pruned(void **state)
{
    world *w = *state;
    struct harness_server c = {0};
    assert_int_equal(harness_server_start(&c, "--retain", "2", NULL), 0);
    populate(&w->a);
    OK(&w->a, "export", "--json", w->path, "--period", "2027-Q1");
    OK(&c, "import", w->path);                      /* event 1: check-ins #1, #1.1 */
    OK(&c, "checkin", "delete", "1");               /* event 2 */
    OK(&c, "team", "add", "x");
    OK(&c, "team", "add", "y");                     /* event 4: event 1 is pruned */
    struct harness_result r;
    harness_okr(&c, &r, "log", NULL);
    harness_expect_exit(&r, 0);
    assert_null(strstr(r.out, "import"));           /* the import's event is gone */
    assert_non_null(strstr(r.out, "team add y"));
    harness_result_free(&r);
    harness_okr(&c, &r, "checkin", "edit", "1", "--note", "x", NULL);
    harness_expect_exit(&r, 1);
    assert_string_equal(r.err, "okr: NOT_FOUND: no check-in #1 (okr history KR lists a key "
                               "result's check-ins with their ids)\n");
    harness_result_free(&r);
    struct json_object *doc = history_doc(&c, "K2");
    assert_string_equal(harness_json_string(doc, "checkins.0.id"), "1.1");
    assert_null(harness_json_find(doc, "checkins.0.edited_at"));
    json_object_put(doc);
    harness_server_destroy(&c);
}

/* A file that is not exactly one JSON object is refused by okr, with the
 * place, before anything is sent: json-c's lenient mode took comments, a
 * second document glued on, or trailing text, and `null` said "success". */
static void test_a_file_that_is_not_one_strict_json_object_is_refused(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "export", "--json", w->path);
    char *good = read_text(w->path);
    char *before = okr_out(&w->b, "export", NULL);
    size_t lines = 1;
    for (const char *p = good; *p; p++)
        lines += *p == '\n';
    char *glued = malloc(2 * strlen(good) + 1), want_glued[sizeof w->path + 200];
    char want_tail[sizeof w->path + 200];
    strcpy(glued, good);
    strcat(glued, good);
    snprintf(want_glued, sizeof want_glued, "okr: import: %s is not a JSON object: unexpected "
             "character at line %zu, column 1\n", w->path, lines);
    char *tail = malloc(strlen(good) + 8);
    sprintf(tail, "%sxx\n", good);
    snprintf(want_tail, sizeof want_tail, "okr: import: %s is not a JSON object: unexpected "
             "character at line %zu, column 1\n", w->path, lines);
    char commented[64], want_null[sizeof w->path + 200], want_comment[sizeof w->path + 200];
    char want_comma[sizeof w->path + 200];
    snprintf(commented, sizeof commented, "/* a comment */ %s", "{}");
    snprintf(want_null, sizeof want_null, "okr: import: %s is not a JSON object (its top level "
             "is a JSON null)\n", w->path);
    snprintf(want_comment, sizeof want_comment, "okr: import: %s is not a JSON object: "
             "unexpected character at line 1, column 1\n", w->path);
    snprintf(want_comma, sizeof want_comma, "okr: import: %s is not a JSON object: "
             "unexpected character at line 2, column 8\n", w->path);
    const struct { const char *text, *want; } cases[] = {
        {glued, want_glued},
        {tail, want_tail},
        {"null\n", want_null},
        {commented, want_comment},
        {"{\"a\": [1,\n  2, 3,,]}", want_comma},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_text(w->path, cases[i].text);
        struct harness_result r;
        harness_okr(&w->b, &r, "import", w->path, NULL);
        harness_expect_exit(&r, 2);
        assert_string_equal(r.err, cases[i].want);
        harness_result_free(&r);
    }
    char *after = okr_out(&w->b, "export", NULL);
    assert_string_equal(before, after);
    assert_int_equal(harness_last_seq(&w->b), 0);
    write_text(w->path, good);                          /* and the file itself goes in */
    OK(&w->b, "import", w->path);
    free(good), free(before), free(after), free(glued), free(tail);
}

/* Check-ins of one KR come in time order: one earlier than the one before
 * it in the file is refused. */
static void test_check_ins_out_of_time_order_are_refused(void **state)
{
    world *w = *state;
    populate(&w->a);
    struct json_object *doc = export_doc(w);
    struct json_object *first = harness_json_find(doc, "checkins.0");
    struct json_object *second = harness_json_find(doc, "checkins.1");
    assert_string_equal(harness_json_string(first, "kr"), "K2");
    assert_string_equal(harness_json_string(second, "kr"), "K2");
    json_object_object_add(second, "time",
                           json_object_new_int64(harness_json_int(first, "time") - 1));
    write_doc(w, doc);
    json_object_put(doc);
    expect_refused(&w->b, w->path, NULL,
                   "okr: INVALID_ARGUMENT: import: checkins[1] (K2): check-ins of a key result "
                   "must be in time order, none earlier than the one before\n");
}

/* Check-ins at the same time, as --at (whole minutes) and edits make them,
 * export and import in their order: the same history, ids and scores. */
static void test_checkins_at_the_same_time_round_trip(void **state)
{
    world *w = *state;
    OK(&w->a, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31");
    OK(&w->a, "team", "add", "eng");
    OK(&w->a, "obj", "add", "X", "--team", "eng", "--period", "2026-Q4");
    OK(&w->a, "kr", "add", "O1", "M", "--from", "0", "--to", "10");
    OK(&w->a, "checkin", "K1", "2", "--at", "2026-10-05");
    OK(&w->a, "checkin", "K1", "4", "--at", "2026-10-05");
    OK(&w->a, "checkin", "K1", "6", "--at", "2026-10-06");
    uint64_t third = harness_last_seq(&w->a);
    char id[24];
    snprintf(id, sizeof id, "%llu", (unsigned long long)third);
    OK(&w->a, "checkin", "edit", id, "--at", "2026-10-05");     /* a third at 10-05 */
    OK(&w->a, "export", "--json", w->path);
    OK(&w->b, "import", w->path);
    char *first = read_text(w->path), *second = okr_out(&w->b, "export", NULL);
    assert_string_equal(first, second);
    free(first), free(second);
    struct json_object *doc = history_doc(&w->b, "K1");
    assert_int_equal(json_object_array_length(harness_json_find(doc, "checkins")), 3);
    assert_string_equal(harness_json_string(doc, "checkins.0.id"), "1");
    assert_string_equal(harness_json_string(doc, "checkins.2.id"), "1.2");
    json_object_put(doc);
    char *show_a = okr_out(&w->a, "show", "K1", "--json", NULL);
    char *show_b = okr_out(&w->b, "show", "K1", "--json", NULL);
    assert_string_equal(show_a, show_b);
    assert_non_null(strstr(show_a, "\"score\":0.600000"));     /* the newest: 6 */
    free(show_a), free(show_b);
}

static void test_several_periods_into_a_server_with_data_are_refused(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "export", "--json", w->path);
    OK(&w->b, "team", "add", "ops");
    expect_refused(&w->b, w->path, NULL,
                   "okr: CONFLICT: import: this server is not empty (it has periods, teams "
                   "or objectives) and the file holds 3 periods: import one period at a "
                   "time (okr import FILE --period P)\n");
}

static void test_a_link_to_a_record_outside_the_file_is_refused(void **state)
{
    world *w = *state;
    populate(&w->a);
    OK(&w->a, "export", "--json", w->path);
    /* 2026-Q4's O2 aligns to O1 (and K1) of 2026, which --period leaves out. */
    expect_refused(&w->b, w->path, "2026-Q4",
                   "okr: NOT_FOUND: import: alignments[0] (O2 -> O1): parent O1 is not in the "
                   "file (ids of a file refer to its own records; export the period it "
                   "belongs to as well)\n");
}

static void test_an_unknown_field_is_refused_before_sending(void **state)
{
    world *w = *state;
    write_text(w->path, "{\"format\":\"okr-export\",\"version\":1,"
                        "\"periods\":[{\"name\":\"x\",\"colour\":\"red\"}]}");
    struct harness_result r;
    harness_okr(&w->b, &r, "import", w->path, NULL);
    harness_expect_exit(&r, 2);
    char want[HARNESS_PATH_MAX + 128];
    snprintf(want, sizeof want, "okr: import: %s: periods[0].colour is not a field of the "
                                "export format\n", w->path);
    assert_string_equal(r.err, want);
    harness_result_free(&r);
    assert_int_equal(harness_last_seq(&w->b), 0);
}

/* A file bigger than one request frame is sent in parts (a staged import,
 * test_import_staged.c has the rest): the same answer, one event. */
static void test_a_file_over_one_request_is_sent_in_parts(void **state)
{
    world *w = *state;
    size_t cap = 200 * 1024;
    char *text = malloc(cap), *p = text;
    p += sprintf(p, "{\"format\":\"okr-export\",\"version\":1,\"periods\":[{\"name\":\"P\","
                    "\"start\":\"2026-01-01\",\"end\":\"2026-12-31\"}],\"objectives\":[");
    for (int i = 1; i <= 40; i++) {
        p += sprintf(p, "%s{\"id\":\"O%d\",\"title\":\"t\",\"period\":\"P\",\"created_at\":1,"
                        "\"description\":\"", i > 1 ? "," : "", i);
        memset(p, 'x', 3000);
        p += 3000;
        p += sprintf(p, "\"}");
    }
    sprintf(p, "]}");
    write_text(w->path, text);
    free(text);
    struct harness_result r;
    harness_okr(&w->b, &r, "import", w->path, NULL);
    harness_expect_exit(&r, 0);
    assert_string_equal(r.out, "imported 1 periods, 0 teams, 40 objectives, 0 key results, "
                               "0 alignments, 0 check-ins (seq 1)\n");
    assert_string_equal(r.err, "");
    harness_result_free(&r);
    assert_int_equal(harness_last_seq(&w->b), 1);
}

/* ------------------------------------------------------------ CSV */

static void test_csv_quotes_commas_quotes_and_line_feeds(void **state)
{
    world *w = *state;
    OK(&w->a, "period", "add", "2026", "--start", "2026-01-01", "--end", "2026-12-31");
    OK(&w->a, "obj", "add", "O", "--period", "2026");
    OK(&w->a, "kr", "add", "O1", "Count", "--from", "0", "--to", "10");
    OK(&w->a, "--user", "alice", "checkin", "K1", "2.5", "--confidence", "0.7");
    raw_checkin(&w->a, "K1", 4, NOTE);
    char *csv = okr_out(&w->a, "export", "--csv", "checkins", NULL);
    /* Times vary: check the shape of each line around them. */
    const char *header = "time,kr,objective,period,team,value,confidence,note,author\r\n";
    assert_memory_equal(csv, header, strlen(header));
    const char *row1 = strstr(csv, "Z,K1,O1,2026,,2.5,0.70,,alice\r\n");
    const char *row2 = strstr(csv, "Z,K1,O1,2026,,4,,\"up, \"\"finally\"\"\nafter the fix\",bob\r\n");
    assert_non_null(row1);
    assert_non_null(row2);
    assert_true(row1 < row2);
    assert_int_equal(csv[strlen(csv) - 1], '\n');
    assert_int_equal(csv[strlen(csv) - 2], '\r');
    free(csv);
}

/* ------------------------------------------------------------ secure mode */

static Okr__Response *raw_import(struct harness_server *s, Okr__Dump *d)
{
    Okr__Import in = OKR__IMPORT__INIT;
    in.dump = d;
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_IMPORT_DATA;
    req.import_data = &in;
    Okr__Response *resp = harness_request(s, &req);
    assert_non_null(resp);
    return resp;
}

static void test_secure_mode_import_needs_admin(void **state)
{
    (void)state;
    struct harness_server s;
    struct harness_result r;
    char admin_pub[41], admin_sec[41], ed_pub[41], ed_sec[41];
    assert_int_equal(zmq_curve_keypair(admin_pub, admin_sec), 0);
    assert_int_equal(zmq_curve_keypair(ed_pub, ed_sec), 0);
    assert_int_equal(harness_server_prepare(&s, "--secure", NULL), 0);
    harness_okrd_cmd(&r, "--data", s.data_dir, "--print-key", NULL);
    harness_expect_exit(&r, 0);
    char *server_key = harness_chomp(r.out);
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--data", s.data_dir, "--add-user", "ada", "--role", "admin", "--key",
                     admin_pub, NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--data", s.data_dir, "--add-user", "ed", "--role", "editor", "--key",
                     ed_pub, NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    assert_int_equal(harness_server_launch(&s), 0);

    Okr__Period p = OKR__PERIOD__INIT;
    p.name = "2026";
    p.start = "2026-01-01";
    p.end = "2026-12-31";
    Okr__Objective o = OKR__OBJECTIVE__INIT;
    o.id = "O7";
    o.title = "Imported";
    o.period = "2026";
    o.has_created_at = true;
    o.created_at = 1767225600000000;      /* 2026-01-01 */
    Okr__KeyResult k = OKR__KEY_RESULT__INIT;
    k.id = "K9";
    k.objective = "O7";
    k.title = "Count";
    k.has_start = k.has_target = true;
    k.target = 4;
    Okr__CheckIn c = OKR__CHECK_IN__INIT;
    c.kr = "K9";
    c.has_time = c.has_value = true;
    c.time = 1767312000000000;            /* 2026-01-02 */
    c.value = 1;
    c.author = "someone-else";
    Okr__Period *periods[] = {&p};
    Okr__Objective *objectives[] = {&o};
    Okr__KeyResult *krs[] = {&k};
    Okr__CheckIn *checkins[] = {&c};
    Okr__Dump d = OKR__DUMP__INIT;
    d.has_version = true;
    d.version = 1;
    d.n_periods = 1, d.periods = periods;
    d.n_objectives = 1, d.objectives = objectives;
    d.n_key_results = 1, d.key_results = krs;
    d.n_checkins = 1, d.checkins = checkins;

    harness_client_curve(&s, server_key, ed_pub, ed_sec);
    uint64_t seq = harness_last_seq(&s);          /* the offline user adds are events */
    Okr__Response *resp = raw_import(&s, &d);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__PERMISSION_DENIED);
    assert_string_equal(resp->error->message, "import_data needs the admin role; ed is editor");
    okr__response__free_unpacked(resp, NULL);
    assert_int_equal(harness_last_seq(&s), seq);

    harness_client_curve(&s, server_key, admin_pub, admin_sec);
    resp = raw_import(&s, &d);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_IMPORTED);
    assert_int_equal(resp->imported->changed->seq, seq + 1);
    assert_int_equal(resp->imported->n_ids, 2);
    assert_string_equal(resp->imported->ids[0]->from, "O7");
    assert_string_equal(resp->imported->ids[0]->to, "O1");
    assert_string_equal(resp->imported->ids[1]->to, "K1");
    okr__response__free_unpacked(resp, NULL);

    Okr__History h = OKR__HISTORY__INIT;
    h.kr = "K1";
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_HISTORY;
    req.history = &h;
    resp = harness_request(&s, &req);
    assert_non_null(resp);
    assert_int_equal(resp->history->n_checkins, 1);
    assert_string_equal(resp->history->checkins[0]->author, "someone-else");
    assert_int_equal(resp->history->checkins[0]->time, 1767312000000000);
    okr__response__free_unpacked(resp, NULL);

    Okr__LogGet lg = OKR__LOG_GET__INIT;
    lg.has_after_seq = true;
    lg.after_seq = seq;
    req.body_case = OKR__REQUEST__BODY_LOG;
    req.log = &lg;
    resp = harness_request(&s, &req);
    assert_non_null(resp);
    assert_int_equal(resp->log->n_events, 1);
    assert_string_equal(resp->log->events[0]->actor, "ada");
    okr__response__free_unpacked(resp, NULL);
    free(server_key);
    harness_server_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip_on_an_empty_server_is_byte_identical,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_carried_from_links_follow_the_new_ids, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_import_keeps_authors_times_and_archived, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_one_period_into_a_server_with_data_gets_new_ids_and_keeps_links, setup,
            teardown),
        cmocka_unit_test_setup_teardown(
            test_imported_checkins_have_ids_of_their_own_and_keep_their_corrections, setup,
            teardown),
        cmocka_unit_test_setup_teardown(test_an_edit_mark_without_its_time_is_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_closed_at_is_kept_left_unset_or_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_period_closed_before_its_start_round_trips, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_a_bare_id_never_falls_through_to_an_imports_other_checkin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_bare_id_names_the_same_after_the_import_is_pruned,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_bad_record_changes_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_file_that_is_not_one_strict_json_object_is_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_ins_out_of_time_order_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_checkins_at_the_same_time_round_trip, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_several_periods_into_a_server_with_data_are_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_link_to_a_record_outside_the_file_is_refused,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_an_unknown_field_is_refused_before_sending, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_file_over_one_request_is_sent_in_parts, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_csv_quotes_commas_quotes_and_line_feeds, setup,
                                        teardown),
        cmocka_unit_test(test_secure_mode_import_needs_admin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
