/* isolation/cgroup.c. Built twice:
 *   test_cgroup       parsers and discovery on fixture text and fake trees in /tmp (v1 and
 *                     v2 paths, any host, any user);
 *   test_cgroup_live  (SBX_CGROUP_LIVE) real job cgroups on this host: needs root and a usable
 *                     hierarchy, else exits 77. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "isolation/cgroup.h"
#include "isolation/fsutil.h"
#include "util.h"
#include "tests/time_scale.h"

#define MiB (1024u * 1024u)

#ifndef SBX_CGROUP_LIVE

/* ---- small helpers ------------------------------------------------------------------------ */

static void put(const char *root, const char *rel, const char *text)
{
        char path[4096], dir[4096];

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        (void)mkdir(root, 0755);
        for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
                snprintf(dir, sizeof(dir), "%.*s", (int)(p - path), path);
                (void)mkdir(dir, 0755);
        }
        if (text) {
                FILE *f = fopen(path, "we");
                assert_non_null(f);
                fputs(text, f);
                fclose(f);
        } else {
                assert_true(mkdir(path, 0755) == 0 || errno == EEXIST);
        }
}

static char *slurp(const char *root, const char *rel)
{
        char path[4096];
        char *text = NULL;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        if (sbx_read_file(path, 1 << 20, &text, NULL) < 0)
                return NULL;
        return text;
}

static char *fake_root(void)
{
        char tmpl[] = "/tmp/sbxcg.XXXXXX";

        assert_non_null(mkdtemp(tmpl));
        return strdup(tmpl);
}

static void fake_free(char *root)
{
        (void)sbx_rm_rf_at(AT_FDCWD, root);
        free(root);
}

static const char *const other_mounts = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
                                        "23 22 0:5 / /proc rw,nosuid - proc proc rw\n";

/* ---- parsers ------------------------------------------------------------------------------ */

static void test_mode_strings(void **state)
{
        enum sbx_cgroup_mode m;

        assert_string_equal(sbx_cgroup_mode_to_string(SBX_CGROUP_V1), "v1");
        assert_string_equal(sbx_cgroup_mode_to_string(SBX_CGROUP_V2), "v2");
        assert_string_equal(sbx_cgroup_mode_to_string(SBX_CGROUP_NONE), "none");
        assert_int_equal(sbx_cgroup_mode_from_string("v2", &m), 0);
        assert_int_equal(m, SBX_CGROUP_V2);
        assert_int_equal(sbx_cgroup_mode_from_string("v3", &m), -EINVAL);
}

static void test_parse_keyed(void **state)
{
        const char *events = "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n";
        uint64_t v = 99;

        assert_int_equal(sbx_cgroup_parse_keyed(events, "oom", &v), 0);
        assert_int_equal(v, 3); /* not the oom_kill line */
        assert_int_equal(sbx_cgroup_parse_keyed(events, "oom_kill", &v), 0);
        assert_int_equal(v, 2);
        assert_int_equal(sbx_cgroup_parse_keyed(events, "low", &v), 0);
        assert_int_equal(v, 0);
        assert_int_equal(sbx_cgroup_parse_keyed(events, "swap", &v), -ENOENT);
        assert_int_equal(sbx_cgroup_parse_keyed("under_oom 1", "under_oom", &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(sbx_cgroup_parse_keyed("oom_kill -1\n", "oom_kill", &v), -EINVAL);
        assert_int_equal(sbx_cgroup_parse_keyed("oom_kill \n", "oom_kill", &v), -EINVAL);
        assert_int_equal(
            sbx_cgroup_parse_keyed("oom_kill 99999999999999999999999\n", "oom_kill", &v), -ERANGE);
        assert_int_equal(sbx_cgroup_parse_keyed("", "oom", &v), -ENOENT);
}

/* ---- discovery on fake trees --------------------------------------------------------------- */

static struct sbx_cgroup_host *probe(const char *mountinfo, const char *self, uid_t euid,
                                     const char *env)
{
        struct sbx_cgroup_probe p = {
            .mountinfo = mountinfo, .self_cgroup = self, .euid = euid, .env = env};
        struct sbx_cgroup_host *h = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_cgroup_host_open_probe(&p, &h, &err), 0);
        assert_null(err);
        assert_non_null(h);
        return h;
}

static char *v2_mountinfo(const char *mount)
{
        return sbx_strdup_printf("%s30 22 0:26 / %s rw,nosuid shared:4 - cgroup2 cgroup2 "
                                 "rw,nsdelegate,memory_recursiveprot\n",
                                 other_mounts, mount);
}

/* A cgroup directory of a fake v2 tree with memory, pids and cpu on for its children. */
static void fake_v2_cgroup(const char *root, const char *rel)
{
        char f[1024];

        snprintf(f, sizeof(f), "%s%scgroup.controllers", rel, *rel ? "/" : "");
        put(root, f, "cpuset cpu io memory hugetlb pids rdma misc\n");
        snprintf(f, sizeof(f), "%s%scgroup.subtree_control", rel, *rel ? "/" : "");
        put(root, f, "cpu memory pids\n");
        snprintf(f, sizeof(f), "%s%scgroup.procs", rel, *rel ? "/" : "");
        put(root, f, "");
}

static void test_v2_root(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mi = v2_mountinfo(root);

        fake_v2_cgroup(root, "");
        fake_v2_cgroup(root, "sandboxrt");
        put(root, "sandboxrt/cgroup.kill", "");
        put(root, "sandboxrt/memory.peak", "0\n");
        struct sbx_cgroup_host *h = probe(mi, "0::/\n", 0, NULL);
        _cleanup_free_ char *want = sbx_strdup_printf("%s/sandboxrt", root);

        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_V2);
        assert_string_equal(sbx_cgroup_host_parent(h, "memory"), want);
        assert_string_equal(sbx_cgroup_host_parent(h, "pids"), want);
        assert_string_equal(sbx_cgroup_host_parent(h, "cpuacct"), want);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "v2 (memory, pids, cpu)"));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "cgroup.kill"));
        sbx_cgroup_host_free(h);
        fake_free(root);
}

/* Mount points with spaces are octal-escaped in mountinfo. */
static void test_v2_escaped_mount(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mount = sbx_strdup_printf("%s/with space", root);
        _cleanup_free_ char *escaped = sbx_strdup_printf("%s/with\\040space", root);
        _cleanup_free_ char *mi = v2_mountinfo(escaped);

        fake_v2_cgroup(root, "with space");
        fake_v2_cgroup(root, "with space/sandboxrt");
        struct sbx_cgroup_host *h = probe(mi, NULL, 0, NULL);
        _cleanup_free_ char *want = sbx_strdup_printf("%s/sandboxrt", mount);

        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_V2);
        assert_string_equal(sbx_cgroup_host_parent(h, "memory"), want);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "freeze+SIGKILL"));
        sbx_cgroup_host_free(h);
        fake_free(root);
}

/* Mark a fake cgroup as systemd marks a unit with Delegate=yes; false when this file system
 * has no user xattrs (then the caller skips). */
static bool mark_delegated(const char *root, const char *rel)
{
        _cleanup_free_ char *path = sbx_strdup_printf("%s/%s", root, rel);

        return setxattr(path, "user.delegate", "1", 1, 0) == 0;
}

static struct sbx_cgroup_host *probe_user(const char *mountinfo, const char *self,
                                          const char *manager)
{
        struct sbx_cgroup_probe p = {.mountinfo = mountinfo,
                                     .self_cgroup = self,
                                     .euid = 1000,
                                     .user_manager = manager,
                                     .systemd = true};
        struct sbx_cgroup_host *h = NULL;

        assert_int_equal(sbx_cgroup_host_open_probe(&p, &h, NULL), 0);
        return h;
}

/* Below a user manager (user@UID.service, which systemd marks, unlike the units in it): the
 * unit holding us, e.g. a scope from `systemd-run --user --scope -p Delegate=yes`, also from a
 * leaf below it (a second sandboxrt in the same scope). */
static void test_v2_user_unit(void **state)
{
        const char *mgr = "user.slice/user-1000.slice/user@1000.service";
        const char *scope = "user.slice/user-1000.slice/user@1000.service/app.slice/run-7.scope";
        char *root = fake_root();
        _cleanup_free_ char *mi = v2_mountinfo(root);
        _cleanup_free_ char *self = sbx_strdup_printf("1:name=systemd:/\n0::/%s\n", scope);
        _cleanup_free_ char *inner = sbx_strdup_printf("0::/%s/supervisor\n", scope);
        _cleanup_free_ char *init = sbx_strdup_printf("0::/%s/init.scope\n", mgr);
        _cleanup_free_ char *want = sbx_strdup_printf("%s/%s", root, scope);

        fake_v2_cgroup(root, "");
        fake_v2_cgroup(root, mgr);
        fake_v2_cgroup(root, scope);
        put(root, "user.slice/user-1000.slice/user@1000.service/init.scope/cgroup.procs", "");
        put(root,
            "user.slice/user-1000.slice/user@1000.service/app.slice/run-7.scope/supervisor/"
            "cgroup.procs",
            "");
        if (!mark_delegated(root, mgr)) {
                fake_free(root);
                skip();
        }
        struct sbx_cgroup_host *h = probe_user(mi, self, NULL);
        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_V2);
        assert_string_equal(sbx_cgroup_host_parent(h, "memory"), want);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "this user's systemd"));
        sbx_cgroup_host_free(h);
        h = probe_user(mi, inner, NULL);
        assert_string_equal(sbx_cgroup_host_parent(h, "memory"), want);
        sbx_cgroup_host_free(h);
        /* The manager's own cgroup is not ours: none, and its socket says how to get one. */
        h = probe_user(mi, init, "/run/user/1000/systemd/private");
        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_NONE);
        assert_true(sbx_cgroup_host_scope_possible(h));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "systemd-run --user --scope"));
        sbx_cgroup_host_free(h);
        /* No manager running: the fix names lingering. */
        h = probe_user(mi, init, NULL);
        assert_false(sbx_cgroup_host_scope_possible(h));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "--delegate-cgroup"));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "lingering"));
        sbx_cgroup_host_free(h);
        fake_free(root);
}

/* A system service with Delegate=yes (User= or root): its own cgroup, before sandboxrt. */
static void test_v2_system_unit(void **state)
{
        const char *unit = "system.slice/sandboxrt.service";
        char *root = fake_root();
        _cleanup_free_ char *mi = v2_mountinfo(root);
        _cleanup_free_ char *self = sbx_strdup_printf("0::/%s\n", unit);
        _cleanup_free_ char *want = sbx_strdup_printf("%s/%s", root, unit);

        fake_v2_cgroup(root, "");
        fake_v2_cgroup(root, unit);
        fake_v2_cgroup(root, "sandboxrt");
        if (!mark_delegated(root, unit)) {
                fake_free(root);
                skip();
        }
        for (uid_t euid = 0; euid <= 1000; euid += 1000) {
                struct sbx_cgroup_host *h = probe(mi, self, euid, NULL);
                assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_V2);
                assert_string_equal(sbx_cgroup_host_parent(h, "pids"), want);
                assert_non_null(strstr(sbx_cgroup_host_describe(h), "Delegate=yes"));
                sbx_cgroup_host_free(h);
        }
        /* $SANDBOXRT_CGROUP still comes first. */
        fake_v2_cgroup(root, "mine");
        struct sbx_cgroup_host *h = probe(mi, self, 0, "/mine/");
        _cleanup_free_ char *mine = sbx_strdup_printf("%s/mine", root);
        assert_string_equal(sbx_cgroup_host_parent(h, "pids"), mine);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "$SANDBOXRT_CGROUP"));
        sbx_cgroup_host_free(h);
        fake_free(root);
}

/* No systemd: a subtree root chowned to the user, its session moved inside by root. */
static void test_v2_owned_subtree(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mi = v2_mountinfo(root);
        _cleanup_free_ char *want = sbx_strdup_printf("%s/sandboxrt-1000", root);

        fake_v2_cgroup(root, "");
        fake_v2_cgroup(root, "sandboxrt-1000");
        fake_v2_cgroup(root, "sandboxrt-1000/supervisor");
        struct sbx_cgroup_host *h = probe(mi, "0::/sandboxrt-1000/supervisor\n", 1000, NULL);
        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_V2);
        assert_string_equal(sbx_cgroup_host_parent(h, "memory"), want);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "subtree delegated to this user"));
        sbx_cgroup_host_free(h);
        /* Without systemd, the fix is root's one move. */
        _cleanup_free_ char *subtree = sbx_strdup_printf("%s/sandboxrt-1000", root);
        assert_int_equal(sbx_rm_rf_at(AT_FDCWD, subtree), 0);
        h = probe(mi, "0::/\n", 1000, NULL);
        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_NONE);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "cgroup.procs"));
        sbx_cgroup_host_free(h);
        fake_free(root);
}

/* A cgroup without the memory controller available is refused with the reason. */
static void test_v2_env_without_memory(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mi = v2_mountinfo(root);

        fake_v2_cgroup(root, "");
        put(root, "mine/cgroup.controllers", "cpu pids\n");
        put(root, "mine/cgroup.subtree_control", "cpu pids\n");
        put(root, "mine/cgroup.procs", "");
        struct sbx_cgroup_host *h = probe(mi, "0::/mine\n", 1000, "mine");

        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_NONE);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "memory and pids"));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "delegate-cgroup"));
        assert_null(sbx_cgroup_host_parent(h, "memory"));
        sbx_cgroup_host_free(h);
        fake_free(root);
}

static char *v1_mountinfo(const char *root, bool comount)
{
        /* Like this project's hosts: a controller-less v2 mount plus v1 hierarchies. */
        if (comount)
                return sbx_strdup_printf(
                    "%s31 22 0:28 / %s rw - tmpfs tmpfs rw,mode=755\n"
                    "32 31 0:29 / %s/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                    "35 31 0:32 / %s/memory rw - cgroup cgroup rw,memory\n"
                    "37 31 0:34 / %s/freezer rw - cgroup cgroup rw,freezer\n"
                    "39 31 0:36 / %s/pids rw - cgroup cgroup rw,pids\n"
                    "40 31 0:37 / %s/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
                    "41 31 0:38 / %s/unified rw - cgroup2 cgroup2 rw\n",
                    other_mounts, root, root, root, root, root, root, root);
        return sbx_strdup_printf("%s32 31 0:29 / %s/cpu rw - cgroup cgroup rw,cpu\n"
                                 "33 31 0:30 / %s/cpuacct rw - cgroup cgroup rw,cpuacct\n"
                                 "35 31 0:32 / %s/memory rw - cgroup cgroup rw,memory\n"
                                 "39 31 0:36 / %s/pids rw - cgroup cgroup rw,pids\n"
                                 "41 31 0:38 / %s/unified rw - cgroup2 cgroup2 rw\n",
                                 other_mounts, root, root, root, root, root);
}

static void test_v1_hybrid_comounted(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mi = v1_mountinfo(root, true);
        _cleanup_free_ char *cpu = sbx_strdup_printf("%s/cpu,cpuacct/sandboxrt", root);
        _cleanup_free_ char *mem = sbx_strdup_printf("%s/memory/sandboxrt", root);

        put(root, "unified/cgroup.controllers", "hugetlb\n");
        put(root, "memory/sandboxrt/memory.memsw.limit_in_bytes", "0\n");
        put(root, "cpu,cpuacct", NULL);
        put(root, "freezer", NULL);
        put(root, "pids", NULL);
        struct sbx_cgroup_host *h = probe(mi, NULL, 0, NULL);

        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_V1);
        assert_string_equal(sbx_cgroup_host_parent(h, "cpu"), cpu);
        assert_string_equal(sbx_cgroup_host_parent(h, "cpuacct"), cpu);
        assert_string_equal(sbx_cgroup_host_parent(h, "memory"), mem);
        assert_non_null(sbx_cgroup_host_parent(h, "freezer"));
        assert_null(sbx_cgroup_host_parent(h, "systemd"));
        assert_non_null(
            strstr(sbx_cgroup_host_describe(h), "v1 (memory, pids, cpu, cpuacct, freezer)"));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "swap off"));
        struct stat st;
        _cleanup_free_ char *pids = sbx_strdup_printf("%s/pids/sandboxrt", root);
        assert_int_equal(stat(pids, &st), 0); /* created as root */
        sbx_cgroup_host_free(h);
        fake_free(root);
}

static void test_v1_unprivileged(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mi = v1_mountinfo(root, false);

        put(root, "unified/cgroup.controllers", "");
        put(root, "cpu", NULL);
        put(root, "cpuacct", NULL);
        put(root, "memory", NULL);
        put(root, "pids", NULL);
        /* Not delegated: NONE, with the fix. */
        struct sbx_cgroup_host *h = probe(mi, NULL, 1000, NULL);
        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_NONE);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "sandboxrt-1000"));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "--delegate-cgroup"));
        sbx_cgroup_host_free(h);
        /* Delegated in the required hierarchies only: works, without cpu bandwidth. */
        put(root, "memory/sandboxrt-1000/cgroup.procs", "");
        put(root, "pids/sandboxrt-1000/cgroup.procs", "");
        put(root, "cpuacct/sandboxrt-1000/cgroup.procs", "");
        h = probe(mi, NULL, 1000, NULL);
        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_V1);
        assert_null(sbx_cgroup_host_parent(h, "cpu"));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "v1 (memory, pids, cpuacct)"));
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "swap not limited"));
        sbx_cgroup_host_free(h);
        /* $SANDBOXRT_CGROUP may not climb out of the hierarchy. */
        h = probe(mi, NULL, 1000, "../../etc");
        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_NONE);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "SANDBOXRT_CGROUP"));
        sbx_cgroup_host_free(h);
        fake_free(root);
}

static void test_no_hierarchy(void **state)
{
        struct sbx_cgroup_host *h = probe(other_mounts, NULL, 0, NULL);
        struct sbx_cgroup *cg = NULL;
        struct sbx_error *err = NULL;
        struct sbx_limits l = {.memory_bytes = MiB};

        assert_int_equal(sbx_cgroup_host_mode(h), SBX_CGROUP_NONE);
        assert_non_null(strstr(sbx_cgroup_host_describe(h), "no cgroup hierarchy"));
        assert_int_equal(sbx_cgroup_create(h, &l, &cg, &err), -ENOTSUP);
        assert_non_null(err);
        sbx_error_free(err);
        assert_int_equal(sbx_cgroup_reap(h, NULL, NULL), 0);
        sbx_cgroup_host_free(h);
}

/* A record in dir/owners of an owner that is already dead: its token. */
static void dead_owner(const char *dir, const char *scope, char token[SBX_OWNER_TOKEN_LEN + 1])
{
        int p[2];

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                struct sbx_owner *o = NULL;
                if (sbx_owner_new(dir, "native", scope, &o, NULL) < 0 ||
                    write(p[1], sbx_owner_token(o), SBX_OWNER_TOKEN_LEN + 1) < 0)
                        _exit(1);
                _exit(0);
        }
        close(p[1]);
        assert_int_equal(read(p[0], token, SBX_OWNER_TOKEN_LEN + 1), SBX_OWNER_TOKEN_LEN + 1);
        close(p[0]);
        assert_int_equal(waitpid(pid, NULL, 0), pid);
}

static bool exists(const char *root, const char *rel)
{
        char path[4096];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        return stat(path, &st) == 0;
}

/* Reaping removes the job cgroups of dead owners in every hierarchy, and nothing else: not a
 * live owner's, not one whose record cannot be seen, not an old-style job-<pid>-<n>. */
static void check_reap(const char *root, const char *mountinfo, const char *const *parents,
                       size_t n)
{
        struct sbx_cgroup_host *h = probe(mountinfo, "0::/\n", 0, NULL);
        _cleanup_free_ char *state = sbx_strdup_printf("%s/state", root);
        const char *scope = sbx_cgroup_host_parent(h, "memory");
        char dead[SBX_OWNER_TOKEN_LEN + 1], stuck[SBX_OWNER_TOKEN_LEN + 1], rel[512];
        struct sbx_owner *live = NULL;
        struct sbx_owners *d = NULL;

        assert_int_equal(mkdir(state, 0711), 0);
        assert_int_equal(sbx_state_subdir(state, "owners", 0700, NULL), 0);
        dead_owner(state, scope, dead);
        dead_owner(state, scope, stuck);
        assert_int_equal(sbx_owner_new(state, "native", scope, &live, NULL), 0);
        for (size_t i = 0; i < n; i++) {
                snprintf(rel, sizeof(rel), "%s/job-%s-7-0", parents[i], dead);
                put(root, rel, NULL);
                if (i == 0) { /* half-removed: the dead owner's second one is in one place only */
                        snprintf(rel, sizeof(rel), "%s/job-%s-7-1", parents[i], dead);
                        put(root, rel, NULL);
                }
                snprintf(rel, sizeof(rel), "%s/job-%s-8-0/busy", parents[i], stuck);
                put(root, rel, ""); /* rmdir fails: not empty */
                snprintf(rel, sizeof(rel), "%s/job-%s-7-0", parents[i], sbx_owner_token(live));
                put(root, rel, NULL);
                snprintf(rel, sizeof(rel), "%s/job-0123456789abcdef-7-0", parents[i]);
                put(root, rel, NULL);
                snprintf(rel, sizeof(rel), "%s/job-1234-0", parents[i]);
                put(root, rel, NULL);
        }

        assert_int_equal(sbx_owners_find_dead(state, "native", scope, &d, NULL), 0);
        assert_int_equal(sbx_owners_count(d), 2);
        assert_true(sbx_cgroup_reap(h, d, NULL) < 0); /* the stuck one */
        sbx_owners_release(d);
        for (size_t i = 0; i < n; i++) {
                snprintf(rel, sizeof(rel), "%s/job-%s-7-0", parents[i], dead);
                assert_false(exists(root, rel));
                snprintf(rel, sizeof(rel), "%s/job-%s-7-1", parents[i], dead);
                assert_false(exists(root, rel));
                snprintf(rel, sizeof(rel), "%s/job-%s-8-0", parents[i], stuck);
                assert_true(exists(root, rel));
                snprintf(rel, sizeof(rel), "%s/job-%s-7-0", parents[i], sbx_owner_token(live));
                assert_true(exists(root, rel));
                snprintf(rel, sizeof(rel), "%s/job-0123456789abcdef-7-0", parents[i]);
                assert_true(exists(root, rel));
                snprintf(rel, sizeof(rel), "%s/job-1234-0", parents[i]);
                assert_true(exists(root, rel));
        }
        /* The stuck owner's record stays for the next pass; the other dead one's is gone. */
        assert_int_equal(sbx_owners_find_dead(state, "native", scope, &d, NULL), 0);
        assert_int_equal(sbx_owners_count(d), 1);
        snprintf(rel, sizeof(rel), "%s-8-0", stuck);
        assert_non_null(sbx_owners_match(d, rel));
        sbx_owners_release(d);
        sbx_owner_free(live);
        sbx_cgroup_host_free(h);
}

static void test_reap_v2(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mi = v2_mountinfo(root);
        const char *const parents[] = {"sandboxrt"};

        fake_v2_cgroup(root, "");
        fake_v2_cgroup(root, "sandboxrt");
        check_reap(root, mi, parents, 1);
        fake_free(root);
}

static void test_reap_v1(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mi = v1_mountinfo(root, false);
        const char *const parents[] = {"memory/sandboxrt", "pids/sandboxrt", "cpu/sandboxrt",
                                       "cpuacct/sandboxrt"};

        put(root, "unified/cgroup.controllers", "");
        for (size_t i = 0; i < ELEMENTSOF(parents); i++) {
                char ctrl[32];
                snprintf(ctrl, sizeof(ctrl), "%.*s", (int)strcspn(parents[i], "/"), parents[i]);
                put(root, ctrl, NULL);
        }
        check_reap(root, mi, parents, ELEMENTSOF(parents));
        fake_free(root);
}

static void test_delegate_fake(void **state)
{
        char *root = fake_root();
        _cleanup_free_ char *mi1 = v1_mountinfo(root, true);
        struct sbx_cgroup_probe p = {.mountinfo = mi1, .euid = 0};
        struct sbx_error *err = NULL;
        char path[4096];
        struct stat st;

        if (geteuid() != 0) {
                fake_free(root);
                skip(); /* chown needs root */
        }
        put(root, "memory", NULL);
        put(root, "pids", NULL);
        put(root, "freezer", NULL);
        put(root, "cpu,cpuacct/sandboxrt-4242/tasks", "");
        assert_int_equal(sbx_cgroup_delegate_probe(&p, 4242, 4343, &err), 0);
        assert_null(err);
        snprintf(path, sizeof(path), "%s/memory/sandboxrt-4242", root);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, 4242);
        assert_int_equal(st.st_gid, 4343);
        snprintf(path, sizeof(path), "%s/cpu,cpuacct/sandboxrt-4242/tasks", root);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, 4242);
        p.euid = 1000;
        assert_int_equal(sbx_cgroup_delegate_probe(&p, 4242, 4343, &err), -EPERM);
        err = sbx_error_free(err);

        /* v2: controllers on at the top, directory and the kernel's delegatable files. */
        _cleanup_free_ char *v2 = sbx_strdup_printf("%s/v2", root);
        _cleanup_free_ char *mi2 = v2_mountinfo(v2);
        fake_v2_cgroup(v2, "");
        fake_v2_cgroup(v2, "sandboxrt-4242");
        p = (struct sbx_cgroup_probe){
            .mountinfo = mi2, .euid = 0, .delegate_list = "cgroup.procs\nmemory.reclaim\n"};
        assert_int_equal(sbx_cgroup_delegate_probe(&p, 4242, 4343, &err), 0);
        snprintf(path, sizeof(path), "%s/sandboxrt-4242/cgroup.procs", v2);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, 4242);
        snprintf(path, sizeof(path), "%s/sandboxrt-4242/cgroup.subtree_control", v2);
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_uid, 0); /* not in this kernel's list */
        fake_free(root);
}

/* ---- limit and stats files on fixture directories ---------------------------------------- */

static void test_limits_v2(void **state)
{
        char *root = fake_root();
        struct sbx_limits l = {.memory_bytes = 32 * MiB, .pids = 16, .cpu_millicores = 500};
        struct sbx_error *err = NULL;
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        put(root, "memory.max", "");
        put(root, "memory.swap.max", "");
        put(root, "pids.max", "");
        put(root, "cpu.max", "");
        assert_int_equal(sbx_cgroup_limits_at(SBX_CGROUP_V2, fd, fd, fd, &l, "job", &err), 0);
        char *s;
        assert_string_equal(s = slurp(root, "memory.max"), "33554432");
        free(s);
        assert_string_equal(s = slurp(root, "memory.swap.max"), "0");
        free(s);
        assert_string_equal(s = slurp(root, "pids.max"), "16");
        free(s);
        assert_string_equal(s = slurp(root, "cpu.max"), "50000 100000");
        free(s);
        /* Optional files may be absent (no swap accounting, no cpu controller) ... */
        char p[4096];
        snprintf(p, sizeof(p), "%s/memory.swap.max", root);
        unlink(p);
        snprintf(p, sizeof(p), "%s/cpu.max", root);
        unlink(p);
        assert_int_equal(sbx_cgroup_limits_at(SBX_CGROUP_V2, fd, fd, fd, &l, "job", &err), 0);
        /* ... memory.max may not. */
        snprintf(p, sizeof(p), "%s/memory.max", root);
        unlink(p);
        assert_int_equal(sbx_cgroup_limits_at(SBX_CGROUP_V2, fd, fd, fd, &l, "job-1-0", &err),
                         -ENOENT);
        assert_non_null(err);
        assert_non_null(strstr(err->message, "memory.max"));
        assert_non_null(strstr(err->message, "job-1-0"));
        sbx_error_free(err);
        close(fd);
        fake_free(root);
}

static void test_limits_v1(void **state)
{
        char *root = fake_root();
        struct sbx_limits l = {.memory_bytes = 64 * MiB, .pids = 8, .cpu_millicores = 5};
        struct sbx_error *err = NULL;
        static const char *const files[] = {
            "memory/memory.limit_in_bytes", "memory/memory.memsw.limit_in_bytes",
            "memory/memory.swappiness",     "pids/pids.max",
            "cpu/cpu.cfs_period_us",        "cpu/cpu.cfs_quota_us"};
        static const char *const want[] = {"67108864", "67108864", "0", "8", "100000", "1000"};

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
                put(root, files[i], "");
        char p[4096];
        snprintf(p, sizeof(p), "%s/memory", root);
        int mem = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        snprintf(p, sizeof(p), "%s/pids", root);
        int pids = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        snprintf(p, sizeof(p), "%s/cpu", root);
        int cpu = open(p, O_PATH | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(sbx_cgroup_limits_at(SBX_CGROUP_V1, mem, pids, cpu, &l, "j", &err), 0);
        assert_null(err);
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                char *s = slurp(root, files[i]);
                assert_string_equal(s, want[i]);
                free(s);
        }
        /* Zero limits write nothing; no cpu hierarchy is fine. */
        struct sbx_limits none = {0};
        assert_int_equal(sbx_cgroup_limits_at(SBX_CGROUP_V1, -1, -1, -1, &none, "j", &err), 0);
        assert_int_equal(sbx_cgroup_limits_at(SBX_CGROUP_NONE, mem, pids, cpu, &l, "j", &err),
                         -ENOTSUP);
        err = sbx_error_free(err);
        close(mem);
        close(pids);
        close(cpu);
        fake_free(root);
}

static void test_stats_v2(void **state)
{
        char *root = fake_root();
        struct sbx_cgroup_stats st;
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        put(root, "cpu.stat",
            "usage_usec 1234567\nuser_usec 1000000\nsystem_usec 234567\n"
            "nr_periods 0\nnr_throttled 0\nthrottled_usec 0\n");
        put(root, "memory.peak", "33554432\n");
        put(root, "memory.current", "4096\n");
        put(root, "memory.events",
            "low 0\nhigh 0\nmax 40\noom 1\noom_kill 1\n"
            "oom_group_kill 0\n");
        assert_int_equal(sbx_cgroup_stats_at(SBX_CGROUP_V2, fd, fd, &st), 0);
        assert_int_equal(st.cpu_usec, 1234567);
        assert_int_equal(st.peak_memory_bytes, 33554432);
        assert_true(st.oom_killed);
        assert_true(st.memory_oom);
        /* Before Linux 5.19 there is no memory.peak; an OOM without a kill (ENOMEM). */
        char p[4096];
        snprintf(p, sizeof(p), "%s/memory.peak", root);
        unlink(p);
        put(root, "memory.events", "low 0\nhigh 0\nmax 3\noom 2\noom_kill 0\n");
        assert_int_equal(sbx_cgroup_stats_at(SBX_CGROUP_V2, fd, fd, &st), 0);
        assert_int_equal(st.peak_memory_bytes, 4096);
        assert_false(st.oom_killed);
        assert_true(st.memory_oom);
        put(root, "memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
        assert_int_equal(sbx_cgroup_stats_at(SBX_CGROUP_V2, fd, fd, &st), 0);
        assert_false(st.memory_oom);
        put(root, "cpu.stat", "user_usec 1\n");
        assert_int_equal(sbx_cgroup_stats_at(SBX_CGROUP_V2, fd, fd, &st), -ENOENT);
        close(fd);
        fake_free(root);
}

static void test_stats_v1(void **state)
{
        char *root = fake_root();
        struct sbx_cgroup_stats st;
        int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        put(root, "cpuacct.usage", "2500000999\n");
        put(root, "memory.max_usage_in_bytes", "67108864\n");
        put(root, "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
        assert_int_equal(sbx_cgroup_stats_at(SBX_CGROUP_V1, fd, fd, &st), 0);
        assert_int_equal(st.cpu_usec, 2500000);
        assert_int_equal(st.peak_memory_bytes, 67108864);
        assert_true(st.oom_killed);
        put(root, "memory.oom_control", "oom_kill_disable 0\nunder_oom 1\noom_kill 0\n");
        assert_int_equal(sbx_cgroup_stats_at(SBX_CGROUP_V1, fd, fd, &st), 0);
        assert_false(st.oom_killed);
        assert_true(st.memory_oom);
        put(root, "cpuacct.usage", "garbage\n");
        assert_int_equal(sbx_cgroup_stats_at(SBX_CGROUP_V1, fd, fd, &st), -EINVAL);
        close(fd);
        fake_free(root);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_mode_strings),
            cmocka_unit_test(test_parse_keyed),
            cmocka_unit_test(test_v2_root),
            cmocka_unit_test(test_v2_escaped_mount),
            cmocka_unit_test(test_v2_user_unit),
            cmocka_unit_test(test_v2_system_unit),
            cmocka_unit_test(test_v2_owned_subtree),
            cmocka_unit_test(test_v2_env_without_memory),
            cmocka_unit_test(test_v1_hybrid_comounted),
            cmocka_unit_test(test_v1_unprivileged),
            cmocka_unit_test(test_no_hierarchy),
            cmocka_unit_test(test_reap_v2),
            cmocka_unit_test(test_reap_v1),
            cmocka_unit_test(test_delegate_fake),
            cmocka_unit_test(test_limits_v2),
            cmocka_unit_test(test_limits_v1),
            cmocka_unit_test(test_stats_v2),
            cmocka_unit_test(test_stats_v1),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}

#else /* SBX_CGROUP_LIVE */

static struct sbx_cgroup_host *host;
static struct sbx_owner *owner; /* this test's own record, in state_dir */
static char state_dir[] = "/tmp/sbx-cgroup-test.XXXXXX";
static char other_state_dir[] = "/tmp/sbx-cgroup-test.XXXXXX";

static const char *scope(void)
{
        return sbx_cgroup_host_parent(host, "memory");
}

static enum sbx_cgroup_mode expected_mode(void)
{
        _cleanup_free_ char *top = NULL;
        struct stat st;

        if (sbx_read_file("/sys/fs/cgroup/cgroup.controllers", 4096, &top, NULL) == 0 &&
            strstr(top, "memory") && strstr(top, "pids"))
                return SBX_CGROUP_V2;
        if (stat("/sys/fs/cgroup/memory/memory.limit_in_bytes", &st) == 0)
                return SBX_CGROUP_V1;
        return SBX_CGROUP_NONE;
}

static const char *const all_ctrls[] = {"memory", "pids", "cpu", "cpuacct", "freezer"};

static char *job_path(struct sbx_cgroup *cg, const char *ctrl, const char *file)
{
        const char *parent = sbx_cgroup_host_parent(host, ctrl);

        assert_non_null(parent);
        return sbx_strdup_printf("%s/%s%s%s", parent, sbx_cgroup_name(cg), file ? "/" : "",
                                 file ? file : "");
}

static char *job_file(struct sbx_cgroup *cg, const char *ctrl, const char *file)
{
        _cleanup_free_ char *path = job_path(cg, ctrl, file);
        char *text = NULL;

        assert_int_equal(sbx_read_file(path, 1 << 20, &text, NULL), 0);
        text[strcspn(text, "\n")] = '\0';
        return text;
}

static int count_procs(struct sbx_cgroup *cg)
{
        _cleanup_free_ char *path = job_path(cg, "memory", "cgroup.procs");
        _cleanup_free_ char *text = NULL;
        int n = 0;

        assert_int_equal(sbx_read_file(path, 1 << 20, &text, NULL), 0);
        for (char *p = text; (p = strchr(p, '\n')); p++)
                n++;
        return n;
}

/* Every hierarchy's directory of a job (by name) exists, or none does. */
static bool job_exists(const char *name, bool *all)
{
        bool any = false;

        *all = true;
        for (size_t i = 0; i < sizeof(all_ctrls) / sizeof(all_ctrls[0]); i++) {
                const char *parent = sbx_cgroup_host_parent(host, all_ctrls[i]);
                struct stat st;
                if (!parent)
                        continue;
                _cleanup_free_ char *p = sbx_strdup_printf("%s/%s", parent, name);
                bool here = stat(p, &st) == 0;
                any |= here;
                *all &= here;
        }
        return any;
}

static struct sbx_cgroup *make(uint64_t memory, uint32_t pids, uint32_t millicores)
{
        struct sbx_limits l = {.memory_bytes = memory, .pids = pids, .cpu_millicores = millicores};
        struct sbx_cgroup *cg = NULL;
        struct sbx_error *err = NULL;
        bool all;

        if (sbx_cgroup_create(host, &l, &cg, &err) < 0)
                fail_msg("create: %s", err->message);
        assert_true(job_exists(sbx_cgroup_name(cg), &all) && all);
        return cg;
}

static void destroy_and_check(struct sbx_cgroup *cg)
{
        char name[64];
        bool all;

        snprintf(name, sizeof(name), "%s", sbx_cgroup_name(cg));
        sbx_cgroup_destroy(cg);
        assert_false(job_exists(name, &all));
}

/* Fork a child that runs fn once it is inside cg. */
static pid_t spawn_in(struct sbx_cgroup *cg, void (*fn)(int), int arg)
{
        struct sbx_error *err = NULL;
        int go[2];
        char c;

        assert_int_equal(pipe2(go, O_CLOEXEC), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                close(go[1]);
                if (read(go[0], &c, 1) != 1)
                        _exit(100);
                fn(arg);
                _exit(0);
        }
        close(go[0]);
        if (sbx_cgroup_attach(cg, pid, &err) < 0)
                fail_msg("attach: %s", err->message);
        assert_int_equal(write(go[1], "g", 1), 1);
        close(go[1]);
        return pid;
}

/* waitpid with a bound (scaled): the pid, or 0 when it did not end in time. */
static pid_t wait_for(pid_t pid, int *status, unsigned ms)
{
        uint64_t end = sbx_now_ms() + scaled_ms(ms);

        do {
                pid_t r = waitpid(pid, status, WNOHANG);
                if (r != 0)
                        return r;
                usleep(1000);
        } while (sbx_now_ms() < end);
        return 0;
}

static void test_live_mode(void **state)
{
        struct stat st;
        char link[64];

        assert_int_equal(sbx_cgroup_host_mode(host), expected_mode());
        /* In a unit with Delegate=yes, the unit's cgroup is the parent. */
        if (!strstr(sbx_cgroup_host_describe(host), "Delegate=")) {
                const char *env = getenv("SANDBOXRT_CGROUP");
                const char *p = sbx_cgroup_host_parent(host, "memory");
                _cleanup_free_ char *want = sbx_strdup_printf("/%s", env ? env : "sandboxrt");
                assert_string_equal(p + strlen(p) - strlen(want), want);
        }
        if (expected_mode() != SBX_CGROUP_V1)
                return;
        assert_non_null(strstr(sbx_cgroup_host_describe(host), "v1 (memory, pids"));
        /* Co-mounted cpu,cpuacct (with symlinks) must resolve to one hierarchy. */
        ssize_t n = readlink("/sys/fs/cgroup/cpu", link, sizeof(link) - 1);
        if (n > 0 && lstat("/sys/fs/cgroup/cpu", &st) == 0 && S_ISLNK(st.st_mode))
                assert_string_equal(sbx_cgroup_host_parent(host, "cpu"),
                                    sbx_cgroup_host_parent(host, "cpuacct"));
        else
                assert_string_not_equal(sbx_cgroup_host_parent(host, "cpu"),
                                        sbx_cgroup_host_parent(host, "cpuacct"));
}

static void test_live_limits(void **state)
{
        struct sbx_cgroup *cg = make(48 * MiB, 12, 1500);
        char *s;
        struct stat st;

        if (sbx_cgroup_host_mode(host) == SBX_CGROUP_V1) {
                assert_string_equal(s = job_file(cg, "memory", "memory.limit_in_bytes"),
                                    "50331648");
                free(s);
                _cleanup_free_ char *memsw = job_path(cg, "memory", "memory.memsw.limit_in_bytes");
                if (stat(memsw, &st) == 0) {
                        assert_string_equal(
                            s = job_file(cg, "memory", "memory.memsw.limit_in_bytes"), "50331648");
                        free(s);
                }
                assert_string_equal(s = job_file(cg, "pids", "pids.max"), "12");
                free(s);
                assert_string_equal(s = job_file(cg, "cpu", "cpu.cfs_quota_us"), "150000");
                free(s);
                assert_string_equal(s = job_file(cg, "cpu", "cpu.cfs_period_us"), "100000");
                free(s);
                assert_int_equal(sbx_cgroup_fd(cg), -1);
        } else {
                assert_string_equal(s = job_file(cg, "memory", "memory.max"), "50331648");
                free(s);
                assert_string_equal(s = job_file(cg, "pids", "pids.max"), "12");
                free(s);
                assert_true(sbx_cgroup_fd(cg) >= 0);
        }
        destroy_and_check(cg);
}

static void hog(int arg)
{
        for (size_t done = 0; done < 512 * MiB; done += MiB) {
                char *p = malloc(MiB);
                if (!p)
                        _exit(3);
                memset(p, 0x5a, MiB);
        }
        _exit(0);
}

static void test_live_oom(void **state)
{
        struct sbx_cgroup *cg = make(32 * MiB, 16, 0);
        struct sbx_cgroup_stats st;
        int status;

        pid_t pid = spawn_in(cg, hog, 0);
        assert_int_equal(wait_for(pid, &status, 30000), pid);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
        assert_int_equal(sbx_cgroup_stats(cg, &st), 0);
        fprintf(stderr, "oom: peak %llu bytes under a %u byte limit\n",
                (unsigned long long)st.peak_memory_bytes, 32 * MiB);
        assert_true(st.oom_killed);
        assert_true(st.memory_oom);
        assert_true(st.peak_memory_bytes >= 24 * MiB);
        assert_true(st.peak_memory_bytes <= 33 * MiB);
        destroy_and_check(cg);
}

static void forker(int fd)
{
        int res[2] = {0, 0};

        for (int i = 0; i < 20; i++) {
                pid_t p = fork();
                if (p == 0) {
                        pause();
                        _exit(0);
                }
                if (p > 0)
                        res[0]++;
                else if (errno == EAGAIN)
                        res[1]++;
        }
        if (write(fd, res, sizeof(res)) != sizeof(res))
                _exit(2);
        for (;;)
                pause();
}

static void test_live_pids(void **state)
{
        struct sbx_cgroup *cg = make(64 * MiB, 8, 0);
        struct sbx_cgroup_stats st;
        int p[2], res[2], status;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t pid = spawn_in(cg, forker, p[1]);
        close(p[1]);
        assert_int_equal(read(p[0], res, sizeof(res)), sizeof(res));
        close(p[0]);
        assert_true(res[0] >= 1 && res[0] <= 7); /* 8 with the forker itself */
        assert_true(res[1] > 0);                 /* fork failed with EAGAIN */
        assert_int_equal(res[0] + res[1], 20);
        assert_int_equal(count_procs(cg), res[0] + 1);
        assert_int_equal(sbx_cgroup_stats(cg, &st), 0);
        assert_false(st.oom_killed);
        assert_int_equal(sbx_cgroup_kill(cg), 0);
        assert_int_equal(wait_for(pid, &status, 5000), pid);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        destroy_and_check(cg);
}

static void burn(int arg)
{
        struct timespec t;

        do
                clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
        while (t.tv_sec == 0 && t.tv_nsec < 400000000);
        _exit(0);
}

static void test_live_cpu(void **state)
{
        struct sbx_cgroup *cg = make(64 * MiB, 8, 0);
        struct sbx_cgroup_stats st;
        uint64_t before, mid, after;
        int status;

        assert_int_equal(sbx_cgroup_cpu_usec(cg, &before), 0);
        assert_true(before < 10000);
        pid_t pid = spawn_in(cg, burn, 0);
        usleep(100000);
        assert_int_equal(sbx_cgroup_cpu_usec(cg, &mid), 0);
        assert_int_equal(wait_for(pid, &status, 30000), pid);
        assert_int_equal(sbx_cgroup_cpu_usec(cg, &after), 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_true(mid > before);
        assert_true(after > mid);
        /* The exiting child's last slice is charged at its final switch, which a slow machine
         * (TCG) may not have made when waitpid returns: a margin, scaled. */
        assert_true(after + scaled_ms(5) * 1000 >= 400000);
        assert_int_equal(sbx_cgroup_stats(cg, &st), 0);
        assert_true(st.cpu_usec >= after);
        assert_false(st.memory_oom);
        destroy_and_check(cg);
}

static void tree(int fd)
{
        for (int i = 0; i < 3; i++) {
                pid_t p = fork();
                if (p == 0) {
                        pid_t q = fork();
                        if (q == 0)
                                for (;;)
                                        pause();
                        if (write(fd, &q, sizeof(q)) != sizeof(q))
                                _exit(2);
                        for (;;)
                                pause();
                }
                if (write(fd, &p, sizeof(p)) != sizeof(p))
                        _exit(2);
        }
        for (;;)
                pause();
}

/* Reap pids (our children, or orphans reparented to us as subreaper); all within ms (scaled). */
static void reap_all(const pid_t *pids, int n, unsigned ms)
{
        uint64_t end = sbx_now_ms() + scaled_ms(ms);
        int left = n;

        while (left > 0 && sbx_now_ms() < end) {
                for (int i = 0; i < n; i++) {
                        int status;
                        if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
                                assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
                                left--;
                        }
                }
                usleep(1000);
        }
        assert_int_equal(left, 0);
}

static void spawn_tree(struct sbx_cgroup *cg, pid_t pids[7])
{
        int p[2];

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pids[0] = spawn_in(cg, tree, p[1]);
        close(p[1]);
        for (int i = 1; i < 7; i++)
                assert_int_equal(read(p[0], &pids[i], sizeof(pid_t)), sizeof(pid_t));
        close(p[0]);
        assert_int_equal(count_procs(cg), 7);
}

static void test_live_kill_tree(void **state)
{
        struct sbx_cgroup *cg = make(64 * MiB, 32, 0);
        pid_t pids[7];

        spawn_tree(cg, pids);
        assert_int_equal(sbx_cgroup_kill(cg), 0);
        reap_all(pids, 7, 5000);
        assert_int_equal(count_procs(cg), 0);
        destroy_and_check(cg);
}

/* destroy alone kills what still runs. */
static void test_live_destroy_busy(void **state)
{
        struct sbx_cgroup *cg = make(64 * MiB, 32, 0);
        pid_t pids[7];

        spawn_tree(cg, pids);
        destroy_and_check(cg);
        reap_all(pids, 7, 5000);
}

/* The "supervisor" (a forked child) becomes an owner of its own with a record in state_dir,
 * creates a job cgroup, puts a sleeper in it and _exit()s without cleaning up, as when it is
 * SIGKILLed. */
static void leave_leftover(int fd, const char *dir)
{
        struct sbx_limits l = {.memory_bytes = 32 * MiB, .pids = 8};
        struct sbx_cgroup *cg = NULL;
        struct sbx_owner *own = NULL;
        char name[64] = "";
        int go[2];

        if (pipe2(go, O_CLOEXEC) < 0)
                _exit(2);
        /* Forked before the record exists, as a jail closes it: the owner dies with us. */
        pid_t sleeper = fork();
        if (sleeper == 0) {
                char c;
                close(go[1]);
                if (read(go[0], &c, 1) != 1)
                        _exit(100);
                for (;;)
                        pause();
        }
        if (sleeper < 0 || sbx_owner_new(dir, "native", scope(), &own, NULL) < 0)
                _exit(1);
        sbx_cgroup_host_set_owner(host, sbx_owner_token(own));
        if (sbx_cgroup_create(host, &l, &cg, NULL) < 0 ||
            sbx_cgroup_attach(cg, sleeper, NULL) < 0 || write(go[1], "g", 1) != 1)
                _exit(3);
        snprintf(name, sizeof(name), "%s", sbx_cgroup_name(cg));
        if (write(fd, &sleeper, sizeof(sleeper)) != sizeof(sleeper) ||
            write(fd, name, sizeof(name)) != sizeof(name))
                _exit(4);
        _exit(0);
}

/* A dead owner's leftover, in a state dir: its sleeper's pid and the cgroup's name. */
static void leftover(const char *dir, pid_t *sleeper, char name[64])
{
        int p[2], status;

        assert_int_equal(pipe2(p, O_CLOEXEC), 0);
        pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0)
                leave_leftover(p[1], dir);
        close(p[1]);
        assert_int_equal(wait_for(child, &status, 10000), child);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        assert_int_equal(read(p[0], sleeper, sizeof(*sleeper)), sizeof(*sleeper));
        assert_int_equal(read(p[0], name, 64), 64);
        close(p[0]);
}

static void reap_in(const char *dir, size_t dead_expected)
{
        struct sbx_owners *dead = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_owners_find_dead(dir, "native", scope(), &dead, NULL), 0);
        assert_int_equal(sbx_owners_count(dead), dead_expected);
        if (sbx_cgroup_reap(host, dead, &err) < 0)
                fail_msg("reap: %s", err->message);
        sbx_owners_release(dead);
}

static void test_live_reap(void **state)
{
        struct sbx_cgroup *mine = make(32 * MiB, 8, 0);
        char name[64], elsewhere_name[64];
        pid_t sleepers[2];
        bool all;

        leftover(state_dir, &sleepers[0], name);
        assert_true(job_exists(name, &all) && all);
        assert_int_equal(kill(sleepers[0], 0), 0);
        /* An owner whose record is in another state dir: not ours to judge. */
        leftover(other_state_dir, &sleepers[1], elsewhere_name);

        reap_in(state_dir, 1);
        assert_false(job_exists(name, &all));
        reap_all(&sleepers[0], 1, 5000); /* reparented to us, and killed */
        /* A live owner's job cgroup, and one whose owner we cannot see, are left alone. */
        assert_true(job_exists(sbx_cgroup_name(mine), &all) && all);
        assert_true(job_exists(elsewhere_name, &all) && all);
        assert_int_equal(kill(sleepers[1], 0), 0);
        /* The dead owner's record went with its last leftover. */
        reap_in(state_dir, 0);
        reap_in(other_state_dir, 1);
        assert_false(job_exists(elsewhere_name, &all));
        reap_all(&sleepers[1], 1, 5000);
        destroy_and_check(mine);
}

/* In a forked child: open the host as this process is now, check that job cgroups go under a
 * parent containing want, and that one works (limits, attach, kill, stats, destroy). 0, or
 * the step that failed. */
static int exercise_host(const char *want)
{
        struct sbx_cgroup_host *h = NULL;
        struct sbx_cgroup *cg = NULL;
        struct sbx_limits l = {.memory_bytes = 32 * MiB, .pids = 8, .cpu_millicores = 500};
        struct sbx_cgroup_stats st;
        int status;

        if (sbx_cgroup_host_open(&h, NULL) < 0 || sbx_cgroup_host_mode(h) == SBX_CGROUP_NONE)
                return 2;
        sbx_cgroup_host_set_owner(h, sbx_owner_token(owner));
        const char *parent = sbx_cgroup_host_parent(h, "memory");
        if (!strstr(parent, want) || !sbx_cgroup_host_parent(h, "cpu"))
                return 3;
        if (sbx_cgroup_create(h, &l, &cg, NULL) < 0)
                return 4;
        pid_t kid = fork();
        if (kid == 0) {
                for (;;)
                        pause();
        }
        if (kid < 0 || sbx_cgroup_attach(cg, kid, NULL) < 0)
                return 5;
        if (sbx_cgroup_kill(cg) < 0 || waitpid(kid, &status, 0) != kid || !WIFSIGNALED(status))
                return 6;
        if (sbx_cgroup_stats(cg, &st) < 0)
                return 7;
        _cleanup_free_ char *path = sbx_strdup_printf("%s/%s", parent, sbx_cgroup_name(cg));
        sbx_cgroup_destroy(cg);
        if (access(path, F_OK) == 0)
                return 8;
        sbx_cgroup_host_free(h);
        return 0;
}

/* Move this process into the v2 cgroup at path: 0 or 1. */
static int enter(const char *path)
{
        char num[16];
        _cleanup_free_ char *procs = sbx_strdup_printf("%s/cgroup.procs", path);

        snprintf(num, sizeof(num), "%d", (int)getpid());
        return procs && sbx_write_string(procs, num) == 0 ? 0 : 1;
}

/* Whether this process's v2 cgroup ends in suffix. */
static bool self_in(const char *suffix)
{
        _cleanup_free_ char *text = NULL;

        if (sbx_read_file("/proc/self/cgroup", 4096, &text, NULL) < 0)
                return false;
        text[strcspn(text, "\n")] = '\0';
        size_t n = strlen(text), k = strlen(suffix);
        return n >= k && strcmp(text + n - k, suffix) == 0;
}

/* The cgroup delegated to nobody in the hierarchy of parent (ours: $SANDBOXRT_CGROUP, else
 * sandboxrt, under the hierarchy's root), which is at that root. */
static char *delegated_dir(const char *parent)
{
        const char *env = getenv("SANDBOXRT_CGROUP");
        size_t ours = strlen(env ? env : "sandboxrt") + 1;

        return sbx_strdup_printf("%.*s/sandboxrt-65534", (int)(strlen(parent) - ours), parent);
}

/* As root, delegate to nobody; then nobody finds and uses it. v1 has no common-ancestor rule;
 * on v2 (a host without systemd) root moves nobody's process inside once, as doctor says, and
 * sandboxrt moves it on into the subtree's leaf, since the subtree holds processes. */
static void test_live_delegate(void **state)
{
        const uid_t nobody = 65534;
        struct sbx_error *err = NULL;
        bool v2 = sbx_cgroup_host_mode(host) == SBX_CGROUP_V2;
        int status;

        if (sbx_cgroup_host_mode(host) == SBX_CGROUP_NONE)
                skip();
        if (sbx_cgroup_delegate(nobody, nobody, &err) < 0)
                fail_msg("delegate: %s", err->message);
        _cleanup_free_ char *top = delegated_dir(sbx_cgroup_host_parent(host, "memory"));
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* The test run's private parent is root's: nobody's is the delegated one. */
                unsetenv("SANDBOXRT_CGROUP");
                if (v2 && enter(top) != 0)
                        _exit(1);
                if (setgroups(0, NULL) < 0 || setgid(nobody) < 0 || setuid(nobody) < 0)
                        _exit(1);
                int r = exercise_host("/sandboxrt-65534");
                _exit(r ? r : v2 && !self_in("/sandboxrt-65534/supervisor") ? 9 : 0);
        }
        assert_int_equal(wait_for(pid, &status, 10000), pid);
        for (size_t i = 0; i < sizeof(all_ctrls) / sizeof(all_ctrls[0]); i++) {
                const char *parent = sbx_cgroup_host_parent(host, all_ctrls[i]);
                if (!parent)
                        continue;
                _cleanup_free_ char *d = delegated_dir(parent);
                _cleanup_free_ char *leaf = sbx_strdup_printf("%s/supervisor", d);
                assert_true(rmdir(leaf) == 0 || errno == ENOENT);
                assert_true(rmdir(d) == 0 || errno == ENOENT);
        }
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* v2, root in a systemd unit with Delegate=yes (faked: a cgroup marked trusted.delegate as
 * systemd marks one, with our process in it): job cgroups go in the unit's cgroup, and our
 * process moves into its leaf, since a cgroup with processes cannot enable controllers. */
static void test_live_delegated_unit(void **state)
{
        int status;

        if (sbx_cgroup_host_mode(host) != SBX_CGROUP_V2 || getenv("SANDBOXRT_CGROUP"))
                skip();
        _cleanup_free_ char *unit = sbx_strdup_printf(
            "%s/test-%d.service", sbx_cgroup_host_parent(host, "memory"), (int)getpid());
        _cleanup_free_ char *leaf = sbx_strdup_printf("%s/supervisor", unit);
        _cleanup_free_ char *name = sbx_strdup_printf("/test-%d.service", (int)getpid());
        assert_int_equal(mkdir(unit, 0755), 0);
        assert_int_equal(setxattr(unit, "trusted.delegate", "1", 1, 0), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                if (enter(unit) != 0)
                        _exit(1);
                int r = exercise_host(name);
                _exit(r ? r : !self_in("/supervisor") ? 9 : 0);
        }
        assert_int_equal(wait_for(pid, &status, 10000), pid);
        assert_true(rmdir(leaf) == 0 || errno == ENOENT);
        assert_int_equal(rmdir(unit), 0);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void idle(int arg)
{
}

/* Not an assertion (machines differ): the hot path's cost, for the record. */
static void test_live_speed(void **state)
{
        struct sbx_limits l = {.memory_bytes = 64 * MiB, .pids = 16, .cpu_millicores = 1000};
        uint64_t spent = 0, spent_attach = 0;
        const int n = 100;

        for (int i = 0; i < n; i++) {
                struct sbx_cgroup *cg = NULL;
                uint64_t t0 = sbx_now_usec();
                assert_int_equal(sbx_cgroup_create(host, &l, &cg, NULL), 0);
                sbx_cgroup_destroy(cg);
                spent += sbx_now_usec() - t0;
        }
        for (int i = 0; i < n; i++) {
                struct sbx_cgroup *cg = NULL;
                int go[2], status;
                char c;
                assert_int_equal(pipe2(go, O_CLOEXEC), 0);
                pid_t pid = fork();
                if (pid == 0) {
                        close(go[1]);
                        _exit(read(go[0], &c, 1) == 1 ? 0 : 1);
                }
                close(go[0]);
                uint64_t t0 = sbx_now_usec();
                assert_int_equal(sbx_cgroup_create(host, &l, &cg, NULL), 0);
                assert_int_equal(sbx_cgroup_attach(cg, pid, NULL), 0);
                uint64_t t1 = sbx_now_usec();
                assert_int_equal(write(go[1], "g", 1), 1);
                close(go[1]);
                assert_int_equal(waitpid(pid, &status, 0), pid);
                uint64_t t2 = sbx_now_usec();
                sbx_cgroup_destroy(cg);
                spent_attach += (t1 - t0) + (sbx_now_usec() - t2);
        }
        (void)idle;
        fprintf(stderr, "cgroup %s: create+destroy %llu us, create+attach+destroy %llu us\n",
                sbx_cgroup_mode_to_string(sbx_cgroup_host_mode(host)),
                (unsigned long long)(spent / n), (unsigned long long)(spent_attach / n));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_live_mode),         cmocka_unit_test(test_live_limits),
            cmocka_unit_test(test_live_oom),          cmocka_unit_test(test_live_pids),
            cmocka_unit_test(test_live_cpu),          cmocka_unit_test(test_live_kill_tree),
            cmocka_unit_test(test_live_destroy_busy), cmocka_unit_test(test_live_reap),
            cmocka_unit_test(test_live_delegate),     cmocka_unit_test(test_live_delegated_unit),
            cmocka_unit_test(test_live_speed),
        };
        struct sbx_error *err = NULL;

        if (geteuid() != 0) {
                fprintf(stderr, "skipped: live cgroup tests need root (the unprivileged paths "
                                "run in test_cgroup on fake trees)\n");
                return 77;
        }
        if (sbx_cgroup_host_open(&host, &err) < 0) {
                fprintf(stderr, "cgroup host: %s\n", err->message);
                return 1;
        }
        if (sbx_cgroup_host_mode(host) == SBX_CGROUP_NONE) {
                fprintf(stderr, "skipped: %s\n", sbx_cgroup_host_describe(host));
                return 77;
        }
        /* Owner records of our own: reaping here judges nobody else's leftovers. */
        if (!mkdtemp(state_dir) || !mkdtemp(other_state_dir) ||
            sbx_state_subdir(state_dir, "owners", 0700, &err) < 0 ||
            sbx_state_subdir(other_state_dir, "owners", 0700, &err) < 0 ||
            sbx_owner_new(state_dir, "native", scope(), &owner, &err) < 0) {
                fprintf(stderr, "owner records: %s\n", err ? err->message : strerror(errno));
                return 1;
        }
        sbx_cgroup_host_set_owner(host, sbx_owner_token(owner));
        /* Orphaned grandchildren come back to us, so tests can reap and check them. */
        prctl(PR_SET_CHILD_SUBREAPER, 1);
        int r = cmocka_run_group_tests(tests, NULL, NULL);
        sbx_cgroup_host_free(host);
        sbx_owner_free(owner);
        (void)sbx_rm_rf_at(AT_FDCWD, state_dir);
        (void)sbx_rm_rf_at(AT_FDCWD, other_state_dir);
        return r;
}

#endif
