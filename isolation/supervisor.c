#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "jail.h"
#include "slots.h"
#include "storage.h"
#include "util.h"
#include "verdict.h"
#include "wire.h"
#include "zygote.h"

#define CPU_CHECK_MS 20   /* the least time between two reads of the tree's CPU time */
#define DRAIN_MS     1000 /* after the jail ended, how long pipes may take to reach EOF */

struct capture {
        int fd;
        uint64_t cap;
        struct sbx_output out;
};

struct job {
        const struct sbx_native_env *env;
        const struct sbx_spec *spec;
        struct sbx_cgroup *cgroup;
        pid_t init;
        int pidfd, status_fd, stdin_fd, job_fd, go_fd, slot_fd;
        int host_netns_fd; /* ours at start, to come back from the lent one */
        bool in_lent_netns;
        bool init_is_child; /* false when the zygote forked it */
        bool born;          /* the jail was born in its cgroup (sbx_jail_clone): not moved */
        int refused;        /* else, on cgroup v2, why (an errno); see cgroup_entry() */
        bool placed;        /* the jail is in its cgroup and was told so ("a") */
        uid_t uid;
        gid_t gid;
        struct capture out, err;
        size_t stdin_off;
        uint64_t start_ms;
        uint64_t cpu_check_ms;   /* when the CPU time could first reach its limit (check_limits) */
        uint64_t setup_cpu_usec; /* the cgroup's CPU time at "g": the jail's setup, not the job's */
        enum sbx_stop stop;
        bool init_done;
        struct sbx_jail_record exited, failed;
};

/* ---- starting the jail ------------------------------------------------------------------ */

static int write_id_maps(pid_t pid, uid_t uid, gid_t gid)
{
        char path[64], map[64];
        int r;

        snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
        r = sbx_write_string(path, "deny");
        if (r < 0 && r != -ENOENT)
                return r;
        snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
        snprintf(map, sizeof(map), "%d %u 1\n", SBX_JAIL_UID, (unsigned)uid);
        r = sbx_write_string(path, map);
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
        snprintf(map, sizeof(map), "%d %u 1\n", SBX_JAIL_UID, (unsigned)gid);
        return sbx_write_string(path, map);
}

/* Ask the zygote, when there is one, for the jail's init: the same jail (jail.c), whose payload
 * can also run Python warm (zygote.h). The zygote joins the lent network namespace itself. */
static pid_t clone_by_zygote(struct job *job, unsigned long flags, bool lent, uid_t uid, gid_t gid,
                             const struct sbx_jail_config *cfg)
{
        struct sbx_zygote_request req = {
            .flags = flags,
            .uid = (uint32_t)uid,
            .gid = (uint32_t)gid,
            .privileged = job->env->privileged,
            .rlimit_memory = cfg->rlimit_memory,
            .rlimit_nproc = cfg->rlimit_nproc,
        };
        int fds[_SBX_ZFD_MAX] = {
            [SBX_ZFD_REPLY] = -1,
            [SBX_ZFD_STDIN] = cfg->stdin_fd,
            [SBX_ZFD_STDOUT] = cfg->stdout_fd,
            [SBX_ZFD_STDERR] = cfg->stderr_fd,
            [SBX_ZFD_STATUS] = cfg->status_fd,
            [SBX_ZFD_GO] = cfg->go_fd,
            [SBX_ZFD_WORKDIR] = cfg->workdir_fd,
            [SBX_ZFD_DEVICES] = cfg->devices_fd,
            [SBX_ZFD_NETNS] = lent ? job->env->netns_fd : -1,
            [SBX_ZFD_CGROUP] = sbx_cgroup_fd(job->cgroup),
        };

        if (job->env->zygote_fd < 0)
                return -1;
        pid_t pid = sbx_zygote_clone(job->env->zygote_fd, &req, fds, &job->pidfd, &job->refused);
        job->init_is_child = false;
        return pid;
}

/* Clone it ourselves, in the network namespace it needs (see clone_jail). */
static pid_t clone_here(struct job *job, unsigned long flags, bool lent, uid_t uid, gid_t gid,
                        const struct sbx_jail_config *cfg, struct sbx_error **err)
{
        if (lent != job->in_lent_netns) {
                if (setns(lent ? job->env->netns_fd : job->host_netns_fd, CLONE_NEWNET) < 0)
                        return sbx_error_set(err, errno, "switching network namespace: %m");
                job->in_lent_netns = lent;
        }
        pid_t pid = sbx_jail_clone(flags, uid, gid, job->env->privileged,
                                   sbx_cgroup_fd(job->cgroup), &job->refused);
        if (pid < 0)
                return sbx_error_set(err, errno, "clone: %m");
        if (pid == 0)
                sbx_jail_child(cfg);
        job->init_is_child = true;
        job->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        if (job->pidfd < 0)
                return sbx_error_set(err, errno, "pidfd_open: %m");
        return pid;
}

/* The jail's stdin, stdout, stderr, status and "go" pipes, into cfg: the jail's ends. The
 * standard streams' pipes belong to uid/gid, the host's ids of the sandbox's user, as a terminal
 * belongs to its user: a program may then open them by path (/dev/stdin, /proc/self/fd/1),
 * which the kernel allows a pipe's owner alone (mode 0600). */
static int open_pipes(int in[2], int out[2], int errp[2], int status[2], int go[2], uid_t uid,
                      gid_t gid, struct sbx_jail_config *cfg)
{
        if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
            pipe2(status, O_CLOEXEC | O_DIRECT) < 0 || pipe2(go, O_CLOEXEC) < 0)
                return -1;
        if (fchown(in[0], uid, gid) < 0 || fchown(out[1], uid, gid) < 0 ||
            fchown(errp[1], uid, gid) < 0)
                return -1;
        cfg->stdin_fd = in[0];
        cfg->stdout_fd = out[1];
        cfg->stderr_fd = errp[1];
        cfg->status_fd = status[1];
        cfg->go_fd = go[0];
        return 0;
}

static void close_pipes(int in[2], int out[2], int errp[2], int status[2], int go[2])
{
        int *all[] = {in, out, errp, status, go};

        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                sbx_closep(&all[i][0]);
                sbx_closep(&all[i][1]);
        }
}

/* Clone the jail's init (see jail.c) with network mode net and write its id maps: uid/gid are
 * the host ids its user maps to (a slot's private uid as root, else ours). On cgroup v2 it is
 * born in its cgroup when the kernel lets us (job->born), else it is moved there (attached).
 * The jail then builds what of its root does not depend on the job, waits for its spec, and for
 * "g" once it is in its cgroup. */
static int clone_jail(struct job *job, enum sbx_network net, int workdir_fd, uid_t uid, gid_t gid,
                      struct sbx_error **err)
{
        int in[2], out[2], errp[2], status[2], go[2];
        unsigned long flags =
            CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;

        /* As root, the jail's device nodes are copies of its own (storage.h). */
        _cleanup_close_ int devices = job->env->privileged ? sbx_storage_devices() : -1;

        /* Without network, the jail joins the empty namespace the launcher lent us; otherwise
         * a fresh one (loopback) or the host's (host). It inherits ours at clone. */
        bool lent = net == SBX_NETWORK_NONE && job->env->netns_fd >= 0;
        if (net != SBX_NETWORK_HOST && !lent)
                flags |= CLONE_NEWNET;
        struct sbx_jail_config cfg = {
            .seccomp = job->env->seccomp,
            .workdir_fd = workdir_fd,
            .devices_fd = devices,
            .rlimit_memory = job->env->limits.rlimit_memory,
            .rlimit_nproc = job->env->limits.rlimit_nproc,
        };
        pid_t pid = -1;
        if (job->env->zygote_fd >= 0) {
                if (open_pipes(in, out, errp, status, go, uid, gid, &cfg) < 0)
                        return sbx_error_set(err, errno, "creating pipes: %m");
                pid = clone_by_zygote(job, flags, lent, uid, gid, &cfg);
                /* A zygote that did not answer in time may still fork a jail with these pipes
                 * later: the jail we clone instead gets new ones (the late one sees EOF). */
                if (pid < 0)
                        close_pipes(in, out, errp, status, go);
        }
        if (pid < 0 && open_pipes(in, out, errp, status, go, uid, gid, &cfg) < 0)
                return sbx_error_set(err, errno, "creating pipes: %m");
        if (pid < 0)
                pid = clone_here(job, flags, lent, uid, gid, &cfg, err);
        if (pid < 0)
                return pid;

        job->init = pid;
        job->born = sbx_cgroup_fd(job->cgroup) >= 0 && job->refused == 0;
        close(in[0]);
        close(out[1]);
        close(errp[1]);
        close(status[1]);
        close(go[0]);
        job->stdin_fd = in[1];
        job->out.fd = out[0];
        job->err.fd = errp[0];
        job->status_fd = status[0];
        job->go_fd = go[1];
        fcntl(job->stdin_fd, F_SETFL, O_NONBLOCK);
        fcntl(job->status_fd, F_SETFL, O_NONBLOCK);
        int r = write_id_maps(pid, uid, gid);
        if (r < 0)
                return sbx_error_set(err, -r, "writing the user namespace's id maps: %s",
                                     strerror(-r));
        (void)!write(job->go_fd, "m", 1); /* the jail builds its root meanwhile */
        return 0;
}

/* Kill the jail's init (and so its pid namespace) through its pidfd: a jail the zygote forked
 * is not our child, and its pid may be reused once it is gone. */
static void kill_init(struct job *job)
{
        if (job->pidfd >= 0)
                (void)syscall(SYS_pidfd_send_signal, job->pidfd, SIGKILL, NULL, 0);
}

/* Wait until the init has exited: reap our child, or see its pidfd become readable. */
static void wait_init(struct job *job, int *status)
{
        struct pollfd p = {.fd = job->pidfd, .events = POLLIN};

        if (job->init_is_child)
                while (waitpid(job->init, status, __WALL) < 0 && errno == EINTR)
                        ;
        else if (job->pidfd >= 0)
                while (poll(&p, 1, -1) < 0 && errno == EINTR)
                        ;
}

/* Throw away a jail that was prepared for another kind of job. */
static void discard_jail(struct job *job)
{
        if (job->init > 0) {
                kill_init(job);
                wait_init(job, NULL);
        }
        job->init = -1;
        sbx_closep(&job->pidfd);
        sbx_closep(&job->status_fd);
        sbx_closep(&job->stdin_fd);
        sbx_closep(&job->out.fd);
        sbx_closep(&job->err.fd);
        sbx_closep(&job->go_fd);
}

/* The jail gets the spec without stdin: stdin is fed through the pipe. A jail that died
 * meanwhile is found by the loop, with its reason on the status pipe. */
static void send_spec(struct job *job)
{
        struct sbx_spec spec = *job->spec;
        struct sbx_wbuf b = {0};

        spec.stdin_data = NULL;
        spec.stdin_size = 0;
        sbx_wire_put_spec(&b, &spec);
        (void)sbx_wire_send(job->go_fd, &b);
        sbx_wbuf_release(&b);
}

/* The tree's CPU time is read when it could have reached its limit (sbx_cpu_limit_due): a job
 * that ends before then is never woken for it. */
static uint64_t cpu_check_due(const struct job *job, uint64_t now, uint64_t used_usec)
{
        return sbx_cpu_limit_due(now, used_usec, job->spec->policy->limits.cpu_ms * 1000u,
                                 job->env->cpus, CPU_CHECK_MS);
}

static void start_payload(struct job *job)
{
        job->start_ms = sbx_now_ms();
        job->cpu_check_ms = cpu_check_due(job, job->start_ms, 0);
        if (job->cgroup)
                (void)sbx_cgroup_cpu_usec(job->cgroup, &job->setup_cpu_usec);
        (void)!write(job->go_fd, "g", 1);
        sbx_closep(&job->go_fd);
}

/* ---- the supervision loop --------------------------------------------------------------- */

static void stop_jail(struct job *job, enum sbx_stop why)
{
        if (job->stop == SBX_STOP_NONE)
                job->stop = why;
        /* Killing pid 1 of the namespace takes every process in it along. */
        kill_init(job);
        if (job->cgroup)
                sbx_cgroup_kill(job->cgroup);
}

/* Returns false at EOF. Output past the cap is a limit: keep the head and stop the jail. */
static bool drain(struct job *job, struct capture *c)
{
        char buf[65536];
        ssize_t n = read(c->fd, buf, sizeof(buf));

        if (n < 0 && (errno == EINTR || errno == EAGAIN))
                return true;
        if (n <= 0)
                return false;
        size_t room = c->cap > c->out.size ? (size_t)(c->cap - c->out.size) : 0;
        size_t take = (size_t)n < room ? (size_t)n : room;
        if (take) {
                char *d = realloc(c->out.data, c->out.size + take + 1);
                if (!d) {
                        stop_jail(job, SBX_STOP_CANCEL);
                        return false;
                }
                memcpy(d + c->out.size, buf, take);
                c->out.data = d;
                c->out.size += take;
                d[c->out.size] = '\0';
        }
        if (take < (size_t)n) {
                c->out.truncated = true;
                stop_jail(job, SBX_STOP_OUTPUT);
        }
        return true;
}

static void feed_stdin(struct job *job)
{
        const char *data = job->spec->stdin_data;
        size_t left = job->spec->stdin_size - job->stdin_off;
        ssize_t n = left ? write(job->stdin_fd, data + job->stdin_off, left) : 0;

        if (n > 0)
                job->stdin_off += (size_t)n;
        if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
            job->stdin_off == job->spec->stdin_size) {
                close(job->stdin_fd); /* EOF for the program, or it closed its stdin */
                job->stdin_fd = -1;
        }
}

static void read_records(struct job *job)
{
        struct sbx_jail_record rec;

        while (read(job->status_fd, &rec, sizeof(rec)) == (ssize_t)sizeof(rec)) {
                rec.message[sizeof(rec.message) - 1] = '\0';
                if (rec.kind == SBX_JAIL_EXITED)
                        job->exited = rec;
                else if (job->failed.kind == 0)
                        job->failed = rec;
        }
}

static void check_limits(struct job *job, uint64_t now)
{
        const struct sbx_limits *l = &job->spec->policy->limits;
        uint64_t cpu_usec;

        if (now - job->start_ms >= l->wall_ms) {
                stop_jail(job, SBX_STOP_WALL);
        } else if (job->cgroup && now >= job->cpu_check_ms &&
                   sbx_cgroup_cpu_usec(job->cgroup, &cpu_usec) == 0) {
                cpu_usec -= job->setup_cpu_usec;
                if (cpu_usec >= l->cpu_ms * 1000u)
                        stop_jail(job, SBX_STOP_CPU);
                job->cpu_check_ms = cpu_check_due(job, now, cpu_usec);
        }
}

/* The init reported the payload's end with nothing else of the job left running: the job is
 * over, though the init's own exit (which tears down the jail's namespaces) may take a while. */
static bool payload_was_last(const struct job *job)
{
        return job->exited.kind == SBX_JAIL_EXITED && job->exited.alone;
}

static void supervise_loop(struct job *job)
{
        const struct sbx_limits *l = &job->spec->policy->limits;
        uint64_t drain_until = 0;
        bool records_end = false; /* the status pipe's writers are gone */

        if (job->spec->stdin_size == 0) {
                close(job->stdin_fd);
                job->stdin_fd = -1;
        }
        while (job->out.fd >= 0 || job->err.fd >= 0 || !job->init_done) {
                struct pollfd p[] = {
                    {.fd = job->out.fd, .events = POLLIN},
                    {.fd = job->err.fd, .events = POLLIN},
                    {.fd = job->stdin_fd, .events = POLLOUT},
                    {.fd = job->init_done ? -1 : job->pidfd, .events = POLLIN},
                    {.fd = job->init_done ? -1 : job->job_fd, .events = POLLIN},
                    {.fd = job->init_done || records_end ? -1 : job->status_fd, .events = POLLIN},
                };
                uint64_t now = sbx_now_ms(), due = drain_until;
                if (job->init_done && now >= drain_until)
                        break; /* something outside the jail holds a pipe: give up */
                if (!job->init_done) {
                        due = job->start_ms + l->wall_ms;
                        if (job->cgroup && job->cpu_check_ms < due)
                                due = job->cpu_check_ms;
                }
                int timeout = due > now ? (int)(due - now) : 0; /* limits are at most a day */
                if (poll(p, ELEMENTSOF(p), timeout) < 0 && errno != EINTR)
                        break;
                if (p[0].revents && !drain(job, &job->out))
                        sbx_closep(&job->out.fd), job->out.fd = -1;
                if (p[1].revents && !drain(job, &job->err))
                        sbx_closep(&job->err.fd), job->err.fd = -1;
                if (p[2].revents)
                        feed_stdin(job);
                if (p[4].revents)
                        stop_jail(job, SBX_STOP_CANCEL); /* the caller hung up */
                if (p[5].revents)
                        read_records(job);
                if (p[5].revents & (POLLHUP | POLLERR))
                        records_end = true; /* the pidfd says when the init is gone */
                if (p[3].revents || payload_was_last(job)) {
                        job->init_done = true;
                        drain_until = sbx_now_ms() + DRAIN_MS;
                } else if (!job->init_done) {
                        check_limits(job, sbx_now_ms());
                }
        }
        sbx_closep(&job->stdin_fd);
}

/* ---- the verdict ------------------------------------------------------------------------ */

static void judge(struct job *job, struct sbx_result *r)
{
        const struct sbx_limits *l = &job->spec->policy->limits;
        struct sbx_cgroup_stats st = {0};
        bool have_stats = job->cgroup && sbx_cgroup_stats(job->cgroup, &st) == 0;

        r->cpu_ms = (have_stats ? st.cpu_usec - job->setup_cpu_usec : job->exited.cpu_usec) / 1000u;
        r->peak_memory_bytes = have_stats ? st.peak_memory_bytes : job->exited.maxrss_bytes;
        if (job->failed.kind == SBX_JAIL_SETUP_FAILED) {
                r->verdict = SBX_VERDICT_SANDBOX_ERROR;
                r->exit_code = -1;
                sbx_result_set_message(r, "setting up the jail: %s: %s", job->failed.message,
                                       strerror(job->failed.error));
                return;
        }
        struct sbx_ending e = {
            .stop = job->stop,
            .oom_killed = st.oom_killed,
            .memory_oom = st.memory_oom,
            .exited = job->exited.kind == SBX_JAIL_EXITED,
            .status = job->exited.status,
        };
        sbx_judge(&e, l, r);
        if (job->failed.kind == SBX_JAIL_EXEC_FAILED && r->verdict == SBX_VERDICT_RUNTIME_ERROR)
                sbx_result_set_message(r, "%s", job->failed.message);
}

static void collect(struct job *job, struct sbx_result *r)
{
        int status;

        if (!payload_was_last(job)) { /* else the init is waited for after the answer */
                wait_init(job, &status);
                job->init = -1;
        }
        r->wall_ms = sbx_now_ms() - job->start_ms;
        read_records(job);
        judge(job, r);
        r->out = job->out.out;
        r->err = job->err.out;
        job->out.out = job->err.out = (struct sbx_output){0};
}

/* ---- entry ------------------------------------------------------------------------------ */

/* How the jail got into its cgroup, as the result says it (sbx_result.cgroup_entry). */
static char *cgroup_entry(const struct job *job)
{
        const char *by = job->init_is_child ? "supervisor" : "zygote";

        if (!job->cgroup)
                return NULL;
        if (job->born)
                return sbx_strdup_printf("born in its cgroup (CLONE_INTO_CGROUP; cloned by the %s)",
                                         by);
        if (sbx_cgroup_fd(job->cgroup) < 0)
                return sbx_strdup_printf("moved into its cgroup (cgroup v1: no CLONE_INTO_CGROUP; "
                                         "cloned by the %s)",
                                         by);
        return sbx_strdup_printf("moved into its cgroup (CLONE_INTO_CGROUP refused: %s; cloned by "
                                 "the %s)",
                                 strerror(job->refused), by);
}

static void reply(int job_fd, const struct sbx_result *r)
{
        struct sbx_wbuf b = {0};

        sbx_wire_put_result(&b, r);
        (void)sbx_wire_send(job_fd, &b);
        sbx_wbuf_release(&b);
}

/* The jail is in its cgroup (born there, or moved now) and is told so ("a") before its spec
 * comes: it forks its payload then (jail.c). */
static int attached(struct job *job, struct sbx_error **err)
{
        if (job->placed)
                return 0;
        if (job->cgroup && !job->born && sbx_cgroup_attach(job->cgroup, job->init, err) < 0)
                return -1;
        if (write(job->go_fd, "a", 1) != 1)
                return sbx_error_set(err, errno, "telling the jail it is in its cgroup: %m");
        job->placed = true;
        return 0;
}

/* ---- a supervisor's life ---------------------------------------------------------------- */

/* Everything a one-shot job without network needs that does not depend on the job: a slot's
 * uid, a cgroup, and if asked the jail cloned, mapped and born in (or moved into) the cgroup.
 * A supervisor does this before its job comes (the launcher keeps some ready), which takes the
 * jail's setup off the job's path, and with it the cgroup-v1 migration's wait for an RCU grace
 * period (~10 ms). A job in a work dir or with network gets a jail cloned for it (fit_jail):
 * for one of those the launcher asks for no jail, which it would only throw away. */
static int prepare(struct job *job, bool jail, struct sbx_error **err)
{
        const struct sbx_limits none = {0}; /* the job's own limits are set when it arrives */
        int r = 0;

        job->uid = getuid();
        job->gid = getgid();
        if (job->env->privileged) {
                r = job->slot_fd = sbx_slot_claim(job->env->slot_dir, &job->uid, err);
                job->gid = (gid_t)job->uid;
        }
        if (r >= 0 && sbx_cgroup_host_mode(job->env->cgroups) != SBX_CGROUP_NONE)
                r = sbx_cgroup_create(job->env->cgroups, &none, &job->cgroup, err);
        if (r >= 0 && jail)
                r = clone_jail(job, SBX_NETWORK_NONE, -1, job->uid, job->gid, err);
        if (r >= 0 && jail)
                r = attached(job, err);
        return r < 0 ? r : 0;
}

/* The job arrives from the launcher: its socket, and for a job in a work dir the jail's copy of
 * it (a detached mount) and its uid (the launcher's message: struct sbx_launch_request). */
static int receive_job(int ctl_fd, int *job_fd, int *workdir_fd, uid_t *box_uid,
                       struct sbx_error **err)
{
        struct sbx_launch_request req;
        int fds[SBX_WIRE_MAX_FDS];
        int r = sbx_wire_recv_fds(ctl_fd, &req, sizeof(req), fds);

        if (r < 0 || req.magic != SBX_LAUNCH_MAGIC || req.kind != SBX_LAUNCH_JOB || fds[0] < 0) {
                sbx_closep(&fds[0]);
                sbx_closep(&fds[1]);
                return -EPIPE; /* the launcher is gone */
        }
        *job_fd = fds[0];
        *workdir_fd = fds[1];
        *box_uid = (uid_t)req.box_uid;
        if (req.in_box && fds[1] < 0)
                sbx_error_set(err, ENOENT, "the sandbox's work dir is gone");
        return 0;
}

/* The prepared jail fits a one-shot job without network; anything else gets a fresh one. */
static int fit_jail(struct job *job, int workdir_fd, uid_t box_uid, bool prepared,
                    struct sbx_error **err)
{
        enum sbx_network net = job->spec->policy->network;
        int r;

        if (prepared && !sbx_launch_clones_jail(workdir_fd >= 0, net)) {
                r = attached(job, err);
                if (r == 0)
                        send_spec(job);
                return r;
        }
        discard_jail(job);
        if (box_uid != (uid_t)-1 && job->env->privileged)
                job->uid = box_uid, job->gid = (gid_t)box_uid;
        job->placed = false;
        r = clone_jail(job, net, workdir_fd, job->uid, job->gid, err);
        if (r == 0) /* the jail builds what does not depend on the job meanwhile */
                r = attached(job, err);
        if (r == 0)
                send_spec(job);
        return r;
}

static void run(struct job *job, int workdir_fd, uid_t box_uid, bool prepared,
                struct sbx_error **err)
{
        struct sbx_result r = {.verdict = SBX_VERDICT_SANDBOX_ERROR, .exit_code = -1};
        const struct sbx_limits *l = &job->spec->policy->limits;

        job->out.cap = job->err.cap = l->output_bytes;
        if (!*err && (!job->cgroup || sbx_cgroup_set_limits(job->cgroup, l, err) == 0) &&
            fit_jail(job, workdir_fd, box_uid, prepared, err) == 0) {
                start_payload(job);
                supervise_loop(job);
                collect(job, &r);
                r.cgroup_entry = cgroup_entry(job);
        } else {
                r.message = strdup(*err && (*err)->message ? (*err)->message : "the jail failed");
        }
        /* The caller gets its answer before the cgroup is torn down: cleanup stays off the
         * job's path. The slot's uid is released when this process exits, after the cleanup. */
        reply(job->job_fd, &r);
}

_Noreturn void sbx_supervise(const struct sbx_native_env *env, int ctl_fd, bool prepare_jail)
{
        struct job job = {
            .env = env,
            .init = -1,
            .pidfd = -1,
            .status_fd = -1,
            .stdin_fd = -1,
            .job_fd = -1,
            .go_fd = -1,
            .slot_fd = -1,
            .host_netns_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC),
            .out = {.fd = -1},
            .err = {.fd = -1},
        };
        struct sbx_error *err = NULL;
        struct sbx_wire_spec ws;
        int workdir_fd = -1;
        uid_t box_uid;
        char *raw = NULL;
        size_t size = 0;

        signal(SIGCHLD, SIG_DFL);
        signal(SIGPIPE, SIG_IGN);
        /* Supplementary groups (root's group 0) must not follow the payload into the jail,
         * where setgroups is denied and it could not drop them itself. */
        if (env->privileged && setgroups(0, NULL) < 0)
                sbx_error_set(&err, errno, "dropping supplementary groups: %m");
        bool prepared = !err && prepare(&job, prepare_jail, &err) == 0 && prepare_jail;

        if (receive_job(ctl_fd, &job.job_fd, &workdir_fd, &box_uid, &err) == 0 &&
            sbx_wire_recv(job.job_fd, &raw, &size) == 0 && sbx_wire_get_spec(raw, size, &ws) == 0) {
                job.spec = &ws.spec;
                run(&job, workdir_fd, box_uid, prepared, &err);
        }
        discard_jail(&job);
        sbx_cgroup_destroy(job.cgroup);
        _exit(0);
}
