/* The datasets, one after the other: load, limit, predict, review, score, report. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "evaluator/run_internal.h"
#include "evaluator/strutil.h"
#include "util.h"

/* EvalScope's limit: a count, or a fraction of the dataset (int(len * limit)). */
static void apply_limit(struct ds_run *d)
{
        size_t keep = d->set.n;

        if (!d->c->limit_set)
                return;
        if (d->c->limit_is_fraction)
                keep = (size_t)((double)d->set.n * d->c->limit_fraction);
        else if (d->c->limit_n < keep)
                keep = (size_t)d->c->limit_n;
        if (keep == 0) {
                run_message(d, SBX_EVAL_WARNING,
                            "%s: limit %g of %zu problems is none: evaluating 1", d->name,
                            d->c->limit_fraction, d->set.n);
                keep = 1;
        }
        for (size_t i = keep; i < d->set.n; i++)
                sbx_eval_problem_release(&d->set.items[i]);
        if (keep < d->set.n)
                d->set.n = keep;
}

static void ds_release(struct ds_run *d)
{
        for (size_t i = 0; d->slots && i < d->n_slots; i++) {
                free(d->slots[i].prompt);
                free(d->slots[i].reply);
                free(d->slots[i].code);
                free(d->slots[i].error);
        }
        free(d->slots);
        free(d->first_slot);
        free(d->n_samples);
        free(d->by_id);
        free(d->name);
        free(d->subset);
        sbx_eval_sandbox_config_release(&d->sandbox);
        run_samples_release(d);
        sbx_eval_problem_set_release(&d->set);
}

static int score(struct ds_run *d, struct sbx_eval_dataset_result *res, struct sbx_error **err)
{
        _cleanup_free_ uint32_t *passed = calloc(d->set.n ? d->set.n : 1, sizeof(*passed));
        _cleanup_free_ char *path = sbx_eval_outputs_path(d->out, "reports", d->name, ".json");
        const char *subset = d->set.label ? d->set.label : d->subset ? d->subset : "default";

        res->model = strdup(d->c->model);
        res->dataset = strdup(d->bench->name);
        res->subset = strdup(subset);
        if (!passed || !path || !res->model || !res->dataset || !res->subset)
                return sbx_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < d->n_slots; i++) {
                const struct slot *s = &d->slots[i];
                enum sbx_eval_outcome o = s->reviewed ? s->outcome : SBX_EVAL_SANDBOX_ERROR;
                res->outcomes[o]++;
                res->early_exits += s->reviewed && s->early_exit;
                passed[s->problem] += o == SBX_EVAL_OK;
        }
        /* pass@k for every k up to the samples per problem (repeats x n; for a samples file,
         * the fewest any task has). */
        if (sbx_eval_result_score(res, d->n_samples, passed, d->set.n, 0) < 0)
                return sbx_error_set(err, ENOMEM, "out of memory");
        return sbx_eval_result_write_json(res, path, err);
}

/* The Docker image this dataset's programs run in: switched to before its reviews. */
static int use_image(struct ds_run *d, struct sbx_error **err)
{
        const char *image = d->sandbox.image;

        if (image && strcmp(d->ex->backend, "docker")) {
                run_message(d, SBX_EVAL_WARNING,
                            "%s: image '%s' ignored: programs run on the %s backend, not Docker "
                            "(set backend: docker or sandbox_type: docker)",
                            d->name, image, d->ex->backend);
                return 0;
        }
        if (!d->ex->use_image)
                return 0;
        if (image)
                sbx_eval_log(d->out, "%s: image %s", d->name, image);
        int r = d->ex->use_image(d->ex->ctx, image, err);
        return r < 0 ? sbx_error_prefix(err, "%s: image %s", d->name, image ? image : "default")
                     : 0;
}

/* model reference runs the problems that have one (MBXP's languages lack some); saying how many
 * were left out. */
static int keep_references(struct ds_run *d, struct sbx_error **err)
{
        size_t kept = 0, n = d->set.n;

        if (d->c->model_kind != SBX_EVAL_MODEL_REFERENCE)
                return 0;
        for (size_t i = 0; i < n; i++) {
                if (d->set.items[i].reference)
                        d->set.items[kept++] = d->set.items[i];
                else
                        sbx_eval_problem_release(&d->set.items[i]);
        }
        d->set.n = kept;
        if (kept == 0)
                return sbx_error_set(err, EINVAL,
                                     "%s: no problem has a canonical solution: model reference "
                                     "cannot run this dataset",
                                     d->name);
        if (kept < n)
                run_message(d, SBX_EVAL_WARNING,
                            "%s: %zu of %zu problems have no canonical solution: model reference "
                            "evaluates the other %zu",
                            d->name, n - kept, n, kept);
        return 0;
}

static int prepare(struct ds_run *d, struct sbx_error **err)
{
        const char *name = d->bench->name;
        int r;

        d->args = sbx_eval_config_dataset_args(d->c, name);
        d->tolerance = d->args->tolerance >= 0 ? d->args->tolerance : SBX_EVAL_DEFAULT_TOLERANCE;
        if ((r = sbx_eval_dataset_load(d->bench, d->args, d->subset, &d->set, err)) < 0)
                return sbx_error_prefix(err, "%s", d->name);
        if ((r = keep_references(d, err)) < 0)
                return r;
        apply_limit(d);
        if ((r = run_index_problems(d, err)) < 0)
                return r;
        r = sbx_eval_config_sandbox(d->c, name, d->bench->default_timeout_ms, &d->sandbox, err);
        return r < 0 ? r : run_plan_samples(d, err);
}

static int run_dataset(struct ds_run *d, struct sbx_eval_dataset_result *res,
                       struct sbx_error **err)
{
        uint64_t start = sbx_now_ms();
        int r = use_image(d, err);

        if (r == 0) {
                sbx_eval_log(d->out, "%s: %zu problems%s%s, limits:%s%s", d->name, d->set.n,
                             d->set.label ? ": " : "", d->set.label ? d->set.label : "",
                             d->sandbox.policy ? " policy=" : "",
                             d->sandbox.policy ? d->sandbox.policy : "");
                for (size_t i = 0; d->sandbox.limits && d->sandbox.limits[i]; i++)
                        sbx_eval_log(d->out, "%s:   %s", d->name, d->sandbox.limits[i]);
                r = run_predictions(d, err);
        }
        if (r == 0)
                r = run_reviews(d, err);
        if (r == 0)
                r = score(d, res, err);
        if (r == 0)
                sbx_eval_log(d->out, "%s: done in %.1f s", d->name,
                             (double)(sbx_now_ms() - start) / 1000.0);
        return r;
}

static struct sbx_eval_dataset_result *result_push(struct sbx_eval_summary *s)
{
        struct sbx_eval_dataset_result *n = realloc(s->results, (s->n + 1) * sizeof(*n));

        if (!n)
                return NULL;
        s->results = n;
        memset(&n[s->n], 0, sizeof(n[s->n]));
        return &n[s->n++];
}

/* The datasets a run evaluates, each prepared (loaded, limited, its samples read): every input
 * is checked before anything runs. */
struct plan {
        struct ds_run **runs;
        size_t n;
};

static void plan_release(struct plan *pl)
{
        for (size_t i = 0; i < pl->n; i++) {
                ds_release(pl->runs[i]);
                free(pl->runs[i]);
        }
        free(pl->runs);
}

/* Takes subset (NULL for a benchmark without subsets). */
static int plan_dataset(struct plan *pl, const struct ds_run *proto, const char *name, char *subset,
                        struct sbx_error **err)
{
        struct ds_run **more = realloc(pl->runs, (pl->n + 1) * sizeof(*more));
        struct ds_run *d = more ? malloc(sizeof(*d)) : NULL;

        if (more)
                pl->runs = more;
        if (!d) {
                free(subset);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        *d = *proto;
        d->subset = subset;
        d->name = subset ? sbx_strdup_printf("%s_%s", name, subset) : strdup(name);
        pl->runs[pl->n++] = d;
        return d->name ? prepare(d, err) : sbx_error_set(err, ENOMEM, "out of memory");
}

/* A benchmark: once, or once per subset (language, release), each its own dataset. */
static int plan_benchmark(struct plan *pl, const struct ds_run *proto, const char *name,
                          struct sbx_error **err)
{
        const struct sbx_eval_benchmark *b = sbx_eval_benchmark_find(name);
        struct ds_run d = *proto;
        char **subsets = NULL;
        size_t i = 0;
        int r = 0;

        if (!b)
                return sbx_error_set(err, EINVAL, "unknown benchmark '%s'", name);
        d.bench = b;
        if (b->subsets)
                r = sbx_eval_dataset_subsets(b, sbx_eval_config_dataset_args(d.c, name), &subsets,
                                             err);
        if (r == 0 && !subsets)
                r = plan_dataset(pl, &d, name, NULL, err);
        for (; r == 0 && subsets && subsets[i]; i++)
                r = plan_dataset(pl, &d, name, subsets[i], err);
        for (; subsets && subsets[i]; i++)
                free(subsets[i]);
        free(subsets);
        return r;
}

int sbx_eval_run(const struct sbx_eval_config *c, const struct sbx_eval_executor *ex,
                 const struct sbx_eval_hooks *hooks, struct sbx_eval_summary **out,
                 struct sbx_error **err)
{
        struct sbx_eval_outputs o;
        struct sbx_eval_summary *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_eval_outputs_open(c, &o, err);
        if (r == 0) {
                sbx_eval_log(&o, "sandboxrt %s eval: model %s (%s), backend %s, %u in parallel",
                             SBX_VERSION, c->model, sbx_eval_model_kind_to_string(c->model_kind),
                             ex->backend, c->jobs ? c->jobs : sbx_eval_default_jobs());
                if (c->api_key_from)
                        sbx_eval_log(&o, "api_key from the %s", c->api_key_from);
                for (size_t i = 0; c->warnings && c->warnings[i]; i++)
                        sbx_eval_log(&o, "WARNING: %s", c->warnings[i]);
                if (hooks->opened)
                        hooks->opened(hooks->ctx, o.dir);
        }
        const struct ds_run proto = {.c = c, .ex = ex, .hooks = hooks, .out = &o};
        struct plan pl = {0};
        for (size_t i = 0; r == 0 && c->datasets && c->datasets[i]; i++)
                r = plan_benchmark(&pl, &proto, c->datasets[i], err);
        for (size_t i = 0; r == 0 && i < pl.n; i++) {
                struct sbx_eval_dataset_result *res = result_push(s);
                r = res ? run_dataset(pl.runs[i], res, err)
                        : sbx_error_set(err, ENOMEM, "out of memory");
        }
        plan_release(&pl);
        if (r < 0)
                sbx_eval_log(&o, "ERROR: %s",
                             err && *err && (*err)->message ? (*err)->message : "");
        s->run_dir = o.dir ? strdup(o.dir) : NULL;
        sbx_eval_outputs_close(&o);
        if (r < 0) {
                sbx_eval_summary_free(s);
                return r;
        }
        *out = s;
        return 0;
}
