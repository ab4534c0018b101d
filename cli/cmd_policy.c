/* sandboxrt policy: list the known policies, print one, check a policy file. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "policies/policy.h"

static const char usage_text[] =
    "Usage: sandboxrt policy [--policy-dir DIR] list\n"
    "       sandboxrt policy [--policy-dir DIR] show NAME\n"
    "       sandboxrt policy check FILE\n"
    "\n"
    "Policies set the limits of a run (wall, cpu, cpus, memory, pids, output, file_size,\n"
    "open_files, tmpfs) and its network (none, loopback, host). The built-in policies are\n"
    "default, strict, compile and loopback; DIR/NAME.yaml adds a policy or replaces the\n"
    "built-in of the same name.\n"
    "\n"
    "  list        every policy: name, description and where it comes from\n"
    "  show NAME   the policy as YAML, in the policy file format\n"
    "  check FILE  validate a policy file: exit 0 if it loads, else 1 with the reason\n"
    "\n"
    "Exit status 2 for a usage error, an unknown policy or a policy dir that cannot be\n"
    "loaded (as for `sandboxrt run --policy`).\n"
    "\n"
    "  --policy-dir DIR  more policies (default: $SANDBOXRT_POLICY_DIR if set)\n"
    "  -h, --help        this text\n";

static int load_set(const char *dir, struct sbx_policy_set **set)
{
        struct sbx_error *err = NULL;

        if (sbx_policy_set_load(dir, set, &err) < 0) {
                sbx_cli_error("%s", err && err->message ? err->message : "cannot load policies");
                sbx_error_free(err);
                return SBX_CLI_EXIT_USAGE;
        }
        return 0;
}

static int policy_list(const char *dir, const char *unused)
{
        struct sbx_policy_set *set = NULL;
        const struct sbx_policy *p;
        int width = 0, r;

        if ((r = load_set(dir, &set)) != 0)
                return r;
        for (size_t i = 0; (p = sbx_policy_set_at(set, i)); i++)
                if ((int)strlen(p->name) > width)
                        width = (int)strlen(p->name);
        for (size_t i = 0; (p = sbx_policy_set_at(set, i)); i++)
                printf("%-*s  %s  (%s)\n", width, p->name, p->description,
                       p->path ? p->path : "built-in");
        sbx_policy_set_free(set);
        return 0;
}

static int policy_show(const char *dir, const char *name)
{
        struct sbx_policy_set *set = NULL;
        const struct sbx_policy *p;
        char *yaml = NULL;
        int r;

        if ((r = load_set(dir, &set)) != 0)
                return r;
        p = sbx_policy_set_find(set, name);
        if (!p) {
                /* As for `run --policy NAME`: the caller named something that is not there. */
                sbx_cli_error("policy: unknown policy '%s'; 'sandboxrt policy list' shows them",
                              name);
                r = SBX_CLI_EXIT_USAGE;
        } else if (!(yaml = sbx_policy_to_yaml(p))) {
                sbx_cli_error("policy: out of memory");
                r = 1;
        } else
                fputs(yaml, stdout);
        free(yaml);
        sbx_policy_set_free(set);
        return r;
}

static int policy_check(const char *unused, const char *path)
{
        struct sbx_policy *p = NULL;
        struct sbx_error *err = NULL;

        if (sbx_policy_load_file(path, &p, &err) < 0) {
                sbx_cli_error("%s", err && err->message ? err->message : "invalid policy");
                sbx_error_free(err);
                return 1;
        }
        printf("%s: ok (%s)\n", path, p->name);
        sbx_policy_free(p);
        return 0;
}

/* The action with its argument count checked; -1 on a usage error. */
static int run_action(const char *dir, int argc, char **argv)
{
        static const struct {
                const char *name;
                int n_args;
                int (*run)(const char *dir, const char *arg);
        } actions[] = {
            {"list", 0, policy_list},
            {"show", 1, policy_show},
            {"check", 1, policy_check},
        };

        for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
                if (strcmp(argv[0], actions[i].name))
                        continue;
                if (argc - 1 != actions[i].n_args) {
                        sbx_cli_error("policy %s: expected %s", argv[0],
                                      actions[i].n_args ? "one argument" : "no arguments");
                        return -1;
                }
                return actions[i].run(dir, argc > 1 ? argv[1] : NULL);
        }
        sbx_cli_error("policy: unknown action '%s' (list, show, check)", argv[0]);
        return -1;
}

static int policy_main(int argc, char **argv)
{
        static const struct option options[] = {
            {"policy-dir", required_argument, NULL, 'd'},
            {"help", no_argument, NULL, 'h'},
            {},
        };
        const char *dir = getenv("SANDBOXRT_POLICY_DIR");
        int c, r;

        if (dir && !*dir)
                dir = NULL;
        optind = 1;
        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                if (c == 'h') {
                        fputs(usage_text, stdout);
                        return 0;
                }
                if (c == ':' || c == '?')
                        return sbx_cli_bad_option("policy", c, argv);
                dir = optarg;
        }
        if (optind >= argc) {
                sbx_cli_error("policy: expected an action (list, show, check); run 'sandboxrt "
                              "policy --help'");
                return SBX_CLI_EXIT_USAGE;
        }
        r = run_action(dir, argc - optind, argv + optind);
        return r < 0 ? SBX_CLI_EXIT_USAGE : r;
}

const struct sbx_command sbx_command_policy = {"policy", "list, show and check policies",
                                               policy_main};
