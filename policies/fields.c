/* The keys of a policy as a table: what each one holds, where it lives in struct sbx_policy,
 * its bounds, how to set it from text, and how each backend and API carries and enforces it.
 * The YAML parser, the overrides, the printer, the launcher wire, the JSON of the v1 API and the
 * remote backend, Docker's HostConfig and the jail's rlimits all walk this table, so a new limit
 * is one row here plus its enforcement (docs/limits.md). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "policies/fields.h"
#include "util.h"

#define MS(x)  (x)
#define SEC(x) ((x)*1000ull)
#define KIB(x) ((x)*1024ull)
#define MIB(x) ((x)*1024ull * 1024ull)
#define GIB(x) ((x)*1024ull * 1024ull * 1024ull)

/* A limit: its key, kind (so unit, parser, printer), member of struct sbx_limits (which is also its
 * name in the v1 API's JSON), bounds, what it bounds, then how it is enforced. Every limit is
 * settable with --limit and sent to the launcher. */
#define LIMIT(key_, kind_, member, lo, hi, doc_, ...)                                              \
        {                                                                                          \
                .key = key_, .kind = kind_, .offset = offsetof(struct sbx_policy, limits.member),  \
                .width = sizeof(((struct sbx_limits *)0)->member), .min = lo, .max = hi,           \
                .override = true, .json = #member, .wire = true, .doc = doc_, __VA_ARGS__          \
        }
#define RLIMIT(name_, res)                                                                         \
        .rlimit = {.name = name_, .resource = RLIMIT_##res, .label = "RLIMIT_" #res}

/* Bounds: wide enough for any real job, narrow enough to catch a unit mistake ("wall: 10h" for a
 * unit test) and to keep every value meaningful to the kernel (a 0 tmpfs size means unlimited to
 * mount(2), so tmpfs starts at 1m; a 0 output cap would read as "no cap" to a careless backend).
 * Without a cgroup the jail puts RLIMIT_AS and RLIMIT_NPROC in place of memory.max and
 * pids.max (isolation/native.c); tmpfs is the size of the writable mounts (isolation/storage.c,
 * docker/container.c). */
const struct sbx_field sbx_limit_fields[] = {
    LIMIT("wall", SBX_FIELD_DURATION, wall_ms, MS(1), SEC(24 * 3600),
          "wall-clock time of the job, from exec to exit", .supervised = true),
    LIMIT("cpu", SBX_FIELD_DURATION, cpu_ms, MS(1), SEC(24 * 3600),
          "CPU time of the job's whole process tree", .supervised = true, .cgroup = "cpu.stat",
          RLIMIT("cpu", CPU)),
    LIMIT("cpus", SBX_FIELD_CPUS, cpu_millicores, 10, 1024000, "CPU bandwidth",
          .docker = "NanoCpus", .cgroup = "cpu.max"),
    LIMIT("memory", SBX_FIELD_SIZE, memory_bytes, MIB(1), GIB(1024),
          "memory of the job's processes, swap off", .docker = "Memory", .cgroup = "memory.max"),
    LIMIT("pids", SBX_FIELD_COUNT, pids, 1, 65536, "processes and threads alive at once",
          .docker = "PidsLimit", .cgroup = "pids.max"),
    LIMIT("output", SBX_FIELD_SIZE, output_bytes, 1, GIB(1),
          "captured output per stream (stdout, stderr)", .supervised = true),
    LIMIT("file_size", SBX_FIELD_SIZE, file_size_bytes, 0, GIB(1024),
          "size of any file the job writes", RLIMIT("fsize", FSIZE)),
    LIMIT("open_files", SBX_FIELD_COUNT, open_files, 3, 1048576,
          "open file descriptors per process", RLIMIT("nofile", NOFILE)),
    LIMIT("tmpfs", SBX_FIELD_SIZE, tmpfs_bytes, MIB(1), GIB(64),
          "size of the writable work dir and /tmp", .docker = "ShmSize"),
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

/* The keys of a policy file. An optional key is a row with .optional and its .dflt. */
const struct sbx_field sbx_policy_fields[] = {
    {.key = "name",
     .kind = SBX_FIELD_NAME,
     .offset = offsetof(struct sbx_policy, name),
     .json = "name",
     .wire = true,
     .doc = "the policy's name"},
    {.key = "description",
     .kind = SBX_FIELD_TEXT,
     .offset = offsetof(struct sbx_policy, description),
     .json = "description",
     .doc = "one line on what the policy is for"},
    {.key = "limits",
     .kind = SBX_FIELD_LIMITS,
     .sub = sbx_limit_fields,
     .n_sub = ELEMENTSOF(sbx_limit_fields),
     .json = "limits",
     .wire = true,
     .doc = "the limits of a job"},
    {.key = "network",
     .kind = SBX_FIELD_NETWORK,
     .offset = offsetof(struct sbx_policy, network),
     .width = sizeof(enum sbx_network),
     .max = _SBX_NETWORK_MAX - 1,
     .override = true,
     .json = "network",
     .wire = true,
     .doc = "the network the job sees"},
    {.key = "tool_output",
     .kind = SBX_FIELD_SIZE,
     .offset = offsetof(struct sbx_policy, tool_output_bytes),
     .width = sizeof(uint64_t),
     .min = KIB(1),
     .max = GIB(1),
     .optional = true,
     .dflt = SBX_TOOL_OUTPUT_DEFAULT,
     .json = "tool_output_bytes",
     .doc = "output per stream of a server's tool calls (ms-enclave's routes)"},
    {.key = "warm",
     .kind = SBX_FIELD_WARM,
     .offset = offsetof(struct sbx_policy, warm),
     .width = sizeof(enum sbx_warm),
     .max = _SBX_WARM_MAX - 1,
     .override = true,
     .optional = true,
     .dflt = SBX_WARM_DEFAULT,
     .json = "warm",
     .wire = true,
     .doc = "whether Python jobs start in a warm interpreter (unset: the runtime decides)"},
    {.key = "writable",
     .kind = SBX_FIELD_PATHS,
     .offset = offsetof(struct sbx_policy, writable),
     .optional = true,
     .json = "writable",
     .wire = true,
     .doc = "more directories a sandbox may write, kept with its built-in ones"},
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
    [SBX_FIELD_PATHS] = {"a list of directories", "use [/opt/data, /var/cache/job]"},
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
        case SBX_FIELD_WARM:
                return v == SBX_WARM_DEFAULT ? "unset" : v == SBX_WARM_ON ? "true" : "false";
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

void sbx_field_put(const struct sbx_field *f, struct sbx_policy *p, uint64_t v)
{
        char *at = (char *)p + f->offset;
        uint32_t v32 = (uint32_t)v; /* the bounds keep 32-bit members in range */

        if (f->width == sizeof(v32))
                memcpy(at, &v32, sizeof(v32));
        else
                memcpy(at, &v, sizeof(v));
}

bool sbx_field_is_set(const struct sbx_field *f, const struct sbx_policy *p)
{
        return f->kind != SBX_FIELD_WARM || p->warm != SBX_WARM_DEFAULT;
}

char *const *sbx_field_paths(const struct sbx_field *f, const struct sbx_policy *p)
{
        return f->kind == SBX_FIELD_PATHS ? *(char *const *const *)((const char *)p + f->offset)
                                          : NULL;
}

const char *sbx_field_string(const struct sbx_field *f, const struct sbx_policy *p)
{
        switch (f->kind) {
        case SBX_FIELD_NAME:
        case SBX_FIELD_TEXT:
                return *(char *const *)((const char *)p + f->offset);
        case SBX_FIELD_NETWORK:
                return sbx_network_to_string(p->network);
        default:
                return NULL;
        }
}

const char *sbx_field_hint(const struct sbx_field *f)
{
        return kind_info[f->kind].hint;
}

const char *sbx_field_unit(const struct sbx_field *f)
{
        switch (f->kind) {
        case SBX_FIELD_DURATION:
                return "ms";
        case SBX_FIELD_SIZE:
                return "bytes";
        case SBX_FIELD_CPUS:
                return "millicores";
        default:
                return "";
        }
}

uint64_t sbx_field_rlimit_value(const struct sbx_field *f, uint64_t v)
{
        return f->kind == SBX_FIELD_DURATION ? (v + 999) / 1000 + 1 : v;
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
        sbx_field_put(f, p, v);
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
        case SBX_FIELD_PATHS: /* one entry of the list */
                return sbx_policy_writable_add(p, value, err);
        default:
                return set_number(f, p, value, err);
        }
}
