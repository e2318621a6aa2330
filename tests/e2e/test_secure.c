/* test_secure.c — secure mode end to end (DESIGN §7): a real `okrd --secure`,
 * real `okr` processes with keys made by `okr keygen` in temporary
 * XDG_CONFIG_HOME directories, and raw ZeroMQ sockets (zmq_curve_keypair
 * keys, or none) from the test itself.
 *
 * What it proves: only a listed public key gets anything, on either socket
 * (no reply, not even a heartbeat); a removed user gets nothing more; every
 * mutation of a viewer is refused naming the role and changes nothing; the
 * actor is the authenticated user whatever the request claims; the bytes on
 * the wire are encrypted (a relay in the test records them); one okrd per
 * data directory; key files are checked like ssh keys. No fixed sleeps:
 * every wait is for a seq, a heartbeat or an exit, against a deadline. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include <cmocka.h>

#include "harness.h"
#include "json_out.h"
#include "keyfile.h"
#include "monitor.h"
#include "requests.h"

#define WAIT_MS 15000

/* ------------------------------------------------------------ people, server */

typedef struct {
    const char *name;
    char home[HARNESS_PATH_MAX];        /* XDG_CONFIG_HOME for okr keygen */
    char key_file[HARNESS_PATH_MAX + 16];   /* HOME/okr/key */
    char pub[KEY_Z85_BUF], secret[KEY_Z85_BUF];
} person;

typedef struct {
    struct harness_server s;
    char server_key[KEY_Z85_BUF];
    person admin, editor, viewer, stranger;
    void *zmq;                          /* the test's own sockets */
    void *open_socks[8];                /* closed by teardown after a failed test */
} world;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* `okr keygen` with XDG_CONFIG_HOME = root/NAME; keeps both keys. */
static void make_person(const char *root, person *p, const char *name)
{
    struct harness_result r;
    p->name = name;
    snprintf(p->home, sizeof p->home, "%s/%s", root, name);
    snprintf(p->key_file, sizeof p->key_file, "%s/okr/key", p->home);
    setenv("XDG_CONFIG_HOME", p->home, 1);
    harness_okr_at("tcp://127.0.0.1:1", &r, NULL, "keygen", NULL);
    harness_expect_exit(&r, 0);
    char *pub = harness_chomp(r.out);
    harness_result_free(&r);
    assert_int_equal(strlen(pub), KEY_Z85_LEN);
    char err[512];
    if (keyfile_read_secret(p->key_file, p->secret, p->pub, err, sizeof err) != 0)
        fail_msg("%s", err);
    assert_string_equal(pub, p->pub);
    free(pub);
}

/* okr as p (NULL: with no key at all) against endpoint. */
static void okr_at_v(world *w, const char *endpoint, const person *p, const char *server_key,
                     struct harness_result *r, const char *arg, va_list ap)
{
    const char *args[40];
    int n = 0;
    if (p) {
        args[n++] = "--key";
        args[n++] = p->key_file;
        args[n++] = "--server-key";
        args[n++] = server_key ? server_key : w->server_key;
    }
    for (const char *a = arg; a && n < 39; a = va_arg(ap, const char *))
        args[n++] = a;
    args[n] = NULL;
    harness_okr_argv(endpoint, r, NULL, args);
}

/* okr as p must exit 0; returns stdout (chomped, malloc'd). */
static char *okr_ok_v(world *w, const person *p, const char *arg, va_list ap)
{
    struct harness_result r;
    okr_at_v(w, w->s.requests, p, NULL, &r, arg, ap);
    harness_expect_exit(&r, 0);
    char *out = harness_chomp(r.out);
    harness_result_free(&r);
    return out;
}

static char *okr_ok(world *w, const person *p, const char *arg, ...)
{
    va_list ap;
    va_start(ap, arg);
    char *out = okr_ok_v(w, p, arg, ap);
    va_end(ap);
    return out;
}

#define OK(w, p, ...) free(okr_ok((w), (p), __VA_ARGS__, NULL))

/* okr as p must exit `code` with `words` on stderr. */
static void okr_fails(world *w, const person *p, int code, const char *words, const char *arg,
                      ...)
{
    struct harness_result r;
    va_list ap;
    va_start(ap, arg);
    okr_at_v(w, w->s.requests, p, NULL, &r, arg, ap);
    va_end(ap);
    harness_expect_exit(&r, code);
    bool said = strstr(r.err, words) != NULL;
    if (!said)
        fprintf(stderr, "`%s`: stderr lacks \"%s\":\n%s\n", r.command, words, r.err);
    harness_result_free(&r);
    assert_true(said);
}

#define FAILS(w, p, code, words, ...) okr_fails((w), (p), (code), (words), __VA_ARGS__, NULL)

/* A secure okrd whose first admin "ada" was added offline, with "erin"
 * (editor) and "vic" (viewer) added by ada, a period, a team, an objective
 * O1 with a metric KR K1 and one check-in. "mallet" has a key nobody
 * listed. */
/* The people's keys are made once (okr keygen is a process each), in a
 * directory of their own; each test gets a fresh server. */
static char people_root[256];
static person people[4];

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static int group_setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(people_root, sizeof people_root, "%s/okr-people.XXXXXX",
             tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(people_root) == NULL)
        return -1;
    make_person(people_root, &people[0], "ada");
    make_person(people_root, &people[1], "erin");
    make_person(people_root, &people[2], "vic");
    make_person(people_root, &people[3], "mallet");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (!getenv("OKR_TEST_KEEP"))
        nftw(people_root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof *w);
    struct harness_result r;
    if (w == NULL || harness_server_prepare(&w->s, "--secure", NULL) != 0)
        return -1;
    *state = w;
    w->zmq = zmq_ctx_new();
    w->admin = people[0];
    w->editor = people[1];
    w->viewer = people[2];
    w->stranger = people[3];
    char none[HARNESS_PATH_MAX];
    snprintf(none, sizeof none, "%s/none", w->s.root);
    setenv("XDG_CONFIG_HOME", none, 1);          /* no config file, no default key */

    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--print-key", NULL);
    harness_expect_exit(&r, 0);
    char *key = harness_chomp(r.out);
    harness_result_free(&r);
    assert_int_equal(strlen(key), KEY_Z85_LEN);
    memcpy(w->server_key, key, KEY_Z85_BUF);
    free(key);
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--add-user", "ada", "--role", "admin",
                     "--key", w->admin.pub, NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    if (harness_server_launch(&w->s) != 0)
        return -1;

    OK(w, &w->admin, "user", "add", "erin", "--role", "editor", "--key", w->editor.pub);
    OK(w, &w->admin, "user", "add", "vic", "--role", "viewer", "--key", w->viewer.pub);
    OK(w, &w->admin, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end", "2026-12-31");
    OK(w, &w->admin, "team", "add", "core");
    OK(w, &w->editor, "obj", "add", "Ship the thing", "--team", "core", "--period", "2026-Q4");
    OK(w, &w->editor, "kr", "add", "O1", "Users", "--from", "0", "--to", "100");
    OK(w, &w->editor, "checkin", "K1", "10");
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    harness_server_destroy(&w->s);
    for (size_t i = 0; i < sizeof w->open_socks / sizeof w->open_socks[0]; i++)
        if (w->open_socks[i])
            zmq_close(w->open_socks[i]);
    zmq_ctx_term(w->zmq);
    unsetenv("XDG_CONFIG_HOME");
    free(w);
    return 0;
}

/* ------------------------------------------------------------ raw sockets */

static void use_key(world *w, const person *p)
{
    if (p)
        harness_client_curve(&w->s, w->server_key, p->pub, p->secret);
    else
        harness_client_curve(&w->s, NULL, NULL, NULL);
}

static Okr__Response *status_as(world *w, const person *p, const char *claimed_user)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__StatusGet body = OKR__STATUS_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_STATUS;
    req.status = &body;
    req.user = (char *)claimed_user;
    (void)p;
    return harness_request(&w->s, &req);
}

/* A subscriber on "" (everything: events, node topics, heartbeats) with p's
 * key, or plain when p is NULL, counting what it receives. */
typedef struct {
    void *sock;
    void **slot;                   /* its place in world.open_socks */
    unsigned messages;
    uint64_t max_event_seq;        /* largest event seq seen (0: none) */
    uint64_t max_hb_seq;           /* largest heartbeat seq seen */
    unsigned heartbeats;
} subscriber;

static void sub_open(world *w, subscriber *sub, const person *p, const char *endpoint)
{
    memset(sub, 0, sizeof *sub);
    sub->sock = zmq_socket(w->zmq, ZMQ_SUB);
    int linger = 0;
    zmq_setsockopt(sub->sock, ZMQ_LINGER, &linger, sizeof linger);
    if (p) {
        zmq_setsockopt(sub->sock, ZMQ_CURVE_SERVERKEY, w->server_key, KEY_Z85_LEN);
        zmq_setsockopt(sub->sock, ZMQ_CURVE_PUBLICKEY, p->pub, KEY_Z85_LEN);
        zmq_setsockopt(sub->sock, ZMQ_CURVE_SECRETKEY, p->secret, KEY_Z85_LEN);
    }
    zmq_setsockopt(sub->sock, ZMQ_SUBSCRIBE, "", 0);
    for (size_t i = 0; i < sizeof w->open_socks / sizeof w->open_socks[0]; i++)
        if (w->open_socks[i] == NULL) {
            w->open_socks[i] = sub->sock;
            sub->slot = &w->open_socks[i];
            break;
        }
    assert_int_equal(zmq_connect(sub->sock, endpoint ? endpoint : w->s.events), 0);
}

static void sub_close(subscriber *sub)
{
    zmq_close(sub->sock);
    if (sub->slot)
        *sub->slot = NULL;
}

/* Read everything waiting (up to wait_ms for the first message). */
static void sub_drain(subscriber *sub, int wait_ms)
{
    zmq_pollitem_t item = {sub->sock, 0, ZMQ_POLLIN, 0};
    while (zmq_poll(&item, 1, wait_ms) > 0) {
        wait_ms = 0;
        char topic[128];
        int n = zmq_recv(sub->sock, topic, sizeof topic - 1, 0);
        if (n < 0)
            return;
        topic[n < (int)sizeof topic ? n : (int)sizeof topic - 1] = '\0';
        zmq_msg_t body;
        zmq_msg_init(&body);
        int more = 0;
        size_t more_len = sizeof more;
        zmq_getsockopt(sub->sock, ZMQ_RCVMORE, &more, &more_len);
        sub->messages++;
        if (more && zmq_msg_recv(&body, sub->sock, 0) >= 0) {
            if (strcmp(topic, "hb") == 0) {
                Okr__Heartbeat *hb = okr__heartbeat__unpack(NULL, zmq_msg_size(&body),
                                                            zmq_msg_data(&body));
                if (hb) {
                    sub->heartbeats++;
                    if (hb->seq > sub->max_hb_seq)
                        sub->max_hb_seq = hb->seq;
                    okr__heartbeat__free_unpacked(hb, NULL);
                }
            } else {
                Okr__Event *ev = okr__event__unpack(NULL, zmq_msg_size(&body),
                                                    zmq_msg_data(&body));
                if (ev) {
                    if (ev->seq > sub->max_event_seq)
                        sub->max_event_seq = ev->seq;
                    okr__event__free_unpacked(ev, NULL);
                }
            }
        }
        zmq_msg_close(&body);
    }
}

/* Drain sub until a heartbeat arrives: it proves the subscription has
 * reached okrd, so an event published from now on cannot be missed (a
 * SUB that has just connected joins late: the CURVE handshake and the
 * subscription travel after zmq_connect returns). */
static void sub_wait_joined(subscriber *sub)
{
    int64_t ready = now_ms() + WAIT_MS;
    while (sub->heartbeats == 0 && now_ms() < ready)
        sub_drain(sub, 50);
    assert_true(sub->heartbeats > 0);
}

/* Drain subs until `admitted` has seen a heartbeat carrying seq >= seq (one
 * published after that event) and, with want_event, the event itself (a
 * subscriber reconnecting after a re-bind may miss it: monitors replay). */
static void wait_for_seq(subscriber *admitted, subscriber *others, size_t n_others, uint64_t seq,
                         bool want_event)
{
    int64_t deadline = now_ms() + WAIT_MS;
    while ((want_event && admitted->max_event_seq < seq) || admitted->max_hb_seq < seq) {
        if (now_ms() > deadline)
            fail_msg("the admitted subscriber saw event %llu and heartbeat %llu, not %llu",
                     (unsigned long long)admitted->max_event_seq,
                     (unsigned long long)admitted->max_hb_seq, (unsigned long long)seq);
        sub_drain(admitted, 50);
        for (size_t i = 0; i < n_others; i++)
            sub_drain(&others[i], 0);
    }
    for (size_t i = 0; i < n_others; i++)
        sub_drain(&others[i], 0);
}

static uint64_t checkin_as(world *w, const person *p, const char *value)
{
    char *out = okr_ok(w, p, "--json", "checkin", "K1", value, NULL);
    struct json_object *j = harness_json_parse(out);
    uint64_t seq = (uint64_t)harness_json_int(j, "seq");
    json_object_put(j);
    free(out);
    return seq;
}

/* ------------------------------------------------------------ (1) who gets in */

static void test_okr_without_a_listed_key_gets_no_reply_and_says_why(void **state)
{
    world *w = *state;
    FAILS(w, NULL, 3, "is in secure mode: give your key", "status");
    FAILS(w, &w->stranger, 3, "refused your key", "status");
    struct harness_result r;
    const char *args[] = {"--key", w->viewer.key_file, "--server-key", w->stranger.pub,
                          "status", NULL};
    harness_okr_argv(w->s.requests, &r, NULL, args);       /* a wrong server key */
    harness_expect_exit(&r, 3);
    assert_non_null(strstr(r.err, "the server's key"));
    assert_non_null(strstr(r.err, "is wrong"));
    harness_result_free(&r);
    assert_true(harness_server_log_contains(&w->s, w->stranger.pub));   /* logged, by key */
    assert_false(harness_server_log_contains(&w->s, w->stranger.secret));
}

static void test_a_raw_client_without_a_listed_key_gets_no_reply(void **state)
{
    world *w = *state;
    w->s.timeout_ms = 500;                  /* nothing will come: a short wait */
    use_key(w, NULL);
    assert_null(status_as(w, NULL, "ada"));
    use_key(w, &w->stranger);
    assert_null(status_as(w, &w->stranger, "ada"));
    use_key(w, &w->viewer);
    Okr__Response *ok = status_as(w, &w->viewer, NULL);
    assert_non_null(ok);
    okr__response__free_unpacked(ok, NULL);
}

static void test_unknown_subscribers_get_no_event_and_no_heartbeat(void **state)
{
    world *w = *state;
    subscriber admitted, others[2];
    sub_open(w, &admitted, &w->editor, NULL);
    sub_open(w, &others[0], NULL, NULL);
    sub_open(w, &others[1], &w->stranger, NULL);
    sub_wait_joined(&admitted);
    uint64_t seq = checkin_as(w, &w->editor, "20");
    wait_for_seq(&admitted, others, 2, seq, true);
    assert_int_equal(others[0].messages, 0);
    assert_int_equal(others[1].messages, 0);
    assert_true(admitted.heartbeats > 0);
    sub_close(&admitted);
    sub_close(&others[0]);
    sub_close(&others[1]);
}

typedef struct {
    uint64_t seq;
    unsigned events;
} monitor_seen;

static void monitor_on_event(void *ctx, const Okr__Event *ev)
{
    monitor_seen *seen = ctx;
    seen->seq = ev->seq;
    seen->events++;
}

static void test_a_removed_user_gets_nothing_more_and_the_others_carry_on(void **state)
{
    world *w = *state;
    subscriber editor_sub, viewer_sub;
    sub_open(w, &editor_sub, &w->editor, NULL);
    sub_open(w, &viewer_sub, &w->viewer, NULL);
    sub_wait_joined(&editor_sub);
    sub_wait_joined(&viewer_sub);
    uint64_t before = checkin_as(w, &w->editor, "30");
    wait_for_seq(&editor_sub, &viewer_sub, 1, before, true);
    assert_true(viewer_sub.max_event_seq >= before);      /* vic was reading the stream */

    /* monitor.c with erin's key, from the current seq */
    conn_curve keys;
    memcpy(keys.server_key, w->server_key, KEY_Z85_BUF);
    memcpy(keys.public_key, w->editor.pub, KEY_Z85_BUF);
    memcpy(keys.secret_key, w->editor.secret, KEY_Z85_BUF);
    monitor_seen seen = {0};
    monitor_options opt = {.request_endpoint = w->s.requests, .event_endpoint = w->s.events,
                           .from_seq = before, .curve = &keys};
    monitor_callbacks cb = {.on_event = monitor_on_event};
    monitor *m = monitor_new(&opt, &cb, &seen);
    assert_non_null(m);

    /* vic's own connection works, then vic is removed */
    w->s.timeout_ms = 1000;
    use_key(w, &w->viewer);
    Okr__Response *ok = status_as(w, &w->viewer, NULL);
    assert_non_null(ok);
    okr__response__free_unpacked(ok, NULL);
    char *out = okr_ok(w, &w->admin, "--json", "user", "remove", "vic", NULL);
    struct json_object *j = harness_json_parse(out);
    uint64_t removed = (uint64_t)harness_json_int(j, "seq");
    json_object_put(j);
    free(out);

    assert_null(status_as(w, &w->viewer, NULL));           /* same connection: dropped */
    FAILS(w, &w->viewer, 3, "refused your key", "status"); /* a new one: refused */

    uint64_t after = checkin_as(w, &w->editor, "40");
    wait_for_seq(&editor_sub, &viewer_sub, 1, after, false);   /* erin reconnected */
    if (viewer_sub.max_event_seq > removed || viewer_sub.max_hb_seq >= after)
        fail_msg("removed at seq %llu, vic still got event %llu / heartbeat %llu",
                 (unsigned long long)removed, (unsigned long long)viewer_sub.max_event_seq,
                 (unsigned long long)viewer_sub.max_hb_seq);

    int64_t deadline = now_ms() + WAIT_MS;                  /* monitor.c survived the re-bind */
    while (seen.seq < after && now_ms() < deadline)
        assert_int_equal(monitor_poll(m, 50), 0);
    assert_int_equal(seen.seq, after);
    assert_int_equal(seen.events, after - before);          /* every seq, once */
    monitor_free(m);
    sub_close(&editor_sub);
    sub_close(&viewer_sub);
}

/* `okr watch` as a process across the re-bind (a thread runs it while the
 * test removes a user): it must deliver every event, in order, once. */
typedef struct {
    world *w;
    char from[32], count[32];
    struct harness_result r;
} watch_run;

static void *run_watch(void *arg)
{
    watch_run *run = arg;
    const char *args[] = {"--key", run->w->editor.key_file, "--server-key",
                          run->w->server_key, "--json", "watch", "--from", run->from,
                          "--count", run->count, NULL};
    harness_okr_argv(run->w->s.requests, &run->r, NULL, args);
    return NULL;
}

static void test_okr_watch_survives_the_rebind(void **state)
{
    world *w = *state;
    watch_run run = {.w = w};
    uint64_t from = harness_last_seq((use_key(w, &w->admin), &w->s));
    snprintf(run.from, sizeof run.from, "%llu", (unsigned long long)from);
    snprintf(run.count, sizeof run.count, "3");
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, run_watch, &run), 0);
    checkin_as(w, &w->editor, "50");
    OK(w, &w->admin, "user", "remove", "vic");              /* a re-bind */
    uint64_t last = checkin_as(w, &w->editor, "60");
    pthread_join(thread, NULL);
    harness_expect_exit(&run.r, 0);
    uint64_t want = from + 1;
    for (char *line = strtok(run.r.out, "\n"); line; line = strtok(NULL, "\n")) {
        struct json_object *j = harness_json_parse(line);
        assert_int_equal(harness_json_int(j, "seq"), (int64_t)want);
        json_object_put(j);
        want++;
    }
    assert_int_equal(want, last + 1);
    harness_result_free(&run.r);
}

/* ------------------------------------------------------------ (2) roles */

/* Everything a refusal must leave alone, as the admin exports it. */
static char *export_state(world *w)
{
    static const char *const volatile_keys[] = {"health", "expected", NULL};
    const char *parts[][3] = {{"tree", NULL, NULL}, {"user", "list", NULL},
                              {"period", "list", NULL}, {"team", "list", NULL},
                              {"history", "K1", NULL}};
    size_t cap = 1 << 20, len = 0;
    char *all = calloc(1, cap);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char *out = okr_ok(w, &w->admin, "--json", parts[i][0], parts[i][1], NULL);
        char *canon = harness_json_canonical(out, volatile_keys);
        len += (size_t)snprintf(all + len, cap - len, "%s\n", canon);
        free(canon);
        free(out);
    }
    use_key(w, &w->admin);
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__SnapshotGet body = OKR__SNAPSHOT_GET__INIT;
    req.body_case = OKR__REQUEST__BODY_SNAPSHOT;
    req.snapshot = &body;
    Okr__Response *snap = harness_request(&w->s, &req);
    assert_non_null(snap);
    assert_int_equal(snap->body_case, OKR__RESPONSE__BODY_SNAPSHOT);
    struct json_object *j = json_message(&snap->snapshot->base);
    char *canon = harness_json_canonical(json_object_to_json_string(j), volatile_keys);
    len += (size_t)snprintf(all + len, cap - len, "snapshot %s\n", canon);
    free(canon);
    json_object_put(j);
    okr__response__free_unpacked(snap, NULL);
    snprintf(all + len, cap - len, "last_seq %llu\n", (unsigned long long)harness_last_seq(&w->s));
    return all;
}

/* A request of this body type with an empty body (the role check comes
 * before the body is read). */
static Okr__Request *empty_request(Okr__Request__BodyCase body, ProtobufCMessage **msg)
{
    const ProtobufCFieldDescriptor *f =
        protobuf_c_message_descriptor_get_field(&okr__request__descriptor, (unsigned)body);
    assert_non_null(f);
    const ProtobufCMessageDescriptor *d = f->descriptor;
    *msg = calloc(1, d->sizeof_message);
    d->message_init(*msg);
    Okr__Request *req = calloc(1, sizeof *req);
    okr__request__init(req);
    req->body_case = body;
    memcpy((char *)req + f->offset, msg, sizeof *msg);
    return req;
}

static void test_a_viewer_reads_and_watches_and_every_mutation_is_refused(void **state)
{
    world *w = *state;
    char *before = export_state(w);
    use_key(w, &w->viewer);
    int refused = 0;
    for (int i = 0; i < okr_request_type_count; i++) {
        const okr_request_type *t = &okr_request_types[i];
        if (!t->mutates)
            continue;
        ProtobufCMessage *body;
        Okr__Request *req = empty_request(t->body, &body);
        Okr__Response *resp = harness_request(&w->s, req);
        assert_non_null(resp);
        assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__PERMISSION_DENIED);
        char want[128];
        snprintf(want, sizeof want, "%s needs the %s role; vic is viewer", t->name,
                 requests_role_name(t->role));
        assert_string_equal(resp->error->message, want);
        okr__response__free_unpacked(resp, NULL);
        free(body);
        free(req);
        refused++;
    }
    assert_true(refused >= 16);          /* every mutation the protocol has */
    FAILS(w, &w->viewer, 1, "PERMISSION_DENIED: checkin needs the editor role; vic is viewer",
          "checkin", "K1", "99");
    FAILS(w, &w->viewer, 1, "PERMISSION_DENIED: objective_add needs the editor role",
          "obj", "add", "Nope", "--team", "core", "--period", "2026-Q4");
    char *after = export_state(w);
    assert_string_equal(before, after);
    free(before);
    free(after);

    OK(w, &w->viewer, "tree");
    OK(w, &w->viewer, "history", "K1");
    OK(w, &w->viewer, "user", "list");
    char *status = okr_ok(w, &w->viewer, "status", NULL);
    assert_non_null(strstr(status, "vic"));
    assert_non_null(strstr(status, "secure (CURVE; your role: viewer)"));
    free(status);
    OK(w, &w->viewer, "watch", "--from", "1", "--count", "1");
}

static void test_an_editor_edits_but_cannot_touch_users_teams_or_periods(void **state)
{
    world *w = *state;
    char *before = export_state(w);
    const char *admin_only = "needs the admin role; erin is editor";
    FAILS(w, &w->editor, 1, admin_only, "user", "add", "zed", "--role", "viewer", "--key",
          w->stranger.pub);
    FAILS(w, &w->editor, 1, admin_only, "team", "add", "other");
    FAILS(w, &w->editor, 1, admin_only, "period", "add", "2027-Q1", "--start", "2027-01-01",
          "--end", "2027-03-31");
    FAILS(w, &w->editor, 1, admin_only, "period", "close", "2026-Q4");
    FAILS(w, &w->editor, 1, admin_only, "user", "role", "erin", "admin");
    char *after = export_state(w);
    assert_string_equal(before, after);
    free(before);
    free(after);
    OK(w, &w->editor, "checkin", "K1", "70");
    OK(w, &w->admin, "team", "add", "other");
    OK(w, &w->admin, "period", "add", "2027-Q1", "--start", "2027-01-01", "--end", "2027-03-31");
    OK(w, &w->admin, "period", "close", "2027-Q1");
}

static void test_the_last_admin_can_be_neither_removed_nor_demoted(void **state)
{
    world *w = *state;
    FAILS(w, &w->admin, 1, "CONFLICT: ada is the last admin and cannot be removed",
          "user", "remove", "ada");
    FAILS(w, &w->admin, 1, "CONFLICT: ada is the last admin and cannot be demoted",
          "user", "role", "ada", "editor");
    OK(w, &w->admin, "user", "role", "erin", "admin");
    OK(w, &w->editor, "user", "role", "ada", "viewer");        /* erin is admin now */
    FAILS(w, &w->admin, 1, "team_add needs the admin role; ada is viewer", "team", "add", "x");
}

/* ------------------------------------------------------------ (3) the actor */

static void test_the_actor_is_the_authenticated_user_whatever_the_request_says(void **state)
{
    world *w = *state;
    use_key(w, &w->editor);
    Okr__Response *st = status_as(w, &w->editor, "mallory");
    assert_non_null(st);
    assert_string_equal(st->status->actor, "erin");
    assert_true(st->status->secure);
    assert_int_equal(st->status->role, OKR__ROLE__EDITOR);
    okr__response__free_unpacked(st, NULL);

    Okr__Request req = OKR__REQUEST__INIT;
    Okr__CheckInAdd ci = OKR__CHECK_IN_ADD__INIT;
    req.user = "mallory";
    req.body_case = OKR__REQUEST__BODY_CHECKIN;
    req.checkin = &ci;
    ci.kr = "K1";
    ci.has_value = true;
    ci.value = 77;
    Okr__Response *resp = harness_request(&w->s, &req);
    assert_non_null(resp);
    assert_int_equal(harness_error_code(resp), OKR__ERROR_CODE__OK);
    uint64_t seq = resp->changed->seq;
    okr__response__free_unpacked(resp, NULL);

    Okr__Request rp = OKR__REQUEST__INIT;
    Okr__Replay replay = OKR__REPLAY__INIT;
    rp.body_case = OKR__REQUEST__BODY_REPLAY;
    rp.replay = &replay;
    replay.has_after_seq = true;
    replay.after_seq = seq - 1;
    resp = harness_request(&w->s, &rp);
    assert_non_null(resp);
    assert_int_equal(resp->body_case, OKR__RESPONSE__BODY_EVENTS);
    assert_true(resp->events->n_events >= 1);
    assert_int_equal(resp->events->events[0]->seq, seq);
    assert_string_equal(resp->events->events[0]->actor, "erin");
    okr__response__free_unpacked(resp, NULL);

    char *out = okr_ok(w, &w->admin, "--json", "history", "K1", NULL);
    struct json_object *j = harness_json_parse(out);
    struct json_object *list = harness_json_find(j, "checkins");
    size_t n = json_object_array_length(list);
    char path[64];
    snprintf(path, sizeof path, "checkins.%zu.author", n - 1);
    assert_string_equal(harness_json_string(j, path), "erin");
    snprintf(path, sizeof path, "checkins.%zu.seq", n - 1);
    assert_int_equal(harness_json_int(j, path), (int64_t)seq);
    json_object_put(j);
    free(out);
}

/* ------------------------------------------------------------ (4) on the wire */

/* A TCP relay on a free loopback port to target_port, recording every byte
 * both ways. One thread; stops when `stop` is set. */
typedef struct {
    int listen_fd, port, target_port;
    pthread_t thread;
    atomic_int stop;
    unsigned char *seen;
    size_t seen_len, seen_cap;
} relay;

static void relay_record(relay *r, const unsigned char *bytes, size_t n)
{
    if (r->seen_len + n > r->seen_cap) {
        r->seen_cap = (r->seen_len + n) * 2;
        r->seen = realloc(r->seen, r->seen_cap);
    }
    memcpy(r->seen + r->seen_len, bytes, n);
    r->seen_len += n;
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void *relay_main(void *arg)
{
    relay *r = arg;
    struct pollfd fds[1 + 2 * 8];
    int n_pairs = 0;
    fds[0] = (struct pollfd){r->listen_fd, POLLIN, 0};
    while (!atomic_load(&r->stop)) {
        if (poll(fds, (nfds_t)(1 + 2 * n_pairs), 20) <= 0)
            continue;
        if ((fds[0].revents & POLLIN) && n_pairs < 8) {
            int in = accept(r->listen_fd, NULL, NULL);
            int out = in >= 0 ? connect_to(r->target_port) : -1;
            if (in >= 0 && out >= 0) {
                fds[1 + 2 * n_pairs] = (struct pollfd){in, POLLIN, 0};
                fds[2 + 2 * n_pairs] = (struct pollfd){out, POLLIN, 0};
                n_pairs++;
            } else if (in >= 0) {
                close(in);
            }
        }
        for (int i = 1; i < 1 + 2 * n_pairs; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP)) || fds[i].fd < 0)
                continue;
            int peer = fds[i % 2 ? i + 1 : i - 1].fd;
            unsigned char buf[65536];
            ssize_t got = read(fds[i].fd, buf, sizeof buf);
            if (got <= 0) {                 /* one side closed: close the pair */
                close(fds[i].fd);
                if (peer >= 0)
                    close(peer);
                fds[i].fd = fds[i % 2 ? i + 1 : i - 1].fd = -1;
                continue;
            }
            relay_record(r, buf, (size_t)got);
            for (ssize_t sent = 0; peer >= 0 && sent < got;) {
                ssize_t k = write(peer, buf + sent, (size_t)(got - sent));
                if (k <= 0)
                    break;
                sent += k;
            }
        }
    }
    for (int i = 1; i < 1 + 2 * n_pairs; i++)
        if (fds[i].fd >= 0)
            close(fds[i].fd);
    return NULL;
}

static int port_of(const char *endpoint)
{
    const char *colon = strrchr(endpoint, ':');
    return colon ? atoi(colon + 1) : 0;
}

static void relay_start(relay *r, const char *target)
{
    memset(r, 0, sizeof *r);
    r->target_port = port_of(target);
    r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(r->listen_fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(r->listen_fd, 8), 0);
    getsockname(r->listen_fd, (struct sockaddr *)&a, &len);
    r->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, relay_main, r), 0);
}

static void relay_stop(relay *r)
{
    atomic_store(&r->stop, 1);
    pthread_join(r->thread, NULL);
    close(r->listen_fd);
}

static bool relay_saw(const relay *r, const char *text)
{
    return r->seen_len && memmem(r->seen, r->seen_len, text, strlen(text)) != NULL;
}

/* Through relays on both sockets: add an objective (okr) and receive its
 * event (a SUB with p's key, or plain). Returns with both relays stopped. */
static void add_through_relays(world *w, const person *p, relay *requests, relay *events,
                               const char *title)
{
    char req_ep[64], ev_ep[64];
    relay_start(requests, w->s.requests);
    relay_start(events, w->s.events);
    snprintf(req_ep, sizeof req_ep, "tcp://127.0.0.1:%d", requests->port);
    snprintf(ev_ep, sizeof ev_ep, "tcp://127.0.0.1:%d", events->port);
    subscriber sub;
    sub_open(w, &sub, p, ev_ep);
    sub_wait_joined(&sub);                 /* through the relay */
    struct harness_result r;
    const char *args[] = {"--key", p ? p->key_file : "", "--server-key", w->server_key,
                          "--json", "obj", "add", title, "--team", "core", "--period",
                          "2026-Q4", NULL};
    harness_okr_argv(req_ep, &r, NULL, p ? args : args + 4);
    harness_expect_exit(&r, 0);
    struct json_object *j = harness_json_parse(r.out);
    uint64_t seq = (uint64_t)harness_json_int(j, "seq");
    json_object_put(j);
    harness_result_free(&r);
    int64_t deadline = now_ms() + WAIT_MS;
    while (sub.max_event_seq < seq && now_ms() < deadline)
        sub_drain(&sub, 50);
    assert_true(sub.max_event_seq >= seq);
    sub_close(&sub);
    relay_stop(requests);
    relay_stop(events);
}

static void test_secure_traffic_shows_no_title_in_clear_text(void **state)
{
    world *w = *state;
    const char *title = "Plaintext Zebra Objective";
    relay requests, events;
    add_through_relays(w, &w->editor, &requests, &events, title);
    assert_true(requests.seen_len > 200 && events.seen_len > 200);   /* it went through */
    assert_false(relay_saw(&requests, title));
    assert_false(relay_saw(&events, title));
    assert_false(relay_saw(&requests, "Zebra"));
    free(requests.seen);
    free(events.seen);

    /* The same without --secure: the title is there for anyone to read. */
    world plain = {0};
    assert_int_equal(harness_server_start(&plain.s, NULL), 0);
    plain.zmq = zmq_ctx_new();             /* its own: a failure leaves it, never blocks */
    memcpy(plain.server_key, w->server_key, KEY_Z85_BUF);
    struct harness_result r;
    harness_okr(&plain.s, &r, "period", "add", "2026-Q4", "--start", "2026-10-01", "--end",
                "2026-12-31", NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    harness_okr(&plain.s, &r, "team", "add", "core", NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    add_through_relays(&plain, NULL, &requests, &events, title);
    assert_true(relay_saw(&requests, title));
    assert_true(relay_saw(&events, title));
    free(requests.seen);
    free(events.seen);
    harness_server_destroy(&plain.s);
    zmq_ctx_term(plain.zmq);
}

/* ------------------------------------------------------------ (5) one okrd per directory */

static void test_a_second_okrd_or_an_offline_command_is_refused_while_one_runs(void **state)
{
    world *w = *state;
    char want[HARNESS_PATH_MAX + 64];
    snprintf(want, sizeof want, "okrd: %s is in use by pid %ld", w->s.data_dir, (long)w->s.pid);
    struct harness_result r;
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--listen", "tcp://127.0.0.1:*", "--publish",
                     "tcp://127.0.0.1:*", NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, want));
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--add-user", "zed", "--role", "admin",
                     "--key", w->stranger.pub, NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, want));
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--new-epoch", "--data", w->s.data_dir, NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, want));
    harness_result_free(&r);
    /* --verify only reads (one read transaction): it runs beside the server. */
    harness_okrd_cmd(&r, "--verify", "--data", w->s.data_dir, NULL);
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, "0 differences"));
    harness_result_free(&r);
    FAILS(w, &w->admin, 1, "NOT_FOUND: no user \"zed\"", "user", "remove", "zed");

    /* and once it stopped, the offline command runs */
    assert_int_equal(harness_server_stop(&w->s), 0);
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--add-user", "zed", "--role", "viewer",
                     "--key", w->stranger.pub, NULL);
    harness_expect_exit(&r, 0);
    harness_result_free(&r);
    assert_int_equal(harness_server_restart(&w->s), 0);
    OK(w, &w->stranger, "status");
}

static void test_the_offline_add_user_checks_like_user_add(void **state)
{
    world *w = *state;
    assert_int_equal(harness_server_stop(&w->s), 0);
    struct harness_result r;
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--add-user", "zed", "--role", "admin",
                     "--key", "not-a-key", NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, "public_key must be a Z85 CURVE public key"));
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--add-user", "zed", "--role", "admin",
                     "--key", w->viewer.pub, NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, "already the key of user \"vic\""));
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--add-user", "zed", "--role", "boss",
                     "--key", w->stranger.pub, NULL);
    harness_expect_exit(&r, 2);
    harness_result_free(&r);
}

/* ------------------------------------------------------------ (6) key files */

static void test_a_server_key_readable_by_others_is_refused(void **state)
{
    world *w = *state;
    char path[HARNESS_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/server.key", w->s.data_dir);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(harness_server_stop(&w->s), 0);
    assert_int_equal(chmod(path, 0644), 0);
    struct harness_result r;
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--secure", "--listen", "tcp://127.0.0.1:*",
                     "--publish", "tcp://127.0.0.1:*", NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, "is accessible by others (mode 0644)"));
    assert_null(strstr(r.err, "ready"));
    harness_result_free(&r);
    harness_okrd_cmd(&r, "--data", w->s.data_dir, "--print-key", NULL);   /* public: fine */
    harness_expect_exit(&r, 0);
    assert_non_null(strstr(r.out, w->server_key));
    harness_result_free(&r);
    assert_int_equal(chmod(path, 0600), 0);
    assert_int_equal(harness_server_restart(&w->s), 0);
    OK(w, &w->admin, "status");
}

static void test_a_user_key_readable_by_others_is_refused(void **state)
{
    world *w = *state;
    struct stat st;
    char dir[HARNESS_PATH_MAX + 8];
    snprintf(dir, sizeof dir, "%s/okr", w->viewer.home);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(w->viewer.key_file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(chmod(w->viewer.key_file, 0640), 0);
    FAILS(w, &w->viewer, 2, "is accessible by others (mode 0640)", "status");
    assert_int_equal(chmod(w->viewer.key_file, 0600), 0);
    OK(w, &w->viewer, "status");
}

static void test_keygen_keeps_a_key_unless_forced(void **state)
{
    world *w = *state;
    struct harness_result r;
    person kay;
    make_person(w->s.root, &kay, "kay");
    OK(w, &w->admin, "user", "add", "kay", "--role", "viewer", "--key", kay.pub);
    setenv("XDG_CONFIG_HOME", kay.home, 1);
    harness_okr_at("tcp://127.0.0.1:1", &r, NULL, "keygen", NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, "exists already"));
    harness_result_free(&r);
    OK(w, &kay, "status");                                /* still kay's key */
    harness_okr_at("tcp://127.0.0.1:1", &r, NULL, "keygen", "--force", NULL);
    harness_expect_exit(&r, 0);
    assert_null(strstr(r.out, kay.pub));
    harness_result_free(&r);
    FAILS(w, &kay, 3, "refused your key", "status");      /* a new key is nobody's */
}

/* Without --secure too: the finding "two okrd on one data directory both
 * start". */
static void test_two_okrd_on_one_directory_the_second_is_refused(void **state)
{
    (void)state;
    struct harness_server s;
    assert_int_equal(harness_server_start(&s, NULL), 0);
    char want[HARNESS_PATH_MAX + 64];
    snprintf(want, sizeof want, "okrd: %s is in use by pid %ld", s.data_dir, (long)s.pid);
    struct harness_result r;
    harness_okrd_cmd(&r, "--data", s.data_dir, "--listen", "tcp://127.0.0.1:*", "--publish",
                     "tcp://127.0.0.1:*", NULL);
    harness_expect_exit(&r, 1);
    assert_non_null(strstr(r.err, want));
    harness_result_free(&r);
    harness_server_destroy(&s);
}

/* ------------------------------------------------------------ help */

static void test_help_says_who_may_run_a_command_in_each_mode(void **state)
{
    world *w = *state;
    char *local = okr_ok(w, NULL, "help", "team", "add", NULL);
    assert_non_null(strstr(local, "every caller is admin"));
    assert_null(strstr(local, "Needs the admin role."));
    free(local);
    char *secure = okr_ok(w, &w->viewer, "help", "team", "add", NULL);
    assert_non_null(strstr(secure, "Needs the admin role."));
    free(secure);
    char *keygen = okr_ok(w, NULL, "help", "keygen", NULL);
    assert_non_null(strstr(keygen, "sends nothing to the server"));
    free(keygen);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_okr_without_a_listed_key_gets_no_reply_and_says_why),
        T(test_a_raw_client_without_a_listed_key_gets_no_reply),
        T(test_unknown_subscribers_get_no_event_and_no_heartbeat),
        T(test_a_removed_user_gets_nothing_more_and_the_others_carry_on),
        T(test_okr_watch_survives_the_rebind),
        T(test_a_viewer_reads_and_watches_and_every_mutation_is_refused),
        T(test_an_editor_edits_but_cannot_touch_users_teams_or_periods),
        T(test_the_last_admin_can_be_neither_removed_nor_demoted),
        T(test_the_actor_is_the_authenticated_user_whatever_the_request_says),
        T(test_secure_traffic_shows_no_title_in_clear_text),
        T(test_a_second_okrd_or_an_offline_command_is_refused_while_one_runs),
        T(test_the_offline_add_user_checks_like_user_add),
        T(test_a_server_key_readable_by_others_is_refused),
        T(test_a_user_key_readable_by_others_is_refused),
        T(test_keygen_keeps_a_key_unless_forced),
        T(test_help_says_who_may_run_a_command_in_each_mode),
        cmocka_unit_test(test_two_okrd_on_one_directory_the_second_is_refused),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
