/* client.h — one okr session: the settings given on the command line, the
 * connection, and running one command from its words to its output and
 * exit status. The shell and main both go through client_run. */
#ifndef OKR_CLIENT_CLIENT_H
#define OKR_CLIENT_CLIENT_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "conn.h"
#include "okr_limits.h"


/* Exit statuses (docs/cli.md). */
enum {
    OKR_EXIT_OK = 0,
    OKR_EXIT_REFUSED = 1,       /* the server answered with an error */
    OKR_EXIT_USAGE = 2,         /* bad arguments, caught before sending */
    OKR_EXIT_UNREACHABLE = 3,   /* no server, no reply in time, or an unusable reply */
};

#define CLIENT_DEFAULT_TIMEOUT_MS 5000
#define CLIENT_MAX_TIMEOUT_MS 3600000
#define CLIENT_READ_TRIES 3             /* every request, changes too (same id: done once) */

/* okr's global options (main.c parses them, completion.c lists them); the
 * long-only ones have these values: */
enum {
    CLIENT_OPT_CSV = 256,
    CLIENT_OPT_TSV,
    CLIENT_OPT_SERVER_KEY,
    CLIENT_OPT_NO_PAGER,
    CLIENT_OPT_ECHO,
    CLIENT_OPT_KEEP_GOING,
};
extern const struct option client_global_options[];

typedef struct {
    const char *server;             /* --server, or NULL: $OKR_SERVER, config, default */
    const char *key_file;           /* --key, or NULL: $OKR_KEY, config, okr keygen's */
    const char *server_key;         /* --server-key, or NULL: $OKR_SERVER_KEY, config */
    int timeout_ms;                 /* per try */
    bool json;                      /* --json output */
    bool color;                     /* colour in human output */
    int table_format;               /* TABLE_TEXT, TABLE_CSV or TABLE_TSV (table.h) */
    int width;                      /* terminal width when c->out is a buffer (pager); 0: ask c->out */
    char user[OKR_MAX_NAME + 1];    /* sent as Request.user; "" sends none */
    FILE *out, *err;                /* stdout and stderr, unless a test says otherwise */
    long line;                      /* script line being run, for messages; 0: none */
    bool connected;                 /* conn is set up (the endpoint is resolved) */
    okr_conn conn;

    /* Session defaults (the shell's `use period P`, `use team T`; "" for
     * none): given to obj add, obj list and tree (without an ID) when the
     * command line does not say --period / --team. */
    char default_period[OKR_MAX_NAME + 1];
    char default_team[OKR_MAX_NAME + 1];

    /* What the commands did, for the shell to follow: */
    uint64_t replies;               /* replies received (the server was reached) */
    uint64_t changes;               /* changes made (Changed replies without error) */
    uint64_t last_change_seq;       /* event seq of the latest change made */
    uint64_t watch_seen_seq;        /* seq of the last event `watch` showed */
    volatile sig_atomic_t *cancel;  /* given to conn (see okr_conn.cancel) */
    bool can_ask;                   /* a person answers on stdin (the shell; a command typed
                                     * at a terminal): obj delete asks first (confirm.h) */
} okr_client;

/* Defaults: timeout 5000 ms, stdout/stderr, colour when stdout is a
 * terminal and NO_COLOR is not set, user = the login name. */
void client_init(okr_client *c);

/* Close the connection. */
void client_free(okr_client *c);

/* Resolve the server's address (--server, $OKR_SERVER, the config file, the
 * default) and, for secure mode, the keys (config.h), and set up c->conn,
 * once; later calls do nothing. Nothing is sent. Returns OKR_EXIT_OK, or
 * OKR_EXIT_USAGE after saying why on c->err. */
int client_connect(okr_client *c);

/* Run one command given as words ("obj", "add", "Title", "--team", "x"),
 * including `help [COMMAND]`. Prints its output on c->out and its errors on
 * c->err. argv may be permuted. Returns an OKR_EXIT_* status. */
int client_run(okr_client *c, int argc, char **argv);

/* Send one request (Request.user set from c->user; reads are tried
 * CLIENT_READ_TRIES times, changes once) and check its answer. On
 * OKR_EXIT_OK *reply is the answer, with the body the request is due,
 * which the caller frees with okr__response__free_unpacked. Otherwise
 * *reply is NULL and what went wrong (a refusal, also as a JSON document
 * with --json; no server; no reply in time) was said on c->err. */
int client_call(okr_client *c, Okr__Request *req, Okr__Response **reply);

/* Print "okr: [line N: ]message" on c->err. */
void client_error(const okr_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The command a mistyped one most likely meant: the command table's names
 * (and "help", "completion") within edit distance 2 of `typed` ("stauts"
 * gives "status"; "obj lsit" gives "obj list"), or NULL. Copies into buf. */
const char *client_suggest_command(int argc, char *const *argv, char *buf, size_t len);

/* The general help: usage, global options, the command list, exit statuses. */
void client_print_help(FILE *out);

#endif
