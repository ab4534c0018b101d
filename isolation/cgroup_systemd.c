/* The delegated cgroup systemd (or root) handed to us, found from our own: where the v2 driver
 * makes its job cgroups (`sandboxrt doctor --delegate-cgroup` hands one out: cgroup_delegate.c). */
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
