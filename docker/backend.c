/* The ops table: one-shot containers, pooled containers, and stateful boxes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docker/agent.h"
#include "docker/docker.h"
#include "docker/exec.h"
#include "docker/paths.h"
#include "docker/pool.h"
#include "install_dirs.h"
#include "slots.h"
#include "util.h"

#ifndef SBX_BUILD_WAITER
#define SBX_BUILD_WAITER NULL
#endif

#define POOL_MAX       64
#define FILE_OP_WALL   10000
#define FILE_OP_OUTPUT 65536
#define REAPER_MAX_S   120

struct sbx_backend {
        struct sbx_docker_engine *e;
        struct sbx_docker_config cfg;
        char *state_dir, *slot_dir, *agent_dirs;
        char waiter[PATH_MAX];
        struct sbx_owner *owner; /* held while we live: our containers' label */
        pid_t reaper;            /* removes them if we die without closing (start_reaper) */
        char *image;
        struct sbx_docker_pools *pools;
        pthread_mutex_t lock;
        pthread_cond_t idle;
        unsigned removing; /* one-shot containers being removed in the background */
};

struct removal {
        struct sbx_backend *be;
        struct sbx_docker_container *c;
};

struct sbx_box {
        struct sbx_docker_container *c;
        struct sbx_policy policy; /* what the container was made for (sbx_docker_policy_copy) */
        char *image;
        pthread_mutex_t lock; /* one job or file operation at a time */
        bool pooled;          /* lent by a pool (struct sbx_box_pool): goes back to it */
};

/* The runtime's sbx_pool: containers of its own in the backend's pool machinery. */
struct sbx_box_pool {
        struct sbx_docker_pool *pool;
        char *image;
};

static int docker_probe(struct sbx_error **err)
{
        struct sbx_docker_engine *e = NULL;
        int r = sbx_docker_engine_open(&e, err);

        sbx_docker_engine_free(e);
        return r;
}

static int env_pool_size(unsigned *out, struct sbx_error **err)
{
        const char *s = getenv("SANDBOXRT_DOCKER_POOL");
        uint64_t v = 0;

        if (s && *s && (sbx_parse_u64(s, &v) < 0 || v > POOL_MAX))
                return sbx_error_set(err, EINVAL, "SANDBOXRT_DOCKER_POOL=%s: want 0..%d", s,
                                     POOL_MAX);
        *out = (unsigned)v;
        return 0;
}

static void *remove_one(void *arg)
{
        struct removal *rm = arg;
        struct sbx_backend *be = rm->be;

        sbx_docker_container_remove(be->e, rm->c);
        free(rm);
        pthread_mutex_lock(&be->lock);
        be->removing--;
        pthread_cond_broadcast(&be->idle);
        pthread_mutex_unlock(&be->lock);
        return NULL;
}

/* Removal is off the job's path (close waits for it); inline when no thread can be had. */
static void remove_later(struct sbx_backend *be, struct sbx_docker_container *c)
{
        struct removal *rm = malloc(sizeof(*rm));
        pthread_t t;

        if (rm) {
                *rm = (struct removal){.be = be, .c = c};
                pthread_mutex_lock(&be->lock);
                be->removing++;
                pthread_mutex_unlock(&be->lock);
                if (pthread_create(&t, NULL, remove_one, rm) == 0) {
                        pthread_detach(t);
                        return;
                }
                pthread_mutex_lock(&be->lock);
                be->removing--;
                pthread_mutex_unlock(&be->lock);
                free(rm);
        }
        sbx_docker_container_remove(be->e, c);
}

static void docker_close(struct sbx_backend *be)
{
        if (!be)
                return;
        pthread_mutex_lock(&be->lock);
        while (be->removing > 0)
                pthread_cond_wait(&be->idle, &be->lock);
        pthread_mutex_unlock(&be->lock);
        sbx_docker_pools_free(be->pools);
        sbx_docker_engine_free(be->e);
        sbx_owner_free(be->owner);
        if (be->reaper > 0) {
                kill(be->reaper, SIGKILL);
                (void)waitpid(be->reaper, NULL, 0);
        }
        pthread_cond_destroy(&be->idle);
        pthread_mutex_destroy(&be->lock);
        free(be->state_dir);
        free(be->slot_dir);
        free(be->agent_dirs);
        free(be->image);
        free(be);
}

/* The agent directories of dead owners' containers (named after their labels: <token>-<n>). */
static void reap_agent_dirs(struct sbx_backend *be, const struct sbx_owners *dead)
{
        DIR *d = be->agent_dirs ? opendir(be->agent_dirs) : NULL;
        struct dirent *de;

        while (d && (de = readdir(d))) {
                _cleanup_free_ char *path = NULL;
                if (de->d_name[0] == '.' || !sbx_owners_match(dead, de->d_name))
                        continue;
                path = sbx_strdup_printf("%s/%s", be->agent_dirs, de->d_name);
                sbx_docker_agent_dir_remove(path);
        }
        if (d)
                closedir(d);
}

/* What dead owners of our scope (the engine's socket) left behind: never a container whose
 * owner's record we cannot see. e is NULL where no engine answered: then every record stays. */
static int reap(struct sbx_backend *be, struct sbx_docker_engine *e, struct sbx_error **err)
{
        struct sbx_owners *dead = NULL;
        int r = sbx_owners_find_dead(be->state_dir, "docker", sbx_docker_socket_path(), &dead, err);

        if (r == 0 && !e)
                sbx_owners_keep_all(dead);
        else if (r == 0 && (r = sbx_docker_reap(e, dead, err)) >= 0) {
                reap_agent_dirs(be, dead);
                r = 0;
        }
        sbx_owners_release(dead);
        return r;
}

/* dockerd keeps a backend's containers running when the process dies without closing it (Ctrl-C
 * of an eval, SIGKILL, a crash) until another instance opens and reaps them, which may be never.
 * So a backend forks a reaper: it sleeps until the process exits (its pidfd, readable once the
 * process has released its owner lock with its fds), reaps as an opening backend does, ours
 * among the dead, and exits; a backend that closes kills it. It runs in a session of its own (a
 * terminal's Ctrl-C is not for it), ignores the signals that ask a process to end (pkill -f
 * matches it: it has the process's command line) and holds no fd of the process: not its owner
 * lock, not its stdout (a pipe to less), not a listening socket. Best effort: what it leaves,
 * the next instance takes. */
static _Noreturn void reaper_main(struct sbx_backend *be, int process)
{
        static const int ignored[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE};
        struct pollfd p = {.fd = 3, .events = POLLIN};
        struct sbx_docker_engine *e = NULL;
        int copy = fcntl(process, F_DUPFD, 3), null = open("/dev/null", O_RDWR);

        (void)setsid();
        (void)prctl(PR_SET_NAME, "sbx-docker-reap");
        for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
                signal(ignored[i], SIG_IGN);
        /* stdio from /dev/null, the pidfd at 3 (where null may have been), nothing else */
        if (copy < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
            (copy != 3 && dup2(copy, 3) < 0))
                _exit(1);
        syscall(SYS_close_range, 4, ~0U, 0);
        while (poll(&p, 1, -1) < 0)
                if (errno != EINTR)
                        _exit(1);
        alarm(REAPER_MAX_S); /* whatever the engine does, the reaper does not outlive its task */
        (void)sbx_docker_engine_open(&e, NULL);
        (void)reap(be, e, NULL);
        _exit(0);
}

static void start_reaper(struct sbx_backend *be)
{
        _cleanup_close_ int process = (int)syscall(SYS_pidfd_open, getpid(), 0);

        if (process >= 0 && (be->reaper = fork()) == 0)
                reaper_main(be, process);
}

/* Our owner record (in the state dir, scoped to the engine's socket), our reaper, then what dead
 * owners of the same scope left behind. */
static int own(struct sbx_backend *be, struct sbx_error **err)
{
        int r = sbx_owner_new(be->state_dir, "docker", sbx_docker_socket_path(), &be->owner, err);

        if (r < 0)
                return r;
        sbx_docker_engine_set_owner(be->e, sbx_owner_token(be->owner));
        start_reaper(be);
        return reap(be, be->e, err);
}

/* Why jobs cannot go through the in-container agent (docker/agent_main.c), or NULL. Where it
 * can, a container whose agent does not answer still runs its jobs as execs. */
static const char *no_agent_reason(bool have_waiter)
{
        if (getenv("SANDBOXRT_DOCKER_NO_AGENT"))
                return "SANDBOXRT_DOCKER_NO_AGENT is set";
        if (getenv("SANDBOXRT_DOCKER_NO_CGROUP"))
                return "SANDBOXRT_DOCKER_NO_CGROUP is set: the containers' cgroups are not used";
        if (!have_waiter)
                return "sandboxrt-waiter not found";
        if (geteuid() != 0)
                return "the agent listens in a directory of root's: sandboxrt runs as another user";
        return NULL;
}

/* The parent of the containers' agent directories, when jobs may go to agents. */
static void agent_dirs(struct sbx_backend *be)
{
        struct sbx_error *err = NULL;

        if (!no_agent_reason(be->cfg.waiter != NULL) &&
            sbx_state_subdir(be->state_dir, "agents", 0700, &err) == 0)
                be->agent_dirs = sbx_strdup_printf("%s/agents", be->state_dir);
        be->cfg.agent_dirs = be->agent_dirs;
        sbx_error_free(err);
}

static int docker_open(const struct sbx_runtime_options *opts, struct sbx_backend **out,
                       struct sbx_error **err)
{
        const char *image = opts && opts->image ? opts->image : getenv("SANDBOXRT_DOCKER_IMAGE");
        struct sbx_backend *be = calloc(1, sizeof(*be));
        unsigned pool = 0;
        int r;

        if (!be || !(be->image = strdup(image && *image ? image : SBX_DOCKER_DEFAULT_IMAGE))) {
                free(be);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        pthread_mutex_init(&be->lock, NULL);
        pthread_cond_init(&be->idle, NULL);
        r = env_pool_size(&pool, err);
        if (r == 0)
                r = sbx_state_dir_open(&be->state_dir, err);
        if (r == 0 && (r = sbx_slot_dir(be->state_dir, &be->slot_dir, err)) == 0)
                be->cfg.slot_dir = be->slot_dir;
        /* Without the waiter, a job's exit(130) reads as SIGINT (see docker/waiter.c). */
        if (sbx_find_helper("SANDBOXRT_DOCKER_WAITER",
                            SBX_INSTALL_LIBEXECDIR "/sandboxrt/sandboxrt-waiter", SBX_BUILD_WAITER,
                            be->waiter, sizeof(be->waiter)))
                be->cfg.waiter = be->waiter;
        if (r == 0)
                agent_dirs(be);
        if (r == 0)
                r = sbx_docker_engine_open(&be->e, err);
        if (r == 0)
                r = own(be, err);
        if (r == 0)
                r = sbx_docker_pools_new(be->e, &be->cfg, pool, &be->pools, err);
        if (r < 0) {
                docker_close(be);
                return r;
        }
        *out = be;
        return 0;
}

static int run_box(struct sbx_backend *be, struct sbx_box *box, const struct sbx_spec *spec,
                   struct sbx_result *res, struct sbx_error **err)
{
        int r = 0;

        pthread_mutex_lock(&box->lock);
        /* A container killed whole (no cgroup access) comes back empty: say so. */
        if (box->c->broken && (r = sbx_docker_container_restart(be->e, box->c, err)) < 0)
                sbx_error_prefix(err, "the sandbox's container was killed and did not restart");
        if (r == 0)
                r = sbx_docker_exec_run(be->e, box->c, spec, res, err);
        pthread_mutex_unlock(&box->lock);
        return r;
}

static int docker_run(struct sbx_backend *be, struct sbx_box *box, const struct sbx_spec *spec,
                      struct sbx_result *res, struct sbx_error **err)
{
        struct sbx_docker_container *c = NULL;
        int r;

        res->backend = "docker";
        if (box)
                return run_box(be, box, spec, res, err);
        if (sbx_docker_pools_size(be->pools) > 0) {
                r = sbx_docker_pool_acquire(be->pools, be->image, spec->policy, &c, err);
                if (r < 0)
                        return r;
                r = sbx_docker_exec_run(be->e, c, spec, res, err);
                sbx_docker_pool_release(be->pools, be->image, spec->policy, c);
                return r;
        }
        r = sbx_docker_container_new(be->e, &be->cfg, be->image, spec->policy, &c, err);
        if (r < 0)
                return r;
        r = sbx_docker_exec_run(be->e, c, spec, res, err);
        remove_later(be, c);
        return r;
}

static struct sbx_box *box_free(struct sbx_box *box)
{
        sbx_docker_policy_clear(&box->policy);
        pthread_mutex_destroy(&box->lock);
        free(box->image);
        free(box);
        return NULL;
}

/* A container the engine fails to remove keeps its labels: the next open reaps it. */
static int docker_box_destroy(struct sbx_backend *be, struct sbx_box *box, struct sbx_error **err)
{
        if (!box)
                return 0;
        sbx_docker_container_remove(be->e, box->c);
        box_free(box);
        return 0;
}

static struct sbx_box *box_new(const struct sbx_policy *policy, const char *image)
{
        struct sbx_box *box = calloc(1, sizeof(*box));

        if (!box || !(box->image = strdup(image))) {
                free(box);
                return NULL;
        }
        pthread_mutex_init(&box->lock, NULL);
        if (sbx_docker_policy_copy(&box->policy, policy) < 0)
                return box_free(box);
        return box;
}

static int docker_box_create(struct sbx_backend *be, const struct sbx_policy *policy,
                             const char *image, struct sbx_box **out, struct sbx_error **err)
{
        struct sbx_box *box = box_new(policy, image ? image : be->image);
        int r;

        if (!box)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_docker_container_new(be->e, &be->cfg, box->image, &box->policy, &box->c, err);
        if (r < 0) {
                (void)docker_box_destroy(be, box, NULL);
                return r;
        }
        *out = box;
        return 0;
}

/* ---- pools of boxes (sbx_pool) ------------------------------------------------------------ */

static void docker_pool_close(struct sbx_backend *be, struct sbx_box_pool *bp)
{
        if (!bp)
                return;
        sbx_docker_pool_close(be->pools, bp->pool);
        free(bp->image);
        free(bp);
}

static int docker_pool_open(struct sbx_backend *be, const struct sbx_policy *policy,
                            const char *image, unsigned size, struct sbx_box_pool **out,
                            struct sbx_error **err)
{
        struct sbx_box_pool *bp = calloc(1, sizeof(*bp));
        int r;

        if (!bp || !(bp->image = strdup(image ? image : be->image))) {
                free(bp);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        r = sbx_docker_pool_open(be->pools, bp->image, policy, size, &bp->pool, err);
        if (r < 0) {
                free(bp->image);
                free(bp);
                return r;
        }
        *out = bp;
        return 0;
}

static int docker_pool_take(struct sbx_backend *be, struct sbx_box_pool *bp,
                            const struct sbx_policy *policy, struct sbx_box **out,
                            struct sbx_error **err)
{
        struct sbx_box *box = box_new(policy, bp->image);
        int r;

        if (!box)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_docker_pool_take(be->pools, bp->pool, &box->policy, &box->c, &box->pooled, err);
        if (r < 0) {
                box_free(box);
                return r;
        }
        *out = box;
        return 0;
}

static void docker_pool_give(struct sbx_backend *be, struct sbx_box_pool *bp, struct sbx_box *box)
{
        if (box->pooled)
                sbx_docker_pool_give(be->pools, bp->pool, box->c);
        else
                remove_later(be, box->c);
        box_free(box);
}

/* A file operation as a small job of the sandbox user: it sees what the job would see. */
static int file_job(struct sbx_backend *be, struct sbx_box *box, const char *const *argv,
                    const void *in, size_t in_size, size_t max_bytes, struct sbx_result *res,
                    struct sbx_error **err)
{
        struct sbx_policy policy = box->policy;
        const struct sbx_spec spec = {
            .argv = argv, .policy = &policy, .stdin_data = in, .stdin_size = in_size};

        policy.limits.wall_ms = FILE_OP_WALL;
        policy.limits.cpu_ms = FILE_OP_WALL;
        policy.limits.output_bytes = max_bytes;
        return run_box(be, box, &spec, res, err);
}

static int file_path(const struct sbx_box *box, const char *path, char **abs,
                     struct sbx_error **err)
{
        _cleanup_free_ char *rel = NULL;
        const char *root;
        int r = sbx_docker_split_path(box->c->dirs, path, &root, &rel);

        if (r < 0)
                return sbx_error_set(err, -r, "'%s': not a path inside the sandbox", path);
        *abs = sbx_strdup_printf("%s/%s", root, rel);
        return *abs ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}

/* What a file script's exit status means: 3 and 4 from the tests of the path (not a regular
 * file, a symbolic link), else what its cat said (it exits 0 after it). */
static int file_status(int code, const char *path, const struct sbx_result *res,
                       struct sbx_error **err)
{
        if (code == 3)
                return sbx_error_set(err, EINVAL, "%s is not a regular file", path);
        if (code == 4)
                return sbx_error_set(err, ELOOP, "%s is a symbolic link", path);
        return sbx_error_set(err, ENOENT, "reading %s: %s", path,
                             res->err.size ? res->err.data : "failed");
}

/* Written by the job user, the data on its stdin: only what the sandbox's own permissions and
 * read-only root let it write. (The engine's archive endpoint writes as root and follows, in
 * the directories of an entry's path, a link the sandbox planted: out of the capped volumes,
 * into the container's own layer on the host's disk.) As the native backend, only a regular
 * file is written: cat would wait on a FIFO the sandbox planted until the file job's wall limit
 * (which still bounds it if a process of the sandbox swaps one in after the test). */
static int docker_box_write(struct sbx_backend *be, struct sbx_box *box,
                            const struct sbx_file *file, struct sbx_error **err)
{
        static const char script[] = "[ -L \"$1\" ] && exit 4; [ -e \"$1\" ] && [ ! -f \"$1\" ] "
                                     "&& exit 3; umask 077; mkdir -p -- \"${1%/*}\" && "
                                     "cat > \"$1\" && chmod \"$2\" -- \"$1\"";
        _cleanup_free_ char *abs = NULL;
        struct sbx_result res = {0};
        char mode[16];
        int r = file_path(box, file->path, &abs, err);

        if (r < 0)
                return r;
        snprintf(mode, sizeof(mode), "%o", (unsigned)((file->mode ? file->mode : 0644) & 0777));
        const char *const argv[] = {"/bin/sh", "-c", script, "sh", abs, mode, NULL};
        r = file_job(be, box, argv, file->data, file->size, FILE_OP_OUTPUT, &res, err);
        if (r == 0 && res.verdict != SBX_VERDICT_OK && (res.exit_code == 3 || res.exit_code == 4))
                r = file_status(res.exit_code, file->path, &res, err);
        else if (r == 0 && res.verdict != SBX_VERDICT_OK)
                r = sbx_error_set(err, EIO, "writing %s: %s", file->path,
                                  res.err.size  ? res.err.data
                                  : res.message ? res.message
                                                : "failed");
        free(res.out.data);
        free(res.err.data);
        free(res.message);
        return r;
}

/* Only a regular file is read: cat would wait on a FIFO the sandbox planted until the file
 * job's wall limit, and follow a symlink. (A process the sandbox left running could swap the
 * file between the test and cat: then the wall limit still bounds the read.) */
static int docker_box_read(struct sbx_backend *be, struct sbx_box *box, const char *path,
                           size_t max_bytes, struct sbx_output *out, struct sbx_error **err)
{
        static const char script[] = "[ -L \"$1\" ] && exit 4; [ -e \"$1\" ] || exit 2; "
                                     "[ -f \"$1\" ] || exit 3; exec cat -- \"$1\"";
        _cleanup_free_ char *abs = NULL;
        struct sbx_result res = {0};
        int r = file_path(box, path, &abs, err);

        if (r < 0)
                return r;
        const char *const argv[] = {"/bin/sh", "-c", script, "sh", abs, NULL};
        r = file_job(be, box, argv, NULL, 0, max_bytes, &res, err);
        if (r == 0 && res.verdict != SBX_VERDICT_OK && !res.out.truncated)
                r = file_status(res.exit_code, path, &res, err);
        if (r == 0) {
                *out = res.out;
                res.out = (struct sbx_output){0};
        }
        free(res.out.data);
        free(res.err.data);
        free(res.message);
        return r;
}

/* rm -rf semantics, as the native backend: a tree goes whole, whatever modes the sandbox set
 * on it (the file job runs as the sandbox's user, not root). */
static int docker_box_remove(struct sbx_backend *be, struct sbx_box *box, const char *path,
                             struct sbx_error **err)
{
        static const char script[] = "[ -L \"$1\" ] || chmod -R u+rwX -- \"$1\" 2>/dev/null; "
                                     "exec rm -rf -- \"$1\"";
        _cleanup_free_ char *abs = NULL;
        struct sbx_result res = {0};
        int r = file_path(box, path, &abs, err);

        if (r < 0)
                return r;
        const char *const argv[] = {"/bin/sh", "-c", script, "sh", abs, NULL};
        r = file_job(be, box, argv, NULL, 0, FILE_OP_OUTPUT, &res, err);
        if (r == 0 && res.verdict != SBX_VERDICT_OK)
                r = sbx_error_set(err, EIO, "removing %s: %s", path,
                                  res.err.size  ? res.err.data
                                  : res.message ? res.message
                                                : "failed");
        free(res.out.data);
        free(res.err.data);
        free(res.message);
        return r;
}

/* The engine enforces them all: cgroups in the container, ulimits, the job's wall clock here. */
static uint32_t docker_limits_enforced(struct sbx_backend *be, const char **why)
{
        return SBX_LIMITS_ALL;
}

const struct sbx_backend_ops sbx_docker_ops = {
    .name = "docker",
    .probe = docker_probe,
    .open = docker_open,
    .close = docker_close,
    .run = docker_run,
    .box_create = docker_box_create,
    .box_destroy = docker_box_destroy,
    .box_write = docker_box_write,
    .box_read = docker_box_read,
    .box_remove = docker_box_remove,
    .pool_open = docker_pool_open,
    .pool_take = docker_pool_take,
    .pool_give = docker_pool_give,
    .pool_close = docker_pool_close,
    .limits_enforced = docker_limits_enforced,
};

int sbx_docker_set_pool_size(struct sbx_backend *be, unsigned size, struct sbx_error **err)
{
        struct sbx_docker_pools *p = NULL;
        int r;

        if (size > POOL_MAX)
                return sbx_error_set(err, EINVAL, "pool size %u over %d", size, POOL_MAX);
        r = sbx_docker_pools_new(be->e, &be->cfg, size, &p, err);
        if (r < 0)
                return r;
        sbx_docker_pools_free(be->pools);
        be->pools = p;
        return 0;
}

int sbx_docker_warm(struct sbx_backend *be, const char *image, const struct sbx_policy *policy,
                    struct sbx_error **err)
{
        if (sbx_docker_pools_size(be->pools) == 0)
                return 0;
        return sbx_docker_pool_warm(be->pools, image ? image : be->image, policy, err);
}

int sbx_docker_describe(const char *image, char **report, struct sbx_error **err)
{
        struct sbx_docker_engine *e = NULL;
        struct sbx_error *ierr = NULL;
        const char *img = image ? image : getenv("SANDBOXRT_DOCKER_IMAGE");
        int r = sbx_docker_engine_open(&e, err);

        if (!img || !*img)
                img = SBX_DOCKER_DEFAULT_IMAGE;
        if (r < 0)
                return r; /* *err says why */
        int present = sbx_docker_image_exists(e, img, &ierr);
        char waiter[PATH_MAX];
        const char *no_agent = no_agent_reason(sbx_find_helper(
            "SANDBOXRT_DOCKER_WAITER", SBX_INSTALL_LIBEXECDIR "/sandboxrt/sandboxrt-waiter",
            SBX_BUILD_WAITER, waiter, sizeof(waiter)));
        *report = sbx_strdup_printf(
            "engine: Docker %s at %s\napi version: %s\ncgroup driver: %s (cgroup v%d)\n"
            "image %s: %s\njob transport: %s%s%s",
            sbx_docker_engine_version(e), sbx_docker_socket_path(), sbx_docker_engine_api(e),
            sbx_docker_engine_cgroup_driver(e), sbx_docker_engine_cgroup_version(e), img,
            present == 0 ? "present"
                         : (present == -ENOENT ? "missing (pulled on first use)"
                                               : (ierr && ierr->message ? ierr->message : "?")),
            no_agent ? "docker exec ("
                     : "in-container agent over a unix socket (docker exec "
                       "for a container whose cgroup or agent this host "
                       "cannot reach",
            no_agent ? no_agent : "", ")");
        sbx_error_free(ierr);
        sbx_docker_engine_free(e);
        return *report ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}
