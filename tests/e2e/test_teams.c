/* test_teams.c — teams that mean something (issue 11): `team edit`
 * (rename: objectives and sub-teams follow, --verify stays clean;
 * re-parent: a cycle is refused and nothing changes), `team delete` (only
 * an empty team), sub-teams in `tree --team` and `obj list --team` (`--only`
 * for the team alone), `team list` drawn as a tree, `--owner` filters, a
 * KR's owner defaulting to its objective's (derived when read), and
 * `okr due` with ages crafted through DueGet's as_of. Each test runs on a
 * fresh okrd with the real okr. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cache.h"
#include "complete.h"
#include "harness.h"

#define MAX_ARGS 24

static void run(struct harness_server *s, struct harness_result *r, const char *a, va_list ap)
{
    const char *args[MAX_ARGS + 1];
    int n = 0;
    for (const char *x = a; x && n < MAX_ARGS; x = va_arg(ap, const char *))
        args[n++] = x;
    args[n] = NULL;
    assert_int_equal(harness_okr_argv(s->requests, r, NULL, args), 0);
}

/* Run okr; assert exit `code`, stdout `out` and stderr `err` exactly (NULL:
 * not checked). */
static void expect(struct harness_server *s, int code, const char *out, const char *err,
                   const char *a, ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, a);
    run(s, &r, a, ap);
    va_end(ap);
    harness_expect_exit(&r, code);
    if ((out && strcmp(r.out, out) != 0) || (err && strcmp(r.err, err) != 0)) {
        fprintf(stderr, "%s\nprinted:\n%s\nwanted:\n%s\nstderr:\n%s\nwanted:\n%s\n", r.command,
                r.out, out ? out : "(any)", r.err, err ? err : "(any)");
        harness_result_free(&r);
        fail();
    }
    harness_result_free(&r);
}

#define OK(s, out, ...) expect((s), 0, (out), "", __VA_ARGS__, NULL)
#define REFUSED(s, err, ...) expect((s), 1, "", (err), __VA_ARGS__, NULL)

/* The ids of `okr --json ARGS` (an array of objects with "id", or a graph's
 * "objectives" when graph), space-separated, into buf. */
static const char *ids(struct harness_server *s, bool graph, char *buf, size_t len,
                       const char *a, ...)
{
    struct harness_result r;
    const char *args[MAX_ARGS + 2];
    int n = 0;
    va_list ap;
    args[n++] = "--json";
    va_start(ap, a);
    for (const char *x = a; x && n < MAX_ARGS; x = va_arg(ap, const char *))
        args[n++] = x;
    va_end(ap);
    args[n] = NULL;
    assert_int_equal(harness_okr_argv(s->requests, &r, NULL, args), 0);
    harness_expect_exit(&r, 0);
    struct json_object *doc = harness_json_parse(r.out);
    struct json_object *list = graph ? harness_json_find(doc, "objectives") : doc;
    buf[0] = '\0';
    for (size_t i = 0; list && i < json_object_array_length(list); i++) {
        struct json_object *id;
        json_object_object_get_ex(json_object_array_get_idx(list, i), "id", &id);
        size_t used = strlen(buf);
        snprintf(buf + used, len - used, "%s%s", used ? " " : "", json_object_get_string(id));
    }
    json_object_put(doc);
    harness_result_free(&r);
    return buf;
}

static int setup(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL || harness_server_start(s, NULL) != 0) {
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct harness_server *s = *state;
    harness_server_destroy(s);
    free(s);
    return 0;
}

/* Company > Sales > EU, Company > Support, Lone; a future quarter (so health
 * does not depend on today). O1 Company (ana), O2 Sales (bob), O3 EU
 * (ana, aligned to O2), O4 Sales archived (bob). */
static void build_org(struct harness_server *s)
{
    OK(s, "2030-Q1\n", "period", "add", "2030-Q1", "--start", "2030-01-01", "--end",
       "2030-03-31");
    OK(s, "Company\n", "team", "add", "Company");
    OK(s, "Sales\n", "team", "add", "Sales", "--parent", "Company");
    OK(s, "EU\n", "team", "add", "EU", "--parent", "Sales");
    OK(s, "Support\n", "team", "add", "Support", "--parent", "Company");
    OK(s, "Lone\n", "team", "add", "Lone");
    OK(s, "O1\n", "obj", "add", "Alpha", "--team", "Company", "--period", "2030-Q1", "--owner",
       "ana");
    OK(s, "O2\n", "obj", "add", "Beta", "--team", "Sales", "--period", "2030-Q1", "--owner",
       "bob");
    OK(s, "O3\n", "obj", "add", "Gamma", "--team", "EU", "--period", "2030-Q1", "--owner", "ana",
       "--align-to", "O2");
    OK(s, "O4\n", "obj", "add", "Delta", "--team", "Sales", "--period", "2030-Q1", "--owner",
       "bob");
    OK(s, "", "obj", "archive", "O4");
}

static const char org_tree[] =
    "NAME         OBJECTIVES\n"
    "Company      1\n"
    "├── Sales    2\n"
    "│   └── EU   1\n"
    "└── Support  0\n"
    "Lone         0\n";

static void verify_clean(struct harness_server *s)
{
    struct harness_result r;
    harness_okrd_cmd(&r, "--verify", "--data", s->data_dir, NULL);
    harness_expect_exit(&r, 0);
    assert_true(strstr(r.out, "verify: 0 differences") || strstr(r.err, "verify: 0 differences"));
    harness_result_free(&r);
}

/* ------------------------------------------------------------ team list */

static void test_team_list_draws_the_hierarchy(void **state)
{
    struct harness_server *s = *state;
    build_org(s);
    OK(s, org_tree, "team", "list");
    OK(s, "NAME,PARENT,OBJECTIVES\nCompany,,1\nEU,Sales,1\nLone,,0\nSales,Company,2\n"
          "Support,Company,0\n", "--csv", "team", "list");
    /* --json stays a flat list with the parent. */
    struct harness_result r;
    harness_okr(s, &r, "--json", "team", "list", NULL);
    harness_expect_exit(&r, 0);
    assert_string_equal(r.out, "[{\"name\":\"Company\",\"parent\":\"\",\"objectives\":1},"
                               "{\"name\":\"EU\",\"parent\":\"Sales\",\"objectives\":1},"
                               "{\"name\":\"Lone\",\"parent\":\"\",\"objectives\":0},"
                               "{\"name\":\"Sales\",\"parent\":\"Company\",\"objectives\":2},"
                               "{\"name\":\"Support\",\"parent\":\"Company\",\"objectives\":0}]\n");
    harness_result_free(&r);
}

/* ------------------------------------------------------------ team edit */

/* A rename carries the objectives (archived ones too) and the sub-teams,
 * and the by_team index with them: --verify finds nothing. */
static void test_rename_keeps_objectives_and_verify_clean(void **state)
{
    struct harness_server *s = *state;
    char buf[256];
    build_org(s);
    OK(s, "", "team", "edit", "Sales", "--name", "Revenue");
    OK(s, "NAME         OBJECTIVES\n"
          "Company      1\n"
          "├── Revenue  2\n"
          "│   └── EU   1\n"
          "└── Support  0\n"
          "Lone         0\n", "team", "list");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "Revenue",
                            "--only", "--all", NULL), "O2 O4");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "Revenue",
                            NULL), "O2 O3");
    REFUSED(s, "okr: NOT_FOUND: no team \"Sales\" (create it with: okr team add Sales)\n",
            "obj", "list", "--team", "Sales");
    verify_clean(s);
    /* The name is free again; the old one can be made anew, empty. */
    OK(s, "Sales\n", "team", "add", "Sales");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "Sales", "--all",
                            NULL), "");
    REFUSED(s, "okr: CONFLICT: team \"Company\" exists already\n", "team", "edit", "EU",
            "--name", "Company");
    verify_clean(s);
}

/* A parent below the team itself is refused with a sentence, and nothing
 * changes; "-" makes a team top-level. */
static void test_reparent_cycle_refused_state_unchanged(void **state)
{
    struct harness_server *s = *state;
    build_org(s);
    REFUSED(s, "okr: CONFLICT: team Company cannot have parent EU: EU is below it "
               "(EU -> Sales -> Company), so that would make a cycle; the teams stay as "
               "they are\n", "team", "edit", "Company", "--parent", "EU");
    REFUSED(s, "okr: CONFLICT: team Sales cannot be its own parent; the teams stay as they "
               "are\n", "team", "edit", "Sales", "--parent", "Sales");
    REFUSED(s, "okr: CONFLICT: team Sales cannot have parent EU: EU is below it (EU -> "
               "Sales), so that would make a cycle; the teams stay as they are\n",
            "team", "edit", "Sales", "--name", "Revenue", "--parent", "EU");
    OK(s, org_tree, "team", "list");
    OK(s, "", "team", "edit", "EU", "--parent", "-");
    OK(s, "", "team", "edit", "Lone", "--parent", "Support");
    OK(s, "NAME          OBJECTIVES\n"
          "Company       1\n"
          "├── Sales     2\n"
          "└── Support   0\n"
          "    └── Lone  0\n"
          "EU            1\n", "team", "list");
    expect(s, 2, "", NULL, "team", "edit", "EU", NULL);   /* nothing to change */
    verify_clean(s);
}

/* ------------------------------------------------------------ team delete */

static void test_delete_only_an_empty_team(void **state)
{
    struct harness_server *s = *state;
    build_org(s);
    REFUSED(s, "okr: CONFLICT: team Sales still has 2 objectives (O2 ..., archived ones "
               "included) and 1 sub-team (EU); move or delete them first\n",
            "team", "delete", "Sales");
    REFUSED(s, "okr: CONFLICT: team Company still has 1 objective (O1, archived ones "
               "included) and 2 sub-teams (Sales ...); move or delete them first\n",
            "team", "delete", "Company");
    REFUSED(s, "okr: CONFLICT: team EU still has 1 objective (O3, archived ones included); "
               "move or delete it first\n", "team", "delete", "EU");
    OK(s, org_tree, "team", "list");
    OK(s, "", "team", "delete", "Lone");
    OK(s, "", "team", "delete", "Support");
    OK(s, "NAME        OBJECTIVES\n"
          "Company     1\n"
          "└── Sales   2\n"
          "    └── EU  1\n", "team", "list");
    REFUSED(s, "okr: NOT_FOUND: no team \"Lone\" (create it with: okr team add Lone)\n",
            "team", "delete", "Lone");
    verify_clean(s);
}

/* ------------------------------------------------------------ sub-teams */

static void test_tree_and_list_include_sub_teams_only_excludes(void **state)
{
    struct harness_server *s = *state;
    char buf[256];
    build_org(s);
    OK(s, "O5\n", "obj", "add", "Epsilon", "--team", "Support", "--period", "2030-Q1");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "Company",
                            NULL), "O1 O2 O3 O5");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "Company",
                            "--all", NULL), "O1 O2 O3 O4 O5");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "Company",
                            "--only", NULL), "O1");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "Sales", NULL),
                        "O2 O3");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "Sales",
                            "--only", NULL), "O2");
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--team", "Company", NULL),
                        "O1 O2 O3 O5");
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--team", "EU", NULL), "O3");
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--team", "Support", "--only",
                            NULL), "O5");
    /* O3 (EU) is drawn under its parent O2 (Sales), both in scope. */
    OK(s, "               PROGRESS    SCORE  HEALTH     CONF\n"
          "O2  Beta       ░░░░░░░░░░  0.000  on_track   -\n"
          "└── O3  Gamma  ░░░░░░░░░░  0.000  on_track   -\n", "tree", "--team", "Sales");
    /* --only: the team alone; O3 is still drawn below O2, as --team always drew
     * what is aligned below a root. */
    OK(s, "               PROGRESS    SCORE  HEALTH     CONF\n"
          "O2  Beta       ░░░░░░░░░░  0.000  on_track   -\n"
          "└── O3  Gamma  ░░░░░░░░░░  0.000  on_track   -\n", "tree", "--team", "Sales",
       "--only");
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--team", "EU", "--only", NULL),
                        "O3");
    expect(s, 2, "", "okr: obj list: --only goes with --team\n"
                     "usage: okr obj list [--period P] [--team T [--only]] [--owner U] [--all]\n",
           "obj", "list", "--only", NULL);
}

/* ------------------------------------------------------------ owners */

/* obj list --owner: objectives U owns. tree --owner: those, and those with a
 * KR that U owns explicitly. A KR without an owner is its objective's
 * owner's, whoever that is when read. */
static void test_owner_filters_and_kr_owner_default(void **state)
{
    struct harness_server *s = *state;
    char buf[256];
    build_org(s);
    OK(s, "K1\n", "kr", "add", "O1", "Signups", "--from", "0", "--to", "10");
    OK(s, "K2\n", "kr", "add", "O1", "Churn", "--at-most", "2", "--owner", "cy");
    OK(s, "K3\n", "kr", "add", "O2", "Deals", "--from", "0", "--to", "5", "--owner", "ana");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--owner", "ana", NULL),
                        "O1 O3");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--owner", "bob", "--all",
                            NULL), "O2 O4");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--owner", "cy", NULL), "");
    /* O2 has K3 of ana's; O3 (ana) lies under O2, so it is drawn there, not twice. */
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--owner", "ana", NULL),
                        "O1 O2 O3");
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--owner", "cy", NULL), "O1");
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--owner", "bob", NULL), "O2 O3");
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--owner", "ana", "--team", "EU",
                            NULL), "O3");

    /* K1 has no owner of its own: ana's, through O1, and it follows O1. */
    struct harness_result r;
    harness_okr(s, &r, "kr", "show", "K1", NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, "\n  owner        ana (the objective's)\n"));
    harness_result_free(&r);
    harness_okr(s, &r, "kr", "show", "K2", NULL);
    assert_non_null(strstr(r.out, "\n  owner        cy\n"));
    harness_result_free(&r);
    OK(s, "", "obj", "edit", "O1", "--owner", "dan");
    harness_okr(s, &r, "--json", "kr", "show", "K1", NULL);
    struct json_object *doc = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(doc, "owner"), "dan");
    assert_true(json_object_get_boolean(harness_json_find(doc, "owner_inherited")));
    json_object_put(doc);
    harness_result_free(&r);
    harness_okr(s, &r, "--json", "obj", "show", "O1", NULL);
    doc = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(doc, "krs.0.owner"), "dan");
    assert_string_equal(harness_json_string(doc, "krs.1.owner"), "cy");
    assert_false(json_object_get_boolean(harness_json_find(doc, "krs.1.owner_inherited")));
    json_object_put(doc);
    harness_result_free(&r);
    /* An empty --owner gives a KR back to its objective's owner. */
    OK(s, "", "kr", "edit", "K3", "--owner", "");
    harness_okr(s, &r, "kr", "show", "K3", NULL);
    assert_non_null(strstr(r.out, "\n  owner        bob (the objective's)\n"));
    harness_result_free(&r);
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--owner", "ana", NULL),
                        "O3");
}

/* ------------------------------------------------------------ due */

/* Ages crafted through --as-of (DueGet.as_of, a time ahead of now): periods
 * that start on different days give never-checked-in KRs different ages. */
static void build_due(struct harness_server *s)
{
    OK(s, "A\n", "period", "add", "A", "--start", "2030-01-01", "--end", "2030-03-31");
    OK(s, "B\n", "period", "add", "B", "--start", "2030-01-10", "--end", "2030-03-31");
    OK(s, "C\n", "period", "add", "C", "--start", "2030-02-01", "--end", "2030-03-31");
    OK(s, "D\n", "period", "add", "D", "--start", "2029-12-01", "--end", "2030-03-31");
    OK(s, "O1\n", "obj", "add", "Alpha", "--period", "A", "--owner", "ana");
    OK(s, "O2\n", "obj", "add", "Beta", "--period", "B", "--owner", "bob");
    OK(s, "O3\n", "obj", "add", "Gamma", "--period", "C", "--owner", "ana");
    OK(s, "O4\n", "obj", "add", "Delta", "--period", "D", "--owner", "ana");
    OK(s, "O5\n", "obj", "add", "Eps", "--period", "A", "--owner", "ana");
    OK(s, "K1\n", "kr", "add", "O1", "Kone", "--from", "0", "--to", "10");           /* ana */
    OK(s, "K2\n", "kr", "add", "O1", "Ktwo", "--from", "0", "--to", "10", "--owner", "bob");
    OK(s, "K3\n", "kr", "add", "O2", "Kthree", "--from", "0", "--to", "10", "--owner", "ana");
    OK(s, "K4\n", "kr", "add", "O1", "Kroll", "--kind", "rollup");                 /* no check-ins */
    OK(s, "K5\n", "kr", "add", "O1", "Kdone", "--kind", "milestone");
    OK(s, "K6\n", "kr", "add", "O1", "Ksix", "--from", "0", "--to", "10", "--owner", "cy");
    OK(s, "K7\n", "kr", "add", "O3", "Kseven", "--from", "0", "--to", "10");       /* C: later */
    OK(s, "K8\n", "kr", "add", "O4", "Keight", "--from", "0", "--to", "10");       /* D: closed */
    OK(s, "K9\n", "kr", "add", "O5", "Knine", "--from", "0", "--to", "10");        /* archived */
    OK(s, "K10\n", "kr", "add", "O1", "Kten", "--from", "0", "--to", "10", "--owner", "cy");
    expect(s, 0, NULL, "", "checkin", "K5", "done", NULL);
    expect(s, 0, NULL, "", "checkin", "K6", "3", NULL);
    OK(s, "", "period", "close", "D");
    OK(s, "", "obj", "archive", "O5");
}

static const char ana_due[] =
    "KR  DAYS  LAST CHECK-IN             OBJECTIVE  TITLE\n"
    "K1  19    never (since 2030-01-01)  O1  Alpha  Kone\n"
    "K3  10    never (since 2030-01-10)  O2  Beta   Kthree\n";

static void test_due_lists_overdue_krs_most_overdue_first(void **state)
{
    struct harness_server *s = *state;
    build_due(s);
    OK(s, ana_due, "due", "--user", "ana", "--as-of", "2030-01-20", "--days", "0");
    OK(s, ana_due, "due", "--user", "ana", "--as-of", "2030-01-20", "--days", "10");
    OK(s, "KR  DAYS  LAST CHECK-IN             OBJECTIVE  TITLE\n"
          "K1  19    never (since 2030-01-01)  O1  Alpha  Kone\n",
       "due", "--user", "ana", "--as-of", "2030-01-20", "--days", "11");
    /* The default user is you: the client's user name in local mode. */
    OK(s, ana_due, "--user", "ana", "due", "--as-of", "2030-01-20", "--days", "0");
    OK(s, "nothing due for ana: every KR they own has a check-in within 20 days\n",
       "due", "--user", "ana", "--as-of", "2030-01-20", "--days", "20");
    /* Before a period starts nothing in it is due; K7 (C) joins once it has. */
    struct harness_result r;
    harness_okr(s, &r, "--json", "due", "--user", "ana", "--as-of", "2030-02-05", "--days", "0",
                NULL);
    harness_expect_exit(&r, 0);
    struct json_object *doc = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(doc, "krs.0.id"), "K1");
    assert_string_equal(harness_json_string(doc, "krs.1.id"), "K3");
    assert_string_equal(harness_json_string(doc, "krs.2.id"), "K7");
    assert_int_equal(harness_json_int(doc, "krs.2.days"), 4);
    assert_null(harness_json_find(doc, "krs.3"));
    assert_string_equal(harness_json_string(doc, "user"), "ana");
    json_object_put(doc);
    harness_result_free(&r);
    /* A checked-in KR counts from its check-in (today): long before 2030. */
    harness_okr(s, &r, "--json", "due", "--user", "cy", "--as-of", "2030-01-20", NULL);
    harness_expect_exit(&r, 0);
    doc = harness_json_parse(r.out);
    assert_string_equal(harness_json_string(doc, "krs.0.id"), "K6");
    assert_false(json_object_get_boolean(harness_json_find(doc, "krs.0.never")));
    assert_true(harness_json_int(doc, "krs.0.days") > 365);
    assert_string_equal(harness_json_string(doc, "krs.1.id"), "K10");
    assert_int_equal(harness_json_int(doc, "krs.1.days"), 19);
    assert_int_equal(harness_json_int(doc, "days"), 7);
    assert_null(harness_json_find(doc, "krs.2"));
    json_object_put(doc);
    harness_result_free(&r);
    /* A KR with no owner follows its objective's owner into the list. */
    OK(s, "", "obj", "edit", "O1", "--owner", "dan");
    OK(s, "KR  DAYS  LAST CHECK-IN             OBJECTIVE  TITLE\n"
          "K1  19    never (since 2030-01-01)  O1  Alpha  Kone\n",
       "due", "--user", "dan", "--as-of", "2030-01-20");
    REFUSED(s, "okr: INVALID_ARGUMENT: as_of is in the past: due looks from now on (a "
               "check-in made since then would not be seen as missing)\n",
            "due", "--as-of", "2020-01-01");
    expect(s, 2, "", NULL, "due", "--days", "-1", NULL);
}

/* ------------------------------------------------------------ completion */

/* The shell completes team names after team edit/delete (and --parent),
 * and the new commands and options. */
/* The sub-team count each team record keeps (so a filter on a team without
 * sub-teams reads no other team) follows add, re-parent and delete, and a
 * leaf team that gains a sub-team includes it again. */
static uint32_t subteams_of(struct harness_server *s, const char *name)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__TeamList body = OKR__TEAM_LIST__INIT;
    req.body_case = OKR__REQUEST__BODY_TEAM_LIST;
    req.team_list = &body;
    Okr__Response *r = harness_request(s, &req);
    assert_non_null(r);
    assert_int_equal(r->body_case, OKR__RESPONSE__BODY_TEAMS);
    uint32_t n = UINT32_MAX;
    for (size_t i = 0; i < r->teams->n_teams; i++)
        if (strcmp(r->teams->teams[i]->name, name) == 0 && r->teams->teams[i]->has_subteams)
            n = r->teams->teams[i]->subteams;
    okr__response__free_unpacked(r, NULL);
    return n;
}

static void test_sub_team_counts_follow_the_hierarchy(void **state)
{
    struct harness_server *s = *state;
    char buf[256];
    OK(s, NULL, "period", "add", "2030-Q1", "--start", "2030-01-01", "--end", "2030-03-31");
    OK(s, NULL, "team", "add", "A");
    OK(s, NULL, "team", "add", "B", "--parent", "A");
    OK(s, NULL, "team", "add", "C", "--parent", "A");
    assert_int_equal(subteams_of(s, "A"), 2);
    assert_int_equal(subteams_of(s, "B"), 0);
    OK(s, NULL, "team", "edit", "C", "--parent", "B");
    assert_int_equal(subteams_of(s, "A"), 1);
    assert_int_equal(subteams_of(s, "B"), 1);
    OK(s, NULL, "obj", "add", "In B", "--team", "B", "--period", "2030-Q1");
    OK(s, NULL, "obj", "add", "In C", "--team", "C", "--period", "2030-Q1");
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "B", NULL),
                        "O1 O2");
    OK(s, NULL, "team", "edit", "C", "--parent", "-");
    assert_int_equal(subteams_of(s, "B"), 0);
    assert_string_equal(ids(s, false, buf, sizeof buf, "obj", "list", "--team", "B", NULL),
                        "O1");
    OK(s, NULL, "team", "add", "D", "--parent", "B");
    OK(s, NULL, "obj", "add", "In D", "--team", "D", "--period", "2030-Q1");
    assert_string_equal(ids(s, true, buf, sizeof buf, "tree", "--team", "B", NULL), "O1 O3");
    OK(s, NULL, "obj", "delete", "O3", "--yes");
    OK(s, NULL, "team", "delete", "D");
    assert_int_equal(subteams_of(s, "B"), 0);
    OK(s, NULL, "team", "edit", "B", "--name", "B2");
    assert_int_equal(subteams_of(s, "A"), 1);
    assert_int_equal(subteams_of(s, "B2"), 0);
}

static void test_completion_of_the_new_commands(void **state)
{
    (void)state;
    char *teams[] = {"Pots", "Pots and Pans", "Sales"};
    okr_cache cache = {NULL, 0, teams, 3, NULL, 0, true};
    struct {
        int argc;
        char *argv[4];
        const char *text;
        const char *want[4];
    } cases[] = {
        {2, {"team", "edit"}, "P", {"Pots", "Pots and Pans"}},
        {2, {"team", "delete"}, "S", {"Sales"}},
        {4, {"team", "edit", "Sales", "--parent"}, "Po", {"Pots", "Pots and Pans"}},
        {1, {"team"}, "d", {"delete"}},
        {0, {NULL}, "du", {"due"}},
        {1, {"due"}, "--d", {"--days"}},
        {2, {"obj", "list"}, "--on", {"--only"}},
        {1, {"tree"}, "--ow", {"--owner"}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        complete_list l;
        complete_find(&cache, cases[i].argc, cases[i].argv, cases[i].text, &l);
        size_t n = 0;
        for (; n < 4 && cases[i].want[n]; n++)
            if (n >= l.n || strcmp(l.items[n].word, cases[i].want[n]) != 0)
                fail_msg("case %zu: candidate %zu is \"%s\", expected \"%s\"", i, n,
                         n < l.n ? l.items[n].word : "(none)", cases[i].want[n]);
        assert_int_equal(l.n, n);
        complete_list_free(&l);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_team_list_draws_the_hierarchy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rename_keeps_objectives_and_verify_clean, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_reparent_cycle_refused_state_unchanged, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_delete_only_an_empty_team, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tree_and_list_include_sub_teams_only_excludes,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_owner_filters_and_kr_owner_default, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_due_lists_overdue_krs_most_overdue_first, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sub_team_counts_follow_the_hierarchy, setup,
                                        teardown),
        cmocka_unit_test(test_completion_of_the_new_commands),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
