/* Task file -> struct sbx_eval_config. Each key has a handler; a handler reads its node with
 * the typed readers below so every error names the key path and the line. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "evaluator/config.h"
#include "evaluator/config_internal.h"
#include "evaluator/dataset.h"
#include "evaluator/node.h"
#include "evaluator/strutil.h"
#include "policies/policy.h"
#include "util.h"

static const char *const model_kind_names[_SBX_EVAL_MODEL_MAX] = {
    [SBX_EVAL_MODEL_REFERENCE] = "reference",
    [SBX_EVAL_MODEL_SAMPLES] = "samples",
    [SBX_EVAL_MODEL_OPENAI] = "openai_api",
};

const char *sbx_eval_model_kind_to_string(enum sbx_eval_model_kind k)
{
        return (unsigned)k < _SBX_EVAL_MODEL_MAX ? model_kind_names[k] : NULL;
}

int sbx_eval_model_kind_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_EVAL_MODEL_MAX; i++)
                if (!strcmp(model_kind_names[i], s))
                        return i;
        return -EINVAL;
}

/* ---- errors and warnings -------------------------------------------------------------------- */

int cfg_error(struct cparse *ps, const struct sbx_eval_node *at, const char *path, const char *fmt,
              ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (at && at->line)
                return sbx_error_set(ps->err, EINVAL, "%s:%u: %s: %s", ps->file, at->line, path,
                                     msg ? msg : "invalid");
        return sbx_error_set(ps->err, EINVAL, "%s: %s: %s", ps->file, path, msg ? msg : "invalid");
}

void cfg_warn(struct cparse *ps, const struct sbx_eval_node *at, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL, *line = NULL;
        va_list ap;
        size_t n = 0;

        va_start(ap, fmt);
        msg = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (!msg)
                return;
        if (at && at->line)
                line = sbx_strdup_printf("%s:%u: %s", ps->file, at->line, msg);
        else
                line = sbx_strdup_printf("%s: %s", ps->file, msg);
        if (!line)
                return;
        while (ps->c->warnings && ps->c->warnings[n])
                n++;
        char **w = realloc(ps->c->warnings, (n + 2) * sizeof(*w));
        if (!w)
                return;
        w[n] = TAKE_PTR(line);
        w[n + 1] = NULL;
        ps->c->warnings = w;
}

void cfg_unknown_key(struct cparse *ps, const struct sbx_eval_node *at, const char *path,
                     const char *key, const char *const *known, size_t n_known)
{
        const char *near = sbx_eval_nearest(key, known, n_known);

        if (near)
                cfg_warn(ps, at, "unknown key '%s%s%s' ignored (did you mean '%s'?)", path,
                         *path ? "." : "", key, near);
        else
                cfg_warn(ps, at, "unknown key '%s%s%s' ignored", path, *path ? "." : "", key);
}

/* ---- typed readers -------------------------------------------------------------------------- */

int cfg_string(struct cparse *ps, const struct sbx_eval_node *v, const char *path, char **out)
{
        if (sbx_eval_node_is_null(v)) {
                free(*out);
                *out = NULL;
                return 0;
        }
        if (v->kind != SBX_EVAL_NODE_SCALAR)
                return cfg_error(ps, v, path, "expected a string, got %s",
                                 sbx_eval_node_describe(v));
        char *s = strdup(v->text);
        if (!s)
                return sbx_error_set(ps->err, ENOMEM, "out of memory");
        free(*out);
        *out = s;
        return 0;
}

int cfg_bool(struct cparse *ps, const struct sbx_eval_node *v, const char *path, bool *out)
{
        if (sbx_eval_node_bool(v, out) < 0)
                return cfg_error(ps, v, path, "expected true or false, got %s",
                                 sbx_eval_node_describe(v));
        return 0;
}

int cfg_uint(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
             unsigned long long lo, unsigned long long hi, uint64_t *out)
{
        long long x;

        if (sbx_eval_node_int(v, &x) < 0)
                return cfg_error(ps, v, path, "expected a whole number, got %s",
                                 sbx_eval_node_describe(v));
        if (x < 0 || (unsigned long long)x < lo || (unsigned long long)x > hi)
                return cfg_error(ps, v, path, "%lld is out of range (%llu to %llu)", x, lo, hi);
        *out = (uint64_t)x;
        return 0;
}

int cfg_u32(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
            unsigned long long lo, unsigned long long hi, uint32_t *out)
{
        uint64_t x = 0;
        int r = cfg_uint(ps, v, path, lo, hi, &x);

        if (r == 0)
                *out = (uint32_t)x;
        return r;
}

/* Seconds (integer or decimal) as milliseconds, in (0, max_s]. */
int cfg_seconds(struct cparse *ps, const struct sbx_eval_node *v, const char *path, double max_s,
                uint64_t *out_ms)
{
        double s;

        if (sbx_eval_node_double(v, &s) < 0)
                return cfg_error(ps, v, path, "expected a number of seconds, got %s",
                                 sbx_eval_node_describe(v));
        if (!(s > 0) || s > max_s)
                return cfg_error(ps, v, path,
                                 "%s seconds is out of range (more than 0, at most %g)", v->text,
                                 max_s);
        *out_ms = (uint64_t)llround(s * 1000.0);
        if (*out_ms == 0)
                *out_ms = 1;
        return 0;
}

/* A list of strings; a single string is a list of one. */
int cfg_string_list(struct cparse *ps, const struct sbx_eval_node *v, const char *path, char ***out)
{
        size_t n = 0;
        char **list;

        if (sbx_eval_node_is_null(v))
                return 0;
        if (v->kind == SBX_EVAL_NODE_MAP)
                return cfg_error(ps, v, path, "expected a list of strings, got a mapping");
        n = v->kind == SBX_EVAL_NODE_SEQ ? v->n : 1;
        list = calloc(n + 1, sizeof(*list));
        if (!list)
                return sbx_error_set(ps->err, ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                const struct sbx_eval_node *item = v->kind == SBX_EVAL_NODE_SEQ ? v->items[i] : v;
                if (item->kind != SBX_EVAL_NODE_SCALAR) {
                        cfg_strv_free(list);
                        return cfg_error(ps, item, path, "item %zu: expected a string, got %s",
                                         i + 1, sbx_eval_node_describe(item));
                }
                list[i] = strdup(item->text);
                if (!list[i]) {
                        cfg_strv_free(list);
                        return sbx_error_set(ps->err, ENOMEM, "out of memory");
                }
        }
        cfg_strv_free(*out);
        *out = list;
        return 0;
}

char **cfg_strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
        return NULL;
}

int cfg_strv_push(char ***v, const char *s)
{
        size_t n = 0;
        char *copy = strdup(s);

        while (*v && (*v)[n])
                n++;
        char **nv = copy ? realloc(*v, (n + 2) * sizeof(*nv)) : NULL;
        if (!nv) {
                free(copy);
                return -ENOMEM;
        }
        nv[n] = copy;
        nv[n + 1] = NULL;
        *v = nv;
        return 0;
}

/* Walk a mapping with a handler table; unknown keys warn, "ignored" keys are accepted. */
/* A known key without effect here: say so, unless its value asks for nothing. */
static void cfg_ignored(struct cparse *ps, const struct cfg_key *k, const struct sbx_eval_node *v,
                        const char *path)
{
        bool off = false;

        if (sbx_eval_node_is_null(v) || (sbx_eval_node_bool(v, &off) == 0 && !off))
                return;
        if (k->quiet_value && v->kind == SBX_EVAL_NODE_SCALAR &&
            !strcasecmp(v->text, k->quiet_value))
                return;
        cfg_warn(ps, v, "%s has no effect in sandboxrt: ignored", path);
}

int cfg_walk(struct cparse *ps, const struct sbx_eval_node *map, const char *path,
             const struct cfg_key *keys, size_t n_keys, void *target)
{
        const char *names[96];
        size_t n_names = n_keys < ELEMENTSOF(names) ? n_keys : ELEMENTSOF(names);

        if (map->kind != SBX_EVAL_NODE_MAP)
                return cfg_error(ps, map, *path ? path : "task", "expected a mapping, got %s",
                                 sbx_eval_node_describe(map));
        for (size_t i = 0; i < n_names; i++)
                names[i] = keys[i].name;
        for (size_t i = 0; i < map->n; i++) {
                const struct cfg_key *k = NULL;
                _cleanup_free_ char *sub = NULL;
                for (size_t j = 0; j < n_keys && !k; j++)
                        if (!strcmp(keys[j].name, map->keys[i]))
                                k = &keys[j];
                if (!k) {
                        cfg_unknown_key(ps, map->items[i], path, map->keys[i], names, n_names);
                        continue;
                }
                sub = *path ? sbx_strdup_printf("%s.%s", path, map->keys[i]) : strdup(map->keys[i]);
                if (!sub)
                        return sbx_error_set(ps->err, ENOMEM, "out of memory");
                if (!k->fn) {
                        cfg_ignored(ps, k, map->items[i], sub);
                        continue;
                }
                int r = k->fn(ps, map->items[i], sub, target);
                if (r < 0)
                        return r;
        }
        return 0;
}
