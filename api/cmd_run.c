/* sandboxrt run: placeholder until the native jail lands (replaced in this session). */
#include <stdio.h>

#include "api/commands.h"

static int run_main(int argc, char **argv)
{
        sbx_cli_error("run: not built yet");
        return 2;
}

const struct sbx_command sbx_command_run = {"run", "run one program in a sandbox", run_main};
