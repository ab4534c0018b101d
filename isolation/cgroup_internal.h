/* Private to isolation/cgroup*.c: the host and job cgroup types, the ops table each cgroup
 * version implements (cgroup_v1.c, cgroup_v2.c) and the helpers they share (cgroup_fs.c).
 * Other modules use cgroup.h.
 *
 *   cgroup.c           discovery (mountinfo), choosing the driver, the host's public API
 *   cgroup_job.c       job cgroups: create, limits, attach, stats, kill, remove (any version)
 *   cgroup_v1.c/_v2.c  what differs per version: the parents, limit and stat files, freezing
 *   cgroup_delegate.c  delegated cgroups: systemd's, a user's (doctor --delegate-cgroup)
 *   cgroup_reap.c      the job cgroups dead owners left behind */
#ifndef SBX_CGROUP_INTERNAL_H
#define SBX_CGROUP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "isolation/cgroup.h"
#include "owner.h"

#define PARENT_NAME   "sandboxrt"
#define ENV_PARENT    "SANDBOXRT_CGROUP"
#define DELEGATE_FIX  "run as root, or delegate one: `sudo sandboxrt doctor --delegate-cgroup USER`"
#define MOUNTINFO_MAX (4u << 20)
#define SMALL_MAX     4096
#define PROCS_MAX     (1u << 20)
#define MAX_MOUNTS    16

enum ctrl { C_MEMORY, C_PIDS, C_CPU, C_CPUACCT, C_FREEZER, C_N };
extern const char *const sbx_cg_ctrl_names[C_N];
#define BIT(c)      (1u << (c))
#define REQUIRED_V1 (BIT(C_MEMORY) | BIT(C_PIDS) | BIT(C_CPUACCT))
#define REQUIRED_V2 (BIT(C_MEMORY) | BIT(C_PIDS))

/* What mountinfo says: cgroup mounts only. */
struct layout {
        char *v2_mount, *v2_root;
        unsigned v2_ctrls;  /* from the v2 mount's cgroup.controllers */
        char *v2_available; /* that file's text, for messages */
        struct {
                char *mount;
                unsigned ctrls;
        } v1[MAX_MOUNTS];
        size_t n_v1;
        unsigned v1_ctrls;
};

struct sbx_cg_driver;

/* One hierarchy we create job cgroups in (v2: exactly one). */
struct hier {
        char *parent;   /* absolute path of the parent of job cgroups */
        int parent_fd;  /* O_RDONLY|O_DIRECTORY on it */
        unsigned ctrls; /* BIT(enum ctrl) it holds */
};

struct sbx_cgroup_host {
        const struct sbx_cg_driver *drv; /* NULL: mode NONE */
        struct hier h[C_N];
        size_t n;
        int idx[C_N]; /* hierarchy holding each controller, -1 when absent */
        unsigned counter;
        char *describe;
        const char *source;  /* why the parent is ours, for describe() */
        bool scope_possible; /* NONE, but the user's systemd could delegate a scope */
        char owner[SBX_OWNER_TOKEN_LEN + 1]; /* the token job cgroups carry */
};

struct sbx_cgroup {
        struct sbx_cgroup_host *host;
        char name[48];
        int dir[C_N]; /* O_PATH per hierarchy (indexed like host->h), -1 when absent/removed */
        int cpu_fd;   /* drv->cpu_file: polled, so kept open */
        bool adopted; /* found by reap, not created here: check identity before each rmdir */
};

/* What differs between cgroup v1 and v2. Everything else (job directories in each hierarchy,
 * attach, signalling, removal) is the same code over host->h[]. */
struct sbx_cg_driver {
        enum sbx_cgroup_mode mode;
        /* Find (as root: create) the parent(s) of job cgroups: fill h with sbx_cg_add_hier and
         * h->source, or give the reason and the fix with sbx_cg_host_none. 0 or -ENOMEM. */
        int (*setup)(struct sbx_cgroup_host *h, const struct layout *l,
                     const struct sbx_cgroup_probe *p);
        /* Controllers describe() names, and its tail after "(source); ". */
        unsigned shown;
        void (*describe)(const struct sbx_cgroup_host *h, char *buf, size_t size);
        /* sbx_cgroup_limits_at and sbx_cgroup_stats_at for this version. */
        int (*limits)(int memory_fd, int pids_fd, int cpu_fd, const struct sbx_limits *l,
                      const char *where, struct sbx_error **err);
        int (*stats)(int memory_fd, int cpuacct_fd, struct sbx_cgroup_stats *out);
        /* The file in the cpuacct hierarchy that holds the CPU time, and its parser. */
        const char *cpu_file;
        int (*cpu_usec)(char *text, uint64_t *out);
        /* Kill the whole tree at once, forks in flight included; -ENOENT when the kernel cannot
         * (then: freeze, SIGKILL all, thaw). NULL: never possible. */
        int (*kill)(int dirfd);
        /* Freeze or thaw the job (its freezer hierarchy's directory), and whether it is frozen. */
        int (*freeze)(int dirfd, bool on);
        bool (*frozen)(int dirfd);
};

extern const struct sbx_cg_driver sbx_cg_v1, sbx_cg_v2;

/* ---- cgroup_fs.c: files in cgroupfs ---- */

/* Read a small file under dirfd into buf (NUL-terminated). Length or -errno. */
ssize_t sbx_cg_read_small_at(int dirfd, const char *name, char *buf, size_t cap);
/* A file holding one decimal number and a newline (cpuacct.usage, memory.peak, ...). */
int sbx_cg_parse_single(char *text, uint64_t *out);
int sbx_cg_read_u64_at(int dirfd, const char *name, uint64_t *out);
/* Controllers named in a space- or comma-separated list (cgroup.controllers, mount options). */
unsigned sbx_cg_parse_ctrls(const char *list);
void sbx_cg_sleep_usec(unsigned usec);
/* Open rel (a relative cgroup path, "" = the top) under the directory at mount; when create,
 * make missing components. Refuses ".." so an environment value cannot climb out. */
int sbx_cg_open_rel(const char *mount, const char *rel, bool create);
/* The same, calling step at each level before going down: fd is that level's directory, done
 * its path under mount ("" = the top); a negative return stops the walk with it. */
typedef int (*sbx_cg_step_fn)(int fd, const char *done, void *arg);
int sbx_cg_walk(const char *mount, const char *rel, bool create, sbx_cg_step_fn step, void *arg);
/* mount/rel, or mount for an empty rel; NULL when out of memory. */
char *sbx_cg_join(const char *mount, const char *rel);
/* This user may create cgroups in fd and move processes into it. */
bool sbx_cg_writable(int fd);
/* Write v and suffix into file under fd; optional: a missing file is no error. where names the
 * job in the message. */
int sbx_cg_write_limit(int fd, const char *file, uint64_t v, const char *suffix, bool optional,
                       const char *where, struct sbx_error **err);
/* The CFS quota (per CFS_PERIOD_USEC) for millicores. */
#define CFS_PERIOD_USEC 100000u
uint64_t sbx_cg_cfs_quota(uint32_t millicores);

/* ---- cgroup.c: discovery ---- */

int sbx_cg_parse_mountinfo(const char *text, struct layout *l);
void sbx_cg_layout_done(struct layout *l);
/* The driver for the hierarchy a host uses (v2 before v1), NULL when none is usable. */
const struct sbx_cg_driver *sbx_cg_layout_driver(const struct layout *l);
/* Mode NONE, with "none: <reason>" as describe(). 0 or -ENOMEM. */
int sbx_cg_host_none(struct sbx_cgroup_host *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Take path (allocated, may be NULL) and fd as a hierarchy of h. 0 or -errno. */
int sbx_cg_add_hier(struct sbx_cgroup_host *h, char *path, int fd, unsigned ctrls);

/* ---- cgroup_v2.c, for delegation ---- */

/* Root: create rel, enabling the controllers at every level above it. self: our cgroup (its
 * processes move into a leaf where needed), or NULL. On failure to enable, *failed names the
 * cgroup. 0 and *out, or -errno. */
int sbx_cg_v2_create_path(const char *mount, const char *rel, const char *self, int *out,
                          char **failed);

/* ---- cgroup_delegate.c, for discovery ---- */

/* The delegated cgroup that holds our own (self, relative to mount), in *out (NULL when none),
 * and how it was found in *source. 0 or -ENOMEM. */
int sbx_cg_find_delegated(const char *mount, const char *self, bool root, char **out,
                          const char **source);
/* How an unprivileged user without a usable cgroup gets one on this host. */
const char *sbx_cg_user_fix(const struct sbx_cgroup_probe *p);
/* Our systemd user manager's socket, or NULL. */
char *sbx_cg_user_manager_socket(void);

/* ---- cgroup_job.c, for reaping ---- */

struct sbx_cgroup *sbx_cg_job_new(struct sbx_cgroup_host *h);
void sbx_cg_job_free(struct sbx_cgroup *cg);
/* Kill and remove in every hierarchy, waiting at most ~2 s: 0 or -errno. */
int sbx_cg_job_remove(struct sbx_cgroup *cg);

#endif
