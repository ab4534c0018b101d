/* After the walk: defaults, CLI overrides, which model kind, the API key; the resolved config
 * back out as YAML with secrets masked. */
#include <ctype.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config_internal.h"
#include "evaluator/dataset.h"
#include "evaluator/judge.h"
#include "evaluator/multilang.h"
#include "evaluator/strutil.h"
#include "util.h"

#define DOTENV_MAX_BYTES ((size_t)64 << 10)
#define TASK_MAX_BYTES   ((size_t)4 << 20)

static void config_defaults(struct sbx_eval_config *c)
{
        c->eval_batch_size = 1;
        c->repeats = 1;
        c->choices_per_request = 1;
        c->timeout_ms = 600000;
        c->max_retries = 5;
        c->seed = 42;
        c->sandbox_enabled = true;
}

/* ---- .env ----------------------------------------------------------------------------------- */

static char *trim(char *s)
{
        char *e;

        while (*s && isspace((unsigned char)*s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char)e[-1]))
                *--e = '\0';
        return s;
}

/* The value part of a dotenv line: a quoted value up to its closing quote, or an unquoted one
 * up to a " #" comment. */
static char *dotenv_value(char *v)
{
        char *close;

        v = trim(v);
        if ((v[0] == '"' || v[0] == '\'') && (close = strchr(v + 1, v[0]))) {
                *close = '\0';
                return v + 1;
        }
        for (char *p = v; *p; p++)
                if (*p == '#' && p > v && isspace((unsigned char)p[-1])) {
                        *p = '\0';
                        break;
                }
        return trim(v);
}

int cfg_dotenv_lookup(const char *dir, const char *name, char **value)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        char *next;

        if (!dir)
                return -ENOENT;
        path = sbx_strdup_printf("%s/.env", dir);
        if (!path)
                return -ENOMEM;
        if (sbx_read_file(path, DOTENV_MAX_BYTES, &text, NULL) < 0)
                return -ENOENT;
        for (char *line = text; line; line = next) {
                char *l, *eq;
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                l = trim(line);
                if (!strncmp(l, "export ", 7))
                        l = trim(l + 7);
                if (*l == '#' || !(eq = strchr(l, '=')))
                        continue;
                *eq = '\0';
                if (strcmp(trim(l), name))
                        continue;
                *value = strdup(dotenv_value(eq + 1));
                return *value ? 0 : -ENOMEM;
        }
        return -ENOENT;
}

/* The environment first (as python-dotenv does not override it), then .env. */
static int lookup_var(const char *dir, const char *name, char **value, const char **from)
{
        const char *e = getenv(name);

        if (e && *e) {
                *value = strdup(e);
                *from = "environment";
                return *value ? 0 : -ENOMEM;
        }
        *from = ".env";
        return cfg_dotenv_lookup(dir, name, value);
}

/* "${NAME}" references in the task file's api_key. */
static int expand_vars(struct cparse *ps, const char *dir, const char *raw, char **out)
{
        struct sbx_eval_buf b = {0};
        const char *p = raw, *from = NULL;

        while (*p) {
                const char *start = strstr(p, "${"), *end;
                if (!start || !(end = strchr(start, '}'))) {
                        sbx_eval_buf_puts(&b, p);
                        break;
                }
                sbx_eval_buf_append(&b, p, (size_t)(start - p));
                _cleanup_free_ char *name = strndup(start + 2, (size_t)(end - start - 2));
                _cleanup_free_ char *val = NULL;
                if (!name || lookup_var(dir, name, &val, &from) < 0) {
                        sbx_eval_buf_free(&b);
                        return cfg_error(ps, NULL, "api_key",
                                         "${%s} is set neither in the environment nor in a .env "
                                         "beside the task file",
                                         name ? name : "?");
                }
                sbx_eval_buf_puts(&b, val);
                p = end + 1;
        }
        *out = sbx_eval_buf_take(&b);
        return *out ? 0 : sbx_error_set(ps->err, ENOMEM, "out of memory");
}

static int resolve_api_key(struct cparse *ps, const char *dir)
{
        static const char *const names[] = {"SANDBOXRT_API_KEY", "OPENAI_API_KEY"};
        struct sbx_eval_config *c = ps->c;

        if (ps->api_key_raw) {
                c->api_key_from = "task file";
                return expand_vars(ps, dir, ps->api_key_raw, &c->api_key);
        }
        /* The whole environment before any .env, as python-dotenv never overrides it. */
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                const char *e = getenv(names[i]);
                if (e && *e) {
                        c->api_key_from = "environment";
                        c->api_key = strdup(e);
                        return c->api_key ? 0 : sbx_error_set(ps->err, ENOMEM, "out of memory");
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (cfg_dotenv_lookup(dir, names[i], &c->api_key) == 0) {
                        c->api_key_from = ".env";
                        return 0;
                }
        return 0;
}

/* ---- command-line overrides ----------------------------------------------------------------- */

static int set_str(char **dst, const char *v)
{
        char *s;

        if (!v)
                return 0;
        s = strdup(v);
        if (!s)
                return -ENOMEM;
        free(*dst);
        *dst = s;
        return 0;
}

/* A NULL-terminated list replacing *dst when v has any entry. */
static int set_strv(char ***dst, const char *const *v)
{
        char **list = NULL;

        for (size_t i = 0; v && v[i]; i++)
                if (cfg_strv_push(&list, v[i]) < 0) {
                        cfg_strv_free(list);
                        return -ENOMEM;
                }
        if (list) {
                cfg_strv_free(*dst);
                *dst = list;
        }
        return 0;
}

static int flag_u32(struct cparse *ps, const char *flag, const char *v, uint32_t lo, uint32_t hi,
                    uint32_t *out)
{
        uint64_t x;

        if (!v)
                return 0;
        if (sbx_parse_u64(v, &x) < 0 || x < lo || x > hi)
                return sbx_error_set(ps->err, EINVAL,
                                     "%s: expected a whole number from %u to %u, got '%s'", flag,
                                     lo, hi, v);
        *out = (uint32_t)x;
        return 0;
}

static int split_datasets(struct cparse *ps, const char *list)
{
        _cleanup_free_ char *copy = strdup(list);
        char **names = NULL, *next;

        if (!copy)
                return sbx_error_set(ps->err, ENOMEM, "out of memory");
        for (char *p = copy; p; p = next) {
                next = strchr(p, ',');
                if (next)
                        *next++ = '\0';
                p = trim(p);
                if (*p && cfg_strv_push(&names, p) < 0) {
                        cfg_strv_free(names);
                        return sbx_error_set(ps->err, ENOMEM, "out of memory");
                }
        }
        cfg_strv_free(ps->c->datasets);
        ps->c->datasets = names;
        return cfg_check_datasets(ps, NULL, "--datasets", names);
}

/* The command line's strings are text, as a task file's are: the config a run writes is YAML. */
static int flag_is_text(struct cparse *ps, const char *flag, const char *value)
{
        size_t bad;

        if (!value || sbx_utf8_valid(value, strlen(value), &bad))
                return 0;
        return sbx_error_set(ps->err, EINVAL, "%s: not UTF-8 text (byte 0x%02x)", flag,
                             (unsigned char)value[bad]);
}

static int flags_are_text(struct cparse *ps, const struct sbx_eval_overrides *ov)
{
        const struct {
                const char *flag, *value;
        } flags[] = {
            {"--model", ov->model},       {"--samples", ov->samples},
            {"--work-dir", ov->work_dir}, {"--use-cache", ov->use_cache},
            {"--backend", ov->backend},   {"--api-url", ov->api_url},
            {"--datasets", ov->datasets},
        };
        int r = 0;

        for (size_t i = 0; r == 0 && i < ELEMENTSOF(flags); i++)
                r = flag_is_text(ps, flags[i].flag, flags[i].value);
        for (size_t i = 0; r == 0 && ov->remote_urls && ov->remote_urls[i]; i++)
                r = flag_is_text(ps, "--remote", ov->remote_urls[i]);
        return r;
}

/* A model that is a source of completions rather than an endpoint's model. */
static bool names_completions(const char *model)
{
        return !strcmp(model, "reference") || sbx_eval_has_suffix(model, ".jsonl");
}

static int apply_overrides(struct cparse *ps, const struct sbx_eval_overrides *ov)
{
        struct sbx_eval_config *c = ps->c;
        int r = 0;

        if (!ov)
                return 0;
        if ((r = flags_are_text(ps, ov)) < 0)
                return r;
        if (ov->datasets && (r = split_datasets(ps, ov->datasets)) < 0)
                return r;
        if (ov->limit) {
                if (cfg_parse_limit(ov->limit, &c->limit_is_fraction, &c->limit_n,
                                    &c->limit_fraction) < 0)
                        return sbx_error_set(ps->err, EINVAL,
                                             "--limit: expected a number of samples from 1 or a "
                                             "fraction in (0, 1], got '%s'",
                                             ov->limit);
                c->limit_set = true;
        }
        /* A source of completions given on the command line replaces the task file's. */
        if (ov->samples && !ov->model && c->model && names_completions(c->model))
                c->model = (free(c->model), NULL);
        if (ov->model && !ov->samples && names_completions(ov->model))
                c->samples_path = (free(c->samples_path), NULL);
        if (set_str(&c->model, ov->model) < 0 || set_str(&c->samples_path, ov->samples) < 0 ||
            set_str(&c->work_dir, ov->work_dir) < 0 || set_str(&c->use_cache, ov->use_cache) < 0 ||
            set_str(&c->backend, ov->backend) < 0 || set_str(&c->api_url, ov->api_url) < 0 ||
            set_strv(&c->remote_urls, ov->remote_urls) < 0)
                return sbx_error_set(ps->err, ENOMEM, "out of memory");
        if ((r = flag_u32(ps, "--eval-batch-size", ov->eval_batch_size, 1, 4096,
                          &c->eval_batch_size)) < 0 ||
            (r = flag_u32(ps, "--repeats", ov->repeats, 1, 100000, &c->repeats)) < 0 ||
            (r = flag_u32(ps, "--jobs", ov->jobs, 1, 4096, &c->jobs)) < 0)
                return r;
        c->rerun_review |= ov->rerun_review;
        c->all_tests |= ov->all_tests;
        c->no_timestamp |= ov->no_timestamp;
        c->ignore_errors |= ov->ignore_errors;
        return 0;
}

/* ---- which model ---------------------------------------------------------------------------- */

static char *samples_name(const char *path)
{
        _cleanup_free_ char *copy = strdup(path);
        char *base, *dot;

        if (!copy)
                return NULL;
        base = basename(copy);
        dot = strstr(base, ".jsonl");
        if (dot && dot != base)
                *dot = '\0';
        return strdup(base);
}

static int resolve_model(struct cparse *ps)
{
        struct sbx_eval_config *c = ps->c;
        const char *t = ps->eval_type;
        bool openai =
            t && (!strcmp(t, "openai_api") || !strcmp(t, "service") || !strcmp(t, "server"));

        if (t && !openai && strcmp(t, "reference") && strcmp(t, "samples"))
                return cfg_error(ps, NULL, "eval_type",
                                 "'%s' is not supported: sandboxrt evaluates openai_api (alias "
                                 "service) endpoints, model: reference, or a samples file",
                                 t);
        if (c->model && !strcmp(c->model, "reference") && !c->samples_path) {
                c->model_kind = SBX_EVAL_MODEL_REFERENCE;
                return 0;
        }
        if (!c->samples_path && c->model && !openai && sbx_eval_has_suffix(c->model, ".jsonl")) {
                c->samples_path = TAKE_PTR(c->model);
                c->model = samples_name(c->samples_path);
        }
        if (c->samples_path || (t && !strcmp(t, "samples"))) {
                if (!c->samples_path)
                        return cfg_error(ps, NULL, "samples",
                                         "eval_type samples needs samples: <file.jsonl>");
                if (c->model && !strcmp(c->model, "reference"))
                        return cfg_error(ps, NULL, "model",
                                         "'reference' runs the canonical solutions and samples: %s "
                                         "gives completions: choose one",
                                         c->samples_path);
                if (c->model && sbx_eval_has_suffix(c->model, ".jsonl") &&
                    strcmp(c->model, c->samples_path))
                        return cfg_error(ps, NULL, "model",
                                         "%s and samples: %s are two samples files: choose one",
                                         c->model, c->samples_path);
                if (c->api_url)
                        cfg_warn(ps, NULL,
                                 "samples: %s gives the completions: api_url %s is not called",
                                 c->samples_path, c->api_url);
                if (c->repeats > 1)
                        cfg_warn(ps, NULL,
                                 "repeats: %u has no effect with a samples file: a task's samples "
                                 "are its lines there",
                                 c->repeats);
                c->model_kind = SBX_EVAL_MODEL_SAMPLES;
                if (!c->model && !(c->model = samples_name(c->samples_path)))
                        return sbx_error_set(ps->err, ENOMEM, "out of memory");
                return 0;
        }
        if (!c->model || (t && !strcmp(t, "reference"))) {
                c->model_kind = SBX_EVAL_MODEL_REFERENCE;
                return set_str(&c->model, "reference") < 0
                           ? sbx_error_set(ps->err, ENOMEM, "out of memory")
                           : 0;
        }
        if (!openai && !c->api_url)
                return cfg_error(ps, NULL, "model",
                                 "'%s' needs eval_type: openai_api and api_url (sandboxrt does not "
                                 "load local checkpoints); use model: reference to run the "
                                 "canonical solutions",
                                 c->model);
        if (!c->api_url)
                return cfg_error(ps, NULL, "api_url",
                                 "eval_type %s needs api_url (e.g. http://127.0.0.1:8000/v1)", t);
        if (strncmp(c->api_url, "http://", 7) && strncmp(c->api_url, "https://", 8))
                return cfg_error(ps, NULL, "api_url",
                                 "expected an http:// or https:// URL, got '%s'", c->api_url);
        c->model_kind = SBX_EVAL_MODEL_OPENAI;
        return 0;
}

/* Every dataset evaluated gets its args, with the defaults written in, so that configs/ shows
 * what ran: the tolerance and the timeout. */
static int resolve_datasets(struct cparse *ps)
{
        struct sbx_eval_config *c = ps->c;

        for (size_t i = 0; c->datasets && c->datasets[i]; i++) {
                const struct sbx_eval_benchmark *b = sbx_eval_benchmark_find(c->datasets[i]);
                struct sbx_eval_dataset_args *a = cfg_dataset_args_add(c, c->datasets[i]);
                if (!a)
                        return sbx_error_set(ps->err, ENOMEM, "out of memory");
                if (a->tolerance < 0)
                        a->tolerance = SBX_EVAL_DEFAULT_TOLERANCE;
                if (!a->review_timeout_ms && b)
                        a->review_timeout_ms = b->default_timeout_ms;
        }
        for (size_t i = 0; i < c->n_dataset_args; i++) {
                const struct sbx_eval_dataset_args *a = &c->dataset_args[i];
                if ((a->start_date || a->end_date) && strcmp(a->name, "live_code_bench"))
                        cfg_warn(ps, NULL,
                                 "dataset_args.%s.extra_params: start_date and end_date only "
                                 "select LiveCodeBench problems: ignored",
                                 a->name);
        }
        return 0;
}

/* Two names of one subset: the same name, or one language's (py, python). */
static bool same_subset(const char *a, const char *b)
{
        const struct sbx_eval_lang *la = sbx_eval_ml_subset_lang(a);

        return !strcmp(a, b) || (la && la == sbx_eval_ml_subset_lang(b));
}

static bool same_name(const char *a, const char *b)
{
        return !strcmp(a, b);
}

/* A benchmark (or a subset) named twice would be evaluated twice, into the same files: once is
 * enough. what names the list in the warning. */
static void dedupe(struct cparse *ps, char **v, const char *what,
                   bool (*same)(const char *, const char *))
{
        size_t out = 0;

        for (size_t i = 0; v && v[i]; i++) {
                size_t j = 0;
                while (j < out && !same(v[j], v[i]))
                        j++;
                if (j < out) {
                        if (strcmp(v[j], v[i]))
                                cfg_warn(ps, NULL, "%s: '%s' is '%s' again: run once", what, v[i],
                                         v[j]);
                        else
                                cfg_warn(ps, NULL, "%s: '%s' is listed twice: run once", what,
                                         v[i]);
                        free(v[i]);
                        continue;
                }
                v[out++] = v[i];
        }
        if (v)
                v[out] = NULL;
}

static void dedupe_lists(struct cparse *ps)
{
        struct sbx_eval_config *c = ps->c;

        dedupe(ps, c->datasets, "datasets", same_name);
        for (size_t i = 0; i < c->n_dataset_args; i++) {
                _cleanup_free_ char *what =
                    sbx_strdup_printf("dataset_args.%s.subset_list", c->dataset_args[i].name);
                dedupe(ps, c->dataset_args[i].subset_list, what ? what : "subset_list",
                       same_subset);
        }
}

/* base_url: http(s) URLs, each once, at most SBX_EVAL_REMOTE_MAX. */
static int check_remote_urls(struct cparse *ps)
{
        char **urls = ps->c->remote_urls;
        size_t n = 0;

        for (; urls && urls[n]; n++) {
                if (strncmp(urls[n], "http://", 7) && strncmp(urls[n], "https://", 8))
                        return sbx_error_set(ps->err, EINVAL,
                                             "%s: sandbox.manager_config.base_url: '%s' is not "
                                             "an http:// or https:// URL",
                                             ps->file, urls[n]);
                for (size_t j = 0; j < n; j++)
                        if (!strcmp(urls[j], urls[n]))
                                return sbx_error_set(ps->err, EINVAL,
                                                     "%s: sandbox.manager_config.base_url: '%s' "
                                                     "is listed twice",
                                                     ps->file, urls[n]);
        }
        if (n > SBX_EVAL_REMOTE_MAX)
                return sbx_error_set(ps->err, EINVAL,
                                     "%s: sandbox.manager_config.base_url: %zu servers, at most "
                                     "%d",
                                     ps->file, n, SBX_EVAL_REMOTE_MAX);
        return 0;
}

int cfg_resolve(struct cparse *ps, const char *dir, const struct sbx_eval_overrides *ov)
{
        struct sbx_eval_config *c = ps->c;
        int r;

        if ((r = apply_overrides(ps, ov)) < 0 || (r = resolve_model(ps)) < 0)
                return r;
        dedupe_lists(ps);
        if (!c->datasets || !c->datasets[0])
                return sbx_error_set(ps->err, EINVAL,
                                     "%s: no datasets: set datasets: [humaneval] (or --datasets)",
                                     ps->file);
        if (!c->work_dir && set_str(&c->work_dir, "./outputs") < 0)
                return sbx_error_set(ps->err, ENOMEM, "out of memory");
        if (!*c->work_dir || (c->use_cache && !*c->use_cache))
                return sbx_error_set(ps->err, EINVAL, "%s: %s is empty: name a directory", ps->file,
                                     *c->work_dir ? "use_cache" : "work_dir");
        /* backend (task file or --backend) > a remote URL > sandbox_type docker > auto */
        if (!c->backend &&
            set_str(&c->backend, c->remote_urls                                ? "remote"
                                 : ps->engine && !strcmp(ps->engine, "docker") ? "docker"
                                                                               : "auto") < 0)
                return sbx_error_set(ps->err, ENOMEM, "out of memory");
        if (!c->jobs && ps->judge_jobs)
                c->jobs = ps->judge_jobs;
        if ((r = resolve_datasets(ps)) < 0)
                return r;
        if (!strcmp(c->backend, "remote") && !c->remote_urls)
                return sbx_error_set(ps->err, EINVAL,
                                     "%s: backend remote needs sandbox.manager_config.base_url",
                                     ps->file);
        if ((r = check_remote_urls(ps)) < 0)
                return r;
        if (!c->sandbox_enabled)
                cfg_warn(ps, NULL,
                         "sandbox.enabled is false: ignored, sandboxrt always runs "
                         "programs in a sandbox");
        if (c->rerun_review && !c->use_cache)
                cfg_warn(ps, NULL, "rerun_review has no effect without use_cache");
        if (c->model_kind == SBX_EVAL_MODEL_OPENAI)
                return resolve_api_key(ps, dir);
        return 0;
}

/* ---- entry points --------------------------------------------------------------------------- */

static void dataset_args_release(struct sbx_eval_dataset_args *a)
{
        free(a->name);
        free(a->start_date);
        free(a->end_date);
        free(a->local_path);
        cfg_strv_free(a->subset_list);
        free(a->prompt_template);
        free(a->system_prompt);
        sbx_eval_sandbox_config_release(&a->sandbox);
}

struct sbx_eval_config *sbx_eval_config_free(struct sbx_eval_config *c)
{
        if (!c)
                return NULL;
        free(c->path);
        free(c->model);
        free(c->samples_path);
        cfg_strv_free(c->datasets);
        for (size_t i = 0; i < c->n_dataset_args; i++)
                dataset_args_release(&c->dataset_args[i]);
        free(c->dataset_args);
        free(c->api_url);
        if (c->api_key)
                explicit_bzero(c->api_key, strlen(c->api_key));
        free(c->api_key);
        sbx_eval_node_free(c->generation_config);
        free(c->work_dir);
        free(c->use_cache);
        free(c->backend);
        cfg_strv_free(c->remote_urls);
        if (c->remote_api_key)
                explicit_bzero(c->remote_api_key, strlen(c->remote_api_key));
        free(c->remote_api_key);
        sbx_eval_sandbox_config_release(&c->sandbox_default);
        cfg_strv_free(c->warnings);
        free(c);
        return NULL;
}

int sbx_eval_config_parse(const char *text, size_t size, const char *filename, const char *dir,
                          const struct sbx_eval_overrides *ov, struct sbx_eval_config **out,
                          struct sbx_error **err)
{
        struct sbx_eval_node *root = NULL;
        struct sbx_eval_config *c = calloc(1, sizeof(*c));
        struct cparse ps = {.c = c, .file = filename ? filename : "task", .err = err};
        int r;

        if (!c)
                return sbx_error_set(err, ENOMEM, "out of memory");
        config_defaults(c);
        r = text ? sbx_eval_node_parse(text, size, ps.file, &root, err) : 0;
        if (r == 0)
                r = cfg_read_task(&ps, root);
        if (r == 0)
                r = cfg_resolve(&ps, dir, ov);
        sbx_eval_node_free(root);
        free(ps.eval_type);
        free(ps.engine);
        if (ps.api_key_raw)
                explicit_bzero(ps.api_key_raw, strlen(ps.api_key_raw));
        free(ps.api_key_raw);
        if (r < 0) {
                sbx_eval_config_free(c);
                return r;
        }
        if (filename && !(c->path = strdup(filename))) {
                sbx_eval_config_free(c);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        *out = c;
        return 0;
}

int sbx_eval_config_load(const char *path, const struct sbx_eval_overrides *ov,
                         struct sbx_eval_config **out, struct sbx_error **err)
{
        _cleanup_free_ char *text = NULL, *copy = NULL;
        size_t size = 0;
        int r;

        if (!path)
                return sbx_eval_config_parse(NULL, 0, "command line", ".", ov, out, err);
        r = sbx_read_file(path, TASK_MAX_BYTES, &text, &size);
        if (r == -EFBIG)
                return sbx_error_set(err, EFBIG, "%s: larger than %zu bytes", path, TASK_MAX_BYTES);
        if (r < 0)
                return sbx_error_set(err, -r, "%s: %s", path, strerror(-r));
        copy = strdup(path);
        if (!copy)
                return sbx_error_set(err, ENOMEM, "out of memory");
        return sbx_eval_config_parse(text, size, path, dirname(copy), ov, out, err);
}
