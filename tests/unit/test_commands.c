/* test_commands.c — the one command table (common/commands.c): every request
 * has a command, lookups find the right row, help text and completion options
 * agree, and roles follow DESIGN §7. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "commands.h"

#define BODY(x) OKR__REQUEST__BODY_##x

static const okr_command *find(const char *group, const char *name)
{
    const okr_command *c = commands_find(group, name);
    if (c == NULL)
        fail_msg("no command \"%s%s%s\"", group ? group : "", group ? " " : "", name);
    return c;
}

static void test_rows_are_indexed_by_their_id(void **state)
{
    (void)state;
    for (int i = 0; i < OKR_CMD__COUNT; i++)
        assert_int_equal(okr_commands[i].id, i);
}

static void test_every_row_has_name_synopsis_summary_and_options(void **state)
{
    (void)state;
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        assert_non_null(c->name);
        assert_true(c->name[0] != '\0');
        assert_non_null(c->synopsis);
        assert_non_null(c->summary);
        assert_true(c->summary[0] != '\0');
        assert_non_null(c->options);
        /* keygen is the one command that runs locally and sends nothing */
        assert_true(c->body != OKR__REQUEST__BODY__NOT_SET || c->id == OKR_CMD_KEYGEN);
        assert_int_equal(commands_is_local(c), c->id == OKR_CMD_KEYGEN);
    }
}

static void test_command_names_are_unique(void **state)
{
    (void)state;
    for (int i = 0; i < OKR_CMD__COUNT; i++)
        for (int j = i + 1; j < OKR_CMD__COUNT; j++) {
            const okr_command *a = &okr_commands[i], *b = &okr_commands[j];
            bool same_group = (a->group == NULL && b->group == NULL) ||
                              (a->group && b->group && strcmp(a->group, b->group) == 0);
            if (same_group && strcmp(a->name, b->name) == 0)
                fail_msg("rows %d and %d are both \"%s %s\"", i, j, a->group ? a->group : "",
                         a->name);
        }
}

static void test_every_row_is_found_by_its_name(void **state)
{
    (void)state;
    for (int i = 0; i < OKR_CMD__COUNT; i++)
        assert_ptr_equal(commands_find(okr_commands[i].group, okr_commands[i].name),
                         &okr_commands[i]);
}

static void test_documented_commands_exist(void **state)
{
    (void)state;
    /* DESIGN §8 and the okr contract */
    assert_int_equal(find("period", "add")->id, OKR_CMD_PERIOD_ADD);
    assert_int_equal(find("period", "list")->id, OKR_CMD_PERIOD_LIST);
    assert_int_equal(find("period", "close")->id, OKR_CMD_PERIOD_CLOSE);
    assert_int_equal(find("team", "add")->id, OKR_CMD_TEAM_ADD);
    assert_int_equal(find("obj", "add")->id, OKR_CMD_OBJ_ADD);
    assert_int_equal(find("obj", "show")->id, OKR_CMD_OBJ_SHOW);
    assert_int_equal(find("obj", "align")->id, OKR_CMD_OBJ_ALIGN);
    assert_int_equal(find("obj", "unalign")->id, OKR_CMD_OBJ_UNALIGN);
    assert_int_equal(find("obj", "archive")->id, OKR_CMD_OBJ_ARCHIVE);
    assert_int_equal(find("obj", "delete")->id, OKR_CMD_OBJ_DELETE);
    assert_int_equal(find("kr", "add")->id, OKR_CMD_KR_ADD);
    assert_int_equal(find("kr", "edit")->id, OKR_CMD_KR_EDIT);
    assert_int_equal(find("kr", "delete")->id, OKR_CMD_KR_DELETE);
    assert_int_equal(find(NULL, "checkin")->id, OKR_CMD_CHECKIN);
    assert_int_equal(find(NULL, "history")->id, OKR_CMD_HISTORY);
    assert_int_equal(find(NULL, "show")->id, OKR_CMD_SHOW);
    assert_int_equal(find(NULL, "tree")->id, OKR_CMD_TREE);
    assert_int_equal(find(NULL, "status")->id, OKR_CMD_STATUS);
}

static void test_find_needs_the_right_group(void **state)
{
    (void)state;
    assert_null(commands_find(NULL, "add"));         /* "add" alone is no command */
    assert_null(commands_find("obj", "checkin"));    /* checkin is top-level */
    assert_null(commands_find("kr", "align"));
    assert_null(commands_find("nope", "add"));
    assert_null(commands_find("obj", NULL));
    assert_null(commands_find(NULL, NULL));
    assert_null(commands_find("obj", "ADD"));         /* names are exact */
    assert_null(commands_find("obj", "ad"));
}

static void test_groups_are_recognised(void **state)
{
    (void)state;
    assert_true(commands_is_group("obj"));
    assert_true(commands_is_group("kr"));
    assert_true(commands_is_group("period"));
    assert_true(commands_is_group("team"));
    assert_true(commands_is_group("checkin"));      /* checkin edit/delete; and a command */
    assert_false(commands_is_group("show"));
    assert_false(commands_is_group("objective"));
    assert_false(commands_is_group(""));
    assert_false(commands_is_group(NULL));
}

static bool has_option(const okr_command *c, const char *opt, size_t len)
{
    for (int i = 0; c->options[i]; i++)
        if (strlen(c->options[i]) == len && strncmp(c->options[i], opt, len) == 0)
            return true;
    return false;
}

/* Help (the synopsis) and completion (the option list) must not disagree. */
static void test_synopsis_and_option_list_agree(void **state)
{
    (void)state;
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        for (const char *p = strstr(c->synopsis, "--"); p; p = strstr(p, "--")) {
            p += 2;
            size_t len = strspn(p, "abcdefghijklmnopqrstuvwxyz-");
            if (!has_option(c, p, len))
                fail_msg("\"%s %s\": synopsis has --%.*s, option list does not",
                         c->group ? c->group : "", c->name, (int)len, p);
        }
        for (int k = 0; c->options[k]; k++) {
            char flag[64];
            snprintf(flag, sizeof flag, "--%s", c->options[k]);
            const char *hit = strstr(c->synopsis, flag);
            size_t n = strlen(flag);
            bool whole = hit && strspn(hit + n, "abcdefghijklmnopqrstuvwxyz-") == 0;
            if (!whole)
                fail_msg("\"%s %s\": option %s is not in the synopsis",
                         c->group ? c->group : "", c->name, flag);
        }
    }
}

/* Every body of the Request oneof is a row of the request-type table, with
 * its field name, and a mutation is answered by Changed. */
static void test_every_request_body_has_a_request_type(void **state)
{
    (void)state;
    const ProtobufCMessageDescriptor *d = &okr__request__descriptor;
    int bodies = 0;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        if (!(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        bodies++;
        const okr_request_type *t = requests_find((Okr__Request__BodyCase)f->id);
        if (t == NULL)
            fail_msg("request body \"%s\" has no row in common/requests.c", f->name);
        assert_string_equal(t->name, f->name);
        assert_true(t->reply != OKR__RESPONSE__BODY__NOT_SET);
        assert_int_equal(t->mutates, t->reply == OKR__RESPONSE__BODY_CHANGED ||
                                         t->reply == OKR__RESPONSE__BODY_IMPORTED);
    }
    assert_int_equal(bodies, okr_request_type_count);
}

/* DESIGN §7: viewer may "read, watch". A monitor's snapshot and replay
 * requests (looked up by name, so this compiles whatever the proto holds). */
static void test_watching_the_stream_needs_only_viewer(void **state)
{
    (void)state;
    const char *watch_bodies[] = {"snapshot", "replay", "log"};
    for (size_t i = 0; i < sizeof watch_bodies / sizeof watch_bodies[0]; i++) {
        const ProtobufCFieldDescriptor *f =
            protobuf_c_message_descriptor_get_field_by_name(&okr__request__descriptor,
                                                             watch_bodies[i]);
        if (f == NULL || !(f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            fail_msg("Request has no body \"%s\"", watch_bodies[i]);
        okr_role role = requests_role((Okr__Request__BodyCase)f->id);
        if (role != OKR_ROLE_VIEWER)
            fail_msg("request body \"%s\" needs role %s, expected viewer", watch_bodies[i],
                     requests_role_name(role));
    }
}

static void test_reading_needs_only_viewer(void **state)
{
    (void)state;
    const okr_cmd_id reads[] = {OKR_CMD_PERIOD_LIST, OKR_CMD_TEAM_LIST, OKR_CMD_OBJ_SHOW,
                                OKR_CMD_OBJ_LIST, OKR_CMD_KR_SHOW, OKR_CMD_HISTORY,
                                OKR_CMD_SHOW, OKR_CMD_TREE, OKR_CMD_STATUS, OKR_CMD_WATCH};
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++)
        assert_int_equal(commands_role(&okr_commands[reads[i]]), OKR_ROLE_VIEWER);
}

static void test_okr_changes_and_checkins_need_editor(void **state)
{
    (void)state;
    const okr_cmd_id edits[] = {OKR_CMD_OBJ_ADD, OKR_CMD_OBJ_EDIT, OKR_CMD_OBJ_ALIGN,
                                OKR_CMD_OBJ_UNALIGN, OKR_CMD_OBJ_ARCHIVE,
                                OKR_CMD_OBJ_RESTORE, OKR_CMD_OBJ_DELETE, OKR_CMD_KR_ADD,
                                OKR_CMD_KR_EDIT, OKR_CMD_KR_DELETE, OKR_CMD_CHECKIN};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++)
        assert_int_equal(commands_role(&okr_commands[edits[i]]), OKR_ROLE_EDITOR);
}

static void test_period_team_and_user_changes_need_admin(void **state)
{
    (void)state;
    assert_int_equal(commands_role(&okr_commands[OKR_CMD_PERIOD_ADD]), OKR_ROLE_ADMIN);
    assert_int_equal(commands_role(&okr_commands[OKR_CMD_PERIOD_CLOSE]), OKR_ROLE_ADMIN);
    assert_int_equal(commands_role(&okr_commands[OKR_CMD_PERIOD_REOPEN]), OKR_ROLE_ADMIN);
    assert_int_equal(commands_role(&okr_commands[OKR_CMD_TEAM_ADD]), OKR_ROLE_ADMIN);
    assert_int_equal(requests_role(BODY(USER_ADD)), OKR_ROLE_ADMIN);
    assert_int_equal(requests_role(BODY(USER_ROLE)), OKR_ROLE_ADMIN);
    assert_int_equal(requests_role(BODY(USER_REMOVE)), OKR_ROLE_ADMIN);
    assert_int_equal(requests_role(BODY(USER_LIST)), OKR_ROLE_VIEWER);
}

static void test_request_table_roles(void **state)
{
    (void)state;
    assert_int_equal(requests_role(BODY(CHECKIN)), OKR_ROLE_EDITOR);
    assert_int_equal(requests_role(BODY(STATUS)), OKR_ROLE_VIEWER);
    assert_int_equal(requests_role(BODY(OBJECTIVE_GET)), OKR_ROLE_VIEWER);
    assert_int_equal(requests_role(BODY(TREE)), OKR_ROLE_VIEWER);
    assert_int_equal(requests_role(BODY(PERIOD_CLOSE)), OKR_ROLE_ADMIN);
    assert_int_equal(requests_role(BODY(OBJECTIVE_ARCHIVE)), OKR_ROLE_EDITOR);
    assert_true(requests_mutates(BODY(CHECKIN)));
    assert_false(requests_mutates(BODY(REPLAY)));
    assert_int_equal(requests_reply(BODY(TREE)), OKR__RESPONSE__BODY_GRAPH);
}

/* A command's role is the strictest of the bodies it sends. */
static void test_command_role_is_its_bodies_strictest(void **state)
{
    (void)state;
    for (int i = 0; i < OKR_CMD__COUNT; i++) {
        const okr_command *c = &okr_commands[i];
        okr_role r = requests_role(c->body);
        if (c->body_also != OKR__REQUEST__BODY__NOT_SET && requests_role(c->body_also) > r)
            r = requests_role(c->body_also);
        assert_int_equal(commands_role(c), r);
    }
}

static void test_unknown_body_needs_admin(void **state)
{
    (void)state;
    assert_int_equal(requests_role(OKR__REQUEST__BODY__NOT_SET), OKR_ROLE_ADMIN);
    assert_int_equal(requests_role((Okr__Request__BodyCase)999), OKR_ROLE_ADMIN);
    assert_false(requests_mutates((Okr__Request__BodyCase)999));
    assert_null(requests_find((Okr__Request__BodyCase)999));
}

static void test_role_names(void **state)
{
    (void)state;
    okr_role r;
    assert_string_equal(requests_role_name(OKR_ROLE_VIEWER), "viewer");
    assert_string_equal(requests_role_name(OKR_ROLE_EDITOR), "editor");
    assert_string_equal(requests_role_name(OKR_ROLE_ADMIN), "admin");
    assert_string_equal(requests_role_name((okr_role)7), "?");
    assert_true(requests_role_parse("editor", &r));
    assert_int_equal(r, OKR_ROLE_EDITOR);
    assert_false(requests_role_parse("root", &r));
}

int main(void)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rows_are_indexed_by_their_id),
        cmocka_unit_test(test_every_row_has_name_synopsis_summary_and_options),
        cmocka_unit_test(test_command_names_are_unique),
        cmocka_unit_test(test_every_row_is_found_by_its_name),
        cmocka_unit_test(test_documented_commands_exist),
        cmocka_unit_test(test_find_needs_the_right_group),
        cmocka_unit_test(test_groups_are_recognised),
        cmocka_unit_test(test_synopsis_and_option_list_agree),
        cmocka_unit_test(test_every_request_body_has_a_request_type),
        cmocka_unit_test(test_watching_the_stream_needs_only_viewer),
        cmocka_unit_test(test_reading_needs_only_viewer),
        cmocka_unit_test(test_okr_changes_and_checkins_need_editor),
        cmocka_unit_test(test_period_team_and_user_changes_need_admin),
        cmocka_unit_test(test_request_table_roles),
        cmocka_unit_test(test_command_role_is_its_bodies_strictest),
        cmocka_unit_test(test_unknown_body_needs_admin),
        cmocka_unit_test(test_role_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
