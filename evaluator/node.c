/* YAML (libyaml events) and JSON (cJSON) into one tree; the tree back out as YAML. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "evaluator/node.h"
#include "evaluator/strutil.h"
#include "util.h"

struct sbx_eval_node *sbx_eval_node_new(enum sbx_eval_node_kind kind)
{
        struct sbx_eval_node *n = calloc(1, sizeof(*n));

        if (n)
                n->kind = kind;
        return n;
}

static struct sbx_eval_node *new_scalar(const char *s, bool quoted)
{
        struct sbx_eval_node *n;

        if (!s)
                return sbx_eval_node_new(SBX_EVAL_NODE_NULL);
        n = sbx_eval_node_new(SBX_EVAL_NODE_SCALAR);
        if (!n)
                return NULL;
        n->quoted = quoted;
        n->text = strdup(s);
        if (!n->text)
                return sbx_eval_node_free(n);
        return n;
}

struct sbx_eval_node *sbx_eval_node_new_string(const char *s)
{
        return new_scalar(s, true);
}

struct sbx_eval_node *sbx_eval_node_new_plain(const char *s)
{
        return new_scalar(s, false);
}

struct sbx_eval_node *sbx_eval_node_free(struct sbx_eval_node *n)
{
        if (!n)
                return NULL;
        for (size_t i = 0; i < n->n; i++) {
                sbx_eval_node_free(n->items[i]);
                if (n->keys)
                        free(n->keys[i]);
        }
        free(n->items);
        free(n->keys);
        free(n->text);
        free(n);
        return NULL;
}

static int node_grow(struct sbx_eval_node *n)
{
        size_t cap = n->cap ? n->cap * 2 : 8;

        if (n->n < n->cap)
                return 0;
        struct sbx_eval_node **items = realloc(n->items, cap * sizeof(*items));
        if (!items)
                return -ENOMEM;
        n->items = items;
        if (n->kind == SBX_EVAL_NODE_MAP) {
                char **keys = realloc(n->keys, cap * sizeof(*keys));
                if (!keys)
                        return -ENOMEM;
                n->keys = keys;
        }
        n->cap = cap;
        return 0;
}

int sbx_eval_node_seq_push(struct sbx_eval_node *seq, struct sbx_eval_node *child)
{
        if (!child || node_grow(seq) < 0) {
                sbx_eval_node_free(child);
                return -ENOMEM;
        }
        seq->items[seq->n++] = child;
        return 0;
}

int sbx_eval_node_map_set(struct sbx_eval_node *map, const char *key, struct sbx_eval_node *child)
{
        char *k = strdup(key);

        if (!k || !child || node_grow(map) < 0) {
                free(k);
                sbx_eval_node_free(child);
                return -ENOMEM;
        }
        map->keys[map->n] = k;
        map->items[map->n++] = child;
        return 0;
}

struct sbx_eval_node *sbx_eval_node_dup(const struct sbx_eval_node *n)
{
        struct sbx_eval_node *c;

        if (!n)
                return NULL;
        if (n->kind == SBX_EVAL_NODE_SCALAR) {
                c = new_scalar(n->text, n->quoted);
                if (c)
                        c->line = n->line;
                return c;
        }
        c = sbx_eval_node_new(n->kind);
        if (!c)
                return NULL;
        c->line = n->line;
        for (size_t i = 0; i < n->n; i++) {
                struct sbx_eval_node *item = sbx_eval_node_dup(n->items[i]);
                int r = n->kind == SBX_EVAL_NODE_MAP ? sbx_eval_node_map_set(c, n->keys[i], item)
                                                     : sbx_eval_node_seq_push(c, item);
                if (r < 0)
                        return sbx_eval_node_free(c);
        }
        return c;
}

struct sbx_eval_node *sbx_eval_node_get(const struct sbx_eval_node *map, const char *key)
{
        if (!map || map->kind != SBX_EVAL_NODE_MAP)
                return NULL;
        for (size_t i = 0; i < map->n; i++)
                if (!strcmp(map->keys[i], key))
                        return map->items[i];
        return NULL;
}

/* ---- typed reads ---------------------------------------------------------------------------- */

bool sbx_eval_node_is_null(const struct sbx_eval_node *n)
{
        return !n || n->kind == SBX_EVAL_NODE_NULL;
}

int sbx_eval_node_bool(const struct sbx_eval_node *n, bool *out)
{
        static const char *const yes[] = {"true", "yes", "on"}, *const no[] = {"false", "no",
                                                                               "off"};

        if (!n || n->kind != SBX_EVAL_NODE_SCALAR || n->quoted)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (!strcasecmp(n->text, yes[i])) {
                        *out = true;
                        return 0;
                }
                if (!strcasecmp(n->text, no[i])) {
                        *out = false;
                        return 0;
                }
        }
        return -EINVAL;
}

int sbx_eval_node_int(const struct sbx_eval_node *n, long long *out)
{
        const char *t;
        bool neg = false;
        uint64_t v;

        if (!n || n->kind != SBX_EVAL_NODE_SCALAR || n->quoted)
                return -EINVAL;
        t = n->text;
        if (*t == '-' || *t == '+')
                neg = *t++ == '-';
        if (sbx_parse_u64(t, &v) < 0 || v > (uint64_t)LLONG_MAX)
                return -EINVAL;
        *out = neg ? -(long long)v : (long long)v;
        return 0;
}

int sbx_eval_node_double(const struct sbx_eval_node *n, double *out)
{
        char *end = NULL;
        double v;

        if (!n || n->kind != SBX_EVAL_NODE_SCALAR || n->quoted || !*n->text)
                return -EINVAL;
        errno = 0;
        v = strtod(n->text, &end);
        if (errno || *end || !isfinite(v))
                return -EINVAL;
        *out = v;
        return 0;
}

const char *sbx_eval_node_describe(const struct sbx_eval_node *n)
{
        bool b;
        double d;

        if (sbx_eval_node_is_null(n))
                return "null";
        switch (n->kind) {
        case SBX_EVAL_NODE_SEQ:
                return "a list";
        case SBX_EVAL_NODE_MAP:
                return "a mapping";
        default:
                break;
        }
        if (sbx_eval_node_bool(n, &b) == 0)
                return "a boolean";
        if (sbx_eval_node_double(n, &d) == 0)
                return "a number";
        return "a string";
}

/* ---- YAML ----------------------------------------------------------------------------------- */

struct yparse {
        yaml_parser_t parser;
        const char *file;
        size_t count;
        struct sbx_error **err;
};

static int yparse_next(struct yparse *ps, yaml_event_t *ev)
{
        if (yaml_parser_parse(&ps->parser, ev))
                return 0;
        return sbx_error_set(ps->err, EINVAL, "%s:%zu:%zu: YAML syntax error: %s%s%s", ps->file,
                             ps->parser.problem_mark.line + 1, ps->parser.problem_mark.column + 1,
                             ps->parser.problem ? ps->parser.problem : "unknown problem",
                             ps->parser.context ? " " : "",
                             ps->parser.context ? ps->parser.context : "");
}

static int yparse_node(struct yparse *ps, yaml_event_t *ev, unsigned depth,
                       struct sbx_eval_node **out);

static struct sbx_eval_node *yscalar(const yaml_event_t *ev)
{
        const char *text = (const char *)ev->data.scalar.value;
        bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

        if (plain && (!*text || !strcmp(text, "~") || !strcasecmp(text, "null")))
                return sbx_eval_node_new(SBX_EVAL_NODE_NULL);
        return new_scalar(text, !plain);
}

static int yparse_seq(struct yparse *ps, struct sbx_eval_node *seq, unsigned depth)
{
        for (;;) {
                yaml_event_t ev;
                struct sbx_eval_node *child = NULL;
                int r = yparse_next(ps, &ev);
                if (r < 0)
                        return r;
                if (ev.type == YAML_SEQUENCE_END_EVENT) {
                        yaml_event_delete(&ev);
                        return 0;
                }
                r = yparse_node(ps, &ev, depth + 1, &child);
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
                if (sbx_eval_node_seq_push(seq, child) < 0)
                        return sbx_error_set(ps->err, ENOMEM, "out of memory");
        }
}

static int yparse_key(struct yparse *ps, yaml_event_t *ev, const struct sbx_eval_node *map,
                      char **key)
{
        size_t line = ev->start_mark.line + 1;

        if (ev->type == YAML_ALIAS_EVENT)
                return sbx_error_set(ps->err, EINVAL, "%s:%zu: YAML aliases are not supported",
                                     ps->file, line);
        if (ev->type != YAML_SCALAR_EVENT)
                return sbx_error_set(ps->err, EINVAL, "%s:%zu: a mapping key must be a string",
                                     ps->file, line);
        if (sbx_eval_node_get(map, (const char *)ev->data.scalar.value))
                return sbx_error_set(ps->err, EINVAL, "%s:%zu: duplicate key '%.64s'", ps->file,
                                     line, (const char *)ev->data.scalar.value);
        *key = strdup((const char *)ev->data.scalar.value);
        return *key ? 0 : sbx_error_set(ps->err, ENOMEM, "out of memory");
}

static int yparse_map(struct yparse *ps, struct sbx_eval_node *map, unsigned depth)
{
        for (;;) {
                yaml_event_t ev;
                _cleanup_free_ char *key = NULL;
                struct sbx_eval_node *child = NULL;
                int r = yparse_next(ps, &ev);
                if (r < 0)
                        return r;
                if (ev.type == YAML_MAPPING_END_EVENT) {
                        yaml_event_delete(&ev);
                        return 0;
                }
                r = yparse_key(ps, &ev, map, &key);
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
                r = yparse_next(ps, &ev);
                if (r < 0)
                        return r;
                r = yparse_node(ps, &ev, depth + 1, &child);
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
                if (sbx_eval_node_map_set(map, key, child) < 0)
                        return sbx_error_set(ps->err, ENOMEM, "out of memory");
        }
}

static int yparse_node(struct yparse *ps, yaml_event_t *ev, unsigned depth,
                       struct sbx_eval_node **out)
{
        struct sbx_eval_node *n = NULL;
        size_t line = ev->start_mark.line + 1;
        int r = 0;

        if (depth > SBX_EVAL_NODE_MAX_DEPTH || ++ps->count > SBX_EVAL_NODE_MAX_NODES)
                return sbx_error_set(ps->err, E2BIG, "%s:%zu: document too deep or too large",
                                     ps->file, line);
        switch (ev->type) {
        case YAML_SCALAR_EVENT:
                n = yscalar(ev);
                break;
        case YAML_SEQUENCE_START_EVENT:
                n = sbx_eval_node_new(SBX_EVAL_NODE_SEQ);
                break;
        case YAML_MAPPING_START_EVENT:
                n = sbx_eval_node_new(SBX_EVAL_NODE_MAP);
                break;
        case YAML_ALIAS_EVENT:
                return sbx_error_set(ps->err, EINVAL, "%s:%zu: YAML aliases are not supported",
                                     ps->file, line);
        default:
                return sbx_error_set(ps->err, EINVAL, "%s:%zu: unexpected YAML event", ps->file,
                                     line);
        }
        if (!n)
                return sbx_error_set(ps->err, ENOMEM, "out of memory");
        n->line = (unsigned)line;
        if (ev->type == YAML_SEQUENCE_START_EVENT)
                r = yparse_seq(ps, n, depth);
        else if (ev->type == YAML_MAPPING_START_EVENT)
                r = yparse_map(ps, n, depth);
        if (r < 0) {
                sbx_eval_node_free(n);
                return r;
        }
        *out = n;
        return 0;
}

/* Skips stream/document framing; leaves *out NULL for an empty stream. */
static int yparse_document(struct yparse *ps, struct sbx_eval_node **out)
{
        yaml_event_t ev;
        int r;

        for (;;) {
                r = yparse_next(ps, &ev);
                if (r < 0)
                        return r;
                yaml_event_type_t t = ev.type;
                if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
                    t == YAML_DOCUMENT_END_EVENT) {
                        yaml_event_delete(&ev);
                        continue;
                }
                if (t == YAML_STREAM_END_EVENT) {
                        yaml_event_delete(&ev);
                        return 0;
                }
                if (*out) {
                        size_t line = ev.start_mark.line + 1;
                        yaml_event_delete(&ev);
                        return sbx_error_set(ps->err, EINVAL, "%s:%zu: more than one YAML document",
                                             ps->file, line);
                }
                r = yparse_node(ps, &ev, 0, out);
                yaml_event_delete(&ev);
                if (r < 0)
                        return r;
        }
}

static int parse_yaml(const char *text, size_t size, const char *file, struct sbx_eval_node **out,
                      struct sbx_error **err)
{
        struct yparse ps = {.file = file, .err = err};
        struct sbx_eval_node *root = NULL;
        int r;

        if (!yaml_parser_initialize(&ps.parser))
                return sbx_error_set(err, ENOMEM, "out of memory");
        yaml_parser_set_input_string(&ps.parser, (const unsigned char *)text, size);
        r = yparse_document(&ps, &root);
        yaml_parser_delete(&ps.parser);
        if (r < 0) {
                sbx_eval_node_free(root);
                return r;
        }
        *out = root;
        return 0;
}

/* ---- JSON ----------------------------------------------------------------------------------- */

static int json_to_node(const cJSON *j, unsigned depth, struct sbx_eval_node **out,
                        struct sbx_error **err);

static int json_children(const cJSON *j, unsigned depth, struct sbx_eval_node *n,
                         struct sbx_error **err)
{
        for (const cJSON *c = j->child; c; c = c->next) {
                struct sbx_eval_node *child = NULL;
                int r = json_to_node(c, depth + 1, &child, err);
                if (r < 0)
                        return r;
                if (n->kind == SBX_EVAL_NODE_MAP) {
                        if (sbx_eval_node_get(n, c->string)) {
                                sbx_eval_node_free(child);
                                return sbx_error_set(err, EINVAL, "duplicate key '%.64s'",
                                                     c->string);
                        }
                        r = sbx_eval_node_map_set(n, c->string, child);
                } else {
                        r = sbx_eval_node_seq_push(n, child);
                }
                if (r < 0)
                        return sbx_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

static struct sbx_eval_node *json_number(const cJSON *j)
{
        char num[64];
        double v = j->valuedouble;

        if (v == floor(v) && fabs(v) < 9007199254740992.0)
                snprintf(num, sizeof(num), "%.0f", v);
        else
                snprintf(num, sizeof(num), "%.17g", v);
        return new_scalar(num, false);
}

static int json_to_node(const cJSON *j, unsigned depth, struct sbx_eval_node **out,
                        struct sbx_error **err)
{
        struct sbx_eval_node *n;

        if (depth > SBX_EVAL_NODE_MAX_DEPTH)
                return sbx_error_set(err, E2BIG, "document too deep");
        if (cJSON_IsObject(j) || cJSON_IsArray(j)) {
                n = sbx_eval_node_new(cJSON_IsObject(j) ? SBX_EVAL_NODE_MAP : SBX_EVAL_NODE_SEQ);
                if (n && json_children(j, depth, n, err) < 0) {
                        sbx_eval_node_free(n);
                        return -(*err ? (*err)->code : ENOMEM);
                }
        } else if (cJSON_IsString(j)) {
                n = new_scalar(j->valuestring, true);
        } else if (cJSON_IsNumber(j)) {
                n = json_number(j);
        } else if (cJSON_IsBool(j)) {
                n = new_scalar(cJSON_IsTrue(j) ? "true" : "false", false);
        } else {
                n = sbx_eval_node_new(SBX_EVAL_NODE_NULL);
        }
        if (!n)
                return sbx_error_set(err, ENOMEM, "out of memory");
        *out = n;
        return 0;
}

static unsigned line_of(const char *text, const char *at)
{
        unsigned line = 1;

        for (const char *p = text; p < at; p++)
                line += *p == '\n';
        return line;
}

static int parse_json(const char *text, size_t size, const char *file, struct sbx_eval_node **out,
                      struct sbx_error **err)
{
        const char *end = NULL;
        cJSON *j = cJSON_ParseWithLengthOpts(text, size, &end, false);
        int r;

        if (!j) {
                const char *at = end ? end : cJSON_GetErrorPtr();
                if (!at || at < text || at > text + size)
                        at = text;
                return sbx_error_set(err, EINVAL, "%s:%u: JSON syntax error", file,
                                     line_of(text, at));
        }
        while (end && end < text + size && strchr(" \t\r\n", *end) && *end)
                end++;
        if (end && end < text + size) {
                cJSON_Delete(j);
                return sbx_error_set(err, EINVAL, "%s:%u: trailing data after the JSON document",
                                     file, line_of(text, end));
        }
        r = json_to_node(j, 0, out, err);
        cJSON_Delete(j);
        if (r < 0)
                return sbx_error_prefix(err, "%s", file);
        return 0;
}

int sbx_eval_node_parse(const char *text, size_t size, const char *filename,
                        struct sbx_eval_node **out, struct sbx_error **err)
{
        size_t i = 0, bad;

        *out = NULL;
        if (memchr(text, '\0', size))
                return sbx_error_set(err, EINVAL, "%s: contains a NUL byte", filename);
        if (!sbx_utf8_valid(text, size, &bad))
                return sbx_error_set(err, EINVAL, "%s:%u: not UTF-8 text (byte 0x%02x)", filename,
                                     line_of(text, text + bad), (unsigned char)text[bad]);
        while (i < size && strchr(" \t\r\n", text[i]))
                i++;
        if (sbx_eval_has_suffix(filename, ".json") || (i < size && strchr("{[", text[i])))
                return parse_json(text, size, filename, out, err);
        return parse_yaml(text, size, filename, out, err);
}

/* ---- YAML out ------------------------------------------------------------------------------- */

static int emit_write(void *data, unsigned char *buffer, size_t size)
{
        return sbx_eval_buf_append(data, (const char *)buffer, size) == 0;
}

static int emit_node(yaml_emitter_t *em, const struct sbx_eval_node *n);

static int emit_scalar(yaml_emitter_t *em, const char *text, bool quoted)
{
        yaml_event_t ev;
        yaml_scalar_style_t style =
            quoted ? YAML_DOUBLE_QUOTED_SCALAR_STYLE : YAML_PLAIN_SCALAR_STYLE;

        if (quoted && !strchr(text, '\n') && strlen(text) > 0) {
                /* Let libyaml pick plain style when the string cannot be read as anything else. */
                bool b;
                double d;
                struct sbx_eval_node probe = {.kind = SBX_EVAL_NODE_SCALAR, .text = (char *)text};
                if (sbx_eval_node_bool(&probe, &b) < 0 && sbx_eval_node_double(&probe, &d) < 0 &&
                    strcasecmp(text, "null") && strcmp(text, "~"))
                        style = YAML_ANY_SCALAR_STYLE;
        }
        if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)text, (int)strlen(text),
                                          style != YAML_DOUBLE_QUOTED_SCALAR_STYLE, 1, style))
                return -ENOMEM;
        return yaml_emitter_emit(em, &ev) ? 0 : -EIO;
}

static int emit_children(yaml_emitter_t *em, const struct sbx_eval_node *n)
{
        for (size_t i = 0; i < n->n; i++) {
                if (n->kind == SBX_EVAL_NODE_MAP && emit_scalar(em, n->keys[i], false) < 0)
                        return -EIO;
                if (emit_node(em, n->items[i]) < 0)
                        return -EIO;
        }
        return 0;
}

static int emit_node(yaml_emitter_t *em, const struct sbx_eval_node *n)
{
        yaml_event_t ev;
        int ok;

        if (sbx_eval_node_is_null(n))
                return emit_scalar(em, "null", false);
        if (n->kind == SBX_EVAL_NODE_SCALAR)
                return emit_scalar(em, n->text, n->quoted);
        if (n->kind == SBX_EVAL_NODE_MAP)
                ok = yaml_mapping_start_event_initialize(
                    &ev, NULL, NULL, 1, n->n ? YAML_BLOCK_MAPPING_STYLE : YAML_FLOW_MAPPING_STYLE);
        else
                ok = yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
                                                          n->n ? YAML_BLOCK_SEQUENCE_STYLE
                                                               : YAML_FLOW_SEQUENCE_STYLE);
        if (!ok || !yaml_emitter_emit(em, &ev) || emit_children(em, n) < 0)
                return -EIO;
        if (n->kind == SBX_EVAL_NODE_MAP)
                ok = yaml_mapping_end_event_initialize(&ev);
        else
                ok = yaml_sequence_end_event_initialize(&ev);
        return ok && yaml_emitter_emit(em, &ev) ? 0 : -EIO;
}

static int emit_document(yaml_emitter_t *em, const struct sbx_eval_node *n)
{
        yaml_event_t ev;

        if (!yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ||
            !yaml_emitter_emit(em, &ev))
                return -EIO;
        if (!yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ||
            !yaml_emitter_emit(em, &ev))
                return -EIO;
        if (emit_node(em, n) < 0)
                return -EIO;
        if (!yaml_document_end_event_initialize(&ev, 1) || !yaml_emitter_emit(em, &ev))
                return -EIO;
        if (!yaml_stream_end_event_initialize(&ev) || !yaml_emitter_emit(em, &ev))
                return -EIO;
        return 0;
}

char *sbx_eval_node_to_yaml(const struct sbx_eval_node *n)
{
        struct sbx_eval_buf b = {0};
        yaml_emitter_t em;
        int r;

        if (!yaml_emitter_initialize(&em))
                return NULL;
        yaml_emitter_set_output(&em, emit_write, &b);
        yaml_emitter_set_unicode(&em, 1);
        yaml_emitter_set_width(&em, 100);
        r = emit_document(&em, n);
        yaml_emitter_delete(&em);
        if (r < 0) {
                sbx_eval_buf_free(&b);
                return NULL;
        }
        return sbx_eval_buf_take(&b);
}
