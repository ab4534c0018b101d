#include "docker/container.h"
#include "docker/paths.h"

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "docker/agent.h"
#include "docker/parse.h"
#include "docker/seccomp.h"
#include "docker/wipe.h"
#include "policies/fields.h"
#include "policies/policy.h"
#include "slots.h"
#include "util.h"

#define MIN_MEMORY     (6u << 20) /* the engine refuses less */
#define IDLE_PROCESSES 2          /* docker-init and its sleep */
#define REQ_TIMEOUT    60000L
#define UPLOAD_MAX     (1ull << 30)
#define PULL_LINE_MAX  65536
#define TAR_OVERHEAD   4096
#define AGENT_START_MS 2000 /* the start waits that long for the agent; later, each job looks */

static inline void cjson_deletep(cJSON **j)
{
        cJSON_Delete(*j);
}
#define _cleanup_cjson_ __attribute__((cleanup(cjson_deletep)))

/* sandboxrt.owner is the creating backend's owner token (runtime/owner.h): a later backend
 * removes the container once that owner is provably dead, and never otherwise. */
static bool add_labels(cJSON *obj, const char *owner, const char *sandbox_label)
{
        cJSON *l = cJSON_AddObjectToObject(obj, "Labels");
        char now[24];

        snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
        return l && cJSON_AddStringToObject(l, "sandboxrt.owner", owner) &&
               cJSON_AddStringToObject(l, "sandboxrt.sandbox", sandbox_label) &&
               cJSON_AddStringToObject(l, "sandboxrt.created", now);
}

static bool add_ulimit(cJSON *arr, const char *name, uint64_t soft, uint64_t hard)
{
        cJSON *u = cJSON_CreateObject();

        if (!u || !cJSON_AddItemToArray(arr, u))
                return cJSON_Delete(u), false;
        return cJSON_AddStringToObject(u, "Name", name) &&
               cJSON_AddNumberToObject(u, "Soft", (double)soft) &&
               cJSON_AddNumberToObject(u, "Hard", (double)hard);
}

/* A size-capped tmpfs that the engine mounts on the host as a volume: unlike HostConfig.Tmpfs,
 * the archive endpoint can write into it under a read-only root. */
static bool add_tmpfs_volume(cJSON *mounts, const char *target, const char *opts, const char *owner,
                             const char *sandbox_label)
{
        cJSON *m = cJSON_CreateObject(), *vo, *dc, *o;

        if (!m || !cJSON_AddItemToArray(mounts, m))
                return cJSON_Delete(m), false;
        if (!cJSON_AddStringToObject(m, "Type", "volume") ||
            !cJSON_AddStringToObject(m, "Target", target) ||
            !(vo = cJSON_AddObjectToObject(m, "VolumeOptions")) ||
            !add_labels(vo, owner, sandbox_label) ||
            !(dc = cJSON_AddObjectToObject(vo, "DriverConfig")) ||
            !cJSON_AddStringToObject(dc, "Name", "local") ||
            !(o = cJSON_AddObjectToObject(dc, "Options")))
                return false;
        return cJSON_AddStringToObject(o, "type", "tmpfs") &&
               cJSON_AddStringToObject(o, "device", "tmpfs") &&
               cJSON_AddStringToObject(o, "o", opts);
}

static bool add_bind(cJSON *mounts, const char *source, const char *target, bool ro)
{
        cJSON *m = cJSON_CreateObject();

        if (!m || !cJSON_AddItemToArray(mounts, m))
                return cJSON_Delete(m), false;
        return cJSON_AddStringToObject(m, "Type", "bind") &&
               cJSON_AddStringToObject(m, "Source", source) &&
               cJSON_AddStringToObject(m, "Target", target) &&
               cJSON_AddBoolToObject(m, "ReadOnly", ro);
}

/* The waiter, read-only, over the tmpfs volume that takes its records. */
static bool add_waiter(cJSON *mounts, const char *waiter, const char *owner, const char *label,
                       uid_t uid)
{
        _cleanup_free_ char *opts = sbx_strdup_printf(
            "size=65536,nosuid,nodev,noexec,uid=%u,gid=%u,mode=0700", (unsigned)uid, (unsigned)uid);

        return opts && add_bind(mounts, waiter, SBX_DOCKER_WAITER, true) &&
               add_tmpfs_volume(mounts, SBX_DOCKER_WAITER_DIR, opts, owner, label);
}

/* The agent: the waiter again, where container root can reach it (/.sandboxrt is the job
 * user's), and its socket's directory from the host. */
static bool add_agent_mounts(cJSON *mounts, const char *waiter, const char *agent_dir)
{
        return add_bind(mounts, waiter, SBX_DOCKER_AGENT, true) &&
               add_bind(mounts, agent_dir, SBX_DOCKER_AGENT_DIR, false);
}

/* /tmp is everyone's (sticky, root's); the other writable directories are the job user's. */
static bool shared_dir(const char *dir)
{
        return !strcmp(dir, "/tmp");
}

/* Each writable directory (the policy's own too) is a tmpfs volume capped at the policy's tmpfs
 * size (their pages are charged to the container's memory cgroup too, which caps them
 * together). */
static bool add_mounts(cJSON *hc, const struct sbx_policy *p, const char *owner, const char *label,
                       uid_t uid, const char *waiter, const char *agent_dir)
{
        cJSON *mounts = cJSON_AddArrayToObject(hc, "Mounts");
        const struct sbx_limits *l = &p->limits;
        const char *dirs[SBX_WRITABLE_DIRS_MAX + 1];

        sbx_writable_dirs_of(p, dirs);
        for (size_t i = 0; mounts && dirs[i]; i++) {
                const char *dir = dirs[i];
                _cleanup_free_ char *opts =
                    shared_dir(dir)
                        ? sbx_strdup_printf("size=%llu,nosuid,nodev,mode=1777",
                                            (unsigned long long)l->tmpfs_bytes)
                        : sbx_strdup_printf("size=%llu,nosuid,nodev,uid=%u,gid=%u,mode=0700",
                                            (unsigned long long)l->tmpfs_bytes, (unsigned)uid,
                                            (unsigned)uid);
                if (!opts || !add_tmpfs_volume(mounts, dir, opts, owner, label))
                        return false;
        }
        return mounts && (!waiter || add_waiter(mounts, waiter, owner, label, uid)) &&
               (!agent_dir || add_agent_mounts(mounts, waiter, agent_dir));
}

/* The index of dir in c->dirs, or -1. */
static int dir_index(const struct sbx_docker_container *c, const char *dir)
{
        for (int i = 0; c->dirs[i]; i++)
                if (!strcmp(c->dirs[i], dir))
                        return i;
        return -1;
}

int sbx_docker_policy_copy(struct sbx_policy *dst, const struct sbx_policy *src)
{
        bool oom;

        *dst = (struct sbx_policy){.limits = src->limits, .network = src->network};
        dst->writable = sbx_policy_writable_dup(src->writable, &oom);
        return oom ? -ENOMEM : 0;
}

void sbx_docker_policy_clear(struct sbx_policy *p)
{
        p->writable = sbx_policy_writable_free(p->writable);
}

bool sbx_docker_same_dirs(const struct sbx_policy *a, const struct sbx_policy *b)
{
        const char *da[SBX_WRITABLE_DIRS_MAX + 1], *db[SBX_WRITABLE_DIRS_MAX + 1];
        size_t n = sbx_writable_dirs_of(a, da);

        if (sbx_writable_dirs_of(b, db) != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (strcmp(da[i], db[i]))
                        return false;
        return true;
}

/* c->dirs: its own copy of the policy's writable directories. */
static int set_dirs(struct sbx_docker_container *c, const struct sbx_policy *p)
{
        const char *dirs[SBX_WRITABLE_DIRS_MAX + 1];

        sbx_writable_dirs_of(p, dirs);
        for (size_t i = 0; dirs[i]; i++)
                if (!(c->dirs[i] = strdup(dirs[i])))
                        return -ENOMEM;
        return 0;
}

static bool add_memory(cJSON *hc, const char *member, uint64_t v, bool waiter)
{
        uint64_t mem = v < MIN_MEMORY ? MIN_MEMORY : v;

        (void)waiter;
        return cJSON_AddNumberToObject(hc, member, (double)mem) &&
               cJSON_AddNumberToObject(hc, "MemorySwap", (double)mem); /* no swap */
}

static bool add_pids(cJSON *hc, const char *member, uint64_t v, bool waiter)
{
        return cJSON_AddNumberToObject(hc, member, (double)v + IDLE_PROCESSES + waiter);
}

static bool add_nano_cpus(cJSON *hc, const char *member, uint64_t millicores, bool waiter)
{
        (void)waiter;
        return !millicores || cJSON_AddNumberToObject(hc, member, (double)millicores * 1e6);
}

static bool add_number(cJSON *hc, const char *member, uint64_t v, bool waiter)
{
        (void)waiter;
        return cJSON_AddNumberToObject(hc, member, (double)v);
}

/* How each HostConfig member named in the policy table's .docker column is set. */
static const struct {
        const char *member;
        bool (*add)(cJSON *hc, const char *member, uint64_t v, bool waiter);
} host_config_limits[] = {
    {"Memory", add_memory},
    {"PidsLimit", add_pids},
    {"NanoCpus", add_nano_cpus},
    {"ShmSize", add_number},
};

static bool add_host_config_limit(cJSON *hc, const struct sbx_field *f, uint64_t v, bool waiter)
{
        for (size_t i = 0; i < ELEMENTSOF(host_config_limits); i++)
                if (!strcmp(host_config_limits[i].member, f->docker))
                        return host_config_limits[i].add(hc, f->docker, v, waiter);
        return false; /* a row names a member this file does not set: the test catches it */
}

/* Each limit of the policy table with a .docker member or an rlimit. A time rlimit backs up
 * the job's CPU time check: SIGXCPU (read as TIME_LIMIT) at the soft limit, SIGKILL a second
 * later. */
static bool add_limits(cJSON *hc, const struct sbx_policy *p, bool waiter)
{
        cJSON *ul = cJSON_AddArrayToObject(hc, "Ulimits");

        for (size_t i = 0; ul && i < sbx_n_limit_fields; i++) {
                const struct sbx_field *f = &sbx_limit_fields[i];
                uint64_t v = sbx_field_get(f, p), soft = sbx_field_rlimit_value(f, v);
                if (f->docker && !add_host_config_limit(hc, f, v, waiter))
                        return false;
                if (f->rlimit.name &&
                    !add_ulimit(ul, f->rlimit.name, soft, soft + (f->kind == SBX_FIELD_DURATION)))
                        return false;
        }
        return ul && add_ulimit(ul, "core", 0, 0) && add_ulimit(ul, "memlock", 0, 0);
}

/* No /dev/shm (IpcMode none, as in the native jail's /dev), and no SysV IPC or POSIX message
 * queues: objects that would outlive a job in a pooled container's IPC namespace. */
static bool add_sysctls(cJSON *hc)
{
        cJSON *s = cJSON_AddObjectToObject(hc, "Sysctls");

        return s && cJSON_AddStringToObject(s, "kernel.shmmni", "0") &&
               cJSON_AddStringToObject(s, "kernel.msgmni", "0") &&
               cJSON_AddStringToObject(s, "kernel.sem", "0 0 0 0") &&
               cJSON_AddStringToObject(s, "fs.mqueue.queues_max", "0");
}

/* The agent starts jobs as their uid and gid, their streams theirs, with an empty bounding set:
 * the capabilities that allows, nothing more (the jobs have none). */
static bool add_agent_caps(cJSON *hc)
{
        cJSON *add = cJSON_AddArrayToObject(hc, "CapAdd");

        return add && cJSON_AddItemToArray(add, cJSON_CreateString("CAP_CHOWN")) &&
               cJSON_AddItemToArray(add, cJSON_CreateString("CAP_SETUID")) &&
               cJSON_AddItemToArray(add, cJSON_CreateString("CAP_SETGID")) &&
               cJSON_AddItemToArray(add, cJSON_CreateString("CAP_SETPCAP"));
}

static bool add_host_config(cJSON *root, const struct sbx_policy *p, const char *owner,
                            const char *label, uid_t uid, const char *waiter, const char *agent_dir)
{
        cJSON *hc = cJSON_AddObjectToObject(root, "HostConfig"), *caps, *sec, *log;

        /* "loopback" maps to "none" as well: a fresh network namespace has its own lo. */
        const char *net = p->network == SBX_NETWORK_HOST ? "host" : "none";
        if (!hc || !cJSON_AddStringToObject(hc, "NetworkMode", net) ||
            !cJSON_AddBoolToObject(hc, "ReadonlyRootfs", true) ||
            !cJSON_AddBoolToObject(hc, "Init", true) ||
            !cJSON_AddStringToObject(hc, "IpcMode", "none") || !add_sysctls(hc) ||
            !(caps = cJSON_AddArrayToObject(hc, "CapDrop")) ||
            !cJSON_AddItemToArray(caps, cJSON_CreateString("ALL")) ||
            !(sec = cJSON_AddArrayToObject(hc, "SecurityOpt")) ||
            !cJSON_AddItemToArray(sec, cJSON_CreateString("no-new-privileges")) ||
            !sbx_docker_seccomp_option() ||
            !cJSON_AddItemToArray(sec, cJSON_CreateString(sbx_docker_seccomp_option())) ||
            !(log = cJSON_AddObjectToObject(hc, "LogConfig")) ||
            !cJSON_AddStringToObject(log, "Type", "none"))
                return false;
        return add_limits(hc, p, waiter != NULL) &&
               add_mounts(hc, p, owner, label, uid, waiter, agent_dir) &&
               (!agent_dir || add_agent_caps(hc));
}

/* `sleep infinity` as an unprivileged user, or the agent as container root. */
static bool add_entrypoint(cJSON *root, const char *agent_dir)
{
        cJSON *ep = cJSON_AddArrayToObject(root, "Entrypoint");
        char user[32];

        snprintf(user, sizeof(user), "%d:%d", agent_dir ? 0 : SBX_DOCKER_IDLE_UID,
                 agent_dir ? 0 : SBX_DOCKER_IDLE_UID);
        if (!ep || !cJSON_AddStringToObject(root, "User", user))
                return false;
        if (agent_dir)
                return cJSON_AddItemToArray(ep, cJSON_CreateString(SBX_DOCKER_AGENT)) &&
                       cJSON_AddItemToArray(ep, cJSON_CreateString("--agent")) &&
                       cJSON_AddItemToArray(ep, cJSON_CreateString(SBX_DOCKER_AGENT_DIR));
        return cJSON_AddItemToArray(ep, cJSON_CreateString("sleep")) &&
               cJSON_AddItemToArray(ep, cJSON_CreateString("infinity"));
}

char *sbx_docker_create_body(const char *image, const struct sbx_policy *policy, const char *owner,
                             const char *sandbox_label, uid_t uid, const char *waiter,
                             const char *agent_dir)
{
        _cleanup_cjson_ cJSON *root = cJSON_CreateObject();

        if (!waiter)
                agent_dir = NULL; /* the agent is the waiter's other mode */
        if (!root || !cJSON_AddStringToObject(root, "Image", image) ||
            !cJSON_AddStringToObject(root, "WorkingDir", SBX_DOCKER_WORKDIR) ||
            !cJSON_AddStringToObject(root, "Hostname", "sandbox") ||
            !add_entrypoint(root, agent_dir) || !add_labels(root, owner, sandbox_label) ||
            !add_host_config(root, policy, owner, sandbox_label, uid, waiter, agent_dir))
                return NULL;
        return cJSON_PrintUnformatted(root);
}

static bool valid_image(const char *image)
{
        struct sbx_docker_ref ref;
        int r = sbx_docker_parse_ref(image, &ref);

        sbx_docker_ref_clear(&ref);
        return r == 0;
}

static int create_once(struct sbx_docker_engine *e, const char *body, char **id,
                       struct sbx_error **err)
{
        struct sbx_docker_response resp;
        int r = sbx_docker_request(e, "POST", "/containers/create", NULL, body, strlen(body), 65536,
                                   REQ_TIMEOUT, &resp, err);

        if (r < 0)
                return r;
        r = sbx_docker_parse_id(resp.body, resp.size, id);
        sbx_docker_response_clear(&resp);
        return r < 0 ? sbx_error_set(err, EPROTO, "engine: container create: no Id in answer") : 0;
}

/* Where the engine mounted the tmpfs volumes on this host (for resets without a restart). */
static void find_volumes(struct sbx_docker_engine *e, struct sbx_docker_container *c)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/containers/%s/json", c->id);
        struct sbx_docker_container_state st;
        struct sbx_docker_response resp;
        struct sbx_error *err = NULL;

        if (!path || sbx_docker_request(e, "GET", path, NULL, NULL, 0, SBX_DOCKER_BODY_MAX,
                                        REQ_TIMEOUT, &resp, &err) < 0) {
                sbx_error_free(err);
                return;
        }
        if (sbx_docker_parse_container_state(resp.body, resp.size, &st) == 0) {
                for (size_t i = 0; i < st.n_mounts; i++) {
                        const char *d = st.mounts[i].destination;
                        int k = dir_index(c, d);
                        char **dst = k >= 0                              ? &c->sources[k]
                                     : !strcmp(d, SBX_DOCKER_WAITER_DIR) ? &c->waiter_source
                                                                         : NULL;
                        if (dst && !*dst && st.mounts[i].source)
                                *dst = TAKE_PTR(st.mounts[i].source);
                }
                sbx_docker_container_state_clear(&st);
        }
        sbx_docker_response_clear(&resp);
}

/* After a start or restart: what the host can see of the container decides how jobs run. */
static void started(struct sbx_docker_engine *e, struct sbx_docker_container *c)
{
        c->cg = sbx_docker_cgroup_open(c->id, sbx_docker_engine_cgroup_driver(e));
        c->broken = false;
        /* The waiter's records are read from the host after each job. */
        if (c->cg && c->waiter && !c->waiter_source)
                find_volumes(e, c);
        /* The agent's jobs need the cgroup for every limit, as execs do. */
        c->agent = c->agent_dir && c->cg && sbx_docker_agent_wait(c->agent_dir, AGENT_START_MS);
}

static int start(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                 struct sbx_error **err)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/containers/%s/start", c->id);
        int r;

        if (!path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_docker_request(e, "POST", path, NULL, NULL, 0, 65536, REQ_TIMEOUT, NULL, err);
        if (r < 0)
                return sbx_error_prefix(err, "starting container %.12s", c->id);
        c->cg = sbx_docker_cgroup_free(c->cg);
        started(e, c);
        return 0;
}

/* The container's own directory for its agent's socket; without one, its jobs are execs. */
static void agent_dir_new(struct sbx_docker_container *c, const char *parent, const char *label)
{
        struct sbx_error *err = NULL;

        c->agent_dir = sbx_strdup_printf("%s/%s", parent, label);
        if (c->agent_dir && sbx_docker_agent_dir_make(c->agent_dir, &err) < 0) {
                free(c->agent_dir);
                c->agent_dir = NULL;
        }
        sbx_error_free(err);
}

int sbx_docker_container_new(struct sbx_docker_engine *e, const struct sbx_docker_config *cfg,
                             const char *image, const struct sbx_policy *policy,
                             struct sbx_docker_container **out, struct sbx_error **err)
{
        static unsigned long counter;
        _cleanup_free_ char *label = NULL, *body = NULL;
        struct sbx_docker_container *c;
        int r;

        if (!valid_image(image))
                return sbx_error_set(err, EINVAL, "invalid image name '%s'", image);
        c = calloc(1, sizeof(*c));
        if (!c)
                return sbx_error_set(err, ENOMEM, "out of memory");
        /* A uid of its own: per-user kernel counters (inotify instances, queued signals) of one
         * container's jobs never limit another's. */
        c->slot_fd = sbx_slot_claim(cfg->slot_dir, &c->uid, err);
        if (c->slot_fd < 0) {
                r = c->slot_fd;
                free(c);
                sbx_error_prefix(err, "a uid for the container's jobs");
                return r;
        }
        label = sbx_strdup_printf("%s-%lu", sbx_docker_engine_owner(e),
                                  __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED));
        c->waiter = cfg->waiter != NULL;
        if (label && cfg->waiter && cfg->agent_dirs)
                agent_dir_new(c, cfg->agent_dirs, label);
        body = label && set_dirs(c, policy) == 0
                   ? sbx_docker_create_body(image, policy, sbx_docker_engine_owner(e), label,
                                            c->uid, cfg->waiter, c->agent_dir)
                   : NULL;
        r = body ? create_once(e, body, &c->id, err) : sbx_error_set(err, ENOMEM, "out of memory");
        if (r == -ENOENT) { /* "No such image": pull it, then once more */
                if (err)
                        *err = sbx_error_free(*err);
                r = sbx_docker_image_ensure(e, image, NULL, NULL, err);
                if (r == 0)
                        r = create_once(e, body, &c->id, err);
        }
        if (r == 0)
                r = start(e, c, err);
        if (r < 0) {
                sbx_docker_container_remove(e, c);
                return r;
        }
        *out = c;
        return 0;
}

bool sbx_docker_container_agent(struct sbx_docker_container *c)
{
        /* A loaded host can start the agent after the start stopped waiting. */
        if (!c->agent && c->agent_dir && c->cg)
                c->agent = sbx_docker_agent_wait(c->agent_dir, 0);
        return c->agent;
}

int sbx_docker_container_restart(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                                 struct sbx_error **err)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/containers/%s/restart?t=0", c->id);
        int r;

        if (!path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        c->cg = sbx_docker_cgroup_free(c->cg); /* the engine makes a new one */
        c->agent = false;
        sbx_docker_agent_forget(c->agent_dir); /* the new agent's socket tells it listens */
        r = sbx_docker_request(e, "POST", path, NULL, NULL, 0, 65536, REQ_TIMEOUT, NULL, err);
        if (r < 0)
                return sbx_error_prefix(err, "restarting container %.12s", c->id);
        started(e, c);
        return 0;
}

/* Every writable directory's volume is visible from here. */
static bool sources_known(const struct sbx_docker_container *c)
{
        for (size_t i = 0; c->dirs[i]; i++)
                if (!c->sources[i])
                        return false;
        return true;
}

static int fast_reset(struct sbx_docker_engine *e, struct sbx_docker_container *c)
{
        int r;

        if (c->cg && !sources_known(c))
                find_volumes(e, c); /* once, off the job's path */
        if (!c->cg || c->broken || !sources_known(c))
                return -ENOTSUP;
        r = sbx_docker_cgroup_kill_uid(c->cg, c->uid);
        if (r == 0 && sbx_docker_cgroup_count_uid(c->cg, c->uid) != 0)
                r = -EBUSY;
        for (size_t i = 0; r == 0 && c->dirs[i]; i++)
                r = shared_dir(c->dirs[i])
                        ? sbx_docker_wipe_tmpfs(c->sources[i], 0, 0, 01777)
                        : sbx_docker_wipe_tmpfs(c->sources[i], c->uid, c->uid, 0700);
        return r;
}

int sbx_docker_container_reset(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                               struct sbx_error **err)
{
        if (fast_reset(e, c) == 0)
                return 0;
        return sbx_docker_container_restart(e, c, err);
}

int sbx_docker_container_kill(struct sbx_docker_engine *e, struct sbx_docker_container *c)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/containers/%s/kill?signal=KILL", c->id);
        struct sbx_error *err = NULL;
        int r;

        c->broken = true;
        if (!path)
                return -ENOMEM;
        r = sbx_docker_request(e, "POST", path, NULL, NULL, 0, 65536, REQ_TIMEOUT, NULL, &err);
        sbx_error_free(err);
        return r;
}

int sbx_docker_container_kill_jobs(struct sbx_docker_engine *e, struct sbx_docker_container *c)
{
        if (c->cg && sbx_docker_cgroup_kill_uid(c->cg, c->uid) == 0)
                return 0;
        return sbx_docker_container_kill(e, c);
}

/* 0 when removed or already gone. */
static int remove_by_id(struct sbx_docker_engine *e, const char *id)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/containers/%s?force=1&v=1", id);
        struct sbx_error *err = NULL;
        int r = path ? sbx_docker_request(e, "DELETE", path, NULL, NULL, 0, 65536, REQ_TIMEOUT,
                                          NULL, &err)
                     : -ENOMEM;

        sbx_error_free(err);
        return r == -ENOENT ? 0 : r;
}

struct sbx_docker_container *sbx_docker_container_remove(struct sbx_docker_engine *e,
                                                         struct sbx_docker_container *c)
{
        if (!c)
                return NULL;
        if (c->id)
                remove_by_id(e, c->id);
        sbx_closep(&c->slot_fd); /* its processes are gone: the uid is free */
        sbx_docker_cgroup_free(c->cg);
        free(c->id);
        for (size_t i = 0; i < SBX_DOCKER_DIRS_MAX; i++) {
                free(c->sources[i]);
                free(c->dirs[i]);
        }
        free(c->waiter_source);
        sbx_docker_agent_dir_remove(c->agent_dir);
        free(c->agent_dir);
        free(c);
        return NULL;
}

/* ---- files in ---------------------------------------------------------------------------- */

struct tar_buf {
        char *data;
        size_t len, cap;
};

static la_ssize_t tar_write(struct archive *a, void *ud, const void *buf, size_t n)
{
        struct tar_buf *t = ud;

        if (t->len + n > t->cap) {
                size_t cap = t->cap ? t->cap : 65536;
                while (cap < t->len + n)
                        cap *= 2;
                if (cap > UPLOAD_MAX + TAR_OVERHEAD * 64) {
                        archive_set_error(a, EFBIG, "upload too large");
                        return -1;
                }
                char *d = realloc(t->data, cap);
                if (!d) {
                        archive_set_error(a, ENOMEM, "out of memory");
                        return -1;
                }
                t->data = d;
                t->cap = cap;
        }
        memcpy(t->data + t->len, buf, n);
        t->len += n;
        return (la_ssize_t)n;
}

static int tar_entry(struct archive *a, uid_t uid, const char *name, mode_t type_mode,
                     const void *data, size_t size)
{
        struct archive_entry *en = archive_entry_new();
        int r;

        if (!en)
                return -ENOMEM;
        archive_entry_set_pathname(en, name);
        archive_entry_set_mode(en, type_mode);
        archive_entry_set_size(en, S_ISREG(type_mode) ? (la_int64_t)size : 0);
        archive_entry_set_uid(en, uid);
        archive_entry_set_gid(en, uid);
        archive_entry_set_mtime(en, time(NULL), 0);
        r = archive_write_header(a, en);
        if (r == ARCHIVE_OK && size && S_ISREG(type_mode) &&
            archive_write_data(a, data, size) != (la_ssize_t)size)
                r = ARCHIVE_FATAL;
        archive_entry_free(en);
        return r == ARCHIVE_OK ? 0 : -EIO;
}

/* Each parent directory as its own entry, so it belongs to the job user, not root. */
static int tar_file(struct archive *a, uid_t uid, const char *rel, const struct sbx_file *f)
{
        _cleanup_free_ char *dir = strdup(rel);
        int r = dir ? 0 : -ENOMEM;

        for (char *s = dir ? strchr(dir, '/') : NULL; r == 0 && s; s = strchr(s + 1, '/')) {
                *s = '\0';
                r = tar_entry(a, uid, dir, S_IFDIR | 0755, NULL, 0);
                *s = '/';
        }
        if (r == 0)
                r = tar_entry(a, uid, rel, S_IFREG | ((f->mode ? f->mode : 0644) & 07777), f->data,
                              f->size);
        return r;
}

/* A tar of the files under one root ("/sandbox" or "/tmp"). */
static int build_tar(const struct sbx_docker_container *c, const struct sbx_file *files, size_t n,
                     const char *root, struct tar_buf *t, size_t *count, struct sbx_error **err)
{
        struct archive *a = archive_write_new();
        int r = 0;

        *count = 0;
        if (!a || archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
            archive_write_open(a, t, NULL, tar_write, NULL) != ARCHIVE_OK) {
                archive_write_free(a);
                return sbx_error_set(err, ENOMEM, "tar: cannot start an archive");
        }
        for (size_t i = 0; i < n && r == 0; i++) {
                _cleanup_free_ char *rel = NULL;
                const char *froot;
                r = sbx_docker_split_path(c->dirs, files[i].path, &froot, &rel);
                if (r < 0)
                        r = sbx_error_set(err, -r, "file path '%s' is not in a writable directory",
                                          files[i].path);
                else if (!strcmp(froot, root) && (r = tar_file(a, c->uid, rel, &files[i])) < 0)
                        r = sbx_error_set(err, -r, "tar: %s: %s", files[i].path,
                                          archive_error_string(a) ? archive_error_string(a)
                                                                  : "write failed");
                else if (!strcmp(froot, root))
                        (*count)++;
        }
        if (archive_write_close(a) != ARCHIVE_OK && r == 0)
                r = sbx_error_set(err, EIO, "tar: %s", archive_error_string(a));
        archive_write_free(a);
        return r;
}

int sbx_docker_container_put_files(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                                   const struct sbx_file *files, size_t n, struct sbx_error **err)
{
        for (size_t i = 0; c->dirs[i]; i++) {
                const char *root = c->dirs[i];
                struct tar_buf t = {0};
                size_t count = 0;
                int r = build_tar(c, files, n, root, &t, &count, err);
                if (r == 0 && count > 0) {
                        _cleanup_free_ char *path =
                            sbx_strdup_printf("/containers/%s/archive?path=%s", c->id, root);
                        r = path ? sbx_docker_request(e, "PUT", path, "application/x-tar", t.data,
                                                      t.len, 65536, REQ_TIMEOUT, NULL, err)
                                 : sbx_error_set(err, ENOMEM, "out of memory");
                        if (r < 0)
                                sbx_error_prefix(err, "copying files into %s", root);
                }
                free(t.data);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- orphans ----------------------------------------------------------------------------- */

int sbx_docker_reap(struct sbx_docker_engine *e, struct sbx_owners *dead, struct sbx_error **err)
{
        struct sbx_docker_container_summary *list = NULL;
        struct sbx_docker_response resp;
        const char *token;
        size_t n = 0;
        int r, removed = 0;

        if (sbx_owners_count(dead) == 0)
                return 0;
        r = sbx_docker_request(e, "GET",
                               "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22"
                               "sandboxrt.owner%22%5D%7D",
                               NULL, NULL, 0, 32u << 20, REQ_TIMEOUT, &resp, err);
        if (r == 0) {
                r = sbx_docker_parse_container_list(resp.body, resp.size, &list, &n);
                sbx_docker_response_clear(&resp);
                if (r < 0)
                        r = sbx_error_set(err, EPROTO, "engine: unreadable container list");
        } else {
                sbx_error_prefix(err, "listing sandboxrt containers");
        }
        if (r < 0) {
                sbx_owners_keep_all(dead); /* not all seen: no record may go */
                return r;
        }
        for (size_t i = 0; i < n; i++) {
                if (!list[i].owner || !(token = sbx_owners_match(dead, list[i].owner)))
                        continue;
                if (remove_by_id(e, list[i].id) < 0)
                        sbx_owners_keep(dead, token);
                else
                        removed++;
        }
        sbx_docker_container_list_free(list, n);
        return removed;
}

/* ---- images ------------------------------------------------------------------------------ */

int sbx_docker_image_exists(struct sbx_docker_engine *e, const char *image, struct sbx_error **err)
{
        _cleanup_free_ char *path = NULL;

        if (!valid_image(image))
                return sbx_error_set(err, EINVAL, "invalid image name '%s'", image);
        path = sbx_strdup_printf("/images/%s/json", image);
        if (!path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        return sbx_docker_request(e, "GET", path, NULL, NULL, 0, SBX_DOCKER_BODY_MAX, REQ_TIMEOUT,
                                  NULL, err);
}

struct pull_ctx {
        sbx_docker_progress_fn fn;
        void *ctx;
        char *error;
};

static int pull_line(void *ud, const char *line, size_t len)
{
        struct pull_ctx *p = ud;
        struct sbx_docker_pull_line pl;
        _cleanup_free_ char *text = NULL;

        if (sbx_docker_parse_pull_line(line, len, &pl) < 0)
                return 0; /* not JSON: ignore, the status decides */
        if (pl.error && !p->error)
                p->error = strdup(pl.error);
        text = sbx_strdup_printf("%s%s%s%s%s", pl.id ? pl.id : "", pl.id ? ": " : "",
                                 pl.status ? pl.status : (pl.error ? pl.error : ""),
                                 pl.progress ? " " : "", pl.progress ? pl.progress : "");
        if (p->fn && text)
                p->fn(p->ctx, text);
        sbx_docker_pull_line_clear(&pl);
        return 0;
}

int sbx_docker_image_ensure(struct sbx_docker_engine *e, const char *image,
                            sbx_docker_progress_fn fn, void *ctx, struct sbx_error **err)
{
        _cleanup_free_ char *path = NULL;
        struct pull_ctx p = {.fn = fn, .ctx = ctx};
        struct sbx_error *probe = NULL;
        struct sbx_docker_ref ref;
        int r;

        r = sbx_docker_image_exists(e, image, &probe);
        if (r != -ENOENT) {
                if (r < 0 && err && !*err)
                        *err = TAKE_PTR(probe);
                sbx_error_free(probe);
                return r;
        }
        sbx_error_free(probe);
        r = sbx_docker_parse_ref(image, &ref);
        if (r == 0 && ref.id)
                r = sbx_error_set(err, ENOENT,
                                  "image %s is not on the engine (an image ID cannot be pulled: "
                                  "name the image, or load it with `docker load`)",
                                  image);
        else if (r == 0)
                /* A digest pins the image (a tag beside it is ignored, as the engine does). */
                path = sbx_strdup_printf("/images/create?fromImage=%s&tag=%s", ref.name,
                                         ref.digest ? ref.digest
                                         : ref.tag  ? ref.tag
                                                    : "latest");
        sbx_docker_ref_clear(&ref);
        if (r < 0)
                return r == -EINVAL ? sbx_error_set(err, EINVAL, "invalid image name '%s'", image)
                                    : r;
        if (!path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_docker_request_lines(e, "POST", path, PULL_LINE_MAX, pull_line, &p, err);
        if (r == 0 && p.error)
                r = sbx_error_set(err, EHOSTUNREACH, "engine: %s", p.error);
        free(p.error);
        if (r < 0)
                return sbx_error_prefix(err, "pulling image %s (is the registry reachable?)",
                                        image);
        return 0;
}
