/* Job cgroups on v2 (one unified hierarchy) and v1 (one hierarchy per controller, possibly
 * co-mounted like cpu,cpuacct).
 *
 * Discovery (mountinfo, parent creation, controller enabling) happens once per host. The job
 * path (create, attach, poll, destroy) only uses directory fds opened then: mkdirat, openat,
 * pread on a kept fd, unlinkat. Job cgroups are named job-<owner token>-<pid>-<n> (owner.h):
 * a later instance reaps the leftovers of dead owners (SIGKILLed, so no cleanup ran) and never
 * touches those of live ones, whatever pid namespace they run in. */
#include "isolation/cgroup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "owner.h"
#include "util.h"

#define PARENT_NAME     "sandboxrt"
#define LEAF_NAME       "supervisor" /* where a delegated cgroup's own processes move */
#define LEAF_ROUNDS     16
#define ENV_PARENT      "SANDBOXRT_CGROUP"
#define DELEGATE_FIX    "run as root, or delegate one: `sudo sandboxrt doctor --delegate-cgroup USER`"
#define MOUNTINFO_MAX   (4u << 20)
#define SMALL_MAX       4096
#define PROCS_MAX       (1u << 20)
#define MAX_MOUNTS      16
#define MAX_REAP        4096
#define DESTROY_WAIT_MS 2000
#define FREEZE_WAIT_MS  100
#define NAME_RETRIES    8
#define CFS_PERIOD_USEC 100000u
#define CFS_MIN_USEC    1000u

enum ctrl { C_MEMORY, C_PIDS, C_CPU, C_CPUACCT, C_FREEZER, C_N };
static const char *const ctrl_names[C_N] = {"memory", "pids", "cpu", "cpuacct", "freezer"};
#define BIT(c)      (1u << (c))
#define REQUIRED_V1 (BIT(C_MEMORY) | BIT(C_PIDS) | BIT(C_CPUACCT))
#define REQUIRED_V2 (BIT(C_MEMORY) | BIT(C_PIDS))

/* One hierarchy we create job cgroups in (v2: exactly one). */
struct hier {
        char *parent;   /* absolute path of the parent of job cgroups */
        int parent_fd;  /* O_RDONLY|O_DIRECTORY on it */
        unsigned ctrls; /* BIT(enum ctrl) it holds */
};

struct sbx_cgroup_host {
        enum sbx_cgroup_mode mode;
        struct hier h[C_N];
        size_t n;
        int idx[C_N]; /* hierarchy holding each controller, -1 when absent */
        unsigned counter;
        char *describe;
        const char *source;  /* why the parent is ours, for describe() */
        bool scope_possible; /* NONE, but the user's systemd could delegate a scope */
        char owner[SBX_OWNER_TOKEN_LEN + 1]; /* the token job cgroups carry */
};

struct sbx_cgroup {
        struct sbx_cgroup_host *host;
        char name[48];
        int dir[C_N]; /* O_PATH per hierarchy (indexed like host->h), -1 when absent/removed */
        int cpu_fd;   /* cpuacct.usage (v1) or cpu.stat (v2): polled, so kept open */
        bool adopted; /* found by reap, not created here: check identity before each rmdir */
};

/* What mountinfo says: cgroup mounts only. */
struct layout {
        char *v2_mount, *v2_root;
        unsigned v2_ctrls;  /* from the v2 mount's cgroup.controllers */
        char *v2_available; /* that file's text, for messages */
        struct {
                char *mount;
                unsigned ctrls;
        } v1[MAX_MOUNTS];
        size_t n_v1;
        unsigned v1_ctrls;
};

static const char *const mode_names[] = {
    [SBX_CGROUP_NONE] = "none",
    [SBX_CGROUP_V1] = "v1",
    [SBX_CGROUP_V2] = "v2",
};

const char *sbx_cgroup_mode_to_string(enum sbx_cgroup_mode m)
{
        return (size_t)m < ELEMENTSOF(mode_names) ? mode_names[m] : "unknown";
}

int sbx_cgroup_mode_from_string(const char *s, enum sbx_cgroup_mode *out)
{
        for (size_t i = 0; s && i < ELEMENTSOF(mode_names); i++)
                if (strcmp(s, mode_names[i]) == 0) {
                        *out = (enum sbx_cgroup_mode)i;
                        return 0;
                }
        return -EINVAL;
}

/* ---- small file helpers ------------------------------------------------------------------ */

/* Read a small file under dirfd into buf (NUL-terminated). Length or -errno. */
static ssize_t read_small_at(int dirfd, const char *name, char *buf, size_t cap)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        size_t len = 0;

        if (fd < 0)
                return -errno;
        while (len + 1 < cap) {
                ssize_t n = read(fd, buf + len, cap - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        return (ssize_t)len;
}

/* A file holding one decimal number and a newline (cpuacct.usage, memory.peak, ...). */
static int parse_single(char *text, uint64_t *out)
{
        text[strcspn(text, "\n")] = '\0';
        return sbx_parse_u64(text, out);
}

static int read_u64_at(int dirfd, const char *name, uint64_t *out)
{
        char buf[64];
        ssize_t n = read_small_at(dirfd, name, buf, sizeof(buf));

        return n < 0 ? (int)n : parse_single(buf, out);
}

int sbx_cgroup_parse_keyed(const char *text, const char *key, uint64_t *out)
{
        size_t klen = strlen(key);

        for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
                if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
                        continue;
                const char *v = line + klen + 1;
                size_t vlen = strcspn(v, "\n");
                char num[32];
                if (vlen == 0 || vlen >= sizeof(num))
                        return -EINVAL;
                memcpy(num, v, vlen);
                num[vlen] = '\0';
                return sbx_parse_u64(num, out);
        }
        return -ENOENT;
}

/* Controllers named in a space- or comma-separated list (cgroup.controllers, mount options). */
static unsigned parse_ctrls(const char *list)
{
        unsigned set = 0;

        for (const char *p = list; *p;) {
                size_t n = strcspn(p, " ,\n");
                for (int c = 0; c < C_N; c++)
                        if (n == strlen(ctrl_names[c]) && strncmp(p, ctrl_names[c], n) == 0)
                                set |= BIT(c);
                p += n;
                p += strspn(p, " ,\n");
        }
        return set;
}

static void sleep_usec(unsigned usec)
{
        struct timespec ts = {.tv_sec = usec / 1000000u, .tv_nsec = (long)(usec % 1000000u) * 1000};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* ---- mountinfo -------------------------------------------------------------------------- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

static void layout_done(struct layout *l)
{
        free(l->v2_mount);
        free(l->v2_root);
        free(l->v2_available);
        for (size_t i = 0; i < l->n_v1; i++)
                free(l->v1[i].mount);
        *l = (struct layout){0};
}

static int add_v2_mount(struct layout *l, const char *root, const char *point)
{
        char buf[SMALL_MAX];
        _cleanup_close_ int fd = open(point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        /* The first cgroup2 mount whose controllers include memory and pids wins; a hybrid
         * host's v2 mount (no or other controllers) is kept only for messages. */
        if (fd < 0 || read_small_at(fd, "cgroup.controllers", buf, sizeof(buf)) < 0)
                buf[0] = '\0';
        if (l->v2_mount && (l->v2_ctrls & REQUIRED_V2) == REQUIRED_V2)
                return 0;
        free(l->v2_mount);
        free(l->v2_root);
        free(l->v2_available);
        l->v2_mount = strdup(point);
        l->v2_root = strdup(root);
        buf[strcspn(buf, "\n")] = '\0';
        l->v2_available = strdup(buf);
        l->v2_ctrls = parse_ctrls(buf) & (BIT(C_MEMORY) | BIT(C_PIDS) | BIT(C_CPU));
        return l->v2_mount && l->v2_root && l->v2_available ? 0 : -ENOMEM;
}

static int add_v1_mount(struct layout *l, const char *point, const char *superopts)
{
        unsigned ctrls = parse_ctrls(superopts) & ~l->v1_ctrls;

        /* Named hierarchies (name=systemd) have no controller; a controller is bound to one
         * hierarchy, so a second mount of it is a bind mount: keep the first. */
        if (!ctrls || l->n_v1 == MAX_MOUNTS)
                return 0;
        l->v1[l->n_v1].mount = strdup(point);
        if (!l->v1[l->n_v1].mount)
                return -ENOMEM;
        l->v1[l->n_v1++].ctrls = ctrls;
        l->v1_ctrls |= ctrls;
        return 0;
}

/* One mountinfo line: id parent maj:min root point opts [optional...] - fstype source super. */
static int parse_mount_line(struct layout *l, char *line)
{
        char *f[6], *fstype = NULL, *superopts = NULL, *tok;
        int n = 0;

        while (n < 6 && (tok = strsep(&line, " ")))
                f[n++] = tok;
        if (n < 6)
                return 0;
        while ((tok = strsep(&line, " ")) && strcmp(tok, "-") != 0)
                ;
        if (!tok || !(fstype = strsep(&line, " ")) || !strsep(&line, " ") ||
            !(superopts = strsep(&line, " ")))
                return 0;
        unescape_octal(f[3]);
        unescape_octal(f[4]);
        if (strcmp(fstype, "cgroup2") == 0)
                return add_v2_mount(l, f[3], f[4]);
        if (strcmp(fstype, "cgroup") == 0)
                return add_v1_mount(l, f[4], superopts);
        return 0;
}

static int parse_mountinfo(const char *text, struct layout *l)
{
        _cleanup_free_ char *copy = strdup(text ? text : "");
        char *rest = copy, *line;

        if (!copy)
                return -ENOMEM;
        while ((line = strsep(&rest, "\n")))
                if (*line && parse_mount_line(l, line) < 0)
                        return -ENOMEM;
        return 0;
}

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

/* ---- host: shared pieces ----------------------------------------------------------------- */

static int host_none(struct sbx_cgroup_host *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int host_none(struct sbx_cgroup_host *h, const char *fmt, ...)
{
        char *reason = NULL;
        va_list ap;

        for (size_t i = 0; i < h->n; i++) {
                sbx_closep(&h->h[i].parent_fd);
                free(h->h[i].parent);
        }
        h->n = 0;
        for (int c = 0; c < C_N; c++)
                h->idx[c] = -1;
        h->mode = SBX_CGROUP_NONE;
        va_start(ap, fmt);
        if (vasprintf(&reason, fmt, ap) < 0)
                reason = NULL;
        va_end(ap);
        free(h->describe);
        h->describe = reason ? sbx_strdup_printf("none: %s", reason) : NULL;
        free(reason);
        return h->describe ? 0 : -ENOMEM;
}

/* Open rel (a relative cgroup path, "" = the top) under the directory at mount; when create,
 * make missing components. Refuses ".." so an environment value cannot climb out. */
static int open_rel(const char *mount, const char *rel, bool create)
{
        _cleanup_free_ char *copy = strdup(rel);
        _cleanup_close_ int fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char *rest = copy, *comp;

        if (!copy)
                return -ENOMEM;
        if (fd < 0)
                return -errno;
        while ((comp = strsep(&rest, "/"))) {
                if (!*comp || strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0)
                        return -EINVAL;
                if (create && mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
                        return -errno;
                int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (next < 0)
                        return -errno;
                close(fd);
                fd = next;
        }
        return TAKE_FD(fd);
}

static char *join(const char *mount, const char *rel)
{
        while (*rel == '/')
                rel++;
        return *rel ? sbx_strdup_printf("%s/%s", mount, rel) : strdup(mount);
}

static bool writable(int fd)
{
        return faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) == 0 &&
               faccessat(fd, "cgroup.procs", W_OK, AT_EACCESS) == 0;
}

static int add_hier(struct sbx_cgroup_host *h, char *path, int fd, unsigned ctrls)
{
        struct stat st;

        if (!path || fstat(fd, &st) < 0) {
                int e = path ? errno : ENOMEM;
                free(path);
                close(fd);
                return -e;
        }
        h->h[h->n] = (struct hier){.parent = path, .parent_fd = fd, .ctrls = ctrls};
        for (int c = 0; c < C_N; c++)
                if (ctrls & BIT(c))
                        h->idx[c] = (int)h->n;
        h->n++;
        return 0;
}

/* ---- host: v1 ---------------------------------------------------------------------------- */

/* The parent in one v1 hierarchy: fd, or -errno with the reason in *why. */
static int v1_open_parent(const char *mount, const char *rel, bool create, const char **why)
{
        int fd = open_rel(mount, rel, create);

        *why = "";
        if (fd >= 0 && !create && !writable(fd)) {
                close(fd);
                *why = " is not writable by this user";
                return -EACCES;
        }
        return fd;
}

static int v1_setup(struct sbx_cgroup_host *h, const struct layout *l,
                    const struct sbx_cgroup_probe *p)
{
        bool root = p->euid == 0;
        _cleanup_free_ char *own = sbx_strdup_printf(PARENT_NAME "-%u", (unsigned)p->euid);
        const char *rel = p->env ? p->env : root ? PARENT_NAME : own;

        if (!own)
                return -ENOMEM;
        h->mode = SBX_CGROUP_V1;
        h->source = p->env ? "$" ENV_PARENT
                    : root ? "created as root"
                           : "from doctor --delegate-cgroup";
        for (size_t i = 0; i < l->n_v1; i++) {
                const char *why;
                int fd = v1_open_parent(l->v1[i].mount, rel, root, &why);
                if (fd == -ENOMEM)
                        return fd;
                if (fd >= 0) {
                        if (add_hier(h, join(l->v1[i].mount, rel), fd, l->v1[i].ctrls) < 0)
                                return -ENOMEM;
                        continue;
                }
                /* cpu (bandwidth) and freezer are optional: without them, no CPU quota and a
                 * plain SIGKILL loop. */
                if (!(l->v1[i].ctrls & REQUIRED_V1))
                        continue;
                _cleanup_free_ char *path = join(l->v1[i].mount, rel);
                if (root)
                        return host_none(h, "cannot create %s: %s", path ? path : rel,
                                         strerror(-fd));
                return host_none(h, "no writable cgroup (v1: %s%s%s%s): %s%s", path ? path : rel,
                                 *why ? why : ": ", *why ? "" : strerror(-fd),
                                 p->env ? ", from $" ENV_PARENT : "", DELEGATE_FIX,
                                 p->env ? "" : ", or set $" ENV_PARENT);
        }
        return 0;
}

/* ---- host: v2 ---------------------------------------------------------------------------- */

/* Enable memory, pids and cpu (those available and not yet on) for fd's children. memory and
 * pids together (both required); cpu alone, since it can be refused (realtime tasks). */
static int v2_enable(int fd)
{
        char avail[SMALL_MAX], on[SMALL_MAX];
        ssize_t r;

        if ((r = read_small_at(fd, "cgroup.controllers", avail, sizeof(avail))) < 0 ||
            (r = read_small_at(fd, "cgroup.subtree_control", on, sizeof(on))) < 0)
                return (int)r;
        unsigned want = parse_ctrls(avail) & ~parse_ctrls(on);
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

/* Root: create rel, enabling the controllers at every level above it. */
static int v2_create_path(const char *mount, const char *rel, const char *self, int *out,
                          char **failed)
{
        _cleanup_free_ char *copy = strdup(rel), *done = strdup("");
        _cleanup_close_ int fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char *rest = copy, *comp;
        int r;

        if (!copy || !done)
                return -ENOMEM;
        if (fd < 0)
                return -errno;
        while ((comp = strsep(&rest, "/"))) {
                if (!*comp || strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0)
                        return -EINVAL;
                /* The top of a container's cgroup namespace holds its processes. */
                if ((r = v2_enable_own(fd, holds_self(done, self))) < 0) {
                        *failed = join(mount, done);
                        return r;
                }
                if (mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
                        return -errno;
                int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (next < 0)
                        return -errno;
                close(fd);
                fd = next;
                char *d = sbx_strdup_printf("%s%s%s", done, *done ? "/" : "", comp);
                if (!d)
                        return -ENOMEM;
                free(done);
                done = d;
        }
        *out = TAKE_FD(fd);
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
        _cleanup_close_ int fd = common ? open_rel(mount, common, false) : -1;
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
        _cleanup_free_ char *path = join(l->v2_mount, c->rel), *failed = NULL;
        char buf[SMALL_MAX];
        int r;

        if (!path)
                return -ENOMEM;
        r = c->create ? v2_create_path(l->v2_mount, c->rel, self, &fd, &failed)
                      : (fd = open_rel(l->v2_mount, c->rel, false));
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
        else if (!root && !writable(fd))
                *why = sbx_strdup_printf("%s is not writable by this user", path);
        else if (!root && !v2_may_move(l->v2_mount, self, c->rel))
                *why = sbx_strdup_printf("this process's cgroup is not inside %s, and it may not "
                                         "move processes there",
                                         path);
        else if ((r = v2_enable_own(fd, holds_self(c->rel, self))) < 0 ||
                 (r = (int)read_small_at(fd, "cgroup.subtree_control", buf, sizeof(buf))) < 0 ||
                 (parse_ctrls(buf) & REQUIRED_V2) != REQUIRED_V2)
                *why = sbx_strdup_printf("cannot enable memory and pids in %s: %s%s", path,
                                         r < 0 ? strerror(-r) : "not available there",
                                         r == -EBUSY ? " (it holds other processes)" : "");
        else {
                *out = TAKE_FD(fd);
                return 0;
        }
        return *why ? 1 : -ENOMEM;
}

static char *parent_of(const char *rel)
{
        const char *slash = strrchr(rel, '/');

        return strndup(rel, slash ? (size_t)(slash - rel) : 0);
}

/* systemd marks the cgroup of a unit with Delegate=yes with the xattrs trusted.delegate (only
 * root may read it) and user.delegate. */
static bool marked_delegated(int fd)
{
        static const char *const names[] = {"trusted.delegate", "user.delegate"};
        char v[8];

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (fgetxattr(fd, names[i], v, sizeof(v)) == 1 && v[0] == '1')
                        return true;
        return false;
}

/* The cgroup of a systemd user manager (user@UID.service): delegated to the manager, which
 * runs the user's units below it; not ours to use. */
static bool is_user_manager(const char *rel)
{
        const char *base = strrchr(rel, '/');
        size_t n;

        base = base ? base + 1 : rel;
        n = strlen(base);
        return strncmp(base, "user@", 5) == 0 && n > 13 && strcmp(base + n - 8, ".service") == 0;
}

/* A unit's cgroup (a service or a scope), not a user manager's own init.scope. */
static bool is_unit(const char *rel)
{
        const char *base = strrchr(rel, '/');
        size_t n;

        base = base ? base + 1 : rel;
        n = strlen(base);
        return strcmp(base, "init.scope") != 0 &&
               ((n > 6 && strcmp(base + n - 6, ".scope") == 0) ||
                (n > 8 && strcmp(base + n - 8, ".service") == 0));
}

/* How find_delegated found the cgroup, as doctor tells it. */
enum delegation { DELEGATED_UNIT, DELEGATED_USER_UNIT, DELEGATED_SUBTREE };

static const char *const delegation_sources[] = {
    [DELEGATED_UNIT] = "the cgroup of this systemd unit, which has Delegate=yes",
    [DELEGATED_USER_UNIT] = "the unit of this user's systemd that holds this process, as "
                            "`systemd-run --user --scope -p Delegate=yes` makes",
    [DELEGATED_SUBTREE] = "a subtree delegated to this user, holding this process",
};

/* The delegated cgroup that holds our own, in *out (NULL when none): the nearest one systemd
 * marked as delegated (a system service or scope with Delegate=yes); below a user manager
 * (user@UID.service, marked, whose units systemd 252 does not mark), the unit that holds us;
 * else, unprivileged, the topmost of our cgroup and its ancestors that we may write all the
 * way down (a subtree chowned to us by root, with our session moved into it). 0 or -ENOMEM. */
static int find_delegated(const char *mount, const char *self, bool root, char **out,
                          enum delegation *how)
{
        _cleanup_free_ char *rel = strdup(self), *top = NULL, *unit = NULL;
        bool chain = !root;

        *out = NULL;
        while (rel && *rel) {
                _cleanup_close_ int fd = open_rel(mount, rel, false);
                if (fd < 0)
                        break;
                if (marked_delegated(fd)) {
                        *how = is_user_manager(rel) ? DELEGATED_USER_UNIT : DELEGATED_UNIT;
                        *out = *how == DELEGATED_UNIT ? TAKE_PTR(rel) : TAKE_PTR(unit);
                        return 0;
                }
                if (!unit && is_unit(rel) && !(unit = strdup(rel)))
                        return -ENOMEM;
                if (chain && writable(fd) &&
                    faccessat(fd, "cgroup.subtree_control", W_OK, AT_EACCESS) == 0) {
                        free(top);
                        if (!(top = strdup(rel)))
                                return -ENOMEM;
                } else {
                        chain = false;
                }
                char *up = parent_of(rel);
                free(rel);
                rel = up;
        }
        if (!rel)
                return -ENOMEM;
        if (top && !is_user_manager(top)) {
                *how = DELEGATED_SUBTREE;
                *out = TAKE_PTR(top);
        }
        return 0;
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

        if (read_small_at(fd, "cgroup.subtree_control", buf, sizeof(buf)) < 0)
                buf[0] = '\0';
        return (parse_ctrls(buf) & (BIT(C_MEMORY) | BIT(C_PIDS) | BIT(C_CPU))) | BIT(C_CPUACCT) |
               BIT(C_FREEZER);
}

/* How an unprivileged user without a usable cgroup gets one on this host. */
static const char *v2_user_fix(const struct sbx_cgroup_probe *p)
{
        if (p->user_manager)
                return "sandboxrt asks the user's systemd for a delegated scope "
                       "(`systemd-run --user --scope -p Delegate=yes`)";
        if (p->systemd)
                return "no systemd user manager runs for this user: log in through a session "
                       "(ssh, desktop) or have root enable lingering (`sudo sandboxrt doctor "
                       "--delegate-cgroup USER`); or run sandboxrt in a systemd unit with "
                       "Delegate=yes, or set $" ENV_PARENT;
        return "as root, `sandboxrt doctor --delegate-cgroup USER`, then start the user's "
               "processes inside that cgroup (root writes their pid to its cgroup.procs); "
               "or set $" ENV_PARENT;
}

static int v2_setup(struct sbx_cgroup_host *h, const struct layout *l,
                    const struct sbx_cgroup_probe *p)
{
        bool root = p->euid == 0;
        enum delegation how = DELEGATED_UNIT;
        _cleanup_free_ char *self =
            p->self_cgroup ? self_v2_path(p->self_cgroup, l->v2_root) : NULL;
        _cleanup_free_ char *own = sbx_strdup_printf(PARENT_NAME "-%u", (unsigned)p->euid);
        _cleanup_free_ char *env = p->env ? normalize_rel(p->env) : NULL;
        _cleanup_free_ char *delegated = NULL;
        _cleanup_free_ char *reasons = strdup("");
        struct v2_candidate cands[3];
        size_t n = 0;

        if (!own || !reasons || (p->env && !env) ||
            (self && find_delegated(l->v2_mount, self, root, &delegated, &how) < 0))
                return -ENOMEM;
        if (env)
                cands[n++] = (struct v2_candidate){env, root, "$" ENV_PARENT};
        if (delegated)
                cands[n++] = (struct v2_candidate){delegated, false, delegation_sources[how]};
        cands[n++] = root ? (struct v2_candidate){PARENT_NAME, true, "created as root"}
                          : (struct v2_candidate){own, false, "from doctor --delegate-cgroup"};
        h->mode = SBX_CGROUP_V2;
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *why = NULL;
                int fd = -1, r = v2_try(l, &cands[i], root, self, &fd, &why);
                if (r < 0)
                        return r;
                if (r == 0) {
                        h->source = cands[i].source;
                        return add_hier(h, join(l->v2_mount, cands[i].rel), fd, v2_enabled(fd));
                }
                char *more = sbx_strdup_printf("%s%s%s", reasons, *reasons ? "; " : "", why);
                if (!more)
                        return -ENOMEM;
                free(reasons);
                reasons = more;
        }
        if (root)
                return host_none(h, "%s", reasons);
        h->scope_possible = p->user_manager && !p->env;
        return host_none(h, "no writable cgroup (v2: %s): %s", reasons, v2_user_fix(p));
}

/* ---- host: open, describe, free ---------------------------------------------------------- */

static int describe_host(struct sbx_cgroup_host *h)
{
        char ctrls[64] = "", parents[2048] = "";
        int fd = h->n ? h->h[0].parent_fd : -1, mem = h->idx[C_MEMORY];

        for (int c = 0; c < C_N; c++)
                if (h->idx[c] >= 0 &&
                    (h->mode == SBX_CGROUP_V1 || c == C_MEMORY || c == C_PIDS || c == C_CPU))
                        snprintf(ctrls + strlen(ctrls), sizeof(ctrls) - strlen(ctrls), "%s%s",
                                 *ctrls ? ", " : "", ctrl_names[c]);
        for (size_t i = 0; i < h->n; i++)
                snprintf(parents + strlen(parents), sizeof(parents) - strlen(parents), "%s%s",
                         i ? " " : "", h->h[i].parent);
        if (h->mode == SBX_CGROUP_V1)
                h->describe = sbx_strdup_printf(
                    "v1 (%s) under %s (%s); swap %s", ctrls, parents, h->source,
                    faccessat(h->h[mem].parent_fd, "memory.memsw.limit_in_bytes", F_OK, 0) == 0
                        ? "off (memsw)"
                        : "not limited (no swap accounting)");
        else
                h->describe = sbx_strdup_printf(
                    "v2 (%s) under %s (%s); kill by %s%s", ctrls, parents, h->source,
                    faccessat(fd, "cgroup.kill", F_OK, 0) == 0 ? "cgroup.kill" : "freeze+SIGKILL",
                    faccessat(fd, "memory.peak", F_OK, 0) == 0 ? "" : "; no memory.peak");
        return h->describe ? 0 : -ENOMEM;
}

/* v2 when its hierarchy has memory and pids, else v1 when it has memory, pids and cpuacct. */
static enum sbx_cgroup_mode layout_kind(const struct layout *l)
{
        if (l->v2_mount && (l->v2_ctrls & REQUIRED_V2) == REQUIRED_V2)
                return SBX_CGROUP_V2;
        if ((l->v1_ctrls & REQUIRED_V1) == REQUIRED_V1)
                return SBX_CGROUP_V1;
        return SBX_CGROUP_NONE;
}

static int host_discover(struct sbx_cgroup_host *h, const struct sbx_cgroup_probe *p)
{
        struct layout l = {0};
        int r = parse_mountinfo(p->mountinfo, &l);

        if (r < 0)
                ;
        else if (layout_kind(&l) == SBX_CGROUP_V2)
                r = v2_setup(h, &l, p);
        else if (layout_kind(&l) == SBX_CGROUP_V1)
                r = v1_setup(h, &l, p);
        else
                r = host_none(
                    h,
                    "no cgroup hierarchy with the memory, pids (and on v1 cpuacct) "
                    "controllers is mounted (v2 %s%s%s; v1 controllers:%s%s%s%s%s)",
                    l.v2_mount ? l.v2_mount : "absent", l.v2_mount ? " offers: " : "",
                    l.v2_mount ? l.v2_available : "", l.v1_ctrls & BIT(C_MEMORY) ? " memory" : "",
                    l.v1_ctrls & BIT(C_PIDS) ? " pids" : "", l.v1_ctrls & BIT(C_CPU) ? " cpu" : "",
                    l.v1_ctrls & BIT(C_CPUACCT) ? " cpuacct" : "", l.v1_ctrls ? "" : " none");
        layout_done(&l);
        if (r == 0 && h->mode != SBX_CGROUP_NONE)
                r = describe_host(h);
        return r;
}

int sbx_cgroup_host_open_probe(const struct sbx_cgroup_probe *p, struct sbx_cgroup_host **out,
                               struct sbx_error **err)
{
        struct sbx_cgroup_host *h = calloc(1, sizeof(*h));

        if (!h)
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        for (int c = 0; c < C_N; c++)
                h->idx[c] = -1;
        if (host_discover(h, p) < 0) {
                sbx_cgroup_host_free(h);
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        }
        *out = h;
        return 0;
}

/* Our systemd user manager's socket: in $XDG_RUNTIME_DIR, or where logind makes it for a
 * process without a session's environment (su, cron). NULL when none. */
static char *user_manager_socket(void)
{
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        char *path = xdg && xdg[0] == '/'
                         ? sbx_strdup_printf("%s/systemd/private", xdg)
                         : sbx_strdup_printf("/run/user/%u/systemd/private", (unsigned)geteuid());
        struct stat st;

        if (path && (stat(path, &st) < 0 || !S_ISSOCK(st.st_mode) || st.st_uid != geteuid())) {
                free(path);
                path = NULL;
        }
        return path;
}

int sbx_cgroup_host_open(struct sbx_cgroup_host **out, struct sbx_error **err)
{
        _cleanup_free_ char *mountinfo = NULL, *self = NULL, *manager = NULL;
        struct sbx_cgroup_host *h;
        int r = sbx_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, NULL);

        if (r == -ENOMEM)
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        (void)sbx_read_file("/proc/self/cgroup", SMALL_MAX * 4, &self, NULL);
        if (geteuid() != 0)
                manager = user_manager_socket();
        struct sbx_cgroup_probe p = {.mountinfo = mountinfo,
                                     .self_cgroup = self,
                                     .euid = geteuid(),
                                     .env = getenv(ENV_PARENT),
                                     .user_manager = manager,
                                     .systemd = access("/run/systemd/system", F_OK) == 0};
        if (r < 0) {
                h = calloc(1, sizeof(*h));
                if (!h || host_none(h, "cannot read /proc/self/mountinfo: %s", strerror(-r)) < 0) {
                        sbx_cgroup_host_free(h);
                        return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
                }
                *out = h;
                return 0;
        }
        return sbx_cgroup_host_open_probe(&p, out, err);
}

struct sbx_cgroup_host *sbx_cgroup_host_free(struct sbx_cgroup_host *h)
{
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n; i++) {
                close(h->h[i].parent_fd);
                free(h->h[i].parent);
        }
        free(h->describe);
        free(h);
        return NULL;
}

enum sbx_cgroup_mode sbx_cgroup_host_mode(const struct sbx_cgroup_host *h)
{
        return h ? h->mode : SBX_CGROUP_NONE;
}

const char *sbx_cgroup_host_describe(const struct sbx_cgroup_host *h)
{
        if (!h)
                return "none: not probed";
        return h->describe ? h->describe : "none: out of memory";
}

bool sbx_cgroup_host_scope_possible(const struct sbx_cgroup_host *h)
{
        return h && h->mode == SBX_CGROUP_NONE && h->scope_possible;
}

const char *sbx_cgroup_host_parent(const struct sbx_cgroup_host *h, const char *controller)
{
        for (int c = 0; h && controller && c < C_N; c++)
                if (strcmp(controller, ctrl_names[c]) == 0 && h->idx[c] >= 0)
                        return h->h[h->idx[c]].parent;
        return NULL;
}

/* ---- delegation ---------------------------------------------------------------------------- */

static int chown_at(int fd, const char *name, uid_t uid, gid_t gid)
{
        if (strchr(name, '/') || fchownat(fd, name, uid, gid, AT_SYMLINK_NOFOLLOW) == 0 ||
            errno == ENOENT)
                return 0;
        return -errno;
}

static int delegate_v1(const struct layout *l, const char *rel, uid_t uid, gid_t gid,
                       struct sbx_error **err)
{
        /* A child's files belong to whoever mkdirs it, so the user needs only the directory and
         * the files that move processes (v1 checks the mover's euid against the task's uid). */
        static const char *const files[] = {"cgroup.procs", "tasks"};

        for (size_t i = 0; i < l->n_v1; i++) {
                _cleanup_free_ char *path = join(l->v1[i].mount, rel);
                _cleanup_close_ int fd = open_rel(l->v1[i].mount, rel, true);
                int r = fd < 0 ? fd : fchown(fd, uid, gid) < 0 ? -errno : 0;
                for (size_t f = 0; r == 0 && f < ELEMENTSOF(files); f++)
                        r = chown_at(fd, files[f], uid, gid);
                if (r < 0)
                        return sbx_error_set(err, -r, "cgroup: delegating %s: %s",
                                             path ? path : rel, strerror(-r));
        }
        return 0;
}

static int delegate_v2(const struct layout *l, const char *rel, const char *list, uid_t uid,
                       gid_t gid, struct sbx_error **err)
{
        _cleanup_free_ char *path = join(l->v2_mount, rel), *failed = NULL, *copy = NULL;
        _cleanup_free_ char *kernel_list = NULL;
        _cleanup_close_ int fd = -1;
        /* Controllers are enabled down to it, not in it: the user's processes must be able to
         * enter it (a cgroup with controllers on for its children may hold none); the user's
         * sandboxrt enables them once it has moved those into a leaf. */
        int r = v2_create_path(l->v2_mount, rel, NULL, &fd, &failed);

        if (r == 0 && fchown(fd, uid, gid) < 0)
                r = -errno;
        if (r < 0)
                return sbx_error_set(err, -r, "cgroup: delegating %s: %s%s%s", path ? path : rel,
                                     failed ? failed : "", failed ? ": " : "", strerror(-r));
        if (!list &&
            sbx_read_file("/sys/kernel/cgroup/delegate", SMALL_MAX, &kernel_list, NULL) == 0)
                list = kernel_list;
        copy = strdup(list ? list : "cgroup.procs\ncgroup.threads\ncgroup.subtree_control\n");
        if (!copy)
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        for (char *rest = copy, *name; (name = strsep(&rest, "\n"));)
                if (*name && (r = chown_at(fd, name, uid, gid)) < 0)
                        return sbx_error_set(err, -r, "cgroup: delegating %s/%s: %s",
                                             path ? path : rel, name, strerror(-r));
        return 0;
}

int sbx_cgroup_delegate_probe(const struct sbx_cgroup_probe *p, uid_t uid, gid_t gid,
                              struct sbx_error **err)
{
        _cleanup_free_ char *rel = sbx_strdup_printf(PARENT_NAME "-%u", (unsigned)uid);
        struct layout l = {0};
        int r;

        if (!rel || parse_mountinfo(p->mountinfo, &l) < 0)
                r = sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        else if (p->euid != 0)
                r = sbx_error_set(err, EPERM, "cgroup: delegating a cgroup needs root");
        else if (layout_kind(&l) == SBX_CGROUP_V2)
                r = delegate_v2(&l, rel, p->delegate_list, uid, gid, err);
        else if (layout_kind(&l) == SBX_CGROUP_V1)
                r = delegate_v1(&l, rel, uid, gid, err);
        else
                r = sbx_error_set(err, ENOTSUP,
                                  "cgroup: no hierarchy with the memory and pids controllers");
        layout_done(&l);
        return r;
}

enum sbx_cgroup_mode sbx_cgroup_host_kind(void)
{
        _cleanup_free_ char *mountinfo = NULL;
        enum sbx_cgroup_mode m = SBX_CGROUP_NONE;
        struct layout l = {0};

        if (sbx_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, NULL) == 0 &&
            parse_mountinfo(mountinfo, &l) == 0)
                m = layout_kind(&l);
        layout_done(&l);
        return m;
}

int sbx_cgroup_delegate(uid_t uid, gid_t gid, struct sbx_error **err)
{
        _cleanup_free_ char *mountinfo = NULL;
        int r = sbx_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, NULL);

        if (r < 0)
                return sbx_error_set(err, -r, "cgroup: reading /proc/self/mountinfo: %s",
                                     strerror(-r));
        struct sbx_cgroup_probe p = {.mountinfo = mountinfo, .euid = geteuid()};
        return sbx_cgroup_delegate_probe(&p, uid, gid, err);
}

/* ---- job cgroups: limits and stats ---------------------------------------------------------- */

static int write_limit(int fd, const char *file, uint64_t v, const char *suffix, bool optional,
                       const char *where, struct sbx_error **err)
{
        char val[48];
        int r;

        snprintf(val, sizeof(val), "%llu%s", (unsigned long long)v, suffix);
        r = sbx_write_string_at(fd, file, val);
        if (r == 0 || (optional && r == -ENOENT))
                return 0;
        return sbx_error_set(err, -r, "cgroup: writing %s=%s in %s: %s", file, val, where,
                             strerror(-r));
}

static uint64_t cfs_quota(uint32_t millicores)
{
        uint64_t q = (uint64_t)millicores * CFS_PERIOD_USEC / 1000u;

        return q < CFS_MIN_USEC ? CFS_MIN_USEC : q;
}

static int limits_v1(int mem, int pids, int cpu, const struct sbx_limits *l, const char *where,
                     struct sbx_error **err)
{
        int r;

        if (l->memory_bytes) {
                /* memsw (memory + swap) may not go below the memory limit: set it second, equal,
                 * so nothing can be swapped. Absent when swap accounting is off. */
                if ((r = write_limit(mem, "memory.limit_in_bytes", l->memory_bytes, "", false,
                                     where, err)) < 0 ||
                    (r = write_limit(mem, "memory.memsw.limit_in_bytes", l->memory_bytes, "", true,
                                     where, err)) < 0)
                        return r;
                (void)sbx_write_string_at(mem, "memory.swappiness", "0");
        }
        if (l->pids && (r = write_limit(pids, "pids.max", l->pids, "", false, where, err)) < 0)
                return r;
        if (l->cpu_millicores && cpu >= 0 &&
            ((r = write_limit(cpu, "cpu.cfs_period_us", CFS_PERIOD_USEC, "", false, where, err)) <
                 0 ||
             (r = write_limit(cpu, "cpu.cfs_quota_us", cfs_quota(l->cpu_millicores), "", false,
                              where, err)) < 0))
                return r;
        return 0;
}

static int limits_v2(int fd, const struct sbx_limits *l, const char *where, struct sbx_error **err)
{
        char period[24];
        int r;

        snprintf(period, sizeof(period), " %u", CFS_PERIOD_USEC);
        /* memory.swap.max is absent without swap accounting; cpu.max when the cpu controller
         * could not be enabled (describe() says so). */
        if (l->memory_bytes &&
            ((r = write_limit(fd, "memory.max", l->memory_bytes, "", false, where, err)) < 0 ||
             (r = write_limit(fd, "memory.swap.max", 0, "", true, where, err)) < 0))
                return r;
        if (l->pids && (r = write_limit(fd, "pids.max", l->pids, "", false, where, err)) < 0)
                return r;
        if (l->cpu_millicores && (r = write_limit(fd, "cpu.max", cfs_quota(l->cpu_millicores),
                                                  period, true, where, err)) < 0)
                return r;
        return 0;
}

int sbx_cgroup_limits_at(enum sbx_cgroup_mode m, int memory_fd, int pids_fd, int cpu_fd,
                         const struct sbx_limits *l, const char *where, struct sbx_error **err)
{
        if (m == SBX_CGROUP_V1)
                return limits_v1(memory_fd, pids_fd, cpu_fd, l, where, err);
        if (m == SBX_CGROUP_V2)
                return limits_v2(memory_fd, l, where, err);
        return sbx_error_set(err, ENOTSUP, "cgroup: no hierarchy for %s", where);
}

static int stats_v1(int mem, int acct, struct sbx_cgroup_stats *out)
{
        char buf[SMALL_MAX];
        uint64_t ns, kills = 0, under = 0;
        ssize_t r;

        if ((r = read_u64_at(acct, "cpuacct.usage", &ns)) < 0 ||
            (r = read_u64_at(mem, "memory.max_usage_in_bytes", &out->peak_memory_bytes)) < 0 ||
            (r = read_small_at(mem, "memory.oom_control", buf, sizeof(buf))) < 0)
                return (int)r;
        out->cpu_usec = ns / 1000u;
        /* oom_kill counts kills of this cgroup's tasks (Linux 4.13+); under_oom is set while an
         * OOM is being handled, so a killed job whose exit raced the read still shows it. */
        (void)sbx_cgroup_parse_keyed(buf, "oom_kill", &kills);
        (void)sbx_cgroup_parse_keyed(buf, "under_oom", &under);
        out->oom_killed = kills > 0;
        out->memory_oom = kills > 0 || under > 0;
        return 0;
}

static int stats_v2(int mem, int acct, struct sbx_cgroup_stats *out)
{
        char buf[SMALL_MAX];
        uint64_t kills = 0, group_kills = 0, ooms = 0;
        ssize_t r;

        if ((r = read_small_at(acct, "cpu.stat", buf, sizeof(buf))) < 0 ||
            (r = sbx_cgroup_parse_keyed(buf, "usage_usec", &out->cpu_usec)) < 0)
                return (int)r;
        /* memory.peak appeared in Linux 5.19; before it, the current usage is all there is. */
        r = read_u64_at(mem, "memory.peak", &out->peak_memory_bytes);
        if (r == -ENOENT)
                r = read_u64_at(mem, "memory.current", &out->peak_memory_bytes);
        if (r < 0 || (r = read_small_at(mem, "memory.events", buf, sizeof(buf))) < 0)
                return (int)r;
        (void)sbx_cgroup_parse_keyed(buf, "oom_kill", &kills);
        (void)sbx_cgroup_parse_keyed(buf, "oom_group_kill", &group_kills);
        (void)sbx_cgroup_parse_keyed(buf, "oom", &ooms);
        out->oom_killed = kills > 0 || group_kills > 0;
        out->memory_oom = out->oom_killed || ooms > 0;
        return 0;
}

int sbx_cgroup_stats_at(enum sbx_cgroup_mode m, int memory_fd, int cpuacct_fd,
                        struct sbx_cgroup_stats *out)
{
        *out = (struct sbx_cgroup_stats){0};
        if (m == SBX_CGROUP_V1)
                return stats_v1(memory_fd, cpuacct_fd, out);
        if (m == SBX_CGROUP_V2)
                return stats_v2(memory_fd, cpuacct_fd, out);
        return -ENOTSUP;
}

/* ---- job cgroups: kill and remove --------------------------------------------------------- */

static struct sbx_cgroup *cg_new(struct sbx_cgroup_host *h)
{
        struct sbx_cgroup *cg = calloc(1, sizeof(*cg));

        if (!cg)
                return NULL;
        cg->host = h;
        cg->cpu_fd = -1;
        for (int i = 0; i < C_N; i++)
                cg->dir[i] = -1;
        return cg;
}

static void cg_free(struct sbx_cgroup *cg)
{
        for (int i = 0; i < C_N; i++)
                sbx_closep(&cg->dir[i]);
        sbx_closep(&cg->cpu_fd);
        free(cg);
}

static int dir_of(const struct sbx_cgroup *cg, enum ctrl c)
{
        int i = cg->host->idx[c];

        return i >= 0 ? cg->dir[i] : -1;
}

/* SIGKILL every process listed in dirfd's cgroup.procs: how many were listed, or -errno. */
static int signal_procs(int dirfd)
{
        _cleanup_close_ int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        int n = 0, r;

        if (fd < 0)
                return errno == ENOENT || errno == ENODEV ? 0 : -errno;
        if ((r = sbx_read_fd(fd, PROCS_MAX, &text, NULL)) < 0)
                return r == -ENODEV ? 0 : r;
        for (char *rest = text, *line; (line = strsep(&rest, "\n"));) {
                uint64_t pid;
                if (sbx_parse_u64(line, &pid) < 0 || pid == 0 || pid > INT_MAX)
                        continue;
                if (kill((pid_t)pid, SIGKILL) == 0 || errno != ESRCH)
                        n++;
        }
        return n;
}

/* Every hierarchy, since a failed attach or a half-removed leftover can differ between them. */
static int signal_all(struct sbx_cgroup *cg)
{
        int seen = 0, first = 0;

        for (size_t i = 0; i < cg->host->n; i++) {
                int r = cg->dir[i] >= 0 ? signal_procs(cg->dir[i]) : 0;
                if (r < 0 && !first)
                        first = r;
                else if (r > 0)
                        seen += r;
        }
        return seen ? seen : first;
}

static bool is_frozen(int fd, bool v2)
{
        char buf[SMALL_MAX];
        uint64_t v;

        if (v2)
                return read_small_at(fd, "cgroup.events", buf, sizeof(buf)) >= 0 &&
                       sbx_cgroup_parse_keyed(buf, "frozen", &v) == 0 && v == 1;
        return read_small_at(fd, "freezer.state", buf, sizeof(buf)) >= 0 &&
               strncmp(buf, "FROZEN", 6) == 0;
}

/* A frozen cgroup cannot fork, so one pass over cgroup.procs finds every process. */
static int freeze(struct sbx_cgroup *cg, bool on)
{
        bool v2 = cg->host->mode == SBX_CGROUP_V2;
        int fd = dir_of(cg, C_FREEZER), r;
        unsigned waited = 0, step = 50;

        if (fd < 0)
                return -ENOTSUP;
        r = sbx_write_string_at(fd, v2 ? "cgroup.freeze" : "freezer.state",
                                v2 ? (on ? "1" : "0") : (on ? "FROZEN" : "THAWED"));
        if (r < 0 || !on)
                return r;
        /* A task in uninterruptible sleep delays FROZEN; after the bound, kill anyway. */
        while (!is_frozen(fd, v2) && waited < FREEZE_WAIT_MS * 1000u) {
                sleep_usec(step);
                waited += step;
                step = step * 2 > 5000 ? 5000 : step * 2;
        }
        return 0;
}

int sbx_cgroup_kill(struct sbx_cgroup *cg)
{
        int r;

        if (!cg)
                return -EINVAL;
        /* cgroup.kill (Linux 5.14) kills the whole tree, forks in flight included. */
        if (cg->host->mode == SBX_CGROUP_V2 && cg->dir[0] >= 0 &&
            (r = sbx_write_string_at(cg->dir[0], "cgroup.kill", "1")) != -ENOENT)
                return r;
        if (freeze(cg, true) == 0) {
                r = signal_all(cg);
                (void)freeze(cg, false); /* the killed tasks die once thawed */
                return r < 0 ? r : 0;
        }
        /* No freezer: a child forked while we read cgroup.procs shows up afterwards. */
        r = signal_all(cg);
        for (int pass = 0; r > 0 && pass < 2; pass++)
                r = signal_all(cg);
        return r < 0 ? r : 0;
}

static bool same_dir(int parent_fd, const char *name, int fd)
{
        struct stat a, b;

        return fstatat(parent_fd, name, &a, AT_SYMLINK_NOFOLLOW) == 0 && fstat(fd, &b) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* rmdir wherever the directory still exists: 0 when none is left, -EBUSY while processes
 * remain, another -errno when retrying cannot help. */
static int remove_dirs(struct sbx_cgroup *cg)
{
        int ret = 0;

        for (size_t i = 0; i < cg->host->n; i++) {
                int pfd = cg->host->h[i].parent_fd;
                if (cg->dir[i] < 0)
                        continue;
                /* An adopted leftover's name may have been reused by a new owner meanwhile. */
                if ((!cg->adopted || same_dir(pfd, cg->name, cg->dir[i])) &&
                    unlinkat(pfd, cg->name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
                        if (ret != -EBUSY)
                                ret = -errno;
                        continue;
                }
                close(cg->dir[i]);
                cg->dir[i] = -1;
        }
        return ret;
}

static int destroy_wait(struct sbx_cgroup *cg)
{
        unsigned step = 100;
        uint64_t deadline;
        int r = remove_dirs(cg);

        /* The usual case: the job's processes are gone, the first rmdir succeeds. */
        if (r != -EBUSY)
                return r;
        deadline = sbx_now_ms() + DESTROY_WAIT_MS;
        do {
                (void)sbx_cgroup_kill(cg);
                sleep_usec(step);
                step = step * 2 > 10000 ? 10000 : step * 2;
                r = remove_dirs(cg);
        } while (r == -EBUSY && sbx_now_ms() < deadline);
        return r;
}

struct sbx_cgroup *sbx_cgroup_destroy(struct sbx_cgroup *cg)
{
        if (cg) {
                (void)destroy_wait(cg);
                cg_free(cg);
        }
        return NULL;
}

/* ---- job cgroups: create, attach, poll ----------------------------------------------------- */

/* mkdir job-<token>-<pid>-<n> in every hierarchy: the supervisors of one owner share its token.
 * An existing name is a leftover of a dead supervisor of ours that had our pid: never reuse it
 * (a reaper removes it once our owner is gone), take the next n. */
static int job_mkdirs(struct sbx_cgroup *cg, struct sbx_error **err)
{
        struct sbx_cgroup_host *h = cg->host;

        for (int attempt = 0; attempt < NAME_RETRIES; attempt++) {
                size_t i;
                int e = 0;
                snprintf(cg->name, sizeof(cg->name), "job-%s-%d-%u", h->owner, (int)getpid(),
                         h->counter++);
                for (i = 0; i < h->n; i++) {
                        if (mkdirat(h->h[i].parent_fd, cg->name, 0755) < 0) {
                                e = errno;
                                break;
                        }
                        cg->dir[i] = openat(h->h[i].parent_fd, cg->name,
                                            O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (cg->dir[i] < 0) {
                                e = errno;
                                (void)unlinkat(h->h[i].parent_fd, cg->name, AT_REMOVEDIR);
                                break;
                        }
                }
                if (!e)
                        return 0;
                (void)remove_dirs(cg);
                if (e != EEXIST)
                        return sbx_error_set(err, e, "cgroup: creating %s/%s: %s", h->h[i].parent,
                                             cg->name, strerror(e));
        }
        return sbx_error_set(err, EEXIST, "cgroup: no free job cgroup name under %s",
                             h->h[0].parent);
}

int sbx_cgroup_create(struct sbx_cgroup_host *h, const struct sbx_limits *limits,
                      struct sbx_cgroup **out, struct sbx_error **err)
{
        struct sbx_cgroup *cg;
        int r;

        if (!h || h->mode == SBX_CGROUP_NONE)
                return sbx_error_set(err, ENOTSUP, "cgroup: %s", sbx_cgroup_host_describe(h));
        if (!h->owner[0])
                return sbx_error_set(err, EINVAL, "cgroup: no owner token set");
        if (!(cg = cg_new(h)))
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        r = job_mkdirs(cg, err);
        if (r == 0)
                r = sbx_cgroup_set_limits(cg, limits, err);
        if (r == 0) {
                const char *file = h->mode == SBX_CGROUP_V1 ? "cpuacct.usage" : "cpu.stat";
                cg->cpu_fd = openat(dir_of(cg, C_CPUACCT), file, O_RDONLY | O_CLOEXEC);
                if (cg->cpu_fd < 0)
                        r = sbx_error_set(err, errno, "cgroup: opening %s in %s/%s: %m", file,
                                          h->h[h->idx[C_CPUACCT]].parent, cg->name);
        }
        if (r < 0) {
                sbx_cgroup_destroy(cg);
                return r;
        }
        *out = cg;
        return 0;
}

int sbx_cgroup_set_limits(struct sbx_cgroup *cg, const struct sbx_limits *limits,
                          struct sbx_error **err)
{
        struct sbx_cgroup_host *h = cg->host;
        char where[PATH_MAX];

        snprintf(where, sizeof(where), "%s/%s", h->h[h->idx[C_MEMORY]].parent, cg->name);
        return sbx_cgroup_limits_at(h->mode, dir_of(cg, C_MEMORY), dir_of(cg, C_PIDS),
                                    dir_of(cg, C_CPU), limits, where, err);
}

int sbx_cgroup_attach(struct sbx_cgroup *cg, pid_t pid, struct sbx_error **err)
{
        char num[16];

        snprintf(num, sizeof(num), "%d", (int)pid);
        for (size_t i = 0; i < cg->host->n; i++) {
                int r = cg->dir[i] >= 0 ? sbx_write_string_at(cg->dir[i], "cgroup.procs", num) : 0;
                if (r < 0)
                        return sbx_error_set(err, -r, "cgroup: moving pid %d into %s/%s: %s",
                                             (int)pid, cg->host->h[i].parent, cg->name,
                                             strerror(-r));
        }
        return 0;
}

int sbx_cgroup_fd(const struct sbx_cgroup *cg)
{
        return cg && cg->host->mode == SBX_CGROUP_V2 ? cg->dir[0] : -1;
}

const char *sbx_cgroup_name(const struct sbx_cgroup *cg)
{
        return cg ? cg->name : NULL;
}

int sbx_cgroup_stats(struct sbx_cgroup *cg, struct sbx_cgroup_stats *out)
{
        if (!cg)
                return -EINVAL;
        return sbx_cgroup_stats_at(cg->host->mode, dir_of(cg, C_MEMORY), dir_of(cg, C_CPUACCT),
                                   out);
}

int sbx_cgroup_cpu_usec(struct sbx_cgroup *cg, uint64_t *out)
{
        char buf[1024];
        uint64_t ns;
        ssize_t n;
        int r;

        if (!cg || cg->cpu_fd < 0)
                return -EBADF;
        /* pread at 0 makes the kernel regenerate the seq_file: no lseek, no reopen. */
        n = pread(cg->cpu_fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        if (cg->host->mode == SBX_CGROUP_V2)
                return sbx_cgroup_parse_keyed(buf, "usage_usec", out);
        if ((r = parse_single(buf, &ns)) == 0)
                *out = ns / 1000u;
        return r;
}

/* ---- reaping leftovers ----------------------------------------------------------------------- */

void sbx_cgroup_host_set_owner(struct sbx_cgroup_host *h, const char *token)
{
        snprintf(h->owner, sizeof(h->owner), "%s", token);
}

/* The token of a dead owner when name is one of its job cgroups. */
static const char *dead_owner(const struct sbx_owners *dead, const char *name)
{
        if (strncmp(name, "job-", 4) != 0 || strlen(name) >= sizeof(((struct sbx_cgroup *)0)->name))
                return NULL;
        return sbx_owners_match(dead, name + 4);
}

static int add_name(char ***names, size_t *n, const char *name)
{
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*names)[i], name) == 0)
                        return 0;
        char **grown = realloc(*names, (*n + 1) * sizeof(**names));
        if (!grown)
                return -ENOMEM;
        *names = grown;
        if (!(grown[*n] = strdup(name)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

/* Dead owners' job cgroups in one parent. Collected first: removing while readdir runs could
 * skip entries. */
static int collect_dead(int parent_fd, const struct sbx_owners *dead, char ***names, size_t *n)
{
        int fd = openat(parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        int r = 0;

        if (!d) {
                r = -errno;
                sbx_closep(&fd);
                return r;
        }
        while (r == 0 && *n < MAX_REAP && (de = readdir(d)))
                if ((de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) &&
                    dead_owner(dead, de->d_name))
                        r = add_name(names, n, de->d_name);
        closedir(d);
        return r;
}

/* The owner is dead and its record locked by the caller: nobody else creates this name. */
static int reap_one(struct sbx_cgroup_host *h, const char *name)
{
        struct sbx_cgroup *cg = cg_new(h);
        int r;

        if (!cg)
                return -ENOMEM;
        snprintf(cg->name, sizeof(cg->name), "%s", name);
        cg->adopted = true;
        for (size_t i = 0; i < h->n; i++)
                cg->dir[i] =
                    openat(h->h[i].parent_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        r = destroy_wait(cg);
        cg_free(cg);
        return r;
}

int sbx_cgroup_reap(struct sbx_cgroup_host *h, struct sbx_owners *dead, struct sbx_error **err)
{
        char **names = NULL;
        size_t n = 0;
        int r = 0, first = 0;
        const char *bad = NULL;

        if (!h || h->mode == SBX_CGROUP_NONE || sbx_owners_count(dead) == 0)
                return 0;
        for (size_t i = 0; i < h->n && r == 0; i++)
                if ((r = collect_dead(h->h[i].parent_fd, dead, &names, &n)) < 0)
                        bad = h->h[i].parent;
        for (size_t i = 0; i < n; i++) {
                int rr = reap_one(h, names[i]);
                if (rr < 0)
                        sbx_owners_keep(dead, dead_owner(dead, names[i]));
                if (rr < 0 && !first)
                        first = sbx_error_set(err, -rr, "cgroup: removing leftover %s/%s: %s",
                                              h->h[0].parent, names[i], strerror(-rr));
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        if (r < 0)
                sbx_owners_keep_all(dead); /* not all seen: no record may go */
        if (r < 0 && !first)
                first =
                    sbx_error_set(err, -r, "cgroup: listing %s: %s", bad ? bad : "?", strerror(-r));
        return first;
}
