/* auth.h — secure mode: okrd's key pair, the users allowed in, and the ZAP
 * handler that lets only them in (DESIGN §7, docs/protocol.md "Security").
 *
 * Both sockets run CURVE as servers. libzmq asks the ZAP handler on
 * inproc://zeromq.zap.01 about every handshake; ours is a REP socket bound
 * in okrd's own ZeroMQ context before any socket binds, and polled in the
 * main loop (no thread). It denies by default: only a public key listed as
 * a user is admitted, with the key (Z85) as its ZAP User-Id; every request
 * then carries that User-Id (zmq_msg_gets), and the batch looks the key up
 * in the in-memory table to get the actor's name and role. The table is
 * loaded from the store at start and after every batch that changed users.
 * Nothing here ever logs or returns a secret key. */
#ifndef OKR_AUTH_H
#define OKR_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keyfile.h"
#include "okr_limits.h"
#include "requests.h"
#include "store.h"

#define AUTH_SECRET_FILE "server.key"
#define AUTH_PUBLIC_FILE "server.pub"
#define AUTH_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define AUTH_DENIAL_LOG_US 1000000      /* at most one "denied" line per second */

typedef struct auth_user {
    char key[KEY_Z85_BUF];              /* Z85 public key: the ZAP User-Id */
    char name[OKR_MAX_NAME + 1];
    okr_role role;
} auth_user;

typedef struct auth {
    bool secure;                        /* false: local mode, nothing below is used */
    char public_key[KEY_Z85_BUF];
    char secret_key[KEY_Z85_BUF];
    void *zap;                          /* REP socket of the ZAP handler */
    auth_user *users;                   /* sorted by key */
    size_t n_users;
    int64_t last_denial_log;            /* rate limit of the denial lines (us) */
    unsigned denials_not_logged;
} auth;

/* Load okrd's key pair from DIR/server.key (checked like ssh checks a
 * private key: owned by us, no group or world access), or, when neither key
 * file exists and create is set, make a new pair there. Returns 0, or -1
 * with a sentence in err. */
int auth_load_server_key(auth *a, const char *dir, bool create, char *err, size_t errlen);

/* `okrd --print-key`: the public key of DIR into out (KEY_Z85_BUF). */
int auth_read_public_key(const char *dir, char *out, char *err, size_t errlen);

/* Bind the ZAP handler on ctx (before any CURVE socket binds). 0 or -1. */
int auth_open(auth *a, void *ctx, char *err, size_t errlen);

/* Make sock a CURVE server that asks our ZAP handler. 0 or -1. */
int auth_secure_socket(const auth *a, void *sock);

/* Reload the users from the store. *lost (may be NULL) is set when a key
 * admitted before is no longer admitted (a user removed or re-keyed).
 * Returns 0, or an LMDB error (the old table is then kept). */
int auth_load_users(auth *a, store *st, bool *lost);

/* The user whose public key is key (Z85), or NULL. */
const auth_user *auth_find(const auth *a, const char *key);

/* Answer every ZAP request waiting on the handler's socket. */
void auth_serve_zap(auth *a);

/* Close the handler's socket, wipe the secret key, free the table. */
void auth_close(auth *a);

#endif
