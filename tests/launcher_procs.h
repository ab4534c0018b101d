/* The C tests' view of a runtime's processes: its launcher (the runtime's child) and what the
 * launcher runs (supervisors, zygotes), found by name in /proc. For cmocka tests. */
#ifndef SBX_TESTS_LAUNCHER_PROCS_H
#define SBX_TESTS_LAUNCHER_PROCS_H

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandboxrt.h"

/* The children of parent named comm: their pids in out (the first max), their number. */
static int children(pid_t parent, const char *comm, pid_t *out, int max)
{
        DIR *d = opendir("/proc");
        struct dirent *e;
        int n = 0;

        assert_non_null(d);
        while ((e = readdir(d))) {
                char path[300], stat[512], name[32];
                int pid, ppid;
                FILE *f;
                snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
                if (!(f = fopen(path, "r")))
                        continue;
                /* "pid (comm) state ppid": the names we look for have no ')' */
                if (fgets(stat, sizeof(stat), f) &&
                    sscanf(stat, "%d (%31[^)]) %*c %d", &pid, name, &ppid) == 3 && ppid == parent &&
                    !strcmp(name, comm) && n++ < max)
                        out[n - 1] = pid;
                fclose(f);
        }
        closedir(d);
        return n;
}

/* Opens a runtime and finds its launcher: the child that was not there before. */
static pid_t open_with_launcher(const struct sbx_runtime_options *opts, struct sbx_runtime **rt)
{
        pid_t before[8], after[9], launcher = 0;
        struct sbx_error *err = NULL;
        int n = children(getpid(), "sbx-launcher", before, 8);

        assert_true(n < 8);
        assert_int_equal(sbx_runtime_new(opts, rt, &err), 0);
        assert_int_equal(children(getpid(), "sbx-launcher", after, 9), n + 1);
        for (int i = 0; i <= n && !launcher; i++) {
                launcher = after[i];
                for (int j = 0; j < n; j++)
                        launcher = after[i] == before[j] ? 0 : launcher;
        }
        /* It is the launcher itself: only the sandboxrt binary restarts its launcher in a
         * systemd scope (sbx_native_launcher_is_self), never a program linking the library. A
         * child of it named sbx-launcher is a supervisor just forked, not yet renamed. */
        assert_true(launcher > 0);
        return launcher;
}

#endif
