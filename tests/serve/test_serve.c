/* sandboxrt serve: the parts that run no sandbox (request parsing, routing, paths, tar checks,
 * the scheduler). */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <cmocka.h>

#include "server/http_conns.h"
#include "base64.h"
#include "server/http_parse.h"
#include "server/http_server.h"
#include "server/serve_archive.h"
#include "server/serve_registry.h"
#include "server/serve_request.h"
#include "server/serve_tenants.h"
#include "server/serve_tools.h"
#include "tests/time_scale.h"
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
                                     char *allow)
{
        struct sbx_http_target t;
        const struct sbx_route *r;

        assert_int_equal(sbx_http_target_parse(path, strlen(path), &t), 0);
        r = sbx_http_route_find(method, &t, id, allow);
        if (*id)
                *id = strcmp(*id, "abc") ? "other" : "abc";
        sbx_http_target_clear(&t);
        return r;
}

static void test_routes(void **state)
{
        const char *id = NULL;
        char known[SBX_HTTP_ALLOW_MAX];

        assert_ptr_equal(route("GET", "/sandbox/abc", &id, known)->fn, sbx_route_get);
        assert_string_equal(id, "abc");
        assert_ptr_equal(route("DELETE", "/sandbox/abc", &id, known)->fn, sbx_route_delete);
        assert_ptr_equal(route("POST", "/sandbox/abc/stop", &id, known)->fn, sbx_route_stop);
        assert_ptr_equal(route("GET", "/sandbox/abc/tools", &id, known)->fn, sbx_route_tools);
        assert_ptr_equal(route("POST", "/sandbox/tool/execute", &id, known)->fn,
                         sbx_route_tool_execute);
        assert_null(id);
        assert_ptr_equal(route("POST", "/sandbox/create", &id, known)->fn, sbx_route_create);
        assert_ptr_equal(route("POST", "/pool/execute?tool_name=x", &id, known)->fn,
                         sbx_route_pool_execute);
        assert_ptr_equal(route("GET", "/metrics", &id, known)->fn, sbx_route_metrics);
        assert_ptr_equal(route("GET", "/health/", &id, known)->fn, sbx_route_health);
        /* Another method's path: the methods it takes (a 405's Allow header); none: 404. */
        assert_null(route("GET", "/sandbox/tool/execute", &id, known));
        assert_string_equal(known, "POST");
        assert_null(route("PUT", "/health", &id, known));
        assert_string_equal(known, "GET");
        assert_null(route("POST", "/sandbox/abc", &id, known));
        assert_string_equal(known, "GET, DELETE");
        assert_null(route("GET", "/nope", &id, known));
        assert_string_equal(known, "");
        assert_null(route("GET", "/sandbox/abc/tools/more", &id, known));
        assert_string_equal(known, "");
}

static void test_text_helpers(void **state)
{
        char *s, *d;
        size_t n;

        assert_int_equal(sbx_http_json_depth(BODY("{\"a\":[[1]],\"b\":\"[[[[\"}")), 3);
        assert_int_equal(sbx_http_json_depth(BODY("\"\\\"[\"")), 0);

        s = sbx_utf8_sanitize("a\xffz\xc3\xa9\0x\xed\xa0\x80", 10);
        assert_string_equal(s, "a\xef\xbf\xbdz\xc3\xa9\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd"
                               "\xef\xbf\xbd");
        free(s);
        assert_true(sbx_utf8_valid(BODY("h\xc3\xa9llo"), NULL));
        assert_false(sbx_utf8_valid(BODY("\xc0\xaf"), NULL));
        assert_false(sbx_utf8_valid(BODY("h\xc3\xa9\xff\xc3\xa9"), &n));
        assert_int_equal(n, 3);

        s = sbx_base64_encode("\x00\xffhi!", 5);
        assert_string_equal(s, "AP9oaSE=");
        assert_int_equal(sbx_base64_decode(s, strlen(s), &d, &n), 0);
        assert_int_equal(n, 5);
        assert_memory_equal(d, "\x00\xffhi!", 5);
        free(s);
        free(d);
        assert_int_equal(sbx_base64_decode(BODY("AP9"), &d, &n), -EINVAL);
        assert_int_equal(sbx_base64_decode(BODY("A=9o"), &d, &n), -EINVAL);

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
        /* ms-enclave's routes too: the code would end at its NUL */
        assert_int_equal(sbx_req_parse_tool_call(BODY("{\"sandbox_id\":\"a\",\"tool_name\":"
                                                      "\"python_executor\",\"parameters\":{"
                                                      "\"code\":\"print(1)\\u0000print(2)\"}}"),
                                                 &call, &detail),
                         -EINVAL);
        assert_non_null(strstr(detail, "NUL"));
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
        /* ms-enclave's "no timeout of the tool's own": 0 and less are "none given". */
        assert_int_equal(sbx_req_parse_tool_params(BODY("{\"timeout\":0,\"run_timeout\":-1,"
                                                        "\"compile_timeout\":\"0\"}"),
                                                   &p, &detail),
                         0);
        assert_int_equal(p.timeout_ms, 0);
        assert_int_equal(p.run_timeout_ms, 0);
        assert_int_equal(p.compile_timeout_ms, 0);
        sbx_tool_params_clear(&p);
        assert_int_equal(sbx_req_parse_tool_params(BODY("{\"timeout\":\"soon\"}"), &p, &detail),
                         -EINVAL);
        free(detail);
        detail = NULL;
        assert_int_equal(sbx_req_parse_tool_params(BODY("{\"timeout\":1e9}"), &p, &detail),
                         -EINVAL);
        free(detail);
}

/* The keys a /v1 body's refusal of an unknown one lists ("it takes: a, b, ...") must be the
 * properties server/openapi.json documents for it: the two lists are kept by hand. */
static void assert_takes(char *detail, const cJSON *properties)
{
        const char *at = detail ? strstr(detail, "(it takes: ") : NULL;
        size_t n = 0;

        if (!at)
                fail_msg("no list of keys in: %s", detail ? detail : "(none)");
        at += strlen("(it takes: ");
        char *list = strndup(at, strcspn(at, ")"));
        char *save = NULL;
        for (char *k = strtok_r(list, ", ", &save); k; k = strtok_r(NULL, ", ", &save), n++)
                if (!cJSON_GetObjectItemCaseSensitive(properties, k))
                        fail_msg("the server takes '%s', which openapi.json does not document", k);
        assert_int_equal(n, cJSON_GetArraySize(properties)); /* nor does it document more */
        free(list);
        free(detail);
}

/* o's member at the path of keys (an array's item by its index), NULL-terminated. */
static const cJSON *dig(const cJSON *o, ...)
{
        va_list ap;

        va_start(ap, o);
        for (const char *k; o && (k = va_arg(ap, const char *));)
                o = cJSON_IsArray(o) ? cJSON_GetArrayItem(o, atoi(k))
                                     : cJSON_GetObjectItemCaseSensitive(o, k);
        va_end(ap);
        return o;
}

static void test_run_keys_documented(void **state)
{
        char *text = NULL, *detail = NULL;
        size_t size;
        struct sbx_run_request r;
        struct sbx_run_batch b;

        assert_int_equal(
            sbx_read_file(SBX_SOURCE_DIR "/server/openapi.json", 1 << 20, &text, &size), 0);
        cJSON *api = cJSON_ParseWithLength(text, size);
        const cJSON *job_keys = dig(api, "components", "schemas", "Job", "properties", NULL);
        const cJSON *file_keys = dig(job_keys, "files", "oneOf", "1", "items", "properties", NULL);
        const cJSON *batch_keys = dig(api, "paths", "/v1/runs", "post", "requestBody", "content",
                                      "application/json", "schema", "properties", NULL);
        assert_non_null(job_keys);
        assert_non_null(file_keys);
        assert_non_null(batch_keys);

        assert_int_equal(sbx_req_parse_run(BODY("{\"argv\":[\"x\"],\"sbx_nokey\":1}"), &r, &detail),
                         -EINVAL);
        assert_takes(TAKE_PTR(detail), job_keys);
        assert_int_equal(sbx_req_parse_run(BODY("{\"argv\":[\"x\"],\"files\":[{\"path\":\"a\","
                                                "\"sbx_nokey\":1}]}"),
                                           &r, &detail),
                         -EINVAL);
        assert_takes(TAKE_PTR(detail), file_keys);
        assert_int_equal(sbx_req_parse_batch(BODY("{\"jobs\":[{\"argv\":[\"x\"]}],"
                                                  "\"sbx_nokey\":1}"),
                                             &b, &detail),
                         -EINVAL);
        assert_takes(TAKE_PTR(detail), batch_keys);
        cJSON_Delete(api);
        free(text);
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

        /* A job the server would misread is refused, not run: a misspelt or unknown key (limits
         * the client believes it set), a language without its source, a source with an argv,
         * the same input given two ways. */
        static const char *const refused[][2] = {
            {"{\"language\":\"python\"}", "'source'"},
            {"{\"argv\":[\"x\"],\"source\":\"print(1)\"}", "'source'"},
            {"{\"argv\":[\"x\"],\"limit\":{\"wall\":\"1s\"}}", "'limit'"},
            {"{\"argv\":[\"x\"],\"stdn\":\"a\"}", "'stdn'"},
            {"{\"argv\":[\"x\"],\"stdin\":\"a\",\"stdin_base64\":\"Yg==\"}", "not both"},
            {"{\"argv\":[\"x\"],\"files\":[{\"path\":\"f\",\"content\":\"\",\"mod\":1}]}", "'mod'"},
            {"{\"argv\":[\"x\"],\"files\":{\"f\":{\"content\":\"a\",\"content_base64\":\"Yg==\"}}}",
             "not both"},
            /* cJSON's strings would end at a NUL: "ab\u0000cd" would reach the job as "ab" */
            {"{\"argv\":[\"x\"],\"stdin\":\"ab\\u0000cd\"}", "NUL"},
            {"{\"argv\":[\"x\"],\"files\":{\"f\":\"\\\\\\u0000\"}}", "NUL"},
        };
        for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
                const char *body = refused[i][0];
                assert_int_equal(sbx_req_parse_run(body, strlen(body), &r, &detail), -EINVAL);
                if (!detail || !strstr(detail, refused[i][1]))
                        fail_msg("%s: wanted \"%s\" in \"%s\"", body, refused[i][1],
                                 detail ? detail : "(none)");
                free(detail);
                detail = NULL;
        }
        /* A NUL byte itself is not JSON; an escaped backslash before u0000 is no NUL. */
        static const char raw_nul[] = "{\"argv\":[\"x\"],\"stdin\":\"a\0b\"}";
        assert_int_equal(sbx_req_parse_run(raw_nul, sizeof(raw_nul) - 1, &r, &detail), -EBADMSG);
        assert_non_null(strstr(detail, "NUL"));
        free(detail);
        detail = NULL;
        assert_int_equal(
            sbx_req_parse_run(BODY("{\"argv\":[\"x\"],\"stdin\":\"\\\\u0000\"}"), &r, &detail), 0);
        assert_string_equal(r.stdin_data, "\\u0000");
        sbx_run_request_clear(&r);

        /* An empty program is a program. */
        assert_int_equal(
            sbx_req_parse_run(BODY("{\"language\":\"python\",\"source\":\"\"}"), &r, &detail), 0);
        assert_int_equal(r.source_size, 0);
        sbx_run_request_clear(&r);
        assert_int_equal(sbx_req_parse_batch(BODY("{\"jobs\":[{\"argv\":[\"a\"]}],\"policy\":"
                                                  "\"x\"}"),
                                             &b, &detail),
                         -EINVAL);
        assert_non_null(strstr(detail, "'policy'"));
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
        char *abs = NULL;
        const char *why = NULL;

        assert_int_equal(sbx_http_map_path(NULL, wd, path, &abs, &why), 0);
        assert_string_equal(abs, want);
        free(abs);
}

static void test_map_path(void **state)
{
        char *abs = NULL;
        const char *why = NULL;

        map_ok("/sandbox", "/sandbox/a/b.txt", "/sandbox/a/b.txt");
        map_ok("/sandbox", "/sandbox", "/sandbox");
        map_ok("/sandbox/", "/sandbox//a/./b/", "/sandbox/a/b");
        map_ok("/work", "/work/x", "/sandbox/x");
        map_ok("/work", "/sandbox/x", "/sandbox/x");
        map_ok("/sandbox", "x/y", "/sandbox/x/y");
        map_ok("/sandbox", "./x", "/sandbox/x");
        /* The other writable directories are the sandbox's too (ms-enclave's /tmp uploads). */
        map_ok("/sandbox", "/tmp/eval-skills/a", "/tmp/eval-skills/a");
        map_ok("/sandbox", "/home/sandbox/.cache", "/home/sandbox/.cache");
        map_ok("/tmp", "/tmp/x", "/tmp/x"); /* a working_dir that is writable is itself */
        assert_int_equal(sbx_http_map_path(NULL, "/sandbox", "/etc/passwd", &abs, &why), -EROFS);
        assert_string_equal(why, "is not in a writable directory of the sandbox");
        assert_int_equal(sbx_http_map_path(NULL, "/sandbox", "/sandboxes/x", &abs, &why), -EROFS);
        assert_int_equal(sbx_http_map_path(NULL, "/sandbox", "/home/other", &abs, &why), -EROFS);
        assert_int_equal(sbx_http_map_path(NULL, "/sandbox", "/", &abs, &why), -EROFS);
        assert_int_equal(sbx_http_map_path(NULL, "/sandbox", "../x", &abs, &why), -EINVAL);
        assert_string_equal(why, "must not contain '..'");
        assert_int_equal(sbx_http_map_path(NULL, "/sandbox", "/sandbox/a/../../x", &abs, &why),
                         -EINVAL);
        assert_int_equal(sbx_http_map_path(NULL, "/sandbox", "/tmp/../etc", &abs, &why), -EINVAL);
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

/* ---- tenants files ---------------------------------------------------------------------- */

static struct sbx_tenants *tenants_ok(const char *text)
{
        struct sbx_tenants *set = NULL;
        struct sbx_error *err = NULL;

        if (sbx_tenants_parse(text, strlen(text), "t.yaml", &set, &err) < 0)
                fail_msg("parse: %s", err->message);
        return set;
}

static void tenants_bad(const char *text, const char *want)
{
        struct sbx_tenants *set = NULL;
        struct sbx_error *err = NULL;

        assert_true(sbx_tenants_parse(text, strlen(text), "t.yaml", &set, &err) < 0);
        assert_null(set);
        if (!strstr(err->message, want))
                fail_msg("%s: wanted \"%s\" in \"%s\"", text, want, err->message);
        /* No message shows a key. */
        assert_null(strstr(err->message, "s3cret"));
        sbx_error_free(err);
}

static void test_tenants_file(void **state)
{
        struct sbx_tenants *set = tenants_ok(
            "tenants:\n"
            "  - name: alice\n"
            "    key: \"s3cret-key-of-alice\"  # a comment\n"
            "    max_sandboxes: 8\n"
            "    max_jobs: 4\n"
            "    ceiling: default\n"
            "  - name: bob\n"
            "    key_sha256: \"5E884898DA28047151D0E56F8DC6292773603D0D6AABBDD62A11EF721D1542D8\"\n"
            "    allow_network: true\n");

        assert_int_equal(set->n, 2);
        assert_true(set->keyed && set->named);
        assert_string_equal(set->items[0].name, "alice");
        assert_int_equal(set->items[0].max_sandboxes, 8);
        assert_int_equal(set->items[0].max_jobs, 4);
        assert_string_equal(set->items[0].ceiling_spec, "default");
        assert_int_equal(set->items[0].allow_network, -1);
        assert_int_equal(set->items[1].allow_network, 1);
        assert_int_equal(set->items[1].max_sandboxes, 0);
        assert_ptr_equal(sbx_tenants_find(set, "s3cret-key-of-alice"), &set->items[0]);
        assert_ptr_equal(sbx_tenants_find(set, "password"), &set->items[1]); /* sha256 above */
        assert_null(sbx_tenants_find(set, "s3cret-key-of-alic"));
        assert_null(sbx_tenants_find(set, ""));
        assert_null(sbx_tenants_find(set, NULL));
        sbx_tenants_free(set);

        /* The example in the repository loads, and its digest is its documented key's. */
        struct sbx_error *err = NULL;
        if (sbx_tenants_load(SBX_SOURCE_DIR "/examples/tenants.yaml", &set, &err) < 0)
                fail_msg("examples/tenants.yaml: %s", err->message);
        assert_string_equal(sbx_tenants_find(set, "s3cret-key-of-the-farm")->name, "eval-farm");
        assert_string_equal(sbx_tenants_find(set, "s3cret-key-of-alice")->name, "alice");
        assert_string_equal(set->dir, SBX_SOURCE_DIR "/examples/");
        sbx_tenants_free(set);

        tenants_bad("", "empty file");
        tenants_bad("tenants: []\n", "tenants: the list is empty");
        tenants_bad("users: []\n", "t.yaml:1: unknown key");
        tenants_bad("tenants:\n  - name: a\n", "t.yaml:2: tenants[0]: needs a key or a key_sha256");
        tenants_bad("tenants:\n  - key: s3cret\n", "t.yaml:2: tenants[0]: needs a name");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n    key_sha256: ab\n",
                    "t.yaml:4: tenants[0].key_sha256: must be 64 hexadecimal digits");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n    max_jobs: 0\n",
                    "t.yaml:4: tenants[0].max_jobs: \"0\" is not a whole number from 1");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n    max_jobs: lots\n",
                    "tenants[0].max_jobs");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n    color: red\n",
                    "t.yaml:4: tenants[0].color: unknown key");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n    key: s3cret2\n",
                    "t.yaml:4: tenants[0].key: duplicate key (first set on line 3)");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n  - name: a\n    key: s3cret2\n",
                    "t.yaml:4: tenants[1]: the name \"a\" is taken (line 2)");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n  - name: b\n    key: s3cret\n",
                    "tenants[1]: has the same key as tenant \"a\"");
        tenants_bad("tenants:\n  - name: \"a b\"\n    key: s3cret\n", "is not a tenant name");
        tenants_bad("tenants:\n  - name: a\n    key: \" s3cret\"\n", "without a space");
        tenants_bad("tenants:\n  - &x name: a\n", "anchors");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n    allow_network: yes\n",
                    "must be true or false");
        tenants_bad("tenants:\n  - name: a\n    key: [s3cret]\n", "expected a single value");
        tenants_bad("tenants: {}\n", "expected a list");
        tenants_bad("tenants:\n  - name: a\n    key: s3cret\n---\ntenants: []\n",
                    "more than one YAML document");
}

static void test_tenant_quota(void **state)
{
        struct sbx_tenants *set = tenants_ok("tenants:\n  - name: q\n    key: k1\n"
                                             "    max_jobs: 3\n  - name: free\n    key: k2\n");
        struct sbx_tenant *q = &set->items[0], *free_ = &set->items[1];

        assert_int_equal(sbx_tenant_jobs_take(q, 2), 2);
        assert_int_equal(sbx_tenant_jobs_take(q, 2), 1);
        assert_int_equal(sbx_tenant_jobs_take(q, 1), 0);
        sbx_tenant_jobs_give(q, 3);
        assert_int_equal(sbx_tenant_jobs_take(q, 64), 3);
        sbx_tenant_jobs_give(q, 3);
        assert_int_equal(sbx_tenant_jobs_take(free_, 1000), 1000);
        sbx_tenant_jobs_give(free_, 1000);
        sbx_tenants_free(set);

        assert_int_equal(sbx_tenants_single(NULL, &set, NULL), 0);
        assert_false(set->keyed);
        assert_ptr_equal(sbx_tenants_find(set, NULL), &set->items[0]);
        assert_ptr_equal(sbx_tenants_find(set, "anything"), &set->items[0]);
        sbx_tenants_free(set);
        assert_int_equal(sbx_tenants_single("the-key", &set, NULL), 0);
        assert_ptr_equal(sbx_tenants_find(set, "the-key"), &set->items[0]);
        assert_null(sbx_tenants_find(set, "the-ke"));
        assert_null(sbx_tenants_find(set, NULL));
        sbx_tenants_free(set);
}

/* ---- connection admission --------------------------------------------------------------- */

struct fake_conn {
        int fds[2]; /* [0]: the server's end */
        struct sbx_conn *c;
};

static void connect_from(struct sbx_conns *conns, struct fake_conn *f, const char *ip)
{
        struct sockaddr_in a = {.sin_family = AF_INET};

        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, f->fds), 0);
        inet_pton(AF_INET, ip, &a.sin_addr);
        f->c = sbx_conns_add(conns, f->fds[0], (struct sockaddr *)&a, sizeof(a));
        assert_non_null(f->c);
}

/* Was the server's end shut down? (The peer then reads EOF.) */
static bool dropped(struct fake_conn *f)
{
        char c;

        return recv(f->fds[1], &c, 1, MSG_DONTWAIT) == 0;
}

static void hang_up(struct sbx_conns *conns, struct fake_conn *f)
{
        sbx_conns_remove(conns, f->c);
        close(f->fds[0]);
        close(f->fds[1]);
}

static void test_conns(void **state)
{
        struct sbx_conns *conns = sbx_conns_new(6, 3, 0);
        struct fake_conn a[4], b[3], z;
        unsigned open;
        unsigned long n_dropped;

        /* Per address: the fourth from one address drops that address's oldest idle one. */
        for (int i = 0; i < 3; i++)
                connect_from(conns, &a[i], "10.0.0.1");
        sbx_conn_set_state(conns, a[0].c, SBX_CONN_BUSY);
        sbx_conn_set_state(conns, a[1].c, SBX_CONN_READING);
        connect_from(conns, &a[3], "10.0.0.1");
        assert_true(dropped(&a[2])); /* idle goes before reading; busy never */
        assert_false(dropped(&a[0]) || dropped(&a[1]) || dropped(&a[3]));
        assert_false(sbx_conn_over(conns, a[3].c));
        hang_up(conns, &a[2]);
        /* In total: the seventh drops the oldest idle one of any address. */
        for (int i = 0; i < 3; i++)
                connect_from(conns, &b[i], "10.0.0.2");
        sbx_conns_stats(conns, &open, &n_dropped);
        assert_int_equal(open, 6);
        connect_from(conns, &z, "10.0.0.3");
        assert_true(dropped(&a[3])); /* idle since before b's arrived */
        hang_up(conns, &a[3]);
        /* Nothing idle or reading left to drop: the newcomer is over the limit. */
        for (int i = 0; i < 3; i++)
                sbx_conn_set_state(conns, b[i].c, SBX_CONN_BUSY);
        sbx_conn_set_state(conns, a[1].c, SBX_CONN_BUSY);
        sbx_conn_set_state(conns, z.c, SBX_CONN_BUSY);
        struct fake_conn late;
        connect_from(conns, &late, "10.0.0.4");
        assert_true(sbx_conn_over(conns, late.c));
        assert_false(dropped(&z));
        sbx_conns_stats(conns, &open, &n_dropped);
        assert_int_equal(open, 7);
        assert_int_equal(n_dropped, 2);
        hang_up(conns, &late);
        hang_up(conns, &z);
        hang_up(conns, &a[0]);
        hang_up(conns, &a[1]);
        for (int i = 0; i < 3; i++)
                hang_up(conns, &b[i]);
        sbx_conns_stats(conns, &open, &n_dropped);
        assert_int_equal(open, 0);
        sbx_conns_free(conns);

        /* Young connections (a burst on its way) are not dropped: the newcomer is over. */
        conns = sbx_conns_new(6, 1, 60 * 1000000ull);
        connect_from(conns, &a[0], "10.0.0.1");
        connect_from(conns, &a[1], "10.0.0.1");
        assert_false(dropped(&a[0]));
        assert_true(sbx_conn_over(conns, a[1].c));
        hang_up(conns, &a[1]);
        hang_up(conns, &a[0]);
        sbx_conns_free(conns);
}

/* ---- the registry and the pool, on the native runtime (skipped without one) -------------- */

static struct sbx_serve_config reg_cfg = {
    .backend = "auto", .max_sandboxes = 8, .n_rules = 1, .rules = {{"python:*", true}}};
static struct sbx_server reg_srv = {.cfg = &reg_cfg};
static struct sbx_tenant *ta, *tb; /* a holds at most 3 sandboxes */

static int reg_setup(void **state)
{
        static const char tenants[] = "tenants:\n  - name: a\n    key: ka\n"
                                      "    max_sandboxes: 3\n  - name: b\n    key: kb\n";
        struct sbx_runtime_options o = {.backend = "native"};
        struct sbx_error *err = NULL;

        if (sbx_runtime_new(&o, &reg_srv.rt_native, &err) < 0) {
                fprintf(stderr, "no native runtime: %s\n", err->message);
                sbx_error_free(err);
                return 0;
        }
        if (sbx_tenants_parse(tenants, strlen(tenants), "t.yaml", &reg_srv.tenants, &err) < 0 ||
            sbx_tenants_open_ceilings(reg_srv.tenants, reg_srv.rt_native, NULL, false, 16u << 20,
                                      &err) < 0)
                return -1;
        ta = &reg_srv.tenants->items[0];
        tb = &reg_srv.tenants->items[1];
        return sbx_registry_new(&reg_srv, &reg_srv.reg);
}

static int reg_teardown(void **state)
{
        reg_srv.reg = sbx_registry_free(reg_srv.reg);
        reg_srv.tenants = sbx_tenants_free(reg_srv.tenants);
        reg_srv.rt_native = sbx_runtime_free(reg_srv.rt_native);
        return 0;
}

static int make_as(struct sbx_tenant *t, const char *body, bool pool, struct sbx_served **e)
{
        struct sbx_sandbox_config c;
        struct sbx_error *err = NULL;
        char *detail = NULL;

        assert_int_equal(sbx_req_parse_sandbox_config(body, strlen(body), &c, &detail), 0);
        int r = sbx_registry_create(reg_srv.reg, t, "docker", &c, pool, e, &err);
        sbx_sandbox_config_clear(&c);
        sbx_error_free(err);
        return r;
}

static struct sbx_served *make(const char *body, bool pool)
{
        struct sbx_served *e = NULL;

        if (make_as(tb, body, pool, &e) < 0)
                fail_msg("create failed");
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
        assert_int_equal(sbx_registry_stop(reg_srv.reg, ta, b->id), -ENOENT);
        assert_int_equal(sbx_registry_stop(reg_srv.reg, tb, b->id), 0);
        sbx_registry_put(reg_srv.reg, a);
        sbx_registry_put(reg_srv.reg, b);
        assert_int_equal(sbx_registry_cleanup(reg_srv.reg, wall_now() + hour / 2), 0);
        assert_int_equal(sbx_registry_cleanup(reg_srv.reg, wall_now() + 2 * hour), 1);
        sbx_registry_counts(reg_srv.reg, tb, counts, &total);
        assert_int_equal(total, 1);
        assert_int_equal(counts[SBX_SB_RUNNING], 1);
        assert_int_equal(sbx_registry_cleanup(reg_srv.reg, wall_now() + 49 * hour), 1);
        sbx_registry_counts(reg_srv.reg, tb, counts, &total);
        assert_int_equal(total, 0);
        /* The cap: max_sandboxes entries, then ENOSPC. */
        struct sbx_served *all[8];
        for (size_t i = 0; i < 8; i++)
                all[i] = make("{}", true);
        struct sbx_sandbox_config c = {0};
        struct sbx_served *e = NULL;
        struct sbx_error *err = NULL;
        sbx_req_parse_sandbox_config("{}", 2, &c, NULL);
        assert_int_equal(sbx_registry_create(reg_srv.reg, tb, "docker", &c, true, &e, &err),
                         -ENOSPC);
        sbx_error_free(err);
        sbx_sandbox_config_clear(&c);
        for (size_t i = 0; i < 8; i++) {
                assert_int_equal(sbx_registry_delete(reg_srv.reg, ta, all[i]->id, NULL), -ENOENT);
                assert_int_equal(sbx_registry_delete(reg_srv.reg, tb, all[i]->id, NULL), 0);
                assert_int_equal(sbx_registry_delete(reg_srv.reg, tb, all[i]->id, NULL), -ENOENT);
                sbx_registry_put(reg_srv.reg, all[i]);
        }
}

static pthread_barrier_t all_set;

static void *init_pool_of_two(void *unused)
{
        struct sbx_error *err = NULL;
        cJSON *ids = NULL;

        pthread_barrier_wait(&all_set);
        int r = sbx_registry_pool_init(reg_srv.reg, tb, 2, "docker", "{}", 2, &ids, &err);

        sbx_error_free(err);
        cJSON_Delete(ids);
        return r == 0 ? (void *)1 : NULL;
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
        assert_int_equal(sbx_registry_pool_acquire(reg_srv.reg, tb, &w, &got[0]), -ENOENT);
        assert_int_equal(sbx_registry_pool_init(reg_srv.reg, tb, 3, "docker", "{}", 2, &ids, &err),
                         0);
        assert_int_equal(cJSON_GetArraySize(ids), 3);
        sbx_registry_pool_stats(reg_srv.reg, tb, &size, &init);
        assert_int_equal(size, 3);
        assert_true(init);
        /* Members come out in the order they went idle. */
        for (int i = 0; i < 3; i++) {
                w.deadline_usec = sbx_now_usec() + 100000;
                assert_int_equal(sbx_registry_pool_acquire(reg_srv.reg, tb, &w, &got[i]), 0);
                assert_string_equal(got[i]->id, cJSON_GetStringValue(cJSON_GetArrayItem(ids, i)));
                assert_int_equal(sbx_registry_status(reg_srv.reg, got[i]), SBX_SB_BUSY);
        }
        w.deadline_usec = sbx_now_usec() + 150000;
        assert_int_equal(sbx_registry_pool_acquire(reg_srv.reg, tb, &w, &got[3]), -ETIMEDOUT);
        sbx_registry_pool_release(reg_srv.reg, got[1]);
        w.deadline_usec = sbx_now_usec() + 100000;
        assert_int_equal(sbx_registry_pool_acquire(reg_srv.reg, tb, &w, &got[3]), 0);
        assert_ptr_equal(got[3], got[1]);
        /* Deleting a busy member takes it out of the pool; its borrower still holds it. */
        assert_int_equal(sbx_registry_delete(reg_srv.reg, tb, got[0]->id, NULL), 0);
        sbx_registry_pool_stats(reg_srv.reg, tb, &size, &init);
        assert_int_equal(size, 2);
        sbx_registry_pool_release(reg_srv.reg, got[0]);
        sbx_registry_pool_release(reg_srv.reg, got[2]);
        sbx_registry_pool_release(reg_srv.reg, got[3]);
        /* Re-initializing replaces every member. */
        cJSON_Delete(ids);
        assert_int_equal(sbx_registry_pool_init(reg_srv.reg, tb, 2, "docker", "", 0, &ids, &err),
                         0);
        size_t counts[_SBX_SB_MAX], total;
        sbx_registry_counts(reg_srv.reg, tb, counts, &total);
        assert_int_equal(total, 2);
        assert_int_equal(counts[SBX_SB_IDLE], 2);
        cJSON_Delete(ids);
        ids = NULL;

        /* A refused replacement (not JSON, a limit above the ceiling) loses nothing: the pool
         * that was there stays. */
        static const char *const refused[] = {"{bad json", "{\"memory_limit\": \"99g\"}"};
        for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
                assert_true(sbx_registry_pool_init(reg_srv.reg, tb, 3, "docker", refused[i],
                                                   strlen(refused[i]), &ids, &err) < 0);
                err = sbx_error_free(err);
                sbx_registry_pool_stats(reg_srv.reg, tb, &size, &init);
                assert_int_equal(size, 2);
                sbx_registry_counts(reg_srv.reg, tb, counts, &total);
                assert_int_equal(counts[SBX_SB_IDLE], 2);
        }

        /* Replacements at once take turns: the pool is the last one's, of its size. */
        for (int round = 0; round < 20; round++) {
                pthread_t t[3];
                pthread_barrier_init(&all_set, NULL, ELEMENTSOF(t));
                for (size_t i = 0; i < ELEMENTSOF(t); i++)
                        assert_int_equal(pthread_create(&t[i], NULL, init_pool_of_two, NULL), 0);
                for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                        void *ok;
                        pthread_join(t[i], &ok);
                        assert_non_null(ok);
                }
                pthread_barrier_destroy(&all_set);
                sbx_registry_pool_stats(reg_srv.reg, tb, &size, &init);
                assert_int_equal(size, 2);
                sbx_registry_counts(reg_srv.reg, tb, counts, &total);
                assert_int_equal(total, 2);
        }
}

/* Another tenant's sandbox does not exist for it; quotas count each tenant's own. */
static void test_tenant_isolation(void **state)
{
        atomic_bool stopping = false;
        struct sbx_wait w = {.client_fd = -1, .stopping = &stopping};
        struct sbx_served *mine[3], *more = NULL, *got = NULL;
        struct sbx_error *err = NULL;
        size_t counts[_SBX_SB_MAX], total, size;
        cJSON *ids = NULL;
        bool init;

        if (!reg_srv.reg)
                skip();
        sbx_registry_counts(reg_srv.reg, tb, counts, &total);
        size_t b_had = total;
        for (int i = 0; i < 3; i++)
                assert_int_equal(make_as(ta, "{}", false, &mine[i]), 0);
        assert_int_equal(make_as(ta, "{}", false, &more), -EDQUOT);
        assert_null(sbx_registry_get(reg_srv.reg, tb, mine[0]->id));
        struct sbx_served *again = sbx_registry_get(reg_srv.reg, ta, mine[0]->id);
        assert_ptr_equal(again, mine[0]);
        sbx_registry_put(reg_srv.reg, again);
        sbx_registry_counts(reg_srv.reg, tb, counts, &total);
        assert_int_equal(total, b_had); /* b's pool from test_pool */
        cJSON *list = sbx_registry_list(reg_srv.reg, tb, -1), *item;
        assert_int_equal(cJSON_GetArraySize(list), (int)b_had);
        cJSON_ArrayForEach(item, list)
        {
                const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(item, "id"));
                for (int i = 0; i < 3; i++)
                        assert_string_not_equal(id, mine[i]->id);
        }
        cJSON_Delete(list);
        list = sbx_registry_types(reg_srv.reg, tb);
        assert_int_equal(cJSON_GetNumberValue(cJSON_GetObjectItem(list, "docker")), b_had);
        cJSON_Delete(list);
        /* a's pool would not fit its quota; b has no pool of a's. */
        assert_int_equal(sbx_registry_pool_init(reg_srv.reg, ta, 1, "docker", "", 0, &ids, &err),
                         -EDQUOT);
        assert_non_null(strstr(err->message, "max_sandboxes (3)"));
        err = sbx_error_free(err);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(sbx_registry_delete(reg_srv.reg, ta, mine[i]->id, NULL), 0);
                sbx_registry_put(reg_srv.reg, mine[i]);
        }
        assert_int_equal(sbx_registry_pool_init(reg_srv.reg, ta, 2, "docker", "", 0, &ids, &err),
                         0);
        cJSON_Delete(ids);
        for (size_t i = 0; i < b_had; i++) { /* b borrows only from b's own pool */
                w.deadline_usec = sbx_now_usec() + 100000;
                assert_int_equal(sbx_registry_pool_acquire(reg_srv.reg, tb, &w, &got), 0);
                assert_ptr_equal(got->owner, tb);
                sbx_registry_pool_release(reg_srv.reg, got);
        }
        sbx_registry_pool_stats(reg_srv.reg, tb, &size, &init);
        assert_int_equal(size, b_had);
        sbx_registry_pool_stats(reg_srv.reg, ta, &size, &init);
        assert_int_equal(size, 2);
        sbx_registry_counts(reg_srv.reg, NULL, counts, &total);
        assert_int_equal(total, 2 + b_had);
}

static void *run_in_sandbox(void *arg)
{
        struct sbx_served *e = arg;
        struct sbx_job job = {.argv = (const char *const[]){"/bin/sleep", "20", NULL}};
        struct sbx_result *res = NULL;

        assert_int_equal(sbx_sandbox_run(e->sb, &job, &res, NULL), 0);
        return res;
}

/* Deleting a sandbox stops what runs in it (ms-enclave: "delete means stop, then remove"); a
 * call in it went on to its end, writing into a sandbox said to be deleted. */
static void test_delete_stops(void **state)
{
        const struct sbx_wait w = {.client_fd = -1, .deadline_usec = sbx_now_usec() + 1000000};
        pthread_t t;
        void *r;

        if (!reg_srv.reg)
                skip();
        struct sbx_served *e = make("{}", false);
        assert_int_equal(sbx_registry_begin(reg_srv.reg, e, &w, NULL), 0);
        assert_int_equal(pthread_create(&t, NULL, run_in_sandbox, e), 0);
        usleep(scaled_ms(500) * 1000);
        uint64_t t0 = sbx_now_ms();
        assert_int_equal(sbx_registry_delete(reg_srv.reg, tb, e->id, NULL), 0);
        pthread_join(t, &r);
        assert_true(sbx_now_ms() - t0 < scaled_ms(5000)); /* not the job's 20 s */
        struct sbx_result *res = r;
        assert_int_equal(res->verdict, SBX_VERDICT_SANDBOX_ERROR);
        assert_non_null(strstr(res->message, "the sandbox was stopped"));
        sbx_result_free(res);
        sbx_registry_end(reg_srv.reg, e);
        sbx_registry_put(reg_srv.reg, e);
}

/* The tool ceiling's output limit: the ceiling policy's tool_output, unless --tool-output. */
static void test_tool_output(void **state)
{
        char dir[] = "/tmp/sbx-tool-output-XXXXXX", path[64];
        static const char policy[] = "name: x\ndescription: t\nlimits:\n  wall: 5s\n  cpu: 5s\n"
                                     "  cpus: 1\n  memory: 256m\n  pids: 32\n  output: 1m\n"
                                     "  file_size: 1m\n  open_files: 64\n  tmpfs: 16m\n"
                                     "network: none\ntool_output: 2m\n";
        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/x.yaml", dir);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        struct sbx_error *err = NULL;
        struct sbx_tenants *set = NULL;

        assert_true(fd >= 0);
        assert_int_equal(write(fd, policy, strlen(policy)), (int)strlen(policy));
        close(fd);
        for (int i = 0; i < 3; i++) {
                const char *ceiling = i < 2 ? path : "default";
                uint64_t cli = i == 1 ? 3u << 20 : 0, want[] = {2u << 20, 3u << 20, 16u << 20};
                assert_int_equal(sbx_tenants_single(NULL, &set, &err), 0);
                if (sbx_tenants_open_ceilings(set, reg_srv.rt_native, ceiling, false, cli, &err) <
                    0)
                        fail_msg("%s", err->message);
                const struct sbx_policy *p = sbx_ceiling_policy(set->items[0].tool_ceiling);
                assert_true(p->limits.output_bytes == want[i]);
                assert_true(sbx_ceiling_policy(set->items[0].ceiling)->limits.output_bytes ==
                            1u << 20);
                set = sbx_tenants_free(set);
        }
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_target),
            cmocka_unit_test(test_routes),
            cmocka_unit_test(test_text_helpers),
            cmocka_unit_test(test_sandbox_config),
            cmocka_unit_test(test_tool_call),
            cmocka_unit_test(test_run_request),
            cmocka_unit_test(test_run_keys_documented),
            cmocka_unit_test(test_map_path),
            cmocka_unit_test(test_tar_check),
            cmocka_unit_test(test_sched),
            cmocka_unit_test(test_schemas),
            cmocka_unit_test(test_tenants_file),
            cmocka_unit_test(test_tenant_quota),
            cmocka_unit_test(test_conns),
        };
        const struct CMUnitTest registry[] = {
            cmocka_unit_test(test_cleanup),          cmocka_unit_test(test_pool),
            cmocka_unit_test(test_tenant_isolation), cmocka_unit_test(test_tool_output),
            cmocka_unit_test(test_delete_stops),
        };
        int failed = cmocka_run_group_tests(tests, NULL, NULL);
        return failed + cmocka_run_group_tests(registry, reg_setup, reg_teardown);
}
