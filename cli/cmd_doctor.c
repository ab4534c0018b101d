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
#include <sys/wait.h>
#include <spawn.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/commands.h"
#include "backend.h"
#include "docker/docker.h"
#include "isolation/cgroup.h"
#include "isolation/native.h"
#include "isolation/supervisor.h"
#include "isolation/seccomp.h"
#include "lib/builtin.h"
#include "util.h"

#define DELEGATE_WAIT_MS 30000 /* logind starts the user manager; a slow VM takes seconds */

extern char **environ;

static const char usage_text[] =
    "Usage: sandboxrt doctor [--image IMAGE] [--delegate-cgroup USER]\n"
    "\n"
    "Report which isolation features this host has (user namespaces, cgroup hierarchy and\n"
    "controllers, seccomp, Landlock, the Docker engine), which backend `--backend auto`\n"
    "picks and which languages' toolchains the native backend finds, with the fix for\n"
    "anything missing. Exit status 0 when some backend works.\n"
    "\n"
    "  --image IMAGE           also check that the Docker engine has IMAGE\n"
    "  --delegate-cgroup USER  (root) let USER's sandboxes get memory, pids and CPU limits:\n"
    "                          on cgroup v2 under systemd, enable lingering so that USER's\n"
    "                          systemd delegates a scope to sandboxrt; otherwise hand USER a\n"
    "                          cgroup subtree of its own (sandboxrt-UID)\n";

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

/* A sysctl's value, or -1 when it does not exist on this kernel. */
static long sysctl_value(const char *path)
{
        _cleanup_free_ char *text = NULL;
        uint64_t v;

        if (sbx_read_file(path, 64, &text, NULL) < 0)
                return -1;
        text[strcspn(text, "\n")] = '\0';
        return sbx_parse_u64(text, &v) == 0 && v <= LONG_MAX ? (long)v : -1;
}

/* Why a user namespace cannot be created, with the fix, from the knobs distributions use. */
static void userns_reason(int e, char *buf, size_t size)
{
        if (sysctl_value("/proc/sys/user/max_user_namespaces") == 0)
                snprintf(buf, size,
                         "user.max_user_namespaces is 0: "
                         "`sysctl -w user.max_user_namespaces=10000`");
        else if (geteuid() != 0 && sysctl_value("/proc/sys/kernel/unprivileged_userns_clone") == 0)
                snprintf(buf, size,
                         "kernel.unprivileged_userns_clone is 0: "
                         "`sysctl -w kernel.unprivileged_userns_clone=1`");
        else if (geteuid() != 0 &&
                 sysctl_value("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
                snprintf(buf, size,
                         "AppArmor restricts them "
                         "(kernel.apparmor_restrict_unprivileged_userns=1): set it to "
                         "0, or give sandboxrt an AppArmor profile with `userns,`");
        else
                snprintf(buf, size,
                         "%s (in a container, its seccomp profile or missing "
                         "capabilities may forbid them): use --backend docker",
                         strerror(e));
}

/* The jail starts every sandbox in a new user namespace. */
static void check_userns(void)
{
        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
        char detail[256];
        int e = errno;

        if (pid == 0)
                _exit(0);
        if (pid > 0) {
                waitpid(pid, NULL, 0);
                snprintf(detail, sizeof(detail), "can be created (user.max_user_namespaces %ld)",
                         sysctl_value("/proc/sys/user/max_user_namespaces"));
        } else {
                userns_reason(e, detail, sizeof(detail));
        }
        line("user namespaces", pid > 0, detail);
}

/* Which policy limits the native jail enforces for a job's whole process tree: enforced (bits of
 * enum sbx_limit) and why the others are not. */
static void check_limits(uint32_t enforced, const char *why)
{
        char detail[1024] = "";

        if (enforced == SBX_LIMITS_ALL) {
                line("limits", true, "every policy limit holds for a job's whole process tree");
                return;
        }
        for (int i = 0; i < _SBX_LIMIT_MAX; i++)
                if (!(enforced & (1u << i)))
                        snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%s%s",
                                 *detail ? ", " : "", sbx_limit_to_string(i));
        snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail),
                 " not enforced for a job's whole process tree: %s", why ? why : "");
        line("limits", false, detail);
}

/* How a job gets into its cgroup here (born in it with CLONE_INTO_CGROUP, or moved there, and
 * why): one job says what the kernel did, where the hierarchy alone would only say what it may. */
static void check_cgroup_entry(struct sbx_runtime *rt)
{
        const char *const argv[] = {"/bin/true", NULL};
        struct sbx_job job = {.argv = argv};
        struct sbx_result *res = NULL;
        struct sbx_error *err = NULL;
        char detail[512];

        if (sbx_run(rt, &job, &res, &err) < 0)
                snprintf(detail, sizeof(detail), "a job (/bin/true) failed: %s",
                         err && err->message ? err->message : "unknown error");
        else
                snprintf(detail, sizeof(detail), "a job (/bin/true) was %s",
                         res->cgroup_entry ? res->cgroup_entry : "in no cgroup");
        line("cgroup entry", res && res->cgroup_entry, detail);
        sbx_result_free(res);
        sbx_error_free(err);
}

/* What the native backend's launcher found, which may differ from what this process would:
 * an unprivileged launcher on cgroup v2 asks the user's systemd for a scope. Without the
 * native backend, our own discovery. */
static void check_cgroups(void)
{
        struct sbx_runtime_options opts = {.backend = "native"};
        struct sbx_native_limits l;
        struct sbx_cgroup_host *h = NULL;
        struct sbx_runtime *rt = NULL;
        struct sbx_error *err = NULL;

        if (sbx_runtime_new(&opts, &rt, NULL) == 0) {
                const char *d = sbx_native_describe_cgroups(sbx_runtime_backend_state(rt));
                const char *why = NULL;
                uint32_t enforced = sbx_runtime_limits_enforced(rt, &why);

                line("cgroups", strncmp(d, "none", 4) != 0, d);
                if (strncmp(d, "none", 4) != 0)
                        check_cgroup_entry(rt);
                check_limits(enforced, why);
        } else if (sbx_cgroup_host_open(&h, &err) < 0) {
                line("cgroups", false, err && err->message ? err->message : "unusable");
        } else {
                line("cgroups", sbx_cgroup_host_mode(h) != SBX_CGROUP_NONE,
                     sbx_cgroup_host_describe(h));
                sbx_native_limits(h, geteuid() == 0, &l);
                check_limits(l.enforced, l.why);
        }
        sbx_runtime_free(rt);
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

/* The native backend runs the host's toolchains: one line per language. */
static void check_languages(void)
{
        for (size_t i = 0; sbx_language_at(i); i++) {
                const struct sbx_language *l = sbx_language_at(i);
                const char *missing = sbx_language_missing(l);
                char what[32], detail[160];

                snprintf(what, sizeof(what), "lang %s", l->name);
                if (missing)
                        snprintf(detail, sizeof(detail),
                                 "%s not found: install the Debian package %s", missing,
                                 l->package);
                else
                        snprintf(detail, sizeof(detail), "%s", l->package);
                line(what, !missing, detail);
        }
}

/* Run a fixed command and wait for it: its exit status, or -errno. */
static int run_command(char *const argv[])
{
        pid_t pid;
        int status, r = posix_spawnp(&pid, argv[0], NULL, NULL, argv, environ);

        if (r != 0)
                return -r;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return -errno;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* On cgroup v2 under systemd, a user's cgroups come from its own systemd: user@UID.service has
 * memory, pids and cpu delegated (Debian's default). Lingering keeps that manager running
 * without a login, and an unprivileged launcher asks it for a scope with Delegate=yes. */
static int delegate_systemd(const struct passwd *pw)
{
        char *argv[] = {(char *)"loginctl", (char *)"enable-linger", pw->pw_name, NULL};
        unsigned uid = (unsigned)pw->pw_uid;
        char sock[64], path[128];
        _cleanup_free_ char *ctrls = NULL;
        int r = run_command(argv);

        if (r != 0) {
                sbx_cli_error("`loginctl enable-linger %s` failed (%s)", pw->pw_name,
                              r < 0 ? strerror(-r) : "see its message above");
                return 1;
        }
        snprintf(sock, sizeof(sock), "/run/user/%u/systemd/private", uid);
        for (int i = 0; i < DELEGATE_WAIT_MS / 100 && access(sock, F_OK) < 0; i++)
                usleep(100 * 1000);
        if (access(sock, F_OK) < 0) {
                sbx_cli_error("the systemd user manager of %s did not start within %d s: see "
                              "`systemctl status user@%u.service`",
                              pw->pw_name, DELEGATE_WAIT_MS / 1000, uid);
                return 1;
        }
        snprintf(path, sizeof(path),
                 "/sys/fs/cgroup/user.slice/user-%u.slice/user@%u.service/cgroup.controllers", uid,
                 uid);
        if (sbx_read_file(path, 4096, &ctrls, NULL) < 0 || !strstr(ctrls, "memory") ||
            !strstr(ctrls, "pids")) {
                sbx_cli_error("user@%u.service has no memory and pids controllers (%s): add "
                              "`[Service]` `Delegate=pids memory cpu` in "
                              "/etc/systemd/system/user@.service.d/delegate.conf, run "
                              "`systemctl daemon-reload`, and log %s out and in",
                              uid, path, pw->pw_name);
                return 1;
        }
        printf("%s (uid %u): lingering is on, so its systemd user manager (user@%u.service, "
               "with memory, pids and cpu delegated) runs at all times.\n"
               "sandboxrt run by %s asks that manager for a scope with Delegate=yes by itself,\n"
               "as `systemd-run --user --scope -p Delegate=yes sandboxrt ...` would: nothing "
               "else to do.\nCheck as %s with `sandboxrt doctor`; undo with `loginctl "
               "disable-linger %s`.\n",
               pw->pw_name, uid, uid, pw->pw_name, pw->pw_name, pw->pw_name);
        return 0;
}

static int delegate(const char *user)
{
        struct passwd *pw = getpwnam(user);
        struct sbx_error *err = NULL;
        enum sbx_cgroup_mode kind = sbx_cgroup_host_kind();
        unsigned uid;

        if (!pw) {
                sbx_cli_error("no such user '%s'", user);
                return 2;
        }
        uid = (unsigned)pw->pw_uid;
        if (geteuid() != 0) {
                sbx_cli_error("only root can delegate cgroups: `sudo sandboxrt doctor "
                              "--delegate-cgroup %s`",
                              user);
                return 1;
        }
        if (kind == SBX_CGROUP_V2 && access("/run/systemd/system", F_OK) == 0)
                return delegate_systemd(pw);
        if (sbx_cgroup_delegate(pw->pw_uid, pw->pw_gid, &err) < 0) {
                sbx_cli_error("delegating a cgroup to %s: %s", user, err->message);
                sbx_error_free(err);
                return 1;
        }
        if (kind == SBX_CGROUP_V1)
                printf("delegated sandboxrt-%u, at the top of each cgroup v1 controller's "
                       "hierarchy, to %s (uid %u):\nits sandboxes get memory, pids and CPU "
                       "limits, with nothing else to do.\n",
                       uid, user, uid);
        else
                printf("created /sys/fs/cgroup/sandboxrt-%u for %s (uid %u). On cgroup v2 a "
                       "user may use it only from inside:\nmove %s's session or service there "
                       "once, as root: `echo PID > /sys/fs/cgroup/sandboxrt-%u/cgroup.procs`;\n"
                       "what that process starts stays inside, and sandboxrt finds it.\n",
                       uid, user, uid, user, uid);
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
        const struct sbx_backend_ops *ops;
        const char *auto_pick = NULL, *image = NULL;
        int c;

        opterr = 0;
        while ((c = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
                if (c == ':' || c == '?')
                        return sbx_cli_bad_option("doctor", c, argv);
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
        sbx_backends_builtin();
        printf("sandboxrt %s, running as %s\n", SBX_VERSION,
               geteuid() == 0 ? "root (a private host uid per sandbox)" : "an unprivileged user");
        check_userns();
        check_cgroups();
        check_seccomp();
        check_landlock();
        check_docker(image);
        for (size_t i = 0; (ops = sbx_backend_at(i)); i++)
                if (!ops->by_name_only && check_backend(ops->name) && !auto_pick)
                        auto_pick = ops->name;
        printf("auto backend     %s\n", auto_pick ? auto_pick : "none: see the fixes above");
        check_languages();
        return auto_pick ? 0 : 1;
}

const struct sbx_command sbx_command_doctor = {
    "doctor", "report what this host supports and which backend auto picks", doctor_main};
