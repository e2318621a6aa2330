/* lock.c — the data directory lock (see lock.h). Never touches LMDB. */
#include "lock.h"

#include "keyfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The pid the holder wrote, or 0 when unreadable. */
static long holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    if (n <= 0)
        return 0;
    buf[n] = '\0';
    return strtol(buf, NULL, 10);
}

int lock_data_dir(const char *dir, char *err, size_t errlen)
{
    char path[4096];
    int rc = keyfile_make_dirs(dir);
    if (rc != 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(rc));
        return -1;
    }
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, LOCK_FILE) >= sizeof path) {
        snprintf(err, errlen, "%s: path too long", dir);
        return -1;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int saved = errno;
        long pid = holder_pid(fd);
        if (saved == EWOULDBLOCK && pid > 0)
            snprintf(err, errlen, "%s is in use by pid %ld", dir, pid);
        else if (saved == EWOULDBLOCK)
            snprintf(err, errlen, "%s is in use by another okrd", dir);
        else
            snprintf(err, errlen, "cannot lock %s: %s", path, strerror(saved));
        close(fd);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

void lock_release(int fd)
{
    if (fd >= 0)
        close(fd);
}
