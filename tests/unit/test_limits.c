/* The policy table (policies/fields.c) against every form derived from it: each row must survive
 * policy YAML, the v1 API's JSON, the remote backend's JSON, the launcher wire and Docker's
 * HostConfig, and server/openapi.json must describe exactly the table's rows. A row that one of
 * these forms leaves out fails here.
 *
 * `test_limits --fix` rewrites server/openapi.json's derived parts from the table (the rest of the
 * file is kept, in its json.dumps(indent=1) layout). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "server/http_server.h"
#include "remote/remote.h"
#include "docker/container.h"
#include "isolation/wire.h"
#include "policies/fields.h"
#include "util.h"

#define OPENAPI SBX_SOURCE_DIR "/server/openapi.json"

/* Both tables, each row once: the limits, then the other keys of a policy. */
#define FOR_EACH_FIELD(f)                                                                          \
        for (size_t i_ = 0; i_ < sbx_n_limit_fields + sbx_n_policy_fields; i_++)                   \
                for (const struct sbx_field *f =                                                   \
                         i_ < sbx_n_limit_fields ? &sbx_limit_fields[i_]                           \
                                                 : &sbx_policy_fields[i_ - sbx_n_limit_fields];    \
                     f; f = NULL)

static bool is_string(const struct sbx_field *f)
{
        return f->kind == SBX_FIELD_NAME || f->kind == SBX_FIELD_TEXT;
}

static bool is_number(const struct sbx_field *f)
{
        return !is_string(f) && f->kind != SBX_FIELD_LIMITS && f->kind != SBX_FIELD_PATHS &&
               f->kind != SBX_FIELD_WARM;
}

static char *probe_paths[] = {(char *)"/opt/probe", (char *)"/var/probe", NULL};

static bool same_paths(char *const *a, char *const *b)
{
        size_t i = 0;

        for (; a && b && a[i] && b[i]; i++)
                if (strcmp(a[i], b[i]))
                        return false;
        return (!a || !a[i]) && (!b || !b[i]);
}

/* A policy whose every numeric row holds a value of its own (near its maximum, so that Docker's
 * floors do not hide it), offset by delta. */
static struct sbx_policy distinct_policy(uint64_t delta)
{
        struct sbx_policy p = {.name = (char *)"probe", .description = (char *)"a \"probe\""};
        uint64_t k = 1;

        FOR_EACH_FIELD(f)
        {
                if (f->kind == SBX_FIELD_NETWORK)
                        sbx_field_put(f, &p, SBX_NETWORK_LOOPBACK);
                else if (f->kind == SBX_FIELD_WARM)
                        sbx_field_put(f, &p, delta ? SBX_WARM_OFF : SBX_WARM_ON);
                else if (is_number(f))
                        sbx_field_put(f, &p, f->max - 1000 * k++ - delta);
                else if (f->kind == SBX_FIELD_PATHS)
                        *(char ***)((char *)&p + f->offset) = probe_paths;
        }
        return p;
}

static void assert_same(const struct sbx_policy *want, const struct sbx_policy *got,
                        const char *form, bool (*carried)(const struct sbx_field *))
{
        FOR_EACH_FIELD(f)
        {
                const char *a = sbx_field_string(f, want), *b = sbx_field_string(f, got);
                if (carried && !carried(f))
                        continue;
                if (is_number(f) && sbx_field_get(f, want) != sbx_field_get(f, got))
                        fail_msg("%s: %s is %llu, not %llu", form, f->key,
                                 (unsigned long long)sbx_field_get(f, got),
                                 (unsigned long long)sbx_field_get(f, want));
                if (f->kind == SBX_FIELD_WARM && sbx_field_get(f, want) != sbx_field_get(f, got))
                        fail_msg("%s: %s is %llu, not %llu", form, f->key,
                                 (unsigned long long)sbx_field_get(f, got),
                                 (unsigned long long)sbx_field_get(f, want));
                if (f->kind == SBX_FIELD_PATHS &&
                    !same_paths(sbx_field_paths(f, want), sbx_field_paths(f, got)))
                        fail_msg("%s: %s differs", form, f->key);
                if (is_string(f) && (!a || !b || strcmp(a, b)))
                        fail_msg("%s: %s is \"%s\", not \"%s\"", form, f->key, b ? b : "(null)",
                                 a ? a : "(null)");
        }
}

/* Every row says what it is and how it is enforced. */
static void rows_complete(void **state)
{
        (void)state;
        FOR_EACH_FIELD(f)
        {
                if (!f->key || !f->json || !f->doc)
                        fail_msg("row %s: key, json and doc are required", f->key);
                if (is_number(f) && (f->width != 4 && f->width != 8))
                        fail_msg("row %s: width %zu", f->key, f->width);
                if (f->optional && f->kind != SBX_FIELD_PATHS && f->kind != SBX_FIELD_WARM &&
                    (!is_number(f) || f->dflt < f->min || f->dflt > f->max))
                        fail_msg("row %s: an optional key needs a default in its bounds", f->key);
        }
        for (size_t i = 0; i < sbx_n_limit_fields; i++) {
                const struct sbx_field *f = &sbx_limit_fields[i];
                assert_string_equal(sbx_limit_to_string((enum sbx_limit)i), f->key);
                if (!f->override || !f->wire || f->optional || f->min > f->max)
                        fail_msg("limit %s: every limit is required, overridable and on the wire",
                                 f->key);
                if (!f->docker && !f->rlimit.name && !f->supervised && !f->cgroup)
                        fail_msg("limit %s: nothing enforces it (docker, rlimit, cgroup or "
                                 "supervised)",
                                 f->key);
        }
}

static void yaml_round_trip(void **state)
{
        struct sbx_policy want = distinct_policy(0), *got = NULL;
        _cleanup_free_ char *yaml = sbx_policy_to_yaml(&want);
        struct sbx_error *err = NULL;

        (void)state;
        assert_non_null(yaml);
        if (sbx_policy_parse(yaml, strlen(yaml), "probe.yaml", &got, &err) < 0)
                fail_msg("%s\n%s", err->message, yaml);
        assert_same(&want, got, "policy YAML", NULL);
        sbx_policy_free(got);
}

/* A JSON array of strings as a NULL-terminated list (static: the test reads one at a time). */
static char **json_paths(const cJSON *v)
{
        static char *list[16];
        size_t n = 0;
        const cJSON *e;

        cJSON_ArrayForEach(e, v) if (n + 1 < ELEMENTSOF(list)) list[n++] = e->valuestring;
        list[n] = NULL;
        return list;
}

/* The v1 API's policy JSON, read back by the table's JSON names. */
static void json_read(const cJSON *o, const struct sbx_field *fields, size_t n,
                      struct sbx_policy *p)
{
        assert_int_equal(cJSON_GetArraySize(o), n); /* nothing else in it */
        for (size_t i = 0; i < n; i++) {
                const struct sbx_field *f = &fields[i];
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, f->json);
                if (!v)
                        fail_msg("v1 JSON: no member %s", f->json);
                if (f->kind == SBX_FIELD_LIMITS)
                        json_read(v, f->sub, f->n_sub, p);
                else if (f->kind == SBX_FIELD_NETWORK)
                        p->network = (enum sbx_network)sbx_network_from_string(v->valuestring);
                else if (is_string(f))
                        *(char **)((char *)p + f->offset) = v->valuestring;
                else if (f->kind == SBX_FIELD_PATHS)
                        *(char ***)((char *)p + f->offset) = json_paths(v);
                else if (f->kind == SBX_FIELD_WARM)
                        p->warm = cJSON_IsNull(v)   ? SBX_WARM_DEFAULT
                                  : cJSON_IsTrue(v) ? SBX_WARM_ON
                                                    : SBX_WARM_OFF;
                else
                        sbx_field_put(f, p, (uint64_t)cJSON_GetNumberValue(v));
        }
}

static void v1_json_round_trip(void **state)
{
        struct sbx_policy want = distinct_policy(0), got = {0};
        cJSON *o = sbx_http_policy_json(&want);

        (void)state;
        json_read(o, sbx_policy_fields, sbx_n_policy_fields, &got);
        assert_same(&want, &got, "v1 JSON", NULL);
        cJSON_Delete(o);
}

static bool overridable(const struct sbx_field *f)
{
        return f->override;
}

/* What the remote backend sends, as the server reads it: each member an override. */
static void remote_json_round_trip(void **state)
{
        struct sbx_policy want = distinct_policy(0), got = distinct_policy(7);
        cJSON *o = sbx_remote_limits_json(&want), *v;
        size_t n = 0;

        (void)state;
        FOR_EACH_FIELD(f)
        {
                if (f->override && !cJSON_GetObjectItemCaseSensitive(o, f->key))
                        fail_msg("remote JSON: no member %s", f->key);
                n += f->override;
        }
        assert_int_equal(cJSON_GetArraySize(o), n);
        cJSON_ArrayForEach(v, o)
        {
                _cleanup_free_ char *kv = sbx_strdup_printf("%s=%s", v->string, v->valuestring);
                struct sbx_error *err = NULL;
                if (sbx_policy_override(&got, kv, &err) < 0)
                        fail_msg("remote JSON: %s: %s", kv, err->message);
        }
        assert_same(&want, &got, "remote JSON", overridable);
        cJSON_Delete(o);
}

static bool on_wire(const struct sbx_field *f)
{
        return f->wire;
}

static void wire_round_trip(void **state)
{
        static const char *const argv[] = {"/bin/true", NULL};
        struct sbx_policy want = distinct_policy(0);
        struct sbx_spec spec = {.argv = argv, .env = argv + 1, .policy = &want};
        struct sbx_wbuf b = {0};
        struct sbx_wire_spec ws;

        (void)state;
        sbx_wire_put_spec(&b, &spec);
        assert_false(b.failed);
        assert_int_equal(sbx_wire_get_spec(TAKE_PTR(b.data), b.len, &ws), 0);
        assert_same(&want, &ws.policy, "wire", on_wire);
        sbx_wire_spec_release(&ws);
}

static cJSON *host_config(const struct sbx_policy *p)
{
        _cleanup_free_ char *body = sbx_docker_create_body("python", p, "o", "l", 1000, NULL, NULL);
        cJSON *root;

        assert_non_null(body);
        root = cJSON_Parse(body);
        assert_non_null(root);
        return root;
}

static const cJSON *ulimit(const cJSON *hc, const char *name)
{
        const cJSON *u;

        cJSON_ArrayForEach(u, cJSON_GetObjectItem(hc, "Ulimits"))
        {
                if (!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(u, "Name")), name))
                        return u;
        }
        fail_msg("docker: no Ulimits entry %s", name);
        return NULL;
}

/* Each .docker member follows its limit (a value one lower changes it: the conversion is
 * Docker's own); each rlimit is a Ulimits entry with the rlimit's value. */
static void docker_host_config(void **state)
{
        struct sbx_policy p = distinct_policy(0), lower = distinct_policy(1);
        cJSON *a = host_config(&p), *b = host_config(&lower);
        const cJSON *hca = cJSON_GetObjectItem(a, "HostConfig"),
                    *hcb = cJSON_GetObjectItem(b, "HostConfig");

        (void)state;
        for (size_t i = 0; i < sbx_n_limit_fields; i++) {
                const struct sbx_field *f = &sbx_limit_fields[i];
                const cJSON *va = f->docker ? cJSON_GetObjectItem(hca, f->docker) : NULL;
                if (f->docker &&
                    (!va || cJSON_Compare(va, cJSON_GetObjectItem(hcb, f->docker), true)))
                        fail_msg("docker: HostConfig.%s does not follow %s", f->docker, f->key);
                if (f->rlimit.name && cJSON_GetNumberValue(cJSON_GetObjectItem(
                                          ulimit(hca, f->rlimit.name), "Soft")) !=
                                          (double)sbx_field_rlimit_value(f, sbx_field_get(f, &p)))
                        fail_msg("docker: Ulimits %s is not %s", f->rlimit.name, f->key);
        }
        cJSON_Delete(a);
        cJSON_Delete(b);
}

/* ---- server/openapi.json --------------------------------------------------------------------- */

static cJSON *network_enum(void)
{
        cJSON *o = cJSON_CreateObject(), *e = cJSON_AddArrayToObject(o, "enum");

        for (int n = 0; n < _SBX_NETWORK_MAX; n++)
                cJSON_AddItemToArray(e, cJSON_CreateString(sbx_network_to_string(n)));
        return o;
}

/* "what it bounds, in its unit; optional (default ...)". */
static void add_description(cJSON *o, const struct sbx_field *f, const char *extra)
{
        struct sbx_policy d = {0};
        char dflt[32], text[512];

        sbx_field_put(f, &d, f->dflt);
        snprintf(text, sizeof(text), "%s%s%s%s%s%s", f->doc, *sbx_field_unit(f) ? ", in " : "",
                 sbx_field_unit(f), extra,
                 f->optional ? "; optional in policy files, default " : "",
                 !f->optional                 ? ""
                 : f->kind == SBX_FIELD_PATHS ? "none"
                 : f->kind == SBX_FIELD_WARM  ? "null (the runtime decides: on in eval and serve)"
                                              : sbx_field_format(f, &d, dflt, sizeof(dflt)));
        cJSON_AddStringToObject(o, "description", text);
}

/* A key as GET /v1/policies shows it. */
static cJSON *policy_schema(const struct sbx_field *f)
{
        cJSON *o = f->kind == SBX_FIELD_NETWORK ? network_enum() : cJSON_CreateObject(), *props;
        cJSON *req;

        if (f->kind == SBX_FIELD_LIMITS)
                cJSON_AddStringToObject(o, "type", "object");
        else if (is_string(f))
                cJSON_AddStringToObject(o, "type", "string");
        else if (f->kind == SBX_FIELD_WARM) {
                const char *types[] = {"boolean", "null"}; /* OpenAPI 3.1: null is unset */
                cJSON_AddItemToObject(o, "type", cJSON_CreateStringArray(types, 2));
        } else if (f->kind == SBX_FIELD_PATHS) {
                cJSON_AddStringToObject(o, "type", "array");
                cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "items"), "type", "string");
        } else if (f->kind != SBX_FIELD_NETWORK) {
                cJSON_AddStringToObject(o, "type", "integer");
                cJSON_AddNumberToObject(o, "minimum", (double)f->min);
                cJSON_AddNumberToObject(o, "maximum", (double)f->max);
        }
        add_description(o, f, "");
        if (f->kind != SBX_FIELD_LIMITS)
                return o;
        req = cJSON_AddArrayToObject(o, "required");
        props = cJSON_AddObjectToObject(o, "properties");
        for (size_t i = 0; i < f->n_sub; i++) {
                cJSON_AddItemToArray(req, cJSON_CreateString(f->sub[i].json));
                cJSON_AddItemToObject(props, f->sub[i].json, policy_schema(&f->sub[i]));
        }
        return o;
}

/* components.schemas.Policy: the v1 API's policy JSON. */
static cJSON *policy_object_schema(void)
{
        const struct sbx_field root = {
            .kind = SBX_FIELD_LIMITS,
            .sub = sbx_policy_fields,
            .n_sub = sbx_n_policy_fields,
            .doc = "a policy as GET /v1/policies lists it: every key of a policy file, numbers in "
                   "base units"};

        return policy_schema(&root);
}

/* A job's "limits": --limit's keys and values, in any unit policy files take. */
static cJSON *override_schema(const struct sbx_field *f)
{
        cJSON *o = f->kind == SBX_FIELD_NETWORK ? network_enum() : cJSON_CreateObject(), *any;
        char text[512];

        if (f->kind != SBX_FIELD_NETWORK) {
                any = cJSON_AddArrayToObject(o, "oneOf");
                cJSON_AddItemToArray(any, cJSON_CreateObject());
                cJSON_AddStringToObject(cJSON_GetArrayItem(any, 0), "type", "string");
                cJSON_AddItemToArray(any, cJSON_CreateObject());
                cJSON_AddStringToObject(cJSON_GetArrayItem(any, 1), "type", "number");
        }
        snprintf(text, sizeof(text), "%s (%s)", f->doc, sbx_field_hint(f));
        cJSON_AddStringToObject(o, "description", text);
        return o;
}

static cJSON *job_limits_schema(void)
{
        cJSON *o = cJSON_CreateObject(), *props;

        cJSON_AddStringToObject(o, "type", "object");
        cJSON_AddStringToObject(o, "description",
                                "overrides of the policy's limits, as --limit takes them; a key "
                                "left out keeps the policy's value");
        cJSON_AddBoolToObject(o, "additionalProperties", false);
        props = cJSON_AddObjectToObject(o, "properties");
        FOR_EACH_FIELD(f)
        {
                if (f->override)
                        cJSON_AddItemToObject(props, f->key, override_schema(f));
        }
        return o;
}

static cJSON *limit_names(void)
{
        cJSON *e = cJSON_CreateArray();

        for (size_t i = 0; i < sbx_n_limit_fields; i++)
                cJSON_AddItemToArray(e, cJSON_CreateString(sbx_limit_fields[i].key));
        return e;
}

/* The parts of server/openapi.json derived from the table: where, and what. */
static const struct {
        const char *path[8];
        cJSON *(*make)(void);
} derived[] = {
    {{"components", "schemas", "Policy"}, policy_object_schema},
    {{"components", "schemas", "Job", "properties", "limits"}, job_limits_schema},
    {{"components", "schemas", "Result", "properties", "limits_enforced", "items", "enum"},
     limit_names},
};

static cJSON *parent_of(cJSON *doc, const char *const *path, const char **last)
{
        size_t n = 0;

        while (n < 8 && path[n])
                n++;
        for (size_t i = 0; doc && i + 1 < n; i++)
                doc = cJSON_GetObjectItemCaseSensitive(doc, path[i]);
        *last = path[n - 1];
        return doc;
}

/* ---- --fix: the document in Python's json.dumps(indent=1) layout, as it is kept ---------------
 */

static void put_json(FILE *out, const cJSON *v, int depth)
{
        bool obj = cJSON_IsObject(v);
        const cJSON *c;

        if (!obj && !cJSON_IsArray(v)) {
                _cleanup_free_ char *leaf = cJSON_PrintUnformatted(v);
                fputs(leaf, out);
                return;
        }
        if (!v->child) {
                fputs(obj ? "{}" : "[]", out);
                return;
        }
        fputc(obj ? '{' : '[', out);
        for (c = v->child; c; c = c->next) {
                fprintf(out, "\n%*s", depth + 1, "");
                if (obj) {
                        cJSON *k = cJSON_CreateString(c->string);
                        _cleanup_free_ char *key = cJSON_PrintUnformatted(k);
                        fprintf(out, "%s: ", key);
                        cJSON_Delete(k);
                }
                put_json(out, c, depth + 1);
                if (c->next)
                        fputc(',', out);
        }
        fprintf(out, "\n%*s%c", depth, "", obj ? '}' : ']');
}

/* Compare (or with fix, replace) each derived part. Returns how many differed. */
static int openapi_derive(cJSON *doc, bool fix)
{
        int differ = 0;

        for (size_t i = 0; i < ELEMENTSOF(derived); i++) {
                const char *key;
                cJSON *parent = parent_of(doc, derived[i].path, &key), *want = derived[i].make();
                cJSON *have = parent ? cJSON_GetObjectItemCaseSensitive(parent, key) : NULL;
                if (!parent)
                        fail_msg("server/openapi.json has no parent for %s", key);
                if (have && cJSON_Compare(have, want, true)) {
                        cJSON_Delete(want);
                        continue;
                }
                differ++;
                if (!fix) {
                        fprintf(stderr, "server/openapi.json: %s of %s should be:\n", key,
                                derived[i].path[2]);
                        put_json(stderr, want, 0);
                        fputc('\n', stderr);
                        cJSON_Delete(want);
                } else if (have) {
                        cJSON_ReplaceItemInObjectCaseSensitive(parent, key, want);
                } else {
                        cJSON_AddItemToObject(parent, key, want);
                }
        }
        return differ;
}

static cJSON *read_openapi(void)
{
        _cleanup_free_ char *text = NULL;
        size_t size;
        cJSON *doc;

        if (sbx_read_file(OPENAPI, 1u << 22, &text, &size) < 0)
                fail_msg("cannot read " OPENAPI);
        doc = cJSON_Parse(text);
        if (!doc)
                fail_msg(OPENAPI " is not JSON");
        return doc;
}

static void openapi_follows_table(void **state)
{
        cJSON *doc = read_openapi();

        (void)state;
        if (openapi_derive(doc, false))
                fail_msg(
                    "server/openapi.json differs from the policy table: run `test_limits --fix` "
                    "(in the build's tests/ directory) and commit the result");
        cJSON_Delete(doc);
}

static int fix_openapi(void)
{
        cJSON *doc = read_openapi();
        int n = openapi_derive(doc, true);
        FILE *out = fopen(OPENAPI, "we");

        if (!out)
                return perror(OPENAPI), 1;
        put_json(out, doc, 0);
        fputc('\n', out);
        cJSON_Delete(doc);
        if (fclose(out) != 0)
                return perror(OPENAPI), 1;
        printf("%s: %d part(s) rewritten from the policy table\n", OPENAPI, n);
        return 0;
}

int main(int argc, char **argv)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(rows_complete),         cmocka_unit_test(yaml_round_trip),
            cmocka_unit_test(v1_json_round_trip),    cmocka_unit_test(remote_json_round_trip),
            cmocka_unit_test(wire_round_trip),       cmocka_unit_test(docker_host_config),
            cmocka_unit_test(openapi_follows_table),
        };

        if (argc == 2 && !strcmp(argv[1], "--fix"))
                return fix_openapi();
        return cmocka_run_group_tests(tests, NULL, NULL);
}
