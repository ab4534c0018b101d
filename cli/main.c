/* sandboxrt: the command-line entry point. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "backend.h"
#include "isolation/native.h"
#include "sandboxrt.h"

#ifdef SBX_NATIVE_ONLY
/* The light binary (see api/CMakeLists.txt): everything else runs in sandboxrt-full. */
static const struct sbx_command *const commands[] = {
    &sbx_command_run,
    &sbx_command_policy,
};
#else
static const struct sbx_command *const commands[] = {
    &sbx_command_run,   &sbx_command_doctor, &sbx_command_policy,
    &sbx_command_serve, &sbx_command_eval,
};
#endif

void sbx_cli_error(const char *fmt, ...)
{
        va_list ap;

        fputs("sandboxrt: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

#ifdef SBX_NATIVE_ONLY
/* This binary's composition root: the native jail is its only backend. */
int sbx_runtime_new(const struct sbx_runtime_options *opts, struct sbx_runtime **out,
                    struct sbx_error **err)
{
        int r = sbx_backend_register(&sbx_native_ops);

        return r < 0 ? sbx_error_set(err, -r, "cannot register the native backend")
                     : sbx_runtime_open(opts, out, err);
}

int main(int argc, char **argv)
{
        /* A big process's native backend runs its launcher here: see isolation/native.c. */
        if ((argc == 3 || (argc == 4 && !strcmp(argv[3], "scoped"))) &&
            !strcmp(argv[1], "__launcher"))
                return sbx_native_launcher_main(argv[2], argc == 4);
        if (argc >= 2 && !strcmp(argv[1], "--version")) {
                printf("sandboxrt %s\n", SBX_VERSION);
                return 0;
        }
        for (size_t i = 0; argc >= 2 && i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(argv[1], commands[i]->name))
                        return commands[i]->main(argc - 1, argv + 1);
        return sbx_cli_exec_full(argc - 1, argv + 1);
}
#else
static void usage(FILE *f)
{
        fputs("Usage: sandboxrt COMMAND [OPTIONS]\n\n"
              "Run untrusted code in a hardened sandbox.\n\nCommands:\n",
              f);
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
        fputs("\nRun 'sandboxrt COMMAND --help' for a command's options.\n", f);
}

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return 2;
        }
        if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
                usage(stdout);
                return 0;
        }
        if (!strcmp(argv[1], "--version")) {
                printf("sandboxrt %s\n", SBX_VERSION);
                return 0;
        }
        for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (!strcmp(argv[1], commands[i]->name))
                        return commands[i]->main(argc - 1, argv + 1);
        sbx_cli_error("unknown command '%s'; run 'sandboxrt --help' for the list", argv[1]);
        return 2;
}
#endif
