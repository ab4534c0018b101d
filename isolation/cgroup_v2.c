/* The cgroup v2 driver: one unified hierarchy. The parent of job cgroups must have memory and
 * pids enabled for its children (cpu when it can be); a delegated parent that holds processes
 * first moves them into a leaf ("no internal processes"). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "util.h"

#define LEAF_NAME   "supervisor" /* where a delegated cgroup's own processes move */
#define LEAF_ROUNDS 16

/* ---- the parent --------------------------------------------------------------------------- */

/* Our cgroup on the v2 mount, relative to it ("" for its top), from /proc/self/cgroup's
 * "0::/path" line; NULL when unknown or outside the mount's root. */
static char *self_v2_path(const char *self_cgroup, const char *mount_root)
{
        const char *line = self_cgroup;
        size_t rlen = strcmp(mount_root, "/") == 0 ? 0 : strlen(mount_root);

        for (; line && *line; line = strchr(line, '\n'), line += !!line) {
                if (strncmp(line, "0::", 3) != 0)
                        continue;
                const char *p = line + 3;
                size_t len = strcspn(p, "\n");
                if (len < rlen || strncmp(p, mount_root, rlen) != 0 ||
                    (p[rlen] != '/' && p[rlen] != '\n' && p[rlen] != '\0'))
                        return NULL;
                p += rlen;
                len -= rlen;
                while (len && *p == '/')
                        p++, len--;
                return strndup(p, len);
        }
        return NULL;
}

/* Enable memory, pids and cpu (those available and not yet on) for fd's children. memory and
 * pids together (both required); cpu alone, since it can be refused (realtime tasks). */
static int v2_enable(int fd)
{
        char avail[SMALL_MAX], on[SMALL_MAX];
        ssize_t r;

        if ((r = sbx_cg_read_small_at(fd, "cgroup.controllers", avail, sizeof(avail))) < 0 ||
            (r = sbx_cg_read_small_at(fd, "cgroup.subtree_control", on, sizeof(on))) < 0)
                return (int)r;
        unsigned want = sbx_cg_parse_ctrls(avail) & ~sbx_cg_parse_ctrls(on);
        char cmd[32] = "";
        if (want & BIT(C_MEMORY))
                snprintf(cmd, sizeof(cmd), "+memory");
        if (want & BIT(C_PIDS))
                snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s+pids", *cmd ? " " : "");
        if (*cmd && (r = sbx_write_string_at(fd, "cgroup.subtree_control", cmd)) < 0)
                return (int)r;
        if (want & BIT(C_CPU))
                (void)sbx_write_string_at(fd, "cgroup.subtree_control", "+cpu");
        return 0;
}

/* rel (relative to the mount, "" for its top) is our own cgroup or one of its ancestors. */
static bool holds_self(const char *rel, const char *self)
{
        size_t n = strlen(rel);

        return self && (n == 0 || (strncmp(self, rel, n) == 0 && (!self[n] || self[n] == '/')));
}

/* The "no internal processes" rule: a (non-root) v2 cgroup that holds processes cannot enable
 * controllers for its children. A delegated cgroup starts out holding its unit's processes,
 * ours: move every one of them into the leaf LEAF_NAME below it, as systemd's delegation rules
 * ask. What forks meanwhile shows up in the next round. 0, or -errno (-EBUSY: never empty). */
static int v2_move_to_leaf(int fd)
{
        _cleanup_close_ int leaf = -1;

        if (mkdirat(fd, LEAF_NAME, 0755) < 0 && errno != EEXIST)
                return -errno;
        leaf = openat(fd, LEAF_NAME, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        if (leaf < 0)
                return -errno;
        for (int round = 0; round < LEAF_ROUNDS; round++) {
                _cleanup_close_ int procs = openat(fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
                _cleanup_free_ char *text = NULL;
                int r, moved = 0;

                if (procs < 0)
                        return -errno;
                if ((r = sbx_read_fd(procs, PROCS_MAX, &text, NULL)) < 0)
                        return r;
                for (char *rest = text, *line; (line = strsep(&rest, "\n"));) {
                        uint64_t pid;
                        if (sbx_parse_u64(line, &pid) < 0)
                                continue;
                        r = sbx_write_string_at(leaf, "cgroup.procs", line);
                        if (r < 0 && r != -ESRCH)
                                return r;
                        moved++;
                }
                if (!moved)
                        return 0;
        }
        return -EBUSY;
}

/* v2_enable, and when fd holds processes and is our own cgroup or an ancestor of it (ours,
 * then), move them into a leaf first. */
static int v2_enable_own(int fd, bool ours)
{
        int r = v2_enable(fd);

        if (r == -EBUSY && ours && (r = v2_move_to_leaf(fd)) == 0)
                r = v2_enable(fd);
        return r;
}

struct enable_level {
        const char *mount, *self;
        char **failed; /* where controllers could not be enabled */
};

static int enable_level(int fd, const char *done, void *arg)
{
        struct enable_level *e = arg;
        /* The top of a container's cgroup namespace holds its processes. */
        int r = v2_enable_own(fd, holds_self(done, e->self));

        if (r < 0)
                *e->failed = sbx_cg_join(e->mount, done);
        return r;
}

/* Root: create rel, enabling the controllers at every level above it. */
int sbx_cg_v2_create_path(const char *mount, const char *rel, const char *self, int *out,
                          char **failed)
{
        struct enable_level e = {.mount = mount, .self = self, .failed = failed};
        int fd = sbx_cg_walk(mount, rel, true, enable_level, &e);

        if (fd < 0)
                return fd;
        *out = fd;
        return 0;
}

/* Moving a process between cgroups needs write access to cgroup.procs of the common ancestor
 * of both (cgroup-v2 "Delegation Containment"): the supervisor's cgroup and the job's. */
static bool v2_may_move(const char *mount, const char *self, const char *rel)
{
        size_t n = 0, i = 0;

        if (!self)
                return true; /* unknown: let attach report it */
        for (;; i++) {
                if ((self[i] == '/' || !self[i]) && (rel[i] == '/' || !rel[i]))
                        n = i;
                if (!self[i] || !rel[i] || self[i] != rel[i])
                        break;
        }
        _cleanup_free_ char *common = strndup(rel, n);
        _cleanup_close_ int fd = common ? sbx_cg_open_rel(mount, common, false) : -1;
        return fd >= 0 && faccessat(fd, "cgroup.procs", W_OK, AT_EACCESS) == 0;
}

/* One place job cgroups may go, and why it is one. */
struct v2_candidate {
        const char *rel; /* relative to the mount, without leading or trailing '/' */
        bool create;     /* root makes it (and enables controllers above it) */
        const char *source;
};

/* Check and prepare candidate c: 0 and *out, or >0 with *why set (try the next). */
static int v2_try(const struct layout *l, const struct v2_candidate *c, bool root, const char *self,
                  int *out, char **why)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *path = sbx_cg_join(l->v2_mount, c->rel), *failed = NULL;
        char buf[SMALL_MAX];
        int r;

        if (!path)
                return -ENOMEM;
        r = c->create ? sbx_cg_v2_create_path(l->v2_mount, c->rel, self, &fd, &failed)
                      : (fd = sbx_cg_open_rel(l->v2_mount, c->rel, false));
        if (r == -ENOMEM)
                return r;
        if (r < 0 && failed)
                *why = sbx_strdup_printf("cannot enable controllers in %s/cgroup.subtree_control: "
                                         "%s%s",
                                         failed, strerror(-r),
                                         r == -EBUSY ? " (it holds processes: run sandboxrt in "
                                                       "a child cgroup or set $" ENV_PARENT ")"
                                                     : "");
        else if (r < 0)
                *why = sbx_strdup_printf("%s: %s", path, strerror(-r));
        else if (!root && !sbx_cg_writable(fd))
                *why = sbx_strdup_printf("%s is not writable by this user", path);
        else if (!root && !v2_may_move(l->v2_mount, self, c->rel))
                *why = sbx_strdup_printf("this process's cgroup is not inside %s, and it may not "
                                         "move processes there",
                                         path);
        else if ((r = v2_enable_own(fd, holds_self(c->rel, self))) < 0 ||
                 (r = (int)sbx_cg_read_small_at(fd, "cgroup.subtree_control", buf, sizeof(buf))) <
                     0 ||
                 (sbx_cg_parse_ctrls(buf) & REQUIRED_V2) != REQUIRED_V2)
                *why = sbx_strdup_printf("cannot enable memory and pids in %s: %s%s", path,
                                         r < 0 ? strerror(-r) : "not available there",
                                         r == -EBUSY ? " (it holds other processes)" : "");
        else {
                *out = TAKE_FD(fd);
                return 0;
        }
        return *why ? 1 : -ENOMEM;
}

/* "a/b/" and "/a/b" are "a/b". */
static char *normalize_rel(const char *rel)
{
        while (*rel == '/')
                rel++;
        char *copy = strdup(rel);
        for (size_t n = copy ? strlen(copy) : 0; n && copy[n - 1] == '/'; n--)
                copy[n - 1] = '\0';
        return copy;
}

/* What job cgroups under fd get: the enabled controllers, plus cpu.stat (accounting) and
 * cgroup.freeze, which every non-root v2 cgroup has. */
static unsigned v2_enabled(int fd)
{
        char buf[SMALL_MAX];

        if (sbx_cg_read_small_at(fd, "cgroup.subtree_control", buf, sizeof(buf)) < 0)
                buf[0] = '\0';
        return (sbx_cg_parse_ctrls(buf) & (BIT(C_MEMORY) | BIT(C_PIDS) | BIT(C_CPU))) |
               BIT(C_CPUACCT) | BIT(C_FREEZER);
}

static int setup_v2(struct sbx_cgroup_host *h, const struct layout *l,
                    const struct sbx_cgroup_probe *p)
{
        bool root = p->euid == 0;
        const char *how = NULL;
        _cleanup_free_ char *self =
            p->self_cgroup ? self_v2_path(p->self_cgroup, l->v2_root) : NULL;
        _cleanup_free_ char *own = sbx_strdup_printf(PARENT_NAME "-%u", (unsigned)p->euid);
        _cleanup_free_ char *env = p->env ? normalize_rel(p->env) : NULL;
        _cleanup_free_ char *delegated = NULL;
        _cleanup_free_ char *reasons = strdup("");
        struct v2_candidate cands[3];
        size_t n = 0;

        if (!own || !reasons || (p->env && !env) ||
            (self && sbx_cg_find_delegated(l->v2_mount, self, root, &delegated, &how) < 0))
                return -ENOMEM;
        if (env)
                cands[n++] = (struct v2_candidate){env, root, "$" ENV_PARENT};
        if (delegated)
                cands[n++] = (struct v2_candidate){delegated, false, how};
        cands[n++] = root ? (struct v2_candidate){PARENT_NAME, true, "created as root"}
                          : (struct v2_candidate){own, false, "from doctor --delegate-cgroup"};
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *why = NULL;
                int fd = -1, r = v2_try(l, &cands[i], root, self, &fd, &why);
                if (r < 0)
                        return r;
                if (r == 0) {
                        h->source = cands[i].source;
                        return sbx_cg_add_hier(h, sbx_cg_join(l->v2_mount, cands[i].rel), fd,
                                               v2_enabled(fd));
                }
                char *more = sbx_strdup_printf("%s%s%s", reasons, *reasons ? "; " : "", why);
                if (!more)
                        return -ENOMEM;
                free(reasons);
                reasons = more;
        }
        if (root)
                return sbx_cg_host_none(h, "%s", reasons);
        h->scope_possible = p->user_manager && !p->env;
        return sbx_cg_host_none(h, "no writable cgroup (v2: %s): %s", reasons, sbx_cg_user_fix(p));
}

static void describe_v2(const struct sbx_cgroup_host *h, char *buf, size_t size)
{
        int fd = h->h[0].parent_fd;

        snprintf(buf, size, "kill by %s%s",
                 faccessat(fd, "cgroup.kill", F_OK, 0) == 0 ? "cgroup.kill" : "freeze+SIGKILL",
                 faccessat(fd, "memory.peak", F_OK, 0) == 0 ? "" : "; no memory.peak");
}

/* ---- limits and stats --------------------------------------------------------------------- */

/* The v2 files are all in one directory: memory_fd, pids_fd and cpu_fd are the same. */
static int limits_v2(int fd, int pids_fd, int cpu_fd, const struct sbx_limits *l, const char *where,
                     struct sbx_error **err)
{
        char period[24];
        int r;

        (void)pids_fd;
        (void)cpu_fd;

        snprintf(period, sizeof(period), " %u", CFS_PERIOD_USEC);
        /* memory.swap.max is absent without swap accounting; cpu.max when the cpu controller
         * could not be enabled (describe() says so). */
        if (l->memory_bytes &&
            ((r = sbx_cg_write_limit(fd, "memory.max", l->memory_bytes, "", false, where, err)) <
                 0 ||
             (r = sbx_cg_write_limit(fd, "memory.swap.max", 0, "", true, where, err)) < 0))
                return r;
        if (l->pids && (r = sbx_cg_write_limit(fd, "pids.max", l->pids, "", false, where, err)) < 0)
                return r;
        if (l->cpu_millicores &&
            (r = sbx_cg_write_limit(fd, "cpu.max", sbx_cg_cfs_quota(l->cpu_millicores), period,
                                    true, where, err)) < 0)
                return r;
        return 0;
}

static int stats_v2(int mem, int acct, struct sbx_cgroup_stats *out)
{
        char buf[SMALL_MAX];
        uint64_t kills = 0, group_kills = 0, ooms = 0;
        ssize_t r;

        if ((r = sbx_cg_read_small_at(acct, "cpu.stat", buf, sizeof(buf))) < 0 ||
            (r = sbx_cgroup_parse_keyed(buf, "usage_usec", &out->cpu_usec)) < 0)
                return (int)r;
        /* memory.peak appeared in Linux 5.19; before it, the current usage is all there is. */
        r = sbx_cg_read_u64_at(mem, "memory.peak", &out->peak_memory_bytes);
        if (r == -ENOENT)
                r = sbx_cg_read_u64_at(mem, "memory.current", &out->peak_memory_bytes);
        if (r < 0 || (r = sbx_cg_read_small_at(mem, "memory.events", buf, sizeof(buf))) < 0)
                return (int)r;
        (void)sbx_cgroup_parse_keyed(buf, "oom_kill", &kills);
        (void)sbx_cgroup_parse_keyed(buf, "oom_group_kill", &group_kills);
        (void)sbx_cgroup_parse_keyed(buf, "oom", &ooms);
        out->oom_killed = kills > 0 || group_kills > 0;
        out->memory_oom = out->oom_killed || ooms > 0;
        return 0;
}

static int cpu_usec_v2(char *text, uint64_t *out)
{
        return sbx_cgroup_parse_keyed(text, "usage_usec", out);
}

/* ---- kill and freeze ---------------------------------------------------------------------- */

/* cgroup.kill (Linux 5.14) kills the whole tree, forks in flight included. */
static int kill_v2(int fd)
{
        return sbx_write_string_at(fd, "cgroup.kill", "1");
}

static int freeze_v2(int fd, bool on)
{
        return sbx_write_string_at(fd, "cgroup.freeze", on ? "1" : "0");
}

static bool frozen_v2(int fd)
{
        char buf[SMALL_MAX];
        uint64_t v;

        return sbx_cg_read_small_at(fd, "cgroup.events", buf, sizeof(buf)) >= 0 &&
               sbx_cgroup_parse_keyed(buf, "frozen", &v) == 0 && v == 1;
}

const struct sbx_cg_driver sbx_cg_v2 = {
    .mode = SBX_CGROUP_V2,
    .setup = setup_v2,
    .shown = BIT(C_MEMORY) | BIT(C_PIDS) | BIT(C_CPU),
    .describe = describe_v2,
    .limits = limits_v2,
    .stats = stats_v2,
    .cpu_file = "cpu.stat",
    .cpu_usec = cpu_usec_v2,
    .kill = kill_v2,
    .freeze = freeze_v2,
    .frozen = frozen_v2,
};
