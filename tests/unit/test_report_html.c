/* test_report_html.c — the leaders' page (client/report_html.c) and its
 * sparklines (client/svg_spark.c) on crafted graphs, no server: every user
 * string escaped wherever it lands (element text, attributes, SVG title),
 * a node with two parents drawn under both with one HTML id, a cycle (which
 * a sound server never sends) drawn without running away, grade colours
 * after close, and a sparkline that scales its points into its box. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "report_html.h"
#include "svg_spark.h"

#define EVIL "<script>x</script> & \"q\" 'a'"
#define EVIL_ESCAPED "&lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39;"

typedef struct {
    Okr__Period period;
    Okr__Objective o[4];
    Okr__Objective *objectives[4];
    Okr__KeyResult k[2];
    Okr__KeyResult *krs[2];
    Okr__Alignment a[4];
    Okr__Alignment *alignments[4];
    Okr__Graph graph;
} world;

static void objective(world *w, int i, const char *id, int64_t score)
{
    okr__objective__init(&w->o[i]);
    w->o[i].id = (char *)id;
    w->o[i].title = "Objective";
    w->o[i].period = "2026-Q4";
    w->o[i].score = score;
    w->o[i].health = OKR__HEALTH__ON_TRACK;
    w->objectives[i] = &w->o[i];
}

static void edge(world *w, int i, const char *child, const char *parent)
{
    okr__alignment__init(&w->a[i]);
    w->a[i].child = (char *)child;
    w->a[i].parent = (char *)parent;
    w->a[i].has_counts = true;
    w->a[i].counts = true;
    w->alignments[i] = &w->a[i];
}

/* O1 with K1 (metric); O2 and O3 aligned to O1; O3 also aligned to K1. */
static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    if (w == NULL)
        return -1;
    okr__period__init(&w->period);
    w->period.name = "2026-Q4";
    w->period.start = "2026-10-01";
    w->period.end = "2026-12-31";
    objective(w, 0, "O1", 420000);
    objective(w, 1, "O2", 1000000);
    objective(w, 2, "O3", 0);
    okr__key_result__init(&w->k[0]);
    w->k[0].id = "K1";
    w->k[0].objective = "O1";
    w->k[0].title = "Revenue";
    w->k[0].kind = OKR__KR_KIND__ROLLUP;
    w->k[0].score = 433333;
    w->krs[0] = &w->k[0];
    edge(w, 0, "O2", "O1");
    edge(w, 1, "O3", "O1");
    edge(w, 2, "O3", "K1");
    okr__graph__init(&w->graph);
    w->graph.objectives = w->objectives;
    w->graph.n_objectives = 3;
    w->graph.krs = w->krs;
    w->graph.n_krs = 1;
    w->graph.alignments = w->alignments;
    w->graph.n_alignments = 3;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static char *page_of(world *w, const lint_findings *findings)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    report_input in = {.period = &w->period, .graph = &w->graph, .findings = findings,
                       .generated_us = 1764547200000000LL, .server = "tcp://x:1"};
    assert_int_equal(report_html_write(f, &in), 0);
    fclose(f);
    return text;
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void test_every_user_string_is_escaped(void **state)
{
    world *w = *state;
    w->o[0].title = EVIL;
    w->o[0].owner = EVIL;
    w->o[0].team = EVIL;
    w->k[0].title = EVIL;
    w->k[0].kind = OKR__KR_KIND__METRIC;
    w->k[0].unit = EVIL;
    w->period.name = EVIL;
    w->o[0].period = w->o[1].period = w->o[2].period = EVIL;
    char *ids[] = {"O1"};
    lint_finding f = {.rule = LINT_TOO_FEW_KRS, .ids = ids, .n_ids = 1, .team = EVIL,
                      .message = EVIL};
    lint_findings list = {.items = &f, .n = 1, .cap = 1};
    char *html = page_of(w, &list);
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "\"q\""));
    assert_null(strstr(html, "'a'"));
    /* title (twice: <title> and <h1>), the objective's title, owner, team,
     * data-period x3, the KR's title and unit, the finding's team and message */
    assert_true(count(html, EVIL_ESCAPED) >= 11);
    free(html);
}

/* O3 has two parents (O1 and K1): drawn under both, its HTML id once. */
static void test_a_shared_child_is_drawn_under_each_parent_with_one_id(void **state)
{
    world *w = *state;
    char *html = page_of(w, NULL);
    assert_int_equal(count(html, "data-id=\"O3\""), 2);
    assert_int_equal(count(html, " id=\"O3\""), 1);
    assert_int_equal(count(html, "data-id=\"O1\""), 1);       /* the only root */
    assert_non_null(strstr(html, "data-id=\"O1\" data-kind=\"objective\" data-score=\"0.420000\""));
    assert_non_null(strstr(html, "data-id=\"K1\" data-kind=\"kr\" data-score=\"0.433333\""));
    assert_non_null(strstr(html, "<span style=\"width:42.0%\">"));
    assert_non_null(strstr(html, "<span style=\"width:100.0%\">"));
    assert_non_null(strstr(html, "No findings"));
    free(html);
}

/* O1 -> O2 -> O1: no root; every objective is drawn once as a root, and
 * the walk stops where the path repeats. */
static void test_a_cycle_is_drawn_without_running_away(void **state)
{
    world *w = *state;
    edge(w, 0, "O2", "O1");
    edge(w, 1, "O1", "O2");
    w->graph.n_alignments = 2;
    w->graph.n_objectives = 2;
    char *html = page_of(w, NULL);
    assert_int_equal(count(html, "data-id=\"O1\""), 2);
    assert_int_equal(count(html, "data-id=\"O2\""), 2);
    free(html);
}

static void test_a_closed_period_shows_grade_colours(void **state)
{
    world *w = *state;
    w->period.closed = true;
    w->o[0].health = OKR__HEALTH__HEALTH_NONE;
    w->o[0].grade = OKR__GRADE__YELLOW;
    w->o[0].type = OKR__OBJECTIVE_TYPE__COMMITTED;
    w->o[2].health = OKR__HEALTH__HEALTH_NONE;
    w->o[2].grade = OKR__GRADE__RED;
    char *html = page_of(w, NULL);
    assert_non_null(strstr(html, "<li class=\"node objective amber\" id=\"O1\""));
    assert_non_null(strstr(html, "data-grade=\"yellow\""));
    assert_non_null(strstr(html, "<span class=\"tag\">yellow</span>"));
    assert_non_null(strstr(html, "<li class=\"node objective red\" id=\"O3\""));
    /* K1 graded like its committed objective: 0.433 is red */
    assert_non_null(strstr(html, "<li class=\"node kr red\" id=\"K1\""));
    assert_non_null(strstr(html, "closed: colours are grades"));
    free(html);
}

static char *spark(const double *v, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    assert_int_equal(svg_spark_write(f, v, n, 100, 20, "#123456", "3 <check-ins>"), 0);
    fclose(f);
    return text;
}

static void test_a_sparkline_fits_its_box(void **state)
{
    (void)state;
    double rising[] = {10, 20, 30};
    char *svg = spark(rising, 3);
    /* x from 2 to 98, y from 18 (lowest) to 2 (highest) */
    assert_non_null(strstr(svg, "points=\"2.0,18.0 50.0,10.0 98.0,2.0\""));
    assert_non_null(strstr(svg, "<circle cx=\"98.0\" cy=\"2.0\""));
    assert_non_null(strstr(svg, "<title>3 &lt;check-ins&gt;</title>"));
    assert_non_null(strstr(svg, "width=\"100\" height=\"20\""));
    free(svg);
    double flat[] = {5, 5};
    svg = spark(flat, 2);
    assert_non_null(strstr(svg, "points=\"2.0,10.0 98.0,10.0\""));
    free(svg);
    svg = spark(flat, 1);
    assert_non_null(strstr(svg, "points=\"50.0,10.0\""));
    free(svg);
    svg = spark(flat, 0);
    assert_string_equal(svg, "");
    free(svg);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_every_user_string_is_escaped),
        T(test_a_shared_child_is_drawn_under_each_parent_with_one_id),
        T(test_a_cycle_is_drawn_without_running_away),
        T(test_a_closed_period_shows_grade_colours),
        T(test_a_sparkline_fits_its_box),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
