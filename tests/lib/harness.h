/* harness.h — helpers for end-to-end tests: a real okrd on a temporary data
 * directory and free ports, the real okr run as a child process, a raw
 * protocol client, and JSON field access for `okr --json` output.
 *
 * Programs are found through the environment: $OKRD and $OKR (make test sets
 * both); when unset, build/okrd and build/okr relative to the working
 * directory. Nothing here sleeps a fixed time to wait for something: readiness
 * and exits are polled with a short interval against a deadline.
 *
 * Functions whose name ends in _ok, and the JSON getters, are assertions:
 * on failure they print what they saw (the command, its output, okrd's log)
 * and fail the running cmocka test. The others return a status and leave the
 * verdict to the caller.
 *
 * A test that fails before its teardown leaves nothing behind: okrd
 * children still running are killed, and temporary directories removed, at
 * exit. Set OKR_TEST_KEEP=1 to keep the directories (their paths are
 * printed) for a post-mortem. */
#ifndef OKR_TEST_HARNESS_H
#define OKR_TEST_HARNESS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "okr.pb-c.h"

#define HARNESS_MAX_EXTRA_ARGS 16
#define HARNESS_ENDPOINT_MAX   256
#define HARNESS_PATH_MAX       4096

/* A running (or stopped) okrd and the raw client connected to it. Zero it, or
 * let harness_server_start fill it; release with harness_server_destroy. */
struct harness_server {
    char root[HARNESS_PATH_MAX - 64]; /* temp dir: holds data/ and okrd.log */
    char data_dir[HARNESS_PATH_MAX];  /* root/data, given to --data */
    char log_path[HARNESS_PATH_MAX];  /* root/okrd.log: okrd's stdout+stderr */
    char requests[HARNESS_ENDPOINT_MAX];   /* from the ready line */
    char events[HARNESS_ENDPOINT_MAX];
    pid_t pid;                        /* 0 when not running */
    off_t log_start;                  /* log offset where this run began */
    char *extra_args[HARNESS_MAX_EXTRA_ARGS + 1];   /* NULL-terminated copies */
    void *zmq_ctx;                    /* raw client, made on first use */
    void *dealer;
    uint64_t next_request_id;
    int timeout_ms;                   /* raw client receive timeout (5000) */
    bool curve_on;                    /* raw client: CURVE with these keys (Z85) */
    char curve_server[41], curve_public[41], curve_secret[41];
};

/* Output of one child process. */
struct harness_result {
    char *out;            /* stdout, NUL-terminated (never NULL after a run) */
    size_t out_len;
    char *err;            /* stderr, NUL-terminated */
    size_t err_len;
    int exit_code;        /* exit status, or -1 when killed by a signal */
    int signal;           /* the signal that ended it, or 0 */
    bool timed_out;       /* ran past the deadline and was killed */
    char command[512];    /* argv joined with spaces, for messages */
};

/* ------------------------------------------------------------ the server */

/* Make a fresh temporary directory (mkdtemp under $TMPDIR or /tmp) and start
 * `$OKRD --data DIR/data --listen tcp://127.0.0.1:* --publish tcp://127.0.0.1:*
 * EXTRA...` in it (EXTRA: NULL-terminated strings, copied). okrd's stdout and
 * stderr go to DIR/okrd.log, so it can never block on a full pipe. Waits (10 s
 * at most) for the line `okrd: ready requests=EP events=EP data=...` and
 * records both endpoints. Returns 0, or -1 after printing why (okrd missing,
 * exited, or never ready; its log is printed) and cleaning up: *s is then
 * zeroed and its directory removed (harness_server_destroy is a no-op). */
int harness_server_start(struct harness_server *s, ...);

/* harness_server_start in two steps, for what must happen to the data
 * directory before okrd first runs (okrd --add-user): prepare makes the
 * directory and keeps the extra arguments; launch starts okrd and waits for
 * its ready line (on failure *s is destroyed, as by harness_server_start). */
int harness_server_prepare(struct harness_server *s, ...);
int harness_server_launch(struct harness_server *s);

/* SIGTERM, wait up to 10 s, then SIGKILL. Returns okrd's exit status (0 for a
 * clean shutdown), 128+N when a signal N ended it, -1 when it had to be
 * killed after the deadline or was not running. Keeps the data directory. */
int harness_server_stop(struct harness_server *s);

/* SIGKILL (a crash) and reap. Keeps the data directory. */
void harness_server_kill(struct harness_server *s);

/* Start okrd again on the same data directory with the same extra arguments
 * (new ports; the endpoints and the raw client are updated). Stops it first
 * if it is running. Returns 0, or -1 after printing why and okrd's log (the
 * directory is kept for harness_server_destroy). */
int harness_server_restart(struct harness_server *s);

/* Stop okrd if running, close the raw client, remove the temporary directory
 * (unless OKR_TEST_KEEP is set), and zero *s. Safe on a zeroed struct. */
void harness_server_destroy(struct harness_server *s);

/* okrd's output (stdout + stderr, all runs) so far, malloc'd, NUL-terminated. */
char *harness_server_log(const struct harness_server *s);

/* True when okrd's output so far contains `needle`. */
bool harness_server_log_contains(const struct harness_server *s, const char *needle);

/* True while the okrd child has not exited (reaps it if it has). */
bool harness_server_alive(struct harness_server *s);

/* ------------------------------------------------------------ child programs */

/* Run argv[0] with argv (no shell), feeding stdin_text (or /dev/null when
 * NULL), capturing stdout and stderr until it exits or timeout_ms passes (then
 * SIGKILL, timed_out = true). Returns 0 when it ran (whatever its exit code),
 * -1 when it could not be started. Free with harness_result_free. */
int harness_run(struct harness_result *out, const char *stdin_text, int timeout_ms,
                char *const argv[]);

/* Run `$OKR --server EP ARGS...` (ARGS NULL-terminated). Returns like
 * harness_run. The _stdin variant feeds `input` (script mode); the _at variant
 * takes any endpoint (e.g. one nobody listens on). */
int harness_okr(const struct harness_server *s, struct harness_result *out,
                const char *arg, ...);
int harness_okr_stdin(const struct harness_server *s, struct harness_result *out,
                      const char *input, const char *arg, ...);
int harness_okr_at(const char *endpoint, struct harness_result *out,
                   const char *input, const char *arg, ...);
int harness_okr_v(const char *endpoint, struct harness_result *out, const char *input,
                  const char *arg, va_list ap);
/* The same with the arguments as a NULL-terminated array. */
int harness_okr_argv(const char *endpoint, struct harness_result *out, const char *input,
                     const char *const args[]);

/* Run `$OKRD ARGS...` as a one-shot command (e.g. --verify --data DIR). */
int harness_okrd_cmd(struct harness_result *out, const char *arg, ...);

void harness_result_free(struct harness_result *r);

/* Assert that the command ran and exited with `code`; on failure print the
 * command and both outputs, free *r and fail the test (reporting the caller's
 * line). */
#define harness_expect_exit(r, code) harness_expect_exit_at((r), (code), __FILE__, __LINE__)
void harness_expect_exit_at(const struct harness_result *r, int code, const char *file,
                            int line);

/* Run okr against s and assert it exits 0; returns its stdout (owned by *out). */
const char *harness_okr_ok(const struct harness_server *s, struct harness_result *out,
                           const char *arg, ...);

/* harness_okr_ok, its output dropped: a set-up step that must succeed. */
#define harness_okr_quiet(s, ...)                        \
    do {                                                 \
        struct harness_result r_;                        \
        harness_okr_ok((s), &r_, __VA_ARGS__);           \
        harness_result_free(&r_);                        \
    } while (0)

/* A TCP port on 127.0.0.1 nobody listens on right now (asserts). For tests
 * that must start okrd on the same ports twice. */
int harness_free_port(void);

/* Copy of s with trailing whitespace removed (malloc'd). */
char *harness_chomp(const char *s);

/* ------------------------------------------------------------ raw client */

/* Send req on the raw DEALER client (connected on first use), filling
 * version (PROTOCOL_VERSION_1) and request_id when unset, and wait up to
 * s->timeout_ms for the response with the same request_id; responses with
 * other ids (late answers to raw frames) are dropped. Returns the unpacked
 * response (free with okr__response__free_unpacked) or NULL on timeout or
 * an unparseable reply. */
Okr__Response *harness_request(struct harness_server *s, Okr__Request *req);

/* Like harness_request for an idempotent (read-only) request: resends it with
 * a fresh request_id every try_ms until answered or deadline_ms passes. Use
 * after a frame that may have made the server drop the connection. */
Okr__Response *harness_request_until_answered(struct harness_server *s, Okr__Request *req,
                                              int try_ms, int deadline_ms);

/* Send arbitrary bytes as one frame (more = true: as a non-final part of a
 * multi-part message). Returns 0 or -1. */
int harness_send_raw(struct harness_server *s, const void *bytes, size_t len, bool more);

/* Receive one frame within timeout_ms. Returns 1 with *resp (or *resp NULL when
 * it did not unpack), 0 on timeout. */
int harness_recv_raw(struct harness_server *s, int timeout_ms, Okr__Response **resp);

/* Secure mode: make the raw client a CURVE client with these Z85 keys
 * (server_key NULL: plain again). Takes effect on the next connection (the
 * current one is closed). */
void harness_client_curve(struct harness_server *s, const char *server_key,
                          const char *public_key, const char *secret_key);

/* Close and reopen the raw client's socket (a fresh connection). */
void harness_client_reset(struct harness_server *s);

/* The error code of a response (OK when none). */
Okr__ErrorCode harness_error_code(const Okr__Response *resp);

/* Status.last_seq from a raw StatusGet (asserts the request succeeds). */
uint64_t harness_last_seq(struct harness_server *s);

/* ------------------------------------------------------------ JSON */

/* Parse text as exactly one JSON value (trailing whitespace allowed); fails the
 * test, printing the text, when it is not. Free with json_object_put. */
struct json_object *harness_json_parse(const char *text);

/* The value at a dotted path ("krs.0.score": object keys, array indexes),
 * or NULL when absent. */
struct json_object *harness_json_find(struct json_object *root, const char *path);

/* Assertions: the value at path must exist and have the type. */
double harness_json_double(struct json_object *root, const char *path);
int64_t harness_json_int(struct json_object *root, const char *path);
const char *harness_json_string(struct json_object *root, const char *path);

/* The value at path exactly as the input spelled it (json-c keeps the source
 * text of numbers): "0.433333". Asserts the path exists. Valid until root is
 * freed. */
const char *harness_json_text(struct json_object *root, const char *path);

/* The element of the array at path whose member `key` is the string `value`
 * (e.g. the KR with "id" "K2"), or NULL. */
struct json_object *harness_json_array_find(struct json_object *root, const char *path,
                                            const char *key, const char *value);

/* Canonical text of a JSON document with every member named in drop_keys
 * (NULL-terminated) removed at any depth, object keys sorted: for comparing
 * states while ignoring values that depend on the clock ("health",
 * "expected"). malloc'd. */
char *harness_json_canonical(const char *text, const char *const *drop_keys);

/* A hostile subscriber: an XSUB on ctx connected to endpoint that may send
 * raw subscription messages (the draft ZMQ_ONLY_FIRST_SUBSCRIBE, which
 * libzmq 4.3.4 honours: later parts of a message go out as they are).
 * NULL when it cannot be made (nothing left open). */
void *harness_liar_connect(void *ctx, const char *endpoint);
/* An unsubscription of topic from a connection that never subscribed to it
 * (an XSUB filters those itself, so it rides as a message's second part). */
void harness_send_stray_unsubscription(void *liar, const char *topic);

#endif
