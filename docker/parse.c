#include "docker/parse.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static inline void cjson_deletep(cJSON **j)
{
        cJSON_Delete(*j);
}
#define _cleanup_cjson_ __attribute__((cleanup(cjson_deletep)))

/* The engine's bodies are objects; anything else is not an engine answer. */
static cJSON *parse_object(const char *body, size_t len)
{
        cJSON *j;

        if (!body || len == 0)
                return NULL;
        j = cJSON_ParseWithLength(body, len);
        if (j && !cJSON_IsObject(j)) {
                cJSON_Delete(j);
                return NULL;
        }
        return j;
}

/* Copy a string member; absent or non-string leaves *out NULL. -ENOMEM only. */
static int dup_string(const cJSON *obj, const char *key, char **out)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

        *out = NULL;
        if (!cJSON_IsString(v) || !v->valuestring)
                return 0;
        *out = strdup(v->valuestring);
        return *out ? 0 : -ENOMEM;
}

/* JSON numbers are doubles: only accept integral values in range. */
static bool get_i64(const cJSON *obj, const char *key, int64_t *out)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

        if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < -9.0e15 ||
            v->valuedouble > 9.0e15 || floor(v->valuedouble) != v->valuedouble)
                return false;
        *out = (int64_t)v->valuedouble;
        return true;
}

static bool get_u64(const cJSON *obj, const char *key, uint64_t *out)
{
        int64_t v;

        if (!get_i64(obj, key, &v) || v < 0)
                return false;
        *out = (uint64_t)v;
        return true;
}

static bool get_bool(const cJSON *obj, const char *key)
{
        return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

int sbx_docker_parse_version(const char *body, size_t len, struct sbx_docker_version *out)
{
        _cleanup_cjson_ cJSON *j = parse_object(body, len);

        memset(out, 0, sizeof(*out));
        if (!j)
                return -EINVAL;
        if (dup_string(j, "Version", &out->version) < 0 ||
            dup_string(j, "ApiVersion", &out->api_version) < 0 ||
            dup_string(j, "MinAPIVersion", &out->min_api_version) < 0) {
                sbx_docker_version_clear(out);
                return -ENOMEM;
        }
        if (!out->api_version || sbx_docker_api_compare(out->api_version, "1.0") < 0) {
                sbx_docker_version_clear(out);
                return -EINVAL;
        }
        return 0;
}

void sbx_docker_version_clear(struct sbx_docker_version *v)
{
        free(v->version);
        free(v->api_version);
        free(v->min_api_version);
        memset(v, 0, sizeof(*v));
}

int sbx_docker_parse_info(const char *body, size_t len, struct sbx_docker_info *out)
{
        _cleanup_cjson_ cJSON *j = parse_object(body, len);
        _cleanup_free_ char *version = NULL;

        memset(out, 0, sizeof(*out));
        if (!j)
                return -EINVAL;
        if (dup_string(j, "CgroupDriver", &out->cgroup_driver) < 0 ||
            dup_string(j, "DockerRootDir", &out->docker_root) < 0 ||
            dup_string(j, "CgroupVersion", &version) < 0) {
                sbx_docker_info_clear(out);
                return -ENOMEM;
        }
        if (version && (!strcmp(version, "1") || !strcmp(version, "2")))
                out->cgroup_version = version[0] - '0';
        return 0;
}

void sbx_docker_info_clear(struct sbx_docker_info *i)
{
        free(i->cgroup_driver);
        free(i->docker_root);
        memset(i, 0, sizeof(*i));
}

char *sbx_docker_parse_message(const char *body, size_t len)
{
        _cleanup_cjson_ cJSON *j = parse_object(body, len);
        char *msg = NULL;

        if (j && dup_string(j, "message", &msg) == 0 && msg && !*msg) {
                free(msg);
                msg = NULL;
        }
        return msg;
}

/* Ids are hex; refusing anything else keeps them safe to paste into URL paths. */
static bool valid_id(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 128)
                return false;
        return strspn(s, "0123456789abcdef") == n;
}

int sbx_docker_parse_id(const char *body, size_t len, char **id)
{
        _cleanup_cjson_ cJSON *j = parse_object(body, len);
        char *s = NULL;

        *id = NULL;
        if (!j)
                return -EINVAL;
        if (dup_string(j, "Id", &s) < 0)
                return -ENOMEM;
        if (!s || !valid_id(s)) {
                free(s);
                return -EINVAL;
        }
        *id = s;
        return 0;
}

int sbx_docker_parse_exec_state(const char *body, size_t len, struct sbx_docker_exec_state *out)
{
        _cleanup_cjson_ cJSON *j = parse_object(body, len);
        int64_t code = 0;

        memset(out, 0, sizeof(*out));
        if (!j || !cJSON_GetObjectItemCaseSensitive(j, "Running"))
                return -EINVAL;
        out->running = get_bool(j, "Running");
        if (get_i64(j, "ExitCode", &code) && code >= INT32_MIN && code <= INT32_MAX) {
                out->exit_code = (int)code;
                out->ended = !out->running;
        }
        if (!get_i64(j, "Pid", &out->pid) || out->pid < 0)
                out->pid = 0;
        return 0;
}

static int parse_mounts(const cJSON *arr, struct sbx_docker_container_state *out)
{
        const cJSON *m;
        size_t n = (size_t)cJSON_GetArraySize(arr);

        if (!cJSON_IsArray(arr) || n == 0)
                return 0;
        out->mounts = calloc(n, sizeof(*out->mounts));
        if (!out->mounts)
                return -ENOMEM;
        cJSON_ArrayForEach(m, arr)
        {
                struct sbx_docker_mount *dst = &out->mounts[out->n_mounts];
                if (!cJSON_IsObject(m) || out->n_mounts >= n)
                        continue;
                if (dup_string(m, "Destination", &dst->destination) < 0 ||
                    dup_string(m, "Source", &dst->source) < 0)
                        return -ENOMEM;
                out->n_mounts++;
        }
        return 0;
}

int sbx_docker_parse_container_state(const char *body, size_t len,
                                     struct sbx_docker_container_state *out)
{
        _cleanup_cjson_ cJSON *j = parse_object(body, len);
        const cJSON *state;

        memset(out, 0, sizeof(*out));
        if (!j)
                return -EINVAL;
        state = cJSON_GetObjectItemCaseSensitive(j, "State");
        if (!cJSON_IsObject(state))
                return -EINVAL;
        out->running = get_bool(state, "Running");
        out->oom_killed = get_bool(state, "OOMKilled");
        if (!get_i64(state, "Pid", &out->pid) || out->pid < 0)
                out->pid = 0;
        if (parse_mounts(cJSON_GetObjectItemCaseSensitive(j, "Mounts"), out) < 0) {
                sbx_docker_container_state_clear(out);
                return -ENOMEM;
        }
        return 0;
}

void sbx_docker_container_state_clear(struct sbx_docker_container_state *s)
{
        for (size_t i = 0; i < s->n_mounts; i++) {
                free(s->mounts[i].destination);
                free(s->mounts[i].source);
        }
        free(s->mounts);
        memset(s, 0, sizeof(*s));
}

static int parse_summary(const cJSON *c, struct sbx_docker_container_summary *dst)
{
        char *id = NULL;

        if (dup_string(c, "Id", &id) < 0)
                return -ENOMEM;
        if (!id || !valid_id(id)) {
                free(id);
                return 0; /* skipped: not a usable entry */
        }
        dst->id = id;
        if (dup_string(cJSON_GetObjectItemCaseSensitive(c, "Labels"), "sandboxrt.owner",
                       &dst->owner) < 0)
                return -ENOMEM;
        return dup_string(c, "State", &dst->state);
}

int sbx_docker_parse_container_list(const char *body, size_t len,
                                    struct sbx_docker_container_summary **out, size_t *n)
{
        _cleanup_cjson_ cJSON *j = body && len ? cJSON_ParseWithLength(body, len) : NULL;
        struct sbx_docker_container_summary *list;
        const cJSON *c;
        size_t cap, count = 0;

        *out = NULL;
        *n = 0;
        if (!cJSON_IsArray(j))
                return -EINVAL;
        cap = (size_t)cJSON_GetArraySize(j);
        list = calloc(cap ? cap : 1, sizeof(*list));
        if (!list)
                return -ENOMEM;
        cJSON_ArrayForEach(c, j)
        {
                if (!cJSON_IsObject(c) || count >= cap)
                        continue;
                if (parse_summary(c, &list[count]) < 0) {
                        sbx_docker_container_list_free(list, count + 1);
                        return -ENOMEM;
                }
                if (list[count].id)
                        count++;
        }
        *out = list;
        *n = count;
        return 0;
}

void sbx_docker_container_list_free(struct sbx_docker_container_summary *list, size_t n)
{
        for (size_t i = 0; list && i < n; i++) {
                free(list[i].id);
                free(list[i].owner);
                free(list[i].state);
        }
        free(list);
}

int sbx_docker_parse_stats(const char *body, size_t len, struct sbx_docker_stats *out)
{
        _cleanup_cjson_ cJSON *j = parse_object(body, len);
        const cJSON *cpu, *usage, *mem;
        uint64_t ns = 0;

        memset(out, 0, sizeof(*out));
        if (!j)
                return -EINVAL;
        cpu = cJSON_GetObjectItemCaseSensitive(j, "cpu_stats");
        usage = cJSON_GetObjectItemCaseSensitive(cpu, "cpu_usage");
        mem = cJSON_GetObjectItemCaseSensitive(j, "memory_stats");
        if (!cJSON_IsObject(usage) || !cJSON_IsObject(mem))
                return -EINVAL;
        if (get_u64(usage, "total_usage", &ns))
                out->cpu_usec = ns / 1000u;
        if (!get_u64(mem, "max_usage", &out->max_usage_bytes))
                (void)get_u64(mem, "usage", &out->max_usage_bytes);
        (void)get_u64(mem, "failcnt", &out->failcnt);
        return 0;
}

int sbx_docker_parse_pull_line(const char *line, size_t len, struct sbx_docker_pull_line *out)
{
        _cleanup_cjson_ cJSON *j = parse_object(line, len);
        const cJSON *detail;
        int r;

        memset(out, 0, sizeof(*out));
        if (!j)
                return -EINVAL;
        r = dup_string(j, "status", &out->status);
        if (r == 0)
                r = dup_string(j, "progress", &out->progress);
        if (r == 0)
                r = dup_string(j, "id", &out->id);
        if (r == 0)
                r = dup_string(j, "error", &out->error);
        detail = cJSON_GetObjectItemCaseSensitive(j, "errorDetail");
        if (r == 0 && !out->error && cJSON_IsObject(detail))
                r = dup_string(detail, "message", &out->error);
        if (r < 0)
                sbx_docker_pull_line_clear(out);
        return r;
}

void sbx_docker_pull_line_clear(struct sbx_docker_pull_line *p)
{
        free(p->status);
        free(p->progress);
        free(p->id);
        free(p->error);
        memset(p, 0, sizeof(*p));
}

/* "1.41" -> (1, 41); anything else fails. */
static bool split_version(const char *s, uint64_t *major, uint64_t *minor)
{
        const char *dot = s ? strchr(s, '.') : NULL;
        char buf[32];
        size_t n;

        if (!dot || (n = (size_t)(dot - s)) == 0 || n >= sizeof(buf))
                return false;
        memcpy(buf, s, n);
        buf[n] = '\0';
        return sbx_parse_u64(buf, major) == 0 && sbx_parse_u64(dot + 1, minor) == 0 &&
               *major < 1000 && *minor < 1000;
}

int sbx_docker_api_compare(const char *a, const char *b)
{
        uint64_t amaj = 0, amin = 0, bmaj = 0, bmin = 0;
        bool aok = split_version(a, &amaj, &amin), bok = split_version(b, &bmaj, &bmin);

        if (!aok || !bok)
                return (int)aok - (int)bok;
        if (amaj != bmaj)
                return amaj < bmaj ? -1 : 1;
        if (amin != bmin)
                return amin < bmin ? -1 : 1;
        return 0;
}

static int demux_header(struct sbx_docker_demux *d)
{
        const unsigned char *h = d->header;

        if (h[0] > 2 || h[1] || h[2] || h[3])
                return -EPROTO;
        d->stream = h[0] == SBX_DOCKER_STDERR ? SBX_DOCKER_STDERR : SBX_DOCKER_STDOUT;
        d->remaining = (uint32_t)h[4] << 24 | (uint32_t)h[5] << 16 | (uint32_t)h[6] << 8 | h[7];
        d->header_len = 0;
        return 0;
}

int sbx_docker_demux_feed(struct sbx_docker_demux *d, const char *data, size_t len,
                          sbx_docker_demux_fn fn, void *ctx)
{
        while (len > 0) {
                if (d->remaining == 0) {
                        size_t take = sizeof(d->header) - d->header_len;
                        if (take > len)
                                take = len;
                        memcpy(d->header + d->header_len, data, take);
                        d->header_len += take;
                        data += take;
                        len -= take;
                        if (d->header_len == sizeof(d->header)) {
                                int r = demux_header(d);
                                if (r < 0)
                                        return r;
                        }
                        continue;
                }
                size_t take = len < d->remaining ? len : d->remaining;
                int r = fn(ctx, d->stream, data, take);
                if (r < 0)
                        return r;
                d->remaining -= (uint32_t)take;
                data += take;
                len -= take;
        }
        return 0;
}

bool sbx_docker_demux_idle(const struct sbx_docker_demux *d)
{
        return d->remaining == 0 && d->header_len == 0;
}

/* ---- image references --------------------------------------------------------------------- */

#define REF_MAX    512
#define TAG_MAX    128
#define NAME_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:"
#define HEX        "0123456789abcdef"

static bool all_of(const char *s, size_t n, const char *set)
{
        return strspn(s, set) >= n;
}

static bool is_image_id(const char *ref)
{
        const char *hex = strncmp(ref, "sha256:", 7) ? ref : ref + 7;

        return strlen(hex) == 64 && all_of(hex, 64, HEX);
}

/* algorithm:hex, as in the OCI image spec (sha256, sha512, ...). */
static bool valid_digest(const char *d)
{
        const char *colon = strchr(d, ':');
        size_t algo = colon ? (size_t)(colon - d) : 0, hex = colon ? strlen(colon + 1) : 0;

        return algo > 0 && all_of(d, algo, "abcdefghijklmnopqrstuvwxyz0123456789") && hex >= 32 &&
               all_of(colon + 1, hex, HEX) && (strncmp(d, "sha256:", 7) || hex == 64);
}

/* Path components separated by single slashes, none empty; a tag only after the last slash. */
static bool valid_name(const char *name)
{
        size_t n = strlen(name);

        return n > 0 && name[0] != '-' && name[0] != '/' && name[n - 1] != '/' &&
               !strstr(name, "//") && all_of(name, n, NAME_CHARS);
}

static bool valid_tag(const char *tag)
{
        size_t n = strlen(tag);

        return n > 0 && n <= TAG_MAX && tag[0] != '.' && tag[0] != '-' &&
               all_of(tag, n, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");
}

int sbx_docker_parse_ref(const char *ref, struct sbx_docker_ref *out)
{
        _cleanup_free_ char *copy = NULL;
        char *at, *slash, *colon;

        memset(out, 0, sizeof(*out));
        if (!ref || !*ref || strlen(ref) > REF_MAX)
                return -EINVAL;
        if (is_image_id(ref)) {
                out->id = true;
                out->name = strdup(ref);
                return out->name ? 0 : -ENOMEM;
        }
        if (!(copy = strdup(ref)))
                return -ENOMEM;
        if ((at = strchr(copy, '@'))) {
                *at++ = '\0';
                if (strchr(at, '@') || !valid_digest(at))
                        return -EINVAL;
        }
        slash = strrchr(copy, '/');
        colon = strrchr(slash ? slash : copy, ':');
        if (colon) {
                *colon++ = '\0';
                if (!valid_tag(colon))
                        return -EINVAL;
        }
        if (!valid_name(copy) || strchr(slash ? slash : copy, ':'))
                return -EINVAL;
        out->name = strdup(copy);
        out->tag = colon ? strdup(colon) : NULL;
        out->digest = at ? strdup(at) : NULL;
        if (!out->name || (colon && !out->tag) || (at && !out->digest)) {
                sbx_docker_ref_clear(out);
                return -ENOMEM;
        }
        return 0;
}

void sbx_docker_ref_clear(struct sbx_docker_ref *r)
{
        free(r->name);
        free(r->tag);
        free(r->digest);
        memset(r, 0, sizeof(*r));
}
