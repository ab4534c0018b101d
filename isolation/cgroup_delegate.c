/* Handing a cgroup to a user, as root (`sandboxrt doctor --delegate-cgroup USER`); finding the
 * one handed to us is cgroup_systemd.c. */
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
