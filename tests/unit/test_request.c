/* test_request.c — what okrd takes from a request: the decoder's raw walk
 * (common/wire.c: no NUL inside a string, no varint too big for its field),
 * the field validators every handler uses (server/request.c: on failure
 * each records INVALID_ARGUMENT, or NOT_FOUND / PERIOD_CLOSED for records,
 * with a sentence naming the field, and the first error of a request wins),
 * and the text rules and Request.user through the real handlers. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#define SERVER_FIXTURE_IMPLEMENTATION
#include "server_fixture.h"

#include "okr_limits.h"
#include "request.h"
#include "wire.h"

typedef struct {
    arena mem;
    store_txn txn;        /* no store: validators that read nothing */
    request rq;
} ctx;

static int setup(void **state)
{
    ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        return -1;
    arena_init(&c->mem);
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    ctx *c = *state;
    arena_free(&c->mem);
    free(c);
    return 0;
}

/* A fresh request with no error yet. */
static request *fresh(void **state)
{
    ctx *c = *state;
    memset(&c->rq, 0, sizeof c->rq);
    memset(&c->txn, 0, sizeof c->txn);
    c->txn.mem = &c->mem;
    c->rq.txn = &c->txn;
    c->rq.mem = &c->mem;
    c->rq.actor = "tester";
    return &c->rq;
}

/* The validator's verdict was false with INVALID_ARGUMENT and a message that
 * names `field`. */
static void refused_naming(request *rq, bool verdict, const char *field)
{
    assert_false(verdict);
    assert_int_equal(rq->code, OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(rq->message);
    if (strstr(rq->message, field) == NULL)
        fail_msg("message \"%s\" does not name the field \"%s\"", rq->message, field);
    assert_false(request_ok(rq));
}

static void accepted(request *rq, bool verdict)
{
    if (!verdict)
        fail_msg("refused: %s", rq->message ? rq->message : "(no message)");
    assert_int_equal(rq->code, OKR__ERROR_CODE__OK);
    assert_true(request_ok(rq));
}

/* ------------------------------------------------------------ text */

static void test_text_accepts_utf8_up_to_its_byte_limit(void **state)
{
    request *rq = fresh(state);
    accepted(rq, need_text(rq, "title", "Kundenzufriedenheit ↑ 😀", OKR_MAX_TITLE, true));
    char exact[OKR_MAX_TITLE + 1];
    memset(exact, 'a', OKR_MAX_TITLE);
    exact[OKR_MAX_TITLE] = '\0';
    accepted(rq, need_text(rq, "title", exact, OKR_MAX_TITLE, true));
}

static void test_text_over_its_byte_limit_is_invalid(void **state)
{
    request *rq = fresh(state);
    char longer[OKR_MAX_TITLE + 2];
    memset(longer, 'a', OKR_MAX_TITLE + 1);
    longer[OKR_MAX_TITLE + 1] = '\0';
    refused_naming(rq, need_text(rq, "title", longer, OKR_MAX_TITLE, true), "title");
    assert_non_null(strstr(rq->message, "201"));
    /* The limit is in bytes: 67 three-byte characters are 201 bytes. */
    rq = fresh(state);
    char wide[3 * 67 + 1] = "";
    for (int i = 0; i < 67; i++)
        strcat(wide, "€");
    refused_naming(rq, need_text(rq, "title", wide, OKR_MAX_TITLE, true), "title");
}

static void test_text_that_is_not_utf8_or_holds_controls_is_invalid(void **state)
{
    static const char *const bad[] = {
        "\xff",                 /* never valid */
        "caf\xc3",              /* truncated sequence */
        "\xc0\xaf",             /* overlong '/' */
        "\xe0\x80\xaf",         /* overlong, three bytes */
        "\xed\xa0\x80",         /* a UTF-16 surrogate */
        "\xf4\x90\x80\x80",     /* above U+10FFFF */
        "\x80 lone continuation",
        "line\nbreak",          /* control characters */
        "bell\x07",
        "del\x7f",
        "c1 \xc2\x85 control",
        "esc \x1b[31m red",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        request *rq = fresh(state);
        refused_naming(rq, need_text(rq, "note", bad[i], OKR_MAX_NOTE, false), "note");
    }
}

/* A tab or a bidi override would shift or reorder the columns of every
 * table the title is shown in; the sentence says which byte. */
static void test_text_refuses_tabs_and_invisible_formatting_naming_the_byte(void **state)
{
    static const char *const bad[] = {
        "tab\tinside",
        "abc\xe2\x80\xae" "cba",        /* U+202E RIGHT-TO-LEFT OVERRIDE */
        "\xe2\x81\xa6" "isolated",      /* U+2066 LEFT-TO-RIGHT ISOLATE */
        "mark\xe2\x80\x8f",             /* U+200F RIGHT-TO-LEFT MARK */
        "zero\xe2\x80\x8bwidth",         /* U+200B ZERO WIDTH SPACE */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        request *rq = fresh(state);
        refused_naming(rq, need_text(rq, "title", bad[i], OKR_MAX_TITLE, true), "title");
    }
    request *rq = fresh(state);
    need_text(rq, "title", "tab\tinside", OKR_MAX_TITLE, true);
    assert_string_equal(rq->message, "title holds a tab (byte 4); use spaces");
    rq = fresh(state);
    need_text(rq, "title", "abc\xe2\x80\xae" "cba", OKR_MAX_TITLE, true);
    assert_string_equal(rq->message, "title holds the invisible formatting character U+202E "
                                     "(byte 4), which can hide or reorder text");
    /* Every kind of text field: names and multi-line text too. */
    rq = fresh(state);
    refused_naming(rq, need_name(rq, "team", "pay\xe2\x80\xadments", OKR_MAX_NAME, true),
                   "team");
    rq = fresh(state);
    refused_naming(rq, need_lines(rq, "description", "one\n\ttwo", OKR_MAX_DESCRIPTION),
                   "description");
    rq = fresh(state);
    refused_naming(rq, need_lines(rq, "note", "\xe2\x81\xa9", OKR_MAX_NOTE), "note");
}

/* Line feeds: a description or a note may have several lines; a title or a
 * name is one line. A carriage return is refused everywhere. */
static void test_only_descriptions_and_notes_take_line_feeds(void **state)
{
    request *rq = fresh(state);
    accepted(rq, need_lines(rq, "description", "Why:\n- churn\n- cost\n", OKR_MAX_DESCRIPTION));
    accepted(rq, need_lines(rq, "note", "blocked on\nlegal", OKR_MAX_NOTE));
    accepted(rq, need_lines(rq, "note", NULL, OKR_MAX_NOTE));
    rq = fresh(state);
    refused_naming(rq, need_text(rq, "title", "two\nlines", OKR_MAX_TITLE, true), "title");
    assert_string_equal(rq->message, "title holds a line break (byte 4); it must be one line "
                                     "(only a description or a note may have more)");
    rq = fresh(state);
    refused_naming(rq, need_name(rq, "owner", "an\nna", OKR_MAX_NAME, false), "owner");
    rq = fresh(state);
    refused_naming(rq, need_lines(rq, "note", "dos\r\nline", OKR_MAX_NOTE), "note");
    assert_string_equal(rq->message, "note holds a carriage return (byte 4); end lines with a "
                                     "line feed alone");
    rq = fresh(state);
    refused_naming(rq, need_lines(rq, "note", "x\xff", OKR_MAX_NOTE), "note");
    assert_string_equal(rq->message, "note is not valid UTF-8 (byte 2, 0xff)");
    char longer[OKR_MAX_NOTE + 2];
    memset(longer, '\n', OKR_MAX_NOTE + 1);
    longer[OKR_MAX_NOTE + 1] = '\0';
    rq = fresh(state);
    refused_naming(rq, need_lines(rq, "note", longer, OKR_MAX_NOTE), "note");
}

static void test_required_text_refuses_missing_empty_and_blank(void **state)
{
    static const char *const missing[] = {NULL, "", " ", "   "};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        request *rq = fresh(state);
        refused_naming(rq, need_text(rq, "title", missing[i], OKR_MAX_TITLE, true), "title");
    }
    /* Optional text may be absent or empty. */
    request *rq = fresh(state);
    accepted(rq, need_text(rq, "description", NULL, OKR_MAX_DESCRIPTION, false));
    accepted(rq, need_text(rq, "description", "", OKR_MAX_DESCRIPTION, false));
}

static void test_names_refuse_leading_or_trailing_space_and_tabs(void **state)
{
    request *rq = fresh(state);
    accepted(rq, need_name(rq, "team", "payments team", OKR_MAX_NAME, true));
    static const char *const bad[] = {" payments", "payments ", "pay\tments"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_name(rq, "team", bad[i], OKR_MAX_NAME, true), "team");
    }
    rq = fresh(state);
    char longer[OKR_MAX_NAME + 2];
    memset(longer, 'n', OKR_MAX_NAME + 1);
    longer[OKR_MAX_NAME + 1] = '\0';
    refused_naming(rq, need_name(rq, "owner", longer, OKR_MAX_NAME, false), "owner");
}

/* ------------------------------------------------------------ numbers */

static void test_number_must_be_given_finite_and_within_bounds(void **state)
{
    request *rq = fresh(state);
    refused_naming(rq, need_number(rq, "value", false, 1), "value");
    const double good[] = {0, -0.0, 1e15, -1e15, 0.35, -273.15, 5e-324};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        rq = fresh(state);
        accepted(rq, need_number(rq, "value", true, good[i]));
    }
    const double bad[] = {NAN, -NAN, INFINITY, -INFINITY, nextafter(1e15, 1e16), -2e15, 1e300,
                          -1.7976931348623157e308};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_number(rq, "start (--from)", true, bad[i]), "start (--from)");
    }
}

static void test_confidence_is_optional_and_between_0_and_1(void **state)
{
    request *rq = fresh(state);
    accepted(rq, need_confidence(rq, "confidence", false, 7));   /* absent: ignored */
    accepted(rq, need_confidence(rq, "confidence", true, 0));
    accepted(rq, need_confidence(rq, "confidence", true, 1));
    accepted(rq, need_confidence(rq, "confidence", true, 0.5));
    const double bad[] = {-0.01, 1.01, NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_confidence(rq, "confidence", true, bad[i]), "confidence");
    }
}

static void test_weight_defaults_to_1_and_must_be_1_to_1000(void **state)
{
    request *rq = fresh(state);
    uint32_t w = 77;
    accepted(rq, need_weight(rq, "weight", false, 0, &w));
    assert_int_equal(w, 1);
    accepted(rq, need_weight(rq, "weight", true, 1, &w));
    assert_int_equal(w, 1);
    accepted(rq, need_weight(rq, "weight", true, OKR_MAX_WEIGHT, &w));
    assert_int_equal(w, 1000);
    const uint32_t bad[] = {0, OKR_MAX_WEIGHT + 1, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        w = 5;
        refused_naming(rq, need_weight(rq, "weight", true, bad[i], &w), "weight");
        assert_int_equal(w, 5);                    /* untouched on refusal */
    }
}

/* ------------------------------------------------------------ dates and ids */

static void test_date_must_be_a_real_calendar_day(void **state)
{
    request *rq = fresh(state);
    int64_t days = -1;
    accepted(rq, need_date(rq, "start", "1970-01-01", &days));
    assert_int_equal(days, 0);
    accepted(rq, need_date(rq, "start", "2026-10-01", &days));
    assert_int_equal(days, 20727);
    accepted(rq, need_date(rq, "start", "2028-02-29", &days));   /* leap year */
    static const char *const bad[] = {
        NULL, "", "2026-02-29", "2100-02-29", "2026-13-01", "2026-00-10", "2026-04-31",
        "2026-1-01", "2026-10-1", "26-10-01", "2026/10/01", "2026-10-01x", " 2026-10-01",
        "1969-12-31", "２０２６-10-01", "2026-10-01\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_date(rq, "end", bad[i], &days), "end");
    }
}

static void test_node_ids_are_typed_and_without_leading_zeros(void **state)
{
    request *rq = fresh(state);
    okr_node n = 0;
    accepted(rq, need_node_id(rq, "parent", "O12", &n));
    assert_int_equal(n, okr_node_objective(12));
    accepted(rq, need_node_id(rq, "parent", "k40", &n));
    assert_int_equal(n, okr_node_kr(40));
    accepted(rq, need_node_id(rq, "parent", "O2147483647", &n));
    static const char *const bad[] = {NULL, "", "O", "O0", "O012", "X1", "O-1", "O+1", "O 1",
                                      "O1 ", "O2147483648", "K99999999999", "12", "OK1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rq = fresh(state);
        refused_naming(rq, need_node_id(rq, "parent", bad[i], &n), "parent");
    }
}

/* ------------------------------------------------------------ errors */

static void test_the_first_error_of_a_request_wins(void **state)
{
    request *rq = fresh(state);
    assert_false(request_fail(rq, OKR__ERROR_CODE__NOT_FOUND, "no objective %s", "O9"));
    assert_false(request_fail(rq, OKR__ERROR_CODE__CONFLICT, "later"));
    uint32_t w;
    assert_false(need_weight(rq, "weight", true, 0, &w));
    assert_int_equal(rq->code, OKR__ERROR_CODE__NOT_FOUND);
    assert_string_equal(rq->message, "no objective O9");
}

static void test_a_storage_failure_makes_the_request_not_ok(void **state)
{
    request *rq = fresh(state);
    assert_true(request_ok(rq));
    rq->txn->rc = MDB_MAP_FULL;
    assert_false(request_ok(rq));
    assert_int_equal(rq->code, OKR__ERROR_CODE__OK);   /* not a user error */
}

/* ------------------------------------------------------------ records */

static void test_record_lookups_resolve_ids_and_name_the_missing_one(void **state)
{
    (void)state;
    fixture f;
    arena a;
    assert_int_equal(fixture_open(&f, 0), 0);
    arena_init(&a);
    assert_int_equal(fixture_do(&f, req_period_add(&a, "2026-Q4", "2026-10-01", "2026-12-31"),
                                NULL), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_period_add(&a, "2026-Q3", "2026-07-01", "2026-09-30"),
                                NULL), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_objective_add(&a, "o", "2026-Q4", 0, NULL, NULL), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_objective_add(&a, "old", "2026-Q3", 0, NULL, NULL), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_kr_add_metric(&a, "O1", 0, 1, 0), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_period_close(&a, "2026-Q3", false), NULL),
                     OKR__ERROR_CODE__OK);

    arena mem;
    arena_init(&mem);
    store_txn t;
    store_txn_begin(&t, &f.st, NULL, false, &mem);
    request rq;
    okr_node id;
#define FRESH() (memset(&rq, 0, sizeof rq), rq.txn = &t, rq.mem = &mem, &rq)

    Okr__Objective *o = need_objective(FRESH(), "child", "O1", &id);
    assert_non_null(o);
    assert_string_equal(o->id, "O1");
    assert_true(need_open(&rq, o));

    assert_null(need_objective(FRESH(), "child", "O9", &id));
    assert_int_equal(rq.code, OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(rq.message, "O9"));

    assert_null(need_objective(FRESH(), "child", "K1", &id));
    assert_int_equal(rq.code, OKR__ERROR_CODE__INVALID_ARGUMENT);
    assert_non_null(strstr(rq.message, "child"));

    assert_non_null(need_kr(FRESH(), "kr", "K1", &id));
    assert_int_equal(id, okr_node_kr(1));
    assert_null(need_kr(FRESH(), "kr", "K2", &id));
    assert_int_equal(rq.code, OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(rq.message, "K2"));
    assert_null(need_kr(FRESH(), "kr", "O1", &id));
    assert_int_equal(rq.code, OKR__ERROR_CODE__INVALID_ARGUMENT);

    assert_non_null(need_period(FRESH(), "2026-Q4"));
    assert_null(need_period(FRESH(), "2027-Q1"));
    assert_int_equal(rq.code, OKR__ERROR_CODE__NOT_FOUND);
    assert_non_null(strstr(rq.message, "2027-Q1"));
    assert_null(need_team(FRESH(), "nobody"));
    assert_int_equal(rq.code, OKR__ERROR_CODE__NOT_FOUND);

    o = need_objective(FRESH(), "id", "O2", &id);
    assert_non_null(o);
    assert_false(need_open(&rq, o));
    assert_int_equal(rq.code, OKR__ERROR_CODE__PERIOD_CLOSED);
    assert_non_null(strstr(rq.message, "2026-Q3"));
#undef FRESH
    store_txn_abort(&t);
    arena_free(&mem);
    arena_free(&a);
    fixture_close(&f);
}

/* ------------------------------------------------------------ the decoder
 *
 * Frames are built byte by byte where protobuf-c's packer cannot say what a
 * hostile client can: a NUL inside a string, a varint over 32 bits for a
 * uint32 field. wire_unpack_request is what okrd's batch.c calls. */

typedef struct {
    uint8_t b[2048];
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

static void put_tag(frame *f, unsigned field, unsigned wire_type)
{
    put_varint(f, (uint64_t)field << 3 | wire_type);
}

static void put_bytes(frame *f, unsigned field, const void *p, size_t len)
{
    put_tag(f, field, 2);
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

/* The field number of `name` in d (so the frames follow okr.proto). */
static unsigned field_no(const ProtobufCMessageDescriptor *d, const char *name)
{
    const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d, name);
    assert_non_null(f);
    return f->id;
}

/* A Request frame with request_id 77 whose body is the kr_add sub-message
 * holding `kr` (a KeyResult's raw fields). */
static frame kr_add_frame(const frame *kr)
{
    Okr__Request head = OKR__REQUEST__INIT;
    head.has_version = head.has_request_id = true;
    head.version = OKR_PROTOCOL_VERSION;
    head.request_id = 77;
    frame add = {.n = 0}, req = {.n = 0};
    put_bytes(&add, field_no(&okr__key_result_add__descriptor, "kr"), kr->b, kr->n);
    put_message(&req, &head.base);
    put_bytes(&req, field_no(&okr__request__descriptor, "kr_add"), add.b, add.n);
    return req;
}

/* A metric KR of O1 (0 -> 10) as raw fields, weight left for the caller. */
static frame metric_kr_fields(void)
{
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = "O1";
    kr.title = "weekly active buyers";
    kr.has_kind = kr.has_start = kr.has_target = true;
    kr.kind = OKR__KR_KIND__METRIC;
    kr.target = 10;
    frame f = {.n = 0};
    put_message(&f, &kr.base);
    return f;
}

static const unsigned KR_WEIGHT = 9, KR_TITLE = 3;

/* Decode like okrd; returns the request, *why the refusal (or NULL). */
static Okr__Request *decode(void **state, const frame *f, const char **why)
{
    ctx *c = *state;
    return wire_unpack_request(&c->mem.pb, f->n, f->b, why);
}

/* The frame is refused with exactly `sentence`, and what comes back holds
 * only the request id (so the reply is matched) and no body to run. */
static void decoder_refuses(void **state, const frame *f, const char *sentence)
{
    const char *why = NULL;
    Okr__Request *req = decode(state, f, &why);
    assert_non_null(why);
    assert_string_equal(why, sentence);
    assert_non_null(req);
    assert_true(req->has_request_id);
    assert_int_equal(req->request_id, 77);
    assert_int_equal(req->body_case, OKR__REQUEST__BODY__NOT_SET);
    assert_null(req->user);
}

static void test_decoder_refuses_a_nul_inside_any_string_field(void **state)
{
    frame kr = metric_kr_fields();
    put_bytes(&kr, KR_TITLE, "buyers\0 (hidden)", 16);
    frame f = kr_add_frame(&kr);
    decoder_refuses(state, &f, "kr_add.kr.title holds a NUL byte (byte 7 of the text); text "
                               "cannot contain NUL");

    /* Top level (Request.user) and a repeated sub-message (align_to). */
    frame user = kr_add_frame(&(frame){.n = 0});
    put_bytes(&user, field_no(&okr__request__descriptor, "user"), "an\0na", 5);
    decoder_refuses(state, &user, "user holds a NUL byte (byte 3 of the text); text cannot "
                                  "contain NUL");
    Okr__Request head = OKR__REQUEST__INIT;
    head.has_request_id = true;
    head.request_id = 77;
    frame align = {.n = 0}, add = {.n = 0}, req = {.n = 0};
    put_bytes(&align, field_no(&okr__alignment__descriptor, "parent"), "O1\0", 3);
    put_bytes(&add, field_no(&okr__objective_add__descriptor, "align_to"), "", 0);
    put_bytes(&add, field_no(&okr__objective_add__descriptor, "align_to"), align.b, align.n);
    put_message(&req, &head.base);
    put_bytes(&req, field_no(&okr__request__descriptor, "objective_add"), add.b, add.n);
    decoder_refuses(state, &req, "objective_add.align_to.parent holds a NUL byte (byte 3 of "
                                 "the text); text cannot contain NUL");
}

static void test_decoder_refuses_a_varint_too_big_for_its_32_bit_field(void **state)
{
    frame kr = metric_kr_fields();
    put_tag(&kr, KR_WEIGHT, 0);
    put_varint(&kr, (1ULL << 32) + 1);       /* protobuf-c alone would make it 1 */
    frame f = kr_add_frame(&kr);
    decoder_refuses(state, &f, "kr_add.kr.weight is 4294967297, which does not fit its 32-bit "
                               "field (at most 4294967295)");

    /* An enum is an int32: 2^31 does not fit, -1 (ten bytes) does. */
    frame v = kr_add_frame(&(frame){.n = 0});
    put_tag(&v, field_no(&okr__request__descriptor, "version"), 0);
    put_varint(&v, 1ULL << 31);
    decoder_refuses(state, &v, "version is 2147483648, which does not fit its 32-bit field "
                               "(-2147483648 to 2147483647)");
    frame neg = kr_add_frame(&(frame){.n = 0});
    put_tag(&neg, field_no(&okr__request__descriptor, "version"), 0);
    put_varint(&neg, (uint64_t)-1);
    const char *why = "unset";
    Okr__Request *req = decode(state, &neg, &why);
    assert_null(why);
    assert_non_null(req);
    assert_int_equal((int)req->version, -1);

    /* Eleven bits past 64 in a uint64: refused, not wrapped. */
    frame wide = kr_add_frame(&(frame){.n = 0});
    static const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    put_tag(&wide, field_no(&okr__request__descriptor, "request_id"), 0);
    memcpy(wide.b + wide.n, over, sizeof over);
    wide.n += sizeof over;
    why = NULL;
    decode(state, &wide, &why);
    assert_non_null(why);
    assert_string_equal(why, "request_id is a number of more than 64 bits");
}

/* What the walk does not know it leaves to wire_strip_unknown; the largest
 * uint32 passes the decoder (the weight validator then refuses it). */
static void test_decoder_passes_unknown_fields_and_values_that_fit(void **state)
{
    frame kr = metric_kr_fields();
    put_bytes(&kr, 99, "raw\0bytes", 9);     /* unknown field: skipped, then dropped */
    put_tag(&kr, 98, 0);
    put_varint(&kr, UINT64_MAX);
    static const uint8_t field0[] = {0x80, 0x00, 0x01};   /* field 0 in an overlong tag */
    memcpy(kr.b + kr.n, field0, sizeof field0);
    kr.n += sizeof field0;
    put_varint(&kr, (uint64_t)UINT32_MAX << 3);           /* field 2^32-1: nobody's */
    put_varint(&kr, 5);
    put_tag(&kr, KR_WEIGHT, 0);
    put_varint(&kr, UINT32_MAX);
    frame f = kr_add_frame(&kr);
    const char *why = "unset";
    Okr__Request *req = decode(state, &f, &why);
    assert_null(why);
    assert_non_null(req);
    assert_int_equal(req->body_case, OKR__REQUEST__BODY_KR_ADD);
    assert_int_equal(req->kr_add->kr->weight, UINT32_MAX);
    assert_int_equal(req->kr_add->kr->base.n_unknown_fields, 0);
    assert_string_equal(req->kr_add->kr->title, "weekly active buyers");
}

static void test_decoder_refuses_what_is_not_a_request(void **state)
{
    frame tag = {.n = 0};
    static const uint8_t six[] = {0x88, 0x80, 0x80, 0x80, 0x80, 0x00, 0x01};   /* 6-byte tag */
    memcpy(tag.b, six, sizeof six);
    tag.n = sizeof six;
    const char *why = NULL;
    assert_null(decode(state, &tag, &why));
    assert_non_null(why);
    assert_string_equal(why, "malformed request: the frame is not an okr.Request message (a "
                             "bad field tag at byte 1)");
    frame cut = kr_add_frame(&(frame){.n = 0});
    put_tag(&cut, KR_TITLE, 2);
    put_varint(&cut, 50);                      /* 50 bytes announced, none there */
    why = NULL;
    assert_null(decode(state, &cut, &why));
    assert_non_null(why);
    assert_non_null(strstr(why, "a bad length"));
    frame junk = {.n = 3, .b = {0x0a, 0xff, 0xff}};
    why = "unset";
    decode(state, &junk, &why);
    assert_non_null(why);
}

/* The same frame with a weight that fits runs through the real handlers. */
static void test_a_frame_that_passes_the_decoder_runs_as_sent(void **state)
{
    fixture f;
    arena a;
    assert_int_equal(fixture_open(&f, 0), 0);
    arena_init(&a);
    assert_int_equal(fixture_do(&f, req_period_add(&a, "2026-Q4", "2026-10-01", "2026-12-31"),
                                NULL), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&f, req_objective_add(&a, "o", "2026-Q4", 0, NULL, NULL), NULL),
                     OKR__ERROR_CODE__OK);
    frame kr = metric_kr_fields();
    put_tag(&kr, KR_WEIGHT, 0);
    put_varint(&kr, 7);
    frame fr = kr_add_frame(&kr);
    const char *why = "unset";
    Okr__Request *req = decode(state, &fr, &why);
    assert_null(why);
    assert_int_equal(fixture_do(&f, req, NULL), OKR__ERROR_CODE__OK);
    uint32_t weight = 0;
    assert_true(fixture_edge(&f, "K1", "O1", &weight));
    assert_int_equal(weight, 7);
    arena_free(&a);
    fixture_close(&f);
}

/* ------------------------------------------------------------ through the handlers */

typedef struct {
    fixture f;
    arena a;
} world;

/* A store with period 2026-Q4, team "payments", O1 and its KR K1. */
static void world_open(world *w)
{
    assert_int_equal(fixture_open(&w->f, 0), 0);
    arena_init(&w->a);
    assert_int_equal(fixture_do(&w->f, req_period_add(&w->a, "2026-Q4", "2026-10-01",
                                                       "2026-12-31"), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&w->f, req_team_add(&w->a, "payments"), NULL),
                     OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&w->f, req_objective_add(&w->a, "o", "2026-Q4", 0, NULL, NULL),
                                NULL), OKR__ERROR_CODE__OK);
    assert_int_equal(fixture_do(&w->f, req_kr_add_metric(&w->a, "O1", 0, 10, 0), NULL),
                     OKR__ERROR_CODE__OK);
}

static void world_close(world *w)
{
    arena_free(&w->a);
    fixture_close(&w->f);
}

/* req is refused with INVALID_ARGUMENT naming `field`, and nothing changed:
 * every database byte for byte, no event. */
static void handlers_refuse(world *w, const Okr__Request *req, const char *field)
{
    size_t before_len, after_len;
    unsigned char *before = fixture_snapshot_all(&w->f, &before_len);
    uint64_t seq = w->f.last_seq;
    Okr__Response *resp;
    Okr__ErrorCode code = fixture_do(&w->f, req, &resp);
    if (code != OKR__ERROR_CODE__INVALID_ARGUMENT)
        fail_msg("got %s (%s), not INVALID_ARGUMENT naming %s", wire_error_name(code),
                 resp->error ? resp->error->message : "no message", field);
    if (strstr(resp->error->message, field) == NULL)
        fail_msg("\"%s\" does not name %s", resp->error->message, field);
    unsigned char *after = fixture_snapshot_all(&w->f, &after_len);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);
    assert_int_equal(w->f.last_seq, seq);
    free(before);
    free(after);
}

/* Request.user goes into the event log with the request: a bad one is
 * refused, not quietly replaced by "local" next to the raw bytes. */
static void test_a_request_from_a_bad_user_name_is_refused_and_changes_nothing(void **state)
{
    (void)state;
    world w;
    world_open(&w);
    char longer[OKR_MAX_NAME + 2];
    memset(longer, 'u', OKR_MAX_NAME + 1);
    longer[OKR_MAX_NAME + 1] = '\0';
    const char *const bad[] = {"\xff\xfe", "caf\xc3", "\x1b[31mroot", "an\tna", "an\nna",
                               "\xe2\x80\xae" "nimda", longer, " anna"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Okr__Request *req = req_checkin(&w.a, "K1", 5);
        req->user = (char *)bad[i];
        handlers_refuse(&w, req, "user");
        req = req_objective_get(&w.a, "O1");      /* reads too: the rule is the request's */
        req->user = (char *)bad[i];
        handlers_refuse(&w, req, "user");
    }
    Okr__Request *req = req_checkin(&w.a, "K1", 5);
    req->user = "anna.k\xc3\xb6nig";
    assert_int_equal(fixture_do(&w.f, req, NULL), OKR__ERROR_CODE__OK);
    req = req_checkin(&w.a, "K1", 6);
    req->user = "";                                 /* absent: the server's default actor */
    assert_int_equal(fixture_do(&w.f, req, NULL), OKR__ERROR_CODE__OK);
    world_close(&w);
}

/* The text rules hold in every text field a handler stores. */
static void test_handlers_refuse_tabs_bidi_and_line_breaks_where_they_break_tables(void **state)
{
    (void)state;
    world w;
    world_open(&w);
    const char *rlo = "evil \xe2\x80\xae" "gnp.exe";
    handlers_refuse(&w, req_objective_add(&w.a, rlo, "2026-Q4", 0, NULL, NULL), "title");
    handlers_refuse(&w, req_objective_add(&w.a, "a\tb", "2026-Q4", 0, NULL, NULL), "title");
    handlers_refuse(&w, req_objective_add(&w.a, "two\nlines", "2026-Q4", 0, NULL, NULL),
                    "title");
    handlers_refuse(&w, req_team_add(&w.a, "pay\xe2\x81\xa7ments"), "team name");
    handlers_refuse(&w, req_period_add(&w.a, "2027\tQ1", "2027-01-01", "2027-03-31"),
                    "period name");
    Okr__Request *req = req_objective_add(&w.a, "o2", "2026-Q4", 0, NULL, NULL);
    req->objective_add->objective->description = "why\n\xe2\x80\x8f" "hidden";
    handlers_refuse(&w, req, "description");
    req = req_checkin(&w.a, "K1", 5);
    req->checkin->note = "done\tlate";
    handlers_refuse(&w, req, "note");
    Okr__KeyResult kr = OKR__KEY_RESULT__INIT;
    kr.objective = "O1";
    kr.title = "metric";
    kr.unit = "\xe2\x80\xaa%";
    kr.has_kind = kr.has_target = true;
    kr.kind = OKR__KR_KIND__METRIC;
    kr.target = 1;
    handlers_refuse(&w, req_kr_add(&w.a, &kr), "unit");

    /* Several lines where a reader expects a paragraph. */
    req = req_objective_add(&w.a, "o2", "2026-Q4", 0, NULL, NULL);
    req->objective_add->objective->description = "Why:\n- churn\n- cost";
    assert_int_equal(fixture_do(&w.f, req, NULL), OKR__ERROR_CODE__OK);
    req = req_checkin(&w.a, "K1", 5);
    req->checkin->note = "blocked on\nlegal";
    assert_int_equal(fixture_do(&w.f, req, NULL), OKR__ERROR_CODE__OK);
    Okr__Response *resp;
    assert_int_equal(fixture_do(&w.f, req_objective_get(&w.a, "O2"), &resp),
                     OKR__ERROR_CODE__OK);
    assert_string_equal(resp->objective->objective->description, "Why:\n- churn\n- cost");
    world_close(&w);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_text_accepts_utf8_up_to_its_byte_limit),
        T(test_text_over_its_byte_limit_is_invalid),
        T(test_text_that_is_not_utf8_or_holds_controls_is_invalid),
        T(test_text_refuses_tabs_and_invisible_formatting_naming_the_byte),
        T(test_only_descriptions_and_notes_take_line_feeds),
        T(test_required_text_refuses_missing_empty_and_blank),
        T(test_names_refuse_leading_or_trailing_space_and_tabs),
        T(test_number_must_be_given_finite_and_within_bounds),
        T(test_confidence_is_optional_and_between_0_and_1),
        T(test_weight_defaults_to_1_and_must_be_1_to_1000),
        T(test_date_must_be_a_real_calendar_day),
        T(test_node_ids_are_typed_and_without_leading_zeros),
        T(test_the_first_error_of_a_request_wins),
        T(test_a_storage_failure_makes_the_request_not_ok),
        T(test_record_lookups_resolve_ids_and_name_the_missing_one),
        T(test_decoder_refuses_a_nul_inside_any_string_field),
        T(test_decoder_refuses_a_varint_too_big_for_its_32_bit_field),
        T(test_decoder_passes_unknown_fields_and_values_that_fit),
        T(test_decoder_refuses_what_is_not_a_request),
        T(test_a_frame_that_passes_the_decoder_runs_as_sent),
        T(test_a_request_from_a_bad_user_name_is_refused_and_changes_nothing),
        T(test_handlers_refuse_tabs_bidi_and_line_breaks_where_they_break_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
