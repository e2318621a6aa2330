/* keyfile.c — CURVE key files (see keyfile.h). The only file I/O in common/:
 * okrd and okr read the same format with the same checks. libzmq does all
 * of the cryptography and the Z85 coding. */
#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

bool keyfile_valid_z85(const char *text)
{
    uint8_t bytes[KEY_BYTES];
    if (text == NULL || strlen(text) != KEY_Z85_LEN)
        return false;
    return zmq_z85_decode(bytes, text) != NULL;
}

int keyfile_make_dirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path)
        return ENAMETOOLONG;
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) != 0 && errno != EEXIST)
            return errno;
        *p = '/';
    }
    return mkdir(path, 0700) != 0 && errno != EEXIST ? errno : 0;
}

void keyfile_wipe(char *key, size_t len)
{
    volatile char *p = key;
    while (len--)
        *p++ = 0;
}

/* Write text to path through path.tmp (mode), then rename: the key is never
 * half-written, and a secret key never exists with a wider mode. */
static int write_file(const char *path, const char *text, mode_t mode, char *err,
                      size_t errlen)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        snprintf(err, errlen, "%s: path too long", path);
        return -1;
    }
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
        return -1;
    }
    size_t len = strlen(text);
    bool ok = fchmod(fd, mode) == 0 && write(fd, text, len) == (ssize_t)len && fsync(fd) == 0;
    int saved = errno;
    ok = close(fd) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(ok ? errno : saved));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int keyfile_generate(const char *secret_path, const char *public_path, bool overwrite,
                     char *public_out, char *err, size_t errlen)
{
    struct stat st;
    if (!overwrite && lstat(secret_path, &st) == 0) {
        snprintf(err, errlen, "%s exists already; not replacing it", secret_path);
        return -1;
    }
    char secret[KEY_Z85_BUF], text[128];
    if (zmq_curve_keypair(public_out, secret) != 0) {
        snprintf(err, errlen, "cannot make a key pair: %s", zmq_strerror(zmq_errno()));
        return -1;
    }
    snprintf(text, sizeof text, "# CURVE secret key: never share this file\n%s\n", secret);
    keyfile_wipe(secret, sizeof secret);
    int rc = write_file(secret_path, text, 0600, err, errlen);
    keyfile_wipe(text, sizeof text);
    if (rc == 0) {
        snprintf(text, sizeof text, "%s\n", public_out);
        rc = write_file(public_path, text, 0644, err, errlen);
    }
    return rc;
}

/* The first line of fd that is not a comment, into out (KEY_Z85_BUF). */
static bool read_key_line(int fd, char *out)
{
    char buf[512];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    bool found = false;
    if (n > 0) {
        buf[n] = '\0';
        for (char *line = buf; line && *line && !found;) {
            char *next = strchr(line, '\n');
            size_t len = next ? (size_t)(next - line) : strlen(line);
            if (len > 0 && line[len - 1] == '\r')
                len--;
            if (line[0] != '#' && len > 0) {
                found = len == KEY_Z85_LEN;
                if (found) {
                    memcpy(out, line, KEY_Z85_LEN);
                    out[KEY_Z85_LEN] = '\0';
                }
                break;
            }
            line = next ? next + 1 : NULL;
        }
    }
    keyfile_wipe(buf, sizeof buf);
    return found && keyfile_valid_z85(out);
}

int keyfile_read_secret(const char *path, char *secret_out, char *public_out, char *err,
                        size_t errlen)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        int saved = errno;
        snprintf(err, errlen, "cannot read the key file %s: %s", path, strerror(errno));
        errno = saved;
        return -1;
    }
    int rc = -1;
    if (fstat(fd, &st) != 0)
        snprintf(err, errlen, "cannot read the key file %s: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        snprintf(err, errlen, "the key file %s is not a regular file", path);
    else if (st.st_uid != geteuid())
        snprintf(err, errlen, "the key file %s belongs to uid %u, not to you (uid %u); "
                 "refusing to use it", path, (unsigned)st.st_uid, (unsigned)geteuid());
    else if (st.st_mode & 077)
        snprintf(err, errlen, "the key file %s is accessible by others (mode %04o); "
                 "refusing to use it: chmod 600 %s", path, (unsigned)(st.st_mode & 07777), path);
    else if (!read_key_line(fd, secret_out))
        snprintf(err, errlen, "the key file %s does not hold a Z85 secret key "
                 "(40 characters)", path);
    else if (zmq_curve_public(public_out, secret_out) != 0)
        snprintf(err, errlen, "the key file %s: cannot derive its public key", path);
    else
        rc = 0;
    close(fd);
    if (rc != 0)
        keyfile_wipe(secret_out, KEY_Z85_BUF);
    errno = 0;
    return rc;
}

int keyfile_read_public(const char *path, char *out, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    bool ok = read_key_line(fd, out);
    close(fd);
    if (!ok) {
        snprintf(err, errlen, "%s does not hold a Z85 public key (40 characters)", path);
        return -1;
    }
    return 0;
}
