/* Policy files: the strict YAML reader (yaml_strict.h) walked against the key table in
 * fields.c, plus overrides, copies and printing.
 *
 * Hostile input: the text is capped at SBX_POLICY_MAX_BYTES; anchors, aliases and tags are
 * refused (no alias expansion, so no "billion laughs"); nesting is bounded by the key table
 * itself (two levels), because anything deeper is a type error on the first event. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "policies/fields.h"
#include "policies/yaml_strict.h"
#include "util.h"

struct parser {
        struct sbx_yaml y;
        size_t name_line;
};

static int parse_mapping(struct parser *ps, const struct sbx_field *fields, size_t n,
                         const char *prefix, struct sbx_policy *p);

/* A list of single values, each set as one entry of f ("[/a, /b]" or one "- /a" a line). */
static int parse_list(struct parser *ps, const struct sbx_field *f, const char *path,
                      struct sbx_policy *p)
{
        for (;;) {
                int r = sbx_yaml_next(&ps->y);
                if (r < 0)
                        return r;
                if (ps->y.ev.type == YAML_SEQUENCE_END_EVENT)
                        return 0;
                size_t line = sbx_yaml_line(&ps->y);
                if (ps->y.ev.type != YAML_SCALAR_EVENT)
                        return sbx_yaml_fail(&ps->y, line, path,
                                             "expected a list of single values, found %s in it",
                                             sbx_yaml_event_kind(ps->y.ev.type));
                r = sbx_field_set(f, p, (const char *)ps->y.ev.data.scalar.value, ps->y.err);
                if (r < 0)
                        return sbx_error_prefix(ps->y.err, "%s:%zu: %s", ps->y.file, line, path);
        }
}

static int parse_value(struct parser *ps, const struct sbx_field *f, const char *path,
                       struct sbx_policy *p)
{
        size_t line;
        int r = sbx_yaml_next(&ps->y);

        if (r < 0)
                return r;
        line = sbx_yaml_line(&ps->y);
        if (f->kind == SBX_FIELD_LIMITS) {
                if (ps->y.ev.type != YAML_MAPPING_START_EVENT)
                        return sbx_yaml_fail(&ps->y, line, path,
                                             "expected a mapping of limits, found %s",
                                             sbx_yaml_event_kind(ps->y.ev.type));
                return parse_mapping(ps, f->sub, f->n_sub, f->key, p);
        }
        if (f->kind == SBX_FIELD_PATHS) {
                if (ps->y.ev.type != YAML_SEQUENCE_START_EVENT)
                        return sbx_yaml_fail(&ps->y, line, path, "expected a list (%s), found %s",
                                             "[/opt/data, /var/cache/job]",
                                             sbx_yaml_event_kind(ps->y.ev.type));
                return parse_list(ps, f, path, p);
        }
        if (ps->y.ev.type != YAML_SCALAR_EVENT)
                return sbx_yaml_fail(&ps->y, line, path, "expected a single value, found %s",
                                     sbx_yaml_event_kind(ps->y.ev.type));
        r = sbx_field_set(f, p, (const char *)ps->y.ev.data.scalar.value, ps->y.err);
        if (r < 0)
                return sbx_error_prefix(ps->y.err, "%s:%zu: %s", ps->y.file, line, path);
        if (f->kind == SBX_FIELD_NAME)
                ps->name_line = line;
        return 0;
}

static void key_path(char *buf, size_t size, const char *prefix, const char *key, size_t len)
{
        /* Keys from the file are echoed back: cap them, a message is not a copy of the input. */
        int shown = len > 64 ? 64 : (int)len;

        snprintf(buf, size, "%s%s%.*s", prefix ? prefix : "", prefix ? "." : "", shown, key);
}

/* One mapping whose keys come from fields: every key exactly once, nothing else. */
static int parse_mapping(struct parser *ps, const struct sbx_field *fields, size_t n,
                         const char *prefix, struct sbx_policy *p)
{
        size_t map_line = sbx_yaml_line(&ps->y), seen_line[16] = {0};
        char path[128], keys[256];
        int r;

        if (n > ELEMENTSOF(seen_line))
                return sbx_error_set(ps->y.err, E2BIG, "too many keys in the policy table");
        for (;;) {
                r = sbx_yaml_next(&ps->y);
                if (r < 0)
                        return r;
                if (ps->y.ev.type == YAML_MAPPING_END_EVENT)
                        break;
                if (ps->y.ev.type != YAML_SCALAR_EVENT)
                        return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), prefix,
                                             "keys must be plain words, found %s",
                                             sbx_yaml_event_kind(ps->y.ev.type));
                const char *key = (const char *)ps->y.ev.data.scalar.value;
                size_t len = ps->y.ev.data.scalar.length, line = sbx_yaml_line(&ps->y);
                const struct sbx_field *f = sbx_field_find(fields, n, key, len);
                key_path(path, sizeof(path), prefix, key, len);
                if (!f)
                        return sbx_yaml_fail(&ps->y, line, path,
                                             "unknown key (expected one of: %s)",
                                             sbx_field_keys(fields, n, keys, sizeof(keys)));
                size_t i = (size_t)(f - fields);
                if (seen_line[i])
                        return sbx_yaml_fail(&ps->y, line, path,
                                             "duplicate key (first set on line %zu)", seen_line[i]);
                seen_line[i] = line;
                r = parse_value(ps, f, path, p);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < n; i++)
                if (!seen_line[i] && !fields[i].optional) {
                        key_path(path, sizeof(path), prefix, fields[i].key, strlen(fields[i].key));
                        return sbx_yaml_fail(&ps->y, map_line, path,
                                             "missing (a policy sets every key: %s)",
                                             sbx_field_keys(fields, n, keys, sizeof(keys)));
                }
        return 0;
}

static int parse_document(struct parser *ps, struct sbx_policy *p)
{
        int r = sbx_yaml_expect(&ps->y, YAML_STREAM_START_EVENT, "expected a YAML stream");

        if (r < 0)
                return r;
        r = sbx_yaml_next(&ps->y);
        if (r < 0)
                return r;
        if (ps->y.ev.type != YAML_DOCUMENT_START_EVENT)
                return sbx_yaml_fail(&ps->y, sbx_yaml_line(&ps->y), NULL, "empty policy");
        r = sbx_yaml_expect(&ps->y, YAML_MAPPING_START_EVENT,
                            "expected a mapping with name, description, limits and network");
        if (r < 0)
                return r;
        r = parse_mapping(ps, sbx_policy_fields, sbx_n_policy_fields, NULL, p);
        if (r < 0)
                return r;
        r = sbx_yaml_expect(&ps->y, YAML_DOCUMENT_END_EVENT, "expected the end of the policy");
        if (r < 0)
                return r;
        return sbx_yaml_expect(&ps->y, YAML_STREAM_END_EVENT, "more than one YAML document");
}

static void parser_done(struct parser *ps)
{
        sbx_yaml_close(&ps->y);
}

static void policy_freep(struct sbx_policy **p)
{
        sbx_policy_free(*p);
}

/* The name a policy must have when it comes from path: the file name without .yaml/.yml. */
static char *name_from_path(const char *path)
{
        const char *base = strrchr(path, '/');
        size_t len;

        base = base ? base + 1 : path;
        len = strlen(base);
        if (len > 5 && !strcmp(base + len - 5, ".yaml"))
                len -= 5;
        else if (len > 4 && !strcmp(base + len - 4, ".yml"))
                len -= 4;
        return strndup(base, len);
}

/* Parse text; when from_path is set, the policy's name must match that file's name. */
static int policy_parse(const char *text, size_t size, const char *filename, const char *from_path,
                        struct sbx_policy **out, struct sbx_error **err)
{
        __attribute__((cleanup(policy_freep))) struct sbx_policy *p = NULL;
        __attribute__((cleanup(parser_done))) struct parser ps = {
            .y = {.file = filename, .err = err}};
        _cleanup_free_ char *want = NULL;
        int r;

        if (size > SBX_POLICY_MAX_BYTES)
                return sbx_error_set(err, EFBIG, "%s: larger than %u KiB", filename,
                                     SBX_POLICY_MAX_BYTES / 1024);
        p = calloc(1, sizeof(*p));
        if (!p)
                return sbx_error_set(err, ENOMEM, "%s: out of memory", filename);
        if ((r = sbx_yaml_open(&ps.y, text, size)) < 0)
                return r;
        for (size_t i = 0; i < sbx_n_policy_fields; i++)
                if (sbx_policy_fields[i].optional)
                        sbx_field_put(&sbx_policy_fields[i], p, sbx_policy_fields[i].dflt);
        r = parse_document(&ps, p);
        if (r < 0)
                return r;
        if (from_path) {
                want = name_from_path(from_path);
                if (!want)
                        return sbx_error_set(err, ENOMEM, "out of memory");
                if (strcmp(want, p->name))
                        return sbx_yaml_fail(
                            &ps.y, ps.name_line, "name",
                            "\"%s\" does not match the file name (expected \"%.64s\")", p->name,
                            want);
        }
        *out = TAKE_PTR(p);
        return 0;
}

int sbx_policy_parse(const char *text, size_t size, const char *filename, struct sbx_policy **out,
                     struct sbx_error **err)
{
        return policy_parse(text, size, filename ? filename : "<policy>", NULL, out, err);
}

int sbx_policy_parse_named(const char *text, size_t size, const char *filename,
                           const char *name_path, struct sbx_policy **out, struct sbx_error **err)
{
        return policy_parse(text, size, filename, name_path, out, err);
}

/* Read path, refusing anything but a regular file (a FIFO would block, a device never end). */
static int read_policy_file(const char *path, char **text, size_t *size, struct sbx_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        int r;

        if (fd < 0)
                return sbx_error_set(err, errno, "%s: %s", path, strerror(errno));
        if (fstat(fd, &st) < 0)
                return sbx_error_set(err, errno, "%s: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return sbx_error_set(err, EINVAL, "%s: not a regular file", path);
        r = sbx_read_fd(fd, SBX_POLICY_MAX_BYTES + 1, text, size);
        if (r == -EFBIG)
                return sbx_error_set(err, EFBIG, "%s: larger than %u KiB", path,
                                     SBX_POLICY_MAX_BYTES / 1024);
        if (r < 0)
                return sbx_error_set(err, -r, "%s: %s", path, strerror(-r));
        return 0;
}

int sbx_policy_load_file(const char *path, struct sbx_policy **out, struct sbx_error **err)
{
        _cleanup_free_ char *text = NULL;
        struct sbx_policy *p = NULL;
        size_t size = 0;
        int r = read_policy_file(path, &text, &size, err);

        if (r < 0)
                return r;
        r = policy_parse(text, size, path, path, &p, err);
        if (r < 0)
                return r;
        p->path = strdup(path);
        if (!p->path) {
                sbx_policy_free(p);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        *out = p;
        return 0;
}

struct sbx_policy *sbx_policy_free(struct sbx_policy *p)
{
        if (p) {
                free(p->name);
                free(p->description);
                free(p->path);
                sbx_policy_writable_free(p->writable);
                free(p);
        }
        return NULL;
}

struct sbx_policy *sbx_policy_dup(const struct sbx_policy *p)
{
        struct sbx_policy *d;
        bool oom;

        if (!p)
                return NULL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        *d = *p;
        d->name = p->name ? strdup(p->name) : NULL;
        d->description = p->description ? strdup(p->description) : NULL;
        d->path = p->path ? strdup(p->path) : NULL;
        d->writable = sbx_policy_writable_dup(p->writable, &oom);
        if ((p->name && !d->name) || (p->description && !d->description) || (p->path && !d->path) ||
            oom)
                return sbx_policy_free(d);
        return d;
}

static const struct sbx_field *override_field(const char *key, size_t len)
{
        const struct sbx_field *f = sbx_field_find(sbx_limit_fields, sbx_n_limit_fields, key, len);

        if (!f)
                f = sbx_field_find(sbx_policy_fields, sbx_n_policy_fields, key, len);
        return f && f->override ? f : NULL;
}

int sbx_policy_override(struct sbx_policy *p, const char *key_value, struct sbx_error **err)
{
        const char *eq = strchr(key_value, '=');
        const struct sbx_field *f;
        char keys[256];
        size_t len;

        if (!eq)
                return sbx_error_set(
                    err, EINVAL, "limit \"%.64s\": expected key=value, e.g. wall=2s", key_value);
        len = (size_t)(eq - key_value);
        f = override_field(key_value, len);
        if (!f) {
                int used = (int)(len > 64 ? 64 : len);
                sbx_field_keys(sbx_limit_fields, sbx_n_limit_fields, keys, sizeof(keys));
                return sbx_error_set(err, EINVAL,
                                     "unknown limit \"%.*s\" (use one of: %s, network, warm)", used,
                                     key_value, keys);
        }
        if (sbx_field_set(f, p, eq + 1, err) < 0)
                return sbx_error_prefix(err, "limit %s", f->key);
        return 0;
}

/* Double-quoted, so any description reads back as the same string (the validator already
 * keeps out everything but printable text, leaving only " and \ to escape). */
static void put_quoted(FILE *f, const char *s)
{
        fputc('"', f);
        for (; *s; s++) {
                if (*s == '"' || *s == '\\')
                        fputc('\\', f);
                fputc(*s, f);
        }
        fputc('"', f);
}

/* "key: value\n", a mapping's keys indented under it. */
/* An optional list: written only when it has paths, which are checked plain names (no quotes). */
static void put_paths(FILE *f, const char *key, char *const *v)
{
        if (!v || !v[0])
                return;
        fprintf(f, "%s: [", key);
        for (size_t i = 0; v[i]; i++)
                fprintf(f, "%s%s", i ? ", " : "", v[i]);
        fputs("]\n", f);
}

static void put_field(FILE *f, const struct sbx_field *field, const struct sbx_policy *p)
{
        const char *s = sbx_field_string(field, p);
        char value[32];

        if (!sbx_field_is_set(field, p))
                return;
        if (field->kind == SBX_FIELD_PATHS) {
                put_paths(f, field->key, sbx_field_paths(field, p));
                return;
        }
        fprintf(f, "%s:", field->key);
        if (field->kind == SBX_FIELD_LIMITS) {
                fputc('\n', f);
                for (size_t i = 0; i < field->n_sub; i++) {
                        fputs("  ", f);
                        put_field(f, &field->sub[i], p);
                }
                return;
        }
        fputc(' ', f);
        /* A leading '-' is YAML's list indicator ("name: -" is a list): quote such names. */
        if (field->kind == SBX_FIELD_TEXT || (field->kind == SBX_FIELD_NAME && s && s[0] == '-'))
                put_quoted(f, s ? s : "");
        else if (field->kind == SBX_FIELD_NAME || field->kind == SBX_FIELD_NETWORK)
                fputs(s ? s : (field->kind == SBX_FIELD_NAME ? "" : "invalid"), f);
        else
                fputs(sbx_field_format(field, p, value, sizeof(value)), f);
        fputc('\n', f);
}

char *sbx_policy_to_yaml(const struct sbx_policy *p)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        if (!f)
                return NULL;
        fprintf(f, "# sandboxrt policy: limits for one run (see 'sandboxrt policy --help')\n");
        for (size_t i = 0; i < sbx_n_policy_fields; i++)
                put_field(f, &sbx_policy_fields[i], p);
        if (fclose(f) != 0) {
                free(buf);
                return NULL;
        }
        return buf;
}
