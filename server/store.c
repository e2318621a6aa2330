/* store.c — LMDB environment, named databases, typed records and keys.
 * The only file that calls mdb_*. Knows nothing of scores or requests. */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#include "logging.h"

#define EDGE_VALUE_BYTES 8
#define CI_KEY 12               /* a check-in's key in the log ("check-ins" below) */

/* ------------------------------------------------------------ status */

static bool failed(store_txn *t) { return t->rc != 0; }

static void fail(store_txn *t, int rc)
{
    if (t->rc == 0)
        t->rc = rc;
}

/* ------------------------------------------------------------ faults */

static int injected(const store *st, store_fault_op op)
{
    return st->fault ? st->fault(st->fault_arg, op) : 0;
}

int store_fault_countdown_hook(void *arg, store_fault_op op)
{
    store_fault_countdown *c = arg;
    if (!(c->mask & (1u << op)) || c->fired)
        return 0;
    if (++c->calls != c->fail_at)
        return 0;
    c->fired = true;
    return c->rc;
}

Okr__ErrorCode store_error_code(int rc)
{
    switch (rc) {
    case 0: return OKR__ERROR_CODE__OK;
    case MDB_NOTFOUND: return OKR__ERROR_CODE__NOT_FOUND;
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT: return OKR__ERROR_CODE__RESOURCE_EXHAUSTED;
    default: return OKR__ERROR_CODE__INTERNAL;
    }
}

/* Every write of a transaction starts here: counted (store.writes), and
 * where a test's fault hook may fail it. */
static int begin_write(store_txn *t)
{
    t->st->writes++;
    return injected(t->st, STORE_FAULT_WRITE);
}

const char *store_strerror(int rc)
{
    if (rc == ENOSPC)
        return "the disk is full";
    return mdb_strerror(rc);
}

/* ------------------------------------------------------------ write-behind (below) */

static int wb_replay(store *st, MDB_txn *txn, char *err, size_t errlen);
static int upgrade_checkins(store *st, MDB_txn *txn, char *err, size_t errlen);
static int finish_upgrade(store *st, char *err, size_t errlen);
static size_t owner_key(char *buf, const char *owner, const char *period);
static void wb_release(store *st);
static void wb_build_view(store_txn *t);
static void wb_flush(store_txn *t);
static void wb_txn_end(store_txn *t, bool committed);

/* ------------------------------------------------------------ environment */

static int open_dbi(MDB_txn *txn, const char *name, unsigned flags, MDB_dbi *dbi)
{
    return mdb_dbi_open(txn, name, flags, dbi);
}

/* Schema 3's check-in databases ("check-ins" below). A read-only open of a
 * schema 2 store finds none: init_meta refuses it (a writer converts it). */
static int open_checkin_dbs(store *st, MDB_txn *txn, unsigned create)
{
    MDB_dbi probe;
    st->checkin_dbs_created = mdb_dbi_open(txn, "checkin_log", 0, &probe) == MDB_NOTFOUND;
    int rc = open_dbi(txn, "checkin_log", create, &st->checkins);
    if (!rc) rc = open_dbi(txn, "checkin_heads", create, &st->checkin_heads);
    if (!rc) rc = open_dbi(txn, "checkin_late", create, &st->checkin_late);
    if (!rc) rc = open_dbi(txn, "checkin_gone", create, &st->checkin_gone);
    st->has_checkin_dbs = rc == 0;
    return rc == MDB_NOTFOUND && !create ? 0 : rc;
}

static int open_all(store *st, MDB_txn *txn, bool create)
{
    unsigned c = create ? MDB_CREATE : 0;
    unsigned dup = c | MDB_DUPSORT | MDB_DUPFIXED;
    int rc = 0;
    if (!rc) rc = open_dbi(txn, "meta", c, &st->meta);
    if (!rc) rc = open_dbi(txn, "periods", c, &st->periods);
    if (!rc) rc = open_dbi(txn, "teams", c, &st->teams);
    if (!rc) rc = open_dbi(txn, "objectives", c, &st->objectives);
    if (!rc) rc = open_dbi(txn, "krs", c, &st->krs);
    if (!rc) rc = open_dbi(txn, "up", dup, &st->up);
    if (!rc) rc = open_dbi(txn, "down", dup, &st->down);
    if (!rc) rc = open_dbi(txn, "agg", c, &st->agg);
    if (!rc) rc = open_checkin_dbs(st, txn, c);
    if (!rc) rc = open_dbi(txn, "events", c, &st->events);
    if (!rc) rc = open_dbi(txn, "by_period", dup, &st->by_period);
    if (!rc) rc = open_dbi(txn, "by_team", dup, &st->by_team);
    if (!rc) {
        MDB_dbi probe;
        bool existed = mdb_dbi_open(txn, "by_owner", 0, &probe) == 0;
        rc = open_dbi(txn, "by_owner", dup, &st->by_owner);   /* schema 4 */
        st->has_owner_index = rc == 0 && existed;
        if (rc == MDB_NOTFOUND && !create)
            rc = 0;                    /* an older store: init_meta refuses it */
    }
    /* Added after schema 2 was released: a read-only open of an older store
     * (okrd --verify) finds none, which means no users (no replies). */
    if (!rc) {
        rc = open_dbi(txn, "users", c, &st->users);
        st->has_users = rc == 0;
        if (rc == MDB_NOTFOUND && !create)
            rc = 0;
    }
    if (!rc) {
        rc = open_dbi(txn, "replies", c, &st->replies);
        st->has_replies = rc == 0;
        if (rc == MDB_NOTFOUND && !create)
            rc = 0;
    }
    if (!rc) {
        rc = open_dbi(txn, "redo", c, &st->redo);
        st->has_redo = rc == 0;
        if (rc == MDB_NOTFOUND && !create)
            rc = 0;
    }
    return rc;
}

/* Create the meta records of a new data directory, or check an old one's. */
static int init_meta(store *st, MDB_txn *txn, bool fresh, bool writer, char *err,
                     size_t errlen)
{
    MDB_val k = {6, "schema"}, v;
    int rc = mdb_get(txn, st->meta, &k, &v);
    if (rc == MDB_NOTFOUND && !fresh) {
        snprintf(err, errlen, "the data has no schema record: it is damaged or not okrd's; "
                 "restore a backup");
        return MDB_CORRUPTED;
    }
    if (rc == MDB_NOTFOUND) {
        unsigned char ver[4];
        okr_put_be32(ver, STORE_SCHEMA_VERSION);
        if (getrandom(st->epoch, sizeof st->epoch, 0) != (ssize_t)sizeof st->epoch)
            return errno ? errno : EIO;
        MDB_val vv = {4, ver}, ek = {5, "epoch"}, ev = {STORE_EPOCH_BYTES, st->epoch};
        rc = mdb_put(txn, st->meta, &k, &vv, 0);
        if (!rc)
            rc = mdb_put(txn, st->meta, &ek, &ev, 0);
        return rc;
    }
    if (rc)
        return rc;
    unsigned version = v.mv_size == 4 ? okr_get_be32(v.mv_data) : 0;
    bool older = version >= STORE_SCHEMA_OLDEST && version < STORE_SCHEMA_VERSION;
    if (older && !writer) {
        snprintf(err, errlen, "data schema version %u is older than this okrd's %u: start okrd "
                 "on it once (it converts the data in place), then try again", version,
                 STORE_SCHEMA_VERSION);
        return STORE_SCHEMA_MISMATCH;
    }
    if (older) {
        st->upgraded_from = version;   /* recorded by finish_upgrade, once all is converted */
    } else if (version != STORE_SCHEMA_VERSION) {
        snprintf(err, errlen, "data schema version %u is not %u (this okrd is too old or too new)",
                 version, STORE_SCHEMA_VERSION);
        return STORE_SCHEMA_MISMATCH;
    }
    if (version >= 3 && (!st->has_checkin_dbs || (st->checkin_dbs_created && !fresh))) {
        snprintf(err, errlen, "the data has no check-in log: it is damaged; restore a backup");
        return MDB_CORRUPTED;
    }
    if (version >= 4 && !st->has_owner_index) {
        snprintf(err, errlen, "the data has no owner index: it is damaged; restore a backup");
        return MDB_CORRUPTED;
    }
    MDB_val ek = {5, "epoch"};
    rc = mdb_get(txn, st->meta, &ek, &v);
    if (rc || v.mv_size != STORE_EPOCH_BYTES) {
        snprintf(err, errlen, "data directory has no epoch record");
        return rc ? rc : EINVAL;
    }
    memcpy(st->epoch, v.mv_data, STORE_EPOCH_BYTES);
    return 0;
}

/* mkdir -p: the directory and any missing parents. */
static int make_dirs(const char *dir)
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

/* What was in the data directory before LMDB opened it. */
typedef struct {
    char path[4096];          /* DIR/data.mdb */
    bool existed;
    off_t size;
} data_file;

static int look_at_data_file(const char *dir, data_file *f, char *err, size_t errlen)
{
    struct stat sb;
    memset(f, 0, sizeof *f);
    if ((size_t)snprintf(f->path, sizeof f->path, "%s/data.mdb", dir) >= sizeof f->path) {
        snprintf(err, errlen, "the data directory path is too long");
        return ENAMETOOLONG;
    }
    if (stat(f->path, &sb) != 0)
        return 0;                       /* a new store */
    f->existed = true;
    f->size = sb.st_size;
    if (!S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", f->path);
        return MDB_INVALID;
    }
    if (sb.st_size == 0) {
        snprintf(err, errlen, "%s is empty, so it is not an okrd store (okrd never leaves an "
                 "empty one); move it away to start afresh, or restore a backup", f->path);
        return MDB_INVALID;
    }
    return 0;
}

/* The file must hold every page its newest meta page counts: a truncated
 * file would be mapped and fault (SIGBUS) on the first read past its end. */
static int check_file_length(store *st, const data_file *f, char *err, size_t errlen)
{
    MDB_envinfo info;
    MDB_stat stat;
    if (mdb_env_info(st->env, &info) != 0 || mdb_env_stat(st->env, &stat) != 0)
        return MDB_INVALID;
    uint64_t needed = (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
    if ((uint64_t)f->size < needed) {
        snprintf(err, errlen, "%s is %lld bytes but its last page ends at %llu: the file was "
                 "truncated or damaged; restore a backup", f->path, (long long)f->size,
                 (unsigned long long)needed);
        return MDB_CORRUPTED;
    }
    return 0;
}

/* An existing file that LMDB accepts must also be okrd's: its main database
 * names a "meta" database. Another program's environment is never taken
 * over (open_all would otherwise add our databases to it). A file in which
 * nothing was ever committed is as good as new. */
static int check_ownership(store *st, MDB_txn *txn, const data_file *f, bool *fresh,
                           char *err, size_t errlen)
{
    MDB_envinfo info;
    MDB_dbi main_db;
    MDB_val k = {4, "meta"}, v;
    *fresh = !f->existed || (mdb_env_info(st->env, &info) == 0 && info.me_last_txnid == 0);
    if (*fresh)
        return 0;
    int rc = mdb_dbi_open(txn, NULL, 0, &main_db);
    if (rc == 0)
        rc = mdb_get(txn, main_db, &k, &v);
    if (rc == MDB_NOTFOUND) {
        snprintf(err, errlen, "%s is an LMDB environment of another program (it has no okrd "
                 "meta database); okrd will not take it over", f->path);
        return MDB_INVALID;
    }
    return rc;
}

static void describe_open_error(int rc, const char *dir, const data_file *f, char *err,
                                size_t errlen)
{
    if (err[0] != '\0')
        return;
    if (rc == MDB_INVALID || rc == MDB_VERSION_MISMATCH)
        snprintf(err, errlen, "%s is not an LMDB data file okrd can read (%s); restore a "
                 "backup", f->path, mdb_strerror(rc));
    else if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND)
        snprintf(err, errlen, "%s is damaged (%s); restore a backup", f->path,
                 mdb_strerror(rc));
    else
        snprintf(err, errlen, "cannot open data directory %s: %s", dir, store_strerror(rc));
}

/* Double the map of an opening store (no transaction open). */
static int grow_for_upgrade(store *st)
{
    MDB_envinfo info;
    mdb_env_info(st->env, &info);
    if (info.me_mapsize > STORE_MAX_MAP_SIZE / 2)
        return MDB_MAP_FULL;
    log_info("store: the conversion needs a larger map: %zu MiB", info.me_mapsize >> 19);
    return mdb_env_set_mapsize(st->env, info.me_mapsize * 2);
}

int store_open(store *st, const char *dir, size_t map_size, bool create, char *err,
               size_t errlen)
{
    return store_open_with_fault(st, dir, map_size, create, NULL, NULL, err, errlen);
}

int store_open_with_fault(store *st, const char *dir, size_t map_size, bool create,
                          store_fault_fn fault, void *fault_arg, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    st->fault = fault;
    st->fault_arg = fault_arg;
    err[0] = '\0';
    if (create && (errno = make_dirs(dir)) != 0) {
        snprintf(err, errlen, "cannot create %s: %s", dir, strerror(errno));
        return errno;
    }
    data_file file;
    int rc = look_at_data_file(dir, &file, err, errlen);
    if (rc)
        return rc;
    if (!create && !file.existed) {
        snprintf(err, errlen, "%s holds no okrd data (no data.mdb)", dir);
        return ENOENT;
    }
    MDB_txn *txn = NULL;
    if (!rc) rc = mdb_env_create(&st->env);
    if (!rc) rc = mdb_env_set_maxdbs(st->env, 32);
    if (!rc) rc = mdb_env_set_mapsize(st->env, map_size);
    if (!rc) rc = mdb_env_open(st->env, dir, MDB_NOTLS | (create ? 0 : MDB_RDONLY), 0600);
    if (!rc && file.existed) rc = check_file_length(st, &file, err, errlen);
    if (!rc && create) rc = store_reader_check(st, NULL);
    for (;;) {
        bool fresh = false;
        if (!rc) rc = mdb_txn_begin(st->env, NULL, create ? 0 : MDB_RDONLY, &txn);
        if (!rc) rc = check_ownership(st, txn, &file, &fresh, err, errlen);
        if (!rc) rc = open_all(st, txn, create);
        if (!rc) rc = init_meta(st, txn, fresh, create, err, errlen);
        if (!rc && st->upgraded_from) rc = upgrade_checkins(st, txn, err, errlen);
        if (!rc && create) rc = wb_replay(st, txn, err, errlen);
        if (!rc) {
            rc = mdb_txn_commit(txn);
            txn = NULL;
        }
        /* A conversion needs room for the old and the new layout at once
         * (the old pages are free only after its commit): grow and redo. */
        if (!(rc == MDB_MAP_FULL && st->upgraded_from))
            break;
        if (txn)
            mdb_txn_abort(txn);
        txn = NULL;
        st->upgraded_from = 0;
        wb_release(st);
        rc = grow_for_upgrade(st);
        if (rc)
            break;
    }
    if (rc) {
        if (txn)
            mdb_txn_abort(txn);
        describe_open_error(rc, dir, &file, err, errlen);
        if (st->env)
            mdb_env_close(st->env);
        st->env = NULL;
        wb_release(st);
        return rc;
    }
    MDB_envinfo info;
    mdb_env_info(st->env, &info);
    st->map_size = info.me_mapsize;
    rc = st->upgraded_from ? finish_upgrade(st, err, errlen) : 0;
    if (rc) {
        mdb_env_close(st->env);
        st->env = NULL;
        wb_release(st);
    }
    return rc;
}

int store_reader_check(store *st, int *cleared)
{
    int dead = 0;
    int rc = mdb_reader_check(st->env, &dead);
    if (cleared)
        *cleared = dead;
    return rc;
}

bool store_open_refused_data(int rc)
{
    return rc == MDB_INVALID || rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND ||
           rc == MDB_VERSION_MISMATCH || rc == STORE_SCHEMA_MISMATCH;
}

int store_new_epoch(store *st)
{
    MDB_txn *txn;
    unsigned char epoch[STORE_EPOCH_BYTES];
    if (getrandom(epoch, sizeof epoch, 0) != (ssize_t)sizeof epoch)
        return errno ? errno : EIO;
    int rc = mdb_txn_begin(st->env, NULL, 0, &txn);
    if (rc)
        return rc;
    MDB_val k = {5, "epoch"}, v = {STORE_EPOCH_BYTES, epoch};
    rc = mdb_put(txn, st->meta, &k, &v, 0);
    if (rc) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn);
    if (rc == 0)
        memcpy(st->epoch, epoch, sizeof epoch);
    return rc;
}

/* End every reader's transaction; with release, hand each back too. */
static void end_readers(store *st, bool release)
{
    for (store_reader *r = st->readers, *next; r != NULL; r = next) {
        next = r->next;
        if (r->txn.txn) {
            store_txn_abort(&r->txn);
            r->txn.rc = MDB_MAP_RESIZED;
        }
        if (release) {
            r->next = NULL;
            if (r->release)
                r->release(r);
        }
    }
    if (release)
        st->readers = NULL;
}

void store_reader_link(store *st, store_reader *r)
{
    if (r->txn.txn && r->txn.view == NULL && st->wb.live)
        wb_build_view(&r->txn);  /* it outlives commits: its own pages' redo log */
    r->next = st->readers;
    st->readers = r;
}

void store_reader_end(store *st, store_reader *r)
{
    store_txn_abort(&r->txn);
    for (store_reader **p = &st->readers; *p != NULL; p = &(*p)->next) {
        if (*p == r) {
            *p = r->next;
            break;
        }
    }
    r->next = NULL;
}

void store_close(store *st)
{
    end_readers(st, true);
    if (st->env && st->wb.live && (st->wb.committed.n > 0 || st->wb.redo_bytes > 0)) {
        int rc = store_checkpoint(st);
        if (rc)
            log_warn("no checkpoint at close (%s): the next start replays the redo log",
                     store_strerror(rc));
    }
    if (st->env)
        mdb_env_close(st->env);
    st->env = NULL;
    wb_release(st);
}

int store_grow(store *st)
{
    end_readers(st, false);     /* the map moves: no transaction may be open */
    if (st->map_size > STORE_MAX_MAP_SIZE / 2)
        return MDB_MAP_FULL;    /* as large as it may get: the batch fails as full */
    size_t next = st->map_size * 2;
    int rc = mdb_env_set_mapsize(st->env, next);
    if (rc == 0) {
        st->map_size = next;
        return 0;
    }
    /* LMDB unmapped the file before mapping it larger: map it as it was,
     * or nothing can be read any more. */
    int again = mdb_env_set_mapsize(st->env, st->map_size);
    if (again) {
        log_error("cannot map the data file again after a failed growth (%s, then %s); "
                  "stopping: a restart reopens it", mdb_strerror(rc), mdb_strerror(again));
        exit(EXIT_FAILURE);
    }
    return rc;
}

uint64_t store_data_bytes(store *st)
{
    MDB_envinfo info;
    MDB_stat stat;
    mdb_env_info(st->env, &info);
    mdb_env_stat(st->env, &stat);
    return (uint64_t)(info.me_last_pgno + 1) * stat.ms_psize;
}

static int name_write_failure(store *st, int rc);

/* The copy's own facts, read by opening it like any data directory. */
static int stamp_copy(const char *dir, store_backup_info *out, char *err, size_t errlen)
{
    store copy;
    char path[4200];
    struct stat sb;
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    if (chmod(path, 0600) != 0) {
        snprintf(err, errlen, "cannot set the mode of %s: %s", path, strerror(errno));
        return errno;
    }
    int rc = store_open(&copy, dir, STORE_DEFAULT_MAP_SIZE, true, err, errlen);
    if (rc)
        return rc;
    rc = store_new_epoch(&copy);
    if (rc == 0) {
        arena mem;
        store_txn t;
        arena_init(&mem);
        store_txn_begin(&t, &copy, NULL, false, &mem);
        out->seq = store_last_seq(&t);
        rc = t.rc;
        store_txn_abort(&t);
        arena_free(&mem);
        memcpy(out->epoch, copy.epoch, sizeof out->epoch);
    }
    store_close(&copy);
    if (rc == 0 && stat(path, &sb) == 0)
        out->bytes = (uint64_t)sb.st_size;
    if (rc && err[0] == '\0')
        snprintf(err, errlen, "cannot stamp the copy in %s: %s", dir, store_strerror(rc));
    return rc;
}

int store_backup(store *st, const char *dir, store_backup_info *out, char *err, size_t errlen)
{
    err[0] = '\0';
    memset(out, 0, sizeof *out);
    if (mkdir(dir, 0700) != 0) {
        int e = errno;
        snprintf(err, errlen, e == EEXIST ? "%s exists already; give a new directory"
                                          : "cannot create %s: %s", dir, strerror(e));
        return e;
    }
    int rc = name_write_failure(st, mdb_env_copy2(st->env, dir, MDB_CP_COMPACT));
    if (rc) {
        snprintf(err, errlen, "cannot copy the data to %s: %s", dir, store_strerror(rc));
        return rc;
    }
    return stamp_copy(dir, out, err, errlen);
}

/* ------------------------------------------------------------ transactions */

void store_txn_begin(store_txn *t, store *st, store_txn *parent, bool write, arena *mem)
{
    t->st = st;
    t->mem = mem;
    t->txn = NULL;
    t->parent = parent != NULL;
    t->write = write;
    t->undo_mark = st->wb.undo.n;
    t->view = NULL;
    t->rc = mdb_txn_begin(st->env, parent ? parent->txn : NULL, write ? 0 : MDB_RDONLY,
                          &t->txn);
    if (t->rc)
        t->txn = NULL;
    else if (!write && !st->wb.live)
        wb_build_view(t);        /* read-only store: a writer may run beside us */
}

/* LMDB reports a write that the disk could only partly take as EIO (and
 * one it took none of as ENOSPC). A failed write with the file system out
 * of space is the disk being full whichever it was: say so. */
static int name_write_failure(store *st, int rc)
{
    int fd;
    struct statvfs fs;
    if (rc != EIO || mdb_env_get_fd(st->env, &fd) != 0 || fstatvfs(fd, &fs) != 0)
        return rc;
    if ((uint64_t)fs.f_bavail * fs.f_frsize < STORE_DISK_FULL_BYTES)
        return ENOSPC;
    return rc;
}

static double elapsed_ms(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* Whether t is the top-level write transaction of a writer store: the
 * one whose commit writes the redo record (or the checkpoint). */
static bool wb_top(const store_txn *t)
{
    return t->write && !t->parent && t->st->wb.live;
}

int store_txn_commit(store_txn *t)
{
    if (t->txn == NULL) {
        wb_txn_end(t, false);
        return t->rc ? t->rc : EINVAL;
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (t->rc == 0 && wb_top(t))
        wb_flush(t);
    if (t->rc == 0)
        t->rc = injected(t->st, t->parent ? STORE_FAULT_COMMIT : STORE_FAULT_SYNC);
    if (t->rc) {
        mdb_txn_abort(t->txn);
    } else {
        t->rc = name_write_failure(t->st, mdb_txn_commit(t->txn));
    }
    t->txn = NULL;
    if (t->rc == 0 && t->st->wb.flushing_checkpoint)
        log_info("checkpoint: %llu values written back in %.0f ms, the redo log emptied",
                 (unsigned long long)t->st->wb.checkpoint_size, elapsed_ms(&t0));
    wb_txn_end(t, t->rc == 0);
    return t->rc;
}

void store_txn_abort(store_txn *t)
{
    if (t->txn)
        mdb_txn_abort(t->txn);
    t->txn = NULL;
    wb_txn_end(t, false);
}

/* ------------------------------------------------------------ raw access */

static bool get_raw(store_txn *t, MDB_dbi dbi, const void *key, size_t klen, MDB_val *out)
{
    if (failed(t))
        return false;
    MDB_val k = {klen, (void *)key};
    int rc = mdb_get(t->txn, dbi, &k, out);
    if (rc == MDB_NOTFOUND)
        return false;
    if (rc) {
        fail(t, rc);
        return false;
    }
    return true;
}

static void put_raw(store_txn *t, MDB_dbi dbi, const void *key, size_t klen,
                    const void *val, size_t vlen, unsigned flags)
{
    if (failed(t))
        return;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = begin_write(t);
    if (rc == 0)
        rc = mdb_put(t->txn, dbi, &k, &v, flags);
    if (rc && !(rc == MDB_KEYEXIST && (flags & MDB_NODUPDATA)))
        fail(t, rc);
}

/* Delete key (and, for DUPSORT, only the given value when val != NULL). */
static void del_raw(store_txn *t, MDB_dbi dbi, const void *key, size_t klen,
                    const void *val, size_t vlen)
{
    if (failed(t))
        return;
    MDB_val k = {klen, (void *)key}, v = {vlen, (void *)val};
    int rc = begin_write(t);
    if (rc == 0)
        rc = mdb_del(t->txn, dbi, &k, val ? &v : NULL);
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
}

void *store_unpack(store_txn *t, const ProtobufCMessageDescriptor *d, const MDB_val *v)
{
    ProtobufCMessage *m = protobuf_c_message_unpack(d, &t->mem->pb, v->mv_size, v->mv_data);
    if (m == NULL)
        fail(t, EINVAL);
    return m;
}

static void *get_msg(store_txn *t, MDB_dbi dbi, const void *key, size_t klen,
                     const ProtobufCMessageDescriptor *d)
{
    MDB_val v;
    if (!get_raw(t, dbi, key, klen, &v))
        return NULL;
    return store_unpack(t, d, &v);
}

/* Pack straight into LMDB's page with MDB_RESERVE: no intermediate buffer. */
static void put_msg(store_txn *t, MDB_dbi dbi, const void *key, size_t klen,
                    const ProtobufCMessage *m)
{
    if (failed(t))
        return;
    size_t len = protobuf_c_message_get_packed_size(m);
    MDB_val k = {klen, (void *)key}, v = {len, NULL};
    int rc = begin_write(t);
    if (rc == 0)
        rc = mdb_put(t->txn, dbi, &k, &v, MDB_RESERVE);
    if (rc) {
        fail(t, rc);
        return;
    }
    protobuf_c_message_pack(m, v.mv_data);
}

/* ------------------------------------------------------------ write-behind
 *
 * A check-in changes a dozen aggregates and its KR record, at random places
 * of B-trees as large as the organisation: each one a page rewritten (and
 * its branch pages) per commit. So both are written behind: a change goes
 * to memory (wb.pending, with an undo log for the nested transaction of
 * each request) and, when the write transaction commits, into ONE redo
 * record appended to the `redo` database in that same transaction: the new
 * value of every aggregate and KR record it changed. The record is durable
 * with the change, so a reply still means durable; the B-trees lag behind.
 * wb.committed holds what the redo log adds to them. At the first commit
 * that would keep more than the limits (entries or redo bytes), that commit
 * writes every value of the log back into its B-tree in key order and
 * empties the log (a checkpoint): a B-tree page is then rewritten once per
 * checkpoint, not once per transaction, and the log a start-up replays is
 * bounded by the limits, whatever the organisation's size.
 *
 * Records are created and deleted in the B-tree itself (write-through), so
 * a cursor sees exactly the keys that exist and only values need
 * overriding; a delete also leaves a drop in the log, which voids older
 * values of the key. Whoever reads sees the B-tree overridden by, newest
 * first: the open write transaction's pending changes, then wb.committed.
 * A transaction that must not see the live tables — a snapshot cursor
 * (its transaction outlives commits), a store opened read-only (a writer
 * may run beside it) — reads the redo log of its own pages into a view,
 * which is exact for its transaction by LMDB's isolation.
 *
 * Redo record: key be64 number (ascending), value a run of entries
 * { u8 kind (| 0x80: a drop), be32 node, be32 len, len bytes }: kind 1 a
 * store_agg, kind 2 a packed Okr__KeyResult, kind 4 a check-in chain's head
 * (checkin_heads: a 12-byte log key). Heads are created behind too: nothing
 * iterates over them, so no cursor needs to see a new key. */

#define WB_AGG STORE_WB_AGG
#define WB_KR STORE_WB_KR
#define WB_HEAD STORE_WB_HEAD
#define WB_DROP 0x80u
#define WB_ENTRY_HEAD 9

static MDB_dbi wb_dbi(const store *st, unsigned kind)
{
    return kind == WB_KR ? st->krs : kind == WB_HEAD ? st->checkin_heads : st->agg;
}

/* Apply one redo record's entries to m (a drop erases). Returns 0 or EINVAL
 * for a record that does not parse. */
static int wb_apply_record(wb_map *m, const MDB_val *v, uint64_t *entries)
{
    const unsigned char *p = v->mv_data, *end = p + v->mv_size;
    while (p < end) {
        if ((size_t)(end - p) < WB_ENTRY_HEAD)
            return EINVAL;
        unsigned kind = p[0] & ~WB_DROP;
        bool drop = (p[0] & WB_DROP) != 0;
        uint32_t node = okr_get_be32(p + 1), len = okr_get_be32(p + 5);
        p += WB_ENTRY_HEAD;
        if ((kind != WB_AGG && kind != WB_KR && kind != WB_HEAD) || (size_t)(end - p) < len ||
            (!drop && kind == WB_AGG && len != sizeof(store_agg)) ||
            (!drop && kind == WB_HEAD && len != CI_KEY))
            return EINVAL;
        if (drop)
            wb_erase(m, wb_key(kind, node));
        else
            wb_set(m, wb_key(kind, node), p, len, false);
        p += len;
        if (entries)
            (*entries)++;
    }
    return 0;
}

/* Fill m from every redo record of txn; *last gets the last record's number. */
static int wb_read_log(store *st, MDB_txn *txn, wb_map *m, uint64_t *last, uint64_t *bytes,
                       uint64_t *entries)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, st->redo, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0) {
        if (k.mv_size != 8) {
            rc = EINVAL;
            break;
        }
        if (last)
            *last = okr_get_be64(k.mv_data);
        if (bytes)
            *bytes += v.mv_size;
        rc = wb_apply_record(m, &v, entries);
        if (rc == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static int wb_replay(store *st, MDB_txn *txn, char *err, size_t errlen)
{
    store_writeback *wb = &st->wb;
    wb->live = true;
    st->parents_cache.small = true;            /* one link: 8 bytes, kept in the slot */
    wb->limit_entries = STORE_WB_LIMIT_ENTRIES;
    wb->limit_bytes = STORE_WB_LIMIT_BYTES;
    wb->sweep_entries = STORE_WB_LIMIT_ENTRIES / 2;
    wb->sweep_bytes = STORE_WB_LIMIT_BYTES / 2;
    uint64_t last = 0;
    int rc = wb_read_log(st, txn, &wb->committed, &last, &wb->redo_bytes, &wb->replayed);
    wb->next_redo = last + 1;
    if (rc)
        snprintf(err, errlen, "the redo log of the aggregates is damaged (%s); restore a backup",
                 rc == EINVAL ? "a record does not parse" : mdb_strerror(rc));
    return rc == EINVAL ? MDB_CORRUPTED : rc;
}

static void wb_sweep_end(store_writeback *wb)
{
    free(wb->sweep_keys);
    wb->sweep_keys = NULL;
    wb->sweep_n = wb->sweep_at = 0;
}

static void wb_release(store *st)
{
    wb_free(&st->wb.committed);
    wb_free(&st->wb.pending);
    wb_undo_free(&st->wb.undo);
    wb_sweep_end(&st->wb);
    wb_free(&st->parents_cache);
    free(st->wb.swept);
    st->wb.swept = NULL;
    st->wb.n_swept = st->wb.cap_swept = 0;
}

static void wb_build_view(store_txn *t)
{
    if (!t->st->has_redo)
        return;
    t->view = calloc(1, sizeof *t->view);
    if (t->view == NULL) {
        fail(t, ENOMEM);
        return;
    }
    t->view->borrowed = true;      /* the bytes stay mapped while t is open */
    int rc = wb_read_log(t->st, t->txn, t->view, NULL, NULL, NULL);
    if (rc)
        fail(t, rc == EINVAL ? MDB_CORRUPTED : rc);
}

/* What t sees of key beyond the B-tree: an entry (a value or a drop), or
 * NULL when the B-tree has the last word. */
static const wb_entry *wb_look(const store_txn *t, uint64_t key)
{
    if (t->view)
        return wb_find(t->view, key);
    const store_writeback *wb = &t->st->wb;
    if (!wb->live)
        return NULL;
    if (t->write) {
        const wb_entry *e = wb_find(&wb->pending, key);
        if (e)
            return e;
    }
    return wb_find(&wb->committed, key);
}

/* Change key in the open write transaction's pending table (a nested
 * transaction notes the old entry first, for its abort). Fault injection
 * sees it as the write it stands for. */
static void wb_pending_set(store_txn *t, uint64_t key, const void *bytes, uint32_t len,
                           bool drop)
{
    store_writeback *wb = &t->st->wb;
    int rc = begin_write(t);
    if (rc) {
        fail(t, rc);
        return;
    }
    if (t->parent)
        wb_undo_note(&wb->undo, &wb->pending, key);
    wb_set(&wb->pending, key, bytes, len, drop);
}

/* Put a value: write-through when the record is new, else behind. */
static void wb_put(store_txn *t, unsigned kind, okr_node node, const void *bytes, uint32_t len)
{
    if (failed(t))
        return;
    unsigned char k[4];
    okr_put_be32(k, node);
    if (!t->write || !t->st->wb.live) {
        put_raw(t, wb_dbi(t->st, kind), k, 4, bytes, len, 0);
        t->st->wb.tree_writes++;
        return;
    }
    uint64_t key = wb_key(kind, node);
    const wb_entry *e = wb_look(t, key);
    MDB_val v;
    /* Nothing iterates over the chains' heads: a new one is created behind too. */
    bool exists = kind == WB_HEAD || (e ? !e->drop : get_raw(t, wb_dbi(t->st, kind), k, 4, &v));
    if (failed(t))
        return;
    if (!exists) {
        put_raw(t, wb_dbi(t->st, kind), k, 4, bytes, len, 0);
        t->st->wb.tree_writes++;
        if (e == NULL)
            return;             /* nothing older to override */
    }
    wb_pending_set(t, key, bytes, len, false);
}

/* Delete: in the B-tree, and a drop that voids older values of the key. */
static void wb_del(store_txn *t, unsigned kind, okr_node node)
{
    unsigned char k[4];
    okr_put_be32(k, node);
    del_raw(t, wb_dbi(t->st, kind), k, 4, NULL, 0);
    t->st->wb.tree_writes++;
    if (!failed(t) && t->write && t->st->wb.live)
        wb_pending_set(t, wb_key(kind, node), NULL, 0, true);
}

/* The value t sees; false when there is none. */
static bool wb_get(store_txn *t, unsigned kind, okr_node node, MDB_val *out)
{
    if (failed(t))
        return false;
    const wb_entry *e = wb_look(t, wb_key(kind, node));
    if (e) {
        if (e->drop)
            return false;
        out->mv_size = e->len;
        out->mv_data = (void *)wb_bytes(e);
        return true;
    }
    unsigned char k[4];
    okr_put_be32(k, node);
    return get_raw(t, wb_dbi(t->st, kind), k, 4, out);
}

/* The kind of write-behind database dbi, or 0. */
static unsigned wb_kind_of(const store *st, MDB_dbi dbi)
{
    return dbi == st->agg ? WB_AGG : dbi == st->krs ? WB_KR
         : dbi == st->checkin_heads ? WB_HEAD : 0;
}

/* An entry of the redo record being built. */
static void wb_append_entry(unsigned char **p, const wb_entry *e)
{
    unsigned char *q = *p;
    q[0] = (unsigned char)(wb_key_kind(e->key) | (e->drop ? WB_DROP : 0));
    okr_put_be32(q + 1, wb_key_node(e->key));
    okr_put_be32(q + 5, e->len);
    if (e->len)
        memcpy(q + WB_ENTRY_HEAD, wb_bytes(e), e->len);
    *p = q + WB_ENTRY_HEAD + e->len;
}

/* Write one value back into its B-tree (a drop: the B-tree has it gone). */
static void wb_write_back(store_txn *t, const wb_entry *e)
{
    if (e->drop)
        return;
    unsigned char k[4];
    okr_put_be32(k, wb_key_node(e->key));
    put_raw(t, wb_dbi(t->st, wb_key_kind(e->key)), k, 4, wb_bytes(e), e->len, 0);
    t->st->wb.tree_writes++;
}

/* The checkpoint: every value of the log and of this transaction into the
 * B-trees, in key order (neighbours share pages); then an empty log. */
static void wb_checkpoint(store_txn *t)
{
    store_writeback *wb = &t->st->wb;
    wb_entry **mine = wb_sorted(&wb->pending), **old = wb_sorted(&wb->committed);
    wb->checkpoint_size = 0;
    size_t i = 0, j = 0;
    while (!failed(t) && (i < wb->pending.n || j < wb->committed.n)) {
        if (j == wb->committed.n || (i < wb->pending.n && mine[i]->key <= old[j]->key)) {
            if (j < wb->committed.n && mine[i]->key == old[j]->key)
                j++;                               /* overridden by this transaction */
            wb->checkpoint_size += !mine[i]->drop;
            wb_write_back(t, mine[i++]);
        } else {
            wb->checkpoint_size += !old[j]->drop;
            wb_write_back(t, old[j++]);
        }
    }
    free(mine);
    free(old);
    int rc = failed(t) ? 0 : begin_write(t);
    if (rc == 0 && !failed(t))
        rc = mdb_drop(t->txn, t->st->redo, 0);
    if (rc)
        fail(t, rc);
    wb->flushing_checkpoint = true;
}

/* ------------------------------------------------------------ the sweep
 *
 * A checkpoint writes every value of the log back in one commit: at
 * 1,000,000 nodes some 220,000 values, 0.5-1 s during which every request
 * waits. The sweep spreads that work over commits. Above half the limits a
 * pass begins: it takes the log's keys in key order, and each commit writes
 * the next slice of them back (twice as many as it adds itself, at least
 * WB_SWEEP_MIN) and puts a drop for each in its redo record: the B-tree
 * has the last word on that key again, so a replay forgets its older
 * values. A key the commit changes itself is left to its own record.
 *
 * When the pass has passed every key it began with, each of them has been
 * written back (a drop in a record of the pass), changed again (a newer
 * value in a record of the pass) or deleted (a drop, likewise); keys that
 * came later are in records of the pass too. So the records before the
 * pass's first say nothing the later ones do not override: the commit that
 * ends the pass deletes them. The log a start-up replays stays near half
 * the limits; the full checkpoint stays for the limits themselves and for
 * close. */

#define WB_SWEEP_MIN 64

/* A pass over committed's keys as they are now; false without memory (the
 * full checkpoint then comes at the limits, as without a sweep). */
static bool wb_sweep_begin(store_writeback *wb)
{
    wb->sweep_keys = malloc(wb->committed.n * sizeof *wb->sweep_keys);
    if (wb->sweep_keys == NULL)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < wb->committed.cap; i++)
        if (wb->committed.slots[i].key)
            wb->sweep_keys[n++] = wb->committed.slots[i].key;
    if (!wb_sort_keys(wb->sweep_keys, n)) {
        wb_sweep_end(wb);
        return false;
    }
    wb->sweep_n = n;
    wb->sweep_at = 0;
    wb->sweep_from = wb->next_redo;         /* this commit's record is the pass's first */
    return true;
}

static bool wb_swept_note(store_writeback *wb, uint64_t key)
{
    if (wb->n_swept == wb->cap_swept) {
        size_t cap = wb->cap_swept ? wb->cap_swept * 2 : 256;
        uint64_t *grown = realloc(wb->swept, cap * sizeof *grown);
        if (grown == NULL)
            return false;
        wb->swept = grown;
        wb->cap_swept = cap;
    }
    wb->swept[wb->n_swept++] = key;
    return true;
}

/* The end of a pass: delete the redo records before its first. */
static void wb_trim(store_txn *t)
{
    store_writeback *wb = &t->st->wb;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = begin_write(t);
    if (rc == 0)
        rc = mdb_cursor_open(t->txn, t->st->redo, &cur);
    if (rc) {
        fail(t, rc);
        return;
    }
    rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (rc == 0 && k.mv_size == 8 && okr_get_be64(k.mv_data) < wb->sweep_from) {
        wb->trimmed_bytes += v.mv_size;
        wb->trimmed_count++;
        rc = mdb_cursor_del(cur, 0);
        if (rc == 0)
            rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);   /* after a delete: the next one */
    }
    mdb_cursor_close(cur);
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    else
        wb->sweep_ends = true;
}

/* Before the commit: the pass's next slice, written back in t. */
static void wb_sweep(store_txn *t)
{
    store_writeback *wb = &t->st->wb;
    if (wb->sweep_keys == NULL &&
        (wb->committed.n == 0 ||
         (wb->committed.n < wb->sweep_entries && wb->redo_bytes < wb->sweep_bytes) ||
         !wb_sweep_begin(wb)))
        return;
    size_t quota = 2 * wb->pending.n < WB_SWEEP_MIN ? WB_SWEEP_MIN : 2 * wb->pending.n;
    size_t i = wb->sweep_at;
    while (i < wb->sweep_n && wb->n_swept < quota && !failed(t)) {
        uint64_t key = wb->sweep_keys[i];
        const wb_entry *e = wb_find(&wb->committed, key);
        if (e && !wb_find(&wb->pending, key)) {
            if (!wb_swept_note(wb, key))
                break;                      /* no memory: the rest in a later commit */
            wb_write_back(t, e);
        }
        i++;
    }
    wb->swept_to = i;
    if (i == wb->sweep_n && !failed(t))
        wb_trim(t);
}

/* Before the top-level commit: this transaction's changes as one redo
 * record (with the sweep's slice), or a checkpoint when the log would pass
 * its limits. */
static void wb_flush(store_txn *t)
{
    store_writeback *wb = &t->st->wb;
    wb->flushing_checkpoint = false;
    if (wb->pending.n == 0 &&
        !(wb->checkpoint_next && (wb->committed.n > 0 || wb->redo_bytes > 0)))
        return;             /* (after a sweep the log may hold records of drops only) */
    wb_entry **list = wb_sorted(&wb->pending);
    size_t len = 0;
    for (size_t i = 0; i < wb->pending.n; i++)
        len += WB_ENTRY_HEAD + list[i]->len;
    if (wb->checkpoint_next || wb->committed.n + wb->pending.n > wb->limit_entries ||
        wb->redo_bytes + len > wb->limit_bytes) {
        free(list);
        wb_checkpoint(t);
        return;
    }
    wb_sweep(t);
    len += wb->n_swept * WB_ENTRY_HEAD;
    unsigned char *record = arena_alloc(t->mem, len), *p = record;
    for (size_t i = 0; i < wb->pending.n; i++)
        wb_append_entry(&p, list[i]);
    free(list);
    for (size_t i = 0; i < wb->n_swept; i++)
        wb_append_entry(&p, &(wb_entry){.key = wb->swept[i], .drop = true});
    unsigned char k[8];
    okr_put_be64(k, wb->next_redo);
    put_raw(t, t->st->redo, k, 8, record, len, MDB_APPEND);
}

/* After the top-level commit: the log now holds this transaction's record
 * (committed takes pending), or nothing (a checkpoint). */
static void wb_committed(store *st)
{
    store_writeback *wb = &st->wb;
    if (wb->flushing_checkpoint) {
        wb->checkpoints++;
        wb->written_back += wb->checkpoint_size;
        wb_clear(&wb->committed);
        wb->redo_bytes = 0;
        wb->checkpoint_next = false;
        wb_sweep_end(wb);                   /* nothing left behind to sweep */
        return;
    }
    if (wb->pending.n == 0)
        return;
    for (size_t i = 0; i < wb->n_swept; i++)
        wb_erase(&wb->committed, wb->swept[i]);   /* the B-tree has them now */
    wb->redo_bytes += wb->n_swept * WB_ENTRY_HEAD;
    wb->swept_values += wb->n_swept;
    wb->sweep_at = wb->swept_to;
    if (wb->sweep_ends) {
        wb->redo_bytes -= wb->trimmed_bytes;
        wb->trimmed_records += wb->trimmed_count;
        wb->sweeps++;
        wb_sweep_end(wb);
    }
    for (size_t i = 0; i < wb->pending.cap; i++) {
        wb_entry *e = &wb->pending.slots[i];
        if (e->key == 0)
            continue;
        wb->redo_bytes += WB_ENTRY_HEAD + e->len;
        if (e->drop) {
            wb_erase(&wb->committed, e->key);
        } else {
            wb_move(&wb->committed, e);            /* moved, not copied */
        }
        wb->redo_entries++;
    }
    wb->redo_records++;
    wb->next_redo++;
}

static void wb_txn_end(store_txn *t, bool committed)
{
    if (t->view) {
        wb_free(t->view);
        free(t->view);
        t->view = NULL;
    }
    store_writeback *wb = &t->st->wb;
    if (t->write && wb->live) {
        if (t->parent) {
            if (!committed)
                wb_undo_to(&wb->undo, &wb->pending, t->undo_mark);
        } else {
            if (committed)
                wb_committed(t->st);
            wb_clear(&wb->pending);
            wb_undo_clear(&wb->undo);
            wb->flushing_checkpoint = false;
            t->st->edges_changed = false;   /* the cache is the last commit's again */
            wb->n_swept = 0;                /* an aborted slice: the pass stays where it was */
            wb->sweep_ends = false;
            wb->trimmed_bytes = wb->trimmed_count = 0;
        }
    }
    t->write = false;           /* ended: a second end changes nothing */
}

uint64_t store_pages_rewritten(store *st)
{
    MDB_envinfo info;
    MDB_txn *txn;
    MDB_cursor *cur;
    uint64_t pages = 0;
    if (mdb_env_info(st->env, &info) != 0 || mdb_txn_begin(st->env, NULL, MDB_RDONLY, &txn) != 0)
        return 0;
    if (mdb_cursor_open(txn, 0, &cur) == 0) {     /* 0: LMDB's free-page database */
        size_t id = info.me_last_txnid;
        MDB_val k = {sizeof id, &id}, v;
        if (mdb_cursor_get(cur, &k, &v, MDB_SET) == 0 && v.mv_size >= sizeof(size_t))
            memcpy(&id, v.mv_data, sizeof id);    /* the page list's first word: its length */
        else
            id = 0;
        pages = id;
        mdb_cursor_close(cur);
    }
    mdb_txn_abort(txn);
    return pages;
}

int store_checkpoint(store *st)
{
    if (!st->wb.live)
        return 0;
    arena mem;
    arena_init(&mem);
    store_txn t;
    st->wb.checkpoint_next = true;
    store_txn_begin(&t, st, NULL, true, &mem);
    int rc = store_txn_commit(&t);
    st->wb.checkpoint_next = false;
    arena_free(&mem);
    return rc;
}

/* ------------------------------------------------------------ records */

Okr__Objective *store_get_objective(store_txn *t, okr_node id)
{
    unsigned char k[4];
    okr_put_be32(k, id);
    return get_msg(t, t->st->objectives, k, 4, &okr__objective__descriptor);
}

void store_put_objective(store_txn *t, okr_node id, const Okr__Objective *o)
{
    unsigned char k[4];
    okr_put_be32(k, id);
    put_msg(t, t->st->objectives, k, 4, &o->base);
}

void store_del_objective(store_txn *t, okr_node id)
{
    unsigned char k[4];
    okr_put_be32(k, id);
    del_raw(t, t->st->objectives, k, 4, NULL, 0);
}

/* KR records are written behind like the aggregates: a check-in rewrites
 * its KR (current value, confidence, count), one more random page of a
 * B-tree as large as the organisation. */
Okr__KeyResult *store_get_kr(store_txn *t, okr_node id)
{
    MDB_val v;
    if (!wb_get(t, WB_KR, id, &v))
        return NULL;
    return store_unpack(t, &okr__key_result__descriptor, &v);
}

void store_put_kr(store_txn *t, okr_node id, const Okr__KeyResult *kr)
{
    if (failed(t))
        return;
    size_t len = protobuf_c_message_get_packed_size(&kr->base);
    unsigned char *bytes = arena_alloc(t->mem, len ? len : 1);
    protobuf_c_message_pack(&kr->base, bytes);
    wb_put(t, WB_KR, id, bytes, (uint32_t)len);
}

void store_del_kr(store_txn *t, okr_node id)
{
    wb_del(t, WB_KR, id);
}

Okr__Period *store_get_period(store_txn *t, const char *name)
{
    return get_msg(t, t->st->periods, name, strlen(name), &okr__period__descriptor);
}

void store_put_period(store_txn *t, const Okr__Period *p)
{
    put_msg(t, t->st->periods, p->name, strlen(p->name), &p->base);
}

Okr__Team *store_get_team(store_txn *t, const char *name)
{
    return get_msg(t, t->st->teams, name, strlen(name), &okr__team__descriptor);
}

void store_put_team(store_txn *t, const Okr__Team *team)
{
    put_msg(t, t->st->teams, team->name, strlen(team->name), &team->base);
}

Okr__User *store_get_user(store_txn *t, const char *name)
{
    if (!t->st->has_users)
        return NULL;
    return get_msg(t, t->st->users, name, strlen(name), &okr__user__descriptor);
}

void store_put_user(store_txn *t, const Okr__User *u)
{
    put_msg(t, t->st->users, u->name, strlen(u->name), &u->base);
}

void store_del_user(store_txn *t, const char *name)
{
    del_raw(t, t->st->users, name, strlen(name), NULL, 0);
}

typedef struct {
    store_txn *t;
    Okr__User **users;
    size_t n, cap;
} users_ctx;

static bool collect_user(void *ctx, const MDB_val *key, const MDB_val *val)
{
    (void)key;
    users_ctx *u = ctx;
    if (u->n == u->cap)
        return false;
    Okr__User *rec = store_unpack(u->t, &okr__user__descriptor, val);
    if (rec)
        u->users[u->n++] = rec;
    return rec != NULL;
}

size_t store_users(store_txn *t, Okr__User ***out)
{
    *out = NULL;
    if (!t->st->has_users)
        return 0;
    uint64_t count = store_count(t, t->st->users);
    if (count == 0)
        return 0;
    users_ctx u = {t, ARENA_ARRAY(t->mem, Okr__User *, count), 0, (size_t)count};
    store_foreach(t, t->st->users, collect_user, &u);
    *out = u.users;
    return u.n;
}

okr_node store_next_id(store_txn *t, bool kr)
{
    const char *name = kr ? "next_k" : "next_o";
    MDB_val v;
    uint32_t last = 0;
    if (get_raw(t, t->st->meta, name, 6, &v) && v.mv_size == 4)
        last = okr_get_be32(v.mv_data);
    if (last >= OKR_NODE_MAX_NUM) {
        fail(t, EOVERFLOW);           /* the id space is used up: no map growth helps */
        return 0;
    }
    unsigned char buf[4];
    okr_put_be32(buf, last + 1);
    put_raw(t, t->st->meta, name, 6, buf, 4, 0);
    return kr ? okr_node_kr(last + 1) : okr_node_objective(last + 1);
}

/* ------------------------------------------------------------ aggregates */

bool store_get_agg(store_txn *t, okr_node node, store_agg *out)
{
    MDB_val v;
    t->st->agg_reads++;
    if (!wb_get(t, WB_AGG, node, &v))
        return false;
    if (v.mv_size != sizeof *out) {
        fail(t, EINVAL);
        return false;
    }
    memcpy(out, v.mv_data, sizeof *out);
    return true;
}

void store_put_agg(store_txn *t, okr_node node, const store_agg *a)
{
    t->st->agg_writes++;
    wb_put(t, WB_AGG, node, a, sizeof *a);
}

void store_del_agg(store_txn *t, okr_node node)
{
    wb_del(t, WB_AGG, node);
}

/* ------------------------------------------------------------ edges */

static void edge_value(unsigned char *v, okr_node node, uint32_t weight)
{
    okr_put_be32(v, node);
    okr_put_be32(v + 4, weight);
}

/* Find the duplicate of `key` whose value starts with `node`; fills weight. */
static bool find_dup(store_txn *t, MDB_dbi dbi, okr_node key, okr_node node, uint32_t *weight)
{
    if (failed(t))
        return false;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, dbi, &cur);
    if (rc) {
        fail(t, rc);
        return false;
    }
    unsigned char kb[4], vb[EDGE_VALUE_BYTES];
    okr_put_be32(kb, key);
    edge_value(vb, node, 0);
    MDB_val k = {4, kb}, v = {EDGE_VALUE_BYTES, vb};
    rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH_RANGE);
    bool found = rc == 0 && v.mv_size == EDGE_VALUE_BYTES &&
                 okr_get_be32(v.mv_data) == node;
    if (found && weight)
        *weight = okr_get_be32((unsigned char *)v.mv_data + 4);
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    mdb_cursor_close(cur);
    return found;
}

bool store_get_edge(store_txn *t, okr_node child, okr_node parent, uint32_t *weight)
{
    return find_dup(t, t->st->up, child, parent, weight);
}

/* An edge of child is written in t: its cached parents are void, and no
 * transaction fills the cache until t's top-level transaction ends (it
 * reads its own uncommitted edges). */
static void parents_forget(store_txn *t, okr_node child)
{
    t->st->edges_changed = true;
    wb_erase(&t->st->parents_cache, wb_key(STORE_PARENTS_KIND, child));
}

void store_del_edge(store_txn *t, okr_node child, okr_node parent)
{
    uint32_t w;
    if (!store_get_edge(t, child, parent, &w))
        return;
    parents_forget(t, child);
    unsigned char kc[4], kp[4], vup[EDGE_VALUE_BYTES], vdown[EDGE_VALUE_BYTES];
    okr_put_be32(kc, child);
    okr_put_be32(kp, parent);
    edge_value(vup, parent, w);
    edge_value(vdown, child, w);
    del_raw(t, t->st->up, kc, 4, vup, EDGE_VALUE_BYTES);
    del_raw(t, t->st->down, kp, 4, vdown, EDGE_VALUE_BYTES);
}

void store_put_edge(store_txn *t, okr_node child, okr_node parent, uint32_t weight)
{
    store_del_edge(t, child, parent);
    parents_forget(t, child);
    unsigned char kc[4], kp[4], vup[EDGE_VALUE_BYTES], vdown[EDGE_VALUE_BYTES];
    okr_put_be32(kc, child);
    okr_put_be32(kp, parent);
    edge_value(vup, parent, weight);
    edge_value(vdown, child, weight);
    put_raw(t, t->st->up, kc, 4, vup, EDGE_VALUE_BYTES, 0);
    put_raw(t, t->st->down, kp, 4, vdown, EDGE_VALUE_BYTES, 0);
}

/* All duplicates of key in a DUPSORT|DUPFIXED database whose values are
 * `words` be32 words each (edges 2, index entries 1), decoded into one arena
 * array of n * words; returns n, the number of values (*out NULL when 0).
 * DUPFIXED lets us read them a page at a time. */
static size_t dup_words(store_txn *t, MDB_dbi dbi, const void *key, size_t klen,
                        size_t words, uint32_t **out)
{
    *out = NULL;
    if (failed(t))
        return 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, dbi, &cur);
    if (rc) {
        fail(t, rc);
        return 0;
    }
    const size_t vsize = words * 4;
    MDB_val k = {klen, (void *)key}, v;
    size_t count = 0;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_KEY);
    if (rc == 0) {
        size_t n;
        rc = mdb_cursor_count(cur, &n);
        if (rc == 0) {
            uint32_t *w = ARENA_ARRAY(t->mem, uint32_t, n * words);
            rc = mdb_cursor_get(cur, &k, &v, MDB_GET_MULTIPLE);
            while (rc == 0) {
                const unsigned char *p = v.mv_data;
                for (size_t i = 0; i + vsize <= v.mv_size && count < n; i += vsize, count++)
                    for (size_t j = 0; j < words; j++)
                        w[count * words + j] = okr_get_be32(p + i + 4 * j);
                rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT_MULTIPLE);
            }
            *out = count ? w : NULL;
        }
    }
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    mdb_cursor_close(cur);
    return count;
}

/* All duplicates of key as links. */
static size_t links_of(store_txn *t, MDB_dbi dbi, okr_node key, store_link **out)
{
    unsigned char kb[4];
    uint32_t *w;
    okr_put_be32(kb, key);
    size_t n = dup_words(t, dbi, kb, sizeof kb, EDGE_VALUE_BYTES / 4, &w);
    *out = n ? ARENA_ARRAY(t->mem, store_link, n) : NULL;
    for (size_t i = 0; i < n; i++)
        (*out)[i] = (store_link){.node = w[2 * i], .weight = w[2 * i + 1]};
    return n;
}

/* Whether t may use the parents cache: a writer store's write transaction
 * (the cache holds the last commit's edges, which is what it reads unless
 * it wrote an edge itself). Readers, whose snapshot may be older, do not. */
static bool parents_cacheable(const store_txn *t)
{
    return t->write && t->st->wb.live && t->view == NULL;
}

size_t store_parents(store_txn *t, okr_node child, store_link **out)
{
    if (!parents_cacheable(t))
        return links_of(t, t->st->up, child, out);
    store *st = t->st;
    uint64_t key = wb_key(STORE_PARENTS_KIND, child);
    const wb_entry *e = st->edges_changed ? NULL : wb_find(&st->parents_cache, key);
    if (e && !failed(t)) {
        st->parents_hits++;
        size_t n = e->len / sizeof(store_link);
        *out = n ? ARENA_ARRAY(t->mem, store_link, n) : NULL;
        if (n)
            memcpy(*out, wb_bytes(e), e->len);
        return n;
    }
    size_t n = links_of(t, st->up, child, out);
    if (failed(t) || st->edges_changed)
        return n;
    if (st->parents_cache.n >= STORE_PARENTS_CACHE)
        wb_clear(&st->parents_cache);              /* bounded: start again */
    wb_set(&st->parents_cache, key, *out, (uint32_t)(n * sizeof(store_link)), false);
    return n;
}

size_t store_children(store_txn *t, okr_node parent, store_link **out)
{
    return links_of(t, t->st->down, parent, out);
}

/* ------------------------------------------------------------ check-ins
 *
 * Every check-in is appended once to `checkin_log` (st->checkins), keyed by
 * its place in the log: be64 seq . be32 n, n numbering the check-ins of one
 * request (0, or an import's count). A new check-in goes to the rightmost
 * page whatever its KR; keyed by KR it was a random leaf of a B-tree as
 * large as the history, one more page per check-in and commit. The value:
 *
 *   prev key[12] . flags[1] . be32 kr . be64 time . packed Okr__CheckIn
 *
 * A KR's check-ins in (time, seq) order, newest first, are the merge of
 * - its chain: checkin_heads[kr] (written behind: it changes with every
 *   check-in) is the key of its newest chained check-in, each record's prev
 *   the one before it (keys strictly descend). A check-in joins the chain
 *   when it is not older than the KR's newest (in_order), so the chain read
 *   back is (time, seq) descending; records flagged LATE are skipped;
 * - checkin_late: (kr, time, key) for each check-in that came older than
 *   the newest (backdated), or whose time an edit changed (flag LATE).
 * A deleted chained check-in that is not the head leaves its prev in
 * checkin_gone, so the chain stays walkable. */

#define CI_HEAD (CI_KEY + 1 + 4 + 8)
#define CI_LATE_KEY (4 + 8 + CI_KEY)
#define CI_CHAINED 1u            /* in the KR's chain (its prev is valid) */
#define CI_LATE 2u               /* read from checkin_late, not from the chain */

typedef struct {
    unsigned char b[CI_KEY];     /* be64 seq . be32 n; all zero: none */
} ci_key;

typedef struct {
    ci_key key, prev;
    unsigned flags;
    okr_node kr;
    int64_t time;
    MDB_val packed;              /* the Okr__CheckIn, in LMDB's page */
} ci_rec;

static bool ci_none(const ci_key *k)
{
    static const ci_key zero;
    return memcmp(k, &zero, sizeof zero) == 0;
}

static uint64_t ci_seq(const ci_key *k) { return okr_get_be64(k->b); }

static ci_key ci_make_key(uint64_t seq, uint32_t n)
{
    ci_key k;
    okr_put_be64(k.b, seq);
    okr_put_be32(k.b + 8, n);
    return k;
}

/* Decode a log entry; false (and a damaged store) when it does not parse. */
static bool ci_decode(store_txn *t, const MDB_val *k, const MDB_val *v, ci_rec *r)
{
    if (k->mv_size != CI_KEY || v->mv_size < CI_HEAD) {
        fail(t, MDB_CORRUPTED);
        return false;
    }
    const unsigned char *p = v->mv_data;
    memcpy(r->key.b, k->mv_data, CI_KEY);
    memcpy(r->prev.b, p, CI_KEY);
    r->flags = p[CI_KEY];
    r->kr = okr_get_be32(p + CI_KEY + 1);
    r->time = (int64_t)okr_get_be64(p + CI_KEY + 5);
    r->packed = (MDB_val){v->mv_size - CI_HEAD, (void *)(p + CI_HEAD)};
    return true;
}

static bool ci_read(store_txn *t, const ci_key *key, ci_rec *r)
{
    MDB_val v;
    MDB_val k = {CI_KEY, (void *)key->b};
    return get_raw(t, t->st->checkins, key->b, CI_KEY, &v) && ci_decode(t, &k, &v, r);
}

static void ci_put_header(unsigned char *p, const ci_rec *r)
{
    memcpy(p, r->prev.b, CI_KEY);
    p[CI_KEY] = (unsigned char)r->flags;
    okr_put_be32(p + CI_KEY + 1, r->kr);
    okr_put_be64(p + CI_KEY + 5, (uint64_t)r->time);
}

/* Write r (header from r, body c) at r->key; append when it is the last. */
static void ci_write(store_txn *t, const ci_rec *r, const Okr__CheckIn *c, unsigned flags)
{
    if (failed(t))
        return;
    size_t len = protobuf_c_message_get_packed_size(&c->base);
    MDB_val k = {CI_KEY, (void *)r->key.b}, v = {CI_HEAD + len, NULL};
    int rc = begin_write(t);
    if (rc == 0)
        rc = mdb_put(t->txn, t->st->checkins, &k, &v, MDB_RESERVE | flags);
    if (rc) {
        fail(t, rc);
        return;
    }
    ci_put_header(v.mv_data, r);
    protobuf_c_message_pack(&c->base, (unsigned char *)v.mv_data + CI_HEAD);
}

static bool ci_head(store_txn *t, okr_node kr, ci_key *out)
{
    MDB_val v;
    if (!wb_get(t, WB_HEAD, kr, &v))
        return false;
    if (v.mv_size != CI_KEY) {
        fail(t, MDB_CORRUPTED);
        return false;
    }
    memcpy(out->b, v.mv_data, CI_KEY);
    return true;
}

static void ci_set_head(store_txn *t, okr_node kr, const ci_key *k)
{
    if (ci_none(k))
        wb_del(t, WB_HEAD, kr);
    else
        wb_put(t, WB_HEAD, kr, k->b, CI_KEY);
}

static void ci_late_key(unsigned char *lk, okr_node kr, int64_t time, const ci_key *key)
{
    okr_put_be32(lk, kr);
    okr_put_be64(lk + 4, (uint64_t)time);
    memcpy(lk + 12, key->b, CI_KEY);
}

static void ci_put_late(store_txn *t, okr_node kr, int64_t time, const ci_key *key)
{
    unsigned char lk[CI_LATE_KEY];
    ci_late_key(lk, kr, time, key);
    put_raw(t, t->st->checkin_late, lk, sizeof lk, "", 0, 0);
}

static void ci_del_late(store_txn *t, okr_node kr, int64_t time, const ci_key *key)
{
    unsigned char lk[CI_LATE_KEY];
    ci_late_key(lk, kr, time, key);
    del_raw(t, t->st->checkin_late, lk, sizeof lk, NULL, 0);
}

/* In *key, the key the next check-in of seq gets (n one past the last of
 * that seq, 0 for its first), and whether it is the log's last
 * (MDB_APPEND). Returns an LMDB error, or 0. */
static int ci_next_raw(MDB_txn *txn, MDB_dbi log, uint64_t seq, ci_key *key, bool *last)
{
    MDB_cursor *cur;
    *key = ci_make_key(seq, 0);
    *last = false;
    int rc = mdb_cursor_open(txn, log, &cur);
    if (rc)
        return rc;
    ci_key past = ci_make_key(seq + 1, 0);
    MDB_val k = {CI_KEY, past.b}, v;
    rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    *last = rc == MDB_NOTFOUND;
    rc = mdb_cursor_get(cur, &k, &v, *last ? MDB_LAST : MDB_PREV);
    if (rc == 0 && k.mv_size == CI_KEY && okr_get_be64(k.mv_data) == seq)
        *key = ci_make_key(seq, okr_get_be32((const unsigned char *)k.mv_data + 8) + 1);
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

static ci_key ci_next_key(store_txn *t, uint64_t seq, bool *last)
{
    ci_key key = ci_make_key(seq, 0);
    *last = false;
    int rc = failed(t) ? t->rc : ci_next_raw(t->txn, t->st->checkins, seq, &key, last);
    if (rc)
        fail(t, rc);
    return key;
}

void store_add_checkin(store_txn *t, okr_node kr, const Okr__CheckIn *c, bool in_order)
{
    bool last;
    ci_rec r = {.key = ci_next_key(t, c->seq, &last), .kr = kr, .time = c->time};
    if (in_order) {
        r.flags = CI_CHAINED;
        ci_head(t, kr, &r.prev);              /* none: the chain starts here */
        ci_set_head(t, kr, &r.key);
    } else {
        r.flags = CI_LATE;
        ci_put_late(t, kr, c->time, &r.key);
    }
    ci_write(t, &r, c, last ? MDB_APPEND : 0);
}

/* ---- reading a KR's check-ins back: the chain merged with the late ones */

/* One link down a chain: from the record (or deleted one) at *at, go to
 * *link. Returns CI_RECORD with that record in r, CI_GONE for a deleted
 * one, CI_END at the chain's start or on damage. Either way *at is the
 * place reached and *link the next link. Links must go to smaller keys (so
 * a damaged chain fails instead of looping). */
typedef enum { CI_END, CI_RECORD, CI_GONE } ci_place;

static ci_place ci_link(store_txn *t, ci_key *at, ci_key *link, ci_rec *r)
{
    if (failed(t) || ci_none(link))
        return CI_END;
    if (memcmp(link->b, at->b, CI_KEY) >= 0) {
        fail(t, MDB_CORRUPTED);
        return CI_END;
    }
    *at = *link;
    if (ci_read(t, at, r)) {
        *link = r->prev;
        return CI_RECORD;
    }
    MDB_val v;
    if (failed(t) || !get_raw(t, t->st->checkin_gone, at->b, CI_KEY, &v) ||
        v.mv_size != CI_KEY) {
        fail(t, MDB_CORRUPTED);              /* a link that leads nowhere */
        return CI_END;
    }
    memcpy(link->b, v.mv_data, CI_KEY);
    return CI_GONE;
}

/* From the link `link` of the record at `at`, the next chained record
 * that is not LATE, into r; false at the chain's start. */
static bool ci_chain_step(store_txn *t, ci_key at, ci_key link, ci_rec *r)
{
    for (;;) {
        ci_place p = ci_link(t, &at, &link, r);
        if (p == CI_END)
            return false;
        if (p == CI_RECORD && !(r->flags & CI_LATE))
            return true;
    }
}

/* The newest chained record of kr. */
static bool ci_chain_first(store_txn *t, okr_node kr, ci_rec *r)
{
    ci_key head, top;
    memset(top.b, 0xff, CI_KEY);
    return ci_head(t, kr, &head) && ci_chain_step(t, top, head, r);
}

/* The late record the cursor is on, if it is kr's. */
static bool ci_late_here(store_txn *t, int rc, const MDB_val *k, okr_node kr, ci_rec *r)
{
    if (rc == MDB_NOTFOUND)
        return false;
    if (rc) {
        fail(t, rc);
        return false;
    }
    if (k->mv_size != CI_LATE_KEY || okr_get_be32(k->mv_data) != kr)
        return false;
    ci_key key;
    memcpy(key.b, (const unsigned char *)k->mv_data + 12, CI_KEY);
    if (!ci_read(t, &key, r)) {
        fail(t, MDB_CORRUPTED);
        return false;
    }
    return true;
}

/* (time, seq) of a newer than b's. */
static bool ci_newer(const ci_rec *a, const ci_rec *b)
{
    if (a->time != b->time)
        return a->time > b->time;
    return memcmp(a->key.b, b->key.b, CI_KEY) > 0;
}

typedef bool (*checkin_step_fn)(void *ctx, const ci_rec *r);

/* Walk kr's check-ins newest first, by (time, seq): fn gets each until it
 * returns false. */
static void walk_checkins_back(store_txn *t, okr_node kr, checkin_step_fn fn, void *ctx)
{
    MDB_cursor *cur;
    int rc = failed(t) ? t->rc : mdb_cursor_open(t->txn, t->st->checkin_late, &cur);
    if (rc) {
        fail(t, rc);
        return;
    }
    /* The late ones: from the last key of kr's range back. */
    unsigned char kb[CI_LATE_KEY] = {0};
    MDB_val k = {sizeof kb, kb}, v;
    rc = MDB_NOTFOUND;
    if (kr != UINT32_MAX) {
        okr_put_be32(kb, kr + 1);
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    if (rc == 0)
        rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
    else if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    ci_rec chain, late;
    bool has_late = ci_late_here(t, rc, &k, kr, &late);
    bool has_chain = ci_chain_first(t, kr, &chain);
    while (!failed(t) && (has_chain || has_late)) {
        if (has_chain && (!has_late || ci_newer(&chain, &late))) {
            if (!fn(ctx, &chain))
                break;
            has_chain = ci_chain_step(t, chain.key, chain.prev, &chain);
        } else {
            if (!fn(ctx, &late))
                break;
            rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
            has_late = ci_late_here(t, rc, &k, kr, &late);
        }
    }
    mdb_cursor_close(cur);
}

typedef struct {
    store_txn *t;
    Okr__CheckIn **list;
    size_t n, limit;
} checkin_take;

/* The check-in of r, its n (its id's second half) from the key. */
static Okr__CheckIn *ci_unpack(store_txn *t, const ci_rec *r)
{
    Okr__CheckIn *c = store_unpack(t, &okr__check_in__descriptor, &r->packed);
    if (c) {
        c->n = okr_get_be32(r->key.b + 8);
        c->has_n = c->n > 0;
    }
    return c;
}

static bool take_checkin(void *ctx, const ci_rec *r)
{
    checkin_take *c = ctx;
    Okr__CheckIn *ci = ci_unpack(c->t, r);
    if (ci == NULL)
        return false;
    c->list[c->n++] = ci;
    return c->n < c->limit;
}

size_t store_checkins(store_txn *t, okr_node kr, size_t limit, Okr__CheckIn ***out)
{
    *out = NULL;
    if (failed(t) || limit == 0)
        return 0;
    checkin_take c = {t, ARENA_ARRAY(t->mem, Okr__CheckIn *, limit), 0, limit};
    walk_checkins_back(t, kr, take_checkin, &c);
    for (size_t i = 0; i < c.n / 2; i++) {      /* newest-first -> oldest-first */
        Okr__CheckIn *tmp = c.list[i];
        c.list[i] = c.list[c.n - 1 - i];
        c.list[c.n - 1 - i] = tmp;
    }
    *out = c.list;
    return c.n;
}

/* Delete the record r and its late key; its chain link stays walkable. */
static void ci_remove(store_txn *t, const ci_rec *r)
{
    if (r->flags & CI_LATE)
        ci_del_late(t, r->kr, r->time, &r->key);
    if (r->flags & CI_CHAINED) {
        ci_key head;
        if (ci_head(t, r->kr, &head) && memcmp(head.b, r->key.b, CI_KEY) == 0)
            ci_set_head(t, r->kr, &r->prev);     /* the newest: the chain gets shorter */
        else
            put_raw(t, t->st->checkin_gone, r->key.b, CI_KEY, r->prev.b, CI_KEY, 0);
    }
    del_raw(t, t->st->checkins, r->key.b, CI_KEY, NULL, 0);
}

void store_del_checkins(store_txn *t, okr_node kr)
{
    /* The chain, newest first: every record and deleted link on it. */
    ci_key at, link = {{0}};
    memset(at.b, 0xff, CI_KEY);
    if (ci_head(t, kr, &link))
        ci_set_head(t, kr, &(ci_key){{0}});
    ci_rec r;
    for (ci_place p; (p = ci_link(t, &at, &link, &r)) != CI_END;) {
        if (p == CI_RECORD && (r.flags & CI_LATE))
            ci_del_late(t, kr, r.time, &r.key);
        del_raw(t, p == CI_RECORD ? t->st->checkins : t->st->checkin_gone, at.b, CI_KEY,
                NULL, 0);
    }
    /* Then the late ones that never were in the chain. */
    MDB_cursor *cur;
    int rc = failed(t) ? t->rc : mdb_cursor_open(t->txn, t->st->checkin_late, &cur);
    if (rc) {
        fail(t, rc);
        return;
    }
    unsigned char kb[CI_LATE_KEY] = {0};
    okr_put_be32(kb, kr);
    MDB_val k = {sizeof kb, kb}, v;
    while (!failed(t) && (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE)) == 0 &&
           k.mv_size == CI_LATE_KEY && okr_get_be32(k.mv_data) == kr) {
        unsigned char key[CI_KEY];
        memcpy(key, (const unsigned char *)k.mv_data + 12, CI_KEY);
        del_raw(t, t->st->checkins, key, CI_KEY, NULL, 0);
        rc = begin_write(t);
        if (rc == 0)
            rc = mdb_cursor_del(cur, 0);
        if (rc)
            fail(t, rc);
        k = (MDB_val){sizeof kb, kb};
    }
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    mdb_cursor_close(cur);
}

/* ---- one check-in by its id: its log key (seq . n) */

/* The record of check-in c (as store_get_checkin gave it) of kr, or false
 * (and MDB_NOTFOUND) when kr holds no such one. */
static bool ci_find(store_txn *t, okr_node kr, const Okr__CheckIn *c, ci_rec *out)
{
    ci_key key = ci_make_key(c->seq, c->n);
    if (ci_read(t, &key, out) && out->kr == kr)
        return true;
    fail(t, failed(t) ? t->rc : MDB_NOTFOUND);
    return false;
}

Okr__CheckIn *store_get_checkin(store_txn *t, uint64_t seq, uint32_t n, okr_node *kr)
{
    ci_rec r;
    ci_key key = ci_make_key(seq, n);
    Okr__CheckIn *c = ci_read(t, &key, &r) ? ci_unpack(t, &r) : NULL;
    if (c && kr)
        *kr = r.kr;
    return c;
}

void store_replace_checkin(store_txn *t, okr_node kr, const Okr__CheckIn *old,
                           const Okr__CheckIn *now)
{
    ci_rec r;
    if (!ci_find(t, kr, old, &r))
        return;
    if (now->time != r.time) {               /* out of the chain's order: late */
        if (r.flags & CI_LATE)
            ci_del_late(t, kr, r.time, &r.key);
        r.flags |= CI_LATE;
        r.time = now->time;
        ci_put_late(t, kr, r.time, &r.key);
    }
    ci_write(t, &r, now, 0);
}

void store_del_checkin(store_txn *t, okr_node kr, const Okr__CheckIn *c)
{
    ci_rec r;
    if (ci_find(t, kr, c, &r))
        ci_remove(t, &r);
}

typedef struct {
    store_txn *t;
    bool count;
    store_checkin_summary *out;
} checkin_summing;

static bool sum_step(void *ctx, const ci_rec *r)
{
    checkin_summing *s = ctx;
    if (s->count)
        s->out->count++;
    if (s->out->newest != NULL && s->out->confident != NULL)
        return s->count;                  /* the rest only count */
    Okr__CheckIn *c = ci_unpack(s->t, r);
    if (c == NULL)
        return false;
    if (s->out->newest == NULL)
        s->out->newest = c;
    if (s->out->confident == NULL && c->has_confidence)
        s->out->confident = c;
    return s->count || s->out->confident == NULL;
}

void store_summarize_checkins(store_txn *t, okr_node kr, bool count,
                              store_checkin_summary *out)
{
    *out = (store_checkin_summary){0};
    checkin_summing s = {.t = t, .count = count, .out = out};
    walk_checkins_back(t, kr, sum_step, &s);
}

/* Schema 2 kept check-ins in `checkins` keyed be32 kr . be64 time . be64 seq
 * -> packed Okr__CheckIn. Convert them in the open's transaction: per KR in
 * time order, each chained, or late when its seq is below the chain's
 * newest (chain keys must descend); then drop the old database. */
/* One old record into the log; *newest is the chain's newest key of KR
 * *kr (none at a new KR). */
static int upgrade_one(store *st, MDB_txn *txn, const MDB_val *k, const MDB_val *v,
                       okr_node *kr, ci_key *newest)
{
    ci_rec r = {.kr = okr_get_be32(k->mv_data)};
    if (r.kr != *kr)
        *newest = (ci_key){{0}};
    *kr = r.kr;
    r.time = (int64_t)okr_get_be64((const unsigned char *)k->mv_data + 4);
    bool last;                /* n: 0, or one past the last of its seq (an import's) */
    int rc = ci_next_raw(txn, st->checkins, okr_get_be64((const unsigned char *)k->mv_data + 12),
                         &r.key, &last);
    if (rc)
        return rc;
    bool chained = ci_none(newest) || memcmp(r.key.b, newest->b, CI_KEY) > 0;
    r.flags = chained ? CI_CHAINED : CI_LATE;
    if (chained)
        r.prev = *newest;
    unsigned char *buf = malloc(CI_HEAD + v->mv_size);
    if (buf == NULL)
        return ENOMEM;
    ci_put_header(buf, &r);
    memcpy(buf + CI_HEAD, v->mv_data, v->mv_size);
    MDB_val nk = {CI_KEY, r.key.b}, nv = {CI_HEAD + v->mv_size, buf};
    rc = mdb_put(txn, st->checkins, &nk, &nv, MDB_NOOVERWRITE);
    free(buf);
    unsigned char kb[4], lk[CI_LATE_KEY];
    okr_put_be32(kb, r.kr);
    ci_late_key(lk, r.kr, r.time, &r.key);
    MDB_val hk = {4, kb}, hv = {CI_KEY, r.key.b}, lkv = {CI_LATE_KEY, lk}, empty = {0, ""};
    if (!rc && chained)
        rc = mdb_put(txn, st->checkin_heads, &hk, &hv, 0);
    else if (!rc)
        rc = mdb_put(txn, st->checkin_late, &lkv, &empty, 0);
    if (chained)
        *newest = r.key;
    return rc;
}

static int upgrade_checkins(store *st, MDB_txn *txn, char *err, size_t errlen)
{
    MDB_dbi old;
    MDB_cursor *cur;
    int rc = mdb_dbi_open(txn, "checkins", 0, &old);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (!rc) rc = mdb_cursor_open(txn, old, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    okr_node kr = 0;
    ci_key newest = {{0}};
    uint64_t converted = 0;
    while (!rc && (rc = mdb_cursor_get(cur, &k, &v, converted ? MDB_NEXT : MDB_FIRST)) == 0) {
        if (k.mv_size != 20) {
            snprintf(err, errlen, "a schema %u check-in key has %zu bytes, not 20: the data is "
                     "damaged; restore a backup", st->upgraded_from, k.mv_size);
            rc = MDB_CORRUPTED;
            break;
        }
        rc = upgrade_one(st, txn, &k, &v, &kr, &newest);
        converted++;
    }
    mdb_cursor_close(cur);
    if (rc == MDB_NOTFOUND)
        rc = mdb_drop(txn, old, 1);
    if (!rc)
        log_info("store: schema %u's check-ins moved to the check-in log (%llu)",
                 st->upgraded_from, (unsigned long long)converted);
    return rc;
}

/* Schema 4 added by_owner: list every objective under its owner and period
 * and every KR whose own owner differs from its objective's under that
 * owner and its objective's period (ops_due.c, owner_index_kr). Reads the B-trees, so the write-behind must be
 * checkpointed first. A record that does not parse is left out (okrd
 * --verify names it). */
static void *unpack_raw(MDB_txn *txn, MDB_dbi dbi, const ProtobufCMessageDescriptor *d,
                        okr_node id)
{
    unsigned char kb[4];
    okr_put_be32(kb, id);
    MDB_val k = {4, kb}, v;
    if (mdb_get(txn, dbi, &k, &v) != 0)
        return NULL;
    return protobuf_c_message_unpack(d, NULL, v.mv_size, v.mv_data);
}

static int owner_entry(store *st, MDB_txn *txn, const char *owner, const char *period,
                       okr_node id, uint64_t *n)
{
    char key[STORE_OWNER_KEY_MAX];
    size_t klen = owner_key(key, owner, period);
    if (klen == 0)
        return 0;
    unsigned char vb[4];
    okr_put_be32(vb, id);
    MDB_val k = {klen, key}, v = {4, vb};
    int rc = injected(st, STORE_FAULT_WRITE);
    if (!rc) rc = mdb_put(txn, st->by_owner, &k, &v, MDB_NODUPDATA);
    *n += rc == 0;
    return rc == MDB_KEYEXIST ? 0 : rc;
}

static int index_owner_of(store *st, MDB_txn *txn, okr_node id, uint64_t *n)
{
    int rc = 0;
    if (!okr_node_is_kr(id)) {
        Okr__Objective *o = unpack_raw(txn, st->objectives, &okr__objective__descriptor, id);
        if (o)
            rc = owner_entry(st, txn, o->owner, o->period, id, n);
        okr__objective__free_unpacked(o, NULL);
        return rc;
    }
    Okr__KeyResult *kr = unpack_raw(txn, st->krs, &okr__key_result__descriptor, id);
    okr_node obj;
    if (kr && kr->owner && kr->owner[0] && okr_id_parse(kr->objective, &obj)) {
        Okr__Objective *o = unpack_raw(txn, st->objectives, &okr__objective__descriptor, obj);
        if (o && strcmp(kr->owner, o->owner ? o->owner : "") != 0)
            rc = owner_entry(st, txn, kr->owner, o->period, id, n);
        okr__objective__free_unpacked(o, NULL);
    }
    okr__key_result__free_unpacked(kr, NULL);
    return rc;
}

static int index_owners_of(store *st, MDB_txn *txn, MDB_dbi records, uint64_t *n)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, records, &cur);
    if (rc)
        return rc;
    MDB_val k, v;
    MDB_cursor_op op = MDB_FIRST;
    while (!rc && (rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
        op = MDB_NEXT;
        if (k.mv_size == 4)
            rc = index_owner_of(st, txn, okr_get_be32(k.mv_data), n);
    }
    mdb_cursor_close(cur);
    return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The last step of a conversion: the owner index, then the schema version,
 * in one transaction, so a conversion cut short is done again at the next
 * start (upgrade_checkins finds nothing left to convert). */
static int finish_upgrade(store *st, char *err, size_t errlen)
{
    int rc = 0;
    uint64_t n = 0;
    for (;;) {
        MDB_txn *txn = NULL;
        n = 0;
        if (!rc) rc = store_checkpoint(st);    /* again after a grow: it may have failed */
        if (!rc) rc = mdb_txn_begin(st->env, NULL, 0, &txn);
        if (!rc) rc = mdb_drop(txn, st->by_owner, 0);
        if (!rc) rc = index_owners_of(st, txn, st->objectives, &n);
        if (!rc) rc = index_owners_of(st, txn, st->krs, &n);
        unsigned char ver[4];
        okr_put_be32(ver, STORE_SCHEMA_VERSION);
        MDB_val k = {6, "schema"}, vv = {4, ver};
        if (!rc) rc = injected(st, STORE_FAULT_WRITE);
        if (!rc) rc = mdb_put(txn, st->meta, &k, &vv, 0);
        if (!rc) rc = injected(st, STORE_FAULT_SYNC);
        if (!rc) {
            rc = mdb_txn_commit(txn);
            txn = NULL;
        }
        if (txn)
            mdb_txn_abort(txn);
        if (rc != MDB_MAP_FULL)
            break;
        rc = grow_for_upgrade(st);
        if (rc)
            break;       /* the map cannot grow: refuse, as store_open's loop does */
        MDB_envinfo info;
        mdb_env_info(st->env, &info);
        st->map_size = info.me_mapsize;
    }
    if (rc) {
        snprintf(err, errlen, "converting the data from schema %u to %u failed: %s",
                 st->upgraded_from, STORE_SCHEMA_VERSION, store_strerror(rc));
        return rc;
    }
    log_info("store: converted the data from schema %u to %u (%llu objectives and KRs "
             "indexed by owner)",
             st->upgraded_from, STORE_SCHEMA_VERSION, (unsigned long long)n);
    return 0;
}

void store_foreach_checkin(store_txn *t, store_checkin_fn fn, void *ctx)
{
    MDB_cursor *cur;
    int rc = failed(t) ? t->rc : mdb_cursor_open(t->txn, t->st->checkins, &cur);
    if (rc) {
        fail(t, rc);
        return;
    }
    MDB_val k, v;
    ci_rec r;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT))
        if (!ci_decode(t, &k, &v, &r) || !fn(ctx, r.kr, ci_seq(&r.key), &r.packed))
            break;
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    mdb_cursor_close(cur);
}

/* ------------------------------------------------------------ events */

void store_put_event(store_txn *t, uint64_t seq, const void *bytes, size_t len)
{
    unsigned char k[8];
    okr_put_be64(k, seq);
    put_raw(t, t->st->events, k, 8, bytes, len, MDB_APPEND);
}

/* The seq at one end of the log (MDB_FIRST or MDB_LAST); 0 when empty. */
static uint64_t edge_seq(store_txn *t, MDB_cursor_op op)
{
    if (failed(t))
        return 0;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->st->events, &cur);
    if (rc) {
        fail(t, rc);
        return 0;
    }
    MDB_val k, v;
    uint64_t seq = 0;
    rc = mdb_cursor_get(cur, &k, &v, op);
    if (rc == 0 && k.mv_size == 8)
        seq = okr_get_be64(k.mv_data);
    else if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    mdb_cursor_close(cur);
    return seq;
}

uint64_t store_last_seq(store_txn *t)
{
    return edge_seq(t, MDB_LAST);
}

uint64_t store_first_seq(store_txn *t)
{
    return edge_seq(t, MDB_FIRST);
}

void store_prune_events(store_txn *t, uint64_t upto)
{
    if (failed(t))
        return;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, t->st->events, &cur);
    if (rc) {
        fail(t, rc);
        return;
    }
    MDB_val k, v;
    while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0 && k.mv_size == 8 &&
           okr_get_be64(k.mv_data) <= upto) {
        rc = begin_write(t);
        if (rc == 0)
            rc = mdb_cursor_del(cur, 0);
        if (rc)
            break;
    }
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    mdb_cursor_close(cur);
}

bool store_get_event(store_txn *t, uint64_t seq, MDB_val *out)
{
    unsigned char k[8];
    okr_put_be64(k, seq);
    return get_raw(t, t->st->events, k, 8, out);
}

/* ------------------------------------------------------------ raw values */

bool store_get(store_txn *t, MDB_dbi dbi, const void *key, size_t klen, MDB_val *out)
{
    unsigned kind = wb_kind_of(t->st, dbi);     /* written behind: the tables first */
    if (kind && klen == 4)
        return wb_get(t, kind, okr_get_be32(key), out);
    return get_raw(t, dbi, key, klen, out);
}

void store_put(store_txn *t, MDB_dbi dbi, const void *key, size_t klen, const void *val,
               size_t vlen)
{
    put_raw(t, dbi, key, klen, val, vlen, 0);
}

void store_del(store_txn *t, MDB_dbi dbi, const void *key, size_t klen)
{
    del_raw(t, dbi, key, klen, NULL, 0);
}

/* ------------------------------------------------------------ iteration */

void store_foreach(store_txn *t, MDB_dbi dbi, store_each_fn fn, void *ctx)
{
    store_foreach_from(t, dbi, NULL, NULL, fn, ctx);
}

/* Position cur at the first entry >= (key, val) of a DUPSORT database. */
static int seek_dup(MDB_cursor *cur, const MDB_val *key, const MDB_val *val, MDB_val *k,
                    MDB_val *v)
{
    *k = *key;
    *v = *val;
    int rc = mdb_cursor_get(cur, k, v, MDB_GET_BOTH_RANGE);
    if (rc != MDB_NOTFOUND)
        return rc;
    *k = *key;                  /* no such value under key: the next key on */
    rc = mdb_cursor_get(cur, k, v, MDB_SET_RANGE);
    if (rc == 0 && k->mv_size == key->mv_size && memcmp(k->mv_data, key->mv_data, k->mv_size) == 0)
        rc = mdb_cursor_get(cur, k, v, MDB_NEXT_NODUP);
    return rc;
}

void store_foreach_from(store_txn *t, MDB_dbi dbi, const MDB_val *from_key,
                        const MDB_val *from_val, store_each_fn fn, void *ctx)
{
    if (failed(t))
        return;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, dbi, &cur);
    if (rc) {
        fail(t, rc);
        return;
    }
    MDB_val k, v;
    if (from_key == NULL) {
        rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    } else if (from_val != NULL) {
        rc = seek_dup(cur, from_key, from_val, &k, &v);
    } else {
        k = *from_key;
        rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    }
    unsigned kind = wb_kind_of(t->st, dbi);
    while (rc == 0 && !failed(t)) {
        const wb_entry *e = kind && k.mv_size == 4
                                ? wb_look(t, wb_key(kind, okr_get_be32(k.mv_data))) : NULL;
        if (e && !e->drop) {
            v.mv_size = e->len;             /* the value written behind */
            v.mv_data = (void *)wb_bytes(e);
        }
        if (!(e && e->drop) && !fn(ctx, &k, &v))
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    mdb_cursor_close(cur);
}

uint64_t store_count(store_txn *t, MDB_dbi dbi)
{
    MDB_stat s;
    if (failed(t))
        return 0;
    int rc = mdb_stat(t->txn, dbi, &s);
    if (rc) {
        fail(t, rc);
        return 0;
    }
    return s.ms_entries;
}

/* ------------------------------------------------------------ objective indexes
 *
 * by_period and by_team map a name to the ids of its objectives, archived
 * ones included: DUPSORT|DUPFIXED with be32 values, so a name's ids come back
 * ascending, a page at a time. Derived from the objective records; the
 * handlers keep them in step and okrd --verify checks them. */

/* True when key holds the be32 value id in the DUPSORT database dbi. */
static bool has_dup(store_txn *t, MDB_dbi dbi, const void *key, size_t klen, okr_node id)
{
    if (failed(t))
        return false;
    MDB_cursor *cur;
    int rc = mdb_cursor_open(t->txn, dbi, &cur);
    if (rc) {
        fail(t, rc);
        return false;
    }
    unsigned char vb[4];
    okr_put_be32(vb, id);
    MDB_val k = {klen, (void *)key}, v = {sizeof vb, vb};
    rc = mdb_cursor_get(cur, &k, &v, MDB_GET_BOTH);
    if (rc && rc != MDB_NOTFOUND)
        fail(t, rc);
    mdb_cursor_close(cur);
    return rc == 0;
}

static void index_entry(store_txn *t, MDB_dbi index, const char *name, okr_node id, bool add)
{
    if (name == NULL || name[0] == '\0')
        return;
    unsigned char v[4];
    okr_put_be32(v, id);
    if (add)
        put_raw(t, index, name, strlen(name), v, sizeof v, MDB_NODUPDATA);
    else
        del_raw(t, index, name, strlen(name), v, sizeof v);
}

void store_index_objective(store_txn *t, okr_node id, const char *period, const char *team,
                           bool add)
{
    index_entry(t, t->st->by_period, period, id, add);
    index_entry(t, t->st->by_team, team, id, add);
}

/* by_owner's key: owner, a NUL, period (0: either is empty or too long). */
static size_t owner_key(char *buf, const char *owner, const char *period)
{
    size_t lo = owner ? strlen(owner) : 0, lp = period ? strlen(period) : 0;
    if (lo == 0 || lp == 0 || lo + 1 + lp > STORE_OWNER_KEY_MAX)
        return 0;
    memcpy(buf, owner, lo);
    buf[lo] = '\0';
    memcpy(buf + lo + 1, period, lp);
    return lo + 1 + lp;
}

void store_index_owner(store_txn *t, okr_node id, const char *owner, const char *period,
                       bool add)
{
    char key[STORE_OWNER_KEY_MAX];
    size_t klen = owner_key(key, owner, period);
    unsigned char v[4];
    okr_put_be32(v, id);
    if (klen && add)
        put_raw(t, t->st->by_owner, key, klen, v, sizeof v, MDB_NODUPDATA);
    else if (klen)
        del_raw(t, t->st->by_owner, key, klen, v, sizeof v);
}

size_t store_owned_in(store_txn *t, const char *owner, const char *period, okr_node **out)
{
    char key[STORE_OWNER_KEY_MAX];
    size_t klen = owner_key(key, owner, period);
    *out = NULL;
    return klen ? dup_words(t, t->st->by_owner, key, klen, 1, out) : 0;
}

bool store_owner_has(store_txn *t, const char *owner, const char *period, okr_node id)
{
    char key[STORE_OWNER_KEY_MAX];
    size_t klen = owner_key(key, owner, period);
    return klen && has_dup(t, t->st->by_owner, key, klen, id);
}

size_t store_objectives_of(store_txn *t, MDB_dbi index, const char *name, okr_node **out)
{
    *out = NULL;
    if (name == NULL || name[0] == '\0')
        return 0;
    return dup_words(t, index, name, strlen(name), 1, out);
}

bool store_index_has(store_txn *t, MDB_dbi index, const char *name, okr_node id)
{
    return name && name[0] && has_dup(t, index, name, strlen(name), id);
}

void store_foreach_objective(store_txn *t, const char *period, const char *team,
                             store_each_fn fn, void *ctx)
{
    MDB_dbi index;
    const char *name;
    if (team && team[0]) {
        index = t->st->by_team;
        name = team;
    } else if (period && period[0]) {
        index = t->st->by_period;
        name = period;
    } else {
        store_foreach(t, t->st->objectives, fn, ctx);
        return;
    }
    okr_node *ids;
    size_t n = store_objectives_of(t, index, name, &ids);
    for (size_t i = 0; i < n && !failed(t); i++) {
        unsigned char kb[4];
        MDB_val v;
        okr_put_be32(kb, ids[i]);
        if (!get_raw(t, t->st->objectives, kb, sizeof kb, &v))
            continue;                 /* no record: as the full scan would see it */
        MDB_val k = {sizeof kb, kb};
        if (!fn(ctx, &k, &v))
            break;
    }
}
