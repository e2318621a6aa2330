/* fuzz.h — what the two fuzz harnesses share with their drivers.
 *
 * Each harness file (fuzz_request.c, fuzz_shell.c) exposes one entry point
 * that takes an input of any bytes and either returns or stops the process
 * with an "invariant" line and abort(). Two drivers call them:
 *
 *   - libFuzzer (make fuzz, clang -fsanitize=fuzzer): the harness file itself
 *     defines LLVMFuzzerTestOneInput;
 *   - tests/unit/test_fuzz_replay.c (gcc, part of make test): it #includes
 *     both harness files into one program with OKR_FUZZ_REPLAY defined, which
 *     leaves LLVMFuzzerTestOneInput out, and replays the committed corpus
 *     plus pseudo-random mutations of it.
 *
 * Since both files can end up in one translation unit, their own helpers
 * are static and prefixed (fr_ for requests, fs_ for the shell). */
#ifndef OKR_FUZZ_H
#define OKR_FUZZ_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The request harness's input is one or more request frames separated by
 * this marker (an input without it is a single frame). Frames past
 * FUZZ_MAX_FRAMES - 1 markers stay in the last frame. */
#define FUZZ_FRAME_SEP      "\xf5OKR"
#define FUZZ_FRAME_SEP_LEN  4
#define FUZZ_MAX_FRAMES     32

/* Inputs between two resets of the request harness's store (a fresh
 * directory, seeded again), unless $OKR_FUZZ_RESET_EVERY says otherwise;
 * OKR_FUZZ_RESET_EVERY=1 makes every input start from the seeded store, so
 * a failing input reproduces on its own. */
#define FUZZ_RESET_EVERY    1000

/* Run one input as a batch of requests against the harness's store (opened
 * and seeded on first use) and check the invariants. Returns 0. */
int fuzz_request_input(const uint8_t *data, size_t size);
/* Close the store and remove its directory (the next input reopens one). */
void fuzz_request_close(void);
/* Inputs run and requests they carried since the process started, and how
 * many of those requests were accepted mutations (for a driver's summary). */
void fuzz_request_counts(uint64_t *inputs, uint64_t *requests, uint64_t *mutations);
/* Write the seed corpus (valid requests of every body type, a few batches,
 * a few refusals) into dir, one file per input. Returns the number written,
 * or -1 after printing why. */
int fuzz_request_make_corpus(const char *dir);

/* Split one line like the shell and parse the command it names, without
 * sending anything. Returns 0. */
int fuzz_shell_input(const uint8_t *data, size_t size);
/* Lines split and commands parsed successfully so far. */
void fuzz_shell_counts(uint64_t *lines, uint64_t *parsed);
/* Write the shell seed corpus (one command line per file) into dir. */
int fuzz_shell_make_corpus(const char *dir);

/* Write one corpus file dir/name. Returns 0, or -1 after printing why. */
static inline int fuzz_write_file(const char *dir, const char *name, const void *data,
                                  size_t len)
{
    char path[4096];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        fprintf(stderr, "fuzz: path too long: %s/%s\n", dir, name);
        return -1;
    }
    FILE *f = fopen(path, "wb");
    int ok = f != NULL && (len == 0 || fwrite(data, 1, len, f) == len);
    if (f != NULL && fclose(f) != 0)
        ok = 0;
    if (!ok) {
        fprintf(stderr, "fuzz: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

#endif
