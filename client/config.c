/* config.c — the server address from flag, environment, config file or
 * default, the keys, and the session settings (user, timeout, color,
 * pager) of the config file, and the coach's [lint] thresholds (see config.h).
 * The INI file is parsed by inih, never by hand. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "keyfile.h"
#include "okr_limits.h"

bool config_normalize_endpoint(const char *addr, char *out, size_t out_len, char *err,
                               size_t err_len)
{
    if (addr == NULL || addr[0] == '\0') {
        snprintf(err, err_len, "the server address is empty");
        return false;
    }
    const char *scheme = strstr(addr, "://") ? "" : "tcp://";
    if ((size_t)snprintf(out, out_len, "%s%s", scheme, addr) >= out_len) {
        snprintf(err, err_len, "the server address is too long (%zu bytes)", strlen(addr));
        return false;
    }
    return true;
}

bool config_default_path(char *out, size_t out_len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/')      /* the XDG spec ignores relative paths */
        n = snprintf(out, out_len, "%s/okr/config", xdg);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(out, out_len, "%s/.config/okr/config", home);
    else
        return false;
    return n > 0 && (size_t)n < out_len;
}

/* The keys okr reads from its config file; each buffer "" when absent. */
struct config_values {
    char server[1024];
    char key[4096];
    char server_key[128];
    config_settings settings;
    const char *too_long;      /* the key whose value did not fit */
    const char *bad;           /* why a setting's value is wrong */
};

/* A boolean setting: true/yes/on/1 or false/no/off/0; -1 for anything else. */
static int parse_bool(const char *value)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0)
            return 1;
        if (strcasecmp(value, no[i]) == 0)
            return 0;
    }
    return -1;
}

static int take_timeout(const char *value, struct config_values *v)
{
    char *end;
    errno = 0;
    unsigned long ms = strtoul(value, &end, 10);
    if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 || ms < 1 ||
        ms > CONFIG_MAX_TIMEOUT_MS) {
        v->bad = "timeout must be a whole number of milliseconds from 1 to 3600000";
        return 0;
    }
    v->settings.timeout_ms = (int)ms;
    return 1;
}

static int take_color(const char *value, struct config_values *v)
{
    int b = parse_bool(value);
    if (strcmp(value, "auto") == 0)
        v->settings.color = CONFIG_COLOR_AUTO;
    else if (strcmp(value, "always") == 0 || b == 1)
        v->settings.color = CONFIG_COLOR_ALWAYS;
    else if (strcmp(value, "never") == 0 || b == 0)
        v->settings.color = CONFIG_COLOR_NEVER;
    else {
        v->bad = "color must be auto, always or never";
        return 0;
    }
    return 1;
}

static int take_user(const char *value, struct config_values *v)
{
    size_t len = strlen(value);
    if (len == 0 || len > OKR_MAX_NAME) {
        v->bad = "user must be a name of 1 to 64 bytes";
        return 0;
    }
    memcpy(v->settings.user, value, len + 1);
    return 1;
}

/* user, timeout, color, pager: the session settings. */
static int take_setting(const char *name, const char *value, struct config_values *v)
{
    if (strcmp(name, "user") == 0)
        return take_user(value, v);
    if (strcmp(name, "timeout") == 0)
        return take_timeout(value, v);
    if (strcmp(name, "color") == 0)
        return take_color(value, v);
    if ((v->settings.pager = parse_bool(value)) < 0) {
        v->bad = "pager must be true or false";
        return 0;
    }
    return 1;
}

static bool take(char *out, size_t len, const char *value, const char *name,
                 struct config_values *v)
{
    if ((size_t)snprintf(out, len, "%s", value) >= len) {
        v->too_long = name;
        return false;          /* makes ini_parse_file report this line */
    }
    return true;
}

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
    struct config_values *v = user;
    if (section[0] != '\0' && strcmp(section, "okr") != 0)
        return 1;
    if (strcmp(name, "server") == 0)
        return take(v->server, sizeof v->server, value, "server address", v);
    if (strcmp(name, "key") == 0)
        return take(v->key, sizeof v->key, value, "key path", v);
    if (strcmp(name, "server_key") == 0)
        return take(v->server_key, sizeof v->server_key, value, "server_key", v);
    if (strcmp(name, "user") == 0 || strcmp(name, "timeout") == 0 ||
        strcmp(name, "color") == 0 || strcmp(name, "pager") == 0)
        return take_setting(name, value, v);
    return 1;
}

/* Read the config file at path into *v. */
static config_result read_config(const char *path, struct config_values *v, char *err,
                                 size_t err_len)
{
    memset(v, 0, sizeof *v);
    v->settings.color = CONFIG_COLOR_UNSET;
    v->settings.pager = -1;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return CONFIG_ABSENT;
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return CONFIG_BROKEN;
    }
    int line = ini_parse_file(f, on_ini_entry, v);
    fclose(f);
    if (line != 0) {
        if (v->bad != NULL)
            snprintf(err, err_len, "%s:%d: %s", path, line, v->bad);
        else
            snprintf(err, err_len, "%s:%d: %s%s", path, line,
                     v->too_long ? v->too_long : "not valid INI", v->too_long ? " too long" : "");
        return CONFIG_BROKEN;
    }
    return CONFIG_FOUND;
}

config_result config_read_server(const char *path, char *out, size_t out_len, char *err,
                                 size_t err_len)
{
    struct config_values v;
    config_result r = read_config(path, &v, err, err_len);
    if (r != CONFIG_FOUND)
        return r;
    if (v.server[0] == '\0')
        return CONFIG_ABSENT;
    if ((size_t)snprintf(out, out_len, "%s", v.server) >= out_len) {
        snprintf(err, err_len, "%s: server address too long", path);
        return CONFIG_BROKEN;
    }
    return CONFIG_FOUND;
}

bool config_read_settings(config_settings *out, char *err, size_t err_len)
{
    struct config_values v;
    char path[4096];
    memset(out, 0, sizeof *out);
    out->color = CONFIG_COLOR_UNSET;
    out->pager = -1;
    if (!config_default_path(path, sizeof path))
        return true;
    switch (read_config(path, &v, err, err_len)) {
    case CONFIG_BROKEN:
        return false;
    case CONFIG_FOUND:
        *out = v.settings;
        return true;
    case CONFIG_ABSENT:
    default:
        return true;
    }
}

/* ------------------------------------------------------------ [lint] */

struct lint_values {
    lint_thresholds *t;
    char bad[160];
};

static int on_lint_entry(void *user, const char *section, const char *name, const char *value)
{
    struct lint_values *v = user;
    if (strcmp(section, "lint") != 0)
        return 1;
    for (int i = 0; i < LINT__LIMITS; i++) {
        if (strcmp(name, lint_limit_key((lint_limit)i)) != 0)
            continue;
        char *end;
        uint32_t min, max;
        lint_limit_range((lint_limit)i, &min, &max);
        errno = 0;
        unsigned long n = strtoul(value, &end, 10);
        if (value[0] < '0' || value[0] > '9' || *end != '\0' || errno != 0 || n < min ||
            n > max) {
            snprintf(v->bad, sizeof v->bad, "%s must be a whole number from %u to %u", name,
                     min, max);
            return 0;
        }
        v->t->limit[i] = (uint32_t)n;
        return 1;
    }
    snprintf(v->bad, sizeof v->bad, "unknown key \"%.40s\" in [lint] (max_objectives, "
             "min_krs, max_krs, stale_days)", name);
    return 0;
}

bool config_read_lint(lint_thresholds *t, char *err, size_t err_len)
{
    char path[4096];
    lint_thresholds read = *t;
    struct lint_values v = {.t = &read};
    if (!config_default_path(path, sizeof path))
        return true;
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return true;
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return false;
    }
    int line = ini_parse_file(f, on_lint_entry, &v);
    fclose(f);
    if (line != 0) {
        snprintf(err, err_len, "%s:%d: %s", path, line, v.bad[0] ? v.bad : "not valid INI");
        return false;
    }
    *t = read;
    return true;
}

bool config_key_dir(char *out, size_t out_len)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    int n;
    if (xdg != NULL && xdg[0] == '/')
        n = snprintf(out, out_len, "%s/okr", xdg);
    else if (home != NULL && home[0] != '\0')
        n = snprintf(out, out_len, "%s/.config/okr", home);
    else
        return false;
    return n > 0 && (size_t)n < out_len;
}

/* The first of flag, $env and the config file's value that is set, or NULL;
 * *from names it for messages. */
static const char *first_of(const char *flag, const char *flag_name, const char *env,
                            const char *file_value, const char **from)
{
    const char *e = getenv(env);
    if (flag != NULL) {
        *from = flag_name;
        return flag;
    }
    if (e != NULL && e[0] != '\0') {
        *from = env;
        return e;
    }
    if (file_value[0] != '\0') {
        *from = "the config file";
        return file_value;
    }
    return NULL;
}

bool config_resolve_keys(const char *key_flag, const char *server_key_flag, conn_curve *out,
                         bool *secure, char *err, size_t err_len)
{
    struct config_values v;
    char path[4096], default_key[4096];
    const char *key_from = NULL, *server_from = NULL;
    memset(&v, 0, sizeof v);
    *secure = false;
    if (config_default_path(path, sizeof path) &&
        read_config(path, &v, err, err_len) == CONFIG_BROKEN)
        return false;
    const char *key = first_of(key_flag, "--key", "OKR_KEY", v.key, &key_from);
    const char *server_key = first_of(server_key_flag, "--server-key", "OKR_SERVER_KEY",
                                      v.server_key, &server_from);
    if (server_key == NULL) {
        if (key != NULL) {
            snprintf(err, err_len, "a key (%s) needs the server's public key too: give "
                     "--server-key, OKR_SERVER_KEY or server_key in the config", key_from);
            return false;
        }
        return true;                              /* local mode */
    }
    if (!keyfile_valid_z85(server_key)) {
        snprintf(err, err_len, "the server key from %s is not a Z85 public key "
                 "(40 characters; okrd --print-key shows it)", server_from);
        return false;
    }
    if (key == NULL && config_key_dir(default_key, sizeof default_key - 8)) {
        strcat(default_key, "/key");
        key = default_key;
        key_from = "the default key";
    }
    if (key == NULL) {
        snprintf(err, err_len, "secure mode needs your key: run okr keygen, or give --key FILE");
        return false;
    }
    if (keyfile_read_secret(key, out->secret_key, out->public_key, err, err_len) != 0) {
        if (errno == ENOENT && key == default_key)
            snprintf(err, err_len, "secure mode needs your key and %s has none: run okr "
                     "keygen, or give --key FILE", default_key);
        return false;
    }
    memcpy(out->server_key, server_key, KEY_Z85_BUF);   /* valid: 40 chars + NUL */
    *secure = true;
    return true;
}

bool config_resolve_server(const char *flag, char *out, size_t out_len, char *err,
                           size_t err_len)
{
    const char *env = getenv("OKR_SERVER");
    char path[4096];
    char from_file[1024];

    if (flag != NULL)
        return config_normalize_endpoint(flag, out, out_len, err, err_len);
    if (env != NULL && env[0] != '\0')
        return config_normalize_endpoint(env, out, out_len, err, err_len);
    if (config_default_path(path, sizeof path)) {
        switch (config_read_server(path, from_file, sizeof from_file, err, err_len)) {
        case CONFIG_FOUND:
            return config_normalize_endpoint(from_file, out, out_len, err, err_len);
        case CONFIG_BROKEN:
            return false;
        case CONFIG_ABSENT:
            break;
        }
    }
    return config_normalize_endpoint(OKR_DEFAULT_ENDPOINT, out, out_len, err, err_len);
}
