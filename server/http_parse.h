/* Parsing what arrives over HTTP before any route sees it: the request target (path and query
 * string), plus the small text helpers the server's JSON needs (UTF-8 repair, times; base64 is in
 * base/). Pure functions: no server state, no libmicrohttpd, fuzzed. */
#ifndef SBX_HTTP_PARSE_H
#define SBX_HTTP_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SBX_HTTP_TARGET_MAX  8192 /* bytes of path + query */
#define SBX_HTTP_QUERY_MAX   32   /* parameters */
#define SBX_HTTP_SEGMENT_MAX 8    /* path segments */

struct sbx_http_query {
        size_t n;
        char *keys[SBX_HTTP_QUERY_MAX];
        char *values[SBX_HTTP_QUERY_MAX];
};

struct sbx_http_target {
        char *path; /* percent-decoded, starts with '/' */
        size_t n_segments;
        char *segments[SBX_HTTP_SEGMENT_MAX]; /* decoded, non-empty path segments */
        struct sbx_http_query query;
};

/* Split a raw request target ("/a/b?x=1&y=%20") into its decoded path, segments and query.
 * Returns 0, or -EINVAL (not origin-form, bad escape, NUL byte, too many segments or
 * parameters, "." or ".." segments) or -E2BIG (longer than SBX_HTTP_TARGET_MAX) or -ENOMEM.
 * On failure t is left empty. Release with sbx_http_target_clear. */
int sbx_http_target_parse(const char *raw, size_t len, struct sbx_http_target *t);
void sbx_http_target_clear(struct sbx_http_target *t);

/* The first value of key, or NULL. */
const char *sbx_http_query_get(const struct sbx_http_query *q, const char *key);

/* Nesting depth of a JSON text (arrays and objects), without parsing it; strings are skipped.
 * Used to refuse deep documents before a recursive parser sees them. */
unsigned sbx_http_json_depth(const char *text, size_t size);

/* "2026-01-02T03:04:05.678901": local time without offset, as ms-enclave's naive datetimes.
 * buf must hold 32 bytes. */
void sbx_http_format_time(uint64_t realtime_usec, char *buf, size_t size);

/* Seconds as given by clients (a JSON number or a numeric string) to milliseconds:
 * 0 < value <= max_seconds. Returns 0 or -EINVAL. */
int sbx_http_seconds_to_ms(const char *s, double max_seconds, uint64_t *out_ms);
/* The same for a timeout where 0 or less means "none of its own" (ms-enclave's tools): then
 * *out_ms is 0. */
int sbx_http_timeout_to_ms(const char *s, double max_seconds, uint64_t *out_ms);

/* A client's file path (relative to the working directory, or absolute; under the client's
 * working_dir it means the same under /sandbox) as the normalized absolute path of a place in
 * the writable directories of a sandbox of policy p: as sbx_sandbox_path, whose errors it
 * returns (-EROFS: not in a writable directory). Never touches the file system. */
struct sbx_policy;
int sbx_http_map_path(const struct sbx_policy *p, const char *working_dir, const char *path,
                      char **abs, const char **why);

#endif
