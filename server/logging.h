/* logging.h — okrd's log: one line per event worth an operator's attention.
 *
 * Lines go to standard error as `okrd: MESSAGE` (the form tests, scripts and
 * `make run` read), or to syslog(3) with --syslog (ident "okrd", facility
 * daemon, the level as the priority). When standard error is the journal
 * ($JOURNAL_STREAM names it), each line starts with the syslog priority
 * `<N>`, which journald strips and records as the entry's priority, so
 * `journalctl -p warning` works without --syslog.
 *
 * A message is one line: control characters in it (a newline in a client's
 * user name, say) are written as '?', so nobody can forge a line.
 *
 * The level and destination are process-wide, like syslog(3)'s own state:
 * set once by main.c before anything is served. Every other caller only
 * logs. (The one exception to "no hidden state": passing a logger to the
 * arena's out-of-memory path would buy nothing.) */
#ifndef OKR_LOGGING_H
#define OKR_LOGGING_H

#include <stdbool.h>

typedef enum {
    LOG_LEVEL_ERROR,     /* okrd cannot do what it was asked (bind, commit) */
    LOG_LEVEL_WARN,      /* done, but worth a look (a slow batch, a refusal) */
    LOG_LEVEL_INFO,      /* start, stop, endpoints, map growth, backups */
    LOG_LEVEL_DEBUG,
} log_level;

/* "error", "warn", "info", "debug". */
const char *log_level_name(log_level level);
/* The level named by text; false when text names none. */
bool log_level_parse(const char *text, log_level *out);

/* Log lines at `level` and more severe; to syslog(3) instead of stderr when
 * use_syslog. Until called: info, to stderr. */
void log_setup(log_level level, bool use_syslog);

/* Close syslog when it was opened. */
void log_close(void);

/* True when a line at `level` would be written (to skip costly formatting). */
bool log_enabled(log_level level);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Written at every level (syslog priority notice): the ready line, which
 * scripts and tests wait for, must never be filtered away. */
void log_notice(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A refused connection or key (secure mode): `who` is the peer or key as
 * printable text, `why` a sentence. Logged as a warning:
 * `okrd: refused WHO: WHY`. */
void log_refusal(const char *who, const char *why);

#endif
