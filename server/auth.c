/* auth.c — secure mode's key pair, user table and ZAP handler (see auth.h).
 * Owns who may connect; never decides what a user may do (dispatch.c reads
 * the role against common/requests.c). Never logs a secret key. */
#include "auth.h"
#include "logging.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "text.h"

#define ZAP_FRAMES 7            /* version, id, domain, address, identity, mechanism, key */

/* ------------------------------------------------------------ key files */

static int key_paths(const char *dir, char *secret, char *public_, size_t len, char *err,
                     size_t errlen)
{
    if ((size_t)snprintf(secret, len, "%s/%s", dir, AUTH_SECRET_FILE) >= len ||
        (size_t)snprintf(public_, len, "%s/%s", dir, AUTH_PUBLIC_FILE) >= len) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    return 0;
}

int auth_load_server_key(auth *a, const char *dir, bool create, char *err, size_t errlen)
{
    char secret_path[4096], public_path[4096], listed[KEY_Z85_BUF];
    struct stat st;
    if (key_paths(dir, secret_path, public_path, sizeof secret_path, err, errlen) != 0)
        return -1;
    bool have_secret = lstat(secret_path, &st) == 0;
    bool have_public = lstat(public_path, &st) == 0;
    if (!have_secret && !have_public && create) {
        if (keyfile_generate(secret_path, public_path, false, a->public_key, err, errlen) != 0)
            return -1;
        log_info("made the server key pair %s (public key in %s)", secret_path, public_path);
    }
    if (!have_secret && have_public) {
        snprintf(err, errlen, "%s exists but %s does not: restore the secret key, or remove "
                 "both to make a new pair", public_path, secret_path);
        return -1;
    }
    if (keyfile_read_secret(secret_path, a->secret_key, a->public_key, err, errlen) != 0)
        return -1;
    if (keyfile_read_public(public_path, listed, err, errlen) != 0)
        return -1;
    if (strcmp(listed, a->public_key) != 0) {
        snprintf(err, errlen, "%s is not the public key of %s", public_path, secret_path);
        keyfile_wipe(a->secret_key, sizeof a->secret_key);
        return -1;
    }
    return 0;
}

int auth_read_public_key(const char *dir, char *out, char *err, size_t errlen)
{
    char secret_path[4096], public_path[4096];
    if (key_paths(dir, secret_path, public_path, sizeof secret_path, err, errlen) != 0)
        return -1;
    return keyfile_read_public(public_path, out, err, errlen);
}

/* ------------------------------------------------------------ sockets */

int auth_open(auth *a, void *ctx, char *err, size_t errlen)
{
    int linger = 0;
    a->zap = zmq_socket(ctx, ZMQ_REP);
    if (a->zap == NULL || zmq_setsockopt(a->zap, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(a->zap, AUTH_ZAP_ENDPOINT) != 0) {
        snprintf(err, errlen, "cannot start the ZAP handler on %s: %s", AUTH_ZAP_ENDPOINT,
                 zmq_strerror(zmq_errno()));
        return -1;
    }
    return 0;
}

int auth_secure_socket(const auth *a, void *sock)
{
    int on = 1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &on, sizeof on) != 0 ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, a->secret_key, KEY_Z85_LEN) != 0 ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, "okrd", 4) != 0)
        return -1;
    return 0;
}

/* ------------------------------------------------------------ the users */

static int by_key(const void *x, const void *y)
{
    return strcmp(((const auth_user *)x)->key, ((const auth_user *)y)->key);
}

const auth_user *auth_find(const auth *a, const char *key)
{
    if (key == NULL || a->n_users == 0)
        return NULL;
    auth_user probe;
    snprintf(probe.key, sizeof probe.key, "%s", key);
    return bsearch(&probe, a->users, a->n_users, sizeof *a->users, by_key);
}

/* True when some key of old is missing from a (a user lost access). */
static bool lost_a_key(const auth *a, const auth_user *old, size_t n_old)
{
    for (size_t i = 0; i < n_old; i++)
        if (auth_find(a, old[i].key) == NULL)
            return true;
    return false;
}

int auth_load_users(auth *a, store *st, bool *lost)
{
    arena mem;
    store_txn t;
    Okr__User **list;
    arena_init(&mem);
    store_txn_begin(&t, st, NULL, false, &mem);
    size_t n = store_users(&t, &list);
    auth_user *users = calloc(n ? n : 1, sizeof *users);
    size_t kept = 0;
    for (size_t i = 0; users && i < n; i++) {
        const Okr__User *u = list[i];
        if (u->name == NULL || !keyfile_valid_z85(u->public_key))
            continue;                         /* ops_user.c never stores one */
        snprintf(users[kept].key, sizeof users[kept].key, "%s", u->public_key);
        snprintf(users[kept].name, sizeof users[kept].name, "%s", u->name);
        users[kept].role = (okr_role)u->role;
        kept++;
    }
    int rc = t.rc ? t.rc : users ? 0 : ENOMEM;
    store_txn_abort(&t);
    arena_free(&mem);
    if (rc) {
        free(users);
        return rc;
    }
    qsort(users, kept, sizeof *users, by_key);
    auth_user *old = a->users;
    size_t n_old = a->n_users;
    a->users = users;
    a->n_users = kept;
    if (lost)
        *lost = lost_a_key(a, old, n_old);
    free(old);
    return 0;
}

/* ------------------------------------------------------------ ZAP (RFC 27) */

/* "denied ..." on stderr, at most once a second; the lines left out are
 * counted into the next one, so a flood of attempts cannot flood the log. */
static void log_denial(auth *a, const char *address, const char *why)
{
    int64_t now = text_now_us();
    if (a->last_denial_log && now - a->last_denial_log < AUTH_DENIAL_LOG_US) {
        a->denials_not_logged++;
        return;
    }
    if (a->denials_not_logged)
        log_warn("denied a connection from %s: %s (and %u more denied since the last such "
                 "line)", address, why, a->denials_not_logged);
    else
        log_warn("denied a connection from %s: %s", address, why);
    a->last_denial_log = now;
    a->denials_not_logged = 0;
}

static void send_str(void *sock, const char *s, int more)
{
    zmq_send(sock, s, strlen(s), more ? ZMQ_SNDMORE : 0);
}

static void reply(void *sock, const zmq_msg_t *id, const char *code, const char *text,
                  const char *user_id)
{
    send_str(sock, "1.0", 1);
    zmq_send(sock, zmq_msg_data((zmq_msg_t *)id), zmq_msg_size((zmq_msg_t *)id), ZMQ_SNDMORE);
    send_str(sock, code, 1);
    send_str(sock, text, 1);
    send_str(sock, user_id, 1);
    send_str(sock, "", 0);                     /* no metadata */
}

static bool frame_is(zmq_msg_t *m, const char *text)
{
    return zmq_msg_size(m) == strlen(text) && memcmp(zmq_msg_data(m), text, strlen(text)) == 0;
}

/* Decide one request whose frames are f[0..n). */
static void decide(auth *a, zmq_msg_t *f, int n)
{
    char address[64] = "?", key[KEY_Z85_BUF] = "";
    if (n >= 4)
        snprintf(address, sizeof address, "%.*s", (int)zmq_msg_size(&f[3]),
                 (const char *)zmq_msg_data(&f[3]));
    if (n < 2) {
        zmq_msg_t none;
        zmq_msg_init(&none);
        log_denial(a, address, "malformed ZAP request");
        reply(a->zap, &none, "500", "malformed ZAP request", "");   /* REP must answer */
        zmq_msg_close(&none);
        return;
    }
    bool curve = n == ZAP_FRAMES && frame_is(&f[0], "1.0") && frame_is(&f[5], "CURVE") &&
                 zmq_msg_size(&f[6]) == KEY_BYTES;
    if (curve)
        zmq_z85_encode(key, zmq_msg_data(&f[6]), KEY_BYTES);
    const auth_user *u = curve ? auth_find(a, key) : NULL;
    if (u != NULL) {
        reply(a->zap, &f[1], "200", "OK", u->key);
        return;
    }
    char why[128];
    if (curve)
        snprintf(why, sizeof why, "key %s is not a user's", key);
    else
        snprintf(why, sizeof why, "not a CURVE handshake");
    log_denial(a, address, why);
    reply(a->zap, &f[1], "400", "not a user of this server", "");
}

void auth_serve_zap(auth *a)
{
    for (;;) {
        zmq_msg_t f[ZAP_FRAMES + 1], m;
        int n = 0, more = 1;
        while (more) {
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, a->zap, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
                zmq_msg_close(&m);
                if (n == 0)
                    return;
                break;
            }
            more = zmq_msg_more(&m);
            if (n < ZAP_FRAMES + 1) {
                zmq_msg_init(&f[n]);
                zmq_msg_move(&f[n++], &m);
            }
            zmq_msg_close(&m);                 /* frames past the last are dropped */
        }
        decide(a, f, n);
        for (int i = 0; i < n; i++)
            zmq_msg_close(&f[i]);
    }
}

void auth_close(auth *a)
{
    if (a->zap)
        zmq_close(a->zap);
    a->zap = NULL;
    keyfile_wipe(a->secret_key, sizeof a->secret_key);
    free(a->users);
    a->users = NULL;
    a->n_users = 0;
}
