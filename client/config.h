/* config.h — where okr finds its server: --server, then $OKR_SERVER, then
 * the `server` key of the config file ($XDG_CONFIG_HOME/okr/config, by
 * default ~/.config/okr/config; INI, section [okr] or none), then
 * OKR_DEFAULT_ENDPOINT; and, for secure mode, the keys (`key`, `server_key`).
 * Reads the environment and the file; never prints. */
#ifndef OKR_CLIENT_CONFIG_H
#define OKR_CLIENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#include "conn.h"
#include "lint.h"
#include "okr_limits.h"

/* Turn a server address into a ZeroMQ endpoint: a bare "host:port" gets
 * "tcp://" in front; anything with "://" is kept. Returns false (with a
 * message in err) when addr is empty or the result does not fit in out. */
bool config_normalize_endpoint(const char *addr, char *out, size_t out_len, char *err,
                               size_t err_len);

/* The config file's path: $XDG_CONFIG_HOME/okr/config when that variable is
 * an absolute path, else $HOME/.config/okr/config. Returns false when
 * neither variable helps. */
bool config_default_path(char *out, size_t out_len);

typedef enum {
    CONFIG_FOUND,    /* the file sets `server`: it is in out */
    CONFIG_ABSENT,   /* no file, or no `server` key in it */
    CONFIG_BROKEN,   /* unreadable or malformed: err says where */
} config_result;

/* Read the `server` key (section [okr] or before any section) of the INI
 * file at path; later keys override earlier ones, other keys are ignored. */
config_result config_read_server(const char *path, char *out, size_t out_len, char *err,
                                 size_t err_len);

/* The endpoint to use, from the sources in order: `flag` (--server, may be
 * NULL), $OKR_SERVER, the config file, the default. Returns false with a
 * message in err for a broken config file or an unusable address. */
bool config_resolve_server(const char *flag, char *out, size_t out_len, char *err,
                           size_t err_len);

/* The directory of okr's own files: $XDG_CONFIG_HOME/okr, else
 * $HOME/.config/okr (keygen writes `key` and `key.pub` there). */
bool config_key_dir(char *out, size_t out_len);

#define CONFIG_MAX_TIMEOUT_MS 3600000   /* CLIENT_MAX_TIMEOUT_MS */

enum { CONFIG_COLOR_UNSET = -1, CONFIG_COLOR_NEVER, CONFIG_COLOR_ALWAYS, CONFIG_COLOR_AUTO };

/* The session settings the config file may give; unset ones as noted. */
typedef struct {
    char user[OKR_MAX_NAME + 1];  /* `user = NAME`; "" unset */
    int timeout_ms;               /* `timeout = MS` (1..3600000); 0 unset */
    int color;                    /* `color = auto|always|never` (or a boolean); CONFIG_COLOR_* */
    int pager;                    /* `pager = true|false`; -1 unset */
} config_settings;

/* Read `user`, `timeout`, `color` and `pager` from the config file (a
 * missing file sets nothing). Returns false with "PATH:LINE: why" in err
 * when the file is unreadable, not INI, or a value is wrong (then *out
 * sets nothing; config_resolve_server fails with the same error). The caller
 * applies them under the flags and the environment (docs/cli.md). */
bool config_read_settings(config_settings *out, char *err, size_t err_len);

/* The coach's thresholds from the config file's [lint] section
 * (`max_objectives`, `min_krs`, `max_krs`, `stale_days`, whole numbers in
 * the ranges of lint.h): each key present replaces its value in *t, the
 * others are left as they are. No file: nothing changes. Returns false with
 * "PATH:LINE: why" in err for an unreadable file, an unknown key in [lint]
 * or a value out of range. Only lint and report read [lint]. */
bool config_read_lint(lint_thresholds *t, char *err, size_t err_len);

/* Secure mode's keys. The server's public key comes from `server_flag`
 * (--server-key), $OKR_SERVER_KEY, or `server_key` in the config file; the
 * secret key file from `key_flag` (--key), $OKR_KEY, `key` in the config
 * file, or the key okr keygen wrote. No server key: *secure = false (local
 * mode). Otherwise the secret key is read (keyfile_read_secret's checks)
 * and *out filled. Returns false with a sentence in err when a key is
 * missing, malformed or unsafe. */
bool config_resolve_keys(const char *key_flag, const char *server_flag, conn_curve *out,
                         bool *secure, char *err, size_t err_len);

#endif
