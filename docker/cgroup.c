#include "docker/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define CG_ROOT        "/sys/fs/cgroup"
#define SMALL_FILE     4096
#define PROCS_MAX      (1u << 20)
#define FREEZE_WAIT_MS 1000
#define KILL_ROUNDS    50

struct sbx_docker_cgroup {
        int version;
        int mem_fd, cpu_fd, freezer_fd; /* v2: all three are the same directory */
};

static int open_dir(const char *path)
{
        return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* cgroupfs puts containers under /docker/<id>, systemd under system.slice/docker-<id>.scope. */
static int open_ctrl(const char *ctrl, const char *id, bool systemd)
{
        _cleanup_free_ char *p = NULL;

        if (systemd)
                p = sbx_strdup_printf(CG_ROOT "%s%s/system.slice/docker-%s.scope", ctrl ? "/" : "",
                                      ctrl ? ctrl : "", id);
        else
                p = sbx_strdup_printf(CG_ROOT "%s%s/docker/%s", ctrl ? "/" : "", ctrl ? ctrl : "",
                                      id);
        return p ? open_dir(p) : -1;
}

struct sbx_docker_cgroup *sbx_docker_cgroup_open(const char *id, const char *driver)
{
        struct sbx_docker_cgroup *cg = calloc(1, sizeof(*cg));
        bool systemd = driver && !strcmp(driver, "systemd");

        if (!cg)
                return NULL;
        /* The Engine-API-only path, as on a host that cannot see the engine's cgroups. */
        if (getenv("SANDBOXRT_DOCKER_NO_CGROUP")) {
                free(cg);
                return NULL;
        }
        cg->mem_fd = open_ctrl("memory", id, systemd);
        if (cg->mem_fd >= 0) {
                cg->version = 1;
                cg->cpu_fd = open_ctrl("cpuacct", id, systemd);
                cg->freezer_fd = open_ctrl("freezer", id, systemd);
        } else {
                cg->version = 2;
                cg->mem_fd = open_ctrl(NULL, id, systemd);
                cg->cpu_fd = cg->mem_fd >= 0 ? fcntl(cg->mem_fd, F_DUPFD_CLOEXEC, 3) : -1;
                cg->freezer_fd = cg->mem_fd >= 0 ? fcntl(cg->mem_fd, F_DUPFD_CLOEXEC, 3) : -1;
        }
        if (cg->mem_fd < 0 || cg->cpu_fd < 0 || cg->freezer_fd < 0)
                return sbx_docker_cgroup_free(cg);
        return cg;
}

struct sbx_docker_cgroup *sbx_docker_cgroup_free(struct sbx_docker_cgroup *cg)
{
        if (cg) {
                sbx_closep(&cg->mem_fd);
                sbx_closep(&cg->cpu_fd);
                sbx_closep(&cg->freezer_fd);
                free(cg);
        }
        return NULL;
}

static int read_small(int dirfd, const char *name, char **out)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return sbx_read_fd(fd, SMALL_FILE, out, NULL);
}

static int read_u64(int dirfd, const char *name, uint64_t *out)
{
        _cleanup_free_ char *s = NULL;
        int r = read_small(dirfd, name, &s);

        if (r < 0)
                return r;
        s[strcspn(s, "\n")] = '\0';
        return sbx_parse_u64(s, out);
}

/* "key value" lines (memory.events, cpu.stat, memory.oom_control). */
static int read_key(int dirfd, const char *name, const char *key, uint64_t *out)
{
        _cleanup_free_ char *s = NULL;
        size_t n = strlen(key);
        int r = read_small(dirfd, name, &s);

        if (r < 0)
                return r;
        for (char *line = s; line && *line;
             line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                if (strncmp(line, key, n) || line[n] != ' ')
                        continue;
                char *v = line + n + 1;
                v[strcspn(v, "\n")] = '\0';
                return sbx_parse_u64(v, out);
        }
        return -ENOENT;
}

int sbx_docker_cgroup_cpu_usec(struct sbx_docker_cgroup *cg, uint64_t *out)
{
        uint64_t ns;
        int r;

        if (cg->version == 2)
                return read_key(cg->cpu_fd, "cpu.stat", "usage_usec", out);
        r = read_u64(cg->cpu_fd, "cpuacct.usage", &ns);
        if (r == 0)
                *out = ns / 1000u;
        return r;
}

int sbx_docker_cgroup_sample(struct sbx_docker_cgroup *cg, struct sbx_docker_cgroup_sample *out)
{
        int r;

        memset(out, 0, sizeof(*out));
        r = sbx_docker_cgroup_cpu_usec(cg, &out->cpu_usec);
        if (r < 0)
                return r;
        if (cg->version == 2) {
                if (read_u64(cg->mem_fd, "memory.peak", &out->peak_memory_bytes) < 0)
                        (void)read_u64(cg->mem_fd, "memory.current", &out->peak_memory_bytes);
                uint64_t group = 0;
                (void)read_key(cg->mem_fd, "memory.events", "oom_kill", &out->oom_kills);
                (void)read_key(cg->mem_fd, "memory.events", "oom_group_kill", &group);
                (void)read_key(cg->mem_fd, "memory.events", "oom", &out->ooms);
                out->oom_kills += group;
                return 0;
        }
        (void)read_u64(cg->mem_fd, "memory.max_usage_in_bytes", &out->peak_memory_bytes);
        (void)read_key(cg->mem_fd, "memory.oom_control", "oom_kill", &out->oom_kills);
        (void)read_key(cg->mem_fd, "memory.oom_control", "under_oom", &out->ooms);
        return 0;
}

void sbx_docker_cgroup_reset_peak(struct sbx_docker_cgroup *cg)
{
        if (cg->version == 1)
                (void)sbx_write_string_at(cg->mem_fd, "memory.max_usage_in_bytes", "0");
}

static int set_frozen(struct sbx_docker_cgroup *cg, bool frozen)
{
        if (cg->version == 2)
                return sbx_write_string_at(cg->freezer_fd, "cgroup.freeze", frozen ? "1" : "0");
        return sbx_write_string_at(cg->freezer_fd, "freezer.state", frozen ? "FROZEN" : "THAWED");
}

/* A freeze is asynchronous: wait until the kernel says every task stopped. */
static void wait_frozen(struct sbx_docker_cgroup *cg)
{
        uint64_t until = sbx_now_ms() + FREEZE_WAIT_MS;

        while (sbx_now_ms() < until) {
                _cleanup_free_ char *s = NULL;
                uint64_t v = 0;
                if (cg->version == 2
                        ? read_key(cg->freezer_fd, "cgroup.events", "frozen", &v) == 0 && v == 1
                        : read_small(cg->freezer_fd, "freezer.state", &s) == 0 &&
                              !strncmp(s, "FROZEN", 6))
                        return;
                nanosleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
        }
}

static bool pid_has_uid(pid_t pid, uid_t uid)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/proc/%d/status", (int)pid), *s = NULL;
        uint64_t real;

        if (!path || sbx_read_file(path, 65536, &s, NULL) < 0)
                return false;
        char *u = strstr(s, "\nUid:");
        if (!u)
                return false;
        u += 5;
        u += strspn(u, " \t");
        u[strcspn(u, " \t\n")] = '\0';
        return sbx_parse_u64(u, &real) == 0 && real == uid;
}

/* Visit every process of uid in the cgroup; kill them when sig > 0. Returns how many. */
static int for_uid(struct sbx_docker_cgroup *cg, uid_t uid, int sig)
{
        _cleanup_close_ int fd = openat(cg->freezer_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *s = NULL;
        int count = 0, r;

        if (fd < 0)
                return -errno;
        r = sbx_read_fd(fd, PROCS_MAX, &s, NULL);
        if (r < 0)
                return r;
        for (char *line = s; *line;) {
                char *nl = strchr(line, '\n');
                uint64_t pid;
                if (nl)
                        *nl = '\0';
                if (sbx_parse_u64(line, &pid) == 0 && pid > 0 && pid <= INT32_MAX &&
                    pid_has_uid((pid_t)pid, uid)) {
                        count++;
                        if (sig > 0)
                                (void)kill((pid_t)pid, sig);
                }
                if (!nl)
                        break;
                line = nl + 1;
        }
        return count;
}

int sbx_docker_cgroup_kill_uid(struct sbx_docker_cgroup *cg, uid_t uid)
{
        int r = 0;

        for (int round = 0; round < KILL_ROUNDS; round++) {
                bool frozen = set_frozen(cg, true) == 0;
                if (frozen)
                        wait_frozen(cg);
                r = for_uid(cg, uid, SIGKILL);
                if (frozen)
                        (void)set_frozen(cg, false);
                if (r <= 0)
                        return r;
                /* Killed tasks leave once thawed; look again until none is left. */
                nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
                r = for_uid(cg, uid, 0);
                if (r <= 0)
                        return r;
        }
        return -EBUSY;
}

int sbx_docker_cgroup_count_uid(struct sbx_docker_cgroup *cg, uid_t uid)
{
        return for_uid(cg, uid, 0);
}

bool sbx_docker_cgroup_has_pid(struct sbx_docker_cgroup *cg, pid_t pid)
{
        _cleanup_close_ int fd = openat(cg->freezer_fd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *s = NULL;
        char needle[24];

        if (fd < 0 || sbx_read_fd(fd, PROCS_MAX, &s, NULL) < 0)
                return false;
        snprintf(needle, sizeof(needle), "%d\n", (int)pid);
        return !strncmp(s, needle, strlen(needle)) ||
               (snprintf(needle, sizeof(needle), "\n%d\n", (int)pid), strstr(s, needle) != NULL);
}
