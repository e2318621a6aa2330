/* render_log.c — an event in words, the one wording `okr log`, `okr watch`
 * and the shell's live lines all print: "#12 2026-11-22 10:06 ana checkin
 * K3 = 16 "note" | K3 0.000->0.400". The change is said the way the command
 * that made it is typed (`obj add`, `period reopen`), from the request the
 * event carries. Writes only to the FILE it is given; the JSON form of an
 * event is json_out.c's. */
#include "render.h"

#include <stdarg.h>
#include <string.h>

#include "fmt.h"
#include "ids.h"
#include "requests.h"
#include "text.h"

/* A line being written into a fixed buffer; what does not fit is cut. */
typedef struct {
    char *buf;
    size_t len, used;
} words;

static void say(words *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(words *w, const char *fmt, ...)
{
    if (w->used >= w->len)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->used, w->len - w->used, fmt, ap);
    va_end(ap);
    if (n > 0)
        w->used += (size_t)n < w->len - w->used ? (size_t)n : w->len - w->used;
}

static const char *str(const char *s)
{
    return s ? s : "";
}

static bool given(const char *s)
{
    return s != NULL && s[0] != '\0';
}

/* The parts of a parenthesised list, "(team Sales, 2026-Q4)": the first
 * opens it, close_list ends it when anything was said. */
static void part(words *w, int *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void part(words *w, int *n, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    say(w, "%s%s", (*n)++ ? ", " : " (", text);
}

static void close_list(words *w, int n)
{
    if (n)
        say(w, ")");
}

static const char *num(double value, char *buf)
{
    return fmt_number(value, buf, FMT_BUF);
}

/* ------------------------------------------------------------ by request */

static void say_checkin(words *w, const Okr__CheckInAdd *c, const char *subject)
{
    char v[FMT_BUF], when[20];
    say(w, "checkin %s = %s", subject, num(c->value, v));
    if (c->has_at) {
        text_format_time(c->at, when);
        say(w, " dated %s UTC", when);
    }
    if (c->has_confidence)
        say(w, " (confidence %.2f)", c->confidence);
    if (given(c->note))
        say(w, " \"%s\"", c->note);
}

/* "checkin delete #12 of K3" */
static void say_checkin_delete(words *w, const Okr__CheckInDelete *m, const char *subject)
{
    char id[OKR_CHECKIN_ID_BUF];
    say(w, "checkin delete #%s of %s", okr_checkin_id_format(m->seq, m->n, id), subject);
}

/* "checkin edit #12 of K3 (value 18, dated 2026-10-05 00:00 UTC)" */
static void say_checkin_edit(words *w, const Okr__CheckInEdit *m, const char *subject)
{
    char v[FMT_BUF], when[20];
    int n = 0;
    char id[OKR_CHECKIN_ID_BUF];
    say(w, "checkin edit #%s of %s", okr_checkin_id_format(m->seq, m->n, id), subject);
    if (m->has_value)
        part(w, &n, "value %s", num(m->value, v));
    if (m->has_confidence)
        part(w, &n, "confidence %.2f", m->confidence);
    if (given(m->note))
        part(w, &n, "note \"%s\"", m->note);
    else if (m->note)
        part(w, &n, "no note");
    if (m->has_at) {
        text_format_time(m->at, when);
        part(w, &n, "dated %s UTC", when);
    }
    close_list(w, n);
}

static void say_objective_add(words *w, const Okr__ObjectiveAdd *a, const char *subject)
{
    const Okr__Objective *o = a->objective;
    int n = 0;
    say(w, "obj add %s \"%s\"", subject, o ? str(o->title) : "");
    if (o && given(o->team))
        part(w, &n, "team %s", o->team);
    if (o && given(o->period))
        part(w, &n, "%s", o->period);
    if (o && o->has_type && o->type == OKR__OBJECTIVE_TYPE__COMMITTED)
        part(w, &n, "committed");
    if (o && given(o->owner))
        part(w, &n, "owner %s", o->owner);
    for (size_t i = 0; i < a->n_align_to; i++) {
        const Okr__Alignment *al = a->align_to[i];
        if (al->has_weight && al->weight != 1)
            part(w, &n, "aligned to %s with weight %u", str(al->parent), al->weight);
        else
            part(w, &n, "aligned to %s", str(al->parent));
    }
    close_list(w, n);
}

/* An edit's owner: NULL leaves it, "" clears it. */
static void say_owner(words *w, int *n, const char *owner)
{
    if (given(owner))
        part(w, n, "owner %s", owner);
    else if (owner)
        part(w, n, "no owner");
}

static void say_objective_edit(words *w, const Okr__ObjectiveEdit *m, const char *subject)
{
    int n = 0;
    say(w, "obj edit %s", subject);
    if (m->title)
        part(w, &n, "title \"%s\"", m->title);
    if (m->description)
        part(w, &n, "new description");
    say_owner(w, &n, m->owner);
    if (m->team)
        part(w, &n, "team %s", m->team);
    if (m->has_type)
        part(w, &n, "%s", fmt_type(m->type));
    close_list(w, n);
}

/* A KR's values as its kind reads them: "metric 0.48 -> 0.2 %". */
static void say_kr_values(words *w, int *n, const Okr__KeyResult *kr)
{
    char from[FMT_BUF], to[FMT_BUF];
    const char *unit = given(kr->unit) ? kr->unit : NULL;
    switch (kr->has_kind ? kr->kind : OKR__KR_KIND__METRIC) {
    case OKR__KR_KIND__METRIC:
        part(w, n, "metric %s -> %s%s%s", num(kr->start, from), num(kr->target, to),
             unit ? " " : "", unit ? unit : "");
        break;
    case OKR__KR_KIND__THRESHOLD:
        part(w, n, "threshold %s %s%s%s",
             kr->direction == OKR__THRESHOLD_DIRECTION__AT_MOST ? "at most" : "at least",
             num(kr->target, to), unit ? " " : "", unit ? unit : "");
        break;
    case OKR__KR_KIND__MILESTONE:
        part(w, n, "milestone");
        break;
    default:
        part(w, n, "%s", fmt_kind(kr->kind));
        break;
    }
}

static void say_kr_add(words *w, const Okr__KeyResultAdd *a, const char *subject)
{
    const Okr__KeyResult *kr = a->kr;
    int n = 0;
    if (kr == NULL) {
        say(w, "kr add %s", subject);
        return;
    }
    say(w, "kr add %s to %s \"%s\"", subject, str(kr->objective), str(kr->title));
    say_kr_values(w, &n, kr);
    if (kr->has_weight)
        part(w, &n, "weight %u", kr->weight);
    if (given(kr->owner))
        part(w, &n, "owner %s", kr->owner);
    close_list(w, n);
}

static void say_kr_edit(words *w, const Okr__KeyResultEdit *m, const char *subject)
{
    char v[FMT_BUF];
    int n = 0;
    say(w, "kr edit %s", subject);
    if (m->title)
        part(w, &n, "title \"%s\"", m->title);
    if (m->has_kind)
        part(w, &n, "kind %s", fmt_kind(m->kind));
    if (m->has_start)
        part(w, &n, "from %s", num(m->start, v));
    if (m->has_target && m->has_direction)
        part(w, &n, "%s %s",
             m->direction == OKR__THRESHOLD_DIRECTION__AT_MOST ? "at most" : "at least",
             num(m->target, v));
    else if (m->has_target)
        part(w, &n, "to %s", num(m->target, v));
    if (given(m->unit))
        part(w, &n, "unit %s", m->unit);
    else if (m->unit)
        part(w, &n, "no unit");
    if (m->has_weight)
        part(w, &n, "weight %u", m->weight);
    say_owner(w, &n, m->owner);
    close_list(w, n);
}

static void say_period_add(words *w, const Okr__PeriodAdd *a, const char *subject)
{
    const Okr__Period *p = a->period;
    say(w, "period add %s", subject);
    if (p && given(p->start) && given(p->end))
        say(w, " (%s to %s)", p->start, p->end);
}

/* "period edit 2026-Q4 --end 2026-12-20 --name 2026-Q4b": as typed. */
static void say_period_edit(words *w, const Okr__PeriodEdit *e)
{
    say(w, "period edit %s", given(e->name) ? e->name : "?");
    if (given(e->start))
        say(w, " --start %s", e->start);
    if (given(e->end))
        say(w, " --end %s", e->end);
    if (given(e->new_name))
        say(w, " --name %s", e->new_name);
}

static void say_alignment(words *w, const Okr__Align *a)
{
    const Okr__Alignment *al = a->alignment;
    if (al == NULL) {
        say(w, "obj align");
        return;
    }
    say(w, "obj align %s -> %s (weight %u)", str(al->child), str(al->parent),
        al->has_weight ? al->weight : 1);
}

static const char *body_name(const Okr__Request *q)
{
    const ProtobufCFieldDescriptor *f =
        q ? protobuf_c_message_descriptor_get_field(&okr__request__descriptor,
                                                    (unsigned)q->body_case)
          : NULL;
    return f ? f->name : "change";
}

/* The change, by the body of its request. A body this client does not
 * know (a newer server's) is named by its field. */
static void say_change(words *w, const Okr__Event *ev)
{
    const Okr__Request *q = ev->change;
    const char *subject = str(ev->subject);
    switch (q ? q->body_case : OKR__REQUEST__BODY__NOT_SET) {
    case OKR__REQUEST__BODY_CHECKIN: say_checkin(w, q->checkin, subject); break;
    case OKR__REQUEST__BODY_CHECKIN_EDIT: say_checkin_edit(w, q->checkin_edit, subject); break;
    case OKR__REQUEST__BODY_CHECKIN_DELETE:
        say_checkin_delete(w, q->checkin_delete, subject);
        break;
    case OKR__REQUEST__BODY_OBJECTIVE_ADD: say_objective_add(w, q->objective_add, subject); break;
    case OKR__REQUEST__BODY_OBJECTIVE_EDIT: say_objective_edit(w, q->objective_edit, subject); break;
    case OKR__REQUEST__BODY_ALIGN: say_alignment(w, q->align); break;
    case OKR__REQUEST__BODY_UNALIGN:
        say(w, "obj unalign %s from %s", str(q->unalign->child), str(q->unalign->parent));
        break;
    case OKR__REQUEST__BODY_OBJECTIVE_ARCHIVE:
        say(w, "obj %s %s", q->objective_archive->restore ? "restore" : "archive", subject);
        break;
    case OKR__REQUEST__BODY_OBJECTIVE_DELETE: say(w, "obj delete %s", subject); break;
    case OKR__REQUEST__BODY_KR_ADD: say_kr_add(w, q->kr_add, subject); break;
    case OKR__REQUEST__BODY_KR_EDIT: say_kr_edit(w, q->kr_edit, subject); break;
    case OKR__REQUEST__BODY_KR_DELETE: say(w, "kr delete %s", subject); break;
    case OKR__REQUEST__BODY_PERIOD_ADD: say_period_add(w, q->period_add, subject); break;
    case OKR__REQUEST__BODY_PERIOD_CLOSE:
        say(w, "period %s %s", q->period_close->reopen ? "reopen" : "close", subject);
        break;
    case OKR__REQUEST__BODY_PERIOD_EDIT: say_period_edit(w, q->period_edit); break;
    case OKR__REQUEST__BODY_PERIOD_DELETE: say(w, "period delete %s", subject); break;
    case OKR__REQUEST__BODY_TEAM_ADD:
        say(w, "team add %s", subject);
        if (q->team_add->team && given(q->team_add->team->parent))
            say(w, " (parent %s)", q->team_add->team->parent);
        break;
    case OKR__REQUEST__BODY_TEAM_EDIT:
        say(w, "team edit %s", str(q->team_edit->name));
        if (given(q->team_edit->new_name))
            say(w, " --name %s", q->team_edit->new_name);
        if (q->team_edit->parent)
            say(w, " --parent %s", given(q->team_edit->parent) ? q->team_edit->parent : "-");
        break;
    case OKR__REQUEST__BODY_TEAM_DELETE: say(w, "team delete %s", subject); break;
    case OKR__REQUEST__BODY_USER_ADD:
        say(w, "user add %s", subject);
        if (q->user_add->user && q->user_add->user->has_role)
            say(w, " (%s)", requests_role_name((okr_role)q->user_add->user->role));
        break;
    case OKR__REQUEST__BODY_USER_ROLE:
        say(w, "user role %s %s", subject, requests_role_name((okr_role)q->user_role->role));
        break;
    case OKR__REQUEST__BODY_USER_REMOVE: say(w, "user remove %s", subject); break;
    case OKR__REQUEST__BODY_IMPORT_DATA:    /* export.c: one event for the whole file */
        if (q->import_data->dump)
            say(w, "import %zu objectives, %zu key results, %zu check-ins",
                q->import_data->dump->n_objectives, q->import_data->dump->n_key_results,
                q->import_data->dump->n_checkins);
        else                                /* staged: the last part holds the tail only */
            say(w, "import of %llu bytes in parts",
                (unsigned long long)q->import_data->total_bytes);
        break;
    case OKR__REQUEST__BODY_CARRY:
        say(w, "carry %s -> %s as %s%s%s", str(q->carry->id), str(q->carry->period), subject,
            q->carry->with_krs ? " with KRs" : "", q->carry->from_reached ? " from reached" : "");
        break;
    default: say(w, "%s %s", body_name(q), subject); break;
    }
}

/* ------------------------------------------------------------ the line */

void render_event_words(const Okr__Event *ev, char *buf, size_t len)
{
    words w = {buf, len, 0};
    if (len == 0)
        return;
    buf[0] = '\0';
    say_change(&w, ev);
}

void render_event_line(FILE *out, const Okr__Event *ev, bool color)
{
    char when[20], what[1024];
    text_format_time(ev->time, when);
    render_event_words(ev, what, sizeof what);
    text_flatten(what);                 /* a note or description may have lines: one event, one line */
    fprintf(out, "#%llu %s %s %s", (unsigned long long)ev->seq, when, ev->actor ? ev->actor : "?",
            what);
    for (size_t i = 0; i < ev->n_scores; i++) {
        const Okr__ScoreChange *s = ev->scores[i];
        char from[FMT_BUF], to[FMT_BUF];
        const char *tint = !color ? "" : s->new_score > s->old_score ? RENDER_GREEN : RENDER_RED;
        fprintf(out, "%s %s%s %s->%s%s", i == 0 ? " |" : "", tint, str(s->node),
                fmt_score(s->old_score, 3, from, sizeof from),
                fmt_score(s->new_score, 3, to, sizeof to), color ? RENDER_RESET : "");
    }
    fputc('\n', out);
}
