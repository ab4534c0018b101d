/* sandboxrt-full: the command-line entry point with every command and backend. The light
 * `sandboxrt` binary is main_light.c. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "sandboxrt.h"

static const struct sbx_command *const commands[] = {
    &sbx_command_run,   &sbx_command_doctor, &sbx_command_policy,
    &sbx_command_serve, &sbx_command_eval,
};

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
