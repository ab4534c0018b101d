#include "cli/cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cli/commands.h"
#include "isolation/native.h"
#include "util.h"

bool sbx_cli_light;

int sbx_cli_exit_status(enum sbx_verdict v)
{
        static const int status[_SBX_VERDICT_MAX] = {
            [SBX_VERDICT_OK] = 0,
            [SBX_VERDICT_RUNTIME_ERROR] = 1,
            [SBX_VERDICT_SIGNALED] = 3,
            [SBX_VERDICT_TIME_LIMIT] = 4,
            [SBX_VERDICT_MEMORY_LIMIT] = 5,
            [SBX_VERDICT_OUTPUT_LIMIT] = 6,
            [SBX_VERDICT_COMPILE_ERROR] = 7,
            [SBX_VERDICT_POLICY_VIOLATION] = 8,
            [SBX_VERDICT_SANDBOX_ERROR] = SBX_CLI_EXIT_SANDBOX_ERROR,
        };

        return (unsigned)v < _SBX_VERDICT_MAX ? status[v] : SBX_CLI_EXIT_SANDBOX_ERROR;
}

void sbx_cli_print_summary(FILE *f, const struct sbx_result *r)
{
        /* When the compile step failed, the program never ran: its figures are the compiler's. */
        const struct sbx_result *c = r->compile;
        bool compiler =
            c && (r->verdict == SBX_VERDICT_COMPILE_ERROR ||
                  (r->verdict == SBX_VERDICT_SANDBOX_ERROR && c->verdict != SBX_VERDICT_OK));

        fprintf(f, "sandboxrt: %s", sbx_verdict_to_string(r->verdict));
        if (r->message)
                fprintf(f, ": %s", r->message);
        if (compiler)
                r = c;
        fprintf(f, " (%sexit %d", compiler ? "compiler " : "", r->exit_code);
        if (r->signal)
                fprintf(f, ", signal %d", r->signal);
        fprintf(f, ", wall %llu ms, cpu %llu ms, memory %.1f MiB%s%s)\n",
                (unsigned long long)r->wall_ms, (unsigned long long)r->cpu_ms,
                (double)r->peak_memory_bytes / (1024.0 * 1024.0),
                r->out.truncated ? ", stdout truncated" : "",
                r->err.truncated ? ", stderr truncated" : "");
}

void sbx_cli_print_backend(FILE *f, const struct sbx_runtime *rt)
{
        const char *name = sbx_runtime_backend(rt);

        fprintf(f, "sandboxrt: backend %s", name);
        if (!strcmp(name, "native"))
                fprintf(f, ", cgroups %s",
                        sbx_native_describe_cgroups(sbx_runtime_backend_state(rt)));
        fputc('\n', f);
}

void sbx_cli_warn_limits(FILE *f, const struct sbx_runtime *rt)
{
        _cleanup_free_ char *warning = sbx_runtime_limits_warning(rt);

        if (warning)
                fprintf(f, "sandboxrt: warning: %s\n", warning);
}

int sbx_cli_exec_full(int argc, char **argv)
{
        char self[PATH_MAX], full[PATH_MAX + 32];
        ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
        char **args = calloc((size_t)argc + 2, sizeof(char *));

        if (n < 0 || !args) {
                sbx_cli_error("cannot find my own binary: %s", strerror(errno));
                free(args);
                return 2;
        }
        self[n] = '\0';
        char *slash = strrchr(self, '/');
        *slash = '\0';
        snprintf(full, sizeof(full), "%s/sandboxrt-full", self);
        args[0] = full;
        for (int i = 0; i < argc; i++)
                args[i + 1] = argv[i];
        execv(full, args);
        sbx_cli_error("'%s' needs %s, which cannot be run (%s): install sandboxrt completely",
                      argc > 0 ? argv[0] : "--help", full, strerror(errno));
        free(args);
        return 2;
}

int sbx_cli_bad_option(const char *cmd, int c, char *const *argv)
{
        const char shortopt[] = {'-', (char)optopt, '\0'};
        /* optopt names an unknown short option (it may sit in a cluster, as -qz); an unknown
         * long one, or one missing its argument, is the word getopt has just passed. */
        const char *what = c == '?' && optopt > 0 && optopt < 128 ? shortopt : argv[optind - 1];

        sbx_cli_error("%s: %s '%s'; run 'sandboxrt %s --help'", cmd,
                      c == ':' ? "missing argument for" : "unknown option", what, cmd);
        return SBX_CLI_EXIT_USAGE;
}

void sbx_cli_error(const char *fmt, ...)
{
        va_list ap;

        fputs("sandboxrt: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}
