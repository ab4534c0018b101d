/* Delegated cgroups: finding the one systemd (or root) handed to us, and, as root, handing one
 * to a user (`sandboxrt doctor --delegate-cgroup USER`). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "util.h"

/* ---- the delegated cgroup holding ours ------------------------------------------------------ */

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

/* How sbx_cg_find_delegated found the cgroup, as doctor tells it. */
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
int sbx_cg_find_delegated(const char *mount, const char *self, bool root, char **out,
                          const char **source)
{
        _cleanup_free_ char *rel = strdup(self), *top = NULL, *unit = NULL;
        bool chain = !root;

        *out = NULL;
        while (rel && *rel) {
                _cleanup_close_ int fd = sbx_cg_open_rel(mount, rel, false);
                if (fd < 0)
                        break;
                if (marked_delegated(fd)) {
                        bool user = is_user_manager(rel);
                        *source = delegation_sources[user ? DELEGATED_USER_UNIT : DELEGATED_UNIT];
                        *out = user ? TAKE_PTR(unit) : TAKE_PTR(rel);
                        return 0;
                }
                if (!unit && is_unit(rel) && !(unit = strdup(rel)))
                        return -ENOMEM;
                if (chain && sbx_cg_writable(fd) &&
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
                *source = delegation_sources[DELEGATED_SUBTREE];
                *out = TAKE_PTR(top);
        }
        return 0;
}

/* How an unprivileged user without a usable cgroup gets one on this host. */
const char *sbx_cg_user_fix(const struct sbx_cgroup_probe *p)
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

/* Our systemd user manager's socket: in $XDG_RUNTIME_DIR, or where logind makes it for a
 * process without a session's environment (su, cron). NULL when none. */
char *sbx_cg_user_manager_socket(void)
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

/* ---- doctor --delegate-cgroup --------------------------------------------------------------- */

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
                _cleanup_free_ char *path = sbx_cg_join(l->v1[i].mount, rel);
                _cleanup_close_ int fd = sbx_cg_open_rel(l->v1[i].mount, rel, true);
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
        _cleanup_free_ char *path = sbx_cg_join(l->v2_mount, rel), *failed = NULL, *copy = NULL;
        _cleanup_free_ char *kernel_list = NULL;
        _cleanup_close_ int fd = -1;
        /* Controllers are enabled down to it, not in it: the user's processes must be able to
         * enter it (a cgroup with controllers on for its children may hold none); the user's
         * sandboxrt enables them once it has moved those into a leaf. */
        int r = sbx_cg_v2_create_path(l->v2_mount, rel, NULL, &fd, &failed);

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
        const struct sbx_cg_driver *drv;
        int r;

        if (!rel || sbx_cg_parse_mountinfo(p->mountinfo, &l) < 0)
                r = sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        else if (p->euid != 0)
                r = sbx_error_set(err, EPERM, "cgroup: delegating a cgroup needs root");
        else if ((drv = sbx_cg_layout_driver(&l)) == &sbx_cg_v2)
                r = delegate_v2(&l, rel, p->delegate_list, uid, gid, err);
        else if (drv == &sbx_cg_v1)
                r = delegate_v1(&l, rel, uid, gid, err);
        else
                r = sbx_error_set(err, ENOTSUP,
                                  "cgroup: no hierarchy with the memory and pids controllers");
        sbx_cg_layout_done(&l);
        return r;
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
