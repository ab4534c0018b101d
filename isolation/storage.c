/* Work dirs as tmpfs mounts in the launcher's own mount namespace (see storage.h).
 *
 * Why a namespace of the launcher's, and not the host's or each jail's: a work dir must outlive
 * the jails that use it, must not appear in the host's mount table (nothing to reap after a
 * crash: it dies with the launcher), and must not be copied into every jail's namespace (each
 * jail would then pin every other sandbox's files). So the launcher lives in a namespace holding
 * the work dirs, its children go back to the one it came from, and a jail gets its work dir as
 * a detached copy of the mount (open_tree) that it attaches itself. */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jail.h"
#include "util.h"

/* At most this many work dirs at once: the inodes of the tmpfs holding their mount points. */
#define MAX_WORK_DIRS 65536

struct tmpfs_options {
        uint64_t bytes, inodes;
        mode_t mode;
        uid_t uid;
        gid_t gid;
};

/* A detached tmpfs mount (close-on-exec), or -errno. */
static int tmpfs_mount(const struct tmpfs_options *o, unsigned attrs)
{
        char size[24], inodes[24], mode[8], uid[16], gid[16];
        const char *const opts[][2] = {
            {"size", size}, {"nr_inodes", inodes}, {"mode", mode}, {"uid", uid}, {"gid", gid}};
        _cleanup_close_ int fs = fsopen("tmpfs", FSOPEN_CLOEXEC);

        if (fs < 0)
                return -errno;
        snprintf(size, sizeof(size), "%llu", (unsigned long long)o->bytes);
        snprintf(inodes, sizeof(inodes), "%llu", (unsigned long long)o->inodes);
        snprintf(mode, sizeof(mode), "%o", (unsigned)o->mode);
        snprintf(uid, sizeof(uid), "%u", (unsigned)o->uid);
        snprintf(gid, sizeof(gid), "%u", (unsigned)o->gid);
        for (size_t i = 0; i < ELEMENTSOF(opts); i++)
                if (fsconfig(fs, FSCONFIG_SET_STRING, opts[i][0], opts[i][1], 0) < 0)
                        return -errno;
        if (fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
                return -errno;
        int mnt = fsmount(fs, FSMOUNT_CLOEXEC, attrs);
        return mnt < 0 ? -errno : mnt;
}

/* Without root, mounting needs a user namespace: one where our own uid and gid are themselves,
 * so that every id we handle (files, cgroups, the jails' maps) reads the same inside. */
static int own_user_namespace(struct sbx_error **err)
{
        uid_t uid = geteuid();
        gid_t gid = getegid();
        char map[32];
        int r;

        if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0)
                return sbx_error_set(err, errno, "creating the launcher's user namespace: %m");
        r = sbx_write_string("/proc/self/setgroups", "deny");
        if (r == 0 || r == -ENOENT) {
                snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
                r = sbx_write_string("/proc/self/uid_map", map);
        }
        if (r == 0) {
                snprintf(map, sizeof(map), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
                r = sbx_write_string("/proc/self/gid_map", map);
        }
        return r < 0 ? sbx_error_set(err, -r, "mapping the launcher's user namespace: %s",
                                     strerror(-r))
                     : 0;
}

int sbx_storage_open(struct sbx_storage *st, const char *boxes, struct sbx_error **err)
{
        const struct tmpfs_options points = {.bytes = 1u << 20,
                                             .inodes = MAX_WORK_DIRS,
                                             .mode = 0700,
                                             .uid = geteuid(),
                                             .gid = getegid()};
        int r;

        *st = (struct sbx_storage){.home_fd = -1, .dir_fd = -1};
        if (geteuid() != 0 && (r = own_user_namespace(err)) < 0)
                return r;
        st->home_fd = open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
        if (st->home_fd < 0)
                return sbx_error_set(err, errno, "opening /proc/self/ns/mnt: %m");
        /* Nothing mounted here may propagate back to the namespace we leave (nor the host's). */
        if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
                return sbx_error_set(err, errno, "creating the work dirs' mount namespace: %m");
        _cleanup_close_ int at = open(boxes, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (at < 0)
                return sbx_error_set(err, errno, "opening %s: %m", boxes);
        _cleanup_close_ int mnt =
            tmpfs_mount(&points, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
        if (mnt < 0)
                return sbx_error_set(err, -mnt, "mounting a tmpfs on %s: %s", boxes,
                                     strerror(-mnt));
        if (move_mount(mnt, "", at, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ||
            (st->dir_fd = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
                return sbx_error_set(err, errno, "mounting a tmpfs on %s: %m", boxes);
        return 0;
}

int sbx_storage_leave(struct sbx_storage *st)
{
        int r = setns(st->home_fd, CLONE_NEWNS) < 0 ? -errno : 0;

        sbx_closep(&st->home_fd);
        sbx_closep(&st->dir_fd);
        st->home_fd = st->dir_fd = -1;
        return r;
}

int sbx_storage_create(struct sbx_storage *st, uint64_t bytes, uid_t uid, gid_t gid, uint64_t *id,
                       int *root_fd, struct sbx_error **err)
{
        const struct tmpfs_options o = {
            .bytes = bytes,
            .inodes = bytes / SBX_TMPFS_BYTES_PER_INODE ? bytes / SBX_TMPFS_BYTES_PER_INODE : 1,
            .mode = 0755,
            .uid = uid,
            .gid = gid};
        char name[24];

        _cleanup_close_ int mnt = tmpfs_mount(&o, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
        if (mnt < 0)
                return sbx_error_set(err, -mnt, "mounting a tmpfs for a work dir: %s",
                                     strerror(-mnt));
        snprintf(name, sizeof(name), "%llu", (unsigned long long)++st->last_id);
        if (mkdirat(st->dir_fd, name, 0700) < 0)
                return errno == ENOSPC
                           ? sbx_error_set(err, ENOSPC, "too many work dirs at once (at most %u)",
                                           MAX_WORK_DIRS)
                           : sbx_error_set(err, errno, "creating a mount point: %m");
        if (move_mount(mnt, "", st->dir_fd, name, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
                int e = errno;
                unlinkat(st->dir_fd, name, AT_REMOVEDIR);
                return sbx_error_set(err, e, "mounting a work dir: %s", strerror(e));
        }
        *root_fd = openat(mnt, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (*root_fd < 0) {
                int e = errno;
                sbx_storage_remove(st, st->last_id);
                return sbx_error_set(err, e, "opening a work dir: %s", strerror(e));
        }
        *id = st->last_id;
        return 0;
}

/* A device node like the host's /dev/NAME, in the mount at dir. */
static int copy_device(int dir, const char *name)
{
        char host[64];
        struct stat st;

        snprintf(host, sizeof(host), "/dev/%s", name);
        if (stat(host, &st) < 0)
                return -errno;
        if (!S_ISCHR(st.st_mode))
                return -ENODEV;
        /* The mode as the host's, whatever our umask. */
        if (mknodat(dir, name, S_IFCHR, st.st_rdev) < 0 ||
            fchmodat(dir, name, st.st_mode & 0777, 0) < 0)
                return -errno;
        return 0;
}

int sbx_storage_devices(void)
{
        const struct tmpfs_options o = {.bytes = 4096, .inodes = 16, .mode = 0755};
        struct mount_attr readonly = {.attr_set = MOUNT_ATTR_RDONLY};
        int mnt = tmpfs_mount(&o, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC), r = 0;

        if (mnt < 0)
                return mnt;
        for (size_t i = 0; r == 0 && i < sbx_n_jail_devices; i++)
                r = copy_device(mnt, sbx_jail_devices[i]);
        for (size_t i = 0; r == 0 && i < sbx_n_jail_dev_links; i++)
                if (symlinkat(sbx_jail_dev_links[i][1], mnt, sbx_jail_dev_links[i][0]) < 0)
                        r = -errno;
        if (r == 0 && (mkdirat(mnt, "shm", 01777) < 0 || fchmodat(mnt, "shm", 01777, 0) < 0 ||
                       mount_setattr(mnt, "", AT_EMPTY_PATH, &readonly, sizeof(readonly)) < 0))
                r = -errno;
        if (r < 0) {
                close(mnt);
                return r;
        }
        return mnt;
}

int sbx_storage_clone(int root_fd)
{
        int fd = open_tree(root_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);

        return fd < 0 ? -errno : fd;
}

int sbx_storage_remove(struct sbx_storage *st, uint64_t id)
{
        char name[24], path[64];

        snprintf(name, sizeof(name), "%llu", (unsigned long long)id);
        snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", st->dir_fd, name);
        if (umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) < 0 && errno != EINVAL && errno != ENOENT)
                return -errno;
        (void)unlinkat(st->dir_fd, name, AT_REMOVEDIR);
        return 0;
}
