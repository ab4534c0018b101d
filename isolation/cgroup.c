/* Job cgroups on v2 (one unified hierarchy) and v1 (one hierarchy per controller): discovery
 * and the host's public API. Discovery (mountinfo, parent creation, controller enabling)
 * happens once per host and picks the driver (cgroup_v1.c, cgroup_v2.c); the job path
 * (cgroup_job.c) then only uses the directory fds opened here. See cgroup_internal.h for the
 * other files. */
#include "isolation/cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "util.h"

static const char *const mode_names[] = {
    [SBX_CGROUP_NONE] = "none",
    [SBX_CGROUP_V1] = "v1",
    [SBX_CGROUP_V2] = "v2",
};

const char *sbx_cgroup_mode_to_string(enum sbx_cgroup_mode m)
{
        return (size_t)m < ELEMENTSOF(mode_names) ? mode_names[m] : "unknown";
}

int sbx_cgroup_mode_from_string(const char *s, enum sbx_cgroup_mode *out)
{
        for (size_t i = 0; s && i < ELEMENTSOF(mode_names); i++)
                if (strcmp(s, mode_names[i]) == 0) {
                        *out = (enum sbx_cgroup_mode)i;
                        return 0;
                }
        return -EINVAL;
}

/* ---- mountinfo -------------------------------------------------------------------------- */

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
        char *w = s;

        for (char *r = s; *r; r++) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
                    r[3] >= '0' && r[3] <= '7') {
                        *w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
                        r += 3;
                } else {
                        *w++ = *r;
                }
        }
        *w = '\0';
}

void sbx_cg_layout_done(struct layout *l)
{
        free(l->v2_mount);
        free(l->v2_root);
        free(l->v2_available);
        for (size_t i = 0; i < l->n_v1; i++)
                free(l->v1[i].mount);
        *l = (struct layout){0};
}

static int add_v2_mount(struct layout *l, const char *root, const char *point)
{
        char buf[SMALL_MAX];
        _cleanup_close_ int fd = open(point, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        /* The first cgroup2 mount whose controllers include memory and pids wins; a hybrid
         * host's v2 mount (no or other controllers) is kept only for messages. */
        if (fd < 0 || sbx_cg_read_small_at(fd, "cgroup.controllers", buf, sizeof(buf)) < 0)
                buf[0] = '\0';
        if (l->v2_mount && (l->v2_ctrls & REQUIRED_V2) == REQUIRED_V2)
                return 0;
        free(l->v2_mount);
        free(l->v2_root);
        free(l->v2_available);
        l->v2_mount = strdup(point);
        l->v2_root = strdup(root);
        buf[strcspn(buf, "\n")] = '\0';
        l->v2_available = strdup(buf);
        l->v2_ctrls = sbx_cg_parse_ctrls(buf) & (BIT(C_MEMORY) | BIT(C_PIDS) | BIT(C_CPU));
        return l->v2_mount && l->v2_root && l->v2_available ? 0 : -ENOMEM;
}

static int add_v1_mount(struct layout *l, const char *point, const char *superopts)
{
        unsigned ctrls = sbx_cg_parse_ctrls(superopts) & ~l->v1_ctrls;

        /* Named hierarchies (name=systemd) have no controller; a controller is bound to one
         * hierarchy, so a second mount of it is a bind mount: keep the first. */
        if (!ctrls || l->n_v1 == MAX_MOUNTS)
                return 0;
        l->v1[l->n_v1].mount = strdup(point);
        if (!l->v1[l->n_v1].mount)
                return -ENOMEM;
        l->v1[l->n_v1++].ctrls = ctrls;
        l->v1_ctrls |= ctrls;
        return 0;
}

/* One mountinfo line: id parent maj:min root point opts [optional...] - fstype source super. */
static int parse_mount_line(struct layout *l, char *line)
{
        char *f[6], *fstype = NULL, *superopts = NULL, *tok;
        int n = 0;

        while (n < 6 && (tok = strsep(&line, " ")))
                f[n++] = tok;
        if (n < 6)
                return 0;
        while ((tok = strsep(&line, " ")) && strcmp(tok, "-") != 0)
                ;
        if (!tok || !(fstype = strsep(&line, " ")) || !strsep(&line, " ") ||
            !(superopts = strsep(&line, " ")))
                return 0;
        unescape_octal(f[3]);
        unescape_octal(f[4]);
        if (strcmp(fstype, "cgroup2") == 0)
                return add_v2_mount(l, f[3], f[4]);
        if (strcmp(fstype, "cgroup") == 0)
                return add_v1_mount(l, f[4], superopts);
        return 0;
}

int sbx_cg_parse_mountinfo(const char *text, struct layout *l)
{
        _cleanup_free_ char *copy = strdup(text ? text : "");
        char *rest = copy, *line;

        if (!copy)
                return -ENOMEM;
        while ((line = strsep(&rest, "\n")))
                if (*line && parse_mount_line(l, line) < 0)
                        return -ENOMEM;
        return 0;
}

/* ---- host: open, describe, free ---------------------------------------------------------- */

static int describe_host(struct sbx_cgroup_host *h)
{
        char ctrls[64] = "", parents[2048] = "", tail[256];

        for (int c = 0; c < C_N; c++)
                if (h->idx[c] >= 0 && (h->drv->shown & BIT(c)))
                        snprintf(ctrls + strlen(ctrls), sizeof(ctrls) - strlen(ctrls), "%s%s",
                                 *ctrls ? ", " : "", sbx_cg_ctrl_names[c]);
        for (size_t i = 0; i < h->n; i++)
                snprintf(parents + strlen(parents), sizeof(parents) - strlen(parents), "%s%s",
                         i ? " " : "", h->h[i].parent);
        h->drv->describe(h, tail, sizeof(tail));
        h->describe =
            sbx_strdup_printf("%s (%s) under %s (%s); %s", sbx_cgroup_mode_to_string(h->drv->mode),
                              ctrls, parents, h->source, tail);
        return h->describe ? 0 : -ENOMEM;
}

/* v2 when its hierarchy has memory and pids, else v1 when it has memory, pids and cpuacct. */
const struct sbx_cg_driver *sbx_cg_layout_driver(const struct layout *l)
{
        if (l->v2_mount && (l->v2_ctrls & REQUIRED_V2) == REQUIRED_V2)
                return &sbx_cg_v2;
        if ((l->v1_ctrls & REQUIRED_V1) == REQUIRED_V1)
                return &sbx_cg_v1;
        return NULL;
}

static int host_discover(struct sbx_cgroup_host *h, const struct sbx_cgroup_probe *p)
{
        struct layout l = {0};
        int r = sbx_cg_parse_mountinfo(p->mountinfo, &l);

        if (r < 0)
                ;
        else if ((h->drv = sbx_cg_layout_driver(&l)))
                r = h->drv->setup(h, &l, p);
        else
                r = sbx_cg_host_none(
                    h,
                    "no cgroup hierarchy with the memory, pids (and on v1 cpuacct) "
                    "controllers is mounted (v2 %s%s%s; v1 controllers:%s%s%s%s%s)",
                    l.v2_mount ? l.v2_mount : "absent", l.v2_mount ? " offers: " : "",
                    l.v2_mount ? l.v2_available : "", l.v1_ctrls & BIT(C_MEMORY) ? " memory" : "",
                    l.v1_ctrls & BIT(C_PIDS) ? " pids" : "", l.v1_ctrls & BIT(C_CPU) ? " cpu" : "",
                    l.v1_ctrls & BIT(C_CPUACCT) ? " cpuacct" : "", l.v1_ctrls ? "" : " none");
        sbx_cg_layout_done(&l);
        if (r == 0 && h->drv)
                r = describe_host(h);
        return r;
}

int sbx_cgroup_host_open_probe(const struct sbx_cgroup_probe *p, struct sbx_cgroup_host **out,
                               struct sbx_error **err)
{
        struct sbx_cgroup_host *h = calloc(1, sizeof(*h));

        if (!h)
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        for (int c = 0; c < C_N; c++)
                h->idx[c] = -1;
        if (host_discover(h, p) < 0) {
                sbx_cgroup_host_free(h);
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        }
        *out = h;
        return 0;
}

int sbx_cgroup_host_open(struct sbx_cgroup_host **out, struct sbx_error **err)
{
        _cleanup_free_ char *mountinfo = NULL, *self = NULL, *manager = NULL;
        struct sbx_cgroup_host *h;
        int r = sbx_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, NULL);

        if (r == -ENOMEM)
                return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
        (void)sbx_read_file("/proc/self/cgroup", SMALL_MAX * 4, &self, NULL);
        if (geteuid() != 0)
                manager = sbx_cg_user_manager_socket();
        struct sbx_cgroup_probe p = {.mountinfo = mountinfo,
                                     .self_cgroup = self,
                                     .euid = geteuid(),
                                     .env = getenv(ENV_PARENT),
                                     .user_manager = manager,
                                     .systemd = access("/run/systemd/system", F_OK) == 0};
        if (r < 0) {
                h = calloc(1, sizeof(*h));
                if (!h ||
                    sbx_cg_host_none(h, "cannot read /proc/self/mountinfo: %s", strerror(-r)) < 0) {
                        sbx_cgroup_host_free(h);
                        return sbx_error_set(err, ENOMEM, "cgroup: out of memory");
                }
                *out = h;
                return 0;
        }
        return sbx_cgroup_host_open_probe(&p, out, err);
}

struct sbx_cgroup_host *sbx_cgroup_host_free(struct sbx_cgroup_host *h)
{
        if (!h)
                return NULL;
        for (size_t i = 0; i < h->n; i++) {
                close(h->h[i].parent_fd);
                free(h->h[i].parent);
        }
        free(h->describe);
        free(h);
        return NULL;
}

enum sbx_cgroup_mode sbx_cgroup_host_mode(const struct sbx_cgroup_host *h)
{
        return h && h->drv ? h->drv->mode : SBX_CGROUP_NONE;
}

const char *sbx_cgroup_host_describe(const struct sbx_cgroup_host *h)
{
        if (!h)
                return "none: not probed";
        return h->describe ? h->describe : "none: out of memory";
}

bool sbx_cgroup_host_scope_possible(const struct sbx_cgroup_host *h)
{
        return h && !h->drv && h->scope_possible;
}

const char *sbx_cgroup_host_parent(const struct sbx_cgroup_host *h, const char *controller)
{
        for (int c = 0; h && controller && c < C_N; c++)
                if (strcmp(controller, sbx_cg_ctrl_names[c]) == 0 && h->idx[c] >= 0)
                        return h->h[h->idx[c]].parent;
        return NULL;
}

enum sbx_cgroup_mode sbx_cgroup_host_kind(void)
{
        _cleanup_free_ char *mountinfo = NULL;
        const struct sbx_cg_driver *drv = NULL;
        struct layout l = {0};

        if (sbx_read_file("/proc/self/mountinfo", MOUNTINFO_MAX, &mountinfo, NULL) == 0 &&
            sbx_cg_parse_mountinfo(mountinfo, &l) == 0)
                drv = sbx_cg_layout_driver(&l);
        sbx_cg_layout_done(&l);
        return drv ? drv->mode : SBX_CGROUP_NONE;
}

void sbx_cgroup_host_set_owner(struct sbx_cgroup_host *h, const char *token)
{
        snprintf(h->owner, sizeof(h->owner), "%s", token);
}
