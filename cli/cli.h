/* What the CLI's commands share: exit statuses and how a result is summarized. */
#ifndef SBX_CLI_H
#define SBX_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "sandboxrt.h"

#define SBX_CLI_EXIT_USAGE         2
#define SBX_CLI_EXIT_SANDBOX_ERROR 9

#define SBX_CLI_EXIT_STATUS_HELP                                                                   \
        "Exit status: 0 OK, 1 RUNTIME_ERROR (the program exited non-zero), 2 usage error,\n"       \
        "3 SIGNALED, 4 TIME_LIMIT, 5 MEMORY_LIMIT, 6 OUTPUT_LIMIT, 7 COMPILE_ERROR,\n"             \
        "8 POLICY_VIOLATION, 9 SANDBOX_ERROR (the sandbox failed, not the program).\n"

/* The process exit status that stands for a verdict (table above). */
int sbx_cli_exit_status(enum sbx_verdict v);

/* "sandboxrt: TIME_LIMIT: wall-clock limit of 2000 ms exceeded (exit -1, wall 2001 ms, ...)" */
void sbx_cli_print_summary(FILE *f, const struct sbx_result *r);

/* Which backend (and, for the native jail, which cgroup hierarchy) the runtime uses. */
void sbx_cli_print_backend(FILE *f, const struct sbx_runtime *rt);
/* "sandboxrt: warning: these limits are not enforced ..." on f when some limit is not enforced
 * for a job's whole process tree (the native jail without a usable cgroup). */
void sbx_cli_warn_limits(FILE *f, const struct sbx_runtime *rt);

/* The light `sandboxrt` binary carries only the native jail: run the command in argv (argv[0]
 * is the command's name) with sandboxrt-full from the same directory instead. Returns only on
 * failure, with the exit status to use. */
int sbx_cli_exec_full(int argc, char **argv);

/* Set by the light binary's main (main_light.c): it links the native jail alone, and hands
 * sandboxrt-full what needs more (sbx_cli_exec_full). */
extern bool sbx_cli_light;

#endif
