/* lock.h — one okrd (or offline okrd command) per data directory.
 *
 * An exclusive flock(2) on DIR/okrd.lock, which holds the pid of the
 * holder. The kernel drops the lock when the process dies, however it dies,
 * so a crash never leaves a stale lock behind; the pid in the file is only
 * there for the message. */
#ifndef OKR_LOCK_H
#define OKR_LOCK_H

#include <stddef.h>

#define LOCK_FILE "okrd.lock"

/* Create DIR (and its parents, mode 0700) when missing, then take the lock.
 * Returns the lock's file descriptor, or -1 with a sentence in err
 * ("DIR is in use by pid N" when another process holds it). */
int lock_data_dir(const char *dir, char *err, size_t errlen);

/* Release the lock (fd from lock_data_dir; -1 is ignored). */
void lock_release(int fd);

#endif
