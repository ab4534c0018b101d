/* sandboxrt serve: the parts that run no sandbox (request parsing, routing, paths, tar checks,
 * the scheduler). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <cmocka.h>

#include "api/http_parse.h"
#include "api/http_server.h"
#include "api/serve_archive.h"
#include "api/serve_registry.h"
#include "api/serve_request.h"
#include "api/serve_tools.h"
#include "util.h"

#define BODY(s) s, strlen(s)

static void test_target(void **state)
{
        struct sbx_http_target t;
        const char *raw = "/sandbox/ab%63/tools?x=1&api_key=k%20y+z&flag&=v";

        assert_int_equal(sbx_http_target_parse(raw, strlen(raw), &t), 0);
        assert_string_equal(t.path, "/sandbox/abc/tools");
        assert_int_equal(t.n_segments, 3);
        assert_string_equal(t.segments[1], "abc");
        assert_string_equal(sbx_http_query_get(&t.query, "x"), "1");
        assert_string_equal(sbx_http_query_get(&t.query, "api_key"), "k y z");
        assert_string_equal(sbx_http_query_get(&t.query, "flag"), "");
        assert_string_equal(sbx_http_query_get(&t.query, ""), "v");
        assert_null(sbx_http_query_get(&t.query, "nope"));
        sbx_http_target_clear(&t);

        static const char *const bad[] = {
            "",       "sandbox",     "/a/%zz", "/a/%0", "/a/%00",  "/a/../b",
            "/a/./b", "/a/%2e%2e/b", "/a%2fb", "/?k=%", "/?k=%00", "/1/2/3/4/5/6/7/8/9",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(sbx_http_target_parse(bad[i], strlen(bad[i]), &t), -EINVAL);
                assert_null(t.path);
        }
        char *big = malloc(SBX_HTTP_TARGET_MAX + 2);
        memset(big, 'a', SBX_HTTP_TARGET_MAX + 1);
        big[0] = '/';
        assert_int_equal(sbx_http_target_parse(big, SBX_HTTP_TARGET_MAX + 1, &t), -E2BIG);
        free(big);
        assert_int_equal(sbx_http_target_parse("/", 1, &t), 0);
        assert_int_equal(t.n_segments, 0);
        sbx_http_target_clear(&t);
}

static const struct sbx_route *route(const char *method, const char *path, const char **id,
                                     bool *known)
{
        struct sbx_http_target t;
        const struct sbx_route *r;

        assert_int_equal(sbx_http_target_parse(path, strlen(path), &t), 0);
        r = sbx_http_route_find(method, &t, id, known);
        if (*id)
                *id = strcmp(*id, "abc") ? "other" : "abc";
        sbx_http_target_clear(&t);
        return r;
}

static void test_routes(void **state)
{
        const char *id = NULL;
        bool known;

        assert_ptr_equal(route("GET", "/sandbox/abc", &id, &known)->fn, sbx_route_get);
        assert_string_equal(id, "abc");
        assert_ptr_equal(route("DELETE", "/sandbox/abc", &id, &known)->fn, sbx_route_delete);
        assert_ptr_equal(route("POST", "/sandbox/abc/stop", &id, &known)->fn, sbx_route_stop);
        assert_ptr_equal(route("GET", "/sandbox/abc/tools", &id, &known)->fn, sbx_route_tools);
        assert_ptr_equal(route("POST", "/sandbox/tool/execute", &id, &known)->fn,
                         sbx_route_tool_execute);
        assert_null(id);
        assert_ptr_equal(route("POST", "/sandbox/create", &id, &known)->fn, sbx_route_create);
        assert_ptr_equal(route("POST", "/pool/execute?tool_name=x", &id, &known)->fn,
                         sbx_route_pool_execute);
        assert_ptr_equal(route("GET", "/metrics", &id, &known)->fn, sbx_route_metrics);
        assert_ptr_equal(route("GET", "/health/", &id, &known)->fn, sbx_route_health);
        assert_null(route("GET", "/sandbox/tool/execute", &id, &known));
        assert_true(known);
        assert_null(route("PUT", "/health", &id, &known));
        assert_true(known);
        assert_null(route("GET", "/nope", &id, &known));
        assert_false(known);
        assert_null(route("GET", "/sandbox/abc/tools/more", &id, &known));
        assert_false(known);
}

static void test_text_helpers(void **state)
{
        char *s, *d;
        size_t n;

        assert_true(sbx_http_secret_equal("key", "key"));
        assert_false(sbx_http_secret_equal("kez", "key"));
        assert_false(sbx_http_secret_equal("ke", "key"));
        assert_false(sbx_http_secret_equal("keyy", "key"));
        assert_false(sbx_http_secret_equal(NULL, "key"));
        assert_false(sbx_http_secret_equal("", "key"));

        assert_int_equal(sbx_http_json_depth(BODY("{\"a\":[[1]],\"b\":\"[[[[\"}")), 3);
        assert_int_equal(sbx_http_json_depth(BODY("\"\\\"[\"")), 0);

        s = sbx_utf8_sanitize("a\xffz\xc3\xa9\0x\xed\xa0\x80", 10);
        assert_string_equal(s, "a\xef\xbf\xbdz\xc3\xa9\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd"
                               "\xef\xbf\xbd");
        free(s);
        assert_true(sbx_utf8_valid(BODY("h\xc3\xa9llo")));
        assert_false(sbx_utf8_valid(BODY("\xc0\xaf")));

        s = sbx_http_base64_encode("\x00\xffhi!", 5);
        assert_string_equal(s, "AP9oaSE=");
        assert_int_equal(sbx_http_base64_decode(s, strlen(s), &d, &n), 0);
        assert_int_equal(n, 5);
        assert_memory_equal(d, "\x00\xffhi!", 5);
        free(s);
        free(d);
        assert_int_equal(sbx_http_base64_decode(BODY("AP9"), &d, &n), -EINVAL);
        assert_int_equal(sbx_http_base64_decode(BODY("A=9o"), &d, &n), -EINVAL);

        uint64_t ms;
        assert_int_equal(sbx_http_seconds_to_ms("1.5", 10, &ms), 0);
        assert_int_equal(ms, 1500);
        assert_int_equal(sbx_http_seconds_to_ms("0", 10, &ms), -EINVAL);
        assert_int_equal(sbx_http_seconds_to_ms("11", 10, &ms), -EINVAL);
        assert_int_equal(sbx_http_seconds_to_ms("nan", 10, &ms), -EINVAL);
        assert_int_equal(sbx_http_seconds_to_ms("1s", 10, &ms), -EINVAL);
}

static void test_sandbox_config(void **state)
{
        struct sbx_sandbox_config c;
        char *detail = NULL;
        const char *body = "{\"image\":\"python:3.11-slim\",\"tools_config\":{\"python_executor\":"
                           "{},\"shell_executor\":{\"enabled\":false},\"nope\":{}},\"env_vars\":"
                           "{\"TOKEN\":\"secret\",\"N\":3},\"memory_limit\":\"512m\","
                           "\"cpu_limit\":\"2.0\",\"network_enabled\":true}";

        assert_int_equal(sbx_req_parse_sandbox_config(BODY(body), &c, &detail), 0);
        assert_string_equal(c.image, "python:3.11-slim");
        assert_string_equal(c.working_dir, "/sandbox");
        assert_int_equal(c.tools, 1u << SBX_TOOL_PYTHON);
        assert_string_equal(c.env[0], "TOKEN=secret");
        assert_string_equal(c.env[1], "N=3");
        assert_null(c.env[2]);
        assert_int_equal(c.memory_bytes, 512ull << 20);
        assert_int_equal(c.cpu_millicores, 2000);
        assert_true(c.network_enabled);
        assert_null(strstr(c.echo, "secret"));
        assert_non_null(strstr(c.echo, "\"TOKEN\":\"***\""));
        sbx_sandbox_config_clear(&c);

        assert_int_equal(sbx_req_parse_sandbox_config(BODY("{\"tools_config\":[\"file_operation\","
                                                           "\"multi_code_executor\"]}"),
                                                      &c, &detail),
                         0);
        assert_int_equal(c.tools, 1u << SBX_TOOL_FILE | 1u << SBX_TOOL_MULTI);
        sbx_sandbox_config_clear(&c);
        assert_int_equal(sbx_req_parse_sandbox_config("", 0, &c, &detail), 0);
        assert_int_equal(c.tools, 0);
        sbx_sandbox_config_clear(&c);

        static const char *const invalid[] = {
            "{\"memory_limit\":\"512x\"}",   "{\"memory_limit\":512}", "{\"cpu_limit\":\"two\"}",
            "{\"env_vars\":{\"1A\":\"x\"}}", "{\"tools_config\":3}",   "{\"working_dir\":\"rel\"}",
            "{\"network_enabled\":\"yes\"}",
        };
        for (size_t i = 0; i < ELEMENTSOF(invalid); i++) {
                assert_int_equal(sbx_req_parse_sandbox_config(BODY(invalid[i]), &c, &detail),
                                 -EINVAL);
                assert_non_null(detail);
                free(detail);
                detail = NULL;
        }
        static const char *const malformed[] = {"{", "[]", "{} x", "\"s\"",
                                                "{\"a\":[[[[[[[[["
                                                "[[[[[[[[[[[[[[["
                                                "[[[[[[[[[[[[[[[["
                                                "]]]]]]]]]]]]]]]]"
                                                "]]]]]]]]]]]]]]]"
                                                "]]]]]]]]]]]]]]]"
                                                "]]]]}"};
        for (size_t i = 0; i < ELEMENTSOF(malformed); i++) {
                assert_int_equal(sbx_req_parse_sandbox_config(BODY(malformed[i]), &c, &detail),
                                 -EBADMSG);
                free(detail);
                detail = NULL;
        }
}

static void test_tool_call(void **state)
{
        struct sbx_tool_call call;
        struct sbx_tool_params p;
        char *detail = NULL;

        assert_int_equal(sbx_req_parse_tool_call(BODY("{\"sandbox_id\":\"abc\",\"tool_name\":"
                                                      "\"shell_executor\",\"parameters\":{"
                                                      "\"command\":[\"ls\",\"-l\"],\"timeout\":"
                                                      "\"2.5\"},\"timeout\":9}"),
                                                 &call, &detail),
                         0);
        assert_string_equal(call.sandbox_id, "abc");
        assert_int_equal(sbx_tool_from_string(call.tool_name), SBX_TOOL_SHELL);
        assert_string_equal(call.params.command_argv[1], "-l");
        assert_null(call.params.command_argv[2]);
        assert_int_equal(call.params.timeout_ms, 2500);
        assert_int_equal(call.timeout_ms, 9000);
        sbx_tool_call_clear(&call);

        assert_int_equal(sbx_req_parse_tool_call(BODY("{\"tool_name\":\"x\"}"), &call, &detail),
                         -EINVAL);
        assert_string_equal(detail, "field required: sandbox_id");
        free(detail);
        detail = NULL;
        assert_int_equal(
            sbx_req_parse_tool_call(BODY("{\"sandbox_id\":1,\"tool_name\":\"x\"}"), &call, &detail),
            -EINVAL);
        free(detail);
        detail = NULL;

        assert_int_equal(sbx_req_parse_tool_params(BODY("{\"language\":\"cpp\",\"code\":\"x\","
                                                        "\"files\":{\"a.h\":\"int x;\"},"
                                                        "\"run_timeout\":3}"),
                                                   &p, &detail),
                         0);
        assert_int_equal(p.n_files, 1);
        assert_string_equal(p.files[0].path, "a.h");
        assert_string_equal(p.files[0].data, "int x;");
        assert_int_equal(p.run_timeout_ms, 3000);
        sbx_tool_params_clear(&p);
        assert_int_equal(sbx_req_parse_tool_params(BODY("{\"timeout\":-1}"), &p, &detail), -EINVAL);
        free(detail);
}

static void test_run_request(void **state)
{
        struct sbx_run_request r;
        struct sbx_run_batch b;
        char *detail = NULL;

        assert_int_equal(sbx_req_parse_run(BODY("{\"argv\":[\"cat\"],\"stdin_base64\":\"aGk=\","
                                                "\"limits\":{\"wall\":\"2s\",\"pids\":8},"
                                                "\"env\":[\"A=b\"],\"files\":[{\"path\":\"x\","
                                                "\"content_base64\":\"AAE=\",\"mode\":493}]}"),
                                           &r, &detail),
                         0);
        assert_string_equal(r.argv[0], "cat");
        assert_int_equal(r.stdin_size, 2);
        assert_string_equal(r.limits[0], "wall=2s");
        assert_string_equal(r.limits[1], "pids=8");
        assert_string_equal(r.env[0], "A=b");
        assert_int_equal(r.files[0].size, 2);
        assert_int_equal(r.files[0].mode, 0755);
        sbx_run_request_clear(&r);

        assert_int_equal(
            sbx_req_parse_run(BODY("{\"argv\":[\"x\"],\"language\":\"c\"}"), &r, &detail), -EINVAL);
        free(detail);
        detail = NULL;
        assert_int_equal(
            sbx_req_parse_run(BODY("{\"limits\":{\"Wall\":1},\"argv\":[\"x\"]}"), &r, &detail),
            -EINVAL);
        free(detail);
        detail = NULL;

        assert_int_equal(sbx_req_parse_batch(BODY("{\"jobs\":[{\"argv\":[\"a\"]},{\"language\":"
                                                  "\"python\",\"source\":\"print(1)\"}]}"),
                                             &b, &detail),
                         0);
        assert_int_equal(b.n_jobs, 2);
        assert_string_equal(b.jobs[1].source, "print(1)");
        sbx_run_batch_clear(&b);
        assert_int_equal(
            sbx_req_parse_batch(BODY("{\"jobs\":[{\"argv\":[\"a\"]},{}]}"), &b, &detail), -EINVAL);
        assert_non_null(strstr(detail, "jobs[1]"));
        free(detail);
}

static void map_ok(const char *wd, const char *path, const char *want)
{
        char *rel = NULL;
        const char *why = NULL;

        assert_int_equal(sbx_http_map_path(wd, path, &rel, &why), 0);
        assert_string_equal(rel, want);
        free(rel);
}

static void test_map_path(void **state)
{
        char *rel = NULL;
        const char *why = NULL;

        map_ok("/sandbox", "/sandbox/a/b.txt", "a/b.txt");
        map_ok("/sandbox", "/sandbox", "");
        map_ok("/sandbox/", "/sandbox//a/./b/", "a/b");
        map_ok("/work", "/work/x", "x");
        map_ok("/work", "/sandbox/x", "x");
        map_ok("/sandbox", "x/y", "x/y");
        map_ok("/sandbox", "./x", "x");
        assert_int_equal(sbx_http_map_path("/sandbox", "/etc/passwd", &rel, &why), -EINVAL);
        assert_int_equal(sbx_http_map_path("/sandbox", "/sandboxes/x", &rel, &why), -EINVAL);
        assert_int_equal(sbx_http_map_path("/sandbox", "../x", &rel, &why), -EINVAL);
        assert_int_equal(sbx_http_map_path("/sandbox", "/sandbox/a/../../x", &rel, &why), -EINVAL);
        assert_int_equal(sbx_req_parse_memory("4g", &(uint64_t){0}), 0);
        assert_int_equal(sbx_req_parse_memory("4gb", &(uint64_t){0}), -EINVAL);
}

/* A tar with one entry of the given type, written by libarchive into buf. */
static size_t make_tar(char *buf, size_t cap, const char *path, mode_t type, const char *link)
{
        struct archive *a = archive_write_new();
        struct archive_entry *e = archive_entry_new();
        size_t used = 0;

        archive_write_set_format_pax_restricted(a);
        archive_write_open_memory(a, buf, cap, &used);
        archive_entry_set_pathname(e, path);
        archive_entry_set_filetype(e, type);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, type == AE_IFREG ? 2 : 0);
        if (link && type == AE_IFLNK)
                archive_entry_set_symlink(e, link);
        if (link && type == AE_IFREG)
                archive_entry_set_hardlink(e, link);
        archive_write_header(a, e);
        if (type == AE_IFREG && !link)
                archive_write_data(a, "hi", 2);
        archive_entry_free(e);
        archive_write_close(a);
        archive_write_free(a);
        return used;
}

static void test_tar_check(void **state)
{
        static char buf[64 << 10];
        struct sbx_error *err = NULL;
        size_t n;

        n = make_tar(buf, sizeof(buf), "dir/ok.txt", AE_IFREG, NULL);
        assert_int_equal(sbx_archive_check(buf, n, 1 << 20, &err), 0);
        assert_int_equal(sbx_archive_check(buf, n, 1, &err), -EINVAL);
        err = sbx_error_free(err);

        static const struct {
                const char *path;
                mode_t type;
                const char *link;
        } hostile[] = {
            {"../evil", AE_IFREG, NULL},      {"/etc/evil", AE_IFREG, NULL},
            {"a/../../evil", AE_IFREG, NULL}, {"etc", AE_IFLNK, "/etc"},
            {"x", AE_IFLNK, "../../x"},       {"h", AE_IFREG, "/etc/passwd"},
            {"dev", AE_IFCHR, NULL},          {"fifo", AE_IFIFO, NULL},
        };
        for (size_t i = 0; i < ELEMENTSOF(hostile); i++) {
                n = make_tar(buf, sizeof(buf), hostile[i].path, hostile[i].type, hostile[i].link);
                assert_int_equal(sbx_archive_check(buf, n, 1 << 20, &err), -EINVAL);
                assert_non_null(strstr(err->message, "unsafe"));
                err = sbx_error_free(err);
        }
        assert_int_equal(sbx_archive_check("not a tar at all, not even close", 32, 1 << 20, &err),
                         -EINVAL);
        err = sbx_error_free(err);
}

static void test_sched(void **state)
{
        struct sbx_sched s;
        atomic_bool stopping = false;
        struct sbx_wait w = {
            .deadline_usec = sbx_now_usec() + 150000, .client_fd = -1, .stopping = &stopping};
        unsigned running, waiting;

        sbx_sched_init(&s, 1, 0);
        assert_int_equal(sbx_sched_acquire(&s, &w), 0);
        assert_int_equal(sbx_sched_acquire(&s, &w), -EAGAIN);
        sbx_sched_destroy(&s);

        sbx_sched_init(&s, 1, 1);
        assert_int_equal(sbx_sched_acquire(&s, &w), 0);
        uint64_t t0 = sbx_now_usec();
        assert_int_equal(sbx_sched_acquire(&s, &w), -ETIMEDOUT);
        assert_true(sbx_now_usec() - t0 < 2000000);
        sbx_sched_stats(&s, &running, &waiting);
        assert_int_equal(running, 1);
        assert_int_equal(waiting, 0);
        sbx_sched_release(&s);
        w.deadline_usec = sbx_now_usec() + 1000000;
        assert_int_equal(sbx_sched_acquire(&s, &w), 0);
        stopping = true;
        assert_int_equal(sbx_sched_acquire(&s, &w), -ESHUTDOWN);
        sbx_sched_close(&s);
        sbx_sched_release(&s);
        sbx_sched_stats(&s, &running, &waiting);
        assert_int_equal(running, 0);
        sbx_sched_destroy(&s);
}

static void test_schemas(void **state)
{
        for (int t = 0; t < _SBX_TOOL_MAX; t++) {
                cJSON *s = sbx_tool_schema(t);
                assert_non_null(s);
                cJSON *fn = cJSON_GetObjectItem(s, "function");
                assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(s, "type")),
                                    "function");
                assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(fn, "name")),
                                    sbx_tool_to_string(t));
                cJSON *params = cJSON_GetObjectItem(fn, "parameters");
                assert_true(cJSON_IsFalse(cJSON_GetObjectItem(params, "additionalProperties")));
                assert_true(cJSON_IsArray(cJSON_GetObjectItem(params, "required")));
                cJSON_Delete(s);
        }
}

/* ---- the registry and the pool, on the native runtime (skipped without one) -------------- */

static struct sbx_serve_config reg_cfg = {
    .backend = "auto", .max_sandboxes = 8, .n_rules = 1, .rules = {{"python:*", true}}};
static struct sbx_server reg_srv = {.cfg = &reg_cfg};

static int reg_setup(void **state)
{
        struct sbx_runtime_options o = {.backend = "native"};
        struct sbx_error *err = NULL;

        if (sbx_runtime_new(&o, &reg_srv.rt_native, &err) < 0) {
                fprintf(stderr, "no native runtime: %s\n", err->message);
                sbx_error_free(err);
                return 0;
        }
        return sbx_registry_new(&reg_srv, &reg_srv.reg);
}

static int reg_teardown(void **state)
{
        reg_srv.reg = sbx_registry_free(reg_srv.reg);
        reg_srv.rt_native = sbx_runtime_free(reg_srv.rt_native);
        return 0;
}

static struct sbx_served *make(const char *body, bool pool)
{
        struct sbx_sandbox_config c;
        struct sbx_served *e = NULL;
        struct sbx_error *err = NULL;
        char *detail = NULL;

        assert_int_equal(sbx_req_parse_sandbox_config(body, strlen(body), &c, &detail), 0);
        if (sbx_registry_create(reg_srv.reg, "docker", &c, pool, &e, &err) < 0)
                fail_msg("create: %s", err->message);
        sbx_sandbox_config_clear(&c);
        return e;
}

static uint64_t wall_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void test_cleanup(void **state)
{
        const uint64_t hour = 3600ull * 1000000;
        size_t counts[_SBX_SB_MAX], total;

        if (!reg_srv.reg)
                skip();
        struct sbx_served *a = make("{}", false), *b = make("{}", false);
        assert_int_equal(sbx_registry_stop(reg_srv.reg, b->id), 0);
        sbx_registry_put(reg_srv.reg, a);
        sbx_registry_put(reg_srv.reg, b);
        assert_int_equal(sbx_registry_cleanup(reg_srv.reg, wall_now() + hour / 2), 0);
        assert_int_equal(sbx_registry_cleanup(reg_srv.reg, wall_now() + 2 * hour), 1);
        sbx_registry_counts(reg_srv.reg, counts, &total);
        assert_int_equal(total, 1);
        assert_int_equal(counts[SBX_SB_RUNNING], 1);
        assert_int_equal(sbx_registry_cleanup(reg_srv.reg, wall_now() + 49 * hour), 1);
        sbx_registry_counts(reg_srv.reg, counts, &total);
        assert_int_equal(total, 0);
        /* The cap: max_sandboxes entries, then ENOSPC. */
        struct sbx_served *all[8];
        for (size_t i = 0; i < 8; i++)
                all[i] = make("{}", true);
        struct sbx_sandbox_config c = {0};
        struct sbx_served *e = NULL;
        struct sbx_error *err = NULL;
        sbx_req_parse_sandbox_config("{}", 2, &c, NULL);
        assert_int_equal(sbx_registry_create(reg_srv.reg, "docker", &c, true, &e, &err), -ENOSPC);
        sbx_error_free(err);
        sbx_sandbox_config_clear(&c);
        for (size_t i = 0; i < 8; i++) {
                assert_int_equal(sbx_registry_delete(reg_srv.reg, all[i]->id), 0);
                assert_int_equal(sbx_registry_delete(reg_srv.reg, all[i]->id), -ENOENT);
                sbx_registry_put(reg_srv.reg, all[i]);
        }
}

static void test_pool(void **state)
{
        atomic_bool stopping = false;
        struct sbx_wait w = {.client_fd = -1, .stopping = &stopping};
        struct sbx_served *got[4];
        struct sbx_error *err = NULL;
        cJSON *ids = NULL;
        size_t size;
        bool init;

        if (!reg_srv.reg)
                skip();
        w.deadline_usec = sbx_now_usec() + 100000;
        assert_int_equal(sbx_pool_acquire(reg_srv.reg, &w, &got[0]), -ENOENT);
        assert_int_equal(sbx_pool_initialize(reg_srv.reg, 3, "docker", "{}", 2, &ids, &err), 0);
        assert_int_equal(cJSON_GetArraySize(ids), 3);
        sbx_pool_stats(reg_srv.reg, &size, &init);
        assert_int_equal(size, 3);
        assert_true(init);
        /* Members come out in the order they went idle. */
        for (int i = 0; i < 3; i++) {
                w.deadline_usec = sbx_now_usec() + 100000;
                assert_int_equal(sbx_pool_acquire(reg_srv.reg, &w, &got[i]), 0);
                assert_string_equal(got[i]->id, cJSON_GetStringValue(cJSON_GetArrayItem(ids, i)));
                assert_int_equal(sbx_registry_status(reg_srv.reg, got[i]), SBX_SB_BUSY);
        }
        w.deadline_usec = sbx_now_usec() + 150000;
        assert_int_equal(sbx_pool_acquire(reg_srv.reg, &w, &got[3]), -ETIMEDOUT);
        sbx_pool_release(reg_srv.reg, got[1]);
        w.deadline_usec = sbx_now_usec() + 100000;
        assert_int_equal(sbx_pool_acquire(reg_srv.reg, &w, &got[3]), 0);
        assert_ptr_equal(got[3], got[1]);
        /* Deleting a busy member takes it out of the pool; its borrower still holds it. */
        assert_int_equal(sbx_registry_delete(reg_srv.reg, got[0]->id), 0);
        sbx_pool_stats(reg_srv.reg, &size, &init);
        assert_int_equal(size, 2);
        sbx_pool_release(reg_srv.reg, got[0]);
        sbx_pool_release(reg_srv.reg, got[2]);
        sbx_pool_release(reg_srv.reg, got[3]);
        /* Re-initializing replaces every member. */
        cJSON_Delete(ids);
        assert_int_equal(sbx_pool_initialize(reg_srv.reg, 2, "docker", "", 0, &ids, &err), 0);
        size_t counts[_SBX_SB_MAX], total;
        sbx_registry_counts(reg_srv.reg, counts, &total);
        assert_int_equal(total, 2);
        assert_int_equal(counts[SBX_SB_IDLE], 2);
        cJSON_Delete(ids);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_target),       cmocka_unit_test(test_routes),
            cmocka_unit_test(test_text_helpers), cmocka_unit_test(test_sandbox_config),
            cmocka_unit_test(test_tool_call),    cmocka_unit_test(test_run_request),
            cmocka_unit_test(test_map_path),     cmocka_unit_test(test_tar_check),
            cmocka_unit_test(test_sched),        cmocka_unit_test(test_schemas),
        };
        const struct CMUnitTest registry[] = {
            cmocka_unit_test(test_cleanup),
            cmocka_unit_test(test_pool),
        };
        int failed = cmocka_run_group_tests(tests, NULL, NULL);
        return failed + cmocka_run_group_tests(registry, reg_setup, reg_teardown);
}
