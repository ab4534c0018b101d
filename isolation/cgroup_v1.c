/* The cgroup v1 driver: one hierarchy per controller (possibly co-mounted, like cpu,cpuacct),
 * job cgroups made in each. memory, pids and cpuacct are required; cpu (bandwidth) and freezer
 * are optional. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "util.h"

/* ---- the parents -------------------------------------------------------------------------- */

/* The parent in one v1 hierarchy: fd, or -errno with the reason in *why. */
static int v1_open_parent(const char *mount, const char *rel, bool create, const char **why)
{
        int fd = sbx_cg_open_rel(mount, rel, create);

        *why = "";
        if (fd >= 0 && !create && !sbx_cg_writable(fd)) {
                close(fd);
                *why = " is not writable by this user";
                return -EACCES;
        }
        return fd;
}

static int setup_v1(struct sbx_cgroup_host *h, const struct layout *l,
                    const struct sbx_cgroup_probe *p)
{
        bool root = p->euid == 0;
        _cleanup_free_ char *own = sbx_strdup_printf(PARENT_NAME "-%u", (unsigned)p->euid);
        const char *rel = p->env ? p->env : root ? PARENT_NAME : own;

        if (!own)
                return -ENOMEM;
        h->source = p->env ? "$" ENV_PARENT
                    : root ? "created as root"
                           : "from doctor --delegate-cgroup";
        for (size_t i = 0; i < l->n_v1; i++) {
                const char *why;
                int fd = v1_open_parent(l->v1[i].mount, rel, root, &why);
                if (fd == -ENOMEM)
                        return fd;
                if (fd >= 0) {
                        if (sbx_cg_add_hier(h, sbx_cg_join(l->v1[i].mount, rel), fd,
                                            l->v1[i].ctrls) < 0)
                                return -ENOMEM;
                        continue;
                }
                /* cpu (bandwidth) and freezer are optional: without them, no CPU quota and a
                 * plain SIGKILL loop. */
                if (!(l->v1[i].ctrls & REQUIRED_V1))
                        continue;
                _cleanup_free_ char *path = sbx_cg_join(l->v1[i].mount, rel);
                if (root)
                        return sbx_cg_host_none(h, "cannot create %s: %s", path ? path : rel,
                                                strerror(-fd));
                return sbx_cg_host_none(h, "no writable cgroup (v1: %s%s%s%s): %s%s",
                                        path ? path : rel, *why ? why : ": ",
                                        *why ? "" : strerror(-fd),
                                        p->env ? ", from $" ENV_PARENT : "", DELEGATE_FIX,
                                        p->env ? "" : ", or set $" ENV_PARENT);
        }
        return 0;
}

static void describe_v1(const struct sbx_cgroup_host *h, char *buf, size_t size)
{
        int mem = h->h[h->idx[C_MEMORY]].parent_fd;

        snprintf(buf, size, "swap %s",
                 faccessat(mem, "memory.memsw.limit_in_bytes", F_OK, 0) == 0
                     ? "off (memsw)"
                     : "not limited (no swap accounting)");
}

/* ---- limits and stats --------------------------------------------------------------------- */

static int limits_v1(int mem, int pids, int cpu, const struct sbx_limits *l, const char *where,
                     struct sbx_error **err)
{
        int r;

        if (l->memory_bytes) {
                /* memsw (memory + swap) may not go below the memory limit: set it second, equal,
                 * so nothing can be swapped. Absent when swap accounting is off. */
                if ((r = sbx_cg_write_limit(mem, "memory.limit_in_bytes", l->memory_bytes, "",
                                            false, where, err)) < 0 ||
                    (r = sbx_cg_write_limit(mem, "memory.memsw.limit_in_bytes", l->memory_bytes, "",
                                            true, where, err)) < 0)
                        return r;
                (void)sbx_write_string_at(mem, "memory.swappiness", "0");
        }
        if (l->pids &&
            (r = sbx_cg_write_limit(pids, "pids.max", l->pids, "", false, where, err)) < 0)
                return r;
        if (l->cpu_millicores && cpu >= 0 &&
            ((r = sbx_cg_write_limit(cpu, "cpu.cfs_period_us", CFS_PERIOD_USEC, "", false, where,
                                     err)) < 0 ||
             (r = sbx_cg_write_limit(cpu, "cpu.cfs_quota_us", sbx_cg_cfs_quota(l->cpu_millicores),
                                     "", false, where, err)) < 0))
                return r;
        return 0;
}

static int stats_v1(int mem, int acct, struct sbx_cgroup_stats *out)
{
        char buf[SMALL_MAX];
        uint64_t ns, kills = 0, under = 0;
        ssize_t r;

        if ((r = sbx_cg_read_u64_at(acct, "cpuacct.usage", &ns)) < 0 ||
            (r = sbx_cg_read_u64_at(mem, "memory.max_usage_in_bytes", &out->peak_memory_bytes)) <
                0 ||
            (r = sbx_cg_read_small_at(mem, "memory.oom_control", buf, sizeof(buf))) < 0)
                return (int)r;
        out->cpu_usec = ns / 1000u;
        /* oom_kill counts kills of this cgroup's tasks (Linux 4.13+); under_oom is set while an
         * OOM is being handled, so a killed job whose exit raced the read still shows it. */
        (void)sbx_cgroup_parse_keyed(buf, "oom_kill", &kills);
        (void)sbx_cgroup_parse_keyed(buf, "under_oom", &under);
        out->oom_killed = kills > 0;
        out->memory_oom = kills > 0 || under > 0;
        return 0;
}

static int cpu_usec_v1(char *text, uint64_t *out)
{
        uint64_t ns;
        int r = sbx_cg_parse_single(text, &ns);

        if (r == 0)
                *out = ns / 1000u;
        return r;
}

/* ---- freezer ------------------------------------------------------------------------------ */

static int freeze_v1(int fd, bool on)
{
        return sbx_write_string_at(fd, "freezer.state", on ? "FROZEN" : "THAWED");
}

static bool frozen_v1(int fd)
{
        char buf[SMALL_MAX];

        return sbx_cg_read_small_at(fd, "freezer.state", buf, sizeof(buf)) >= 0 &&
               strncmp(buf, "FROZEN", 6) == 0;
}

const struct sbx_cg_driver sbx_cg_v1 = {
    .mode = SBX_CGROUP_V1,
    .setup = setup_v1,
    .shown = BIT(C_MEMORY) | BIT(C_PIDS) | BIT(C_CPU) | BIT(C_CPUACCT) | BIT(C_FREEZER),
    .describe = describe_v1,
    .limits = limits_v1,
    .stats = stats_v1,
    .cpu_file = "cpuacct.usage",
    .cpu_usec = cpu_usec_v1,
    .freeze = freeze_v1,
    .frozen = frozen_v1,
};
