/* The keys of a policy as a table: what each one holds, where it lives in struct sbx_policy,
 * its bounds, and how to set it from text. The YAML parser, the overrides and the printer all
 * walk this table, so a new limit is one line here. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "policies/fields.h"
#include "util.h"

#define MS(x)  (x)
#define SEC(x) ((x)*1000ull)
#define KIB(x) ((x)*1024ull)
#define MIB(x) ((x)*1024ull * 1024ull)
#define GIB(x) ((x)*1024ull * 1024ull * 1024ull)

#define LIMIT(key, kind, member, lo, hi)                                                           \
        {                                                                                          \
                key, kind, offsetof(struct sbx_policy, limits.member),                             \
                    sizeof(((struct sbx_limits *)0)->member), lo, hi, true, NULL, 0, false         \
        }

/* Bounds: wide enough for any real job, narrow enough to catch a unit mistake ("wall: 10h" for a
 * unit test) and to keep every value meaningful to the kernel (a 0 tmpfs size means unlimited to
 * mount(2), so tmpfs starts at 1m; a 0 output cap would read as "no cap" to a careless backend). */
const struct sbx_field sbx_limit_fields[] = {
    LIMIT("wall", SBX_FIELD_DURATION, wall_ms, MS(1), SEC(24 * 3600)),
    LIMIT("cpu", SBX_FIELD_DURATION, cpu_ms, MS(1), SEC(24 * 3600)),
    LIMIT("cpus", SBX_FIELD_CPUS, cpu_millicores, 10, 1024000),
    LIMIT("memory", SBX_FIELD_SIZE, memory_bytes, MIB(1), GIB(1024)),
    LIMIT("pids", SBX_FIELD_COUNT, pids, 1, 65536),
    LIMIT("output", SBX_FIELD_SIZE, output_bytes, 1, GIB(1)),
    LIMIT("file_size", SBX_FIELD_SIZE, file_size_bytes, 0, GIB(1024)),
    LIMIT("open_files", SBX_FIELD_COUNT, open_files, 3, 1048576),
    LIMIT("tmpfs", SBX_FIELD_SIZE, tmpfs_bytes, MIB(1), GIB(64)),
};
const size_t sbx_n_limit_fields = ELEMENTSOF(sbx_limit_fields);
/* enum sbx_limit names its entries in the same order. */
_Static_assert(ELEMENTSOF(sbx_limit_fields) == _SBX_LIMIT_MAX, "one enum sbx_limit per limit");

const char *sbx_limit_to_string(enum sbx_limit l)
{
        return (unsigned)l < _SBX_LIMIT_MAX ? sbx_limit_fields[l].key : NULL;
}

int sbx_limit_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_LIMIT_MAX; i++)
                if (!strcmp(s, sbx_limit_fields[i].key))
                        return i;
        return -EINVAL;
}

const struct sbx_field sbx_policy_fields[] = {
    {"name", SBX_FIELD_NAME, offsetof(struct sbx_policy, name), 0, 0, 0, false, NULL, 0, false},
    {"description", SBX_FIELD_TEXT, offsetof(struct sbx_policy, description), 0, 0, 0, false, NULL,
     0, false},
    {"limits", SBX_FIELD_LIMITS, 0, 0, 0, 0, false, sbx_limit_fields, ELEMENTSOF(sbx_limit_fields),
     false},
    {"network", SBX_FIELD_NETWORK, offsetof(struct sbx_policy, network), 0, 0, 0, true, NULL, 0,
     false},
    {"tool_output", SBX_FIELD_SIZE, offsetof(struct sbx_policy, tool_output_bytes),
     sizeof(uint64_t), KIB(1), GIB(1), false, NULL, 0, true},
    {"warm", SBX_FIELD_WARM, offsetof(struct sbx_policy, warm), 0, 0, 0, true, NULL, 0, true},
};
const size_t sbx_n_policy_fields = ELEMENTSOF(sbx_policy_fields);

static const char *const network_names[_SBX_NETWORK_MAX] = {
    [SBX_NETWORK_NONE] = "none",
    [SBX_NETWORK_LOOPBACK] = "loopback",
    [SBX_NETWORK_HOST] = "host",
};

const char *sbx_network_to_string(enum sbx_network n)
{
        return (unsigned)n < _SBX_NETWORK_MAX ? network_names[n] : NULL;
}

int sbx_network_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_NETWORK_MAX; i++)
                if (!strcmp(s, network_names[i]))
                        return i;
        return -EINVAL;
}

/* What each kind of value looks like, for error messages. */
static const struct {
        const char *what;
        const char *hint;
} kind_info[] = {
    [SBX_FIELD_NAME] = {"a policy name", "use 1 to 64 of a-z, 0-9, _ and -"},
    [SBX_FIELD_TEXT] = {"a description", "use one line of at most 200 printable characters"},
    [SBX_FIELD_NETWORK] = {"a network mode", "use none, loopback or host"},
    [SBX_FIELD_DURATION] = {"a duration", "use 500ms, 2s, 1.5s, 2m, 1h: the unit is required"},
    [SBX_FIELD_SIZE] = {"a size", "use 256m, 1g, 65536"},
    [SBX_FIELD_CPUS] = {"a number of cores", "use 1, 0.5, 2, at most 3 decimals"},
    [SBX_FIELD_COUNT] = {"a whole number", "use 64"},
    [SBX_FIELD_LIMITS] = {"a mapping of limits", ""},
    [SBX_FIELD_WARM] = {"a switch", "use true or false"},
};

const struct sbx_field *sbx_field_find(const struct sbx_field *fields, size_t n, const char *key,
                                       size_t len)
{
        for (size_t i = 0; i < n; i++)
                if (strlen(fields[i].key) == len && !memcmp(fields[i].key, key, len))
                        return &fields[i];
        return NULL;
}

char *sbx_field_keys(const struct sbx_field *fields, size_t n, char *buf, size_t size)
{
        size_t used = 0;

        buf[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                int w = snprintf(buf + used, size - used, "%s%s%s", i ? ", " : "", fields[i].key,
                                 fields[i].optional ? " (optional)" : "");
                if (w < 0 || (size_t)w >= size - used)
                        break;
                used += (size_t)w;
        }
        return buf;
}

static const char *format_number(enum sbx_field_kind kind, uint64_t v, char *buf, size_t size)
{
        switch (kind) {
        case SBX_FIELD_DURATION:
                return sbx_format_duration_ms(v, buf, size);
        case SBX_FIELD_SIZE:
                return sbx_format_size_bytes(v, buf, size);
        case SBX_FIELD_CPUS:
                return sbx_format_cpus((uint32_t)v, buf, size);
        default:
                snprintf(buf, size, "%llu", (unsigned long long)v);
                return buf;
        }
}

static int parse_number(enum sbx_field_kind kind, const char *s, uint64_t *out)
{
        uint32_t mc;
        int r;

        switch (kind) {
        case SBX_FIELD_DURATION:
                return sbx_parse_duration_ms(s, out);
        case SBX_FIELD_SIZE:
                return sbx_parse_size_bytes(s, out);
        case SBX_FIELD_CPUS:
                r = sbx_parse_cpus_millicores(s, &mc);
                *out = mc;
                return r;
        default:
                return sbx_parse_u64(s, out);
        }
}

uint64_t sbx_field_get(const struct sbx_field *f, const struct sbx_policy *p)
{
        const char *at = (const char *)p + f->offset;
        uint32_t v32;
        uint64_t v64;

        if (f->width == sizeof(v32)) {
                memcpy(&v32, at, sizeof(v32));
                return v32;
        }
        memcpy(&v64, at, sizeof(v64));
        return v64;
}

static void field_put(const struct sbx_field *f, struct sbx_policy *p, uint64_t v)
{
        char *at = (char *)p + f->offset;
        uint32_t v32 = (uint32_t)v; /* the bounds keep 32-bit members in range */

        if (f->width == sizeof(v32))
                memcpy(at, &v32, sizeof(v32));
        else
                memcpy(at, &v, sizeof(v));
}

const char *sbx_field_format(const struct sbx_field *f, const struct sbx_policy *p, char *buf,
                             size_t size)
{
        return format_number(f->kind, sbx_field_get(f, p), buf, size);
}

static int set_number(const struct sbx_field *f, struct sbx_policy *p, const char *value,
                      struct sbx_error **err)
{
        char lo[32], hi[32];
        uint64_t v;
        int r = parse_number(f->kind, value, &v);

        if (r == -ERANGE || (r == 0 && (v < f->min || v > f->max)))
                return sbx_error_set(err, ERANGE, "\"%.80s\" is out of range (%s to %s)", value,
                                     format_number(f->kind, f->min, lo, sizeof(lo)),
                                     format_number(f->kind, f->max, hi, sizeof(hi)));
        if (r < 0)
                return sbx_error_set(err, EINVAL, "\"%.80s\" is not %s (%s)", value,
                                     kind_info[f->kind].what, kind_info[f->kind].hint);
        field_put(f, p, v);
        return 0;
}

bool sbx_policy_name_is_valid(const char *s)
{
        size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_-");

        return n >= 1 && n <= 64 && s[n] == '\0';
}

/* One line of printable text: no control characters and none of the Unicode line separators
 * (U+0085, U+2028, U+2029), which YAML folds, so the printed policy reads back the same. */
static bool text_is_valid(const char *s)
{
        size_t n = strlen(s);

        if (n == 0 || n > 200)
                return false;
        for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
                if (*c < 0x20 || *c == 0x7f)
                        return false;
                if (c[0] == 0xc2 && c[1] == 0x85)
                        return false;
                if (c[0] == 0xe2 && c[1] == 0x80 && (c[2] == 0xa8 || c[2] == 0xa9))
                        return false;
        }
        return true;
}

static int set_string(const struct sbx_field *f, struct sbx_policy *p, const char *value,
                      struct sbx_error **err)
{
        char **at = (char **)((char *)p + f->offset);
        bool ok =
            f->kind == SBX_FIELD_NAME ? sbx_policy_name_is_valid(value) : text_is_valid(value);
        char *copy;

        if (!ok)
                return sbx_error_set(err, EINVAL, "\"%.80s\" is not %s (%s)", value,
                                     kind_info[f->kind].what, kind_info[f->kind].hint);
        copy = strdup(value);
        if (!copy)
                return sbx_error_set(err, ENOMEM, "out of memory");
        free(*at);
        *at = copy;
        return 0;
}

int sbx_field_set(const struct sbx_field *f, struct sbx_policy *p, const char *value,
                  struct sbx_error **err)
{
        int net;

        if (!*value)
                return sbx_error_set(err, EINVAL, "has no value (%s)", kind_info[f->kind].hint);
        switch (f->kind) {
        case SBX_FIELD_NAME:
        case SBX_FIELD_TEXT:
                return set_string(f, p, value, err);
        case SBX_FIELD_NETWORK:
                net = sbx_network_from_string(value);
                if (net < 0)
                        return sbx_error_set(err, EINVAL, "\"%.80s\" is not %s (%s)", value,
                                             kind_info[f->kind].what, kind_info[f->kind].hint);
                p->network = (enum sbx_network)net;
                return 0;
        case SBX_FIELD_WARM:
                if (strcmp(value, "true") && strcmp(value, "false"))
                        return sbx_error_set(err, EINVAL, "\"%.80s\" is not %s (%s)", value,
                                             kind_info[f->kind].what, kind_info[f->kind].hint);
                p->warm = !strcmp(value, "true") ? SBX_WARM_ON : SBX_WARM_OFF;
                return 0;
        case SBX_FIELD_LIMITS:
                return sbx_error_set(err, EINVAL, "expected %s", kind_info[f->kind].what);
        default:
                return set_number(f, p, value, err);
        }
}
