/* The task file's keys: one handler each, in tables per level. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config_internal.h"
#include "evaluator/dataset.h"
#include "evaluator/openai.h"
#include "evaluator/strutil.h"
#include "policies/policy.h"
#include "util.h"

#define TARGET_CONFIG(t)  ((struct sbx_eval_config *)(t))
#define TARGET_DATASET(t) ((struct sbx_eval_dataset_args *)(t))
#define TARGET_SANDBOX(t) ((struct sbx_eval_sandbox_config *)(t))

/* ---- sandbox_config (ms-enclave keys plus sandboxrt's policy/limits) ------------------------ */

static int push_limit(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                      struct sbx_eval_sandbox_config *sb, const char *kv)
{
        struct sbx_policy probe = {0};
        struct sbx_error *e = NULL;

        if (sbx_policy_override(&probe, kv, &e) < 0) {
                int r = cfg_error(ps, v, path, "%s", e && e->message ? e->message : "bad limit");
                sbx_error_free(e);
                return r;
        }
        if (cfg_strv_push(&sb->limits, kv) < 0)
                return sbx_error_set(ps->err, ENOMEM, "out of memory");
        return 0;
}

static int sb_policy(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_string(ps, v, path, &TARGET_SANDBOX(t)->policy);
}

static int sb_image(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_string(ps, v, path, &TARGET_SANDBOX(t)->image);
}

static int sb_limits(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        char **list = NULL;
        int r = cfg_string_list(ps, v, path, &list);

        for (size_t i = 0; r == 0 && list && list[i]; i++)
                r = push_limit(ps, v, path, TARGET_SANDBOX(t), list[i]);
        cfg_strv_free(list);
        return r;
}

static int sb_memory(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        _cleanup_free_ char *kv = NULL;
        char lower[32];
        size_t n;

        if (v->kind != SBX_EVAL_NODE_SCALAR || (n = strlen(v->text)) == 0 || n >= sizeof(lower))
                return cfg_error(ps, v, path, "expected a size such as \"512m\" or \"4g\"");
        for (size_t i = 0; i <= n; i++)
                lower[i] = (char)tolower((unsigned char)v->text[i]);
        for (size_t i = 0; i < n; i++)
                if (!isdigit((unsigned char)lower[i]) && !(i == n - 1 && strchr("kmg", lower[i])))
                        return cfg_error(ps, v, path,
                                         "expected a size such as \"512m\" or \"4g\", got \"%s\"",
                                         v->text);
        kv = sbx_strdup_printf("memory=%s", lower);
        return kv ? push_limit(ps, v, path, TARGET_SANDBOX(t), kv)
                  : sbx_error_set(ps->err, ENOMEM, "out of memory");
}

static int sb_cpu(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        struct sbx_eval_node plain;
        _cleanup_free_ char *kv = NULL;
        double d;

        /* ms-enclave clients send cpu_limit as a number or as the string "2.0". */
        if (v->kind == SBX_EVAL_NODE_SCALAR) {
                plain = *v;
                plain.quoted = false;
                v = &plain;
        }
        if (sbx_eval_node_double(v, &d) < 0 || d <= 0)
                return cfg_error(ps, v, path, "expected a number of cores such as 1 or 0.5");
        kv = sbx_strdup_printf("cpus=%.3f", d);
        return kv ? push_limit(ps, v, path, TARGET_SANDBOX(t), kv)
                  : sbx_error_set(ps->err, ENOMEM, "out of memory");
}

static int sb_network(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        bool on = false;
        int r = cfg_bool(ps, v, path, &on);

        if (r == 0 && on)
                cfg_warn(ps, v, "%s: ignored: programs run without network in sandboxrt", path);
        return r;
}

static const struct cfg_key sandbox_config_keys[] = {
    {"policy", sb_policy, NULL},
    {"limits", sb_limits, NULL},
    {"memory_limit", sb_memory, NULL},
    {"cpu_limit", sb_cpu, NULL},
    {"network_enabled", sb_network, NULL},
    {"image", sb_image, NULL},
    {"command", NULL, NULL},
    {"working_dir", NULL, NULL},
    {"env_vars", NULL, NULL},
    {"tools_config", NULL, NULL},
    {"volumes", NULL, NULL},
    {"ports", NULL, NULL},
    {"network", NULL, NULL},
    {"extra_hosts", NULL, NULL},
    {"platform", NULL, NULL},
    {"privileged", NULL, NULL},
    {"remove_on_exit", NULL, NULL},
    {"timeout", NULL, NULL},
    {"resource_limits", NULL, NULL},
    {"pull_progress", NULL, NULL},
    {"pull_progress_interval", NULL, NULL},
    {"docker_executor_workers", NULL, NULL},
};

static int read_sandbox_config(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                               struct sbx_eval_sandbox_config *sb)
{
        if (sbx_eval_node_is_null(v))
                return 0;
        return cfg_walk(ps, v, path, sandbox_config_keys, ELEMENTSOF(sandbox_config_keys), sb);
}

/* ---- dataset_args.<name> -------------------------------------------------------------------- */

static int ds_local_path(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                         void *t)
{
        return cfg_string(ps, v, path, &TARGET_DATASET(t)->local_path);
}

static int ds_dataset_id(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                         void *t)
{
        _cleanup_free_ char *id = NULL;
        int r = cfg_string(ps, v, path, &id);

        if (r < 0 || !id)
                return r;
        /* EvalScope takes a hub id or a local path here; sandboxrt only reads local files. */
        if (access(id, R_OK) == 0) {
                if (!TARGET_DATASET(t)->local_path)
                        TARGET_DATASET(t)->local_path = TAKE_PTR(id);
                return 0;
        }
        cfg_warn(ps, v,
                 "%s: '%s' is not a local file; sandboxrt uses the bundled data or local_path",
                 path, id);
        return 0;
}

static int ds_subsets(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_string_list(ps, v, path, &TARGET_DATASET(t)->subset_list);
}

static int ds_few_shot(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        uint64_t n;
        int r = cfg_uint(ps, v, path, 0, 10, &n);

        if (r == 0)
                TARGET_DATASET(t)->few_shot_num = (long long)n;
        return r;
}

static int ds_review_timeout(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                             void *t)
{
        return cfg_seconds(ps, v, path, 3600, &TARGET_DATASET(t)->review_timeout_ms);
}

static int ds_tolerance(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        double d;

        if (sbx_eval_node_double(v, &d) < 0 || d < 0 || d > 1)
                return cfg_error(ps, v, path, "expected a number from 0 to 1, got %s",
                                 sbx_eval_node_describe(v));
        TARGET_DATASET(t)->tolerance = d;
        return 0;
}

/* YYYY-MM-DD, a real date (LiveCodeBench's start_date and end_date). */
static int ep_date(struct cparse *ps, const struct sbx_eval_node *v, const char *path, char **out)
{
        static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
        int r = cfg_string(ps, v, path, out);
        unsigned y, m, d;
        char tail;

        if (r < 0 || !*out)
                return r;
        if (strlen(*out) != 10 || sscanf(*out, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 ||
            (*out)[4] != '-' || (*out)[7] != '-' || m < 1 || m > 12 || d < 1 ||
            d > (unsigned)days[m - 1])
                return cfg_error(ps, v, path, "expected a date as YYYY-MM-DD, got '%s'", *out);
        return 0;
}

static int ep_start(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return ep_date(ps, v, path, &TARGET_DATASET(t)->start_date);
}

static int ep_end(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return ep_date(ps, v, path, &TARGET_DATASET(t)->end_date);
}

static const struct cfg_key extra_params_keys[] = {
    {"start_date", ep_start, NULL},
    {"end_date", ep_end, NULL},
    {"debug", NULL, NULL},
};

static int ds_extra_params(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                           void *t)
{
        if (sbx_eval_node_is_null(v))
                return 0;
        return cfg_walk(ps, v, path, extra_params_keys, ELEMENTSOF(extra_params_keys), t);
}

static int ds_prompt(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        int r = cfg_string(ps, v, path, &TARGET_DATASET(t)->prompt_template);

        if (r == 0 && TARGET_DATASET(t)->prompt_template &&
            !strstr(TARGET_DATASET(t)->prompt_template, "{question}"))
                cfg_warn(ps, v, "%s: has no {question} placeholder: the problem is not shown",
                         path);
        return r;
}

static int ds_system(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_string(ps, v, path, &TARGET_DATASET(t)->system_prompt);
}

static int ds_sandbox(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return read_sandbox_config(ps, v, path, &TARGET_DATASET(t)->sandbox);
}

static const struct cfg_key dataset_keys[] = {
    {"local_path", ds_local_path, NULL},
    {"dataset_id", ds_dataset_id, NULL},
    {"subset_list", ds_subsets, NULL},
    {"few_shot_num", ds_few_shot, NULL},
    {"review_timeout", ds_review_timeout, NULL},
    {"tolerance", ds_tolerance, NULL},
    {"prompt_template", ds_prompt, NULL},
    {"system_prompt", ds_system, NULL},
    {"sandbox_config", ds_sandbox, NULL},
    {"few_shot_random", NULL, NULL},
    {"metric_list", NULL, NULL},
    {"filters", NULL, NULL},
    {"eval_split", NULL, "test"},
    {"train_split", NULL, NULL},
    {"query_template", NULL, NULL},
    {"extra_params", ds_extra_params, NULL},
    {"aggregation", NULL, NULL},
    {"shuffle", NULL, NULL},
    {"shuffle_choices", NULL, NULL},
    {"force_redownload", NULL, NULL},
    {"model_adapter", NULL, NULL},
    {"output_types", NULL, NULL},
    {"pretty_name", NULL, NULL},
    {"description", NULL, NULL},
    {"tags", NULL, NULL},
    {"default_subset", NULL, NULL},
    {"review_config", NULL, NULL},
};

struct sbx_eval_dataset_args *cfg_dataset_args_add(struct sbx_eval_config *c, const char *name)
{
        struct sbx_eval_dataset_args *a;

        for (size_t i = 0; i < c->n_dataset_args; i++)
                if (!strcmp(c->dataset_args[i].name, name))
                        return &c->dataset_args[i];
        a = realloc(c->dataset_args, (c->n_dataset_args + 1) * sizeof(*a));
        if (!a)
                return NULL;
        c->dataset_args = a;
        a = &a[c->n_dataset_args];
        *a = (struct sbx_eval_dataset_args){
            .few_shot_num = -1, .tolerance = -1, .name = strdup(name)};
        if (!a->name)
                return NULL;
        c->n_dataset_args++;
        return a;
}

/* The benchmark whose name is nearest to name, a typo's, or NULL. */
static const char *nearest_benchmark(const char *name)
{
        const char *known[16];
        size_t n = 0;

        for (const struct sbx_eval_benchmark *b;
             n < ELEMENTSOF(known) && (b = sbx_eval_benchmark_at(n)); n++)
                known[n] = b->name;
        return sbx_eval_nearest(name, known, n);
}

static int h_dataset_args(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                          void *t)
{
        if (sbx_eval_node_is_null(v))
                return 0;
        if (v->kind != SBX_EVAL_NODE_MAP)
                return cfg_error(ps, v, path, "expected a mapping of benchmark names, got %s",
                                 sbx_eval_node_describe(v));
        for (size_t i = 0; i < v->n; i++) {
                _cleanup_free_ char *sub = sbx_strdup_printf("%s.%s", path, v->keys[i]);
                struct sbx_eval_dataset_args *a;
                /* Task files carry args for benchmarks sandboxrt does not run: skip those, but
                 * not silently when the name is a typo of one it runs. */
                if (!sbx_eval_benchmark_find(v->keys[i])) {
                        const char *near = nearest_benchmark(v->keys[i]);
                        if (near)
                                cfg_warn(ps, v->items[i],
                                         "%s: sandboxrt runs no benchmark of that name: its args "
                                         "are ignored (did you mean '%s'?)",
                                         sub ? sub : path, near);
                        continue;
                }
                if (!sub || !(a = cfg_dataset_args_add(TARGET_CONFIG(t), v->keys[i])))
                        return sbx_error_set(ps->err, ENOMEM, "out of memory");
                if (sbx_eval_node_is_null(v->items[i]))
                        continue;
                int r = cfg_walk(ps, v->items[i], sub, dataset_keys, ELEMENTSOF(dataset_keys), a);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* ---- top level ------------------------------------------------------------------------------ */

#define STRING_KEY(fn, member)                                                                     \
        static int fn(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t) \
        {                                                                                          \
                return cfg_string(ps, v, path, &TARGET_CONFIG(t)->member);                         \
        }
#define BOOL_KEY(fn, member)                                                                       \
        static int fn(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t) \
        {                                                                                          \
                return cfg_bool(ps, v, path, &TARGET_CONFIG(t)->member);                           \
        }

STRING_KEY(h_model, model)
STRING_KEY(h_api_url, api_url)
STRING_KEY(h_work_dir, work_dir)
STRING_KEY(h_use_cache, use_cache)
STRING_KEY(h_samples, samples_path)
STRING_KEY(h_remote_key, remote_api_key)
BOOL_KEY(h_no_timestamp, no_timestamp)
BOOL_KEY(h_rerun_review, rerun_review)
BOOL_KEY(h_ignore_errors, ignore_errors)
BOOL_KEY(h_all_tests, all_tests)
BOOL_KEY(h_sandbox_enabled, sandbox_enabled)

static int h_api_key(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_string(ps, v, path, &ps->api_key_raw);
}

static int h_eval_type(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_string(ps, v, path, &ps->eval_type);
}

int cfg_check_datasets(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                       char *const *names)
{
        struct sbx_eval_buf list = {0};
        const struct sbx_eval_benchmark *b;

        for (size_t n = 0; (b = sbx_eval_benchmark_at(n)); n++)
                sbx_eval_buf_printf(&list, "%s%s", n ? ", " : "", b->name);
        for (size_t i = 0; names && names[i]; i++) {
                if (sbx_eval_benchmark_find(names[i]))
                        continue;
                const char *near = nearest_benchmark(names[i]);
                int r = cfg_error(ps, v, path, "unknown benchmark '%s'%s%s%s (sandboxrt runs: %s)",
                                  names[i], near ? " (did you mean '" : "", near ? near : "",
                                  near ? "'?)" : "", list.data ? list.data : "");
                sbx_eval_buf_free(&list);
                return r;
        }
        sbx_eval_buf_free(&list);
        return 0;
}

static int h_datasets(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        int r = cfg_string_list(ps, v, path, &TARGET_CONFIG(t)->datasets);

        return r < 0 ? r : cfg_check_datasets(ps, v, path, TARGET_CONFIG(t)->datasets);
}

static int h_batch(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_u32(ps, v, path, 1, 4096, &TARGET_CONFIG(t)->eval_batch_size);
}

static int h_repeats(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_u32(ps, v, path, 1, 100000, &TARGET_CONFIG(t)->repeats);
}

static int h_jobs(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_u32(ps, v, path, 1, 4096, &TARGET_CONFIG(t)->jobs);
}

static int h_judge_jobs(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_u32(ps, v, path, 1, 4096, &ps->judge_jobs);
}

static int h_retries(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_u32(ps, v, path, 0, 100, &TARGET_CONFIG(t)->max_retries);
}

static int h_seed(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        return cfg_uint(ps, v, path, 0, UINT32_MAX, &TARGET_CONFIG(t)->seed);
}

static int h_timeout(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        if (sbx_eval_node_is_null(v))
                return 0;
        return cfg_seconds(ps, v, path, 86400, &TARGET_CONFIG(t)->timeout_ms);
}

int cfg_parse_limit(const char *text, bool *is_fraction, uint64_t *n, double *fraction)
{
        char *end = NULL;

        if (!text || !*text)
                return -EINVAL;
        if (!strpbrk(text, ".eE")) {
                *is_fraction = false;
                /* 0 would evaluate nothing: a mistake, not a request */
                return sbx_parse_u64(text, n) < 0 || *n == 0 ? -EINVAL : 0;
        }
        errno = 0;
        double d = strtod(text, &end);
        if (errno || *end || !(d > 0) || d > 1)
                return -EINVAL;
        *is_fraction = true;
        *fraction = d;
        return 0;
}

static int h_limit(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        struct sbx_eval_config *c = TARGET_CONFIG(t);

        if (sbx_eval_node_is_null(v)) {
                c->limit_set = false;
                return 0;
        }
        if (v->kind != SBX_EVAL_NODE_SCALAR || v->quoted ||
            cfg_parse_limit(v->text, &c->limit_is_fraction, &c->limit_n, &c->limit_fraction) < 0)
                return cfg_error(ps, v, path,
                                 "expected a number of samples from 1 (e.g. 10) or a fraction in "
                                 "(0, 1] (e.g. 0.5), got %s%s%s%s",
                                 sbx_eval_node_describe(v),
                                 v->kind == SBX_EVAL_NODE_SCALAR ? " '" : "",
                                 v->kind == SBX_EVAL_NODE_SCALAR ? v->text : "",
                                 v->kind == SBX_EVAL_NODE_SCALAR ? "'" : "");
        c->limit_set = true;
        return 0;
}

/* extra_headers: a mapping of header names (no separators, spaces or controls) to one-line
 * values, each sent as a line of the request's head. */
static int check_headers(struct cparse *ps, const struct sbx_eval_node *v, const char *at)
{
        if (v->kind != SBX_EVAL_NODE_MAP)
                return cfg_error(ps, v, at, "expected a mapping, got %s",
                                 sbx_eval_node_describe(v));
        for (size_t i = 0; i < v->n; i++) {
                const char *name = v->keys[i], *value = v->items[i]->text;
                bool token = *name != '\0';
                for (const char *c = name; *c; c++)
                        token &= *c > ' ' && *c < 127 && !strchr(":()<>@,;\\\"/[]?={}", *c);
                if (!token)
                        return cfg_error(ps, v->items[i], at, "'%.64s' is not a header name", name);
                if (v->items[i]->kind != SBX_EVAL_NODE_SCALAR || strpbrk(value, "\r\n"))
                        return cfg_error(ps, v->items[i], at,
                                         "%.64s: expected a value of one line, got %s", name,
                                         sbx_eval_node_describe(v->items[i]));
        }
        return 0;
}

/* One key of generation_config, as EvalScope's client uses it (openai.h: sbx_eval_gen_use):
 * the client's settings apply here, what it sends another way must have its shape, and what
 * it never sends gets a warning. */
static int generation_key(struct cparse *ps, const char *key, const struct sbx_eval_node *v,
                          const char *path, struct sbx_eval_config *c)
{
        _cleanup_free_ char *sub = sbx_strdup_printf("%s.%s", path, key);
        const char *at = sub ? sub : path;

        if (sbx_eval_node_is_null(v))
                return 0;
        if (!strcmp(key, "n"))
                return cfg_u32(ps, v, at, 1, 1000, &c->choices_per_request);
        if (!strcmp(key, "timeout"))
                return cfg_seconds(ps, v, at, 86400, &c->timeout_ms);
        if (!strcmp(key, "retries"))
                return cfg_u32(ps, v, at, 0, 100, &c->max_retries);
        if (!strcmp(key, "retry_interval"))
                return cfg_seconds(ps, v, at, 3600, &c->retry_interval_ms);
        if (!strcmp(key, "batch_size")) {
                cfg_warn(ps, v,
                         "%s: not sent; the requests in flight are eval_batch_size's (EvalScope's "
                         "TaskConfig key)",
                         at);
                return 0;
        }
        switch (sbx_eval_openai_gen_use(key)) {
        case SBX_EVAL_GEN_HEADERS:
                return check_headers(ps, v, at);
        case SBX_EVAL_GEN_MERGED:
        case SBX_EVAL_GEN_QUERY:
        case SBX_EVAL_GEN_RENAMED:
                if (!strcmp(key, "stop_seqs") || v->kind == SBX_EVAL_NODE_MAP)
                        return 0;
                return cfg_error(ps, v, at, "expected a mapping, got %s",
                                 sbx_eval_node_describe(v));
        case SBX_EVAL_GEN_UNSENT:
                cfg_warn(ps, v,
                         "%s: has no effect with an OpenAI-compatible API (EvalScope does not "
                         "send it either)",
                         at);
                return 0;
        default:
                return 0;
        }
}

static int h_generation(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        struct sbx_eval_config *c = TARGET_CONFIG(t);

        if (sbx_eval_node_is_null(v))
                return 0;
        if (v->kind != SBX_EVAL_NODE_MAP)
                return cfg_error(ps, v, path, "expected a mapping, got %s",
                                 sbx_eval_node_describe(v));
        for (size_t i = 0; i < v->n; i++) {
                int r = generation_key(ps, v->keys[i], v->items[i], path, c);
                if (r < 0)
                        return r;
        }
        sbx_eval_node_free(c->generation_config);
        c->generation_config = sbx_eval_node_dup(v);
        return c->generation_config ? 0 : sbx_error_set(ps->err, ENOMEM, "out of memory");
}

static int h_backend(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        static const char *const names[] = {"auto", "native", "docker", "remote"};
        struct sbx_eval_config *c = TARGET_CONFIG(t);
        int r = cfg_string(ps, v, path, &c->backend);

        for (size_t i = 0; r == 0 && c->backend && i < ELEMENTSOF(names); i++)
                if (!strcmp(c->backend, names[i]))
                        return 0;
        if (r == 0 && c->backend)
                return cfg_error(ps, v, path,
                                 "unknown backend '%s' (use auto, native, docker or remote)",
                                 c->backend);
        return r;
}

/* One server's URL, or a list of them: a fleet the jobs are spread over. */
static int h_remote_urls(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                         void *t)
{
        return cfg_string_list(ps, v, path, &TARGET_CONFIG(t)->remote_urls);
}

static const struct cfg_key manager_keys[] = {
    {"base_url", h_remote_urls, NULL},
    {"api_key", h_remote_key, NULL},
    {"timeout", NULL, NULL},
    {"max_retries", NULL, NULL},
};

static int h_manager(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        if (sbx_eval_node_is_null(v))
                return 0;
        return cfg_walk(ps, v, path, manager_keys, ELEMENTSOF(manager_keys), t);
}

static int h_default_config(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                            void *t)
{
        return read_sandbox_config(ps, v, path, &TARGET_CONFIG(t)->sandbox_default);
}

/* EvalScope's sandbox engine: "docker" selects the Docker backend (unless backend says
 * otherwise); sandboxrt has no other engine of EvalScope's. */
static int h_engine(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        free(ps->engine);
        ps->engine = NULL;
        int r = cfg_string(ps, v, path, &ps->engine);

        if (r == 0 && ps->engine && strcmp(ps->engine, "docker"))
                cfg_warn(ps, v,
                         "%s: '%s' is not an engine sandboxrt has (docker is): the backend is "
                         "chosen as if it were not set",
                         path, ps->engine);
        return r;
}

static const struct cfg_key sandbox_keys[] = {
    {"enabled", h_sandbox_enabled, NULL},
    {"engine", h_engine, NULL},
    {"default_config", h_default_config, NULL},
    {"manager_config", h_manager, NULL},
    {"pool_size", h_jobs, NULL},
};

static int h_sandbox(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *t)
{
        if (sbx_eval_node_is_null(v))
                return 0;
        return cfg_walk(ps, v, path, sandbox_keys, ELEMENTSOF(sandbox_keys), t);
}

static const struct cfg_key top_keys[] = {
    {"model", h_model, NULL},
    {"datasets", h_datasets, NULL},
    {"dataset_args", h_dataset_args, NULL},
    {"api_url", h_api_url, NULL},
    {"api_key", h_api_key, NULL},
    {"eval_type", h_eval_type, NULL},
    {"eval_batch_size", h_batch, NULL},
    {"limit", h_limit, NULL},
    {"repeats", h_repeats, NULL},
    {"generation_config", h_generation, NULL},
    {"timeout", h_timeout, NULL},
    {"work_dir", h_work_dir, NULL},
    {"no_timestamp", h_no_timestamp, NULL},
    {"use_cache", h_use_cache, NULL},
    {"rerun_review", h_rerun_review, NULL},
    {"ignore_errors", h_ignore_errors, NULL},
    {"seed", h_seed, NULL},
    {"sandbox", h_sandbox, NULL},
    {"use_sandbox", h_sandbox_enabled, NULL},
    {"sandbox_type", h_engine, NULL},
    {"sandbox_manager_config", h_manager, NULL},
    /* sandboxrt's own keys */
    {"samples", h_samples, NULL},
    {"backend", h_backend, NULL},
    {"jobs", h_jobs, NULL},
    {"all_tests", h_all_tests, NULL},
    {"max_retries", h_retries, NULL},
    /* EvalScope keys with no effect here */
    {"model_id", NULL, NULL},
    {"model_args", NULL, NULL},
    {"model_task", NULL, "text_generation"},
    {"template_type", NULL, NULL},
    {"chat_template", NULL, NULL},
    {"eval_backend", NULL, "Native"},
    {"eval_config", NULL, NULL},
    {"stage", NULL, "all"},
    {"dataset_dir", NULL, NULL},
    {"dataset_hub", NULL, "modelscope"},
    {"mem_cache", NULL, NULL},
    {"debug", NULL, NULL},
    {"dry_run", NULL, NULL},
    {"stream", NULL, NULL},
    {"judge_strategy", NULL, "auto"},
    {"judge_worker_num", h_judge_jobs, NULL},
    {"judge_model_args", NULL, NULL},
    {"analysis_report", NULL, NULL},
    {"enable_progress_tracker", NULL, NULL},
};

int cfg_read_task(struct cparse *ps, const struct sbx_eval_node *root)
{
        if (!root)
                return 0;
        if (root->kind != SBX_EVAL_NODE_MAP)
                return sbx_error_set(ps->err, EINVAL,
                                     "%s: a task file is a mapping of TaskConfig keys, got %s",
                                     ps->file, sbx_eval_node_describe(root));
        return cfg_walk(ps, root, "", top_keys, ELEMENTSOF(top_keys), ps->c);
}
