/* The CLI's subcommands. A subcommand is one file (cli/cmd_<name>.c) and one line in main.c
 * (and main_light.c for the light binary). */
#ifndef SBX_COMMANDS_H
#define SBX_COMMANDS_H

struct sbx_command {
        const char *name;
        const char *summary; /* one line for `sandboxrt --help` */
        /* argv[0] is the subcommand's name; returns the process exit status. */
        int (*main)(int argc, char **argv);
};

extern const struct sbx_command sbx_command_run;
extern const struct sbx_command sbx_command_doctor;
extern const struct sbx_command sbx_command_policy;
extern const struct sbx_command sbx_command_eval;
extern const struct sbx_command sbx_command_serve;

/* Print "sandboxrt: <message>" to stderr (the CLI's one place for error output). */
void sbx_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Every command parses its options with getopt_long, opterr 0 and an optstring starting with
 * ':' (after any '+'). For its '?' or ':' (c), this prints "sandboxrt: CMD: unknown option
 * '--x'; run 'sandboxrt CMD --help'" (or "missing argument for") and returns the usage exit
 * status. */
int sbx_cli_bad_option(const char *cmd, int c, char *const *argv);

#endif
