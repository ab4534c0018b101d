/* isolation/fsutil.c against what a sandbox can plant in its directory: FIFOs, sockets,
 * symlinks out of it, modes it took away from itself, trees 40,000 levels deep and 100,000
 * entries wide. Removal runs on a 64 KiB thread stack (no recursion) and must leave the fd
 * count as it found it. Runs as any user; as root, the unprivileged cases also run in a child
 * that became nobody. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "isolation/fsutil.h"
#include "util.h"

#define DEPTH  40000
#define WIDE   100000
#define NOBODY 65534

static char base[64];

static int fd_count(void)
{
        DIR *d = opendir("/proc/self/fd");
        int n = 0;

        assert_non_null(d);
        while (readdir(d))
                n++;
        closedir(d);
        return n;
}

static int open_dir(const char *path)
{
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        assert_true(fd >= 0);
        return fd;
}

static void make_fifo_socket_link(int dir, const char *outside)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        char proc[64];

        assert_int_equal(mkfifoat(dir, "fifo", 0600), 0);
        snprintf(proc, sizeof(proc), "/proc/self/fd/%d/sock", dir);
        snprintf(a.sun_path, sizeof(a.sun_path), "%s", proc);
        assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
        close(s);
        assert_int_equal(symlinkat(outside, dir, "out"), 0);
}

/* A chain of depth directories "d" under dir/name; the deepest holds a FIFO, a socket, a link
 * out and a directory with mode 000; every tenth level has mode 0500. */
static void build_chain(int dir, const char *name, int depth, const char *outside)
{
        int fd;

        assert_int_equal(mkdirat(dir, name, 0755), 0);
        fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (int i = 0; i < depth; i++) {
                assert_int_equal(mkdirat(fd, "d", 0755), 0);
                int next = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                assert_true(next >= 0);
                if (i % 10 == 9)
                        assert_int_equal(fchmod(fd, 0500), 0);
                close(fd);
                fd = next;
        }
        make_fifo_socket_link(fd, outside);
        assert_int_equal(mkdirat(fd, "locked", 0755), 0);
        int f = openat(fd, "locked/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_true(f >= 0);
        close(f);
        assert_int_equal(fchmodat(fd, "locked", 0, 0), 0);
        close(fd);
}

static void build_wide(int dir, const char *name, int n)
{
        char file[32];
        int fd;

        assert_int_equal(mkdirat(dir, name, 0755), 0);
        fd = openat(dir, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        for (int i = 0; i < n; i++) {
                snprintf(file, sizeof(file), "f%d", i);
                int f = openat(fd, file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
                assert_true(f >= 0);
                close(f);
        }
        assert_int_equal(mkdirat(fd, "sub", 0755), 0);
        assert_int_equal(fchmod(fd, 0500), 0);
        close(fd);
}

struct removal {
        int dir;
        const char *name; /* NULL: the contents of dir */
        int result;
};

static void *remove_thread(void *arg)
{
        struct removal *rm = arg;

        rm->result = rm->name ? sbx_rm_rf_at(rm->dir, rm->name) : sbx_rm_contents_at(rm->dir);
        return NULL;
}

/* Remove on a 64 KiB stack: a recursive walk of DEPTH levels would overflow it. */
static int remove_small_stack(int dir, const char *name)
{
        struct removal rm = {dir, name, -1};
        pthread_attr_t attr;
        pthread_t t;

        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, 64 << 10);
        assert_int_equal(pthread_create(&t, &attr, remove_thread, &rm), 0);
        pthread_join(t, NULL);
        pthread_attr_destroy(&attr);
        return rm.result;
}

static bool empty_dir(int dir)
{
        int fd = openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fdopendir(fd);
        struct dirent *de;
        int n = 0;

        while ((de = readdir(d)))
                n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
        closedir(d);
        return n == 0;
}

/* On tmpfs when there is one: this tests the walk, not the disk's journal. */
static void make_base(void)
{
        struct stat st;

        snprintf(base, sizeof(base), "%s/sbx-fsutil-XXXXXX",
                 stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp");
        assert_non_null(mkdtemp(base));
        assert_int_equal(chmod(base, 0755), 0);
}

static int setup(void **state)
{
        make_base();
        return 0;
}

static int teardown(void **state)
{
        int r = sbx_rm_rf_at(AT_FDCWD, base);

        return r == 0 ? 0 : -1;
}

/* ---- removal ---------------------------------------------------------------------------- */

static void test_rm_everything_planted(void **state)
{
        char box[128], outside[128];
        int before = fd_count();

        snprintf(box, sizeof(box), "%s/box", base);
        snprintf(outside, sizeof(outside), "%s/outside", base);
        assert_int_equal(mkdir(box, 0700), 0);
        assert_int_equal(mkdir(outside, 0700), 0);
        int keep = open(outside, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int f = openat(keep, "precious", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        close(f);
        int dir = open_dir(box);
        build_chain(dir, "deep", DEPTH, outside);
        build_wide(dir, "wide", WIDE);
        make_fifo_socket_link(dir, outside);
        assert_int_equal(fchmod(dir, 0), 0); /* the sandbox can chmod its own top too */
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        assert_int_equal(remove_small_stack(dir, NULL), 0);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        print_message("removed %d levels and %d entries in %.2f s\n", DEPTH, WIDE,
                      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
        assert_true(empty_dir(dir));
        assert_int_equal(faccessat(keep, "precious", F_OK, AT_SYMLINK_NOFOLLOW), 0);
        close(dir);
        close(keep);
        assert_int_equal(fd_count(), before);
}

static void test_rm_rf_at_names(void **state)
{
        int dir = open_dir(base);
        int before = fd_count();

        build_chain(dir, "chain", 2000, "/etc");
        assert_int_equal(fchmodat(dir, "chain", 0, 0), 0);
        assert_int_equal(remove_small_stack(dir, "chain"), 0);
        assert_int_equal(faccessat(dir, "chain", F_OK, AT_SYMLINK_NOFOLLOW), -1);
        assert_int_equal(sbx_rm_rf_at(dir, "never-was"), 0);
        assert_int_equal(mkfifoat(dir, "p", 0600), 0);
        assert_int_equal(sbx_rm_rf_at(dir, "p"), 0);
        assert_int_equal(symlinkat("/etc", dir, "l"), 0);
        assert_int_equal(sbx_rm_rf_at(dir, "l"), 0);
        assert_int_equal(access("/etc/passwd", F_OK), 0);
        assert_int_equal(fd_count(), before);
        close(dir);
}

/* The same, as a user who owns the tree but has no capability: only chmod can help. */
static void test_rm_unprivileged(void **state)
{
        char box[128];
        pid_t pid;
        int status;

        if (geteuid() != 0) {
                test_rm_rf_at_names(state); /* we are that user already */
                return;
        }
        snprintf(box, sizeof(box), "%s/nobody", base);
        assert_int_equal(mkdir(box, 0700), 0);
        assert_int_equal(chown(box, NOBODY, NOBODY), 0);
        pid = fork();
        if (pid == 0) {
                if (setgroups(0, NULL) < 0 || setgid(NOBODY) < 0 || setuid(NOBODY) < 0)
                        _exit(2);
                int dir = open(box, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                build_chain(dir, "deep", 5000, "/etc");
                build_wide(dir, "wide", 1000);
                assert_int_equal(fchmod(dir, 0500), 0);
                _exit(sbx_rm_contents_at(dir) == 0 && empty_dir(dir) ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

/* A mount point inside the tree is another file system: left alone, and reported. */
static void test_rm_mount_point(void **state)
{
        char parent[128], mnt[160], inside[192];

        if (geteuid() != 0) {
                skip();
                return;
        }
        snprintf(parent, sizeof(parent), "%s/m", base);
        snprintf(mnt, sizeof(mnt), "%s/mnt", parent);
        snprintf(inside, sizeof(inside), "%s/keep", mnt);
        assert_int_equal(mkdir(parent, 0755), 0);
        assert_int_equal(mkdir(mnt, 0755), 0);
        if (mount("none", mnt, "tmpfs", 0, "size=1m") < 0) {
                skip();
                return;
        }
        int f = open(inside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        close(f);
        int dir = open_dir(base);
        assert_int_equal(sbx_rm_rf_at(dir, "m"), -EXDEV);
        assert_int_equal(access(inside, F_OK), 0);
        assert_int_equal(umount2(mnt, MNT_DETACH), 0);
        assert_int_equal(sbx_rm_rf_at(dir, "m"), 0);
        close(dir);
}

/* ---- files ------------------------------------------------------------------------------ */

static void test_files_refuse_planted(void **state)
{
        char outside[128];
        struct sbx_error *err = NULL;
        struct sbx_output out = {0};
        int dir = open_dir(base);
        int before = fd_count();

        snprintf(outside, sizeof(outside), "%s/target", base);
        assert_int_equal(mkdirat(dir, "box", 0755), 0);
        int box = openat(dir, "box", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int t = open(outside, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        assert_int_equal(write(t, "host", 4), 4);
        close(t);
        make_fifo_socket_link(box, outside);
        assert_int_equal(mkdirat(box, "sub", 0755), 0);
        assert_int_equal(symlinkat(base, box, "up"), 0);

        /* Each would block forever on a FIFO without O_NONBLOCK; alarm() turns that into a
         * failure instead of a hung test. */
        alarm(10);
        static const char *const names[] = {"fifo", "sock", "sub"};
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                struct sbx_file f = {.path = names[i], .data = "x", .size = 1};
                assert_int_equal(sbx_write_file_beneath(box, &f, (uid_t)-1, &err), -EINVAL);
                assert_non_null(strstr(err->message, "not a regular file"));
                err = sbx_error_free(err);
                assert_int_equal(sbx_read_file_beneath(box, names[i], 100, &out, &err), -EINVAL);
                err = sbx_error_free(err);
        }
        /* A reader on the FIFO: the open would succeed; still refused, nothing written. */
        int reader = openat(box, "fifo", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        struct sbx_file f = {.path = "/sandbox/fifo", .data = "x", .size = 1};
        assert_int_equal(sbx_write_file_beneath(box, &f, (uid_t)-1, &err), -EINVAL);
        err = sbx_error_free(err);
        char c;
        assert_true(read(reader, &c, 1) <= 0); /* nothing came through */
        close(reader);
        f.path = "out";
        assert_int_equal(sbx_write_file_beneath(box, &f, (uid_t)-1, &err), -ELOOP);
        err = sbx_error_free(err);
        f.path = "up/target";
        assert_true(sbx_write_file_beneath(box, &f, (uid_t)-1, &err) < 0);
        err = sbx_error_free(err);
        assert_true(sbx_read_file_beneath(box, "up/target", 100, &out, &err) < 0);
        err = sbx_error_free(err);
        alarm(0);
        char buf[8] = {0};
        t = open(outside, O_RDONLY | O_CLOEXEC);
        assert_int_equal(read(t, buf, sizeof(buf)), 4);
        close(t);
        assert_string_equal(buf, "host");

        f.path = "sub/new.txt";
        f.data = "hello";
        f.size = 5;
        assert_int_equal(sbx_write_file_beneath(box, &f, (uid_t)-1, &err), 0);
        f.data = "hi";
        f.size = 2;
        assert_int_equal(sbx_write_file_beneath(box, &f, (uid_t)-1, &err), 0);
        assert_int_equal(sbx_read_file_beneath(box, "sub/new.txt", 100, &out, &err), 0);
        assert_int_equal(out.size, 2);
        assert_memory_equal(out.data, "hi", 2);
        free(out.data);
        assert_int_equal(sbx_remove_beneath(box, "sub", &err), 0);
        assert_int_equal(sbx_remove_beneath(box, "fifo", &err), 0);
        close(box);
        assert_int_equal(fd_count(), before);
        close(dir);
}

/* ---- the writable layout ---------------------------------------------------------------- */

static mode_t mode_at(int dir, const char *path)
{
        struct stat st;

        assert_int_equal(fstatat(dir, path, &st, AT_SYMLINK_NOFOLLOW), 0);
        return st.st_mode;
}

/* Made with its modes; kept, contents and all, when it is there (a stateful sandbox's next
 * job); a link planted in place of one of its directories is refused, never followed. */
static void test_writable_layout(void **state)
{
        struct sbx_error *err = NULL;
        int dir = open_dir(base);
        int before = fd_count();

        assert_int_equal(mkdirat(dir, "box", 0755), 0);
        int box = openat(dir, "box", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_int_equal(sbx_writable_layout(box, NULL, (uid_t)-1, &err), 0);
        assert_int_equal(mode_at(box, "sandbox"), S_IFDIR | 0755);
        assert_int_equal(mode_at(box, "tmp"), S_IFDIR | 01777);
        assert_int_equal(mode_at(box, "home/sandbox"), S_IFDIR | 0755);
        assert_int_equal(mode_at(box, "shm"), S_IFDIR | 01777);

        struct sbx_file f = {.path = "tmp/kept", .data = "k", .size = 1};
        assert_int_equal(sbx_write_file_beneath(box, &f, (uid_t)-1, &err), 0);
        assert_int_equal(fchmodat(box, "tmp", 0700, 0), 0);
        assert_int_equal(sbx_writable_layout(box, NULL, (uid_t)-1, &err), 0);
        assert_int_equal(mode_at(box, "tmp"), S_IFDIR | 01777);
        assert_int_equal(faccessat(box, "tmp/kept", F_OK, 0), 0);

        assert_int_equal(sbx_rm_rf_at(box, "home"), 0);
        assert_int_equal(symlinkat(base, box, "home"), 0);
        assert_int_equal(sbx_writable_layout(box, NULL, (uid_t)-1, &err), -ENOTDIR);
        assert_non_null(strstr(err->message, "/home/sandbox is not a directory"));
        err = sbx_error_free(err);
        assert_int_equal(faccessat(dir, "sandbox", F_OK, 0), -1); /* nothing made through it */
        close(box);
        assert_int_equal(fd_count(), before);
        close(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test_setup_teardown(test_rm_everything_planted, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rm_rf_at_names, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rm_unprivileged, setup, teardown),
            cmocka_unit_test_setup_teardown(test_rm_mount_point, setup, teardown),
            cmocka_unit_test_setup_teardown(test_files_refuse_planted, setup, teardown),
            cmocka_unit_test_setup_teardown(test_writable_layout, setup, teardown),
        };

        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
