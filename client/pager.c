/* pager.c — one-shot output through $PAGER when it does not fit the
 * terminal (see pager.h). */
#include "pager.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

void pager_begin(pager *p, okr_client *c, bool wanted)
{
    struct winsize ws;
    memset(p, 0, sizeof *p);
    int fd = fileno(c->out);
    if (!wanted || fd < 0 || !isatty(fd) || ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0)
        return;
    p->stream = open_memstream(&p->buf, &p->len);
    if (p->stream == NULL)
        return;                          /* no memory: write straight out */
    p->real_out = c->out;
    p->rows = ws.ws_row;
    c->out = p->stream;
    c->width = ws.ws_col;
}

static size_t count_lines(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += s[i] == '\n';
    return n + (len > 0 && s[len - 1] != '\n');
}

/* Write p's text through the pager `cmd`; false when it could not be started. */
static bool run_pager(const pager *p, const char *cmd)
{
    fflush(p->real_out);
    FILE *pipe = popen(cmd, "w");
    if (pipe == NULL)
        return false;
    void (*old)(int) = signal(SIGPIPE, SIG_IGN);   /* quitting the pager early is fine */
    fwrite(p->buf, 1, p->len, pipe);
    int rc = pclose(pipe);
    signal(SIGPIPE, old);
    return rc != -1 && !(WIFEXITED(rc) && WEXITSTATUS(rc) == 127);
}

void pager_end(pager *p, okr_client *c)
{
    if (p->stream == NULL)
        return;
    fclose(p->stream);
    c->out = p->real_out;
    c->width = 0;
    const char *cmd = getenv("PAGER");
    if (cmd == NULL || cmd[0] == '\0')
        cmd = PAGER_DEFAULT;
    bool longer = count_lines(p->buf, p->len) > (size_t)p->rows;
    if (!longer || !run_pager(p, cmd)) {
        if (longer)
            client_error(c, "cannot run the pager (%s); set PAGER or use --no-pager", cmd);
        fwrite(p->buf, 1, p->len, c->out);
    }
    free(p->buf);
    memset(p, 0, sizeof *p);
}
