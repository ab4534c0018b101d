/* Reading and writing cgroupfs files, for every cgroup driver (cgroup_internal.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "util.h"

#define CFS_MIN_USEC 1000u

const char *const sbx_cg_ctrl_names[C_N] = {"memory", "pids", "cpu", "cpuacct", "freezer"};

/* Read a small file under dirfd into buf (NUL-terminated). Length or -errno. */
ssize_t sbx_cg_read_small_at(int dirfd, const char *name, char *buf, size_t cap)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        size_t len = 0;

        if (fd < 0)
                return -errno;
        while (len + 1 < cap) {
                ssize_t n = read(fd, buf + len, cap - 1 - len);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        buf[len] = '\0';
        return (ssize_t)len;
}

/* A file holding one decimal number and a newline (cpuacct.usage, memory.peak, ...). */
int sbx_cg_parse_single(char *text, uint64_t *out)
{
        text[strcspn(text, "\n")] = '\0';
        return sbx_parse_u64(text, out);
}

int sbx_cg_read_u64_at(int dirfd, const char *name, uint64_t *out)
{
        char buf[64];
        ssize_t n = sbx_cg_read_small_at(dirfd, name, buf, sizeof(buf));

        return n < 0 ? (int)n : sbx_cg_parse_single(buf, out);
}

int sbx_cgroup_parse_keyed(const char *text, const char *key, uint64_t *out)
{
        size_t klen = strlen(key);

        for (const char *line = text; line && *line; line = strchr(line, '\n'), line += !!line) {
                if (strncmp(line, key, klen) != 0 || line[klen] != ' ')
                        continue;
                const char *v = line + klen + 1;
                size_t vlen = strcspn(v, "\n");
                char num[32];
                if (vlen == 0 || vlen >= sizeof(num))
                        return -EINVAL;
                memcpy(num, v, vlen);
                num[vlen] = '\0';
                return sbx_parse_u64(num, out);
        }
        return -ENOENT;
}

/* Controllers named in a space- or comma-separated list (cgroup.controllers, mount options). */
unsigned sbx_cg_parse_ctrls(const char *list)
{
        unsigned set = 0;

        for (const char *p = list; *p;) {
                size_t n = strcspn(p, " ,\n");
                for (int c = 0; c < C_N; c++)
                        if (n == strlen(sbx_cg_ctrl_names[c]) &&
                            strncmp(p, sbx_cg_ctrl_names[c], n) == 0)
                                set |= BIT(c);
                p += n;
                p += strspn(p, " ,\n");
        }
        return set;
}

void sbx_cg_sleep_usec(unsigned usec)
{
        struct timespec ts = {.tv_sec = usec / 1000000u, .tv_nsec = (long)(usec % 1000000u) * 1000};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* Open rel (a relative cgroup path, "" = the top) under the directory at mount; when create,
 * make missing components. Refuses ".." so an environment value cannot climb out. */
int sbx_cg_walk(const char *mount, const char *rel, bool create, sbx_cg_step_fn step, void *arg)
{
        _cleanup_free_ char *copy = strdup(rel);
        _cleanup_close_ int fd = open(mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        char *rest = copy, *comp, done[PATH_MAX] = "";
        size_t len = 0;
        int r;

        if (!copy)
                return -ENOMEM;
        if (fd < 0)
                return -errno;
        while ((comp = strsep(&rest, "/"))) {
                if (!*comp || strcmp(comp, ".") == 0)
                        continue;
                if (strcmp(comp, "..") == 0)
                        return -EINVAL;
                if (step && (r = step(fd, done, arg)) < 0)
                        return r;
                if (create && mkdirat(fd, comp, 0755) < 0 && errno != EEXIST)
                        return -errno;
                int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
                if (next < 0)
                        return -errno;
                close(fd);
                fd = next;
                r = snprintf(done + len, sizeof(done) - len, "%s%s", len ? "/" : "", comp);
                if (r < 0 || (size_t)r >= sizeof(done) - len)
                        return -ENAMETOOLONG;
                len += (size_t)r;
        }
        return TAKE_FD(fd);
}

int sbx_cg_open_rel(const char *mount, const char *rel, bool create)
{
        return sbx_cg_walk(mount, rel, create, NULL, NULL);
}

char *sbx_cg_join(const char *mount, const char *rel)
{
        while (*rel == '/')
                rel++;
        return *rel ? sbx_strdup_printf("%s/%s", mount, rel) : strdup(mount);
}

bool sbx_cg_writable(int fd)
{
        return faccessat(fd, ".", W_OK | X_OK, AT_EACCESS) == 0 &&
               faccessat(fd, "cgroup.procs", W_OK, AT_EACCESS) == 0;
}

int sbx_cg_write_limit(int fd, const char *file, uint64_t v, const char *suffix, bool optional,
                       const char *where, struct sbx_error **err)
{
        char val[48];
        int r;

        snprintf(val, sizeof(val), "%llu%s", (unsigned long long)v, suffix);
        r = sbx_write_string_at(fd, file, val);
        if (r == 0 || (optional && r == -ENOENT))
                return 0;
        return sbx_error_set(err, -r, "cgroup: writing %s=%s in %s: %s", file, val, where,
                             strerror(-r));
}

uint64_t sbx_cg_cfs_quota(uint32_t millicores)
{
        uint64_t q = (uint64_t)millicores * CFS_PERIOD_USEC / 1000u;

        return q < CFS_MIN_USEC ? CFS_MIN_USEC : q;
}

/* ---- host: shared pieces ----------------------------------------------------------------- */

int sbx_cg_host_none(struct sbx_cgroup_host *h, const char *fmt, ...)
{
        char *reason = NULL;
        va_list ap;

        for (size_t i = 0; i < h->n; i++) {
                sbx_closep(&h->h[i].parent_fd);
                free(h->h[i].parent);
        }
        h->n = 0;
        for (int c = 0; c < C_N; c++)
                h->idx[c] = -1;
        h->drv = NULL;
        va_start(ap, fmt);
        reason = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
        free(h->describe);
        h->describe = reason ? sbx_strdup_printf("none: %s", reason) : NULL;
        free(reason);
        return h->describe ? 0 : -ENOMEM;
}

int sbx_cg_add_hier(struct sbx_cgroup_host *h, char *path, int fd, unsigned ctrls)
{
        struct stat st;

        if (!path || fstat(fd, &st) < 0) {
                int e = path ? errno : ENOMEM;
                free(path);
                close(fd);
                return -e;
        }
        h->h[h->n] = (struct hier){.parent = path, .parent_fd = fd, .ctrls = ctrls};
        for (int c = 0; c < C_N; c++)
                if (ctrls & BIT(c))
                        h->idx[c] = (int)h->n;
        h->n++;
        return 0;
}
