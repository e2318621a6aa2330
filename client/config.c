/* config.c — the server address from flag, environment, config file or
 * default (see config.h). The INI file is parsed by inih, never by hand. */
#include "config.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct server_key {
    char *out;
    size_t out_len;
    bool found;
    bool too_long;
};

static int on_ini_entry(void *user, const char *section, const char *name, const char *value)
{
    struct server_key *key = user;
    if ((section[0] == '\0' || strcmp(section, "okr") == 0) && strcmp(name, "server") == 0) {
        if ((size_t)snprintf(key->out, key->out_len, "%s", value) >= key->out_len) {
            key->too_long = true;
            return 0;   /* makes ini_parse_file report this line */
        }
        key->found = true;
    }
    return 1;
}

config_result config_read_server(const char *path, char *out, size_t out_len, char *err,
                                 size_t err_len)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (errno == ENOENT || errno == ENOTDIR)
            return CONFIG_ABSENT;
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return CONFIG_BROKEN;
    }
    struct server_key key = {out, out_len, false, false};
    int line = ini_parse_file(f, on_ini_entry, &key);
    fclose(f);
    if (line != 0) {
        snprintf(err, err_len, "%s:%d: %s", path, line,
                 key.too_long ? "server address too long" : "not valid INI");
        return CONFIG_BROKEN;
    }
    return key.found ? CONFIG_FOUND : CONFIG_ABSENT;
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
