/* The native backend: a single-threaded launcher (a fork server started before any thread)
 * forks the supervisors; the caller talks to its job's supervisor over a private socket.
 *
 *   caller thread --SCM_RIGHTS--> launcher --SCM_RIGHTS--> ready supervisor --clone--> jail
 *        \______________ job socket: spec -> , <- result ______________/
 *
 * The launcher keeps one supervisor ready: it has prepared a jail for the next job (see
 * supervisor.c: prepare) and takes the job socket as soon as one comes; the launcher then
 * starts the next. Closing the job socket cancels the job; if the caller process dies, the
 * launcher sees EOF on its control socket and exits, and each supervisor sees EOF on its own
 * socket. */
#include "native.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "install_dirs.h"
#include "jail.h"
#include "slots.h"
#include "storage.h"
#include "supervisor.h"
#include "util.h"
#include "wire.h"

extern char **environ;

/* The launcher protocol's version (launch requests, the ready message, the wire formats, the
 * layout of a work dir: sbx_writable_layout): bump it with any change to them, so that a
 * launcher binary from another build is refused. */
#define SBX_LAUNCHER_BUILD 6u

struct sbx_backend {
        struct sbx_native_env env; /* the launcher's copy also has cgroups, seccomp, owner and
                                    * storage; ours has the launcher's limits */
        int ctrl_fd;
        pid_t launcher;
        char *cgroups; /* how the launcher uses cgroups, for --verbose */
};

/* A work dir in the launcher's storage (storage.h), for a stateful sandbox or the steps of a
 * compiled language. */
struct sbx_box {
        int dir_fd; /* its top directory, for the host's file operations */
        int slot_fd;
        uid_t uid;
        uint64_t id;
};

/* ---- host state --------------------------------------------------------------------------- */

/* The state dir holds owners/ and boxes/ (the work dirs' mount point, storage.h); as root, the
 * slot locks live apart (runtime/slots.h). */
static int open_state_dir(struct sbx_native_env *env, struct sbx_error **err)
{
        int r = sbx_state_dir_open(&env->state_dir, err);

        if (r == 0)
                r = sbx_state_subdir(env->state_dir, "boxes", 0700, err);
        if (r == 0 && env->privileged)
                r = sbx_slot_dir(env->state_dir, &env->slot_dir, err);
        return r;
}

/* The job cgroups that dead instances of our scope (same state dir, same cgroup parent) left
 * behind. Their work dirs went with their launchers' mount namespaces: nothing of them is on the
 * host. Cheap when none is dead: one readdir of owners/. */
static void reap_leftovers(const struct sbx_native_env *env, const char *scope)
{
        struct sbx_owners *dead = NULL;

        if (sbx_owners_find_dead(env->state_dir, "native", scope, &dead, NULL) < 0)
                return;
        if (sbx_owners_count(dead))
                (void)sbx_cgroup_reap(env->cgroups, dead, NULL);
        sbx_owners_release(dead);
}

/* Since Linux 5.14 RLIMIT_NPROC counts a uid's tasks per user namespace: in a jail's, the
 * jail's alone. Before, it counted every task of the host uid: unprivileged, all of ours. */
static bool nproc_per_userns(void)
{
        struct utsname u;
        unsigned major = 0, minor = 0;

        return uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
               (major > 5 || (major == 5 && minor >= 14));
}

void sbx_native_limits(const struct sbx_cgroup_host *h, bool privileged,
                       struct sbx_native_limits *out)
{
        const uint32_t tree = (1u << SBX_LIMIT_CPU) | (1u << SBX_LIMIT_CPUS) |
                              (1u << SBX_LIMIT_MEMORY) | (1u << SBX_LIMIT_PIDS);

        *out = (struct sbx_native_limits){.enforced = SBX_LIMITS_ALL};
        if (sbx_cgroup_host_mode(h) != SBX_CGROUP_NONE) {
                /* cpu (bandwidth) is optional: v1 without it, v2 where it cannot be enabled. */
                if (!sbx_cgroup_host_parent(h, "cpu")) {
                        out->enforced &= ~(1u << SBX_LIMIT_CPUS);
                        snprintf(out->why, sizeof(out->why),
                                 "CPU bandwidth needs the cpu controller; cgroups %s",
                                 sbx_cgroup_host_describe(h));
                }
                return;
        }
        out->rlimit_memory = true;
        out->rlimit_nproc = privileged || nproc_per_userns();
        out->enforced &= ~tree;
        if (out->rlimit_nproc)
                out->enforced |= 1u << SBX_LIMIT_PIDS;
        snprintf(out->why, sizeof(out->why),
                 "without a usable cgroup, memory is capped per process (RLIMIT_AS), CPU time per "
                 "process (RLIMIT_CPU), %s, CPU bandwidth not at all; cgroups %s",
                 out->rlimit_nproc ? "processes by RLIMIT_NPROC"
                                   : "processes not at all (before Linux 5.14 RLIMIT_NPROC counts "
                                     "all of the user's processes)",
                 sbx_cgroup_host_describe(h));
}

static int count_threads(void)
{
        DIR *d = opendir("/proc/self/task");
        int n = 0;

        if (!d)
                return -1;
        for (struct dirent *de; (de = readdir(d));)
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

/* ---- the launcher ------------------------------------------------------------------------- */

/* The launcher's first message: whether it could prepare cgroups and seccomp. */
struct launcher_ready {
        uint32_t build; /* SBX_LAUNCHER_BUILD: a launcher binary from another build is refused */
        int32_t error;  /* errno, 0 when ready */
        char message[512];
        char cgroups[512]; /* sbx_cgroup_host_describe() */
        struct sbx_native_limits limits;
};

/* ---- a delegated cgroup from the user's systemd ------------------------------------------ */

#define SCOPE_WAIT_MS 20000 /* systemd-run starts in milliseconds; a TCG VM takes seconds */
#define SCOPE_XDG_ENV "SANDBOXRT_SCOPE_SET_XDG"

/* The child: become `systemd-run --user --scope -p Delegate=yes -- sandboxrt __launcher PID
 * scoped`, which writes a byte to fd 4 once it runs there. */
static _Noreturn void exec_in_scope(const char *launcher, int started, int errfd)
{
        char parent[16];
        char *argv[] = {(char *)"systemd-run",
                        (char *)"--user",
                        (char *)"--scope",
                        (char *)"--quiet",
                        (char *)"--collect",
                        (char *)"-p",
                        (char *)"Delegate=yes",
                        (char *)"--",
                        (char *)launcher,
                        (char *)"__launcher",
                        parent,
                        (char *)"scoped",
                        NULL};

        snprintf(parent, sizeof(parent), "%d", (int)getppid());
        if ((started == 4 ? fcntl(4, F_SETFD, 0) : dup2(started, 4)) < 0 || dup2(errfd, 2) < 0 ||
            fcntl(3, F_SETFD, 0) < 0)
                _exit(127);
        /* systemd-run finds the manager through $XDG_RUNTIME_DIR, which su and cron lack. */
        if (!getenv("XDG_RUNTIME_DIR")) {
                char dir[64];
                snprintf(dir, sizeof(dir), "/run/user/%u", (unsigned)geteuid());
                if (setenv("XDG_RUNTIME_DIR", dir, 1) < 0 || setenv(SCOPE_XDG_ENV, "1", 1) < 0)
                        _exit(127);
        }
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run systemd-run: %s\n", strerror(errno));
        _exit(127);
}

/* Why the child never ran the launcher: the first line systemd-run printed, or its status. */
static void scope_failure(int errfd, int status, char *why, size_t size)
{
        char buf[256];
        ssize_t n = read(errfd, buf, sizeof(buf) - 1);

        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        if (*buf)
                snprintf(why, size, "%s", buf);
        else if (WIFEXITED(status))
                snprintf(why, size, "systemd-run exited with status %d", WEXITSTATUS(status));
        else
                snprintf(why, size, "systemd-run did not start within %d s", SCOPE_WAIT_MS / 1000);
}

/* Unprivileged on cgroup v2 with no delegated cgroup in reach, but with a systemd user manager:
 * ask it for one. A child becomes the launcher in a new transient scope with Delegate=yes
 * (systemd-run asks the system manager to move it there when the user manager may not), and
 * we only relay its exit status: our pid stays the launcher's for the runtime, and the child
 * dies with us (parent-death signal). When no scope can be had, this returns and we stay the
 * launcher, without cgroups; ready->cgroups says why. */
static void relaunch_in_scope(struct launcher_ready *ready, const char *self_exe)
{
        char why[256] = "the launcher cannot be restarted there (it runs in a scope already, "
                        "or was forked by a program without the sandboxrt binary beside it)";
        int started[2] = {-1, -1}, errp[2] = {-1, -1}, status = 0;
        pid_t child = -1;
        char c;

        if (self_exe && pipe2(started, O_CLOEXEC) == 0 &&
            pipe2(errp, O_CLOEXEC | O_NONBLOCK) == 0 && (child = fork()) == 0)
                exec_in_scope(self_exe, started[1], errp[1]);
        sbx_closep(&started[1]);
        sbx_closep(&errp[1]);
        if (child > 0) {
                struct pollfd p = {.fd = started[0], .events = POLLIN};
                if (poll(&p, 1, SCOPE_WAIT_MS) == 1 && read(started[0], &c, 1) == 1) {
                        close(3); /* the child answers the runtime now */
                        while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                                ;
                        _exit(WIFEXITED(status) ? WEXITSTATUS(status) : 1);
                }
                kill(child, SIGKILL);
                while (waitpid(child, &status, 0) < 0 && errno == EINTR)
                        ;
                scope_failure(errp[0], status, why, sizeof(why));
        }
        sbx_closep(&started[0]);
        sbx_closep(&errp[0]);
        size_t len = strlen(ready->cgroups);
        snprintf(ready->cgroups + len, sizeof(ready->cgroups) - len, "; that failed: %s", why);
}

/* The launcher owns what every supervisor shares: it opens the cgroup hierarchy, holds the
 * owner record (its lock lives as long as the launcher or any supervisor), compiles the seccomp
 * filter and moves into the mount namespace of the work dirs itself, after closing every fd it
 * inherited from the runtime's process. */
static int launcher_prepare(struct sbx_native_env *env, struct sbx_storage *storage,
                            struct launcher_ready *ready, const char *self_exe)
{
        _cleanup_free_ char *boxes = sbx_strdup_printf("%s/boxes", env->state_dir);
        struct sbx_error *err = NULL;
        int r = boxes ? sbx_cgroup_host_open(&env->cgroups, &err) : -ENOMEM;
        const char *scope = r == 0 ? sbx_cgroup_host_parent(env->cgroups, "memory") : NULL;

        if (r == 0) {
                snprintf(ready->cgroups, sizeof(ready->cgroups), "%s",
                         sbx_cgroup_host_describe(env->cgroups));
                /* Before anything is ours (owner record, work dirs): the scope's launcher makes
                 * its own. Returns when we stay the launcher. */
                if (sbx_cgroup_host_scope_possible(env->cgroups))
                        relaunch_in_scope(ready, self_exe);
                sbx_native_limits(env->cgroups, env->privileged, &env->limits);
                ready->limits = env->limits;
                r = sbx_owner_new(env->state_dir, "native", scope ? scope : "none", &env->owner,
                                  &err);
        }
        if (r == 0) {
                sbx_cgroup_host_set_owner(env->cgroups, sbx_owner_token(env->owner));
                reap_leftovers(env, scope ? scope : "none");
                r = sbx_seccomp_compile(&env->seccomp, &err);
        }
        if (r == 0 && (r = sbx_storage_open(storage, boxes, &err)) == 0)
                env->storage = storage;
        if (r < 0) {
                ready->error = -r;
                snprintf(ready->message, sizeof(ready->message), "%s",
                         err && err->message ? err->message : strerror(-r));
        }
        sbx_error_free(err);
        return r;
}

/* Network namespaces for jobs without network. Creating one per job is cheap, but once jobs
 * follow each other the kernel tears the previous ones down under the rtnl lock that creation
 * needs too: ~20 ms a job. So the launcher (as root) keeps empty namespaces and lends each to
 * one supervisor at a time. Nothing of a payload outlives its processes there: lo stays down,
 * and the namespace belongs to the host's user namespace, where the payload has no
 * capability to configure anything. */
#define NETNS_POOL 256

struct netns_pool {
        int home_fd; /* the launcher's own namespace */
        int free[NETNS_POOL];
        size_t n_free;
        struct {
                pid_t supervisor;
                int fd;
        } lent[NETNS_POOL];
        size_t n_lent;
};

static int netns_lend(struct netns_pool *pool)
{
        if (pool->home_fd < 0 || pool->n_lent == NETNS_POOL)
                return -1;
        if (pool->n_free)
                return pool->free[--pool->n_free];
        if (unshare(CLONE_NEWNET) < 0)
                return -1;
        int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (setns(pool->home_fd, CLONE_NEWNET) < 0)
                _exit(1); /* never hand out supervisors from the wrong namespace */
        return fd;
}

/* The supervisors that will take the next jobs: each prepares a jail while it waits (see
 * supervisor.c), so a job finds one ready. As many stay ready as jobs are running (at least
 * one, at most READY_MAX), so that parallel callers (eval, serve) do not wait for one. */
#define READY_MAX 4

struct ready_supervisor {
        pid_t pid;
        int ctl_fd; /* the job is handed over here */
};

struct supervisors {
        struct ready_supervisor ready[READY_MAX]; /* oldest first */
        size_t n_ready;
        unsigned alive; /* forked and not reaped: ready ones and those running a job */
};

/* Supervisors are reaped here, before each job: their namespaces come back to the pool. */
static void collect_supervisors(struct netns_pool *pool, struct supervisors *sv)
{
        pid_t pid;

        while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
                sv->alive--;
                for (size_t i = 0; i < pool->n_lent; i++) {
                        if (pool->lent[i].supervisor != pid)
                                continue;
                        pool->free[pool->n_free++] = pool->lent[i].fd;
                        pool->lent[i] = pool->lent[--pool->n_lent];
                        break;
                }
        }
}

static struct ready_supervisor spawn_supervisor(struct sbx_native_env *env, struct netns_pool *pool,
                                                struct supervisors *sv)
{
        struct ready_supervisor next = {.pid = -1, .ctl_fd = -1};
        int pair[2];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return next;
        env->netns_fd = netns_lend(pool);
        pid_t pid = fork();
        if (pid == 0) {
                close(3);
                close(pair[0]);
                for (size_t i = 0; i < sv->n_ready; i++)
                        close(sv->ready[i].ctl_fd); /* so they see EOF if we die */
                prctl(PR_SET_NAME, "sbx-supervisor", 0, 0, 0);
                /* Jails copy our mount namespace: it must not hold the work dirs. */
                if (sbx_storage_leave(env->storage) < 0)
                        _exit(1);
                env->storage = NULL;
                sbx_supervise(env, pair[1]);
        }
        close(pair[1]);
        if (pid < 0) {
                close(pair[0]);
        } else {
                next = (struct ready_supervisor){.pid = pid, .ctl_fd = pair[0]};
                sv->alive++;
        }
        if (env->netns_fd < 0)
                return next;
        if (pid > 0) {
                pool->lent[pool->n_lent].supervisor = pid;
                pool->lent[pool->n_lent++].fd = env->netns_fd;
        } else {
                pool->free[pool->n_free++] = env->netns_fd;
        }
        return next;
}

static void refill(struct sbx_native_env *env, struct netns_pool *pool, struct supervisors *sv)
{
        unsigned busy = sv->alive - (unsigned)sv->n_ready;
        size_t target = busy < 1 ? 1 : busy < READY_MAX ? busy : READY_MAX;

        while (sv->n_ready < target) {
                struct ready_supervisor s = spawn_supervisor(env, pool, sv);
                if (s.pid < 0)
                        return;
                sv->ready[sv->n_ready++] = s;
        }
}

/* Give the job to the oldest ready supervisor (a fresh one if none is, or it died), with a copy
 * of its work dir if it has one, then get enough ready for the next jobs. */
static void launch(struct sbx_native_env *env, struct netns_pool *pool, struct supervisors *sv,
                   const struct sbx_launch_request *job, const int *fds)
{
        struct sbx_launch_request req = {.magic = SBX_LAUNCH_MAGIC,
                                         .kind = SBX_LAUNCH_JOB,
                                         .box_uid = job->box_uid,
                                         .in_box = job->in_box};
        _cleanup_close_ int copy = job->in_box && fds[1] >= 0 ? sbx_storage_clone(fds[1]) : -1;
        const int pass[] = {fds[0], copy};

        collect_supervisors(pool, sv);
        for (int attempt = 0; attempt < 2; attempt++) {
                struct ready_supervisor s;
                if (sv->n_ready) {
                        s = sv->ready[0];
                        memmove(sv->ready, sv->ready + 1, --sv->n_ready * sizeof(s));
                } else {
                        s = spawn_supervisor(env, pool, sv);
                }
                int r = s.pid > 0 ? sbx_wire_send_fds(s.ctl_fd, &req, sizeof(req), pass,
                                                      copy >= 0 ? 2 : 1)
                                  : -ESRCH;
                sbx_closep(&s.ctl_fd);
                if (r == 0)
                        break;
        }
        refill(env, pool, sv);
}

/* The answer to SBX_LAUNCH_BOX_CREATE (with the work dir's top directory attached) and to
 * SBX_LAUNCH_BOX_REMOVE. */
struct box_reply {
        int32_t error; /* errno, 0 when created */
        uint32_t pad;
        uint64_t id;
        char message[256];
};

static void create_box(struct sbx_native_env *env, const struct sbx_launch_request *req,
                       int reply_fd)
{
        struct box_reply reply = {0};
        struct sbx_error *err = NULL;
        /* Without root the work dir is ours, and we are ourselves in our user namespace. */
        uid_t uid = env->privileged ? (uid_t)req->box_uid : getuid();
        gid_t gid = env->privileged ? (gid_t)req->box_uid : getgid();
        _cleanup_close_ int root = -1;

        int r = sbx_storage_create(env->storage, req->bytes, uid, gid, &reply.id, &root, &err);
        if (r < 0) {
                reply.error = -r;
                snprintf(reply.message, sizeof(reply.message), "%s",
                         err && err->message ? err->message : strerror(-r));
        }
        (void)sbx_wire_send_fds(reply_fd, &reply, sizeof(reply), &root, root >= 0 ? 1 : 0);
        sbx_error_free(err);
}

static void remove_box(struct sbx_native_env *env, const struct sbx_launch_request *req,
                       int reply_fd)
{
        struct box_reply reply = {.id = req->box_id};
        int r = sbx_storage_remove(env->storage, req->box_id);

        if (r < 0) {
                reply.error = -r;
                snprintf(reply.message, sizeof(reply.message),
                         "unmounting a sandbox's work dir: %s (its memory stays until the "
                         "runtime exits)",
                         strerror(-r));
        }
        (void)sbx_wire_send_fds(reply_fd, &reply, sizeof(reply), NULL, 0);
}

static void serve_request(struct sbx_native_env *env, struct netns_pool *pool,
                          struct supervisors *sv, const struct sbx_launch_request *req,
                          const int *fds)
{
        if (req->kind == SBX_LAUNCH_JOB && fds[0] >= 0)
                launch(env, pool, sv, req, fds);
        else if (req->kind == SBX_LAUNCH_BOX_CREATE && fds[0] >= 0)
                create_box(env, req, fds[0]);
        else if (req->kind == SBX_LAUNCH_BOX_REMOVE && fds[0] >= 0)
                remove_box(env, req, fds[0]);
}

/* The kernel's fixed inode number for the initial pid namespace (PROC_PID_INIT_INO). */
#define PID_NS_INIT_INO 0xEFFFFFFCu

/* The runtime closed us. Every supervisor tears its jail and cgroup down once its job is done;
 * in the host's pid namespace they may finish after we exit. In any other (a container, a CI
 * job, `unshare --pid`) the namespace dies with its init, perhaps the runtime or its parent
 * right after us, killing them mid-cleanup: there we wait for them, and the runtime for us
 * (native_close). That costs a one-shot run some milliseconds, so only there. */
static _Noreturn void shut_down(struct supervisors *sv)
{
        struct stat st;

        if (stat("/proc/self/ns/pid", &st) == 0 && st.st_ino == PID_NS_INIT_INO)
                _exit(0);
        for (size_t i = 0; i < sv->n_ready; i++)
                sbx_closep(&sv->ready[i].ctl_fd); /* ready ones see EOF */
        while (wait(NULL) > 0 || errno == EINTR)
                ;
        _exit(0);
}

/* self_exe: our binary when it is the launcher binary (`sandboxrt __launcher`), which can
 * restart us in a systemd scope; NULL in a launcher forked by another program, or one that
 * runs in that scope already. */
static _Noreturn void launcher_main(struct sbx_native_env *env, int ctrl, pid_t parent,
                                    const char *self_exe)
{
        struct launcher_ready ready = {0};
        struct netns_pool pool = {.home_fd = -1};
        struct supervisors sv = {0};
        struct sbx_storage storage;

        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (getppid() != parent)
                _exit(0);
        prctl(PR_SET_NAME, "sbx-launcher", 0, 0, 0);
        if (ctrl != 3 && dup3(ctrl, 3, O_CLOEXEC) < 0)
                _exit(1);
        syscall(SYS_close_range, 4, ~0U, 0);
        int null = open("/dev/null", O_RDWR | O_CLOEXEC);
        for (int fd = 0; fd < 3 && null >= 0; fd++)
                dup2(null, fd);
        signal(SIGPIPE, SIG_IGN);
        if (env->privileged)
                pool.home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        ready.build = SBX_LAUNCHER_BUILD;
        int r = launcher_prepare(env, &storage, &ready, self_exe);
        if (send(3, &ready, sizeof(ready), MSG_NOSIGNAL) != sizeof(ready) || r < 0)
                _exit(1);
        refill(env, &pool, &sv);

        for (;;) {
                struct sbx_launch_request req;
                int fds[SBX_WIRE_MAX_FDS];

                int n = sbx_wire_recv_fds(3, &req, sizeof(req), fds);
                if (n == -EPIPE || n == -ECONNRESET)
                        shut_down(&sv); /* the runtime is gone */
                if (n == 0 && req.magic == SBX_LAUNCH_MAGIC)
                        serve_request(env, &pool, &sv, &req, fds);
                sbx_closep(&fds[0]);
                sbx_closep(&fds[1]);
        }
}

/* ---- the ops ------------------------------------------------------------------------------ */

static int native_probe(struct sbx_error **err)
{
        pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, 0);
        int status;

        if (pid < 0)
                return sbx_error_set(
                    err, errno,
                    "cannot create a user namespace (%m): enable them with "
                    "`sysctl kernel.unprivileged_userns_clone=1` and "
                    "`sysctl user.max_user_namespaces=10000`, or use --backend docker");
        if (pid == 0)
                _exit(0);
        waitpid(pid, &status, 0);
        return 0;
}

static void native_close(struct sbx_backend *be)
{
        if (!be)
                return;
        sbx_closep(&be->ctrl_fd); /* the launcher sees EOF and exits */
        if (be->launcher > 0)
                waitpid(be->launcher, NULL, 0);
        free(be->cgroups);
        free(be->env.state_dir);
        free(be->env.slot_dir);
        free(be);
}

/* The launcher and everything it forks copy its address space at every fork: a big process
 * (sandboxrt-full maps ~270 areas: libcurl, ICU, ...) makes each job's four forks and exits
 * cost milliseconds of CPU. So a big process spawns the light `sandboxrt` binary as its
 * launcher ("sandboxrt __launcher PID", control socket on fd 3): $SANDBOXRT_LAUNCHER, else the
 * installed one (PREFIX/bin/sandboxrt), or the build's when we run from the build tree. Without
 * it, the launcher is forked. */
#ifndef SBX_BUILD_LAUNCHER
#define SBX_BUILD_LAUNCHER NULL
#endif
static bool launcher_is_self;

void sbx_native_launcher_is_self(void)
{
        launcher_is_self = true;
}

static bool find_launcher(char *path, size_t size)
{
        /* The light binary forks its launcher when it runs from the build tree. */
        return sbx_find_helper("SANDBOXRT_LAUNCHER", SBX_INSTALL_BINDIR "/sandboxrt",
                               launcher_is_self ? NULL : SBX_BUILD_LAUNCHER, path, size);
}

static pid_t spawn_launcher(const char *path, int ctrl)
{
        char parent[16];
        char *argv[] = {(char *)"sandboxrt", (char *)"__launcher", parent, NULL};
        posix_spawn_file_actions_t fa;
        pid_t pid;

        snprintf(parent, sizeof(parent), "%d", (int)getpid());
        if (posix_spawn_file_actions_init(&fa) != 0)
                return -1;
        int r = posix_spawn_file_actions_adddup2(&fa, ctrl, 3);
        if (r == 0)
                r = posix_spawn(&pid, path, &fa, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        return r == 0 ? pid : -1;
}

/* Our own binary when it is the launcher binary (the light `sandboxrt`, whose main runs
 * `sandboxrt __launcher`), so that a launcher forked from it can restart in a systemd scope. */
static const char *own_launcher_binary(char self[PATH_MAX])
{
        ssize_t n = launcher_is_self ? readlink("/proc/self/exe", self, PATH_MAX - 1) : -1;

        if (n > 0) {
                self[n] = '\0';
                return self;
        }
        return NULL;
}

static int start_launcher(struct sbx_backend *be, struct sbx_error **err)
{
        struct launcher_ready ready = {0};
        char path[PATH_MAX];
        int sv[2];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return sbx_error_set(err, errno, "socketpair: %m");
        be->launcher = find_launcher(path, sizeof(path)) ? spawn_launcher(path, sv[1]) : -1;
        if (be->launcher < 0 && count_threads() != 1) {
                close(sv[1]);
                return sbx_error_set(err, EBUSY,
                                     "no sandboxrt launcher binary to spawn, and the process "
                                     "has threads so it cannot fork one: install sandboxrt "
                                     "(PREFIX/bin/sandboxrt) or set SANDBOXRT_LAUNCHER");
        }
        if (be->launcher < 0) {
                char self[PATH_MAX];
                pid_t parent = getpid();
                be->launcher = fork();
                if (be->launcher == 0)
                        launcher_main(&be->env, sv[1], parent, own_launcher_binary(self));
        }
        close(sv[1]);
        be->ctrl_fd = sv[0];
        if (be->launcher < 0)
                return sbx_error_set(err, errno, "starting the launcher: %m");
        ssize_t n = recv(be->ctrl_fd, &ready, sizeof(ready), 0);
        if (n != sizeof(ready))
                return sbx_error_set(err, EPIPE, "the launcher died while starting");
        if (ready.build != SBX_LAUNCHER_BUILD)
                return sbx_error_set(err, EPROTO,
                                     "the launcher %s is from another sandboxrt build: "
                                     "install both binaries together",
                                     path);
        ready.message[sizeof(ready.message) - 1] = ready.cgroups[sizeof(ready.cgroups) - 1] = '\0';
        if (ready.error)
                return sbx_error_set(err, ready.error, "%s", ready.message);
        be->env.limits = ready.limits;
        be->env.limits.why[sizeof(be->env.limits.why) - 1] = '\0';
        be->cgroups = strdup(ready.cgroups);
        return be->cgroups ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}

int sbx_native_launcher_main(const char *parent, bool scoped)
{
        struct sbx_native_env env = {.netns_fd = -1, .privileged = geteuid() == 0};
        char self[PATH_MAX];
        uint64_t pid;

        if (scoped) {
                /* Tell the launcher that started us (relaunch_in_scope) that we run. */
                if (write(4, "1", 1) != 1)
                        return 1;
                close(4);
                if (getenv(SCOPE_XDG_ENV)) {
                        unsetenv("XDG_RUNTIME_DIR");
                        unsetenv(SCOPE_XDG_ENV);
                }
        }
        if (sbx_parse_u64(parent, &pid) < 0 || open_state_dir(&env, NULL) < 0)
                return 1;
        launcher_main(&env, 3, (pid_t)pid, scoped ? NULL : own_launcher_binary(self));
}

static int native_open(const struct sbx_runtime_options *opts, struct sbx_backend **out,
                       struct sbx_error **err)
{
        struct sbx_backend *be = calloc(1, sizeof(*be));
        int r;

        if (!be)
                return sbx_error_set(err, ENOMEM, "out of memory");
        be->ctrl_fd = -1;
        be->env.netns_fd = -1;
        be->env.privileged = geteuid() == 0;
        if ((r = open_state_dir(&be->env, err)) == 0)
                r = start_launcher(be, err);
        if (r < 0) {
                native_close(be);
                return r;
        }
        *out = be;
        return 0;
}

static int send_request(struct sbx_backend *be, int job_fd, const struct sbx_box *box)
{
        struct sbx_launch_request req = {.magic = SBX_LAUNCH_MAGIC,
                                         .kind = SBX_LAUNCH_JOB,
                                         .box_uid = box ? (uint32_t)box->uid : UINT32_MAX,
                                         .in_box = box != NULL};
        int fds[2] = {job_fd, box ? box->dir_fd : -1};

        return sbx_wire_send_fds(be->ctrl_fd, &req, sizeof(req), fds, box ? 2 : 1);
}

/* Wait until the supervisor answers, or the job's cancel fd hangs up: then closing our end of
 * the job socket (by the caller) makes the supervisor kill the jail. */
static int wait_for_answer(int job_fd, int cancel_fd)
{
        struct pollfd p[] = {
            {.fd = job_fd, .events = POLLIN},
            {.fd = cancel_fd > 0 ? cancel_fd : -1, .events = POLLRDHUP},
        };

        while (poll(p, ELEMENTSOF(p), -1) < 0)
                if (errno != EINTR)
                        return -errno;
        return p[0].revents == 0 && (p[1].revents & (POLLHUP | POLLRDHUP | POLLERR)) ? -ECANCELED
                                                                                     : 0;
}

static int native_run(struct sbx_backend *be, struct sbx_box *box, const struct sbx_spec *spec,
                      struct sbx_result *res, struct sbx_error **err)
{
        int sv[2];
        struct sbx_wbuf b = {0};
        char *raw = NULL;
        size_t size;
        int r;

        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return sbx_error_set(err, errno, "socketpair: %m");
        _cleanup_close_ int job_fd = sv[0];
        r = send_request(be, sv[1], box);
        close(sv[1]);
        if (r < 0)
                return sbx_error_set(err, -r, "the native launcher is gone (%s)", strerror(-r));
        sbx_wire_put_spec(&b, spec);
        r = sbx_wire_send(job_fd, &b);
        sbx_wbuf_release(&b);
        if (r < 0)
                return sbx_error_set(err, -r, "sending the job to its supervisor: %s",
                                     strerror(-r));
        r = wait_for_answer(job_fd, spec->cancel_fd);
        if (r < 0)
                return sbx_error_set(err, -r, "cancelled: the client went away");
        r = sbx_wire_recv(job_fd, &raw, &size);
        if (r < 0)
                return sbx_error_set(err, -r, "the supervisor died before answering (%s)",
                                     strerror(-r));
        r = sbx_wire_get_result(raw, size, res);
        free(raw);
        if (r < 0)
                return sbx_error_set(err, -r, "malformed result from the supervisor");
        res->backend = "native";
        return 0;
}

/* ---- stateful sandboxes ----------------------------------------------------------------- */

/* Send req to the launcher with a socket for its answer, and wait for it: 0 and the fd it
 * attached (or -1), or < 0 with *err filled. */
static int ask_launcher(struct sbx_backend *be, const struct sbx_launch_request *req,
                        struct box_reply *reply, int *fd, struct sbx_error **err)
{
        int sv[2], fds[SBX_WIRE_MAX_FDS];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
                return sbx_error_set(err, errno, "socketpair: %m");
        _cleanup_close_ int answer = sv[0];
        int r = sbx_wire_send_fds(be->ctrl_fd, req, sizeof(*req), &sv[1], 1);
        close(sv[1]);
        if (r == 0)
                r = sbx_wire_recv_fds(answer, reply, sizeof(*reply), fds);
        if (r < 0)
                return sbx_error_set(err, -r, "the native launcher is gone (%s)", strerror(-r));
        sbx_closep(&fds[1]);
        reply->message[sizeof(reply->message) - 1] = '\0';
        if (reply->error) {
                sbx_closep(&fds[0]);
                return sbx_error_set(err, reply->error, "%s", reply->message);
        }
        *fd = fds[0];
        return 0;
}

/* Ask the launcher for a work dir of policy's tmpfs size, owned by box->uid. */
static int request_box(struct sbx_backend *be, const struct sbx_policy *policy, struct sbx_box *box,
                       struct sbx_error **err)
{
        struct sbx_launch_request req = {.magic = SBX_LAUNCH_MAGIC,
                                         .kind = SBX_LAUNCH_BOX_CREATE,
                                         .box_uid = (uint32_t)box->uid,
                                         .bytes = policy->limits.tmpfs_bytes};
        struct box_reply reply;
        int r = ask_launcher(be, &req, &reply, &box->dir_fd, err);

        if (r == 0 && box->dir_fd < 0)
                return sbx_error_set(err, EPROTO, "the launcher sent no work dir");
        box->id = reply.id;
        return r;
}

/* An unmount in the launcher: O(1) whatever the sandbox made of its tree. The memory goes
 * once the last jail using it has ended. Nothing of it is ever on the host's disk: what cannot
 * be unmounted stays in the launcher's namespace until the launcher exits. */
static int native_box_destroy(struct sbx_backend *be, struct sbx_box *box, struct sbx_error **err)
{
        struct sbx_launch_request req = {
            .magic = SBX_LAUNCH_MAGIC, .kind = SBX_LAUNCH_BOX_REMOVE, .box_id = box ? box->id : 0};
        struct box_reply reply;
        int none = -1;

        if (!box)
                return 0;
        sbx_closep(&box->dir_fd);
        int r = ask_launcher(be, &req, &reply, &none, err);
        sbx_closep(&none);
        sbx_closep(&box->slot_fd);
        free(box);
        return r;
}

static int native_box_create(struct sbx_backend *be, const struct sbx_policy *policy,
                             const char *image, struct sbx_box **out, struct sbx_error **err)
{
        struct sbx_box *box = calloc(1, sizeof(*box));
        int r = 0;

        if (!box)
                return sbx_error_set(err, ENOMEM, "out of memory");
        box->dir_fd = box->slot_fd = -1;
        box->uid = getuid();
        if (be->env.privileged &&
            (box->slot_fd = sbx_slot_claim(be->env.slot_dir, &box->uid, err)) < 0)
                r = box->slot_fd;
        if (r == 0)
                r = request_box(be, policy, box, err);
        if (r == 0)
                r = sbx_writable_layout(box->dir_fd, be->env.privileged ? box->uid : (uid_t)-1,
                                        err);
        if (r < 0 && box->dir_fd >= 0) {
                (void)native_box_destroy(be, box, NULL);
                return r;
        }
        if (r < 0) {
                sbx_closep(&box->slot_fd);
                free(box);
                return r;
        }
        *out = box;
        return 0;
}

/* A box path (absolute, in one of sbx_writable_dirs: sbx_sandbox_path's) relative to the top
 * of the box's tmpfs, which holds them all (sbx_writable_layout). */
static int box_rel(const char *path, const char **rel, struct sbx_error **err)
{
        if (path[0] != '/')
                return sbx_error_set(err, EINVAL, "%s: not an absolute path", path);
        *rel = path + 1;
        return 0;
}

static int native_box_write(struct sbx_backend *be, struct sbx_box *box,
                            const struct sbx_file *file, struct sbx_error **err)
{
        uid_t owner = be->env.privileged ? box->uid : (uid_t)-1;
        struct sbx_file f = *file;
        int r = box_rel(file->path, &f.path, err);

        return r < 0 ? r : sbx_write_file_beneath(box->dir_fd, &f, owner, err);
}

static int native_box_read(struct sbx_backend *be, struct sbx_box *box, const char *path,
                           size_t max_bytes, struct sbx_output *out, struct sbx_error **err)
{
        const char *rel = NULL;
        int r = box_rel(path, &rel, err);

        return r < 0 ? r : sbx_read_file_beneath(box->dir_fd, rel, max_bytes, out, err);
}

static int native_box_remove(struct sbx_backend *be, struct sbx_box *box, const char *path,
                             struct sbx_error **err)
{
        const char *rel = NULL;
        int r = box_rel(path, &rel, err);

        return r < 0 ? r : sbx_remove_beneath(box->dir_fd, rel, err);
}

static uint32_t native_limits_enforced(struct sbx_backend *be, const char **why)
{
        *why = be->env.limits.why[0] ? be->env.limits.why : NULL;
        return be->env.limits.enforced;
}

const struct sbx_backend_ops sbx_native_ops = {
    .name = "native",
    .host_toolchains = true,
    .probe = native_probe,
    .open = native_open,
    .close = native_close,
    .run = native_run,
    .box_create = native_box_create,
    .box_destroy = native_box_destroy,
    .box_write = native_box_write,
    .box_read = native_box_read,
    .box_remove = native_box_remove,
    .limits_enforced = native_limits_enforced,
};

const char *sbx_native_describe_cgroups(const struct sbx_backend *be)
{
        return be->cgroups;
}
