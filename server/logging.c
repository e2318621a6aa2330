/* logging.c — okrd's log lines: the level filter, stderr (with journald's
 * priority prefix when stderr is the journal) or syslog(3). Owns nothing
 * else: it never decides what is worth logging (its callers do). */
#include "logging.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define LOG_LINE_MAX 2048

static struct {
    log_level level;
    bool use_syslog;
    bool journal;          /* stderr is journald's stream: prefix <N> */
} log_state = {LOG_LEVEL_INFO, false, false};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

const char *log_level_name(log_level level)
{
    return (unsigned)level <= LOG_LEVEL_DEBUG ? level_names[level] : "?";
}

bool log_level_parse(const char *text, log_level *out)
{
    for (int i = 0; i <= LOG_LEVEL_DEBUG; i++)
        if (strcmp(text, level_names[i]) == 0) {
            *out = (log_level)i;
            return true;
        }
    return false;
}

/* systemd sets $JOURNAL_STREAM to "DEV:INODE" of the stream it connected
 * to stderr; a child whose stderr was redirected elsewhere inherits the
 * variable, hence the comparison with fd 2 itself. */
static bool stderr_is_journal(void)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    struct stat sb;
    if (js == NULL || sscanf(js, "%llu:%llu", &dev, &ino) != 2 || fstat(2, &sb) != 0)
        return false;
    return (unsigned long long)sb.st_dev == dev && (unsigned long long)sb.st_ino == ino;
}

void log_setup(log_level level, bool use_syslog)
{
    log_close();
    log_state.level = level;
    log_state.use_syslog = use_syslog;
    log_state.journal = !use_syslog && stderr_is_journal();
    if (use_syslog)
        openlog("okrd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_close(void)
{
    if (log_state.use_syslog)
        closelog();
    log_state.use_syslog = false;
}

bool log_enabled(log_level level)
{
    return level <= log_state.level;
}

/* Write one line: "<N>okrd: MESSAGE\n" in one write(2), or one syslog(3). */
static void emit(int priority, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];
    int head = 0;
    if (!log_state.use_syslog)
        head = log_state.journal ? snprintf(line, sizeof line, "<%d>okrd: ", priority)
                                 : snprintf(line, sizeof line, "okrd: ");
    int n = vsnprintf(line + head, sizeof line - (size_t)head - 1, fmt, ap);
    if (n < 0)
        return;
    size_t len = (size_t)head + ((size_t)n < sizeof line - (size_t)head - 1
                                     ? (size_t)n : sizeof line - (size_t)head - 2);
    for (size_t i = (size_t)head; i < len; i++)
        if ((unsigned char)line[i] < 0x20 || line[i] == 0x7f)
            line[i] = '?';
    if (log_state.use_syslog) {
        line[len] = '\0';
        syslog(priority, "%s", line);
        return;
    }
    line[len++] = '\n';
    for (size_t done = 0; done < len;) {
        ssize_t w = write(2, line + done, len - done);
        if (w <= 0)
            return;                 /* nowhere to report a failing stderr */
        done += (size_t)w;
    }
}

#define LOG_AT(name, level, priority)                       \
    void name(const char *fmt, ...)                         \
    {                                                       \
        if (!log_enabled(level))                            \
            return;                                         \
        va_list ap;                                         \
        va_start(ap, fmt);                                  \
        emit(priority, fmt, ap);                            \
        va_end(ap);                                         \
    }

LOG_AT(log_error, LOG_LEVEL_ERROR, LOG_ERR)
LOG_AT(log_warn, LOG_LEVEL_WARN, LOG_WARNING)
LOG_AT(log_info, LOG_LEVEL_INFO, LOG_INFO)
LOG_AT(log_debug, LOG_LEVEL_DEBUG, LOG_DEBUG)
LOG_AT(log_notice, LOG_LEVEL_ERROR, LOG_NOTICE)

void log_refusal(const char *who, const char *why)
{
    log_warn("refused %s: %s", who, why);
}
