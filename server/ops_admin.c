/* ops_admin.c — administration requests that change no OKR data: the hot
 * backup. */
#include "ops.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "logging.h"
#include "okr_limits.h"

/* Backup { path }: a compacted, consistent copy of the committed data in a
 * new directory on the server's machine, with a new epoch. It runs in the
 * request loop (a copy of a department's data takes milliseconds; see
 * docs/operations.md) and reads only committed data, so requests batched
 * with it see no difference. */
void op_backup(request *rq, const Okr__Backup *in)
{
    if (!need_text(rq, "path", in->path, OKR_MAX_PATH, true))
        return;
    if (in->path[0] != '/')
        return (void)request_fail(rq, OKR__ERROR_CODE__INVALID_ARGUMENT,
                                  "path \"%s\" must be absolute: it names a directory on the "
                                  "server's machine", in->path);
    char err[512];
    store_backup_info info;
    int rc = store_backup(rq->txn->st, in->path, &info, err, sizeof err);
    if (rc) {
        Okr__ErrorCode code = rc == EEXIST ? OKR__ERROR_CODE__CONFLICT
                              : rc == ENOENT || rc == ENOTDIR ? OKR__ERROR_CODE__NOT_FOUND
                              : rc == EACCES ? OKR__ERROR_CODE__PERMISSION_DENIED
                                             : store_error_code(rc);
        return (void)request_fail(rq, code, "%s", err);
    }
    log_info("backup by %s to %s: seq %llu, %llu bytes", rq->actor, in->path,
             (unsigned long long)info.seq, (unsigned long long)info.bytes);
    Okr__BackupReply *r = ARENA_NEW(rq->mem, Okr__BackupReply, OKR__BACKUP_REPLY__INIT);
    r->path = in->path;
    r->has_seq = r->has_bytes = r->has_epoch = true;
    r->seq = info.seq;
    r->bytes = info.bytes;
    r->epoch.len = STORE_EPOCH_BYTES;
    r->epoch.data = arena_alloc(rq->mem, STORE_EPOCH_BYTES);
    memcpy(r->epoch.data, info.epoch, STORE_EPOCH_BYTES);
    rq->response->body_case = OKR__RESPONSE__BODY_BACKUP;
    rq->response->backup = r;
}
