#include "fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* Every open of a name a sandbox could have planted: no symlink followed, no FIFO waited on,
 * no terminal made ours. */
#define OPEN_PLANTED (O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)

static void closedirp(DIR **d)
{
        if (*d)
                closedir(*d);
}
#define _cleanup_dir_ __attribute__((cleanup(closedirp)))

static bool is_dot(const char *name)
{
        return name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2]));
}

/* chmod through the fd itself: fchmod refuses O_PATH fds, /proc/self/fd does not. */
static int chmod_fd(int fd, mode_t mode)
{
        char proc[32];

        if (fchmod(fd, mode) == 0)
                return 0;
        if (errno != EBADF)
                return -errno;
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
        return chmod(proc, mode) < 0 ? -errno : 0;
}

/* A sandbox may take its own permissions away (chmod 0500, 000): give the owner rwx back so
 * that the host can list and empty the directory. Root needs none of it; failing is fine. */
static void make_accessible(int fd, const struct stat *st)
{
        if ((st->st_mode & S_IRWXU) != S_IRWXU)
                (void)chmod_fd(fd, (st->st_mode & 07777) | S_IRWXU);
}

/* A directory whose owner took the read permission away: reach it without reading it (O_PATH
 * needs none), give the permission back, then open it. -1 with errno on failure. */
static int reopen_accessible(int dirfd, const char *name)
{
        _cleanup_close_ int path =
            openat(dirfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        struct stat st;

        if (path < 0 || fstat(path, &st) < 0)
                return -1;
        make_accessible(path, &st);
        return openat(path, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* Open name under dirfd as a directory to empty: never through a symlink (-ENOTDIR, -ELOOP),
 * never onto another file system than dev when dev is given (-EXDEV: a mount point is left
 * alone), listable and writable even where the sandbox removed the permission. Returns the
 * fd or -errno. */
static int open_dir_at(int dirfd, const char *name, const dev_t *dev)
{
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | OPEN_PLANTED);
        struct stat st;

        if (fd < 0 && errno == EACCES)
                fd = reopen_accessible(dirfd, name);
        if (fd < 0)
                return -errno;
        int r = fstat(fd, &st) < 0 ? -errno : dev && st.st_dev != *dev ? -EXDEV : 0;
        if (r < 0) {
                close(fd);
                return r;
        }
        make_accessible(fd, &st);
        return fd;
}

/* fd's entries from the start, as a stream with a file offset of its own. */
static DIR *open_stream(int fd)
{
        int own = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = own >= 0 ? fdopendir(own) : NULL;

        if (!d)
                sbx_closep(&own);
        return d;
}

/* Remove name unless it is a directory: 0 when it is gone (or never was), 1 for a directory
 * (left alone), else -errno. Unlinking never opens: a FIFO or a socket goes like a file. */
static int unlink_entry(int dir, const char *name)
{
        struct stat st;
        int e;

        if (unlinkat(dir, name, 0) == 0 || errno == ENOENT)
                return 0;
        e = errno;
        if (e == EISDIR)
                return 1;
        /* POSIX also allows EPERM for a directory. */
        if (e == EPERM && fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
                return 1;
        return -e;
}

/* Removing a tree without recursion: the directory being emptied (root) takes in the
 * subdirectories of each of its subdirectories, renamed, before that subdirectory goes. The
 * tree only ever gets shallower, so no walk needs a stack of names or of file descriptors,
 * and each directory is opened and moved at most once. */
struct rm {
        int root;
        dev_t dev;
        unsigned long serial; /* for the names of directories moved up into root */
        int error;            /* the first failure of this pass */
        bool progress;        /* something was removed or moved in this pass */
};

static void rm_note(struct rm *rm, int r)
{
        if (r == 0)
                rm->progress = true;
        else if (r < 0 && rm->error == 0)
                rm->error = r;
}

/* Move sub's subdirectory name up into root under a name of our own. Moving a directory to
 * another parent needs write permission on it (its ".." changes): the sandbox may have taken
 * it away. An existing name of that form is skipped. */
static int move_up(struct rm *rm, int sub, const char *name)
{
        char fresh[40];
        bool fixed = false;

        for (int tries = 0; tries < 64;) {
                snprintf(fresh, sizeof(fresh), ".sbx-rm-%lu", rm->serial++);
                if (renameat(sub, name, rm->root, fresh) == 0)
                        return 0;
                if (errno == EACCES && !fixed) {
                        _cleanup_close_ int fd = open_dir_at(sub, name, &rm->dev);
                        fixed = true;
                        if (fd < 0)
                                return fd;
                        continue;
                }
                if (errno != EEXIST && errno != ENOTEMPTY && errno != ENOTDIR && errno != EINVAL)
                        return -errno;
                tries++;
        }
        return -EEXIST;
}

/* Empty root's subdirectory name by one level, then remove it. */
static void flatten(struct rm *rm, const char *name)
{
        _cleanup_close_ int sub = open_dir_at(rm->root, name, &rm->dev);
        _cleanup_dir_ DIR *d = NULL;

        if (sub < 0) {
                rm_note(rm, sub);
                return;
        }
        if (!(d = open_stream(sub))) {
                rm_note(rm, -errno);
                return;
        }
        for (struct dirent *de; (de = readdir(d));) {
                if (is_dot(de->d_name))
                        continue;
                int r = de->d_type == DT_DIR ? 1 : unlink_entry(sub, de->d_name);
                rm_note(rm, r > 0 ? move_up(rm, sub, de->d_name) : r);
        }
        /* Not empty: an entry inside failed, and that failure is noted already. */
        if (unlinkat(rm->root, name, AT_REMOVEDIR) == 0)
                rm->progress = true;
        else if (errno != ENOTEMPTY && errno != EEXIST)
                rm_note(rm, -errno);
}

int sbx_rm_contents_at(int dirfd)
{
        struct rm rm = {.root = dirfd};
        struct stat st;

        if (fstat(dirfd, &st) < 0)
                return -errno;
        rm.dev = st.st_dev;
        make_accessible(dirfd, &st);
        /* Passes until one finds nothing; a pass that changed nothing reports its failure. */
        for (;;) {
                _cleanup_dir_ DIR *d = open_stream(dirfd);
                bool seen = false;

                if (!d)
                        return -errno;
                rm.progress = false;
                rm.error = 0;
                for (struct dirent *de; (de = readdir(d));) {
                        if (is_dot(de->d_name))
                                continue;
                        seen = true;
                        int r = de->d_type == DT_DIR ? 1 : unlink_entry(dirfd, de->d_name);
                        if (r > 0)
                                flatten(&rm, de->d_name);
                        else
                                rm_note(&rm, r);
                }
                if (!seen)
                        return 0;
                if (!rm.progress)
                        return rm.error ? rm.error : -ENOTEMPTY;
        }
}

int sbx_rm_rf_at(int dirfd, const char *name)
{
        struct stat st;
        int r = unlink_entry(dirfd, name);

        /* The sandbox made the parent read-only (AT_FDCWD: the caller's own directory). */
        if (r == -EACCES && dirfd >= 0 && fstat(dirfd, &st) == 0) {
                make_accessible(dirfd, &st);
                r = unlink_entry(dirfd, name);
        }
        if (r <= 0)
                return r;
        /* The caller named this directory: the tree below it must stay on its file system. */
        _cleanup_close_ int fd = open_dir_at(dirfd, name, NULL);
        if (fd < 0)
                return fd;
        r = sbx_rm_contents_at(fd);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && r == 0 && errno != ENOENT)
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
                        int next = openat(fd, name, O_RDONLY | O_DIRECTORY | OPEN_PLANTED);
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

/* Why an open of a planted name failed, as the file functions report it. */
static int open_failed(struct sbx_error **err, const char *path, int e)
{
        if (e == ELOOP)
                return sbx_error_set(err, ELOOP, "%s is a symbolic link", path);
        /* ENXIO: a FIFO without a reader (O_NONBLOCK) or a socket. */
        if (e == ENXIO || e == EISDIR || e == EAGAIN)
                return sbx_error_set(err, EINVAL, "%s is not a regular file", path);
        return sbx_error_set(err, e, "%s: %s", path, strerror(e));
}

/* fd must be a regular file: a FIFO that did open (it has a reader) is not written or read. */
static int check_regular(struct sbx_error **err, const char *path, int fd)
{
        struct stat st;

        if (fstat(fd, &st) < 0)
                return sbx_error_set(err, errno, "%s: %m", path);
        if (!S_ISREG(st.st_mode))
                return sbx_error_set(err, EINVAL, "%s is not a regular file", path);
        return 0;
}

int sbx_write_file_beneath(int dirfd, const struct sbx_file *file, uid_t owner,
                           struct sbx_error **err)
{
        mode_t mode = file->mode ? file->mode & 0777 : 0644;
        _cleanup_free_ char *leaf = NULL;
        _cleanup_close_ int dfd = open_parent(dirfd, file->path, true, owner, &leaf, err);
        if (dfd < 0)
                return dfd;
        /* No O_TRUNC: what is there is looked at before anything of it changes. */
        _cleanup_close_ int fd = openat(dfd, leaf, O_WRONLY | O_CREAT | OPEN_PLANTED, mode);
        if (fd < 0)
                return open_failed(err, file->path, errno);
        int r = check_regular(err, file->path, fd);
        if (r < 0)
                return r;
        r = ftruncate(fd, 0) < 0 ? -errno : 0;
        if (r == 0)
                r = sbx_write_all(fd, file->data, file->size);
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
        _cleanup_close_ int fd = openat(dfd, leaf, O_RDONLY | OPEN_PLANTED);
        if (fd < 0)
                return open_failed(err, path, errno);
        int r = check_regular(err, path, fd);
        if (r < 0)
                return r;
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

/* One directory of the layout, dirfd/path, walked (and made) component by component. */
static int layout_dir(int dirfd, const char *path, mode_t mode, uid_t owner, struct sbx_error **err)
{
        _cleanup_free_ char *copy = strdup(path);
        _cleanup_close_ int fd = dup(dirfd);
        char *rest = copy;

        if (!copy || fd < 0)
                return sbx_error_set(err, copy ? errno : ENOMEM, "%s: %s", path,
                                     copy ? strerror(errno) : "out of memory");
        for (char *c; (c = strsep(&rest, "/"));) {
                mode_t m = rest ? 0755 : mode;
                if (mkdirat(fd, c, m) == 0 && owner != (uid_t)-1 &&
                    fchownat(fd, c, owner, owner, AT_SYMLINK_NOFOLLOW) < 0)
                        return sbx_error_set(err, errno, "chown %s: %m", path);
                int next = openat(fd, c, O_RDONLY | O_DIRECTORY | OPEN_PLANTED);
                if (next < 0 && (errno == ELOOP || errno == ENOTDIR))
                        return sbx_error_set(err, ENOTDIR,
                                             "the sandbox's /%s is not a directory (something "
                                             "else took its place)",
                                             path);
                if (next < 0)
                        return sbx_error_set(err, errno, "/%s: %m", path);
                close(fd);
                fd = next;
        }
        /* mkdir's mode went through the umask, and the sandbox may have changed it since. */
        return fchmod(fd, mode) < 0 ? sbx_error_set(err, errno, "chmod %s: %m", path) : 0;
}

int sbx_writable_layout(int dirfd, const struct sbx_policy *p, uid_t owner, struct sbx_error **err)
{
        const char *dirs[SBX_WRITABLE_DIRS_MAX + 1];
        int r = 0;

        sbx_writable_dirs_of(p, dirs);
        for (size_t i = 0; r == 0 && dirs[i]; i++) {
                const char *dir = dirs[i] + 1;
                r = layout_dir(dirfd, dir, strcmp(dir, "tmp") ? 0755 : 01777, owner, err);
        }
        return r < 0 ? r : layout_dir(dirfd, "shm", 01777, owner, err);
}
