#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int sbx_rm_contents_at(int dirfd)
{
        int fd = dup(dirfd);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        int r = 0;

        if (!d) {
                sbx_closep(&fd);
                return -errno;
        }
        for (struct dirent *de; (de = readdir(d));) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                int q = sbx_rm_rf_at(dirfd, de->d_name);
                if (q < 0 && r == 0)
                        r = q;
        }
        closedir(d);
        return r;
}

int sbx_rm_rf_at(int dirfd, const char *name)
{
        if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        _cleanup_close_ int sub =
            openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0)
                return -errno;
        int r = sbx_rm_contents_at(sub);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && r == 0)
                r = -errno;
        return r;
}

/* Walk path's directories under dirfd (creating them, owned by owner, when create is set):
 * returns an fd of the parent directory and sets *leaf to a malloc'd copy of the last
 * component. */
static int open_parent(int dirfd, const char *path, bool create, uid_t owner, char **leaf,
                       struct sbx_error **err)
{
        static const char prefix[] = "/sandbox/";
        _cleanup_free_ char *copy = strdup(path);
        char *rest = copy, *name = NULL;

        if (!copy)
                return sbx_error_set(err, ENOMEM, "out of memory");

        if (!strncmp(rest, prefix, sizeof(prefix) - 1))
                rest += sizeof(prefix) - 1;
        if (*rest == '/')
                return sbx_error_set(err, EINVAL, "path '%s' is outside the work dir", path);
        _cleanup_close_ int fd = dup(dirfd);
        if (fd < 0)
                return sbx_error_set(err, errno, "dup: %m");
        for (char *c; (c = strsep(&rest, "/"));) {
                if (!*c || !strcmp(c, "."))
                        continue;
                if (!strcmp(c, ".."))
                        return sbx_error_set(err, EINVAL, "path must not contain '..'");
                if (name) {
                        if (create && mkdirat(fd, name, 0755) == 0 && owner != (uid_t)-1 &&
                            fchownat(fd, name, owner, owner, AT_SYMLINK_NOFOLLOW) < 0)
                                return sbx_error_set(err, errno, "chown %s: %m", name);
                        int next =
                            openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                        if (next < 0)
                                return sbx_error_set(err, errno, "%s: %m", name);
                        close(fd);
                        fd = next;
                }
                name = c;
        }
        if (!name)
                return sbx_error_set(err, EINVAL, "empty path");
        if (!(*leaf = strdup(name)))
                return sbx_error_set(err, ENOMEM, "out of memory");
        return TAKE_FD(fd);
}

int sbx_write_file_beneath(int dirfd, const struct sbx_file *file, uid_t owner,
                           struct sbx_error **err)
{
        mode_t mode = file->mode ? file->mode & 0777 : 0644;
        _cleanup_free_ char *leaf = NULL;
        _cleanup_close_ int dfd = open_parent(dirfd, file->path, true, owner, &leaf, err);
        if (dfd < 0)
                return dfd;
        _cleanup_close_ int fd =
            openat(dfd, leaf, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0)
                return sbx_error_set(err, errno, "%s: %m", file->path);
        int r = sbx_write_all(fd, file->data, file->size);
        if (r == 0 && fchmod(fd, mode) < 0)
                r = -errno;
        if (r == 0 && owner != (uid_t)-1 && fchown(fd, owner, owner) < 0)
                r = -errno;
        return r < 0 ? sbx_error_set(err, -r, "%s: %s", file->path, strerror(-r)) : 0;
}

int sbx_read_file_beneath(int dirfd, const char *path, size_t max_bytes, struct sbx_output *out,
                          struct sbx_error **err)
{
        _cleanup_free_ char *leaf = NULL;
        _cleanup_close_ int dfd = open_parent(dirfd, path, false, (uid_t)-1, &leaf, err);
        if (dfd < 0)
                return dfd;
        _cleanup_close_ int fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) < 0)
                return sbx_error_set(err, errno, "%s: %m", path);
        if (!S_ISREG(st.st_mode))
                return sbx_error_set(err, EINVAL, "%s is not a regular file", path);
        char *buf = malloc(max_bytes + 1);
        size_t len = 0;
        if (!buf)
                return sbx_error_set(err, ENOMEM, "out of memory");
        while (len < max_bytes) {
                ssize_t n = read(fd, buf + len, max_bytes - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                len += (size_t)n;
        }
        char probe;
        out->truncated = len == max_bytes && read(fd, &probe, 1) == 1;
        buf[len] = '\0';
        out->data = buf;
        out->size = len;
        return 0;
}

int sbx_remove_beneath(int dirfd, const char *path, struct sbx_error **err)
{
        _cleanup_free_ char *leaf = NULL;
        _cleanup_close_ int dfd = open_parent(dirfd, path, false, (uid_t)-1, &leaf, err);
        if (dfd < 0)
                return dfd;
        int r = sbx_rm_rf_at(dfd, leaf);
        return r < 0 ? sbx_error_set(err, -r, "%s: %s", path, strerror(-r)) : 0;
}
