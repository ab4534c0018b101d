#include "docker/wipe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "util.h"

#define MAX_DEPTH 256

static int wipe_dir(int dfd, int depth);

static int wipe_entry(int dfd, const char *name, int depth)
{
        struct stat st;

        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (S_ISDIR(st.st_mode)) {
                int sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                if (sub < 0)
                        return -errno;
                int r = wipe_dir(sub, depth + 1); /* takes sub */
                if (r < 0)
                        return r;
                return unlinkat(dfd, name, AT_REMOVEDIR) < 0 ? -errno : 0;
        }
        return unlinkat(dfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
}

/* Takes ownership of dfd. */
static int wipe_dir(int dfd, int depth)
{
        DIR *d;
        struct dirent *de;
        int r = 0;

        if (depth > MAX_DEPTH) {
                close(dfd);
                return -ELOOP;
        }
        d = fdopendir(dfd);
        if (!d) {
                close(dfd);
                return -errno;
        }
        while (r == 0 && (de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                r = wipe_entry(dirfd(d), de->d_name, depth);
        }
        closedir(d);
        return r;
}

int sbx_docker_wipe_tmpfs(const char *path, uid_t uid, gid_t gid, mode_t mode)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct statfs sfs;
        int r, again;

        if (fd < 0)
                return -errno;
        if (fstatfs(fd, &sfs) < 0)
                return -errno;
        if (sfs.f_type != TMPFS_MAGIC)
                return -EXDEV;
        again = fcntl(fd, F_DUPFD_CLOEXEC, 3);
        if (again < 0)
                return -errno;
        /* A directory the job made unwritable is still ours to empty: we are root here. */
        r = wipe_dir(again, 0);
        if (r < 0)
                return r;
        if (fchown(fd, uid, gid) < 0 || fchmod(fd, mode) < 0)
                return -errno;
        return 0;
}
