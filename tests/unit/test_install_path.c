/* Where sandboxrt's helpers and data are found (runtime/util.c). This test runs from the build
 * tree, so only the build's paths may come back; tests/install/prefix.sh covers an installed
 * tree. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "util.h"

static void build_tree_uses_build_paths(void **state)
{
        char out[PATH_MAX], tiny[4];

        assert_true(sbx_install_path("share/sandboxrt/data", "/build/data", out, sizeof(out)));
        assert_string_equal(out, "/build/data"); /* never PREFIX/share/... from a build tree */
        assert_false(sbx_install_path("bin/sandboxrt", NULL, out, sizeof(out)));
        assert_false(sbx_install_path("bin/sandboxrt", "/build/data", tiny, sizeof(tiny)));
}

static void helper_from_environment_or_build(void **state)
{
        char out[PATH_MAX], self[PATH_MAX], plain[] = "/tmp/sbx-test-helper.XXXXXX";
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        int fd = mkstemp(plain); /* mode 0600: not executable */

        assert_true(n > 0 && fd >= 0);
        self[n] = '\0';
        close(fd);
        unsetenv("SBX_TEST_HELPER");
        assert_true(sbx_find_helper("SBX_TEST_HELPER", "bin/x", "/bin/true", out, sizeof(out)));
        assert_string_equal(out, "/bin/true");
        /* Not executable, or missing: not found. */
        assert_false(sbx_find_helper("SBX_TEST_HELPER", "bin/x", plain, out, sizeof(out)));
        assert_false(sbx_find_helper("SBX_TEST_HELPER", "bin/x", "/nonexistent", out, sizeof(out)));
        /* Our own binary is no helper of ours (the light sandboxrt forks its launcher). */
        assert_false(sbx_find_helper("SBX_TEST_HELPER", "bin/x", self, out, sizeof(out)));
        /* The environment wins, and must name an executable. */
        setenv("SBX_TEST_HELPER", "/bin/sh", 1);
        assert_true(sbx_find_helper("SBX_TEST_HELPER", "bin/x", "/bin/true", out, sizeof(out)));
        assert_string_equal(out, "/bin/sh");
        setenv("SBX_TEST_HELPER", plain, 1);
        assert_false(sbx_find_helper("SBX_TEST_HELPER", "bin/x", "/bin/true", out, sizeof(out)));
        unsetenv("SBX_TEST_HELPER");
        unlink(plain);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(build_tree_uses_build_paths),
            cmocka_unit_test(helper_from_environment_or_build),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
