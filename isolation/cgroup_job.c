/* Job cgroups, on either version: the directory in each of the host's hierarchies, attach,
 * stats, kill, remove. What differs per version goes through the host's driver.
 *
 * Only directory fds opened at discovery are used: mkdirat, openat, pread on a kept fd,
 * unlinkat. Job cgroups are named job-<owner token>-<pid>-<n> (owner.h), so that a later
 * instance can reap those of dead owners (cgroup_reap.c). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "util.h"

#define DESTROY_WAIT_MS 2000
#define FREEZE_WAIT_MS  100
#define NAME_RETRIES    8

/* The driver for mode m: NULL for NONE. */
static const struct sbx_cg_driver *driver_of(enum sbx_cgroup_mode m)
{
        return m == SBX_CGROUP_V1 ? &sbx_cg_v1 : m == SBX_CGROUP_V2 ? &sbx_cg_v2 : NULL;
}

int sbx_cgroup_limits_at(enum sbx_cgroup_mode m, int memory_fd, int pids_fd, int cpu_fd,
                         const struct sbx_limits *l, const char *where, struct sbx_error **err)
{
        const struct sbx_cg_driver *drv = driver_of(m);

        if (!drv)
                return sbx_error_set(err, ENOTSUP, "cgroup: no hierarchy for %s", where);
        return drv->limits(memory_fd, pids_fd, cpu_fd, l, where, err);
}

int sbx_cgroup_stats_at(enum sbx_cgroup_mode m, int memory_fd, int cpuacct_fd,
                        struct sbx_cgroup_stats *out)
{
        const struct sbx_cg_driver *drv = driver_of(m);

        *out = (struct sbx_cgroup_stats){0};
        return drv ? drv->stats(memory_fd, cpuacct_fd, out) : -ENOTSUP;
}

/* ---- job cgroups: kill and remove --------------------------------------------------------- */

struct sbx_cgroup *sbx_cg_job_new(struct sbx_cgroup_host *h)
{
        struct sbx_cgroup *cg = calloc(1, sizeof(*cg));

        if (!cg)
                return NULL;
        cg->host = h;
        cg->cpu_fd = -1;
        for (int i = 0; i < C_N; i++)
                cg->dir[i] = -1;
        return cg;
}

void sbx_cg_job_free(struct sbx_cgroup *cg)
{
        for (int i = 0; i < C_N; i++)
                sbx_closep(&cg->dir[i]);
        sbx_closep(&cg->cpu_fd);
        free(cg);
}

static int dir_of(const struct sbx_cgroup *cg, enum ctrl c)
{
        int i = cg->host->idx[c];

        return i >= 0 ? cg->dir[i] : -1;
}

/* SIGKILL every process listed in dirfd's cgroup.procs: how many were listed, or -errno. */
static int signal_procs(int dirfd)
{
        _cleanup_close_ int fd = openat(dirfd, "cgroup.procs", O_RDONLY | O_CLOEXEC);
        _cleanup_free_ char *text = NULL;
        int n = 0, r;

        if (fd < 0)
                return errno == ENOENT || errno == ENODEV ? 0 : -errno;
        if ((r = sbx_read_fd(fd, PROCS_MAX, &text, NULL)) < 0)
                return r == -ENODEV ? 0 : r;
        for (char *rest = text, *line; (line = strsep(&rest, "\n"));) {
                uint64_t pid;
                if (sbx_parse_u64(line, &pid) < 0 || pid == 0 || pid > INT_MAX)
                        continue;
                if (kill((pid_t)pid, SIGKILL) == 0 || errno != ESRCH)
                        n++;
        }
        return n;
}

/* Every hierarchy, since a failed attach or a half-removed leftover can differ between them. */
static int signal_all(struct sbx_cgroup *cg)
{
        int seen = 0, first = 0;

        for (size_t i = 0; i < cg->host->n; i++) {
                int r = cg->dir[i] >= 0 ? signal_procs(cg->dir[i]) : 0;
                if (r < 0 && !first)
                        first = r;
                else if (r > 0)
                        seen += r;
        }
        return seen ? seen : first;
}

/* A frozen cgroup cannot fork, so one pass over cgroup.procs finds every process. */
static int freeze(struct sbx_cgroup *cg, bool on)
{
        const struct sbx_cg_driver *drv = cg->host->drv;
        int fd = dir_of(cg, C_FREEZER), r;
        unsigned waited = 0, step = 50;

        if (fd < 0)
                return -ENOTSUP;
        r = drv->freeze(fd, on);
        if (r < 0 || !on)
                return r;
        /* A task in uninterruptible sleep delays FROZEN; after the bound, kill anyway. */
        while (!drv->frozen(fd) && waited < FREEZE_WAIT_MS * 1000u) {
                sbx_cg_sleep_usec(step);
                waited += step;
                step = step * 2 > 5000 ? 5000 : step * 2;
        }
        return 0;
}

int sbx_cgroup_kill(struct sbx_cgroup *cg)
{
        int r;

        if (!cg)
                return -EINVAL;
        if (cg->host->drv->kill && cg->dir[0] >= 0 &&
            (r = cg->host->drv->kill(cg->dir[0])) != -ENOENT)
                return r;
        if (freeze(cg, true) == 0) {
                r = signal_all(cg);
                (void)freeze(cg, false); /* the killed tasks die once thawed */
                return r < 0 ? r : 0;
        }
        /* No freezer: a child forked while we read cgroup.procs shows up afterwards. */
        r = signal_all(cg);
        for (int pass = 0; r > 0 && pass < 2; pass++)
                r = signal_all(cg);
        return r < 0 ? r : 0;
}

static bool same_dir(int parent_fd, const char *name, int fd)
{
        struct stat a, b;

        return fstatat(parent_fd, name, &a, AT_SYMLINK_NOFOLLOW) == 0 && fstat(fd, &b) == 0 &&
               a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* rmdir wherever the directory still exists: 0 when none is left, -EBUSY while processes
 * remain, another -errno when retrying cannot help. */
static int remove_dirs(struct sbx_cgroup *cg)
{
        int ret = 0;

        for (size_t i = 0; i < cg->host->n; i++) {
                int pfd = cg->host->h[i].parent_fd;
                if (cg->dir[i] < 0)
                        continue;
                /* An adopted leftover's name may have been reused by a new owner meanwhile. */
                if ((!cg->adopted || same_dir(pfd, cg->name, cg->dir[i])) &&
                    unlinkat(pfd, cg->name, AT_REMOVEDIR) < 0 && errno != ENOENT) {
                        if (ret != -EBUSY)
                                ret = -errno;
                        continue;
                }
                close(cg->dir[i]);
                cg->dir[i] = -1;
        }
        return ret;
}

int sbx_cg_job_remove(struct sbx_cgroup *cg)
{
        unsigned step = 100;
        uint64_t deadline;
        int r = remove_dirs(cg);

        /* The usual case: the job's processes are gone, the first rmdir succeeds. */
        if (r != -EBUSY)
                return r;
        deadline = sbx_now_ms() + DESTROY_WAIT_MS;
        do {
                (void)sbx_cgroup_kill(cg);
                sbx_cg_sleep_usec(step);
                step = step * 2 > 10000 ? 10000 : step * 2;
                r = remove_dirs(cg);
        } while (r == -EBUSY && sbx_now_ms() < deadline);
        return r;
}

struct sbx_cgroup *sbx_cgroup_destroy(struct sbx_cgroup *cg)
{
        if (cg) {
                (void)sbx_cg_job_remove(cg);
                sbx_cg_job_free(cg);
        }
        return NULL;
}

/* ---- job cgroups: create, attach, poll ----------------------------------------------------- */

/* mkdir job-<token>-<pid>-<n> in every hierarchy: the supervisors of one owner share its token.
 * An existing name is a leftover of a dead supervisor of ours that had our pid: never reuse it
 * (a reaper removes it once our owner is gone), take the next n. */
static int job_mkdirs(struct sbx_cgroup *cg, struct sbx_error **err)
{
        struct sbx_cgroup_host *h = cg->host;

        for (int attempt = 0; attempt < NAME_RETRIES; attempt++) {
                size_t i;
                int e = 0;
                snprintf(cg->name, sizeof(cg->name), "job-%s-%d-%u", h->owner, (int)getpid(),
                         h->counter++);
                for (i = 0; i < h->n; i++) {
                        if (mkdirat(h->h[i].parent_fd, cg->name, 0755) < 0) {
                                e = errno;
                                break;
                        }
                        cg->dir[i] = openat(h->h[i].parent_fd, cg->name,
                                            O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                        if (cg->dir[i] < 0) {
                                e = errno;
                                (void)unlinkat(h->h[i].parent_fd, cg->name, AT_REMOVEDIR);
                                break;
                        }
                }
                if (!e)
                        return 0;
                (void)remove_dirs(cg);
                if (e != EEXIST)
                        return sbx_error_set(err, e, "cgroup: creating %s/%s: %s", h->h[i].parent,
                                             cg->name, strerror(e));
        }
        return sbx_error_set(err, EEXIST, "cgroup: no free job cgroup name under %s",
                             h->h[0].parent);
}

int sbx_cgroup_create(struct sbx_cgroup_host *h, const struct sbx_limits *limits,
                      struct sbx_cgroup **out, struct sbx_error **err)
{
        struct sbx_cgroup *cg;
        int r;

        if (!h || !h->drv)
                return sbx_error_set(err, ENOTSUP, "cgroup: %s", sbx_cgroup_host_describe(h));
        if (!h->owner[0])
                return sbx_error_set(err, EINVAL, "cgroup: no owner token set");
        if (!(cg = sbx_cg_job_new(h)))
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        r = job_mkdirs(cg, err);
        if (r == 0)
                r = sbx_cgroup_set_limits(cg, limits, err);
        if (r == 0) {
                const char *file = h->drv->cpu_file;
                cg->cpu_fd = openat(dir_of(cg, C_CPUACCT), file, O_RDONLY | O_CLOEXEC);
                if (cg->cpu_fd < 0)
                        r = sbx_error_set(err, errno, "cgroup: opening %s in %s/%s: %m", file,
                                          h->h[h->idx[C_CPUACCT]].parent, cg->name);
        }
        if (r < 0) {
                sbx_cgroup_destroy(cg);
                return r;
        }
        *out = cg;
        return 0;
}

int sbx_cgroup_set_limits(struct sbx_cgroup *cg, const struct sbx_limits *limits,
                          struct sbx_error **err)
{
        struct sbx_cgroup_host *h = cg->host;
        char where[PATH_MAX];

        snprintf(where, sizeof(where), "%s/%s", h->h[h->idx[C_MEMORY]].parent, cg->name);
        return h->drv->limits(dir_of(cg, C_MEMORY), dir_of(cg, C_PIDS), dir_of(cg, C_CPU), limits,
                              where, err);
}

int sbx_cgroup_attach(struct sbx_cgroup *cg, pid_t pid, struct sbx_error **err)
{
        char num[16];

        snprintf(num, sizeof(num), "%d", (int)pid);
        for (size_t i = 0; i < cg->host->n; i++) {
                int r = cg->dir[i] >= 0 ? sbx_write_string_at(cg->dir[i], "cgroup.procs", num) : 0;
                if (r < 0)
                        return sbx_error_set(err, -r, "cgroup: moving pid %d into %s/%s: %s",
                                             (int)pid, cg->host->h[i].parent, cg->name,
                                             strerror(-r));
        }
        return 0;
}

int sbx_cgroup_fd(const struct sbx_cgroup *cg)
{
        return cg && cg->host->drv == &sbx_cg_v2 ? cg->dir[0] : -1;
}

const char *sbx_cgroup_name(const struct sbx_cgroup *cg)
{
        return cg ? cg->name : NULL;
}

int sbx_cgroup_stats(struct sbx_cgroup *cg, struct sbx_cgroup_stats *out)
{
        if (!cg)
                return -EINVAL;
        return sbx_cgroup_stats_at(cg->host->drv->mode, dir_of(cg, C_MEMORY), dir_of(cg, C_CPUACCT),
                                   out);
}

int sbx_cgroup_cpu_usec(struct sbx_cgroup *cg, uint64_t *out)
{
        char buf[1024];
        ssize_t n;

        if (!cg || cg->cpu_fd < 0)
                return -EBADF;
        /* pread at 0 makes the kernel regenerate the seq_file: no lseek, no reopen. */
        n = pread(cg->cpu_fd, buf, sizeof(buf) - 1, 0);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return cg->host->drv->cpu_usec(buf, out);
}
