/* cmd_build.c — one builder per command: checks the values typed for it and
 * maps them onto its protobuf request. Each builder is preceded by the
 * command's syntax. The handler table at the end binds builders to
 * okr_cmd_id. Never does I/O and never allocates: the request points into
 * the cmd_request and into argv. */
#include "cmd_build.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "keyfile.h"
#include "okr_limits.h"
#include "text.h"

/* Initialise the body member `member` of r and make it the request's body. */
#define SET_BODY(r, CASE, member, init)                         \
    do {                                                        \
        init(&(r)->body.member);                                \
        (r)->request.body_case = OKR__REQUEST__BODY_##CASE;     \
        (r)->request.member = &(r)->body.member;                \
    } while (0)

/* The builders check what a command line says: required options, options
 * that contradict each other, the form of each value. Rules of the model
 * (an end before its start, a metric whose target is its start, a cycle)
 * are the server's to refuse, so they get one answer whatever the client. */

/* ------------------------------------------------------------ value helpers */

static bool need(const char *value, const char *option, args_error *e)
{
    return value != NULL || args_fail(e, "%s is required", option);
}

static bool title_arg(const char *what, const char *value, args_error *e)
{
    return value == NULL || args_text(what, value, OKR_MAX_TITLE, false, e);
}

/* Team, period and owner names; NULL (not given) is fine. */
static bool name_arg(const char *what, const char *value, args_error *e)
{
    return value == NULL || args_text(what, value, OKR_MAX_NAME, false, e);
}

/* An owner given to an edit may be empty: that clears it. */
static bool owner_edit_arg(const char *value, args_error *e)
{
    return value == NULL || args_text("--owner", value, OKR_MAX_NAME, true, e);
}

static bool description_arg(const char *value, args_error *e)
{
    return value == NULL || args_text("--description", value, OKR_MAX_DESCRIPTION, true, e);
}

static bool unit_arg(const char *value, args_error *e)
{
    return value == NULL || args_text("--unit", value, OKR_MAX_UNIT, true, e);
}

static bool weight_arg(const char *value, protobuf_c_boolean *has, uint32_t *weight,
                       args_error *e)
{
    if (value == NULL)
        return true;
    *has = true;
    return args_weight("--weight", value, weight, e);
}

static bool number_arg(const char *what, const char *value, protobuf_c_boolean *has,
                       double *out, args_error *e)
{
    if (value == NULL)
        return true;
    *has = true;
    return args_number(what, value, out, e);
}

/* Parse an id into the request's id slot and point *out at it. */
static bool id_arg(cmd_request *r, int slot, const char *what, const char *text,
                   unsigned kinds, char **out, args_error *e)
{
    if (!args_id(what, text, kinds, r->id[slot], e))
        return false;
    *out = r->id[slot];
    return true;
}

/* --committed / --aspirational: sets *has only when one was given. */
static bool objective_type_arg(const cmd_args *a, protobuf_c_boolean *has,
                               Okr__ObjectiveType *type, args_error *e)
{
    if (a->committed && a->aspirational)
        return args_fail(e, "--committed and --aspirational exclude each other");
    if (a->committed || a->aspirational) {
        *has = true;
        *type = a->committed ? OKR__OBJECTIVE_TYPE__COMMITTED
                             : OKR__OBJECTIVE_TYPE__ASPIRATIONAL;
    }
    return true;
}

/* --progress krs|aligned|both: where an objective's score comes from
 * (docs/scoring.md); sets *has only when given. */
static bool progress_arg(const char *value, protobuf_c_boolean *has,
                         Okr__ProgressSource *source, args_error *e)
{
    static const char *const names[] = {"krs", "aligned", "both"};
    static const Okr__ProgressSource sources[] = {OKR__PROGRESS_SOURCE__PROGRESS_KRS,
                                                  OKR__PROGRESS_SOURCE__PROGRESS_ALIGNED,
                                                  OKR__PROGRESS_SOURCE__PROGRESS_BOTH};
    if (value == NULL)
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(value, names[i]) == 0) {
            *has = true;
            *source = sources[i];
            return true;
        }
    }
    return args_fail(e, "--progress '%s' is not krs, aligned or both", value);
}

/* --at-least V or --at-most V: the bound of a threshold KR. *given tells
 * whether either was there; both at once is an error. */
static bool threshold_arg(const cmd_args *a, bool *given, double *target,
                          Okr__ThresholdDirection *direction, args_error *e)
{
    *given = a->at_least != NULL || a->at_most != NULL;
    if (a->at_least && a->at_most)
        return args_fail(e, "--at-least and --at-most exclude each other");
    if (a->at_least) {
        *direction = OKR__THRESHOLD_DIRECTION__AT_LEAST;
        return args_number("--at-least", a->at_least, target, e);
    }
    if (a->at_most) {
        *direction = OKR__THRESHOLD_DIRECTION__AT_MOST;
        return args_number("--at-most", a->at_most, target, e);
    }
    return true;
}

/* ------------------------------------------------------------ periods, teams */

/* period add NAME --start YYYY-MM-DD --end YYYY-MM-DD */
static bool build_period_add(cmd_request *r, const cmd_args *a, args_error *e)
{
    int64_t start, end;
    if (!name_arg("NAME", a->pos[0], e) || !need(a->start, "--start", e) ||
        !need(a->end, "--end", e) || !args_date("--start", a->start, &start, e) ||
        !args_date("--end", a->end, &end, e))
        return false;

    okr__period__init(&r->period);
    r->period.name = a->pos[0];
    r->period.start = a->start;
    r->period.end = a->end;
    SET_BODY(r, PERIOD_ADD, period_add, okr__period_add__init);
    r->body.period_add.period = &r->period;
    r->label = a->pos[0];
    return true;
}

/* period edit NAME [--start D] [--end D] [--name NEW] */
static bool build_period_edit(cmd_request *r, const cmd_args *a, args_error *e)
{
    int64_t day;
    if (!name_arg("NAME", a->pos[0], e) || !name_arg("--name", a->name, e) ||
        (a->start && !args_date("--start", a->start, &day, e)) ||
        (a->end && !args_date("--end", a->end, &day, e)))
        return false;
    if (a->start == NULL && a->end == NULL && a->name == NULL)
        return args_fail(e, "give --start, --end or --name");
    SET_BODY(r, PERIOD_EDIT, period_edit, okr__period_edit__init);
    r->body.period_edit.name = a->pos[0];
    r->body.period_edit.new_name = a->name;
    r->body.period_edit.start = a->start;
    r->body.period_edit.end = a->end;
    return true;
}

/* period delete NAME */
static bool build_period_delete(cmd_request *r, const cmd_args *a, args_error *e)
{
    if (!name_arg("NAME", a->pos[0], e))
        return false;
    SET_BODY(r, PERIOD_DELETE, period_delete, okr__period_delete__init);
    r->body.period_delete.name = a->pos[0];
    return true;
}

/* period list */
static bool build_period_list(cmd_request *r, const cmd_args *a, args_error *e)
{
    (void)a, (void)e;
    SET_BODY(r, PERIOD_LIST, period_list, okr__period_list__init);
    return true;
}

static bool build_period_close_or_reopen(cmd_request *r, const cmd_args *a, bool reopen,
                                         args_error *e)
{
    if (!name_arg("NAME", a->pos[0], e))
        return false;
    SET_BODY(r, PERIOD_CLOSE, period_close, okr__period_close__init);
    r->body.period_close.name = a->pos[0];
    r->body.period_close.has_reopen = reopen;
    r->body.period_close.reopen = reopen;
    return true;
}

/* period close NAME */
static bool build_period_close(cmd_request *r, const cmd_args *a, args_error *e)
{
    return build_period_close_or_reopen(r, a, false, e);
}

/* period reopen NAME */
static bool build_period_reopen(cmd_request *r, const cmd_args *a, args_error *e)
{
    return build_period_close_or_reopen(r, a, true, e);
}

/* team add NAME [--parent TEAM] */
static bool build_team_add(cmd_request *r, const cmd_args *a, args_error *e)
{
    if (!name_arg("NAME", a->pos[0], e) || !name_arg("--parent", a->parent, e))
        return false;
    okr__team__init(&r->team);
    r->team.name = a->pos[0];
    r->team.parent = a->parent;
    SET_BODY(r, TEAM_ADD, team_add, okr__team_add__init);
    r->body.team_add.team = &r->team;
    r->label = a->pos[0];
    return true;
}

/* team list */
static bool build_team_list(cmd_request *r, const cmd_args *a, args_error *e)
{
    (void)a, (void)e;
    SET_BODY(r, TEAM_LIST, team_list, okr__team_list__init);
    return true;
}

/* team edit NAME [--name NEW] [--parent TEAM|-]  ("-": no parent) */
static bool build_team_edit(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__TeamEdit *m = &r->body.team_edit;
    bool clear = a->parent && strcmp(a->parent, "-") == 0;
    if (!name_arg("NAME", a->pos[0], e) || !name_arg("--name", a->name, e) ||
        (!clear && !name_arg("--parent", a->parent, e)))
        return false;
    if (a->name == NULL && a->parent == NULL)
        return args_fail(e, "give --name or --parent");
    SET_BODY(r, TEAM_EDIT, team_edit, okr__team_edit__init);
    m->name = a->pos[0];
    m->new_name = a->name;
    m->parent = clear ? "" : a->parent;
    return true;
}

/* team delete NAME */
static bool build_team_delete(cmd_request *r, const cmd_args *a, args_error *e)
{
    if (!name_arg("NAME", a->pos[0], e))
        return false;
    SET_BODY(r, TEAM_DELETE, team_delete, okr__team_delete__init);
    r->body.team_delete.name = a->pos[0];
    return true;
}

/* --only narrows --team to the team without its sub-teams. */
static bool only_arg(const cmd_args *a, args_error *e)
{
    return !a->only || a->team != NULL || args_fail(e, "--only goes with --team");
}

/* ------------------------------------------------------------ objectives */

/* The parents given with --align-to ID[:WEIGHT]... (child left to the server). */
static bool align_to_args(cmd_request *r, const cmd_args *a, args_error *e)
{
    for (size_t i = 0; i < a->n_align_to; i++) {
        Okr__Alignment *al = &r->align_to[i];
        bool has_weight;
        okr__alignment__init(al);
        if (!args_align_target(a->align_to[i], r->align_id[i], &has_weight, &al->weight, e))
            return false;
        al->parent = r->align_id[i];
        al->has_weight = has_weight;
        r->align_to_list[i] = al;
    }
    r->body.objective_add.n_align_to = a->n_align_to;
    r->body.objective_add.align_to = r->align_to_list;
    return true;
}

/* obj add TITLE [--team T] [--period P] [--committed|--aspirational] [--owner U]
 *         [--description TEXT] [--align-to ID[:WEIGHT]]... [--progress krs|aligned|both]
 * Without --period the server picks the open period containing today. */
static bool build_obj_add(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__Objective *o = &r->objective;
    okr__objective__init(o);
    o->has_type = true;
    o->type = OKR__OBJECTIVE_TYPE__ASPIRATIONAL;
    if (!title_arg("TITLE", a->pos[0], e) || !name_arg("--team", a->team, e) ||
        !name_arg("--period", a->period, e) || !name_arg("--owner", a->owner, e) ||
        !description_arg(a->description, e) || !objective_type_arg(a, &o->has_type, &o->type, e) ||
        !progress_arg(a->progress, &o->has_progress, &o->progress, e))
        return false;
    o->title = a->pos[0];
    o->team = a->team;
    o->period = a->period;
    o->owner = a->owner;
    o->description = a->description;
    SET_BODY(r, OBJECTIVE_ADD, objective_add, okr__objective_add__init);
    r->body.objective_add.objective = o;
    return align_to_args(r, a, e);
}

/* obj edit ID [--title T] [--description TEXT] [--owner U] [--team T]
 *          [--committed|--aspirational] [--progress krs|aligned|both] */
static bool build_obj_edit(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__ObjectiveEdit *m = &r->body.objective_edit;
    SET_BODY(r, OBJECTIVE_EDIT, objective_edit, okr__objective_edit__init);
    if (!id_arg(r, 0, "ID", a->pos[0], ARGS_OBJECTIVE, &m->id, e) ||
        !title_arg("--title", a->title, e) || !description_arg(a->description, e) ||
        !owner_edit_arg(a->owner, e) || !name_arg("--team", a->team, e) ||
        !objective_type_arg(a, &m->has_type, &m->type, e) ||
        !progress_arg(a->progress, &m->has_progress, &m->progress, e))
        return false;
    m->title = a->title;
    m->description = a->description;
    m->owner = a->owner;
    m->team = a->team;
    if (!m->title && !m->description && !m->owner && !m->team && !m->has_type &&
        !m->has_progress)
        return args_fail(e, "nothing to change: give --title, --description, --owner, "
                            "--team, --committed, --aspirational or --progress");
    return true;
}

/* obj show ID */
static bool build_obj_show(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, OBJECTIVE_GET, objective_get, okr__objective_get__init);
    return id_arg(r, 0, "ID", a->pos[0], ARGS_OBJECTIVE, &r->body.objective_get.id, e);
}

/* obj list [--period P] [--team T [--only]] [--owner U] [--all] */
static bool build_obj_list(cmd_request *r, const cmd_args *a, args_error *e)
{
    if (!name_arg("--period", a->period, e) || !name_arg("--team", a->team, e) ||
        !name_arg("--owner", a->owner, e) || !only_arg(a, e))
        return false;
    SET_BODY(r, OBJECTIVE_LIST, objective_list, okr__objective_list__init);
    r->body.objective_list.period = a->period;
    r->body.objective_list.team = a->team;
    r->body.objective_list.owner = a->owner;
    r->body.objective_list.has_only_team = r->body.objective_list.only_team = a->only;
    r->body.objective_list.has_include_archived = a->all;
    r->body.objective_list.include_archived = a->all;
    return true;
}

/* obj align CHILD PARENT [--weight W] */
static bool build_obj_align(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__Alignment *al = &r->alignment;
    okr__alignment__init(al);
    if (!id_arg(r, 0, "CHILD", a->pos[0], ARGS_OBJECTIVE, &al->child, e) ||
        !id_arg(r, 1, "PARENT", a->pos[1], ARGS_OBJECTIVE | ARGS_KR, &al->parent, e) ||
        !weight_arg(a->weight, &al->has_weight, &al->weight, e))
        return false;
    SET_BODY(r, ALIGN, align, okr__align__init);
    r->body.align.alignment = al;
    return true;
}

/* obj unalign CHILD PARENT */
static bool build_obj_unalign(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__Unalign *m = &r->body.unalign;
    SET_BODY(r, UNALIGN, unalign, okr__unalign__init);
    return id_arg(r, 0, "CHILD", a->pos[0], ARGS_OBJECTIVE, &m->child, e) &&
           id_arg(r, 1, "PARENT", a->pos[1], ARGS_OBJECTIVE | ARGS_KR, &m->parent, e);
}

static bool build_obj_archive_or_restore(cmd_request *r, const cmd_args *a, bool restore,
                                         args_error *e)
{
    Okr__ObjectiveArchive *m = &r->body.objective_archive;
    SET_BODY(r, OBJECTIVE_ARCHIVE, objective_archive, okr__objective_archive__init);
    m->has_restore = restore;
    m->restore = restore;
    return id_arg(r, 0, "ID", a->pos[0], ARGS_OBJECTIVE, &m->id, e);
}

/* obj archive ID */
static bool build_obj_archive(cmd_request *r, const cmd_args *a, args_error *e)
{
    return build_obj_archive_or_restore(r, a, false, e);
}

/* obj restore ID */
static bool build_obj_restore(cmd_request *r, const cmd_args *a, args_error *e)
{
    return build_obj_archive_or_restore(r, a, true, e);
}

/* obj delete ID [--yes]: without --yes, client.c asks first (confirm.c). */
static bool build_obj_delete(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, OBJECTIVE_DELETE, objective_delete, okr__objective_delete__init);
    r->yes = a->yes;
    return id_arg(r, 0, "ID", a->pos[0], ARGS_OBJECTIVE, &r->body.objective_delete.id, e);
}

/* ------------------------------------------------------------ key results */

/* The start, target and direction of a new KR, by kind:
 *   metric     --from V --to V (start, target)
 *   threshold  --at-least V | --at-most V (the bound), optional --from (initial value)
 *   milestone  no values: start 0, target 1 (done)
 *   rollup     no values: its score comes from the objectives aligned to it */
static bool kr_add_values(Okr__KeyResult *kr, const cmd_args *a, args_error *e)
{
    bool bounded;
    if (!threshold_arg(a, &bounded, &kr->target, &kr->direction, e))
        return false;

    switch (kr->kind) {
    case OKR__KR_KIND__METRIC:
        if (bounded)
            return args_fail(e, "--at-least and --at-most are for threshold KRs "
                                "(a metric takes --from and --to)");
        if (!need(a->from, "--from", e) || !need(a->to, "--to", e) ||
            !number_arg("--from", a->from, &kr->has_start, &kr->start, e) ||
            !number_arg("--to", a->to, &kr->has_target, &kr->target, e))
            return false;
        return true;   /* --from == --to breaks a model rule: the server's to refuse */
    case OKR__KR_KIND__THRESHOLD:
        if (a->to)
            return args_fail(e, "a threshold KR takes --at-least V or --at-most V, not --to");
        if (!bounded)
            return args_fail(e, "a threshold KR needs --at-least V or --at-most V");
        kr->has_target = kr->has_direction = true;
        return number_arg("--from", a->from, &kr->has_start, &kr->start, e);
    case OKR__KR_KIND__MILESTONE:
    case OKR__KR_KIND__ROLLUP:
    default:
        if (bounded || a->from || a->to)
            return args_fail(e, "a %s KR takes no --from, --to, --at-least or --at-most",
                             kr->kind == OKR__KR_KIND__MILESTONE ? "milestone" : "rollup");
        if (kr->kind == OKR__KR_KIND__MILESTONE) {
            kr->has_start = kr->has_target = true;
            kr->start = 0.0;
            kr->target = 1.0;
        }
        return true;
    }
}

/* kr add OBJ TITLE [--kind metric|threshold|milestone|rollup] [--from V] [--to V]
 *        [--at-least V|--at-most V] [--unit U] [--weight W] [--owner U]
 * Without --kind: threshold when --at-least/--at-most is given, else metric. */
static bool build_kr_add(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__KeyResult *kr = &r->kr;
    okr__key_result__init(kr);
    kr->has_kind = true;
    kr->kind = a->at_least || a->at_most ? OKR__KR_KIND__THRESHOLD : OKR__KR_KIND__METRIC;
    if (!id_arg(r, 0, "OBJ", a->pos[0], ARGS_OBJECTIVE, &kr->objective, e) ||
        !title_arg("TITLE", a->pos[1], e) ||
        (a->kind && !args_kr_kind(a->kind, &kr->kind, e)) || !kr_add_values(kr, a, e) ||
        !unit_arg(a->unit, e) || !weight_arg(a->weight, &kr->has_weight, &kr->weight, e) ||
        !name_arg("--owner", a->owner, e))
        return false;
    kr->title = a->pos[1];
    kr->unit = a->unit;
    kr->owner = a->owner;
    SET_BODY(r, KR_ADD, kr_add, okr__key_result_add__init);
    r->body.kr_add.kr = kr;
    return true;
}

static bool kr_edit_changes_nothing(const Okr__KeyResultEdit *m)
{
    return !m->title && !m->has_kind && !m->has_start && !m->has_target && !m->unit &&
           !m->has_weight && !m->owner && !m->has_direction;
}

/* kr edit ID [--title T] [--kind K] [--from V] [--to V] [--at-least V|--at-most V]
 *         [--unit U] [--weight W] [--owner U]
 * --at-least/--at-most set the target and the direction of a threshold KR. */
static bool build_kr_edit(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__KeyResultEdit *m = &r->body.kr_edit;
    bool bounded;
    SET_BODY(r, KR_EDIT, kr_edit, okr__key_result_edit__init);
    if (!id_arg(r, 0, "ID", a->pos[0], ARGS_KR, &m->id, e) ||
        !title_arg("--title", a->title, e) ||
        (a->kind && !args_kr_kind(a->kind, &m->kind, e)) ||
        !number_arg("--from", a->from, &m->has_start, &m->start, e) ||
        !number_arg("--to", a->to, &m->has_target, &m->target, e) ||
        !threshold_arg(a, &bounded, &m->target, &m->direction, e) || !unit_arg(a->unit, e) ||
        !weight_arg(a->weight, &m->has_weight, &m->weight, e) || !owner_edit_arg(a->owner, e))
        return false;
    if (bounded && a->to)
        return args_fail(e, "--to and --at-least/--at-most exclude each other");
    m->has_kind = a->kind != NULL;
    m->has_target = m->has_target || bounded;
    m->has_direction = bounded;
    m->title = a->title;
    m->unit = a->unit;
    m->owner = a->owner;
    if (kr_edit_changes_nothing(m))
        return args_fail(e, "nothing to change: give --title, --kind, --from, --to, "
                            "--at-least, --at-most, --unit, --weight or --owner");
    return true;
}

/* kr show ID */
static bool build_kr_show(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, KR_GET, kr_get, okr__key_result_get__init);
    return id_arg(r, 0, "ID", a->pos[0], ARGS_KR, &r->body.kr_get.id, e);
}

/* kr delete ID */
static bool build_kr_delete(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, KR_DELETE, kr_delete, okr__key_result_delete__init);
    return id_arg(r, 0, "ID", a->pos[0], ARGS_KR, &r->body.kr_delete.id, e);
}

/* ------------------------------------------------------------ progress, views */

/* Two digits at p (no sign, no blank) into *out. */
static bool two_digits(const char *p, int *out)
{
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1]))
        return false;
    *out = (p[0] - '0') * 10 + (p[1] - '0');
    return true;
}

/* "HH:MM[:SS]" at *p, moved past it; seconds of the day into *secs. */
static bool clock_part(const char **p, int64_t *secs)
{
    int h, m, s = 0;
    if (!two_digits(*p, &h) || (*p)[2] != ':' || !two_digits(*p + 3, &m))
        return false;
    *p += 5;
    if (**p == ':') {
        if (!two_digits(*p + 1, &s))
            return false;
        *p += 3;
    }
    *secs = h * 3600 + m * 60 + s;
    return h < 24 && m < 60 && s < 60;
}

/* "", "Z" or "+HH:MM" / "-HH:MM" at p: the zone's offset east of UTC. */
static bool zone_part(const char *p, int64_t *offset)
{
    int h, m;
    *offset = 0;
    if (p[0] == '\0' || (p[0] == 'Z' && p[1] == '\0'))
        return true;
    if ((p[0] != '+' && p[0] != '-') || !two_digits(p + 1, &h) || p[3] != ':' ||
        !two_digits(p + 4, &m) || p[6] != '\0' || h > 23 || m > 59)
        return false;
    *offset = (p[0] == '+' ? 1 : -1) * (h * 3600 + m * 60);
    return true;
}

/* --at DATE: "YYYY-MM-DD" (00:00 UTC of that day) or an ISO 8601 time
 * "YYYY-MM-DDTHH:MM[:SS]" (a space may stand for the T), in UTC unless it
 * ends in Z or +HH:MM / -HH:MM. The server checks it is in the KR's period
 * and not in the future. */
static bool at_arg(const char *text, protobuf_c_boolean *has, int64_t *us, args_error *e)
{
    char date[11];
    int64_t days, secs = 0, offset = 0;
    if (text == NULL)
        return true;
    snprintf(date, sizeof date, "%s", text);
    const char *p = text + strlen(date);
    bool ok = text_parse_date(date, &days);
    if (ok && *p != '\0') {
        ok = *p == 'T' || *p == ' ';
        p++;
        ok = ok && clock_part(&p, &secs) && zone_part(p, &offset);
    }
    if (!ok)
        return args_fail(e, "--at '%.40s' is not a date (YYYY-MM-DD) or a time "
                            "(YYYY-MM-DDTHH:MM[:SS], UTC unless it ends in Z or +HH:MM)", text);
    *has = true;
    *us = (days * 86400 + secs - offset) * 1000000;
    return true;
}

/* A check-in's id: what `okr history` lists ("12", "#12"; an import's are
 * "12.3"). */
static bool checkin_id_arg(const char *text, protobuf_c_boolean *has, uint64_t *seq,
                           protobuf_c_boolean *has_n, uint32_t *n, args_error *e)
{
    if (!okr_checkin_id_parse(text, seq, n))
        return args_fail(e, "ID '%.40s' is not a check-in's number (okr history KR lists "
                            "them: #12)", text);
    *has = true;
    *has_n = *n > 0;
    return true;
}

/* checkin KR VALUE [--confidence C] [--note TEXT] [--at DATE]
 * VALUE is a number, or done/yes (1) and not-done/no (0) for milestones. */
static bool build_checkin(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__CheckInAdd *m = &r->body.checkin;
    SET_BODY(r, CHECKIN, checkin, okr__check_in_add__init);
    if (!id_arg(r, 0, "KR", a->pos[0], ARGS_KR, &m->kr, e) ||
        !args_checkin_value(a->pos[1], &m->value, e) ||
        (a->note && !args_text("--note", a->note, OKR_MAX_NOTE, true, e)) ||
        !at_arg(a->at, &m->has_at, &m->at, e))
        return false;
    m->has_value = true;
    m->note = a->note;
    if (a->confidence) {
        m->has_confidence = true;
        return args_confidence(a->confidence, &m->confidence, e);
    }
    return true;
}

/* checkin edit ID [--value V] [--confidence C] [--note TEXT] [--at DATE]
 * --note "" removes the note. */
static bool build_checkin_edit(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__CheckInEdit *m = &r->body.checkin_edit;
    SET_BODY(r, CHECKIN_EDIT, checkin_edit, okr__check_in_edit__init);
    if (!checkin_id_arg(a->pos[0], &m->has_seq, &m->seq, &m->has_n, &m->n, e) ||
        (a->value && !args_checkin_value(a->value, &m->value, e)) ||
        (a->confidence && !args_confidence(a->confidence, &m->confidence, e)) ||
        (a->note && !args_text("--note", a->note, OKR_MAX_NOTE, true, e)) ||
        !at_arg(a->at, &m->has_at, &m->at, e))
        return false;
    m->has_value = a->value != NULL;
    m->has_confidence = a->confidence != NULL;
    m->note = a->note;
    if (!m->has_value && !m->has_confidence && !m->note && !m->has_at)
        return args_fail(e, "nothing to change: give --value, --confidence, --note or --at");
    return true;
}

/* checkin delete ID */
static bool build_checkin_delete(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__CheckInDelete *m = &r->body.checkin_delete;
    SET_BODY(r, CHECKIN_DELETE, checkin_delete, okr__check_in_delete__init);
    return checkin_id_arg(a->pos[0], &m->has_seq, &m->seq, &m->has_n, &m->n, e);
}

/* history ID [--limit N]: a KR's History, or an objective's ObjectiveGet
 * (history.c reads the score moves of either from the log). r->count
 * carries --limit: check-ins and score moves shown. */
static bool build_history(cmd_request *r, const cmd_args *a, args_error *e)
{
    uint32_t limit = 0;
    okr_node node;
    if (a->limit && !args_whole("--limit", a->limit, 1, OKR_MAX_HISTORY, &limit, e))
        return false;
    r->count = limit;
    if (!args_id("ID", a->pos[0], ARGS_OBJECTIVE | ARGS_KR, r->id[0], e))
        return false;
    if (okr_id_parse(r->id[0], &node) && !okr_node_is_kr(node))
        return build_obj_show(r, a, e);
    Okr__History *m = &r->body.history;
    SET_BODY(r, HISTORY, history, okr__history__init);
    m->kr = r->id[0];
    m->has_limit = limit > 0;
    m->limit = limit;
    return true;
}

/* show ID: an objective (O12) or a key result (K40) */
static bool build_show(cmd_request *r, const cmd_args *a, args_error *e)
{
    okr_node node;
    if (okr_id_parse(a->pos[0], &node) && okr_node_is_kr(node))
        return build_kr_show(r, a, e);
    if (!args_id("ID", a->pos[0], ARGS_OBJECTIVE | ARGS_KR, r->id[0], e))
        return false;
    return build_obj_show(r, a, e);
}

/* tree [ID] [--period P] [--team T [--only]] [--owner U] */
static bool build_tree(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__TreeGet *m = &r->body.tree;
    SET_BODY(r, TREE, tree, okr__tree_get__init);
    if ((a->n_pos > 0 &&
         !id_arg(r, 0, "ID", a->pos[0], ARGS_OBJECTIVE | ARGS_KR, &m->root, e)) ||
        !name_arg("--period", a->period, e) || !name_arg("--team", a->team, e) ||
        !name_arg("--owner", a->owner, e) || !only_arg(a, e))
        return false;
    m->period = a->period;
    m->team = a->team;
    m->owner = a->owner;
    m->has_only_team = m->only_team = a->only;
    return true;
}

/* due [--user U] [--days N] [--as-of YYYY-MM-DD]
 * --as-of: as things will stand at the end of that day (UTC) if nobody
 * checks in meanwhile. */
static bool build_due(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__DueGet *m = &r->body.due;
    int64_t day;
    SET_BODY(r, DUE, due, okr__due_get__init);
    if (!name_arg("--user", a->user, e) ||
        (a->days && !args_whole("--days", a->days, 0, 3650, &m->days, e)) ||
        (a->as_of && !args_date("--as-of", a->as_of, &day, e)))
        return false;
    m->user = a->user;
    m->has_days = a->days != NULL;
    if (a->as_of) {
        m->has_as_of = true;
        m->as_of = (day + 1) * OKR_US_PER_DAY - 1;
    }
    return true;
}

/* status [--prometheus] */
static bool build_status(cmd_request *r, const cmd_args *a, args_error *e)
{
    (void)e;
    SET_BODY(r, STATUS, status, okr__status_get__init);
    r->prometheus = a->prometheus;
    return true;
}

/* watch [ID...] [--from SEQ] [--count N] */
static bool build_watch(cmd_request *r, const cmd_args *a, args_error *e)
{
    uint32_t from = 0, count = 0;
    SET_BODY(r, SNAPSHOT, snapshot, okr__snapshot_get__init);
    if (a->n_pos > CMD_MAX_WATCH)
        return args_fail(e, "at most %d ids can be watched at once", CMD_MAX_WATCH);
    for (int i = 0; i < a->n_pos; i++)
        if (!args_id("ID", a->pos[i], ARGS_OBJECTIVE | ARGS_KR, r->watch_ids[i], e))
            return false;
    if ((a->from && !args_whole("--from", a->from, 0, UINT32_MAX, &from, e)) ||
        (a->count && !args_whole("--count", a->count, 1, UINT32_MAX, &count, e)))
        return false;
    r->n_watch_ids = a->n_pos;
    r->from_seq = from;
    r->count = count;
    return true;
}

/* --since/--until DATE: a day in UTC, from its first microsecond (since)
 * to its last (until), so both ends are inclusive. */
static bool day_arg(const char *what, const char *text, bool end_of_day,
                    protobuf_c_boolean *has, int64_t *us, args_error *e)
{
    int64_t days;
    if (text == NULL)
        return true;
    if (!args_date(what, text, &days, e))
        return false;
    *has = true;
    *us = (days + (end_of_day ? 1 : 0)) * OKR_US_PER_DAY - (end_of_day ? 1 : 0);
    return true;
}

/* log [ID] [--user U] [--since DATE] [--until DATE] [--limit N]
 * --limit is the number of events to show (none: all that match); the
 * client pages through the log for them (log.c). */
static bool build_log(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__LogGet *m = &r->body.log;
    uint32_t limit = 0;
    SET_BODY(r, LOG, log, okr__log_get__init);
    if ((a->n_pos > 0 &&
         !id_arg(r, 0, "ID", a->pos[0], ARGS_OBJECTIVE | ARGS_KR, &m->node, e)) ||
        (a->user && !args_text("--user", a->user, OKR_MAX_NAME, false, e)) ||
        !day_arg("--since", a->since, false, &m->has_since, &m->since, e) ||
        !day_arg("--until", a->until, true, &m->has_until, &m->until, e) ||
        (a->limit && !args_whole("--limit", a->limit, 1, UINT32_MAX, &limit, e)))
        return false;
    if (m->has_since && m->has_until && m->since > m->until)
        return args_fail(e, "--since %s is after --until %s", a->since, a->until);
    m->user = a->user;
    r->count = limit;
    return true;
}

/* retro PERIOD [--team T]: retro.c composes the reads; the TreeGet of the
 * period (and team) is the first of them. */
static bool build_retro(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__TreeGet *m = &r->body.tree;
    SET_BODY(r, TREE, tree, okr__tree_get__init);
    if (!name_arg("PERIOD", a->pos[0], e) || !name_arg("--team", a->team, e))
        return false;
    m->period = a->pos[0];
    m->team = a->team;
    return true;
}

/* admin backup PATH: the server writes the copy, so the path is its own. */
static bool build_admin_backup(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, BACKUP, backup, okr__backup__init);
    if (a->n_pos != 1)
        return args_fail(e, "give the PATH of a new directory for the copy");
    if (a->pos[0][0] != '/')
        return args_fail(e, "PATH \"%s\" must be absolute: it is a directory on the server's "
                         "machine", a->pos[0]);
    if (!args_text("PATH", a->pos[0], OKR_MAX_PATH, true, e))
        return false;
    r->body.backup.path = a->pos[0];
    return true;
}

/* export [--period P] [--json FILE] [--csv checkins] */
static bool build_export(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, EXPORT, export, okr__export__init);
    if (a->period && !args_text("--period", a->period, OKR_MAX_NAME, true, e))
        return false;
    if (a->csv && strcmp(a->csv, "checkins") != 0)
        return args_fail(e, "--csv takes what to write: checkins (not '%.40s')", a->csv);
    if (a->json_file && a->csv)
        return args_fail(e, "give --json FILE or --csv checkins, not both");
    if (a->json_file && !a->json_file[0])
        return args_fail(e, "--json needs a FILE name");
    r->body.export.period = a->period;
    r->file = a->json_file;
    r->csv = a->csv;
    return true;
}

/* import FILE [--period P] */
static bool build_import(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, IMPORT_DATA, import_data, okr__import__init);
    if (a->period && !args_text("--period", a->period, OKR_MAX_NAME, true, e))
        return false;
    r->file = a->pos[0];
    r->import_period = a->period;
    r->verbose = a->verbose;
    return true;
}

/* ------------------------------------------------------------ users, keys */

static bool role_arg(const char *what, const char *text, Okr__Role *out, args_error *e)
{
    okr_role role;
    if (!requests_role_parse(text, &role))
        return args_fail(e, "%s must be viewer, editor or admin, not '%.40s'", what, text);
    *out = (Okr__Role)role;
    return true;
}

/* user add NAME --role viewer|editor|admin --key PUBLIC_KEY */
static bool build_user_add(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__User *u = &r->user;
    okr__user__init(u);
    if (!name_arg("NAME", a->pos[0], e) || !need(a->role, "--role", e) ||
        !need(a->key, "--key", e) || !role_arg("--role", a->role, &u->role, e))
        return false;
    if (!keyfile_valid_z85(a->key))
        return args_fail(e, "--key must be a Z85 public key: 40 characters, as okr keygen "
                            "prints it");
    u->name = a->pos[0];
    u->has_role = true;
    u->public_key = a->key;
    SET_BODY(r, USER_ADD, user_add, okr__user_add__init);
    r->body.user_add.user = u;
    r->label = a->pos[0];
    return true;
}

/* user list */
static bool build_user_list(cmd_request *r, const cmd_args *a, args_error *e)
{
    (void)a, (void)e;
    SET_BODY(r, USER_LIST, user_list, okr__user_list__init);
    return true;
}

/* user role NAME ROLE */
static bool build_user_role(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__UserRole *m = &r->body.user_role;
    SET_BODY(r, USER_ROLE, user_role, okr__user_role__init);
    if (!name_arg("NAME", a->pos[0], e) || !role_arg("ROLE", a->pos[1], &m->role, e))
        return false;
    m->name = a->pos[0];
    m->has_role = true;
    return true;
}

/* user remove NAME */
static bool build_user_remove(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, USER_REMOVE, user_remove, okr__user_remove__init);
    r->body.user_remove.name = a->pos[0];
    return name_arg("NAME", a->pos[0], e);
}

/* keygen [--force] — sends nothing; client.c writes the files. */
static bool build_keygen(cmd_request *r, const cmd_args *a, args_error *e)
{
    (void)e;
    r->force = a->force;
    return true;
}

/* ------------------------------------------------------------ the next cycle */

/* period next PERIOD [--name NAME] — sends PeriodList, then the PeriodAdd
 * that cycle.c fills in with the dates (and the name, without --name). */
static bool build_period_next(cmd_request *r, const cmd_args *a, args_error *e)
{
    if (!name_arg("PERIOD", a->pos[0], e) || !name_arg("--name", a->name, e))
        return false;
    okr__period__init(&r->period);
    r->period.name = a->name;
    SET_BODY(r, PERIOD_ADD, period_add, okr__period_add__init);
    r->body.period_add.period = &r->period;
    r->next_of = a->pos[0];
    return true;
}

/* carry OBJ --to PERIOD [--with-krs] [--from-reached] */
static bool build_carry(cmd_request *r, const cmd_args *a, args_error *e)
{
    Okr__ObjectiveCarry *m = &r->body.carry;
    SET_BODY(r, CARRY, carry, okr__objective_carry__init);
    if (!id_arg(r, 0, "OBJ", a->pos[0], ARGS_OBJECTIVE, &m->id, e) ||
        !need(a->to, "--to PERIOD", e) || !name_arg("--to", a->to, e))
        return false;
    if (a->from_reached && !a->with_krs)
        return args_fail(e, "--from-reached is about the KRs: it needs --with-krs");
    m->period = a->to;
    m->has_with_krs = m->with_krs = a->with_krs;
    m->has_from_reached = m->from_reached = a->from_reached;
    return true;
}

/* ------------------------------------------------------------ coach */

/* --max-objectives N, --min-krs N, --max-krs N, --stale-days N: each in its
 * range (lint.h); whether min-krs exceeds max-krs is seen once the config
 * file's values are known (coach.c). */
static bool lint_limits_arg(cmd_request *r, const cmd_args *a, args_error *e)
{
    for (int i = 0; i < LINT__LIMITS; i++) {
        char what[40];
        uint32_t min, max;
        if (a->lint_limit[i] == NULL)
            continue;
        lint_limit_range((lint_limit)i, &min, &max);
        snprintf(what, sizeof what, "--%s", lint_limit_option((lint_limit)i));
        if (!args_whole(what, a->lint_limit[i], min, max, &r->lint_limit[i], e))
            return false;
        r->lint_set[i] = true;
    }
    return true;
}

/* lint [--period P] [--team T] [--max-objectives N] [--min-krs N] [--max-krs N]
 * [--stale-days N]: the TreeGet of the period, then more reads (coach.c). */
static bool build_lint(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, TREE, tree, okr__tree_get__init);
    if (!name_arg("--period", a->period, e) || !name_arg("--team", a->team, e))
        return false;
    r->body.tree.period = a->period;
    r->body.tree.team = a->team;
    return lint_limits_arg(r, a, e);
}

/* report PERIOD --html FILE [--team T] */
static bool build_report(cmd_request *r, const cmd_args *a, args_error *e)
{
    SET_BODY(r, TREE, tree, okr__tree_get__init);
    if (!name_arg("PERIOD", a->pos[0], e) || !name_arg("--team", a->team, e) ||
        !need(a->html, "--html FILE", e) || !args_text("--html", a->html, 4096, false, e))
        return false;
    r->body.tree.period = a->pos[0];
    r->body.tree.team = a->team;
    r->html_file = a->html;
    return lint_limits_arg(r, a, e);
}

/* ------------------------------------------------------------ the bindings */

static const cmd_handler handlers[OKR_CMD__COUNT] = {
    [OKR_CMD_PERIOD_ADD] = {build_period_add, CMD_OUTPUT_ID},
    [OKR_CMD_PERIOD_LIST] = {build_period_list, CMD_OUTPUT_DATA},
    [OKR_CMD_PERIOD_CLOSE] = {build_period_close, CMD_OUTPUT_SCORES},
    [OKR_CMD_PERIOD_REOPEN] = {build_period_reopen, CMD_OUTPUT_SCORES},
    [OKR_CMD_TEAM_ADD] = {build_team_add, CMD_OUTPUT_ID},
    [OKR_CMD_TEAM_LIST] = {build_team_list, CMD_OUTPUT_DATA},
    [OKR_CMD_OBJ_ADD] = {build_obj_add, CMD_OUTPUT_ID},
    [OKR_CMD_OBJ_EDIT] = {build_obj_edit, CMD_OUTPUT_SCORES},
    [OKR_CMD_OBJ_SHOW] = {build_obj_show, CMD_OUTPUT_DATA},
    [OKR_CMD_OBJ_LIST] = {build_obj_list, CMD_OUTPUT_DATA},
    [OKR_CMD_OBJ_ALIGN] = {build_obj_align, CMD_OUTPUT_SCORES},
    [OKR_CMD_OBJ_UNALIGN] = {build_obj_unalign, CMD_OUTPUT_SCORES},
    [OKR_CMD_OBJ_ARCHIVE] = {build_obj_archive, CMD_OUTPUT_SCORES},
    [OKR_CMD_OBJ_RESTORE] = {build_obj_restore, CMD_OUTPUT_SCORES},
    [OKR_CMD_OBJ_DELETE] = {build_obj_delete, CMD_OUTPUT_SCORES},
    [OKR_CMD_KR_ADD] = {build_kr_add, CMD_OUTPUT_ID},
    [OKR_CMD_KR_EDIT] = {build_kr_edit, CMD_OUTPUT_SCORES},
    [OKR_CMD_KR_SHOW] = {build_kr_show, CMD_OUTPUT_DATA},
    [OKR_CMD_KR_DELETE] = {build_kr_delete, CMD_OUTPUT_SCORES},
    [OKR_CMD_CHECKIN] = {build_checkin, CMD_OUTPUT_CHECKIN},
    [OKR_CMD_HISTORY] = {build_history, CMD_OUTPUT_DATA},
    [OKR_CMD_SHOW] = {build_show, CMD_OUTPUT_DATA},
    [OKR_CMD_TREE] = {build_tree, CMD_OUTPUT_DATA},
    [OKR_CMD_STATUS] = {build_status, CMD_OUTPUT_DATA},
    [OKR_CMD_WATCH] = {build_watch, CMD_OUTPUT_STREAM},
    [OKR_CMD_LOG] = {build_log, CMD_OUTPUT_PAGES},
    [OKR_CMD_ADMIN_BACKUP] = {build_admin_backup, CMD_OUTPUT_DATA},
    [OKR_CMD_PERIOD_EDIT] = {build_period_edit, CMD_OUTPUT_SCORES},
    [OKR_CMD_PERIOD_DELETE] = {build_period_delete, CMD_OUTPUT_SCORES},
    [OKR_CMD_RETRO] = {build_retro, CMD_OUTPUT_DATA},
    [OKR_CMD_USER_ADD] = {build_user_add, CMD_OUTPUT_ID},
    [OKR_CMD_USER_LIST] = {build_user_list, CMD_OUTPUT_DATA},
    [OKR_CMD_USER_ROLE] = {build_user_role, CMD_OUTPUT_SCORES},
    [OKR_CMD_USER_REMOVE] = {build_user_remove, CMD_OUTPUT_SCORES},
    [OKR_CMD_KEYGEN] = {build_keygen, CMD_OUTPUT_LOCAL},
    [OKR_CMD_EXPORT] = {build_export, CMD_OUTPUT_FILE},
    [OKR_CMD_IMPORT] = {build_import, CMD_OUTPUT_FILE},
    [OKR_CMD_PERIOD_NEXT] = {build_period_next, CMD_OUTPUT_ID},
    [OKR_CMD_CARRY] = {build_carry, CMD_OUTPUT_ID},
    [OKR_CMD_TEAM_EDIT] = {build_team_edit, CMD_OUTPUT_SCORES},
    [OKR_CMD_TEAM_DELETE] = {build_team_delete, CMD_OUTPUT_SCORES},
    [OKR_CMD_DUE] = {build_due, CMD_OUTPUT_DATA},
    [OKR_CMD_CHECKIN_EDIT] = {build_checkin_edit, CMD_OUTPUT_CHECKIN},
    [OKR_CMD_CHECKIN_DELETE] = {build_checkin_delete, CMD_OUTPUT_CHECKIN},
    [OKR_CMD_LINT] = {build_lint, CMD_OUTPUT_COACH},
    [OKR_CMD_REPORT] = {build_report, CMD_OUTPUT_COACH},
};

const cmd_handler *cmd_handler_of(okr_cmd_id id)
{
    if ((int)id < 0 || id >= OKR_CMD__COUNT || handlers[id].build == NULL)
        return NULL;
    return &handlers[id];
}
