/* The remote backend (remote/remote.c) through its ops table against a live `sandboxrt serve`
 * ($SBX_REMOTE_URL, started by tests/serve/remote.sh). Run once as is (sandboxrt protocol:
 * /v1/run) and once with SANDBOXRT_REMOTE_PROTOCOL=ms-enclave (ms-enclave routes only). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "remote/remote.h"
#include "util.h"
#include "tests/time_scale.h"

static struct sbx_backend *be;

static struct sbx_policy policy = {
    .name = (char *)"default",
    .limits = {.wall_ms = 5000,
               .cpu_ms = 5000,
               .cpu_millicores = 1000,
               .memory_bytes = 256u << 20,
               .pids = 64,
               .output_bytes = 1 << 20,
               .file_size_bytes = 16 << 20,
               .open_files = 256,
               .tmpfs_bytes = 64 << 20},
    .network = SBX_NETWORK_NONE,
};

static const char *const env[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/sandbox",
                                  "GREETING=hi there", NULL};

static int setup(void **state)
{
        struct sbx_runtime_options o = {.remote_url = getenv("SBX_REMOTE_URL"),
                                        .remote_api_key = getenv("SBX_REMOTE_KEY")};
        struct sbx_error *err = NULL;

        if (!o.remote_url)
                return -1;
        if (sbx_remote_ops.open(&o, &be, &err) < 0) {
                fprintf(stderr, "open: %s\n", err->message);
                return -1;
        }
        return 0;
}

static int teardown(void **state)
{
        sbx_remote_ops.close(be);
        return 0;
}

static struct sbx_result *run(struct sbx_box *box, const char *const *argv,
                              const struct sbx_file *files, size_t n, const char *in)
{
        struct sbx_spec spec = {.argv = argv,
                                .env = env,
                                .files = files,
                                .n_files = n,
                                .stdin_data = in,
                                .stdin_size = in ? strlen(in) : 0,
                                .policy = &policy};
        struct sbx_result *r = calloc(1, sizeof(*r));
        struct sbx_error *err = NULL;

        if (sbx_remote_ops.run(be, box, &spec, r, &err) < 0)
                fail_msg("run: %s", err->message);
        assert_string_equal(r->backend, "remote");
        return r;
}

static void check_jobs(struct sbx_box *box)
{
        const char *sh[] = {
            "/bin/sh", "-c",
            "cat; printf '%s' \"$GREETING\" >&2; cat data.bin | od -An -tx1 | tr -d ' \\n'", NULL};
        struct sbx_file f = {.path = "data.bin", .data = "\x00\xff\x10", .size = 3};
        struct sbx_result *r = run(box, sh, &f, 1, "stdin text\n");

        assert_int_equal(r->verdict, SBX_VERDICT_OK);
        assert_int_equal(r->exit_code, 0);
        assert_string_equal(r->out.data, "stdin text\n00ff10");
        assert_string_equal(r->err.data, "hi there");
        sbx_result_free(r);

        const char *fail3[] = {"/bin/sh", "-c", "exit 3", NULL};
        r = run(box, fail3, NULL, 0, NULL);
        assert_int_equal(r->verdict, SBX_VERDICT_RUNTIME_ERROR);
        assert_int_equal(r->exit_code, 3);
        sbx_result_free(r);

        const char *fail4[] = {"/bin/sh", "-c", "echo bad >&2; exit 4", NULL};
        r = run(box, fail4, NULL, 0, NULL);
        assert_int_equal(r->verdict, SBX_VERDICT_RUNTIME_ERROR);
        assert_int_equal(r->exit_code, 4);
        assert_string_equal(r->err.data, "bad\n");
        sbx_result_free(r);

        const char *slow[] = {"/bin/sleep", "30", NULL};
        policy.limits.wall_ms = 1000;
        uint64_t t0 = sbx_now_ms();
        r = run(box, slow, NULL, 0, NULL);
        policy.limits.wall_ms = 5000;
        assert_int_equal(r->verdict, SBX_VERDICT_TIME_LIMIT);
        assert_true(sbx_now_ms() - t0 < 1000 + scaled_ms(10000));
        sbx_result_free(r);
}

static void test_fresh(void **state)
{
        check_jobs(NULL);

        /* Output that is not UTF-8 text comes back byte for byte, NUL and all; ms-enclave's
         * routes carry text only, each such byte as U+FFFD. */
        const char *proto = getenv("SANDBOXRT_REMOTE_PROTOCOL");
        bool text_only = proto && !strcmp(proto, "ms-enclave");
        const char *bytes[] = {"/usr/bin/printf", "a\\000\\377b", NULL};
        struct sbx_result *r = run(NULL, bytes, NULL, 0, NULL);
        const char *want = text_only ? "a\xef\xbf\xbd\xef\xbf\xbd"
                                       "b"
                                     : "a\0\377b";
        assert_int_equal(r->out.size, text_only ? 8 : 4);
        assert_memory_equal(r->out.data, want, r->out.size);
        sbx_result_free(r);
}

static void test_box(void **state)
{
        struct sbx_box *box = NULL;
        struct sbx_error *err = NULL;
        struct sbx_output out = {0};
        struct sbx_file f = {.path = "dir/kept.txt", .data = "kept\n", .size = 5};

        if (sbx_remote_ops.box_create(be, &policy, NULL, &box, &err) < 0)
                fail_msg("box_create: %s", err->message);
        check_jobs(box);
        assert_int_equal(sbx_remote_ops.box_write(be, box, &f, &err), 0);
        const char *cat[] = {"cat", "dir/kept.txt", NULL};
        struct sbx_result *r = run(box, cat, NULL, 0, NULL);
        assert_string_equal(r->out.data, "kept\n");
        sbx_result_free(r);
        assert_int_equal(sbx_remote_ops.box_read(be, box, "dir/kept.txt", 3, &out, &err), 0);
        assert_string_equal(out.data, "kep");
        assert_true(out.truncated);
        free(out.data);
        assert_int_equal(sbx_remote_ops.box_remove(be, box, "dir", &err), 0);
        assert_true(sbx_remote_ops.box_read(be, box, "dir/kept.txt", 100, &out, &err) < 0);
        err = sbx_error_free(err);
        sbx_remote_ops.box_destroy(be, box, NULL);
}

static void test_unreachable(void **state)
{
        struct sbx_runtime_options o = {.remote_url = "http://127.0.0.1:1"};
        struct sbx_backend *dead = NULL;
        struct sbx_error *err = NULL;

        assert_true(sbx_remote_ops.open(&o, &dead, &err) < 0);
        assert_non_null(strstr(err->message, "http://127.0.0.1:1"));
        sbx_error_free(err);
        err = NULL;
        assert_true(sbx_remote_ops.probe(&err) < 0);
        sbx_error_free(err);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_fresh),
            cmocka_unit_test(test_box),
            cmocka_unit_test(test_unreachable),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
