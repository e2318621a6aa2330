/* test_fuzz_replay.c — the fuzz harnesses without libFuzzer: a quick
 * regression run for make test, and a way to replay one input.
 *
 * Both harness files (tests/fuzz/fuzz_request.c, fuzz_shell.c) are compiled
 * into this program (#included, with OKR_FUZZ_REPLAY leaving their libFuzzer
 * entry points out), so the gcc build runs exactly the code libFuzzer runs.
 * One test per harness: every file of its committed corpus
 * (tests/fuzz/corpus/request, .../shell) in name order, then pseudo-random
 * mutations of those files (bit flips, byte changes, inserted and erased
 * ranges, crossovers, tokens of tests/fuzz/<harness>.dict), all through the
 * harness with its invariants. A broken invariant or a crash stops the
 * program; before it dies it says which input it was and saves it as
 * $TMPDIR/okr-fuzz-<harness>-failure.bin. A third test replays the inputs
 * of tests/fuzz/crashes/ (open bugs, kept out of the corpus): skipped while
 * any still breaks its harness.
 *
 *   test_fuzz_replay                              the make test run
 *   test_fuzz_replay --seed S --random N          N mutations from seed S
 *   test_fuzz_replay --run request|shell FILE...  replay these inputs only
 *   test_fuzz_replay --make-corpus DIR            write the seed corpus to
 *                                                 DIR/request and DIR/shell
 *   --corpus DIR   the corpus root (default tests/fuzz/corpus: run from the
 *                  repository root, as make test does; the crashes are read
 *                  from tests/fuzz/crashes)
 *
 * Environment: OKR_FUZZ_SEED and OKR_FUZZ_RANDOM (as --seed, --random; the
 * seed is printed), OKR_FUZZ_CORPUS (as --corpus), OKR_FUZZ_RESET_EVERY
 * (inputs between fresh stores; 1 replays an input on the seeded store
 * alone). */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#define OKR_FUZZ_REPLAY
#include "../fuzz/fuzz_request.c"
#include "../fuzz/fuzz_shell.c"

/* Mutations per harness in a make test run. Under AddressSanitizer every
 * nested LMDB transaction costs milliseconds (see test_property.c), so the
 * request harness runs fewer there. */
#if defined(__SANITIZE_ADDRESS__)
#define REPLAY_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define REPLAY_ASAN 1
#endif
#endif
#ifdef REPLAY_ASAN
#define DEFAULT_REQUEST_RANDOM 5000
#define DEFAULT_SHELL_RANDOM 50000
#else
#define DEFAULT_REQUEST_RANDOM 50000
#define DEFAULT_SHELL_RANDOM 200000
#endif

#define REPLAY_MAX_INPUT 4096            /* libFuzzer's default -max_len */
#define MAX_TOKENS 256

typedef struct {
    char *name;
    uint8_t *data;
    size_t len;
} input;

typedef struct {
    input *items;
    size_t n, cap;
} input_set;

typedef struct {
    const char *name;                         /* "request", "shell" */
    int (*run)(const uint8_t *data, size_t size);
    uint64_t default_random;
} harness;

static const harness harnesses[] = {
    {"request", fuzz_request_input, DEFAULT_REQUEST_RANDOM},
    {"shell", fuzz_shell_input, DEFAULT_SHELL_RANDOM},
};

static const char *corpus_root = "tests/fuzz/corpus";
static const char *crashes_root = "tests/fuzz/crashes";
static const char *dict_dir = "tests/fuzz";
static uint64_t opt_seed;
static long long opt_random = -1;            /* -1: the harness's default */

/* ------------------------------------------------------------ random numbers */

static uint64_t rng_state;

static uint64_t rnd(void)            /* splitmix64 */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static size_t below(size_t n) { return n ? (size_t)(rnd() % n) : 0; }

/* ------------------------------------------------------------ the failing input */

/* What is running now, kept ready for a signal handler or a sanitizer's
 * death callback: they may only write(2) what was prepared before. */
static char current_desc[512];
static char current_path[512];
static const uint8_t *current_data;
static size_t current_len;

static void save_current_input(void)
{
    if (current_data == NULL)
        return;
    static const char head[] = "\nfuzz replay: the failing input: ";
    ssize_t ignored = write(2, head, sizeof head - 1);
    ignored = write(2, current_desc, strlen(current_desc));
    int fd = open(current_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
        ignored = write(fd, current_data, current_len);
        close(fd);
        static const char saved[] = "; saved as ";
        ignored = write(2, saved, sizeof saved - 1);
        ignored = write(2, current_path, strlen(current_path));
    }
    ignored = write(2, "\n", 1);
    (void)ignored;
    current_data = NULL;
}

static void on_fatal_signal(int sig)
{
    save_current_input();
    signal(sig, SIG_DFL);
    raise(sig);
}

#ifdef REPLAY_ASAN
void __sanitizer_set_death_callback(void (*callback)(void));
const char *__ubsan_default_options(void);

/* gcc links UBSan's runtime apart from ASan's, so ASan's death callback does
 * not hear of a UBSan report; aborting instead of _exit lets our SIGABRT
 * handler name the input. */
const char *__ubsan_default_options(void)
{
    return "abort_on_error=1";
}
#endif

/* Take over the fatal signals for the duration of a test (cmocka installs
 * its own for each test). Under ASan its SEGV report is worth more than
 * ours: it calls us back through the death callback instead. */
static void watch_for_crashes(const char *harness_name)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(current_path, sizeof current_path, "%s/okr-fuzz-%s-failure.bin",
             tmp && tmp[0] ? tmp : "/tmp", harness_name);
    signal(SIGABRT, on_fatal_signal);
#ifdef REPLAY_ASAN
    __sanitizer_set_death_callback(save_current_input);
#else
    signal(SIGSEGV, on_fatal_signal);
    signal(SIGBUS, on_fatal_signal);
    signal(SIGFPE, on_fatal_signal);
    signal(SIGILL, on_fatal_signal);
#endif
}

static void run_input(const harness *h, const uint8_t *data, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void run_input(const harness *h, const uint8_t *data, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(current_desc, sizeof current_desc, fmt, ap);
    va_end(ap);
    current_data = data;
    current_len = len;
    h->run(data, len);
    current_data = NULL;
}

/* ------------------------------------------------------------ corpus files */

static void set_add(input_set *s, const char *name, uint8_t *data, size_t len)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 64;
        s->items = realloc(s->items, s->cap * sizeof *s->items);
        assert_non_null(s->items);
    }
    s->items[s->n].name = strdup(name);
    s->items[s->n].data = data;
    s->items[s->n].len = len;
    s->n++;
}

static void set_free(input_set *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->items[i].name);
        free(s->items[i].data);
    }
    free(s->items);
    memset(s, 0, sizeof *s);
}

/* The whole file, or NULL (*len 0) when it cannot be read. */
static uint8_t *read_file(const char *path, size_t *len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, n = 0, got;
    uint8_t *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            uint8_t *bigger = realloc(buf, cap * 2);
            if (bigger == NULL)
                free(buf);
            buf = bigger;
            cap *= 2;
        }
    }
    bool bad = ferror(f) || buf == NULL;
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const input *)a)->name, ((const input *)b)->name);
}

/* Every regular file of dir, sorted by name. */
static void load_dir(const char *dir, input_set *s)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fail_msg("cannot open the corpus %s (run from the repository root, or set "
                 "OKR_FUZZ_CORPUS)", dir);
        return;
    }
    struct dirent *e;
    char path[4096];
    struct stat st;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= sizeof path ||
            stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        size_t len;
        uint8_t *data = read_file(path, &len);
        if (data == NULL)
            fail_msg("cannot read %s", path);
        set_add(s, path, data, len);
    }
    closedir(d);
    qsort(s->items, s->n, sizeof *s->items, by_name);
}

/* ------------------------------------------------------------ dictionaries */

/* The tokens of a libFuzzer dictionary: lines `name="value"` or `"value"`,
 * with \\, \" and \xNN escapes; # starts a comment. A missing file gives
 * no tokens. */
static void load_dict(const char *path, input_set *tokens)
{
    FILE *f = fopen(path, "r");
    char line[1024];
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) && tokens->n < MAX_TOKENS) {
        char *p = strchr(line, '"'), *end = strrchr(line, '"');
        if (line[strspn(line, " \t")] == '#' || p == NULL || end == p)
            continue;
        uint8_t *tok = malloc((size_t)(end - p) + 1);
        size_t n = 0;
        assert_non_null(tok);
        for (p++; p < end; p++) {
            if (*p == '\\' && p + 1 < end && p[1] == 'x' && p + 3 < end) {
                char hex[3] = {p[2], p[3], '\0'};
                tok[n++] = (uint8_t)strtoul(hex, NULL, 16);
                p += 3;
            } else if (*p == '\\' && p + 1 < end) {
                tok[n++] = (uint8_t)*++p;
            } else {
                tok[n++] = (uint8_t)*p;
            }
        }
        set_add(tokens, path, tok, n);
    }
    fclose(f);
}

/* ------------------------------------------------------------ mutations */

static size_t insert_bytes(uint8_t *buf, size_t len, size_t at, const uint8_t *src, size_t n)
{
    if (len + n > REPLAY_MAX_INPUT)
        n = REPLAY_MAX_INPUT - len;
    memmove(buf + at + n, buf + at, len - at);
    memcpy(buf + at, src, n);
    return len + n;
}

/* A few mutations of buf (len bytes, room for REPLAY_MAX_INPUT): mostly one,
 * since protobuf breaks easily and an input that no longer parses tests
 * little. */
static size_t mutate(uint8_t *buf, size_t len, const input_set *corpus, const input_set *tokens)
{
    static const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0xff, 0x08, 0x0a,
                                          0x10, 0x12, 0x1a, 0x22, 0x2d, 0x27, 0x5c, 0x20};
    size_t rounds = 1;
    while (rounds < 6 && below(3) == 0)
        rounds++;
    for (size_t r = 0; r < rounds; r++) {
        size_t at = below(len + 1);
        switch (below(10)) {
        case 0:                                   /* flip a bit */
            if (len)
                buf[below(len)] ^= (uint8_t)(1u << below(8));
            break;
        case 1:                                   /* an interesting byte */
            if (len)
                buf[below(len)] = interesting[below(sizeof interesting)];
            break;
        case 2: {                                 /* insert a random byte */
            uint8_t b = (uint8_t)rnd();
            len = insert_bytes(buf, len, at, &b, 1);
            break;
        }
        case 3: {                                 /* erase a range */
            size_t n = 1 + below(len - at < 16 ? len - at : 16);
            if (at < len) {
                memmove(buf + at, buf + at + n, len - at - n);
                len -= n;
            }
            break;
        }
        case 4: {                                 /* copy a range elsewhere */
            if (len == 0)
                break;
            size_t from = below(len), n = 1 + below(len - from < 32 ? len - from : 32);
            uint8_t chunk[32];
            memcpy(chunk, buf + from, n);
            len = insert_bytes(buf, len, at, chunk, n);
            break;
        }
        case 5: {                                 /* cross over with another input */
            const input *other = &corpus->items[below(corpus->n)];
            size_t from = below(other->len + 1);
            size_t n = other->len - from;
            if (at + n > REPLAY_MAX_INPUT)
                n = REPLAY_MAX_INPUT - at;
            memcpy(buf + at, other->data + from, n);
            len = at + n;
            break;
        }
        case 6: {                                 /* append a token and a whole input */
            const input *other = &corpus->items[below(corpus->n)];
            if (tokens->n) {
                const input *t = &tokens->items[below(tokens->n)];
                len = insert_bytes(buf, len, len, t->data, t->len);
            }
            len = insert_bytes(buf, len, len, other->data, other->len);
            break;
        }
        case 7:
        case 8:                                   /* a dictionary token */
            if (tokens->n) {
                const input *t = &tokens->items[below(tokens->n)];
                len = insert_bytes(buf, len, at, t->data, t->len);
            }
            break;
        default:                                  /* cut the tail */
            len = at;
            break;
        }
    }
    return len;
}

/* ------------------------------------------------------------ the tests */

static uint64_t random_count(const harness *h)
{
    return opt_random >= 0 ? (uint64_t)opt_random : h->default_random;
}

static void replay_harness(const harness *h)
{
    char path[4096];
    input_set corpus = {0}, tokens = {0};
    snprintf(path, sizeof path, "%s/%s", corpus_root, h->name);
    load_dir(path, &corpus);
    if (corpus.n == 0)
        fail_msg("the corpus %s is empty", path);
    snprintf(path, sizeof path, "%s/%s.dict", dict_dir, h->name);
    load_dict(path, &tokens);
    watch_for_crashes(h->name);

    for (size_t i = 0; i < corpus.n; i++)
        run_input(h, corpus.items[i].data, corpus.items[i].len, "%s", corpus.items[i].name);

    uint64_t n = random_count(h);
    rng_state = opt_seed ^ (uint64_t)(h - harnesses) * 0x5851f42d4c957f2dull;
    uint8_t *buf = malloc(REPLAY_MAX_INPUT);
    assert_non_null(buf);
    for (uint64_t i = 0; i < n; i++) {
        const input *base = &corpus.items[below(corpus.n)];
        size_t len = base->len < REPLAY_MAX_INPUT ? base->len : REPLAY_MAX_INPUT;
        memcpy(buf, base->data, len);
        len = mutate(buf, len, &corpus, &tokens);
        run_input(h, buf, len, "mutation %llu of %s (--seed %llu --random %llu)",
                  (unsigned long long)i, base->name, (unsigned long long)opt_seed,
                  (unsigned long long)n);
    }
    free(buf);
    printf("fuzz replay %s: %zu corpus files and %llu mutations (seed %llu), %zu dictionary "
           "tokens\n", h->name, corpus.n, (unsigned long long)n, (unsigned long long)opt_seed,
           tokens.n);
    set_free(&corpus);
    set_free(&tokens);
}

static void test_request_corpus_and_mutations_keep_every_invariant(void **state)
{
    (void)state;
    replay_harness(&harnesses[0]);
    uint64_t inputs, requests, mutations;
    fuzz_request_counts(&inputs, &requests, &mutations);
    printf("fuzz replay request: %llu inputs carried %llu requests, %llu mutations accepted\n",
           (unsigned long long)inputs, (unsigned long long)requests,
           (unsigned long long)mutations);
    fuzz_request_close();
    assert_true(mutations > 0);            /* the corpus does reach the handlers */
}

static void test_shell_corpus_and_mutations_parse_or_refuse_cleanly(void **state)
{
    (void)state;
    replay_harness(&harnesses[1]);
    uint64_t lines, parsed;
    fuzz_shell_counts(&lines, &parsed);
    printf("fuzz replay shell: %llu lines, %llu parsed into a request\n",
           (unsigned long long)lines, (unsigned long long)parsed);
    assert_true(parsed > 0);
}

/* Inputs that still break a harness because of an open bug live in
 * tests/fuzz/crashes/<harness>/ (README.md there says which bug), not in the
 * corpus, so that make test passes while the bug is open. Each runs in a
 * child process on a freshly seeded store: while any still breaks, this test
 * is reported as skipped (and names them); once none does, it passes and says
 * which files to move into the corpus as regression inputs. */
static bool crash_still_breaks(const harness *h, const input *in, const char *tmpdir)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        setenv("TMPDIR", tmpdir, 1);
        current_data = NULL;              /* no failure file: the input is known */
        h->run(in->data, in->len);
        fflush(stdout);
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_known_crashes_are_listed_until_fixed(void **state)
{
    (void)state;
    char path[4096], tmpdir[256];
    size_t open_bugs = 0, fixed = 0;
    fuzz_request_close();                 /* a child must not inherit an open store */
    assert_int_equal(fixture_mkdtemp(tmpdir, sizeof tmpdir), 0);
    for (size_t i = 0; i < sizeof harnesses / sizeof harnesses[0]; i++) {
        const harness *h = &harnesses[i];
        input_set crashes = {0};
        snprintf(path, sizeof path, "%s/%s", crashes_root, h->name);
        struct stat st;
        if (stat(path, &st) == 0)
            load_dir(path, &crashes);
        for (size_t j = 0; j < crashes.n; j++) {
            if (crash_still_breaks(h, &crashes.items[j], tmpdir)) {
                printf("fuzz replay: open bug: %s still breaks fuzz_%s (see %s/README.md)\n",
                       crashes.items[j].name, h->name, crashes_root);
                open_bugs++;
            } else {
                printf("fuzz replay: fixed: %s no longer breaks fuzz_%s: move it to %s/%s/\n",
                       crashes.items[j].name, h->name, corpus_root, h->name);
                fixed++;
            }
        }
        set_free(&crashes);
    }
    fixture_rmtree(tmpdir);
    printf("fuzz replay: %zu known crash inputs still break a harness, %zu are fixed\n", open_bugs,
           fixed);
    if (open_bugs > 0)
        skip();
}

/* ------------------------------------------------------------ main */

static uint64_t parse_u64(const char *what, const char *text)
{
    char *end;
    unsigned long long v = text ? strtoull(text, &end, 10) : 0;
    if (text == NULL || text[0] == '\0' || *end != '\0') {
        fprintf(stderr, "test_fuzz_replay: %s needs a whole number\n", what);
        exit(2);
    }
    return (uint64_t)v;
}

static int make_corpus(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/request", dir);
    mkdir(dir, 0755);
    mkdir(path, 0755);
    int n_request = fuzz_request_make_corpus(path);
    snprintf(path, sizeof path, "%s/shell", dir);
    mkdir(path, 0755);
    int n_shell = fuzz_shell_make_corpus(path);
    if (n_request < 0 || n_shell < 0)
        return 1;
    printf("wrote %d request inputs and %d shell lines under %s\n", n_request, n_shell, dir);
    return 0;
}

/* --run HARNESS FILE...: each file once, in order, on one store. */
static int run_files(const char *name, int n, char **files)
{
    const harness *h = NULL;
    for (size_t i = 0; i < sizeof harnesses / sizeof harnesses[0]; i++)
        if (strcmp(harnesses[i].name, name) == 0)
            h = &harnesses[i];
    if (h == NULL) {
        fprintf(stderr, "test_fuzz_replay: --run request|shell FILE...\n");
        return 2;
    }
    watch_for_crashes(h->name);
    for (int i = 0; i < n; i++) {
        size_t len;
        uint8_t *data = read_file(files[i], &len);
        if (data == NULL) {
            fprintf(stderr, "test_fuzz_replay: cannot read %s\n", files[i]);
            return 2;
        }
        run_input(h, data, len, "%s", files[i]);
        printf("%s: ok\n", files[i]);
        free(data);
    }
    fuzz_request_close();
    return 0;
}

int main(int argc, char **argv)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    const char *env;
    opt_seed = (env = getenv("OKR_FUZZ_SEED")) && env[0]
                   ? parse_u64("OKR_FUZZ_SEED", env)
                   : (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ ((uint64_t)getpid() << 40);
    if ((env = getenv("OKR_FUZZ_RANDOM")) && env[0])
        opt_random = (long long)parse_u64("OKR_FUZZ_RANDOM", env);
    if ((env = getenv("OKR_FUZZ_CORPUS")) && env[0])
        corpus_root = env;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
            opt_seed = parse_u64("--seed", argv[++i]);
        else if (strcmp(argv[i], "--random") == 0 && i + 1 < argc)
            opt_random = (long long)parse_u64("--random", argv[++i]);
        else if (strcmp(argv[i], "--corpus") == 0 && i + 1 < argc)
            corpus_root = argv[++i];
        else if (strcmp(argv[i], "--make-corpus") == 0 && i + 1 < argc)
            return make_corpus(argv[i + 1]);
        else if (strcmp(argv[i], "--run") == 0 && i + 1 < argc)
            return run_files(argv[i + 1], argc - i - 2, argv + i + 2);
        else {
            fprintf(stderr, "usage: test_fuzz_replay [--seed S] [--random N] [--corpus DIR]\n"
                            "       test_fuzz_replay --run request|shell FILE...\n"
                            "       test_fuzz_replay --make-corpus DIR\n");
            return 2;
        }
    }
    printf("fuzz replay: seed %llu (replay with OKR_FUZZ_SEED=%llu)\n",
           (unsigned long long)opt_seed, (unsigned long long)opt_seed);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_corpus_and_mutations_keep_every_invariant),
        cmocka_unit_test(test_shell_corpus_and_mutations_parse_or_refuse_cleanly),
        cmocka_unit_test(test_known_crashes_are_listed_until_fixed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
