/* Image references (docker/parse.c) and the create request built from them: tags, digests and
 * image IDs are told apart, and what the engine would refuse is refused here first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "docker/container.h"
#include "docker/parse.h"
#include "util.h"

#define HEX64 "13fc07b25835363bea274f597059b8adeaeb8b5eb880c9ac4a1b229eef9d309a"

static void check(const char *ref, const char *name, const char *tag, const char *digest, bool id)
{
        struct sbx_docker_ref r;

        if (sbx_docker_parse_ref(ref, &r) != 0)
                fail_msg("%s: refused", ref);
        assert_string_equal(r.name, name);
        if (!tag != !r.tag || (tag && strcmp(tag, r.tag)))
                fail_msg("%s: tag %s, want %s", ref, r.tag ? r.tag : "none", tag ? tag : "none");
        if (!digest != !r.digest || (digest && strcmp(digest, r.digest)))
                fail_msg("%s: digest %s", ref, r.digest ? r.digest : "none");
        assert_int_equal(r.id, id);
        sbx_docker_ref_clear(&r);
}

static void test_valid(void **state)
{
        check("python", "python", NULL, NULL, false);
        check("python:3.11-slim", "python", "3.11-slim", NULL, false);
        check("sandboxrt-test/python:3.11", "sandboxrt-test/python", "3.11", NULL, false);
        check("localhost:5000/a/b", "localhost:5000/a/b", NULL, NULL, false);
        check("localhost:5000/a/b:v1", "localhost:5000/a/b", "v1", NULL, false);
        check("python@sha256:" HEX64, "python", NULL, "sha256:" HEX64, false);
        check("reg.example:443/py:3.11@sha256:" HEX64, "reg.example:443/py", "3.11",
              "sha256:" HEX64, false);
        check("sha256:" HEX64, "sha256:" HEX64, NULL, NULL, true);
        check(HEX64, HEX64, NULL, NULL, true);
}

static void test_invalid(void **state)
{
        static const char *const bad[] = {
            "",
            "-python",
            "/python",
            "python/",
            "a//b",
            "python:",
            "python:-x",
            "python@sha256:abc",             /* too short */
            "python@sha256:" HEX64 "00",     /* sha256 is 64 digits */
            "python@SHA256:" HEX64,          /* algorithm in lower case */
            "python@sha256:" HEX64 "@x",     /* two digests */
            "python@",                       /* empty digest */
            "py thon",                       /* bad character */
            "python:3.11:x",                 /* two tags */
            "python;rm -rf",                 /* shell */
            "python?fromImage=evil",         /* URL */
            "python@sha256:" HEX64 "&tag=x", /* query injection */
        };
        struct sbx_docker_ref r;

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                if (sbx_docker_parse_ref(bad[i], &r) != -EINVAL)
                        fail_msg("'%s' was accepted", bad[i]);
                sbx_docker_ref_clear(&r);
        }
}

/* The create request: our seccomp profile, the job uid on the work volume, the waiter. */
static void test_create_body(void **state)
{
        struct sbx_policy p = {.limits = {.memory_bytes = 64u << 20,
                                          .pids = 16,
                                          .tmpfs_bytes = 1u << 20,
                                          .cpu_ms = 1000,
                                          .open_files = 64,
                                          .file_size_bytes = 1u << 20}};
        _cleanup_free_ char *with = sbx_docker_create_body("python@sha256:" HEX64, &p, "o", "l",
                                                           0x70000005, "/usr/bin/sbx-waiter", NULL);
        _cleanup_free_ char *without =
            sbx_docker_create_body("python", &p, "o", "l", 0x70000005, NULL, "/run/a");

        assert_non_null(with);
        assert_non_null(without);
        assert_non_null(strstr(with, "\"Image\":\"python@sha256:" HEX64 "\""));
        assert_non_null(strstr(with, "\"seccomp={\\\"defaultAction\\\":\\\"SCMP_ACT_ALLOW\\\""));
        assert_non_null(strstr(with, "uid=1879048197,gid=1879048197,mode=0700"));
        assert_non_null(strstr(with, "\"Source\":\"/usr/bin/sbx-waiter\""));
        assert_non_null(strstr(with, "\"Target\":\"/.sandboxrt/waiter\",\"ReadOnly\":true"));
        assert_non_null(strstr(with, "\"PidsLimit\":19"));
        assert_null(strstr(without, "sandboxrt/waiter"));
        assert_non_null(strstr(without, "\"PidsLimit\":18"));
        assert_non_null(strstr(without, "seccomp="));

        /* A policy's writable paths: one capped volume each, the job user's, like /sandbox. */
        static const char *const writable[] = {"/opt/data", "/tmp", NULL};
        p.writable = (char **)writable;
        _cleanup_free_ char *more =
            sbx_docker_create_body("python", &p, "o", "l", 0x70000005, NULL, NULL);
        assert_non_null(more);
        const char *at = strstr(more, "\"Target\":\"/opt/data\"");
        assert_non_null(at);
        assert_non_null(strstr(at, "\"o\":\"size=1048576,nosuid,nodev,uid=1879048197,gid="
                                   "1879048197,mode=0700\""));
        assert_non_null(strstr(more, "\"Target\":\"/tmp\"")); /* once: the list's adds nothing */
        assert_null(strstr(strstr(more, "\"Target\":\"/tmp\"") + 1, "\"Target\":\"/tmp\""));
        /* No agent without the waiter (its other mode): sleep as the idle user, no capability. */
        assert_null(strstr(without, "--agent"));
        assert_non_null(strstr(without, "\"User\":\"65533:65533\""));
        assert_null(strstr(without, "CapAdd"));
        assert_null(strstr(with, "CapAdd"));
}

/* The agent: container root with only the two capabilities it needs to start jobs, its socket's
 * directory from the host, its program read-only. */
static void test_create_body_agent(void **state)
{
        struct sbx_policy p = {.limits = {.memory_bytes = 64u << 20, .pids = 16}};
        _cleanup_free_ char *b = sbx_docker_create_body("python", &p, "o", "l", 0x70000005,
                                                        "/usr/bin/sbx-waiter", "/run/a/x");

        (void)state;
        assert_non_null(b);
        assert_non_null(strstr(b, "\"User\":\"0:0\""));
        assert_non_null(
            strstr(b, "\"Entrypoint\":[\"/.sandboxrt-agent\",\"--agent\",\"/.sandboxrt-run\"]"));
        assert_non_null(strstr(b, "\"CapDrop\":[\"ALL\"]"));
        assert_non_null(
            strstr(b, "\"CapAdd\":[\"CAP_CHOWN\",\"CAP_SETUID\",\"CAP_SETGID\",\"CAP_SETPCAP\"]"));
        assert_non_null(strstr(b, "\"no-new-privileges\""));
        assert_non_null(strstr(b, "\"Source\":\"/usr/bin/sbx-waiter\",\"Target\":\"/.sandboxrt-"
                                  "agent\",\"ReadOnly\":true"));
        assert_non_null(strstr(b, "\"Source\":\"/run/a/x\",\"Target\":\"/.sandboxrt-run\""));
        assert_null(strstr(b, "sleep"));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_valid),
            cmocka_unit_test(test_invalid),
            cmocka_unit_test(test_create_body),
            cmocka_unit_test(test_create_body_agent),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
