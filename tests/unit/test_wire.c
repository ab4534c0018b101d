/* The supervisor protocol's encoding: round trips, and garbage never decodes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "isolation/wire.h"

static const char *const argv_[] = {"/usr/bin/python3", "-c", "print(1)", NULL};
static const char *const env_[] = {"PATH=/usr/bin", "HOME=/sandbox", NULL};
static const struct sbx_file files_[] = {
    {.path = "a/b.txt", .data = "hello", .size = 5, .mode = 0600},
    {.path = "/tmp/empty", .data = "", .size = 0, .mode = 0},
};
static const char *const writable_[] = {"/opt/data", "/var/cache/job", NULL};
static const struct sbx_policy policy_ = {
    .name = (char *)"default",
    .limits = {.wall_ms = 10000,
               .cpu_ms = 9000,
               .cpu_millicores = 1500,
               .memory_bytes = 512u << 20,
               .pids = 64,
               .output_bytes = 1u << 20,
               .file_size_bytes = 16u << 20,
               .open_files = 256,
               .tmpfs_bytes = 64u << 20},
    .network = SBX_NETWORK_LOOPBACK,
    .writable = (char **)writable_,
};

static struct sbx_wbuf encode_spec(void)
{
        struct sbx_spec spec = {.argv = argv_,
                                .env = env_,
                                .files = files_,
                                .n_files = 2,
                                .stdin_data = "in\0put",
                                .stdin_size = 6,
                                .policy = &policy_};
        struct sbx_wbuf b = {0};

        sbx_wire_put_spec(&b, &spec);
        assert_false(b.failed);
        return b;
}

static void spec_round_trip(void **state)
{
        struct sbx_wbuf b = encode_spec();
        struct sbx_wire_spec ws;
        char *raw = malloc(b.len);

        memcpy(raw, b.data, b.len);
        assert_int_equal(sbx_wire_get_spec(raw, b.len, &ws), 0);
        assert_string_equal(ws.spec.argv[2], "print(1)");
        assert_null(ws.spec.argv[3]);
        assert_string_equal(ws.spec.env[1], "HOME=/sandbox");
        assert_int_equal(ws.spec.stdin_size, 6);
        assert_memory_equal(ws.spec.stdin_data, "in\0put", 6);
        assert_int_equal(ws.spec.n_files, 2);
        assert_string_equal(ws.spec.files[0].path, "a/b.txt");
        assert_int_equal(ws.spec.files[0].mode, 0600);
        assert_memory_equal(ws.spec.files[0].data, "hello", 5);
        assert_memory_equal(&ws.spec.policy->limits, &policy_.limits, sizeof(policy_.limits));
        assert_int_equal(ws.spec.policy->network, SBX_NETWORK_LOOPBACK);
        assert_string_equal(ws.spec.policy->writable[0], "/opt/data");
        assert_string_equal(ws.spec.policy->writable[1], "/var/cache/job");
        assert_null(ws.spec.policy->writable[2]);
        sbx_wire_spec_release(&ws);
        sbx_wbuf_release(&b);
}

/* Every truncation of a valid message, and every single-byte corruption of its length fields,
 * is rejected or decodes safely (ASan watches the reads). */
static void spec_truncated_and_corrupt(void **state)
{
        struct sbx_wbuf b = encode_spec();
        struct sbx_wire_spec ws;

        for (size_t n = 0; n < b.len; n++) {
                char *raw = malloc(n ? n : 1);
                memcpy(raw, b.data, n);
                assert_int_equal(sbx_wire_get_spec(raw, n, &ws), -EBADMSG);
        }
        for (size_t i = 0; i < b.len; i++) {
                char *raw = malloc(b.len);
                memcpy(raw, b.data, b.len);
                raw[i] ^= (char)0xff;
                if (sbx_wire_get_spec(raw, b.len, &ws) == 0)
                        sbx_wire_spec_release(&ws);
        }
        sbx_wbuf_release(&b);
}

static void result_round_trip(void **state)
{
        struct sbx_result r = {.verdict = SBX_VERDICT_OUTPUT_LIMIT,
                               .exit_code = -1,
                               .signal = 9,
                               .wall_ms = 12,
                               .cpu_ms = 7,
                               .peak_memory_bytes = 4096,
                               .out = {.data = (char *)"abc", .size = 3, .truncated = true},
                               .err = {.data = NULL, .size = 0},
                               .message = (char *)"output limit",
                               .cgroup_entry = (char *)"born in its cgroup"};
        struct sbx_result back = {0};
        struct sbx_wbuf b = {0};

        sbx_wire_put_result(&b, &r);
        assert_int_equal(sbx_wire_get_result(b.data, b.len, &back), 0);
        assert_int_equal(back.verdict, SBX_VERDICT_OUTPUT_LIMIT);
        assert_int_equal(back.signal, 9);
        assert_string_equal(back.out.data, "abc");
        assert_true(back.out.truncated);
        assert_int_equal(back.err.size, 0);
        assert_string_equal(back.message, "output limit");
        assert_string_equal(back.cgroup_entry, "born in its cgroup");
        free(back.out.data);
        free(back.err.data);
        free(back.message);
        free(back.cgroup_entry);
        sbx_wbuf_release(&b);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(spec_round_trip),
            cmocka_unit_test(spec_truncated_and_corrupt),
            cmocka_unit_test(result_round_trip),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
