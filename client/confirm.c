/* confirm.c — the question before `obj delete` (see confirm.h): what is
 * about to go, read from the server, and a y/N answer read from the
 * terminal. Reads standard input directly (no stdio buffer, so nothing
 * typed after the answer is taken from readline) and gives up on Ctrl-C. */
#include "confirm.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CONFIRM_POLL_MS 100    /* how often Ctrl-C is looked at while waiting */

/* One line from standard input into buf (cut to its size, newline
 * dropped). False on end of input, an error, or Ctrl-C (c->cancel). */
static bool read_answer(const okr_client *c, char *buf, size_t len)
{
    size_t n = 0;
    for (;;) {
        if (c->cancel && *c->cancel)
            return false;
        struct pollfd p = {.fd = STDIN_FILENO, .events = POLLIN};
        int ready = poll(&p, 1, CONFIRM_POLL_MS);
        if (ready < 0 && errno != EINTR)
            return false;
        if (ready <= 0)
            continue;
        char ch;
        ssize_t got = read(STDIN_FILENO, &ch, 1);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        if (ch == '\n')
            break;
        if (n + 1 < len)
            buf[n++] = ch;
    }
    buf[n] = '\0';
    return true;
}

/* Ask question on c->err; true for "y" or "yes" (any case). */
static bool ask(const okr_client *c, const char *question)
{
    char answer[16];
    fflush(c->out);
    fputs(question, c->err);
    fflush(c->err);
    if (!read_answer(c, answer, sizeof answer)) {
        fputc('\n', c->err);
        return false;
    }
    return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

/* The question about objective id: its title and how many KRs go with it. */
static int describe(okr_client *c, const char *id, char *question, size_t len)
{
    Okr__Request req = OKR__REQUEST__INIT;
    Okr__ObjectiveGet get = OKR__OBJECTIVE_GET__INIT;
    Okr__Response *reply;
    get.id = (char *)id;
    req.body_case = OKR__REQUEST__BODY_OBJECTIVE_GET;
    req.objective_get = &get;
    int status = client_call(c, &req, &reply);
    if (status != OKR_EXIT_OK)
        return status;
    const Okr__ObjectiveDetail *d = reply->objective;
    const char *title = d->objective && d->objective->title ? d->objective->title : "";
    if (d->n_krs == 0)
        snprintf(question, len, "Delete %s '%s'? [y/N] ", id, title);
    else
        snprintf(question, len, "Delete %s '%s' and its %zu key result%s? [y/N] ", id, title,
                 d->n_krs, d->n_krs == 1 ? "" : "s");
    okr__response__free_unpacked(reply, NULL);
    return OKR_EXIT_OK;
}

int confirm_delete(okr_client *c, const cmd_request *r)
{
    char question[OKR_MAX_TITLE + 128];
    const char *id = r->body.objective_delete.id;
    if (r->yes)
        return OKR_EXIT_OK;
    if (!c->can_ask) {
        client_error(c, "obj delete %s: this deletes it, its key results and their check-ins "
                        "for good; add --yes to do it without being asked (a script, or "
                        "okr -c, has no one to ask)", id);
        return OKR_EXIT_USAGE;
    }
    int status = describe(c, id, question, sizeof question);
    if (status != OKR_EXIT_OK)
        return status;
    if (!ask(c, question)) {
        client_error(c, "%s not deleted", id);
        return OKR_EXIT_REFUSED;
    }
    return OKR_EXIT_OK;
}
