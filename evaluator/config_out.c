/* The resolved config: per-dataset lookups, sandbox merging, YAML with secrets masked. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config_internal.h"
#include "evaluator/judge.h"
#include "evaluator/strutil.h"
#include "util.h"

const struct sbx_eval_dataset_args *sbx_eval_config_dataset_args(const struct sbx_eval_config *c,
                                                                 const char *name)
{
        static const struct sbx_eval_dataset_args empty = {.few_shot_num = -1,
                                                           .tolerance = SBX_EVAL_DEFAULT_TOLERANCE};

        for (size_t i = 0; i < c->n_dataset_args; i++)
                if (!strcmp(c->dataset_args[i].name, name))
                        return &c->dataset_args[i];
        return &empty;
}

void sbx_eval_sandbox_config_release(struct sbx_eval_sandbox_config *s)
{
        free(s->policy);
        free(s->image);
        s->policy = s->image = NULL;
        s->limits = cfg_strv_free(s->limits);
}

static int merge_one(struct sbx_eval_sandbox_config *out, const struct sbx_eval_sandbox_config *in)
{
        if (in->policy) {
                free(out->policy);
                if (!(out->policy = strdup(in->policy)))
                        return -ENOMEM;
        }
        for (size_t i = 0; in->limits && in->limits[i]; i++)
                if (cfg_strv_push(&out->limits, in->limits[i]) < 0)
                        return -ENOMEM;
        return 0;
}

int sbx_eval_config_sandbox(const struct sbx_eval_config *c, const char *dataset,
                            uint64_t default_timeout_ms, struct sbx_eval_sandbox_config *out,
                            struct sbx_error **err)
{
        const struct sbx_eval_dataset_args *a = sbx_eval_config_dataset_args(c, dataset);
        _cleanup_free_ char *wall = NULL, *cpu = NULL, *output = NULL;
        uint64_t ms = a->review_timeout_ms ? a->review_timeout_ms : default_timeout_ms;
        const char *image = a->sandbox.image ? a->sandbox.image : c->sandbox_default.image;

        *out = (struct sbx_eval_sandbox_config){0};
        /* Later overrides win in the runtime, so this order is the merge order. review_timeout
         * is CPU time (a busy machine does not fail a correct program); the wall clock gets a
         * multiple of it, for the time a loaded machine does not give. */
        cpu = sbx_strdup_printf("cpu=%llums", (unsigned long long)ms);
        wall = sbx_strdup_printf("wall=%llums", (unsigned long long)ms * SBX_EVAL_WALL_FACTOR);
        output = strdup("output=" SBX_EVAL_OUTPUT_CAP);
        if (!wall || !cpu || !output || cfg_strv_push(&out->limits, wall) < 0 ||
            cfg_strv_push(&out->limits, cpu) < 0 || cfg_strv_push(&out->limits, output) < 0 ||
            merge_one(out, &c->sandbox_default) < 0 || merge_one(out, &a->sandbox) < 0 ||
            (image && !(out->image = strdup(image)))) {
                sbx_eval_sandbox_config_release(out);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        return 0;
}

char *sbx_eval_config_model_dirname(const struct sbx_eval_config *c)
{
        char *s = strdup(c->model && *c->model ? c->model : "model");

        for (char *p = s; p && *p; p++)
                if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                      (*p >= '0' && *p <= '9') || *p == '-' || *p == '_' || *p == '.'))
                        *p = '_';
        if (s && (!strcmp(s, ".") || !strcmp(s, "..")))
                s[0] = '_';
        return s;
}

/* ---- YAML out ------------------------------------------------------------------------------- */

struct yb {
        struct sbx_eval_node *map;
        bool failed;
};

static void put(struct yb *y, const char *key, struct sbx_eval_node *v)
{
        if (!v || sbx_eval_node_map_set(y->map, key, v) < 0)
                y->failed = true;
}

static void put_str(struct yb *y, const char *key, const char *s)
{
        if (s)
                put(y, key, sbx_eval_node_new_string(s));
}

static void put_int(struct yb *y, const char *key, unsigned long long v)
{
        char num[32];

        snprintf(num, sizeof(num), "%llu", v);
        put(y, key, sbx_eval_node_new_plain(num));
}

static void put_real(struct yb *y, const char *key, double v)
{
        char num[64];

        snprintf(num, sizeof(num), "%g", v);
        put(y, key, sbx_eval_node_new_plain(num));
}

static void put_bool(struct yb *y, const char *key, bool v)
{
        put(y, key, sbx_eval_node_new_plain(v ? "true" : "false"));
}

static struct sbx_eval_node *strv_node(char *const *v)
{
        struct sbx_eval_node *seq = sbx_eval_node_new(SBX_EVAL_NODE_SEQ);

        for (size_t i = 0; seq && v && v[i]; i++)
                if (sbx_eval_node_seq_push(seq, sbx_eval_node_new_string(v[i])) < 0)
                        return sbx_eval_node_free(seq);
        return seq;
}

static struct sbx_eval_node *sandbox_node(const struct sbx_eval_sandbox_config *s)
{
        struct yb y = {.map = sbx_eval_node_new(SBX_EVAL_NODE_MAP)};

        if (!y.map)
                return NULL;
        put_str(&y, "policy", s->policy);
        put_str(&y, "image", s->image);
        if (s->limits)
                put(&y, "limits", strv_node(s->limits));
        return y.failed ? sbx_eval_node_free(y.map) : y.map;
}

static struct sbx_eval_node *dataset_node(const struct sbx_eval_dataset_args *a)
{
        struct yb y = {.map = sbx_eval_node_new(SBX_EVAL_NODE_MAP)};

        if (!y.map)
                return NULL;
        put_str(&y, "local_path", a->local_path);
        if (a->subset_list)
                put(&y, "subset_list", strv_node(a->subset_list));
        if (a->few_shot_num >= 0)
                put_int(&y, "few_shot_num", (unsigned long long)a->few_shot_num);
        if (a->review_timeout_ms)
                put_real(&y, "review_timeout", (double)a->review_timeout_ms / 1000.0);
        if (a->tolerance >= 0)
                put_real(&y, "tolerance", a->tolerance);
        if (a->start_date || a->end_date) {
                struct yb ep = {.map = sbx_eval_node_new(SBX_EVAL_NODE_MAP)};
                if (!ep.map)
                        y.failed = true;
                put_str(&ep, "start_date", a->start_date);
                put_str(&ep, "end_date", a->end_date);
                y.failed |= ep.failed;
                put(&y, "extra_params", ep.map);
        }
        put_str(&y, "prompt_template", a->prompt_template);
        put_str(&y, "system_prompt", a->system_prompt);
        if (a->sandbox.policy || a->sandbox.limits || a->sandbox.image)
                put(&y, "sandbox_config", sandbox_node(&a->sandbox));
        return y.failed ? sbx_eval_node_free(y.map) : y.map;
}

static void put_model(struct yb *y, const struct sbx_eval_config *c)
{
        put_str(y, "model", c->model);
        put_str(y, "eval_type", sbx_eval_model_kind_to_string(c->model_kind));
        put_str(y, "samples", c->samples_path);
        if (c->model_kind == SBX_EVAL_MODEL_OPENAI) {
                put_str(y, "api_url", c->api_url);
                if (c->api_key)
                        put_str(y, "api_key", "***");
                put_real(y, "timeout", (double)c->timeout_ms / 1000.0);
                put_int(y, "max_retries", (unsigned long long)c->max_retries);
                if (c->generation_config)
                        put(y, "generation_config", sbx_eval_node_dup(c->generation_config));
        }
}

static void put_datasets(struct yb *y, const struct sbx_eval_config *c)
{
        struct yb args = {.map = sbx_eval_node_new(SBX_EVAL_NODE_MAP)};

        put(y, "datasets", strv_node(c->datasets));
        if (!args.map) {
                y->failed = true;
                return;
        }
        for (size_t i = 0; i < c->n_dataset_args; i++)
                put(&args, c->dataset_args[i].name, dataset_node(&c->dataset_args[i]));
        if (args.failed)
                y->failed = true;
        put(y, "dataset_args", args.map);
}

static void put_sandbox(struct yb *y, const struct sbx_eval_config *c)
{
        struct yb sb = {.map = sbx_eval_node_new(SBX_EVAL_NODE_MAP)};
        struct yb mc = {.map = sbx_eval_node_new(SBX_EVAL_NODE_MAP)};

        if (!sb.map || !mc.map) {
                sbx_eval_node_free(sb.map);
                sbx_eval_node_free(mc.map);
                y->failed = true;
                return;
        }
        put_bool(&sb, "enabled", true);
        put(&sb, "default_config", sandbox_node(&c->sandbox_default));
        if (c->remote_urls && c->remote_urls[0] && !c->remote_urls[1])
                put_str(&mc, "base_url", c->remote_urls[0]);
        else if (c->remote_urls)
                put(&mc, "base_url", strv_node(c->remote_urls));
        if (c->remote_api_key)
                put_str(&mc, "api_key", "***");
        put(&sb, "manager_config", mc.map);
        if (c->jobs)
                put_int(&sb, "pool_size", (unsigned long long)c->jobs);
        y->failed |= sb.failed || mc.failed;
        put(y, "sandbox", sb.map);
}

char *sbx_eval_config_to_yaml(const struct sbx_eval_config *c)
{
        struct yb y = {.map = sbx_eval_node_new(SBX_EVAL_NODE_MAP)};
        char *text = NULL;

        if (!y.map)
                return NULL;
        put_model(&y, c);
        put_datasets(&y, c);
        put_int(&y, "eval_batch_size", (unsigned long long)c->eval_batch_size);
        put_int(&y, "repeats", (unsigned long long)c->repeats);
        if (c->limit_set && c->limit_is_fraction)
                put_real(&y, "limit", c->limit_fraction);
        else if (c->limit_set)
                put_int(&y, "limit", (unsigned long long)c->limit_n);
        put_str(&y, "work_dir", c->work_dir);
        put_bool(&y, "no_timestamp", c->no_timestamp);
        put_str(&y, "use_cache", c->use_cache);
        put_bool(&y, "rerun_review", c->rerun_review);
        put_bool(&y, "ignore_errors", c->ignore_errors);
        put_int(&y, "seed", (unsigned long long)c->seed);
        put_str(&y, "backend", c->backend);
        put_bool(&y, "all_tests", c->all_tests);
        put_sandbox(&y, c);
        if (!y.failed)
                text = sbx_eval_node_to_yaml(y.map);
        sbx_eval_node_free(y.map);
        return text;
}
