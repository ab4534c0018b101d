/* The native backend's launcher: a single-threaded fork server (see native.c for the process
 * model). It opens the cgroup hierarchy (restarting itself in a delegated systemd scope when
 * that is the way to get one), holds the owner record, compiles the seccomp filter, owns the
 * work dirs of stateful sandboxes, and forks the supervisors, keeping some ready for the next
 * jobs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "native.h"
#include "native_internal.h"
#include "policies/fields.h"
#include "slots.h"
#include "storage.h"
#include "util.h"
#include "wire.h"
#include "zygote.h"

/* ---- host state --------------------------------------------------------------------------- */

/* The state dir holds owners/ and boxes/ (the work dirs' mount point, storage.h); as root, the
 * slot locks live apart (runtime/slots.h). */
int sbx_native_state_dir_open(struct sbx_native_env *env, struct sbx_error **err)
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
        uint32_t tree = 0; /* the limits a cgroup holds for the whole tree */

        for (size_t i = 0; i < sbx_n_limit_fields; i++)
                if (sbx_limit_fields[i].cgroup)
                        tree |= 1u << i;
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

/* The supervisors that will take the next jobs: each prepares a jail while it waits (see
 * supervisor.c), so a job finds one ready. Preparing one costs about as much CPU as a warm job
 * runs, and one prepared beside a job slows that job down (a warm `pass` took twice as long),
 * so the replacement for a job's supervisor is spawned when that job has ended: one more stays
 * ready than jobs are running (at least two, at most READY_MAX), enough for the next job of
 * each caller (eval, serve) and one more. Only a job that takes the last one spawns one at
 * once, for the job after it. A launcher starts with one, for its first job, and keeps only
 * that one until a second job shows that more will come (a one-shot run has one job). */
#define READY_MAX 4

struct ready_supervisor {
        pid_t pid;
        int ctl_fd;    /* the job is handed over here */
        bool warm;     /* its jail is one the zygote forked */
        bool prepared; /* a jail (else only a slot and a cgroup: for a job that gets one cloned) */
};

/* Warm Python's zygotes (zygote.h). The current one (env->zygote_fd) forks the jails of the
 * supervisors spawned while it is current, at most per_zygote of them; the next one is started
 * halfway through and takes over; a retired one exits once every supervisor it forked a jail
 * for has closed its socket, and is reaped here. */
#define RETIRED_MAX 16

struct zygotes {
        unsigned per_zygote; /* 0 until warm Python is asked for */
        unsigned served;     /* supervisors spawned with the current one */
        int next_fd;         /* the next one's socket, or -1 */
        pid_t next_pid;
        pid_t retired[RETIRED_MAX]; /* 0: a free slot */
};

struct supervisors {
        struct ready_supervisor ready[READY_MAX]; /* oldest first */
        size_t n_ready;
        unsigned alive;    /* forked and not reaped: ready ones and those running a job */
        unsigned launched; /* jobs handed over (counted up to 2) */
        /* The kind of jail the next ones prepare: the last job's. A jail the zygote forks is a
         * copy of the interpreter, which costs a job that turns out cold ~15 ms of CPU; a cold
         * one cannot run a Python job warm. So a job takes a ready one of its kind if there is
         * one, and the replacements follow the jobs: in a mix of warm and cold jobs each gets
         * its own kind, and after a change of kind only the spares run the other way. A job in
         * a work dir or with network throws the prepared jail away (supervisor.c: fit_jail), so
         * after one the next ones prepare none (prepare false): only a slot and a cgroup. */
        bool warm, prepare;
        struct zygotes zy;
};

/* A child of ours ended (a supervisor, its job done; or a zygote): SIGCHLD says so on this pipe,
 * which wakes the loop to spawn the job's replacement (see READY_MAX). */
static int child_ended[2] = {-1, -1};

static void on_sigchld(int sig)
{
        int saved = errno;

        (void)sig;
        (void)!write(child_ended[1], "", 1);
        errno = saved;
}

/* The pipe's read end, with on_sigchld writing to it; -1 if it cannot be had (then replacements
 * are spawned when the next job comes). */
static int watch_children(void)
{
        struct sigaction sa = {.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP};

        if (pipe2(child_ended, O_CLOEXEC | O_NONBLOCK) < 0)
                return -1;
        if (sigaction(SIGCHLD, &sa, NULL) < 0) {
                sbx_closep(&child_ended[0]);
                sbx_closep(&child_ended[1]);
        }
        return child_ended[0];
}

static void drain(int fd)
{
        char buf[64];

        while (read(fd, buf, sizeof(buf)) > 0)
                ;
}

/* A zygote of ours ended (pid): forget it; false when pid is no zygote. */
static bool zygote_ended(struct sbx_native_env *env, struct zygotes *zy, pid_t pid)
{
        if (pid == env->zygote_pid) { /* died: jails are cloned cold again */
                sbx_closep(&env->zygote_fd);
                env->zygote_pid = 0;
                return true;
        }
        if (pid == zy->next_pid) {
                sbx_closep(&zy->next_fd);
                zy->next_pid = 0;
                return true;
        }
        for (size_t i = 0; i < RETIRED_MAX; i++)
                if (zy->retired[i] == pid) {
                        zy->retired[i] = 0;
                        return true;
                }
        return false;
}

/* Before a supervisor is spawned: start the next zygote halfway through the current one's jobs,
 * and make it current once they are all served. The current one stays (past its count) only
 * when the next could not start or too many retired ones still serve running jobs. */
static void rotate_zygotes(struct sbx_native_env *env, struct zygotes *zy)
{
        pid_t *slot = NULL;

        if (env->zygote_fd < 0)
                return;
        if (zy->next_fd < 0 && zy->served >= zy->per_zygote / 2)
                zy->next_fd = sbx_zygote_start(env->storage, env->privileged, &zy->next_pid);
        for (size_t i = 0; i < RETIRED_MAX && !slot; i++)
                slot = zy->retired[i] ? NULL : &zy->retired[i];
        if (zy->served < zy->per_zygote || zy->next_fd < 0 || !slot)
                return;
        *slot = env->zygote_pid;
        close(env->zygote_fd); /* it exits once its supervisors closed it too */
        env->zygote_fd = zy->next_fd;
        env->zygote_pid = zy->next_pid;
        zy->next_fd = -1;
        zy->next_pid = 0;
        zy->served = 0;
}

/* Supervisors are reaped here, before each job: their namespaces come back to the pool. */
static void collect_supervisors(struct sbx_native_env *env, struct netns_pool *pool,
                                struct supervisors *sv)
{
        pid_t pid;

        while ((pid = waitpid(-1, NULL, WNOHANG)) > 0) {
                if (zygote_ended(env, &sv->zy, pid))
                        continue;
                sv->alive--;
                sbx_netns_returned(pool, pid);
        }
}

static struct ready_supervisor spawn_supervisor(struct sbx_native_env *env, struct netns_pool *pool,
                                                struct supervisors *sv)
{
        struct ready_supervisor next = {.pid = -1, .ctl_fd = -1};
        bool warm = sv->warm && env->zygote_fd >= 0, prepare = sv->prepare;
        int pair[2];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return next;
        if (warm) {
                rotate_zygotes(env, &sv->zy);
                sv->zy.served++;
        }
        env->netns_fd = sbx_netns_lend(pool);
        pid_t pid = fork();
        if (pid == 0) {
                close(3);
                close(pair[0]);
                sbx_closep(&child_ended[0]); /* the launcher's, as is its SIGCHLD handler */
                sbx_closep(&child_ended[1]);
                for (size_t i = 0; i < sv->n_ready; i++)
                        close(sv->ready[i].ctl_fd); /* so they see EOF if we die */
                sbx_closep(&sv->zy.next_fd);        /* not ours to ask */
                if (!warm)
                        sbx_closep(&env->zygote_fd); /* we clone our jail cold */
                prctl(PR_SET_NAME, "sbx-supervisor", 0, 0, 0);
                /* Jails copy our mount namespace: it must not hold the work dirs. */
                if (sbx_storage_leave(env->storage) < 0)
                        _exit(1);
                env->storage = NULL;
                sbx_supervise(env, pair[1], prepare);
        }
        close(pair[1]);
        if (pid < 0) {
                close(pair[0]);
        } else {
                next = (struct ready_supervisor){
                    .pid = pid, .ctl_fd = pair[0], .warm = warm, .prepared = prepare};
                sv->alive++;
        }
        sbx_netns_lent(pool, pid, env->netns_fd);
        return next;
}

/* How many to keep ready while no job is starting (above). */
static size_t spares(const struct supervisors *sv)
{
        unsigned busy = sv->alive - (unsigned)sv->n_ready;

        if (sv->launched < 2)
                return 1;
        return busy < 1 ? 2 : busy < READY_MAX ? busy + 1 : READY_MAX;
}

static void refill(struct sbx_native_env *env, struct netns_pool *pool, struct supervisors *sv,
                   size_t target)
{
        while (sv->n_ready < target) {
                struct ready_supervisor s = spawn_supervisor(env, pool, sv);
                if (s.pid < 0)
                        return;
                sv->ready[sv->n_ready++] = s;
        }
}

/* Ready supervisor i, taken off the list. */
static struct ready_supervisor unlist(struct supervisors *sv, size_t i)
{
        struct ready_supervisor s = sv->ready[i];

        memmove(sv->ready + i, sv->ready + i + 1, (--sv->n_ready - i) * sizeof(s));
        return s;
}

/* Idle (no job running, none ending), keep no more ready than spares() says: a job that ended
 * while others ran had its replacement spawned among more spares, one more than the jobs then
 * running, each with a jail prepared, held for nothing once they end too. The oldest go: they
 * see EOF and exit. Never while a job runs: the next job would want them back. */
static void trim(struct supervisors *sv)
{
        size_t target = spares(sv);

        if (sv->alive != sv->n_ready)
                return;
        while (sv->n_ready > target) {
                struct ready_supervisor s = unlist(sv, 0);
                sbx_closep(&s.ctl_fd);
        }
}

/* How a ready supervisor suits the job: 2 of its kind and with a jail prepared if the job uses
 * one (none if it gets one cloned for it), 1 of its kind, 0 not. */
static int suits(const struct ready_supervisor *s, const struct sbx_launch_request *job)
{
        if (s->warm != (job->jail == SBX_LAUNCH_JAIL_WARM))
                return 0;
        return s->prepared == !job->cloned ? 2 : 1;
}

/* The oldest of the ready supervisors that suit the job best; taken off the list. */
static struct ready_supervisor take_ready(struct supervisors *sv,
                                          const struct sbx_launch_request *job)
{
        size_t i = 0;

        for (size_t k = 1; k < sv->n_ready; k++)
                if (suits(&sv->ready[k], job) > suits(&sv->ready[i], job))
                        i = k;
        return unlist(sv, i);
}

/* Give the job to a ready supervisor (take_ready; a fresh one if none is, or it died), with a
 * copy of its work dir if it has one; if that was the last, get one ready for the next job. */
static void launch(struct sbx_native_env *env, struct netns_pool *pool, struct supervisors *sv,
                   const struct sbx_launch_request *job, const int *fds)
{
        struct sbx_launch_request req = {.magic = SBX_LAUNCH_MAGIC,
                                         .kind = SBX_LAUNCH_JOB,
                                         .box_uid = job->box_uid,
                                         .in_box = job->in_box};
        _cleanup_close_ int copy = job->in_box && fds[1] >= 0 ? sbx_storage_clone(fds[1]) : -1;
        const int pass[] = {fds[0], copy};

        collect_supervisors(env, pool, sv);
        sv->warm = job->jail == SBX_LAUNCH_JAIL_WARM; /* the next ones' kind */
        sv->prepare = !job->cloned;
        for (int attempt = 0; attempt < 2; attempt++) {
                struct ready_supervisor s =
                    sv->n_ready ? take_ready(sv, job) : spawn_supervisor(env, pool, sv);
                int r = s.pid > 0 ? sbx_wire_send_fds(s.ctl_fd, &req, sizeof(req), pass,
                                                      copy >= 0 ? 2 : 1)
                                  : -ESRCH;
                sbx_closep(&s.ctl_fd);
                if (r == 0)
                        break;
        }
        if (sv->launched < 2)
                sv->launched++;
        refill(env, pool, sv, 1);
}

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

/* Start the zygote, then replace the ready supervisors, whose jails were cloned cold, by ones
 * whose jails the zygote forks: from now on a Python job may start warm. Without python3 or the
 * zygote's library, everything stays cold. */
static void start_zygote(struct sbx_native_env *env, struct netns_pool *pool,
                         struct supervisors *sv, uint64_t per_zygote)
{
        pid_t pid;
        int fd;

        sv->zy.per_zygote = per_zygote ? (unsigned)per_zygote : SBX_ZYGOTE_JOBS_DEFAULT;
        collect_supervisors(env, pool, sv);
        if (env->zygote_fd >= 0 || (fd = sbx_zygote_start(env->storage, env->privileged, &pid)) < 0)
                return;
        env->zygote_fd = fd;
        env->zygote_pid = pid;
        size_t had = sv->n_ready;
        for (size_t i = 0; i < had; i++)
                sbx_closep(&sv->ready[i].ctl_fd); /* they see EOF and go */
        sv->n_ready = 0;
        sv->warm = true; /* for the job that asked */
        refill(env, pool, sv, had > 1 ? had : 1);
}

static void serve_request(struct sbx_native_env *env, struct netns_pool *pool,
                          struct supervisors *sv, const struct sbx_launch_request *req,
                          const int *fds)
{
        if (req->kind == SBX_LAUNCH_WARM)
                start_zygote(env, pool, sv, req->bytes);
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
_Noreturn void sbx_native_launcher_run(struct sbx_native_env *env, int ctrl, pid_t parent,
                                       const char *self_exe)
{
        struct launcher_ready ready = {0};
        struct netns_pool pool;
        struct supervisors sv = {.prepare = true, .zy.next_fd = -1};
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
        sbx_netns_pool_init(&pool, env->privileged);
        ready.build = SBX_LAUNCHER_BUILD;
        int r = launcher_prepare(env, &storage, &ready, self_exe);
        if (send(3, &ready, sizeof(ready), MSG_NOSIGNAL) != sizeof(ready) || r < 0)
                _exit(1);
        refill(env, &pool, &sv, 1); /* the first job's: a one-shot run has no other */
        int ended = watch_children();

        for (;;) {
                struct pollfd p[] = {{.fd = 3, .events = POLLIN}, {.fd = ended, .events = POLLIN}};
                struct sbx_launch_request req;
                int fds[SBX_WIRE_MAX_FDS];

                if (poll(p, ELEMENTSOF(p), -1) < 0)
                        continue; /* EINTR: a child ended; the pipe says it too */
                if (p[1].revents & POLLIN) {
                        drain(ended);
                        collect_supervisors(env, &pool, &sv);
                        refill(env, &pool, &sv, spares(&sv));
                        trim(&sv);
                }
                if (!p[0].revents)
                        continue;
                int n = sbx_wire_recv_fds(3, &req, sizeof(req), fds);
                if (n == -EPIPE || n == -ECONNRESET) {
                        sbx_closep(&env->zygote_fd); /* it exits once supervisors close it */
                        sbx_closep(&sv.zy.next_fd);
                        shut_down(&sv); /* the runtime is gone */
                }
                if (n == 0 && req.magic == SBX_LAUNCH_MAGIC)
                        serve_request(env, &pool, &sv, &req, fds);
                sbx_closep(&fds[0]);
                sbx_closep(&fds[1]);
        }
}

static bool launcher_is_self;

void sbx_native_launcher_is_self(void)
{
        launcher_is_self = true;
}

bool sbx_native_runs_launcher_binary(void)
{
        return launcher_is_self;
}

/* Our own binary when it is the launcher binary (the light `sandboxrt`, whose main runs
 * `sandboxrt __launcher`), so that a launcher forked from it can restart in a systemd scope. */
const char *sbx_native_own_launcher_binary(char self[PATH_MAX])
{
        ssize_t n =
            sbx_native_runs_launcher_binary() ? readlink("/proc/self/exe", self, PATH_MAX - 1) : -1;

        if (n > 0) {
                self[n] = '\0';
                return self;
        }
        return NULL;
}

int sbx_native_launcher_main(const char *parent, bool scoped)
{
        struct sbx_native_env env = {.netns_fd = -1,
                                     .zygote_fd = -1,
                                     .privileged = geteuid() == 0,
                                     .cpus = sbx_online_cpus()};
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
        if (sbx_parse_u64(parent, &pid) < 0 || sbx_native_state_dir_open(&env, NULL) < 0)
                return 1;
        sbx_native_launcher_run(&env, 3, (pid_t)pid,
                                scoped ? NULL : sbx_native_own_launcher_binary(self));
}
