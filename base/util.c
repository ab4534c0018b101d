#include "util.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "install_dirs.h"

int sbx_parse_u64(const char *s, uint64_t *out)
{
        uint64_t v = 0;

        if (!s || !*s)
                return -EINVAL;
        for (const char *p = s; *p; p++) {
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                unsigned d = (unsigned)(*p - '0');
                if (v > (UINT64_MAX - d) / 10)
                        return -ERANGE;
                v = v * 10 + d;
        }
        *out = v;
        return 0;
}

char *sbx_strdup_vprintf(const char *fmt, va_list ap)
{
        char *s = NULL;

        return vasprintf(&s, fmt, ap) < 0 ? NULL : s;
}

char *sbx_strdup_printf(const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        s = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
        return s;
}

int sbx_read_fd(int fd, size_t max_bytes, char **out, size_t *size)
{
        size_t cap = 4096, len = 0;
        char *buf = malloc(cap + 1);

        if (!buf)
                return -ENOMEM;
        for (;;) {
                if (len == cap) {
                        if (cap >= max_bytes) {
                                free(buf);
                                return -EFBIG;
                        }
                        cap = cap * 2 > max_bytes ? max_bytes : cap * 2;
                        char *n = realloc(buf, cap + 1);
                        if (!n) {
                                free(buf);
                                return -ENOMEM;
                        }
                        buf = n;
                }
                ssize_t r = read(fd, buf + len, cap - len);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0) {
                        int e = errno;
                        free(buf);
                        return -e;
                }
                if (r == 0)
                        break;
                len += (size_t)r;
        }
        buf[len] = '\0';
        *out = buf;
        if (size)
                *size = len;
        return 0;
}

int sbx_read_file(const char *path, size_t max_bytes, char **out, size_t *size)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -errno;
        return sbx_read_fd(fd, max_bytes, out, size);
}

int sbx_write_all(int fd, const void *buf, size_t size)
{
        const char *p = buf;

        while (size > 0) {
                ssize_t w = write(fd, p, size);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                p += w;
                size -= (size_t)w;
        }
        return 0;
}

int sbx_write_string_at(int dirfd, const char *name, const char *s)
{
        _cleanup_close_ int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return -errno;
        return sbx_write_all(fd, s, strlen(s));
}

int sbx_write_string(const char *path, const char *s)
{
        return sbx_write_string_at(AT_FDCWD, path, s);
}

uint64_t sbx_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t sbx_now_ms(void)
{
        return sbx_now_usec() / 1000u;
}

unsigned sbx_online_cpus(void)
{
        long n = sysconf(_SC_NPROCESSORS_ONLN);

        return n > 0 ? (unsigned)n : 1;
}

uint64_t sbx_cpu_limit_due(uint64_t now_ms, uint64_t used_usec, uint64_t limit_usec, unsigned cpus,
                           uint64_t min_ms)
{
        uint64_t wait_ms = limit_usec > used_usec ? (limit_usec - used_usec) / 1000u : 0;

        wait_ms /= cpus ? cpus : 1;
        return now_ms + (wait_ms > min_ms ? wait_ms : min_ms);
}

/* Length of the valid UTF-8 sequence at s[0..n), or 0. Overlong forms, surrogates and code
 * points past U+10FFFF are invalid (Python's strict decoder refuses them too). */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
        unsigned char c = s[0];
        size_t len;
        uint32_t cp;

        if (c == 0)
                return 0;
        if (c < 0x80)
                return 1;
        if ((c >> 5) == 6)
                len = 2, cp = c & 0x1f;
        else if ((c >> 4) == 14)
                len = 3, cp = c & 0x0f;
        else if ((c >> 3) == 30)
                len = 4, cp = c & 0x07;
        else
                return 0;
        if (len > n)
                return 0;
        for (size_t k = 1; k < len; k++) {
                if ((s[k] >> 6) != 2)
                        return 0;
                cp = cp << 6 | (s[k] & 0x3f);
        }
        static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        return len;
}

bool sbx_utf8_valid(const char *s, size_t n, size_t *bad_at)
{
        for (size_t i = 0; i < n;) {
                size_t len = utf8_seq((const unsigned char *)s + i, n - i);
                if (!len) {
                        if (bad_at)
                                *bad_at = i;
                        return false;
                }
                i += len;
        }
        return true;
}

const char *sbx_json_escaped_nul(const char *p, const char *end)
{
        for (const char *start = p; (p = memmem(p, (size_t)(end - p), "\\u0000", 6)); p++) {
                size_t backslashes = 0;
                for (const char *q = p; q >= start && *q == '\\'; q--)
                        backslashes++;
                if (backslashes % 2)
                        return p;
        }
        return NULL;
}

char *sbx_utf8_sanitize(const char *s, size_t n)
{
        char *out, *o;

        if (n > (SIZE_MAX - 1) / 3)
                return NULL;
        out = o = malloc(n * 3 + 1);
        if (!out)
                return NULL;
        for (size_t i = 0; i < n;) {
                size_t len = utf8_seq((const unsigned char *)s + i, n - i);
                if (len) {
                        memcpy(o, s + i, len);
                        o += len;
                        i += len;
                } else {
                        memcpy(o, "\xef\xbf\xbd", 3);
                        o += 3;
                        i++;
                }
        }
        *o = '\0';
        return out;
}

/* ---- installed files ------------------------------------------------------------------ */

/* Where this code runs from (a canonical path): the shared library that holds it, for a host
 * program linked with libsandboxrt, else the executable. */
static bool self_path(char *out)
{
        Dl_info info;
        struct link_map *map = NULL;

        if (dladdr1((void *)self_path, &info, (void **)&map, RTLD_DL_LINKMAP) && map &&
            map->l_name && map->l_name[0])
                return realpath(map->l_name, out) != NULL;
        return realpath("/proc/self/exe", out) != NULL;
}

/* Cut "/DIR" (an install dir relative to the prefix, maybe "lib/x86_64-linux-gnu") off the end
 * of path, leaving the prefix. */
static bool cut_dir(char *path, const char *dir)
{
        size_t n = strlen(path), d = strlen(dir);

        if (*dir == '/' || n < d + 1 || strcmp(path + n - d, dir) || path[n - d - 1] != '/')
                return false;
        path[n - d - 1] = '\0';
        return true;
}

static struct {
        bool build_tree;
        char prefix[PATH_MAX];
} install_root;
static pthread_once_t install_root_once = PTHREAD_ONCE_INIT;

/* The build tree, if we run from it; else the prefix our executable or library is installed
 * in (PREFIX/bin/sandboxrt, PREFIX/lib/libsandboxrt.so), else the configured one. */
static void find_install_root(void)
{
        const size_t n = strlen(SBX_BUILD_DIR);
        char self[PATH_MAX];

        snprintf(install_root.prefix, sizeof(install_root.prefix), "%s", SBX_INSTALL_PREFIX);
        if (!self_path(self))
                return;
        /* Both canonical: no need to look at the build tree itself. */
        if (!strncmp(self, SBX_BUILD_DIR, n) && self[n] == '/') {
                install_root.build_tree = true;
                return;
        }
        *strrchr(self, '/') = '\0';
        if (cut_dir(self, SBX_INSTALL_BINDIR) || cut_dir(self, SBX_INSTALL_LIBDIR))
                snprintf(install_root.prefix, sizeof(install_root.prefix), "%s", self);
}

bool sbx_install_path(const char *installed, const char *build_path, char *out, size_t size)
{
        pthread_once(&install_root_once, find_install_root);
        if (install_root.build_tree)
                return build_path && snprintf(out, size, "%s", build_path) < (int)size;
        if (*installed == '/')
                return snprintf(out, size, "%s", installed) < (int)size;
        return snprintf(out, size, "%s/%s", install_root.prefix, installed) < (int)size;
}

static bool is_self(const char *path)
{
        struct stat a, b;

        return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev &&
               a.st_ino == b.st_ino;
}

bool sbx_find_helper(const char *env, const char *installed, const char *build_path, char *out,
                     size_t size)
{
        const char *set = getenv(env);

        if (set && *set)
                return snprintf(out, size, "%s", set) < (int)size && access(out, X_OK) == 0;
        return sbx_install_path(installed, build_path, out, size) && access(out, X_OK) == 0 &&
               !is_self(out);
}

int sbx_hex_value(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}
