/* sandboxrt: the light command-line entry point (see cli/CMakeLists.txt). It links the native
 * jail alone and execs sandboxrt-full, installed beside it, for any command or backend it lacks. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "isolation/native.h"
#include "sandboxrt.h"

/* Everything else runs in sandboxrt-full. */
static const struct sbx_command *const commands[] = {
    &sbx_command_run,
    &sbx_command_policy,
};

int main(int argc, char **argv)
{
        sbx_cli_light = true;
        sbx_native_launcher_is_self();
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
