/* Inside the jail: builds the filesystem, drops every privilege, runs the payload under an
 * init that reaps orphans. Everything here runs in a freshly cloned, single-threaded child;
 * failures are reported through the status pipe as one fixed-size record, then _exit(). */
#include "jail.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <grp.h>
#include <sched.h>
#include <linux/sched.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "policies/fields.h"
#include "util.h"

/* The new root is a tmpfs mounted here (in our private mount namespace), then pivoted to; the
 * host's tree stays reachable under OLDROOT while the jail is built, then is detached. */
#define NEWROOT "/tmp"
#define OLDROOT "/oldroot"
/* Overlayfs wants two lower layers when it has no upper one: this empty directory is the second. */
#define EMPTY_LAYER "/.empty"
/* Host files up to this size are copied into the jail's root, whose size is NEWROOT_BYTES. */
#define COPY_MAX      (512 * 1024)
#define NEWROOT_BYTES "4m"

/* Queued signals and POSIX message queue bytes a sandbox may hold (RLIMIT_SIGPENDING and
 * RLIMIT_MSGQUEUE): the kernel's defaults are per user, and in the tens of thousands. */
#define SIGPENDING_MAX     1024u
#define MSGQUEUE_MAX_BYTES (256u * 1024u)

extern char **environ;

static int status_fd = -1;

static void send_record(uint32_t kind, int error, int status, const char *fmt, va_list ap)
{
        struct sbx_jail_record rec = {.kind = kind, .error = error, .status = status};

        if (fmt)
                vsnprintf(rec.message, sizeof(rec.message), fmt, ap);
        (void)!write(status_fd, &rec, sizeof(rec));
}

static _Noreturn __attribute__((format(printf, 2, 3))) void fail(int error, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        send_record(SBX_JAIL_SETUP_FAILED, error, 0, fmt, ap);
        va_end(ap);
        _exit(127);
}

#define CHECK(expr, ...)                                                                           \
        do {                                                                                       \
                if ((expr) < 0)                                                                    \
                        fail(errno, __VA_ARGS__);                                                  \
        } while (0)

/* ---- cloning the jail -------------------------------------------------------------------- */

/* clone3 with CLONE_INTO_CGROUP: the child starts in the cgroup at cgroup_fd, so no process of
 * the jail ever runs outside it. Like fork (no new stack). -1 with the kernel's errno: ENOSYS,
 * E2BIG or EINVAL before Linux 5.7, EACCES or EPERM from its permission check, ... */
static pid_t clone_into(unsigned long flags, int cgroup_fd)
{
        struct clone_args args = {
            .flags = (flags & ~(unsigned long)CSIGNAL) | CLONE_INTO_CGROUP,
            .exit_signal = flags & CSIGNAL,
            .cgroup = (uint64_t)cgroup_fd,
        };

        return (pid_t)syscall(SYS_clone3, &args, sizeof(args));
}

/* Born in the cgroup when we may, else where we are: *refused says why not (0: born there). */
static pid_t clone_in(unsigned long flags, int cgroup_fd, int *refused)
{
        *refused = 0;
        if (cgroup_fd >= 0) {
                pid_t pid = clone_into(flags, cgroup_fd);
                if (pid >= 0)
                        return pid;
                *refused = errno;
        }
        return (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, 0);
}

/* CLONE_INTO_CGROUP checks that the cloning credentials may write cgroup.procs of the target
 * and of the common ancestor of our cgroup and the target (as root: usually the hierarchy's
 * root). As root we clone with the slot's euid (below), which may write neither; handing the
 * job cgroup to the slot's uid would not cover the ancestor. So for that clone alone we raise
 * CAP_DAC_OVERRIDE in our effective set: it is still in our permitted one, as our real and
 * saved uids stay 0, and going back to euid 0 resets the effective set as before. The child
 * gains nothing by it: CLONE_NEWUSER gives it a fresh set of capabilities valid only in its
 * new user namespace (as every jail's init has), whose owner is still the slot's uid. Without
 * CLONE_NEWUSER we do not raise it, and the kernel's refusal sends the jail the old way. */
static void may_write_cgroups(unsigned long flags)
{
        cap_value_t dac = CAP_DAC_OVERRIDE;
        cap_t caps;

        if (!(flags & CLONE_NEWUSER) || !(caps = cap_get_proc()))
                return;
        if (cap_set_flag(caps, CAP_EFFECTIVE, 1, &dac, CAP_SET) == 0)
                (void)cap_set_proc(caps);
        cap_free(caps);
}

/* The kernel charges per-user counters (inotify instances, queued signals, mqueue bytes,
 * namespaces, processes) to the user inside a user namespace and also to the namespace's owner,
 * the euid that created it, in the namespace above. So root creates a jail's user namespace as
 * the jail's own slot uid, never as itself: what a sandbox holds then counts against that uid
 * alone, not against host root or the other sandboxes. A raw clone without a new stack behaves
 * like fork: fine, we are single-threaded. */
pid_t sbx_jail_clone(unsigned long flags, uid_t uid, gid_t gid, bool privileged, int cgroup_fd,
                     int *refused)
{
        pid_t pid = -1;

        *refused = 0;
        if (!privileged)
                return clone_in(flags, cgroup_fd, refused);
        if (setresgid(-1, gid, -1) == 0 && setresuid(-1, uid, -1) == 0) {
                if (cgroup_fd >= 0)
                        may_write_cgroups(flags);
                pid = clone_in(flags, cgroup_fd, refused);
        }
        if (pid == 0)
                return 0;
        int e = errno;
        /* Our real and saved ids are still root: the way back cannot fail, and we must not go
         * on without it. */
        if (setresuid(-1, 0, -1) < 0 || setresgid(-1, 0, -1) < 0)
                _exit(1);
        errno = e;
        return pid;
}

/* ---- file descriptors ------------------------------------------------------------------- */

/* Put the fds we keep at fixed numbers and close every other inherited fd, so nothing of the
 * supervisor (the job socket, the other pipe ends) leaks into the jail. */
enum { FD_STATUS = 3, FD_GO = 4, FD_WORKDIR = 5, FD_DEVICES = 6, FD_FIRST_FREE = 7 };

static void arrange_fds(const struct sbx_jail_config *c)
{
        int src[] = {c->stdin_fd, c->stdout_fd,  c->stderr_fd, c->status_fd,
                     c->go_fd,    c->workdir_fd, c->devices_fd};
        int high[ELEMENTSOF(src)];

        for (size_t i = 0; i < ELEMENTSOF(src); i++) {
                high[i] = src[i] < 0 ? -1 : fcntl(src[i], F_DUPFD_CLOEXEC, 100);
                if (src[i] >= 0 && high[i] < 0)
                        _exit(127);
        }
        for (size_t i = 0; i < ELEMENTSOF(src); i++)
                if (high[i] >= 0 && dup3(high[i], (int)i, i >= FD_STATUS ? O_CLOEXEC : 0) < 0)
                        _exit(127);
        status_fd = FD_STATUS;
        if (c->workdir_fd < 0)
                close(FD_WORKDIR);
        if (c->devices_fd < 0)
                close(FD_DEVICES);
        syscall(SYS_close_range, FD_FIRST_FREE, ~0U, 0);
}

/* ---- identity and capabilities ---------------------------------------------------------- */

/* The supervisor has written our uid/gid maps when "go" arrives. Become the sandbox user while
 * keeping our capabilities in the new user namespace: files we create on the jail's tmpfs must
 * belong to a mapped id (an unmapped fsuid gets EOVERFLOW). */
static void become_sandbox_user(void)
{
        cap_t caps;

        CHECK(prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
        CHECK(setresgid(SBX_JAIL_UID, SBX_JAIL_UID, SBX_JAIL_UID), "setresgid");
        CHECK(setresuid(SBX_JAIL_UID, SBX_JAIL_UID, SBX_JAIL_UID), "setresuid");
        caps = cap_get_proc();
        if (!caps || cap_fill(caps, CAP_EFFECTIVE, CAP_PERMITTED) < 0 || cap_set_proc(caps) < 0)
                fail(errno, "raising capabilities in the user namespace");
        cap_free(caps);
}

/* The per-user limits the kernel keeps in each user namespace (/proc/sys/user), set low in the
 * jail's own: a sandbox needs no namespace (seccomp refuses them too; the jail's cgroup
 * namespace is already made) and few inotify instances. What it holds counts against its own
 * uid here and, up the chain of owners, against the slot's uid on the host (supervisor.c:
 * clone_owned_by). dir is /proc/sys/user, opened while the host's /proc was still in reach. */
static void limit_user_namespace(int dir)
{
        static const char *const limits[][2] = {
            {"max_user_namespaces", "0"},    {"max_pid_namespaces", "0"},
            {"max_net_namespaces", "0"},     {"max_mnt_namespaces", "0"},
            {"max_uts_namespaces", "0"},     {"max_ipc_namespaces", "0"},
            {"max_cgroup_namespaces", "0"},  {"max_time_namespaces", "0"},
            {"max_inotify_instances", "16"}, {"max_inotify_watches", "8192"},
            {"max_fanotify_groups", "0"},    {"max_fanotify_marks", "0"},
        };

        for (size_t i = 0; i < ELEMENTSOF(limits); i++) {
                int r = sbx_write_string_at(dir, limits[i][0], limits[i][1]);
                if (r < 0 && r != -ENOENT) /* older kernels lack some */
                        fail(-r, "setting /proc/sys/user/%s", limits[i][0]);
        }
        close(dir);
}

static void drop_all_capabilities(void)
{
        cap_t none = cap_init();

        for (cap_value_t cap = 0; cap <= CAP_LAST_CAP || CAP_IS_SUPPORTED(cap); cap++)
                if (cap_drop_bound(cap) < 0 && errno != EINVAL)
                        fail(errno, "dropping capability %d from the bounding set", (int)cap);
        /* One prctl: libcap's cap_reset_ambient first asks for each capability in turn. EINVAL:
         * a kernel without ambient capabilities (before 4.3). */
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
                fail(errno, "clearing the ambient capabilities");
        if (!none || cap_set_proc(none) < 0)
                fail(errno, "clearing capabilities");
        cap_free(none);
        CHECK(prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
}

/* ---- the file system -------------------------------------------------------------------- */

static void make_readonly(const char *path)
{
        struct mount_attr attr = {.attr_set =
                                      MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};

        CHECK(
            mount_setattr(AT_FDCWD, path, AT_RECURSIVE | AT_SYMLINK_NOFOLLOW, &attr, sizeof(attr)),
            "making %s read-only", path);
}

/* Bind src at path (absolute, in the new root), read-only if asked. A missing src is skipped
 * (toolchains differ between hosts); a symlink is copied. */
static void bind_at(const char *src, const char *path, bool readonly)
{
        struct stat st;

        if (lstat(src, &st) < 0)
                return;
        if (S_ISLNK(st.st_mode)) {
                char target[PATH_MAX];
                ssize_t n = readlink(src, target, sizeof(target) - 1);
                CHECK(n, "readlink %s", path);
                target[n] = '\0';
                CHECK(symlink(target, path), "symlink %s", path);
                return;
        }
        if (S_ISDIR(st.st_mode)) {
                CHECK(mkdir(path, 0755), "mkdir %s", path);
        } else {
                int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
                CHECK(fd, "creating mount point %s", path);
                close(fd);
        }
        CHECK(mount(src, path, NULL, MS_BIND | MS_REC, NULL), "bind-mounting %s", path);
        if (readonly)
                make_readonly(path);
}

/* Mount a read-only overlay of the host's directory src at target. Its inodes are its own, not
 * the host's: a lock the sandbox takes on a file there (flock, fcntl) is invisible to the
 * host's processes, which lock the real inode. Mounted in the jail's user namespace, it checks
 * access as the sandbox's user as well. False where overlayfs cannot stack on src. */
static bool overlay_host(const char *src, const char *target)
{
        char opts[PATH_MAX + 32];

        if (strpbrk(src, ":,\\")) /* separators in overlayfs's options */
                return false;
        snprintf(opts, sizeof(opts), "lowerdir=%s:" EMPTY_LAYER, src);
        return mount("overlay", target, "overlay", MS_RDONLY | MS_NOSUID | MS_NODEV, opts) == 0;
}

/* Copy the host's small regular file src to path: a copy is the jail's own inode, and cheaper
 * than a bind. False (nothing created) when src is no such file. */
static bool copy_small_file(const char *src, const char *path)
{
        _cleanup_close_ int in = open(src, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        struct stat st;

        if (in < 0 || fstat(in, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > COPY_MAX)
                return false;
        _cleanup_close_ int out =
            open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 0755);
        CHECK(out, "creating %s", path);
        for (off_t done = 0; done < st.st_size;) {
                ssize_t n = sendfile(out, in, &done, (size_t)(st.st_size - done));
                CHECK(n, "copying %s", path);
                if (n == 0)
                        break; /* it shrank meanwhile */
        }
        return true;
}

/* The host's path (absolute: /usr, /etc/ssl, ...) at the same place in the jail, read-only and
 * with inodes of the jail's own, so that a lock the sandbox takes there reaches no host
 * process: a directory through an overlay (bound where overlayfs cannot be had), a small file
 * copied, anything else (a symlink is copied) bound. A missing path is skipped. */
static void show_host(const char *path)
{
        char src[PATH_MAX];
        struct stat st;

        snprintf(src, sizeof(src), OLDROOT "%s", path);
        if (lstat(src, &st) < 0)
                return;
        if (S_ISDIR(st.st_mode)) {
                CHECK(mkdir(path, 0755), "mkdir %s", path);
                if (overlay_host(src, path))
                        return;
                CHECK(mount(src, path, NULL, MS_BIND | MS_REC, NULL), "bind-mounting %s", path);
                make_readonly(path);
        } else if (!S_ISREG(st.st_mode) || !copy_small_file(src, path)) {
                bind_at(src, path, true);
        }
}

static void write_file(const char *path, const char *content)
{
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);

        CHECK(fd, "creating %s", path);
        CHECK(sbx_write_all(fd, content, strlen(content)), "writing %s", path);
        close(fd);
}

/* What toolchains need from the host's /etc (read-only; missing ones are skipped); identity files
 * are generated instead. R, Mono, PHP and Racket read their installation's configuration there:
 * without /etc/racket, Racket finds none of its compiled libraries and recompiles them (25 s). */
static const char *const etc_entries[] = {
    "/etc/alternatives", "/etc/ld.so.cache",   "/etc/ld.so.conf", "/etc/ld.so.conf.d",
    "/etc/localtime",    "/etc/nsswitch.conf", "/etc/ssl",        "/etc/ca-certificates",
    "/etc/mime.types",   "/etc/protocols",     "/etc/services",   "/etc/perl",
    "/etc/python3",      "/etc/python3.11",    "/etc/gai.conf",   "/etc/R",
    "/etc/mono",         "/etc/php",           "/etc/racket",
};

static void populate_etc(void)
{
        glob_t g;

        CHECK(mkdir("/etc", 0755), "mkdir /etc");
        for (size_t i = 0; i < ELEMENTSOF(etc_entries); i++)
                show_host(etc_entries[i]);
        if (glob(OLDROOT "/etc/java-*", 0, NULL, &g) == 0) {
                for (size_t i = 0; i < g.gl_pathc; i++)
                        show_host(g.gl_pathv[i] + strlen(OLDROOT));
                globfree(&g);
        }
        write_file("/etc/passwd", "root:x:0:0:root:/root:/usr/sbin/nologin\n"
                                  "sandbox:x:1000:1000:sandbox:/sandbox:/bin/sh\n"
                                  "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/"
                                  "nologin\n");
        write_file("/etc/group", "root:x:0:\nsandbox:x:1000:\nnogroup:x:65534:\n");
        write_file("/etc/hostname", SBX_JAIL_HOSTNAME "\n");
        write_file("/etc/hosts", "127.0.0.1\tlocalhost\n127.0.1.1\t" SBX_JAIL_HOSTNAME
                                 "\n::1\tlocalhost ip6-localhost ip6-loopback\n");
}

const char *const sbx_jail_devices[] = {"null", "zero", "full", "random", "urandom"};
const size_t sbx_n_jail_devices = ELEMENTSOF(sbx_jail_devices);
const char *const sbx_jail_dev_links[][2] = {{"fd", "/proc/self/fd"},
                                             {"stdin", "/proc/self/fd/0"},
                                             {"stdout", "/proc/self/fd/1"},
                                             {"stderr", "/proc/self/fd/2"}};
const size_t sbx_n_jail_dev_links = ELEMENTSOF(sbx_jail_dev_links);

/* A minimal /dev, read-only (its nodes and /dev/shm, mounted over it later, keep their modes).
 * As root the supervisor made it whole (FD_DEVICES: storage.h), with device nodes of the jail's
 * own, whose inodes no host process uses, so that a lock on /dev/null stays in the jail: one
 * mount, attached as it is. Without root, which cannot make device nodes, a tmpfs of ours with
 * the host's bound in it. */
static void populate_dev(bool private_nodes)
{
        char path[64], src[64];

        CHECK(mkdir("/dev", 0755), "mkdir /dev");
        if (private_nodes) {
                CHECK(move_mount(FD_DEVICES, "", AT_FDCWD, "/dev", MOVE_MOUNT_F_EMPTY_PATH),
                      "mounting /dev");
                close(FD_DEVICES);
                return;
        }
        CHECK(mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755"),
              "mounting /dev");
        for (size_t i = 0; i < sbx_n_jail_devices; i++) {
                snprintf(path, sizeof(path), "/dev/%s", sbx_jail_devices[i]);
                snprintf(src, sizeof(src), OLDROOT "/dev/%s", sbx_jail_devices[i]);
                bind_at(src, path, false);
        }
        for (size_t i = 0; i < sbx_n_jail_dev_links; i++) {
                snprintf(path, sizeof(path), "/dev/%s", sbx_jail_dev_links[i][0]);
                CHECK(symlink(sbx_jail_dev_links[i][1], path), "symlink %s", path);
        }
        CHECK(mkdir("/dev/shm", 01777), "mkdir /dev/shm");
        CHECK(mount(NULL, "/dev", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
                    NULL),
              "making /dev read-only");
}

/* Create the parents of path inside the jail (we already are inside: symlinks resolve within
 * the jail's view, so a planted link can lead nowhere writable outside the sandbox). */
static void make_parents(char *path)
{
        for (char *p = path + 1; (p = strchr(p, '/')); p++) {
                *p = '\0';
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        fail(errno, "creating directory %s", path);
                *p = '/';
        }
}

/* A mount point for each writable directory the base root lacks (a policy's own: the built-in
 * ones are there already): made in the jail's own root tmpfs, before it goes read-only. The loader
 * keeps them out of the host's directories shown here (/usr, /etc, ...), so no mkdir lands there.
 */
static void make_mount_points(const char *const *dirs)
{
        char path[PATH_MAX];

        for (size_t i = 0; dirs[i]; i++) {
                snprintf(path, sizeof(path), "%s", dirs[i]);
                make_parents(path);
                if (mkdir(path, 0755) < 0 && errno != EEXIST)
                        fail(errno, "creating the mount point %s", path);
        }
}

/* The writable places: the sandbox's writable directories (sbx_writable_dirs_of the policy) and
 * /dev/shm are directories of one tmpfs capped in bytes and inodes by the policy's tmpfs size.
 * A job in a work dir of the launcher's (a stateful sandbox, a compiled language's steps; see
 * storage.h) gets that tmpfs as a detached mount on FD_WORKDIR, capped the same way and kept
 * between its jobs; any other job, a fresh one.
 *
 * The tmpfs is mounted on /dev/shm, each directory bound from there to its place, and its own
 * "shm" directory last over /dev/shm itself, which covers the rest of it for good. Mounting it
 * elsewhere and detaching it would cost the job an RCU grace period (unmounting waits for one:
 * a few ms here), and no writable directory can be under /dev (policies/writable.c). */
#define WRITABLE_TOP "/dev/shm"

static void mount_writable(const struct sbx_policy *p, bool have_workdir)
{
        const struct sbx_limits *l = &p->limits;
        struct mount_attr attr = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV};
        const char *dirs[SBX_WRITABLE_DIRS_MAX + 1];
        struct sbx_error *err = NULL;
        char opts[128], path[PATH_MAX];
        size_t n = sbx_writable_dirs_of(p, dirs);

        make_mount_points(dirs);
        if (have_workdir) {
                CHECK(move_mount(FD_WORKDIR, "", AT_FDCWD, WRITABLE_TOP, MOVE_MOUNT_F_EMPTY_PATH),
                      "mounting the work dir");
                CHECK(mount_setattr(AT_FDCWD, WRITABLE_TOP, 0, &attr, sizeof(attr)),
                      "making the work dir nosuid,nodev");
                close(FD_WORKDIR);
        } else {
                snprintf(opts, sizeof(opts), "size=%llu,nr_inodes=%llu,mode=0755,uid=%d,gid=%d",
                         (unsigned long long)l->tmpfs_bytes,
                         (unsigned long long)(l->tmpfs_bytes / SBX_TMPFS_BYTES_PER_INODE),
                         SBX_JAIL_UID, SBX_JAIL_UID);
                CHECK(mount("tmpfs", WRITABLE_TOP, "tmpfs", MS_NOSUID | MS_NODEV, opts),
                      "mounting the writable tmpfs");
        }
        int top = open(WRITABLE_TOP, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        CHECK(top, "opening the writable tmpfs");
        if (sbx_writable_layout(top, p, (uid_t)-1, &err) < 0)
                fail(err->code, "%s", err->message);
        close(top);
        /* In order: a policy's /home goes over the built-in /home/sandbox, which it holds. */
        for (size_t i = 0; i < n; i++) {
                snprintf(path, sizeof(path), WRITABLE_TOP "%s", dirs[i]);
                CHECK(mount(path, dirs[i], NULL, MS_BIND, NULL), "mounting %s", dirs[i]);
        }
        CHECK(mount(WRITABLE_TOP "/shm", WRITABLE_TOP, NULL, MS_BIND, NULL), "mounting /dev/shm");
}

/* Everything of the root that does not depend on the job: a prepared jail builds it while it
 * waits for one (see supervisor.c: prepare), off the job's path. The host's tree is detached
 * at the end: nothing later needs it. */
static void build_base_root(const struct sbx_jail_config *c)
{
        static const char *const top[] = {"/usr",   "/bin",   "/sbin",  "/lib",
                                          "/lib32", "/lib64", "/libx32"};

        CHECK(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), "making mounts private");
        CHECK(mount("tmpfs", NEWROOT, "tmpfs", MS_NOSUID | MS_NODEV,
                    "size=" NEWROOT_BYTES ",mode=0755"),
              "mounting the new root");
        CHECK(mkdir(NEWROOT OLDROOT, 0700), "mkdir " OLDROOT);
        CHECK(syscall(SYS_pivot_root, NEWROOT, NEWROOT OLDROOT), "pivot_root");
        CHECK(chdir("/"), "chdir /");

        CHECK(mkdir(EMPTY_LAYER, 0555), "mkdir " EMPTY_LAYER);
        for (size_t i = 0; i < ELEMENTSOF(top); i++)
                show_host(top[i]);
        populate_etc();
        CHECK(rmdir(EMPTY_LAYER), "rmdir " EMPTY_LAYER);
        populate_dev(c->devices_fd >= 0);
        for (size_t i = 0; sbx_writable_dirs[i]; i++) {
                char dir[PATH_MAX];
                snprintf(dir, sizeof(dir), "%s", sbx_writable_dirs[i]);
                make_parents(dir);
                CHECK(mkdir(dir, 0755), "mkdir %s", dir);
        }
        CHECK(mkdir("/proc", 0555), "mkdir /proc");
        CHECK(mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY,
                    "hidepid=invisible,subset=pid"),
              "mounting /proc");
        CHECK(umount2(OLDROOT, MNT_DETACH), "detaching the host's tree");
        CHECK(rmdir(OLDROOT), "rmdir " OLDROOT);
        CHECK(sethostname(SBX_JAIL_HOSTNAME, strlen(SBX_JAIL_HOSTNAME)), "sethostname");
        CHECK(setdomainname("", 0), "setdomainname");
}

/* The rest, once the job is known: its writable places, then the root goes read-only. */
static void finish_root(const struct sbx_jail_config *c, const struct sbx_policy *p)
{
        mount_writable(p, c->workdir_fd >= 0);
        CHECK(mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL),
              "making the root read-only");
}

/* ---- the job's files -------------------------------------------------------------------- */

static void place_files(const struct sbx_spec *spec)
{
        for (size_t i = 0; i < spec->n_files; i++) {
                const struct sbx_file *f = &spec->files[i];
                char path[PATH_MAX];

                if (f->path[0] == '/')
                        snprintf(path, sizeof(path), "%s", f->path);
                else
                        snprintf(path, sizeof(path), SBX_JAIL_WORKDIR "/%s", f->path);
                make_parents(path);
                int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                              f->mode ? f->mode & 07777 : 0644);
                CHECK(fd, "creating %s", f->path);
                CHECK(sbx_write_all(fd, f->data, f->size), "writing %s", f->path);
                CHECK(fchmod(fd, f->mode ? f->mode & 07777 : 0644), "chmod %s", f->path);
                close(fd);
        }
}

/* ---- the payload ------------------------------------------------------------------------ */

static void set_limit(int resource, uint64_t value, const char *name)
{
        struct rlimit cur, want;

        /* Without CAP_SYS_RESOURCE a hard limit can only go down: never ask for more. */
        CHECK(getrlimit(resource, &cur), "getrlimit %s", name);
        want.rlim_max = value < cur.rlim_max ? value : cur.rlim_max;
        want.rlim_cur = want.rlim_max;
        CHECK(setrlimit(resource, &want), "setrlimit %s", name);
}

static void apply_rlimits(const struct sbx_jail_config *c, const struct sbx_policy *p)
{
        const struct sbx_limits *l = &p->limits;

        /* The limits with an rlimit in the policy table. CPU time is enforced from outside on
         * the whole tree; its per-process limit is a backstop a second above it. */
        for (size_t i = 0; i < sbx_n_limit_fields; i++) {
                const struct sbx_field *f = &sbx_limit_fields[i];
                if (f->rlimit.name)
                        set_limit(f->rlimit.resource,
                                  sbx_field_rlimit_value(f, sbx_field_get(f, p)), f->rlimit.label);
        }
        set_limit(RLIMIT_CORE, 0, "RLIMIT_CORE");
        set_limit(RLIMIT_MEMLOCK, 0, "RLIMIT_MEMLOCK");
        /* Counted per user (see limit_user_namespace): a few for the sandbox, the rest stay
         * with everyone else of the same uid. */
        set_limit(RLIMIT_SIGPENDING, SIGPENDING_MAX, "RLIMIT_SIGPENDING");
        set_limit(RLIMIT_MSGQUEUE, MSGQUEUE_MAX_BYTES, "RLIMIT_MSGQUEUE");
        /* Without cgroups, per process: the address space, since RLIMIT_DATA leaves shared
         * mappings (memfd, MAP_SHARED|MAP_ANONYMOUS) out; and the tasks of our uid in this user
         * namespace, which the jail owns alone (Linux 5.14+), so a fork or thread bomb stops. */
        if (c->rlimit_memory)
                set_limit(RLIMIT_AS, l->memory_bytes, "RLIMIT_AS");
        if (c->rlimit_nproc)
                set_limit(RLIMIT_NPROC, l->pids, "RLIMIT_NPROC");
}

/* The payload's last steps before its program: its session, limits, work dir, and the filter.
 * After this, it may not do anything a payload could not. */
static void confine_payload(const struct sbx_jail_config *c, const struct sbx_spec *spec)
{
        char cwd[sizeof(SBX_JAIL_WORKDIR) + 1];
        sigset_t none;

        sigemptyset(&none);
        CHECK(sigprocmask(SIG_SETMASK, &none, NULL), "sigprocmask"); /* init blocks SIGCHLD */
        CHECK(setsid(), "setsid");
        CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");
        apply_rlimits(c, spec->policy);
        /* CVE-2024-21626: make sure the cwd is the jail's work dir, not an inherited handle. */
        CHECK(chdir(SBX_JAIL_WORKDIR), "chdir " SBX_JAIL_WORKDIR);
        if (!getcwd(cwd, sizeof(cwd)) || strcmp(cwd, SBX_JAIL_WORKDIR) != 0)
                fail(EPERM, "working directory is not " SBX_JAIL_WORKDIR);
        CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)");
        int r = sbx_seccomp_load(c->seccomp);
        if (r < 0)
                fail(-r, "loading the seccomp filter");
}

_Noreturn void sbx_jail_exec(const struct sbx_spec *spec)
{
        const char *const *argv = spec->argv;

        environ = (char **)spec->env;
        execvp(argv[0], (char *const *)argv);

        int e = errno;
        struct sbx_jail_record rec = {.kind = SBX_JAIL_EXEC_FAILED, .error = e};
        snprintf(rec.message, sizeof(rec.message), "cannot execute %s: %s", argv[0], strerror(e));
        (void)!write(FD_STATUS, &rec, sizeof(rec));
        _exit(e == ENOENT ? 127 : 126);
}

/* Wait for a child to change state, or for the supervisor to go: the status pipe then has no
 * reader. A jail the zygote forked has the zygote as its parent, so its parent-death signal does
 * not cover the supervisor's death: this does, the same way for every jail. SIGCHLD is blocked
 * (before the payload was forked) and read from sigfd. */
static pid_t wait_child(int sigfd, int *status)
{
        for (;;) {
                pid_t p = waitpid(-1, status, __WALL | WNOHANG);
                if (p != 0)
                        return p;
                struct pollfd fds[] = {{.fd = sigfd, .events = POLLIN}, {.fd = FD_STATUS}};
                if (poll(fds, ELEMENTSOF(fds), -1) < 0 && errno != EINTR)
                        return -1;
                if (fds[1].revents & (POLLERR | POLLHUP))
                        _exit(0); /* nobody to report to: the kernel kills the namespace */
                struct signalfd_siginfo si;
                if (fds[0].revents && read(sigfd, &si, sizeof(si)) < 0 && errno != EAGAIN)
                        return -1;
        }
}

/* pid 1 of the jail: reap everything, report how the payload ended, then exit — which makes
 * the kernel kill whatever the payload left running in the namespace. */
static _Noreturn void run_init(pid_t payload, int sigfd)
{
        int status = 0;

        for (;;) {
                pid_t p = wait_child(sigfd, &status);
                if (p < 0 && errno == EINTR)
                        continue;
                if (p < 0)
                        fail(errno, "waitpid");
                if (p == payload)
                        break;
        }
        struct rusage ru;
        getrusage(RUSAGE_CHILDREN, &ru);
        /* Every process of the jail is a child of ours once its parent is gone: none left means
         * the job is over, and the supervisor need not wait for our exit (which tears down the
         * jail's namespaces) to answer. */
        siginfo_t more;
        bool alone =
            waitid(P_ALL, 0, &more, WEXITED | WNOHANG | WNOWAIT | __WALL) < 0 && errno == ECHILD;
        struct sbx_jail_record rec = {
            .kind = SBX_JAIL_EXITED,
            .status = status,
            .alone = alone,
            .cpu_usec = (uint64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000u +
                        (uint64_t)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec),
            .maxrss_bytes = (uint64_t)ru.ru_maxrss * 1024u,
        };
        (void)!write(FD_STATUS, &rec, sizeof(rec));
        _exit(0);
}

static void bring_up_loopback(void)
{
        struct ifreq ifr = {0};
        _cleanup_close_ int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

        CHECK(s, "socket for lo");
        snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
        CHECK(ioctl(s, SIOCGIFFLAGS, &ifr), "SIOCGIFFLAGS lo");
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        CHECK(ioctl(s, SIOCSIFFLAGS, &ifr), "bringing lo up");
}

/* The job's spec as it came: the init hands the payload the very bytes. */
static struct sbx_wbuf spec_bytes;

/* The job's spec, sent by the supervisor once we are in the job's cgroup. */
static const struct sbx_spec *receive_spec(int fd)
{
        static struct sbx_wire_spec ws;

        if (sbx_wire_recv(fd, &spec_bytes.data, &spec_bytes.len) < 0)
                _exit(127); /* the supervisor (or, for the payload, the init) gave up on us */
        if (sbx_wire_get_spec(spec_bytes.data, spec_bytes.len, &ws) < 0)
                fail(EBADMSG, "decoding the job");
        return &ws.spec;
}

static void expect(char want)
{
        char go;

        if (read(FD_GO, &go, 1) != 1 || go != want)
                _exit(127); /* the supervisor gave up on us */
}

/* The payload's end of the pipe its spec comes on (see sbx_jail_enter). */
static int payload_spec_fd = -1;

/* The init, once the payload is forked: the job's part of the root, the payload's spec once
 * "g" comes, then the init's life. */
static _Noreturn void finish_as_init(const struct sbx_jail_config *c, pid_t payload, int sigfd,
                                     int spec_fd, int user_ns_limits)
{
        const struct sbx_spec *spec = receive_spec(FD_GO);
        const struct sbx_policy *policy = spec->policy;

        finish_root(c, policy);
        if (policy->network == SBX_NETWORK_LOOPBACK)
                bring_up_loopback();
        place_files(spec);
        expect('g');
        close(FD_GO);
        limit_user_namespace(user_ns_limits);
        drop_all_capabilities();
        if (sbx_wire_send(spec_fd, &spec_bytes) < 0)
                fail(EPIPE, "handing the payload its job");
        close(spec_fd);
        /* init keeps only the status pipe */
        for (int fd = 0; fd < 3; fd++)
                close(fd);
        run_init(payload, sigfd);
}

/* The supervisor may clone us before it has a job (see supervisor.c: prepare): "m" comes once
 * our id maps are written, and we build what does not depend on the job; "a" once we are in the
 * job's cgroup, and we fork the payload, which waits for its job there (a warm one makes its
 * copy of the interpreter ready meanwhile: zygote.py); the spec comes with the job, then "g". */
void sbx_jail_enter(const struct sbx_jail_config *c)
{
        sigset_t chld;
        int spec_pipe[2];

        arrange_fds(c);
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        expect('m');
        /* Nobody inside may read this process's memory or attach to it. Not earlier: an
         * unprivileged supervisor could then not open our /proc files to write the maps. */
        CHECK(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0), "prctl(PR_SET_DUMPABLE)");

        become_sandbox_user();
        /* A change of ids may have cleared it. */
        CHECK(prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0), "prctl(PR_SET_PDEATHSIG)");
        int user_ns_limits = open("/proc/sys/user", O_PATH | O_DIRECTORY | O_CLOEXEC);
        CHECK(user_ns_limits, "opening /proc/sys/user");
        build_base_root(c);

        expect('a');
        CHECK(unshare(CLONE_NEWCGROUP), "unshare(CLONE_NEWCGROUP)");
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        CHECK(sigprocmask(SIG_BLOCK, &chld, NULL), "sigprocmask");
        int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
        CHECK(sigfd, "signalfd");
        CHECK(pipe2(spec_pipe, O_CLOEXEC), "pipe");
        pid_t payload = fork();
        CHECK(payload, "fork");
        if (payload != 0) {
                close(spec_pipe[0]);
                finish_as_init(c, payload, sigfd, spec_pipe[1], user_ns_limits);
        }
        /* The go pipe, the work dir and the user namespace's limits are the init's alone. */
        close(FD_GO);
        if (c->workdir_fd >= 0)
                close(FD_WORKDIR);
        close(user_ns_limits);
        close(sigfd);
        close(spec_pipe[1]);
        payload_spec_fd = spec_pipe[0];
}

const struct sbx_spec *sbx_jail_payload(const struct sbx_jail_config *c)
{
        const struct sbx_spec *spec = receive_spec(payload_spec_fd);

        close(payload_spec_fd);
        if (c->job_arrived)
                c->job_arrived(spec);
        drop_all_capabilities();
        confine_payload(c, spec);
        return spec;
}

_Noreturn void sbx_jail_child(const struct sbx_jail_config *c)
{
        sbx_jail_enter(c);
        sbx_jail_exec(sbx_jail_payload(c));
}
