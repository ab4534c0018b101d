/* A cmocka group's scratch directory for the C tests: tmp, made by tmpdir_setup before the
 * group's tests and removed, the whole tree, by tmpdir_teardown after them. */
#ifndef SBX_TESTS_TMPDIR_H
#define SBX_TESTS_TMPDIR_H

#include <fcntl.h>
#include <stdlib.h>

#include "isolation/fsutil.h"

static char tmp[] = "/tmp/sbx-test-XXXXXX";

static int tmpdir_setup(void **state)
{
        return mkdtemp(tmp) ? 0 : -1;
}

static int tmpdir_teardown(void **state)
{
        return sbx_rm_rf_at(AT_FDCWD, tmp);
}

#endif
