/* test_validation.c — end to end: what the real okrd refuses at its door and
 * how the real okr shows what it lets in. Raw frames (tests/lib/harness.h)
 * carry what okr itself would never send: a NUL inside a title, a weight of
 * 2^32+1 for a uint32 field, a user name that is not UTF-8. Each is refused
 * with INVALID_ARGUMENT naming the field, answered under its own
 * request_id, and changes nothing (same seq, same tree). Multi-line
 * descriptions and notes, which the text rules allow, keep okr's views and
 * tables in their columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "harness.h"
#include "wire.h"

#define PERIOD "2026-Q4"

static const char *const volatile_keys[] = {"health", "expected", NULL};

static int setup_server(void **state)
{
    struct harness_server *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    if (harness_server_start(s, NULL) != 0) {
        harness_server_destroy(s);
        free(s);
        return -1;
    }
    *state = s;
    return 0;
}

static int teardown_server(void **state)
{
    struct harness_server *s = *state;
    if (s) {
        harness_server_destroy(s);
        free(s);
    }
    return 0;
}

/* Run okr; assert it exits 0; return its stdout (malloc'd). */
static char *okr_ok(struct harness_server *s, const char *const args[])
{
    struct harness_result r;
    harness_okr_argv(s->requests, &r, NULL, args);
    harness_expect_exit(&r, 0);
    char *out = strdup(r.out);
    harness_result_free(&r);
    return out;
}

#define OKR_OK(s, ...) free(okr_ok((s), (const char *const[]){__VA_ARGS__, NULL}))
#define OKR_OUT(s, ...) okr_ok((s), (const char *const[]){__VA_ARGS__, NULL})

/* Period, team, O1 with K1 (0 -> 10). */
static void seed(struct harness_server *s)
{
    OKR_OK(s, "period", "add", PERIOD, "--start", "2026-10-01", "--end", "2026-12-31");
    OKR_OK(s, "team", "add", "Pots");
    OKR_OK(s, "obj", "add", "Pot buyers trust us", "--team", "Pots", "--period", PERIOD);
    OKR_OK(s, "kr", "add", "O1", "Repeat buyers", "--from", "0", "--to", "10");
}

/* The whole tree as JSON, clock-dependent members dropped (malloc'd). */
static char *state_of(struct harness_server *s)
{
    char *out = OKR_OUT(s, "--json", "tree", "--period", PERIOD);
    char *canon = harness_json_canonical(out, volatile_keys);
    free(out);
    return canon;
}

/* ------------------------------------------------------------ raw frames */

typedef struct {
    uint8_t b[1024];
    size_t n;
} frame;

static void put_varint(frame *f, uint64_t v)
{
    do {
        assert_true(f->n < sizeof f->b);
        f->b[f->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
}

static void put_bytes(frame *f, unsigned field, const void *p, size_t len)
{
    put_varint(f, (uint64_t)field << 3 | 2);
    put_varint(f, len);
    assert_true(f->n + len <= sizeof f->b);
    memcpy(f->b + f->n, p, len);
    f->n += len;
}

static void put_message(frame *f, const ProtobufCMessage *m)
{
    assert_true(f->n + protobuf_c_message_get_packed_size(m) <= sizeof f->b);
    f->n += protobuf_c_message_pack(m, f->b + f->n);
}

static unsigned field_no(const ProtobufCMessageDescriptor *d, const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    assert_non_null(f);
    return f->id;
}

/* Request { version 1, request_id, <body field `body`> = inner } as a frame. */
static frame request_frame(uint64_t request_id, const char *body, const frame *inner)
{
    Okr__Request head = OKR__REQUEST__INIT;
    head.has_version = head.has_request_id = true;
    head.version = OKR_PROTOCOL_VERSION;
    head.request_id = request_id;
    frame f = {.n = 0};
    put_message(&f, &head.base);
    put_bytes(&f, field_no(&okr__request__descriptor, body), inner->b, inner->n);
    return f;
}

/* Send the frame; return the reply carrying its request_id (other replies
 * are skipped). */
static Okr__Response *exchange(struct harness_server *s, const frame *f, uint64_t request_id)
{
    assert_int_equal(harness_send_raw(s, f->b, f->n, false), 0);
    for (;;) {
        Okr__Response *resp = NULL;
        if (harness_recv_raw(s, 5000, &resp) == 0)
            fail_msg("no reply to request %llu", (unsigned long long)request_id);
        if (resp && resp->has_request_id && resp->request_id == request_id)
            return resp;
        if (resp)
            okr__response__free_unpacked(resp, NULL);
    }
}

/* The reply is INVALID_ARGUMENT with exactly `sentence`, and neither the seq
 * nor the tree moved. */
static void refused_unchanged(struct harness_server *s, const frame *f, uint64_t request_id,
                              const char *sentence)
{
    uint64_t seq = harness_last_seq(s);
    char *before = state_of(s);
    Okr__Response *resp = exchange(s, f, request_id);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_string_equal(resp->error->message, sentence);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY__NOT_SET);
    okr__response__free_unpacked(resp, NULL);
    assert_int_equal(harness_last_seq(s), seq);
    char *after = state_of(s);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

/* ------------------------------------------------------------ tests */

/* protobuf-c alone would store the title "Grow" and drop the rest. */
static void test_a_nul_inside_a_title_is_refused_and_changes_nothing(void **state)
{
    struct harness_server *s = *state;
    seed(s);
    Okr__Objective o = OKR__OBJECTIVE__INIT;
    o.period = PERIOD;
    o.team = "Pots";
    frame obj = {.n = 0}, add = {.n = 0};
    put_message(&obj, &o.base);
    put_bytes(&obj, field_no(&okr__objective__descriptor, "title"), "Grow\0 (hidden)", 14);
    put_bytes(&add, field_no(&okr__objective_add__descriptor, "objective"), obj.b, obj.n);
    frame f = request_frame(901, "objective_add", &add);
    refused_unchanged(s, &f, 901, "objective_add.objective.title holds a NUL byte (byte 5 of "
                                  "the text); text cannot contain NUL");
}

/* protobuf-c alone would keep the low 32 bits: weight 1. */
static void test_a_weight_over_32_bits_is_refused_and_changes_nothing(void **state)
{
    struct harness_server *s = *state;
    seed(s);
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = "O1";
    kr.title = "Five-star reviews";
    kr.has_kind = kr.has_start = kr.has_target = true;
    kr.kind = OKR__KR_KIND__METRIC;
    kr.target = 100;
    frame fields = {.n = 0}, add = {.n = 0};
    put_message(&fields, &kr.base);
    put_varint(&fields, (uint64_t)field_no(&okr__key_result__descriptor, "weight") << 3);
    put_varint(&fields, (1ULL << 32) + 1);
    put_bytes(&add, field_no(&okr__key_result_add__descriptor, "kr"), fields.b, fields.n);
    frame f = request_frame(902, "kr_add", &add);
    refused_unchanged(s, &f, 902, "kr_add.kr.weight is 4294967297, which does not fit its "
                                  "32-bit field (at most 4294967295)");
    /* The same KR with a weight that fits is taken. */
    frame ok_fields = {.n = 0}, ok_add = {.n = 0};
    kr.has_weight = true;
    kr.weight = 3;
    put_message(&ok_fields, &kr.base);
    put_bytes(&ok_add, field_no(&okr__key_result_add__descriptor, "kr"), ok_fields.b,
              ok_fields.n);
    frame ok = request_frame(903, "kr_add", &ok_add);
    Okr__Response *resp = exchange(s, &ok, 903);
    if (resp->error)
        fail_msg("refused: %s", resp->error->message);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    assert_string_equal(resp->changed->id, "K2");
    okr__response__free_unpacked(resp, NULL);
}

/* The event log keeps the request whole: a user name that is not clean
 * text is refused, not replaced by "local" next to the raw bytes. */
static void test_a_user_name_that_is_not_clean_text_is_refused(void **state)
{
    struct harness_server *s = *state;
    seed(s);
    const char *const bad[] = {"\xff\xfe", "\x1b[2Jroot", "\xe2\x80\xae" "nimda"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
        ci.kr = "K1";
        ci.has_value = true;
        ci.value = 4;
        Okr__Request req = OKR__REQUEST__INIT;
        req.user = (char *)bad[i];
        req.body_case = OKR__REQUEST__BODY_CHECKIN;
        req.checkin = &ci;
        uint64_t seq = harness_last_seq(s);
        Okr__Response *resp = harness_request(s, &req);
        assert_non_null(resp);
        assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__INVALID_ARGUMENT);
        if (strncmp(resp->error->message, "user ", 5) != 0)
            fail_msg("\"%s\" does not name the user field", resp->error->message);
        okr__response__free_unpacked(resp, NULL);
        assert_int_equal(harness_last_seq(s), seq);
    }
}

/* A tab or a bidi override in a title would shift or reorder the columns
 * of every table it is shown in. okr refuses them before sending (exit 2);
 * okrd refuses them from any client. */
static void test_a_title_with_a_tab_or_a_bidi_override_is_refused(void **state)
{
    struct harness_server *s = *state;
    seed(s);
    const char *const bad[] = {"Grow\trevenue", "Grow \xe2\x80\xae" "eunever",
                               "\xe2\x81\xa6" "Grow revenue"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct harness_result r;
        harness_okr(s, &r, "obj", "add", bad[i], "--team", "Pots", "--period", PERIOD, NULL);
        harness_expect_exit(&r, 2);
        harness_result_free(&r);

        Okr__Objective o = OKR__OBJECTIVE__INIT;
        o.title = (char *)bad[i];
        o.period = PERIOD;
        o.team = "Pots";
        Okr__ObjectiveAdd add = OKR__OBJECTIVE_ADD__INIT;
        add.objective = &o;
        Okr__Request req = OKR__REQUEST__INIT;
        req.body_case = OKR__REQUEST__BODY_OBJECTIVE_ADD;
        req.objective_add = &add;
        uint64_t seq = harness_last_seq(s);
        Okr__Response *resp = harness_request(s, &req);
        assert_non_null(resp);
        assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__INVALID_ARGUMENT);
        if (strncmp(resp->error->message, "title holds ", 12) != 0)
            fail_msg("\"%s\" does not say what the title holds", resp->error->message);
        okr__response__free_unpacked(resp, NULL);
        assert_int_equal(harness_last_seq(s), seq);
    }
}

/* What the rules still allow cannot break okr's output: a description's
 * lines stay in the value column, a note's line feeds become spaces in the
 * history table (one row, one line). */
static void test_multi_line_description_and_note_keep_okr_output_in_columns(void **state)
{
    struct harness_server *s = *state;
    seed(s);
    Okr__ObjectiveEdit edit = OKR__OBJECTIVE_EDIT__INIT;
    edit.id = "O1";
    edit.description = "Why:\n- churn";
    Okr__Request req = OKR__REQUEST__INIT;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_EDIT;
    req.objective_edit = &edit;
    Okr__Response *resp = harness_request(s, &req);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(resp, NULL);

    Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
    ci.kr = "K1";
    ci.has_value = true;
    ci.value = 4;
    ci.note = "blocked on\nlegal";
    Okr__Request ck = OKR__REQUEST__INIT;
    ck.body_case = OKR__REQUEST__BODY_CHECKIN;
    ck.checkin = &ci;
    resp = harness_request(s, &ck);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    okr__response__free_unpacked(resp, NULL);

    char *show = OKR_OUT(s, "obj", "show", "O1");
    if (strstr(show, "  description  Why:\n               - churn\n") == NULL)
        fail_msg("the description's second line is not under its first:\n%s", show);
    free(show);
    char *history = OKR_OUT(s, "history", "K1");
    if (strstr(history, "blocked on legal\n") == NULL || strstr(history, "\nlegal") != NULL)
        fail_msg("the note is not on its row:\n%s", history);
    free(history);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup_server, teardown_server)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_a_nul_inside_a_title_is_refused_and_changes_nothing),
        T(test_a_weight_over_32_bits_is_refused_and_changes_nothing),
        T(test_a_user_name_that_is_not_clean_text_is_refused),
        T(test_a_title_with_a_tab_or_a_bidi_override_is_refused),
        T(test_multi_line_description_and_note_keep_okr_output_in_columns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
