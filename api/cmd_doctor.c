/* sandboxrt doctor: what this host supports, which backend `auto` picks, and how to fix what
 * is missing. */
#include <errno.h>
#include <limits.h>
#include <getopt.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "api/cli.h"
#include "api/commands.h"
#include "backend.h"
#include "docker/docker.h"
#include "isolation/cgroup.h"
#include "isolation/native.h"
#include "isolation/supervisor.h"
#include "isolation/seccomp.h"
#include "util.h"

static const char usage_text[] =
    "Usage: sandboxrt doctor [--image IMAGE] [--delegate-cgroup USER]\n"
    "\n"
    "Report which isolation features this host has (user namespaces, cgroup hierarchy and\n"
    "controllers, seccomp, Landlock, the Docker engine) and which backend `--backend auto`\n"
    "picks, with the fix for anything missing. Exit status 0 when some backend works.\n"
    "\n"
    "  --image IMAGE           also check that the Docker engine has IMAGE\n"
    "  --delegate-cgroup USER  (root) give USER a cgroup subtree of its own, so that its\n"
    "                          unprivileged sandboxes get memory, pids and CPU limits\n";

static void line(const char *what, bool ok, const char *detail)
{
        printf("%-16s %-4s %s\n", what, ok ? "ok" : "no", detail);
}

static bool check_backend(const char *name)
{
        const struct sbx_backend_ops *ops = sbx_backend_find(name);
        struct sbx_error *err = NULL;
        bool ok = ops && ops->probe(&err) == 0;

        if (ops)
                line(name, ok, ok ? "available" : err && err->message ? err->message : "unusable");
        sbx_error_free(err);
        return ok;
}

/* Which policy limits the native jail enforces for a job's whole process tree, given h. */
static void check_limits(const struct sbx_cgroup_host *h)
{
        struct sbx_native_limits l;
        char detail[1024] = "";

        sbx_native_limits(h, geteuid() == 0, &l);
        if (l.enforced == SBX_LIMITS_ALL) {
                line("limits", true, "every policy limit holds for a job's whole process tree");
                return;
        }
        for (int i = 0; i < _SBX_LIMIT_MAX; i++)
                if (!(l.enforced & (1u << i)))
                        snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%s%s",
                                 *detail ? ", " : "", sbx_limit_to_string(i));
        snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
                 " not enforced for a job's whole process tree: %s", l.why);
        line("limits", false, detail);
}

static void check_cgroups(void)
{
        struct sbx_cgroup_host *h = NULL;
        struct sbx_error *err = NULL;

        if (sbx_cgroup_host_open(&h, &err) < 0) {
                line("cgroups", false, err && err->message ? err->message : "unusable");
        } else {
                line("cgroups", sbx_cgroup_host_mode(h) != SBX_CGROUP_NONE,
                     sbx_cgroup_host_describe(h));
                check_limits(h);
        }
        sbx_cgroup_host_free(h);
        sbx_error_free(err);
}

static void check_seccomp(void)
{
        struct sbx_seccomp *s = NULL;
        struct sbx_error *err = NULL;

        if (sbx_seccomp_compile(&s, &err) == 0)
                line("seccomp", true, "filter of docs/spec/seccomp-defaults.md compiles");
        else
                line("seccomp", false, err && err->message ? err->message : "unusable");
        sbx_seccomp_free(s);
        sbx_error_free(err);
}

static void check_landlock(void)
{
        long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
        char detail[96];

        if (abi > 0)
                snprintf(detail, sizeof(detail), "ABI version %ld", abi);
        else
                snprintf(detail, sizeof(detail), "unavailable (%s): boot with lsm=...,landlock",
                         strerror(errno));
        line("landlock", abi > 0, detail);
}

static void check_docker(const char *image)
{
        _cleanup_free_ char *report = NULL;
        struct sbx_error *err = NULL;
        int r = sbx_docker_describe(image, &report, &err);

        line("docker engine", r == 0, r == 0 ? "answers" : err && err->message ? err->message : "");
        for (char *l = report, *nl; l && *l; l = nl ? nl + 1 : NULL) {
                nl = strchr(l, '\n');
                printf("%-16s      %.*s\n", "", (int)(nl ? nl - l : (ptrdiff_t)strlen(l)), l);
        }
        sbx_error_free(err);
}

static int delegate(const char *user)
{
        struct passwd *pw = getpwnam(user);
        struct sbx_error *err = NULL;

        if (!pw) {
                sbx_cli_error("no such user '%s'", user);
                return 2;
        }
        if (sbx_cgroup_delegate(pw->pw_uid, pw->pw_gid, &err) < 0) {
                sbx_cli_error("delegating a cgroup to %s: %s", user, err->message);
                sbx_error_free(err);
                return 1;
        }
        printf("delegated a cgroup subtree to %s (uid %u)\n", user, (unsigned)pw->pw_uid);
        return 0;
}

static int doctor_main(int argc, char **argv)
{
        static const struct option options[] = {
            {"delegate-cgroup", required_argument, NULL, 'd'},
            {"image", required_argument, NULL, 'i'},
            {"help", no_argument, NULL, 'h'},
            {0},
        };
        const char *auto_pick = NULL, *image = NULL;
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
                if (c == 'd')
                        return delegate(optarg);
                if (c == 'i') {
                        image = optarg;
                        continue;
                }
                if (c == 'h') {
                        fputs(usage_text, stdout);
                        return 0;
                }
                return 2;
        }
        printf("sandboxrt %s, running as %s\n", SBX_VERSION,
               geteuid() == 0 ? "root (a private host uid per sandbox)" : "an unprivileged user");
        check_cgroups();
        check_seccomp();
        check_landlock();
        check_docker(image);
        for (size_t i = 0; sbx_backends[i]; i++)
                if (strcmp(sbx_backends[i]->name, "remote") &&
                    check_backend(sbx_backends[i]->name) && !auto_pick)
                        auto_pick = sbx_backends[i]->name;
        printf("auto backend     %s\n", auto_pick ? auto_pick : "none: see the fixes above");
        return auto_pick ? 0 : 1;
}

const struct sbx_command sbx_command_doctor = {
    "doctor", "report what this host supports and which backend auto picks", doctor_main};
