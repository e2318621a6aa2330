/* keyfile.h — CURVE key pairs on disk, shared by okrd (server.key) and okr
 * (its user key): generating a pair, reading a secret key file with the
 * checks ssh makes, reading a public key, validating a Z85 key.
 *
 * Keys are Z85 text (40 characters for 32 bytes). Key generation, Z85 and
 * the public key of a secret key all come from libzmq (zmq_curve_keypair,
 * zmq_z85_decode, zmq_curve_public); nothing here does cryptography. A
 * file holds one key on one line; lines starting with '#' are comments.
 * Nothing here ever prints or returns a secret key in a message. */
#ifndef OKR_KEYFILE_H
#define OKR_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>

#define KEY_Z85_LEN 40
#define KEY_Z85_BUF 41
#define KEY_BYTES   32

/* True when text is a Z85 key: exactly 40 characters that decode to 32
 * bytes (zmq_z85_decode). */
bool keyfile_valid_z85(const char *text);

/* Make a new key pair (zmq_curve_keypair); write the secret key to
 * secret_path (mode 0600, replaced atomically) and the public key to
 * public_path (0644). Refuses to replace an existing secret key unless
 * overwrite. The public key goes to public_out (KEY_Z85_BUF bytes).
 * Returns 0, or -1 with a sentence in err. */
int keyfile_generate(const char *secret_path, const char *public_path, bool overwrite,
                     char *public_out, char *err, size_t errlen);

/* Read a secret key file. Refused, with a sentence, unless it is a regular
 * file owned by this user and neither group- nor world-accessible (as ssh
 * refuses a private key), and holds a valid key. secret_out and public_out
 * (KEY_Z85_BUF bytes each) get the key and its public half. Returns 0, or -1
 * with err set (errno ENOENT when the file does not exist). */
int keyfile_read_secret(const char *path, char *secret_out, char *public_out, char *err,
                        size_t errlen);

/* Read a public key file into out (KEY_Z85_BUF bytes). 0, or -1 with err. */
int keyfile_read_public(const char *path, char *out, char *err, size_t errlen);

/* mkdir -p, each directory made with mode 0700 (where keys, or a data
 * directory, live). Returns 0 or an errno value. */
int keyfile_make_dirs(const char *dir);

/* Overwrite a key buffer (a secret key is not left in memory). */
void keyfile_wipe(char *key, size_t len);

#endif
