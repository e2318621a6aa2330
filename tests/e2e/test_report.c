/* test_report.c — `okr report PERIOD --html FILE` end to end: the page is
 * one self-contained file (no script, no external asset), every user string
 * is escaped (a title holding <script> and &), and headless Chromium (the
 * Debian package, installed by `make test`) renders it: its DOM holds every
 * objective and KR of the period with exactly the score okrd gives, and a
 * screenshot is taken (kept where $OKR_REPORT_SCREENSHOT says, for a person
 * to look at). After close the page shows grades. Without Chromium the
 * browser half is skipped with a message saying so. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "text.h"

#define CHROMIUM "/usr/bin/chromium"
#define TITLE "Grow <script>alert(\"x\")</script> & <b>co</b>"
#define TITLE_ESCAPED "Grow &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;co&lt;/b&gt;"

typedef struct {
    struct harness_server s;
    char period[16];
    char page[HARNESS_PATH_MAX];
} ctx;

static void okr_ok(ctx *c, const char *a, ...)
{
    const char *args[24];
    int n = 0;
    va_list ap;
    va_start(ap, a);
    for (const char *x = a; x && n < 23; x = va_arg(ap, const char *))
        args[n++] = x;
    va_end(ap);
    args[n] = NULL;
    struct harness_result r;
    harness_okr_argv(c->s.requests, &r, NULL, args);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
}

/* A quarter around today (so health is computed):
 *   O1 TITLE (Company, ana)        K1 roll-up, K2 metric % (checked in twice)
 *   O2 Sell more (Sales, committed) -> K1; K3 metric USD (3 check-ins), K4 milestone
 *   O3 Support (Sales)             -> O1 (counts for nothing: O1 scores from its KRs) */
static int setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    char start[16], end[16];
    int64_t today = (int64_t)(time(NULL) / 86400);
    if (c == NULL || harness_server_start(&c->s, NULL) != 0)
        return -1;
    text_format_date(today - 30, start);
    text_format_date(today + 60, end);
    snprintf(c->period, sizeof c->period, "Q-now");
    snprintf(c->page, sizeof c->page, "%s/report.html", c->s.root);
    okr_ok(c, "period", "add", c->period, "--start", start, "--end", end, NULL);
    okr_ok(c, "team", "add", "Company", NULL);
    okr_ok(c, "team", "add", "Sales", "--parent", "Company", NULL);
    okr_ok(c, "obj", "add", TITLE, "--team", "Company", "--period", c->period, "--owner", "ana",
           NULL);
    okr_ok(c, "kr", "add", "O1", "Revenue", "--kind", "rollup", NULL);
    okr_ok(c, "kr", "add", "O1", "Margin", "--from", "10", "--to", "20", "--unit", "%", NULL);
    okr_ok(c, "checkin", "K2", "12", "--confidence", "0.8", NULL);
    okr_ok(c, "checkin", "K2", "15", "--confidence", "0.7", NULL);
    okr_ok(c, "obj", "add", "Sell more", "--team", "Sales", "--period", c->period,
           "--committed", "--owner", "bo", "--align-to", "K1", NULL);
    okr_ok(c, "kr", "add", "O2", "Deals", "--from", "0", "--to", "50", "--unit", "USD", NULL);
    okr_ok(c, "kr", "add", "O2", "Launch", "--kind", "milestone", NULL);
    okr_ok(c, "checkin", "K3", "10", NULL);
    okr_ok(c, "checkin", "K3", "20", "--confidence", "0.9", NULL);
    okr_ok(c, "checkin", "K3", "35", NULL);
    okr_ok(c, "obj", "add", "Support", "--team", "Sales", "--period", c->period, "--align-to",
           "O1", NULL);
    okr_ok(c, "kr", "add", "O3", "Tickets", "--from", "100", "--to", "20", "--unit", "tickets",
           NULL);
    okr_ok(c, "checkin", "K5", "60", NULL);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    harness_server_destroy(&c->s);
    free(c);
    return 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = calloc((size_t)n + 1, 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return text;
}

static char *write_report(ctx *c)
{
    struct harness_result r;
    harness_okr(&c->s, &r, "report", c->period, "--html", c->page, NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, "report.html: 3 objectives, 5 key results"));
    harness_result_free(&r);
    return read_file(c->page);
}

/* The value of attribute `name` in the tag around `at` (the text between
 * the '<' before it and the '>' after it), into buf; false when absent. */
static bool attribute_in_tag(const char *doc, const char *at, const char *name, char *buf,
                             size_t len)
{
    const char *open = at, *close = strchr(at, '>');
    while (open > doc && *open != '<')
        open--;
    char key[64];
    snprintf(key, sizeof key, " %s=\"", name);
    const char *hit = strstr(open, key);
    if (hit == NULL || close == NULL || hit > close)
        return false;
    hit += strlen(key);
    size_t n = strcspn(hit, "\"");
    snprintf(buf, len, "%.*s", (int)n, hit);
    return true;
}

/* The data-score of the first element whose data-id is `id`, or false. */
static bool dom_score(const char *doc, const char *id, char *buf, size_t len)
{
    char key[64];
    snprintf(key, sizeof key, "data-id=\"%s\"", id);
    const char *at = strstr(doc, key);
    return at != NULL && attribute_in_tag(doc, at, "data-score", buf, len);
}

/* Every objective and KR of the period (okr --json tree) is in doc with
 * okrd's score, to the last digit. Returns how many were checked. */
static size_t expect_every_node_with_its_score(ctx *c, const char *doc)
{
    struct harness_result r;
    size_t checked = 0;
    const char *tree = harness_okr_ok(&c->s, &r, "--json", "tree", "--period", c->period, NULL);
    struct json_object *g = harness_json_parse(tree);
    const char *lists[] = {"objectives", "krs"};
    for (size_t l = 0; l < 2; l++) {
        struct json_object *list = harness_json_find(g, lists[l]);
        assert_non_null(list);
        for (size_t i = 0; i < json_object_array_length(list); i++) {
            char path[64], got[32];
            snprintf(path, sizeof path, "%s.%zu.id", lists[l], i);
            const char *id = harness_json_string(g, path);
            snprintf(path, sizeof path, "%s.%zu.score", lists[l], i);
            const char *want = harness_json_text(g, path);
            if (!dom_score(doc, id, got, sizeof got))
                fail_msg("%s is not in the page with a data-score", id);
            if (strcmp(got, want) != 0)
                fail_msg("%s: data-score %s, okrd says %s", id, got, want);
            checked++;
        }
    }
    json_object_put(g);
    harness_result_free(&r);
    return checked;
}

static void test_the_page_is_self_contained_and_escapes_user_text(void **state)
{
    ctx *c = *state;
    char *html = write_report(c);
    assert_non_null(strstr(html, TITLE_ESCAPED));
    assert_null(strstr(html, "<script"));          /* none of ours, none of theirs */
    assert_null(strstr(html, "<b>co"));
    assert_null(strstr(html, " src="));            /* no external asset of any kind */
    assert_null(strstr(html, "<link"));
    assert_null(strstr(html, "url("));
    assert_null(strstr(html, "@import"));
    assert_non_null(strstr(html, "<style>"));
    assert_int_equal(expect_every_node_with_its_score(c, html), 8);
    /* the coach's findings are on it: O3's alignment counts for nothing */
    assert_non_null(strstr(html, "<tr data-rule=\"uncounted-alignment\">"));
    assert_non_null(strstr(html, "<polyline"));   /* K3's check-ins */
    free(html);
}

/* A KR added without --owner is its objective's owner's (okrd leaves
 * KeyResult.owner unset): K3 of bo's O2 shows bo on the page. */
static void test_a_kr_without_an_owner_shows_its_objectives(void **state)
{
    ctx *c = *state;
    char *html = write_report(c);
    const char *at = strstr(html, "data-id=\"K3\"");
    assert_non_null(at);
    const char *cell = strstr(at, "title=\"owner\">");
    assert_non_null(cell);
    assert_memory_equal(cell + strlen("title=\"owner\">"), "bo<", 3);
    free(html);
}

static bool have_chromium(void)
{
    if (access(CHROMIUM, X_OK) == 0)
        return true;
    print_message("SKIP: %s is missing (the Debian package chromium; make test installs "
                  "it as root): the page was not rendered\n", CHROMIUM);
    return false;
}

static void run_chromium(ctx *c, struct harness_result *r, const char *mode)
{
    char profile[HARNESS_PATH_MAX], url[HARNESS_PATH_MAX + 16];
    snprintf(profile, sizeof profile, "--user-data-dir=%s/chromium", c->s.root);
    snprintf(url, sizeof url, "file://%s", c->page);
    char *const argv[] = {CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                          profile, "--window-size=1200,1600", (char *)mode, url, NULL};
    assert_int_equal(harness_run(r, NULL, 60000, argv), 0);
    if (r->exit_code != 0)
        fail_msg("%s exited %d: %s", r->command, r->exit_code, r->err);
}

/* Chromium reads the page: the DOM it built holds every objective and KR
 * with its score, and no script element; the screenshot is a PNG. */
static void test_chromium_renders_every_objective_with_its_score(void **state)
{
    ctx *c = *state;
    free(write_report(c));
    if (!have_chromium())
        skip();
    struct harness_result r;
    run_chromium(c, &r, "--dump-dom");
    assert_null(strstr(r.out, "<script"));
    assert_non_null(strstr(r.out, "class=\"node objective"));
    assert_int_equal(expect_every_node_with_its_score(c, r.out), 8);
    harness_result_free(&r);

    char shot[HARNESS_PATH_MAX], flag[HARNESS_PATH_MAX + 16];
    const char *keep = getenv("OKR_REPORT_SCREENSHOT");
    snprintf(shot, sizeof shot, "%s", keep && keep[0] ? keep : "");
    if (shot[0] == '\0')
        snprintf(shot, sizeof shot, "%s/report.png", c->s.root);
    snprintf(flag, sizeof flag, "--screenshot=%s", shot);
    run_chromium(c, &r, flag);
    harness_result_free(&r);
    char *png = read_file(shot);
    assert_memory_equal(png, "\x89PNG\r\n\x1a\n", 8);
    free(png);
}

/* Closed: each node's colour is its grade, and the legend says so. */
static void test_after_close_the_page_shows_grades(void **state)
{
    ctx *c = *state;
    okr_ok(c, "period", "close", c->period, NULL);
    char *html = write_report(c);
    char grade[64];
    assert_true(dom_score(html, "O2", grade, sizeof grade));
    const char *at = strstr(html, "data-id=\"O2\"");
    assert_true(attribute_in_tag(html, at, "data-grade", grade, sizeof grade));
    assert_string_equal(grade, "red");              /* committed, 0.350 */
    assert_true(attribute_in_tag(html, at, "class", grade, sizeof grade));
    assert_string_equal(grade, "node objective red");
    assert_non_null(strstr(html, "closed: colours are grades"));
    assert_int_equal(expect_every_node_with_its_score(c, html), 8);
    free(html);
}

static void test_a_report_needs_a_known_period_and_a_writable_file(void **state)
{
    ctx *c = *state;
    struct harness_result r;
    unlink(c->page);
    harness_okr(&c->s, &r, "report", "1999-Q1", "--html", c->page, NULL);
    harness_expect_exit(&r, 2);
    assert_non_null(strstr(r.err, "report: no period named \"1999-Q1\""));
    harness_result_free(&r);
    harness_okr(&c->s, &r, "report", c->period, NULL);
    harness_expect_exit(&r, 2);
    assert_non_null(strstr(r.err, "--html FILE is required"));
    harness_result_free(&r);
    harness_okr(&c->s, &r, "report", c->period, "--html", "/nonexistent/dir/r.html", NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, "report: cannot write /nonexistent/dir/r.html: No such file"));
    harness_result_free(&r);
    assert_int_not_equal(access(c->page, F_OK), 0);   /* nothing was written */
}

/* One server for the group, in this order: the close comes after the open
 * period's tests. */
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_kr_without_an_owner_shows_its_objectives),
        cmocka_unit_test(test_the_page_is_self_contained_and_escapes_user_text),
        cmocka_unit_test(test_chromium_renders_every_objective_with_its_score),
        cmocka_unit_test(test_a_report_needs_a_known_period_and_a_writable_file),
        cmocka_unit_test(test_after_close_the_page_shows_grades),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
