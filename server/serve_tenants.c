/* Tenants files (libyaml events, strict: unknown keys, duplicates and bad values are errors
 * naming file, line and key), keys as SHA-256 (OpenSSL's libcrypto, which sandboxrt-full loads
 * through libcurl already) compared in constant time, and the job quota.
 *
 * Hostile input: the file is capped, anchors, aliases and tags are refused (no "billion
 * laughs"), nesting is fixed by the shape (a list of flat mappings). A key is hashed as soon as
 * it is read and its text wiped; no message ever shows one. */
#include "server/serve_tenants.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "policies/yaml_strict.h"
#include "util.h"

/* ---- the parser --------------------------------------------------------------------------- */

struct parser {
        struct sbx_yaml y; /* secret: keys are wiped as soon as read */
};

/* ---- one tenant --------------------------------------------------------------------------- */

static bool name_is_valid(const char *s)
{
        size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-");

        return n >= 1 && n <= 64 && s[n] == '\0';
}

/* What a client can send in an X-API-Key header: visible ASCII, no space at either end. */
static bool key_is_valid(const char *s, size_t n)
{
        if (n == 0 || n > 4096 || s[0] == ' ' || s[n - 1] == ' ')
                return false;
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
                        return false;
        return true;
}

static int sha256(const void *data, size_t n, unsigned char out[32])
{
        unsigned int len = 0;

        return EVP_Digest(data, n, out, &len, EVP_sha256(), NULL) == 1 && len == 32 ? 0 : -EIO;
}

static int hex_digest(const char *s, unsigned char out[32])
{
        if (strlen(s) != 64)
                return -EINVAL;
        for (size_t i = 0; i < 32; i++) {
                int hi = sbx_hex_value(s[2 * i]), lo = sbx_hex_value(s[2 * i + 1]);
                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i] = (unsigned char)(hi << 4 | lo);
        }
        return 0;
}

struct draft {
        struct sbx_tenant *t;
        bool has_key, has_sha;
        size_t seen[8]; /* line of each key of keys[] */
};

static const char *const keys[] = {"name",     "key",     "key_sha256",   "max_sandboxes",
                                   "max_jobs", "ceiling", "allow_network"};

static int set_count(struct parser *ps, size_t line, const char *path, const char *v, unsigned *out)
{
        uint64_t n;

        if (sbx_parse_u64(v, &n) < 0 || n < 1 || n > SBX_TENANT_QUOTA_MAX)
                return sbx_yaml_fail(&ps->y, line, path,
                                     "\"%.40s\" is not a whole number from 1 to %u", v,
                                     SBX_TENANT_QUOTA_MAX);
        *out = (unsigned)n;
        return 0;
}

static int set_value(struct parser *ps, struct draft *d, size_t k, const char *path, size_t line)
{
        char *v = (char *)ps->y.ev.data.scalar.value;
        size_t n = ps->y.ev.data.scalar.length;
        struct sbx_tenant *t = d->t;

        switch (k) {
        case 0:
                if (!name_is_valid(v))
                        return sbx_yaml_fail(
                            &ps->y, line, path,
                            "\"%.64s\" is not a tenant name (1 to 64 of A-Z, a-z, 0-9, "
                            "_, . and -)",
                            v);
                return (t->name = strdup(v)) ? 0 : -ENOMEM;
        case 1:
                if (!key_is_valid(v, n))
                        return sbx_yaml_fail(
                            &ps->y, line, path,
                            "must be 1 to 4096 printable ASCII characters, without a "
                            "space at either end");
                d->has_key = true;
                return sha256(v, n, t->key_sha256);
        case 2:
                if (hex_digest(v, t->key_sha256) < 0)
                        return sbx_yaml_fail(&ps->y, line, path,
                                             "must be 64 hexadecimal digits (sha256sum)");
                d->has_sha = true;
                return 0;
        case 3:
                return set_count(ps, line, path, v, &t->max_sandboxes);
        case 4:
                return set_count(ps, line, path, v, &t->max_jobs);
        case 5:
                if (!*v)
                        return sbx_yaml_fail(&ps->y, line, path,
                                             "must name a policy or a policy file");
                return (t->ceiling_spec = strdup(v)) ? 0 : -ENOMEM;
        default:
                if (strcmp(v, "true") && strcmp(v, "false"))
                        return sbx_yaml_fail(&ps->y, line, path, "must be true or false");
                t->allow_network = !strcmp(v, "true");
                return 0;
        }
}

/* One tenant's mapping, its start event just read. */
static int parse_tenant(struct parser *ps, size_t index, struct sbx_tenant *t)
{
        struct draft d = {.t = t};
        char path[96];
        int r;

        t->line = sbx_yaml_line(&ps->y);
        t->allow_network = -1;
        while ((r = sbx_yaml_next(&ps->y)) == 0 && ps->y.ev.type != YAML_MAPPING_END_EVENT) {
                size_t line = sbx_yaml_line(&ps->y), k = 0;
                if (ps->y.ev.type != YAML_SCALAR_EVENT)
                        return sbx_yaml_fail(&ps->y, line, NULL,
                                             "tenants[%zu]: keys must be plain words", index);
                const char *key = (const char *)ps->y.ev.data.scalar.value;
                while (k < ELEMENTSOF(keys) && strcmp(key, keys[k]))
                        k++;
                snprintf(path, sizeof(path), "tenants[%zu].%.40s", index, key);
                if (k == ELEMENTSOF(keys))
                        return sbx_yaml_fail(&ps->y, line, path,
                                             "unknown key (expected name, key or key_sha256, "
                                             "max_sandboxes, max_jobs, ceiling, allow_network)");
                if (d.seen[k])
                        return sbx_yaml_fail(&ps->y, line, path,
                                             "duplicate key (first set on line %zu)", d.seen[k]);
                d.seen[k] = line;
                if ((r = sbx_yaml_next(&ps->y)) < 0)
                        return r;
                if (ps->y.ev.type != YAML_SCALAR_EVENT)
                        return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), path,
                                             "expected a single value");
                if ((r = set_value(ps, &d, k, path, sbx_yaml_line(&ps->y))) == -ENOMEM)
                        return sbx_error_set(ps->y.err, ENOMEM, "out of memory");
                if (r == -EIO)
                        return sbx_error_set(ps->y.err, EIO, "SHA-256 is not available");
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        snprintf(path, sizeof(path), "tenants[%zu]", index);
        if (!t->name)
                return sbx_yaml_fail(&ps->y, t->line, path, "needs a name");
        if (d.has_key == d.has_sha)
                return sbx_yaml_fail(&ps->y, t->line, path,
                                     "needs a key or a key_sha256 (one of them)");
        return 0;
}

/* ---- the file ----------------------------------------------------------------------------- */

static int check_unique(struct parser *ps, const struct sbx_tenants *set)
{
        const struct sbx_tenant *t = &set->items[set->n - 1];
        char path[32];

        snprintf(path, sizeof(path), "tenants[%zu]", set->n - 1);
        for (size_t i = 0; i + 1 < set->n; i++) {
                const struct sbx_tenant *o = &set->items[i];
                if (!strcmp(o->name, t->name))
                        return sbx_yaml_fail(&ps->y, t->line, path,
                                             "the name \"%s\" is taken (line %zu)", t->name,
                                             o->line);
                if (!CRYPTO_memcmp(o->key_sha256, t->key_sha256, 32))
                        return sbx_yaml_fail(&ps->y, t->line, path,
                                             "has the same key as tenant \"%s\" (line %zu): each "
                                             "tenant needs its own",
                                             o->name, o->line);
        }
        return 0;
}

static int parse_list(struct parser *ps, struct sbx_tenants *set)
{
        int r = sbx_yaml_expect(&ps->y, YAML_SEQUENCE_START_EVENT,
                                "tenants: expected a list of tenants (- name: ...)");

        while (r == 0 && (r = sbx_yaml_next(&ps->y)) == 0 &&
               ps->y.ev.type != YAML_SEQUENCE_END_EVENT) {
                if (ps->y.ev.type != YAML_MAPPING_START_EVENT)
                        return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), NULL,
                                             "tenants[%zu]: expected a mapping (name, key, ...)",
                                             set->n);
                if (set->n == SBX_TENANTS_MAX)
                        return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), NULL,
                                             "more than %d tenants", SBX_TENANTS_MAX);
                struct sbx_tenant *t = &set->items[set->n];
                t->index = set->n++;
                r = parse_tenant(ps, t->index, t);
                if (r == 0)
                        r = check_unique(ps, set);
        }
        if (r == 0 && set->n == 0)
                return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), "tenants", "the list is empty");
        return r;
}

static int parse_document(struct parser *ps, struct sbx_tenants *set)
{
        size_t list_line = 0;
        int r = sbx_yaml_expect(&ps->y, YAML_STREAM_START_EVENT, "expected a YAML stream");

        if (r == 0 && (r = sbx_yaml_next(&ps->y)) == 0 &&
            ps->y.ev.type != YAML_DOCUMENT_START_EVENT)
                return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), NULL,
                                     "empty file: expected \"tenants:\"");
        if (r == 0)
                r = sbx_yaml_expect(&ps->y, YAML_MAPPING_START_EVENT,
                                    "expected a mapping with the key \"tenants\"");
        while (r == 0 && (r = sbx_yaml_next(&ps->y)) == 0 &&
               ps->y.ev.type != YAML_MAPPING_END_EVENT) {
                if (ps->y.ev.type != YAML_SCALAR_EVENT ||
                    strcmp((const char *)ps->y.ev.data.scalar.value, "tenants"))
                        return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), NULL,
                                             "unknown key (the file has one key: tenants)");
                if (list_line)
                        return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), "tenants",
                                             "duplicate key (first set on line %zu)", list_line);
                list_line = sbx_yaml_line(&ps->y);
                r = parse_list(ps, set);
        }
        if (r == 0 && !list_line)
                return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), "tenants", "missing");
        if (r == 0)
                r = sbx_yaml_expect(&ps->y, YAML_DOCUMENT_END_EVENT,
                                    "expected the end of the file");
        if (r == 0)
                r = sbx_yaml_expect(&ps->y, YAML_STREAM_END_EVENT, "more than one YAML document");
        return r;
}

static void parser_done(struct parser *ps)
{
        sbx_yaml_close(&ps->y);
}

static struct sbx_tenants *set_new(size_t n)
{
        struct sbx_tenants *set = calloc(1, sizeof(*set));

        if (set && !(set->items = calloc(n, sizeof(*set->items))))
                set = sbx_tenants_free(set);
        return set;
}

int sbx_tenants_parse(const char *text, size_t size, const char *filename, struct sbx_tenants **out,
                      struct sbx_error **err)
{
        __attribute__((cleanup(parser_done))) struct parser ps = {
            .y = {.secret = true, .file = filename, .err = err}};
        struct sbx_tenants *set;
        int r;

        if (size > SBX_TENANTS_MAX_BYTES)
                return sbx_error_set(err, EFBIG, "%s: larger than %u KiB", filename,
                                     SBX_TENANTS_MAX_BYTES / 1024);
        if (!(set = set_new(SBX_TENANTS_MAX)))
                return sbx_error_set(err, ENOMEM, "%s: out of memory", filename);
        r = sbx_yaml_open(&ps.y, text, size);
        if (r == 0)
                r = parse_document(&ps, set);
        if (r < 0) {
                sbx_tenants_free(set);
                return r;
        }
        set->keyed = set->named = true;
        *out = set;
        return 0;
}

static char *dir_of(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash ? strndup(path, (size_t)(slash - path + 1)) : strdup("");
}

int sbx_tenants_load(const char *path, struct sbx_tenants **out, struct sbx_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        struct stat st;
        int r;

        if (fd < 0 || fstat(fd, &st) < 0)
                return sbx_error_set(err, errno, "%s: %m", path);
        if (!S_ISREG(st.st_mode))
                return sbx_error_set(err, EINVAL, "%s: not a regular file", path);
        r = sbx_read_fd(fd, SBX_TENANTS_MAX_BYTES + 1, &text, &size);
        if (r < 0)
                return sbx_error_set(err, -r, "%s: %s", path,
                                     r == -EFBIG ? "larger than 1 MiB" : strerror(-r));
        r = sbx_tenants_parse(text, size, path, out, err);
        OPENSSL_cleanse(text, size); /* it holds keys */
        if (r == 0 && !((*out)->dir = dir_of(path))) {
                *out = sbx_tenants_free(*out);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        return r;
}

int sbx_tenants_single(const char *api_key, struct sbx_tenants **out, struct sbx_error **err)
{
        struct sbx_tenants *set = set_new(1);

        if (!set || !(set->items[0].name = strdup("default"))) {
                sbx_tenants_free(set);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        set->n = 1;
        set->items[0].allow_network = -1;
        set->keyed = api_key != NULL;
        if (api_key && sha256(api_key, strlen(api_key), set->items[0].key_sha256) < 0) {
                sbx_tenants_free(set);
                return sbx_error_set(err, EIO, "SHA-256 is not available");
        }
        *out = set;
        return 0;
}

struct sbx_tenants *sbx_tenants_free(struct sbx_tenants *set)
{
        if (!set)
                return NULL;
        for (size_t i = 0; set->items && i < set->n; i++) {
                struct sbx_tenant *t = &set->items[i];
                free(t->name);
                free(t->ceiling_spec);
                sbx_ceiling_free(t->ceiling);
                sbx_ceiling_free(t->tool_ceiling);
        }
        free(set->items);
        free(set->dir);
        free(set);
        return NULL;
}

/* ---- using them --------------------------------------------------------------------------- */

/* A ceiling file named relatively in a tenants file is relative to that file. */
static char *ceiling_path(const struct sbx_tenants *set, const char *spec)
{
        if (set->dir && *set->dir && spec[0] != '/' && (strchr(spec, '/') || strchr(spec, '.')))
                return sbx_strdup_printf("%s%s", set->dir, spec);
        return strdup(spec);
}

int sbx_tenants_open_ceilings(struct sbx_tenants *set, struct sbx_runtime *rt, const char *ceiling,
                              bool allow_network, uint64_t tool_output_bytes,
                              struct sbx_error **err)
{
        char output[48];
        const char *const tool[] = {output, NULL};

        for (size_t i = 0; i < set->n; i++) {
                struct sbx_tenant *t = &set->items[i];
                bool net = t->allow_network >= 0 ? t->allow_network == 1 : allow_network;
                _cleanup_free_ char *spec =
                    t->ceiling_spec ? ceiling_path(set, t->ceiling_spec) : NULL;
                if (t->ceiling_spec && !spec)
                        return sbx_error_set(err, ENOMEM, "out of memory");
                int r = sbx_ceiling_new(rt, spec ? spec : ceiling, net, &t->ceiling, err);
                if (r == 0) {
                        uint64_t bytes = tool_output_bytes
                                             ? tool_output_bytes
                                             : sbx_ceiling_policy(t->ceiling)->tool_output_bytes;
                        snprintf(output, sizeof(output), "output=%llu", (unsigned long long)bytes);
                        r = sbx_ceiling_derive(t->ceiling, tool, &t->tool_ceiling, err);
                }
                if (r < 0 && t->line)
                        return sbx_error_prefix(err, "tenant \"%s\" (line %zu)", t->name, t->line);
                if (r < 0)
                        return r;
        }
        return 0;
}

struct sbx_tenant *sbx_tenants_find(struct sbx_tenants *set, const char *key)
{
        unsigned char md[32];
        size_t hit = 0;

        if (!set->keyed)
                return &set->items[0];
        if (!key || sha256(key, strlen(key), md) < 0)
                return NULL;
        /* Every tenant is compared, and the match selected without a branch on it. */
        for (size_t i = 0; i < set->n; i++) {
                size_t eq = CRYPTO_memcmp(md, set->items[i].key_sha256, sizeof(md)) == 0;
                hit |= (i + 1) & (0 - eq);
        }
        OPENSSL_cleanse(md, sizeof(md));
        return hit ? &set->items[hit - 1] : NULL;
}

unsigned sbx_tenant_jobs_take(struct sbx_tenant *t, unsigned want)
{
        unsigned cur = atomic_load(&t->jobs), got;

        do {
                got = want;
                if (t->max_jobs && cur >= t->max_jobs)
                        return 0;
                if (t->max_jobs && want > t->max_jobs - cur)
                        got = t->max_jobs - cur;
        } while (!atomic_compare_exchange_weak(&t->jobs, &cur, cur + got));
        return got;
}

void sbx_tenant_jobs_give(struct sbx_tenant *t, unsigned n)
{
        atomic_fetch_sub(&t->jobs, n);
}
