#include "server/http_parse.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sandboxrt.h"
#include "util.h"

/* Percent-decode s[0..n) into a new string; '+' means space only in query strings. A decoded
 * NUL is refused: every consumer treats these as C strings. */
static int percent_decode(const char *s, size_t n, bool plus_is_space, char **out)
{
        char *d = malloc(n + 1), *o = d;

        if (!d)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (c == '%') {
                        int hi = i + 2 < n ? sbx_hex_value(s[i + 1]) : -1;
                        int lo = i + 2 < n ? sbx_hex_value(s[i + 2]) : -1;
                        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                                free(d);
                                return -EINVAL;
                        }
                        c = (char)(hi * 16 + lo);
                        i += 2;
                } else if (c == '+' && plus_is_space) {
                        c = ' ';
                } else if (c == '\0') {
                        free(d);
                        return -EINVAL;
                }
                *o++ = c;
        }
        *o = '\0';
        *out = d;
        return 0;
}

static void query_clear(struct sbx_http_query *q)
{
        for (size_t i = 0; i < q->n; i++) {
                free(q->keys[i]);
                free(q->values[i]);
        }
        q->n = 0;
}

static int query_parse(const char *s, size_t n, struct sbx_http_query *q)
{
        size_t i = 0;

        while (i < n) {
                size_t end = i;
                while (end < n && s[end] != '&')
                        end++;
                if (end > i) {
                        size_t eq = i;
                        while (eq < end && s[eq] != '=')
                                eq++;
                        if (q->n == SBX_HTTP_QUERY_MAX)
                                return -EINVAL;
                        char *k = NULL, *v = NULL;
                        int r = percent_decode(s + i, eq - i, true, &k);
                        if (r == 0)
                                r = percent_decode(s + eq + (eq < end), end - eq - (eq < end), true,
                                                   &v);
                        if (r < 0) {
                                free(k);
                                return r;
                        }
                        q->keys[q->n] = k;
                        q->values[q->n++] = v;
                }
                i = end + 1;
        }
        return 0;
}

/* Segments of the decoded path; "." and ".." never name anything here, so they are refused
 * rather than resolved. */
static int split_segments(struct sbx_http_target *t, const char *raw_path, size_t n)
{
        size_t i = 0;

        while (i < n) {
                while (i < n && raw_path[i] == '/')
                        i++;
                size_t end = i;
                while (end < n && raw_path[end] != '/')
                        end++;
                if (end == i)
                        break;
                if (t->n_segments == SBX_HTTP_SEGMENT_MAX)
                        return -EINVAL;
                char *seg = NULL;
                int r = percent_decode(raw_path + i, end - i, false, &seg);
                if (r < 0)
                        return r;
                t->segments[t->n_segments++] = seg;
                if (!strcmp(seg, ".") || !strcmp(seg, "..") || strchr(seg, '/'))
                        return -EINVAL;
                i = end;
        }
        return 0;
}

int sbx_http_target_parse(const char *raw, size_t len, struct sbx_http_target *t)
{
        size_t path_len = 0;
        int r;

        memset(t, 0, sizeof(*t));
        if (len > SBX_HTTP_TARGET_MAX)
                return -E2BIG;
        if (len == 0 || raw[0] != '/')
                return -EINVAL;
        while (path_len < len && raw[path_len] != '?' && raw[path_len] != '#')
                path_len++;
        r = percent_decode(raw, path_len, false, &t->path);
        if (r == 0)
                r = split_segments(t, raw, path_len);
        if (r == 0 && path_len < len && raw[path_len] == '?') {
                size_t qend = path_len + 1;
                while (qend < len && raw[qend] != '#')
                        qend++;
                r = query_parse(raw + path_len + 1, qend - path_len - 1, &t->query);
        }
        if (r < 0)
                sbx_http_target_clear(t);
        return r;
}

void sbx_http_target_clear(struct sbx_http_target *t)
{
        free(t->path);
        for (size_t i = 0; i < t->n_segments; i++)
                free(t->segments[i]);
        query_clear(&t->query);
        memset(t, 0, sizeof(*t));
}

const char *sbx_http_query_get(const struct sbx_http_query *q, const char *key)
{
        for (size_t i = 0; i < q->n; i++)
                if (!strcmp(q->keys[i], key))
                        return q->values[i];
        return NULL;
}

unsigned sbx_http_json_depth(const char *text, size_t size)
{
        unsigned depth = 0, max = 0;
        bool in_string = false;

        for (size_t i = 0; i < size; i++) {
                char c = text[i];
                if (in_string) {
                        if (c == '\\')
                                i++;
                        else if (c == '"')
                                in_string = false;
                        continue;
                }
                if (c == '"') {
                        in_string = true;
                } else if (c == '[' || c == '{') {
                        if (++depth > max)
                                max = depth;
                } else if ((c == ']' || c == '}') && depth > 0) {
                        depth--;
                }
        }
        return max;
}

void sbx_http_format_time(uint64_t realtime_usec, char *buf, size_t size)
{
        time_t secs = (time_t)(realtime_usec / 1000000);
        struct tm tm;
        char base[24];

        if (!localtime_r(&secs, &tm) || !strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm))
                base[0] = '\0';
        snprintf(buf, size, "%s.%06u", base, (unsigned)(realtime_usec % 1000000));
}

static int parse_seconds(const char *s, double *v)
{
        char *end = NULL;

        if (!s || !*s || strlen(s) > 32)
                return -EINVAL;
        errno = 0;
        *v = strtod(s, &end);
        return errno || !end || *end || !isfinite(*v) ? -EINVAL : 0;
}

int sbx_http_seconds_to_ms(const char *s, double max_seconds, uint64_t *out_ms)
{
        double v;

        if (parse_seconds(s, &v) < 0 || v <= 0 || v > max_seconds)
                return -EINVAL;
        *out_ms = (uint64_t)ceil(v * 1000.0);
        return 0;
}

int sbx_http_timeout_to_ms(const char *s, double max_seconds, uint64_t *out_ms)
{
        double v;

        if (parse_seconds(s, &v) < 0 || v > max_seconds)
                return -EINVAL;
        *out_ms = v <= 0 ? 0 : (uint64_t)ceil(v * 1000.0);
        return 0;
}

/* ---- paths -------------------------------------------------------------------------------- */

static bool strip_dir(const char *path, const char *dir, const char **rest)
{
        size_t n = strlen(dir);

        while (n > 1 && dir[n - 1] == '/')
                n--;
        if (n == 1 && dir[0] == '/') {
                *rest = path;
                return true;
        }
        if (strncmp(path, dir, n) || (path[n] != '\0' && path[n] != '/'))
                return false;
        *rest = path + n;
        return true;
}

static bool in_writable_dir(const struct sbx_policy *p, const char *dir)
{
        _cleanup_free_ char *abs = NULL;
        const char *why;

        return sbx_sandbox_path(p, dir, &abs, &why) == 0;
}

int sbx_http_map_path(const struct sbx_policy *p, const char *working_dir, const char *path,
                      char **abs, const char **why)
{
        _cleanup_free_ char *moved = NULL;
        const char *rest;

        /* A client's working_dir elsewhere ("/workspace") is the sandbox's /sandbox. */
        if (path[0] == '/' && working_dir && working_dir[0] == '/' && strcmp(working_dir, "/") &&
            !in_writable_dir(p, working_dir) && strip_dir(path, working_dir, &rest)) {
                if (!(moved = sbx_strdup_printf("%s%s", sbx_writable_dirs[0], rest)))
                        return -ENOMEM;
                path = moved;
        }
        return sbx_sandbox_path(p, path, abs, why);
}
