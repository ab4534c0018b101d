/* Small shared helpers: cleanup attributes, ownership transfer, checked number parsing. */
#ifndef SBX_UTIL_H
#define SBX_UTIL_H

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static inline void sbx_freep(void *p)
{
        free(*(void **)p);
}

static inline void sbx_closep(int *fd)
{
        if (*fd >= 0) {
                int saved = errno;
                close(*fd);
                errno = saved;
        }
}

#define _cleanup_free_  __attribute__((cleanup(sbx_freep)))
#define _cleanup_close_ __attribute__((cleanup(sbx_closep)))

/* Hand ownership over: returns the value and leaves NULL (or -1 for fds) behind. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _tp = (p);                                                           \
                (p) = NULL;                                                                        \
                _tp;                                                                               \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _tf = (fd);                                                                    \
                (fd) = -1;                                                                         \
                _tf;                                                                               \
        })

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/* The value of a hexadecimal digit (either case), or -1. */
int sbx_hex_value(char c);

/* Strict decimal parsing: the whole string, no sign, no overflow. 0 or -EINVAL/-ERANGE. */
int sbx_parse_u64(const char *s, uint64_t *out);

/* malloc/strdup that abort on exhaustion are not used: callers handle NULL. */
char *sbx_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *sbx_strdup_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Read a whole fd or file (at most max_bytes; -EFBIG past it). */
int sbx_read_fd(int fd, size_t max_bytes, char **out, size_t *size);
int sbx_read_file(const char *path, size_t max_bytes, char **out, size_t *size);
/* Write all of buf, retrying on EINTR/short writes. */
int sbx_write_all(int fd, const void *buf, size_t size);
/* Write a small string to a file (cgroup, /proc knobs). */
int sbx_write_string(const char *path, const char *s);
int sbx_write_string_at(int dirfd, const char *name, const char *s);

/* UTF-8 as JSON and Python's strict decoder want it: no overlong forms, surrogates, code
 * points past U+10FFFF or NULs. valid puts the offset of the first bad byte in *bad_at (which
 * may be NULL); sanitize returns a malloc'd copy with every invalid byte replaced by U+FFFD
 * (NULL when out of memory). */
bool sbx_utf8_valid(const char *s, size_t n, size_t *bad_at);

/* The first \u0000 escape in JSON text p..end, or NULL: a NUL in a string, where cJSON's C
 * strings would end, silently. */
const char *sbx_json_escaped_nul(const char *p, const char *end);
char *sbx_utf8_sanitize(const char *s, size_t n);

/* Where a file installed with sandboxrt is: build_path when this code runs from the build tree
 * (NULL: nowhere), else `installed` (absolute, or relative to the install prefix: the one this
 * executable or libsandboxrt is installed in, found at run time, else the configured one).
 * Never both: an installed sandboxrt does not look into a build or source tree. False when the
 * path does not fit in out. Thread-safe. */
bool sbx_install_path(const char *installed, const char *build_path, char *out, size_t size);

/* Where a helper program of sandboxrt is: the path in environment variable env when set (it must
 * be executable), else where sbx_install_path says (unless that is our own executable). True
 * with the path in out. */
bool sbx_find_helper(const char *env, const char *installed, const char *build_path, char *out,
                     size_t size);

uint64_t sbx_now_ms(void); /* CLOCK_MONOTONIC */
/* When a process tree that had spent used_usec of its CPU time limit (limit_usec) at now_ms could
 * first reach the limit: it spends at most a ms of CPU per ms and CPU, so a read of its CPU time
 * any earlier cannot find it over. At least min_ms after now_ms, which bounds the overshoot. */
/* The CPUs online (at least 1). */
unsigned sbx_online_cpus(void);

uint64_t sbx_cpu_limit_due(uint64_t now_ms, uint64_t used_usec, uint64_t limit_usec, unsigned cpus,
                           uint64_t min_ms);
uint64_t sbx_now_usec(void);

#endif
