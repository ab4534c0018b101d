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
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsutil.h"
#include "install_dirs.h"
#include "native_internal.h"
#include "slots.h"
#include "util.h"
#include "wire.h"
#include "zygote.h"

extern char **environ;

struct sbx_backend {
        struct sbx_native_env env; /* the launcher's copy also has cgroups, seccomp, owner and
                                    * storage; ours has the launcher's limits */
        int ctrl_fd;
        pid_t launcher;
        char *cgroups;            /* how the launcher uses cgroups, for --verbose */
        atomic_bool warm;         /* the launcher was asked to start the zygote */
        unsigned jobs_per_zygote; /* SBX_ZYGOTE_JOBS_ENV, or 0: the default */
};

/* A work dir in the launcher's storage (storage.h), for a stateful sandbox or the steps of a
 * compiled language. */
struct sbx_box {
        int dir_fd; /* its top directory, for the host's file operations */
        int slot_fd;
        uid_t uid;
        uint64_t id;
};

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

static bool find_launcher(char *path, size_t size)
{
        /* The light binary forks its launcher when it runs from the build tree. */
        return sbx_find_helper("SANDBOXRT_LAUNCHER", SBX_INSTALL_BINDIR "/sandboxrt",
                               sbx_native_runs_launcher_binary() ? NULL : SBX_BUILD_LAUNCHER, path,
                               size);
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
                        sbx_native_launcher_run(&be->env, sv[1], parent,
                                                sbx_native_own_launcher_binary(self));
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

/* Have the launcher start the zygote, once, at the first job that could run warm. Not before:
 * every jail the zygote forks is a copy of the interpreter, and readies it, which costs a job
 * that turns out cold ~15 ms of CPU (a runtime of C++ or `warm: false` jobs never starts it).
 * The launcher handles the request before that job's, so the job gets a jail the zygote forked
 * once the zygote has started. */
static void ask_warm(struct sbx_backend *be)
{
        struct sbx_launch_request req = {
            .magic = SBX_LAUNCH_MAGIC, .kind = SBX_LAUNCH_WARM, .bytes = be->jobs_per_zygote};

        if (!atomic_exchange(&be->warm, true))
                (void)sbx_wire_send_fds(be->ctrl_fd, &req, sizeof(req), NULL, 0);
}

/* `python3 FILE.py ...` with warm Python on: a job the zygote may serve (zygote_serve.c:
 * warm_fits decides, in its jail). */
static bool may_run_warm(const struct sbx_spec *spec)
{
        return spec->policy->warm == SBX_WARM_ON && sbx_zygote_command(spec->argv, NULL);
}

/* How many jobs one zygote serves, from the environment (0: not set, the default). */
static int jobs_per_zygote(unsigned *n, struct sbx_error **err)
{
        const char *set = getenv(SBX_ZYGOTE_JOBS_ENV);
        uint64_t v;

        *n = 0;
        if (!set || !*set)
                return 0;
        if (sbx_parse_u64(set, &v) < 0 || v < 1 || v > SBX_ZYGOTE_JOBS_MAX)
                return sbx_error_set(err, EINVAL,
                                     "%s=%s: not a number of jobs from 1 to %u (how many warm "
                                     "Python jobs one interpreter serves before a fresh one)",
                                     SBX_ZYGOTE_JOBS_ENV, set, SBX_ZYGOTE_JOBS_MAX);
        *n = (unsigned)v;
        return 0;
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
        be->env.zygote_fd = -1;
        be->env.privileged = geteuid() == 0;
        r = jobs_per_zygote(&be->jobs_per_zygote, err);
        if (r == 0 && (r = sbx_native_state_dir_open(&be->env, err)) == 0)
                r = start_launcher(be, err);
        if (r < 0) {
                native_close(be);
                return r;
        }
        *out = be;
        return 0;
}

/* The job, for the launcher: which supervisor takes it. warm: it may run warm (may_run_warm). */
static int send_request(struct sbx_backend *be, int job_fd, const struct sbx_spec *spec, bool warm,
                        const struct sbx_box *box)
{
        struct sbx_launch_request req = {
            .magic = SBX_LAUNCH_MAGIC,
            .kind = SBX_LAUNCH_JOB,
            .box_uid = box ? (uint32_t)box->uid : UINT32_MAX,
            .in_box = box != NULL,
            .jail = warm ? SBX_LAUNCH_JAIL_WARM : SBX_LAUNCH_JAIL_COLD,
            .cloned = sbx_launch_clones_jail(box != NULL, spec->policy->network)};
        int fds[2] = {job_fd, box ? box->dir_fd : -1};

        return sbx_wire_send_fds(be->ctrl_fd, &req, sizeof(req), fds, box ? 2 : 1);
}

/* Wait until the supervisor answers, or the job's cancel fd hangs up (-ECANCELED), or its
 * sandbox is stopped (-ESHUTDOWN): then closing our end of the job socket (by the caller) makes
 * the supervisor kill the jail. */
static int wait_for_answer(int job_fd, const struct sbx_spec *spec)
{
        struct pollfd p[] = {
            {.fd = job_fd, .events = POLLIN},
            {.fd = spec->cancel_fd > 0 ? spec->cancel_fd : -1, .events = POLLRDHUP},
            {.fd = spec->stop_fd > 0 ? spec->stop_fd : -1, .events = POLLIN},
        };

        while (poll(p, ELEMENTSOF(p), -1) < 0)
                if (errno != EINTR)
                        return -errno;
        if (p[0].revents)
                return 0;
        if (p[1].revents & (POLLHUP | POLLRDHUP | POLLERR))
                return -ECANCELED;
        return p[2].revents ? -ESHUTDOWN : 0;
}

static int native_run(struct sbx_backend *be, struct sbx_box *box, const struct sbx_spec *spec,
                      struct sbx_result *res, struct sbx_error **err)
{
        int sv[2];
        struct sbx_wbuf b = {0};
        char *raw = NULL;
        size_t size;
        int r;
        bool warm = may_run_warm(spec);

        if (warm)
                ask_warm(be);
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
                return sbx_error_set(err, errno, "socketpair: %m");
        _cleanup_close_ int job_fd = sv[0];
        r = send_request(be, sv[1], spec, warm, box);
        close(sv[1]);
        if (r < 0)
                return sbx_error_set(err, -r, "the native launcher is gone (%s)", strerror(-r));
        sbx_wire_put_spec(&b, spec);
        r = sbx_wire_send(job_fd, &b);
        sbx_wbuf_release(&b);
        if (r < 0)
                return sbx_error_set(err, -r, "sending the job to its supervisor: %s",
                                     strerror(-r));
        r = wait_for_answer(job_fd, spec);
        if (r < 0)
                return sbx_error_set(err, -r, "cancelled: %s",
                                     r == -ESHUTDOWN ? "the sandbox was stopped"
                                                     : "the client went away");
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
                r = sbx_writable_layout(box->dir_fd, policy,
                                        be->env.privileged ? box->uid : (uid_t)-1, err);
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

/* A box path (absolute, in one of the box's writable directories: sbx_sandbox_path's) relative
 * to the top of the box's tmpfs, which holds them all at their own paths (sbx_writable_layout). */
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
