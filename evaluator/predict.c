/* Predictions: the completion behind every sample, from the dataset (reference), a samples file
 * or an OpenAI-compatible endpoint; cached ones (use_cache) are kept. */
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/dataset_json.h"
#include "evaluator/openai.h"
#include "evaluator/run_internal.h"
#include "evaluator/strutil.h"
#include "util.h"

#define SAMPLES_MAX_BYTES ((size_t)1 << 30)

struct strv {
        char **v;
        size_t n;
};

struct samples_load {
        struct ds_run *d;
        const char *path;
        struct strv *lists;
        size_t unknown;
        struct sbx_error **err;
};

static int samples_record(void *ctx, const cJSON *j, const char *where)
{
        struct samples_load *l = ctx;
        _cleanup_free_ char *id = NULL, *completion = NULL;
        int r;

        const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "completion");
        size_t bad = 0;

        r = sbx_eval_json_string(j, "task_id", true, where, &id, l->err);
        if (r == 0 && c && !cJSON_IsString(c) && !cJSON_IsNull(c))
                /* a number or a list is not code: turning it into some text would hide that */
                r = sbx_error_set(l->err, EINVAL, "%s: task %s: completion is %s, not a string",
                                  where, id,
                                  cJSON_IsNumber(c)  ? "a number"
                                  : cJSON_IsArray(c) ? "a list"
                                  : cJSON_IsBool(c)  ? "a boolean"
                                                     : "an object");
        if (r == 0)
                r = sbx_eval_json_string(j, "completion", true, where, &completion, l->err);
        if (r == 0 && !sbx_utf8_valid(completion, strlen(completion), &bad))
                r = sbx_error_set(l->err, EINVAL,
                                  "%s: task %s: completion is not valid UTF-8 (byte 0x%02x at "
                                  "offset %zu): fix the file's encoding",
                                  where, id, (unsigned char)completion[bad], bad);
        if (r < 0)
                return r;
        ssize_t p = run_find_problem(l->d, id);
        if (p < 0) {
                l->unknown++;
                return 0;
        }
        struct strv *s = &l->lists[p];
        char **nv = realloc(s->v, (s->n + 1) * sizeof(*nv));
        if (!nv)
                return sbx_error_set(l->err, ENOMEM, "out of memory");
        s->v = nv;
        s->v[s->n++] = TAKE_PTR(completion);
        return 0;
}

static void strv_lists_free(struct strv *lists, size_t n)
{
        for (size_t i = 0; lists && i < n; i++) {
                for (size_t j = 0; j < lists[i].n; j++)
                        free(lists[i].v[j]);
                free(lists[i].v);
        }
        free(lists);
}

static int samples_load(struct ds_run *d, struct strv **out, struct sbx_error **err)
{
        const char *path = d->c->samples_path;
        _cleanup_free_ char *text = NULL;
        size_t size = 0, missing = 0, first_missing = 0;
        struct samples_load l = {.d = d, .path = path, .err = err};
        int r = sbx_read_file(path, SAMPLES_MAX_BYTES, &text, &size);

        if (r < 0)
                return sbx_error_set(err, -r, "samples: %s: %s", path, strerror(-r));
        l.lists = calloc(d->set.n, sizeof(*l.lists));
        if (!l.lists)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_eval_jsonl_objects(text, size, path, samples_record, &l, err);
        for (size_t i = 0; r == 0 && i < d->set.n; i++)
                if (l.lists[i].n == 0 && missing++ == 0)
                        first_missing = i;
        if (r == 0 && missing)
                r = sbx_error_set(err, EINVAL,
                                  "%s: samples: %s has no completion for %s%s (%zu problem%s of "
                                  "%zu without one): add them, or evaluate fewer with limit",
                                  d->name, path, d->set.items[first_missing].task_id,
                                  missing > 1 ? " and others" : "", missing, missing > 1 ? "s" : "",
                                  d->set.n);
        if (r < 0) {
                strv_lists_free(l.lists, d->set.n);
                return r;
        }
        if (l.unknown)
                run_message(d, SBX_EVAL_WARNING,
                            "%s: %zu samples name a task that is not among the %zu evaluated: "
                            "ignored",
                            d->name, l.unknown, d->set.n);
        *out = l.lists;
        return 0;
}

/* ---- slots ---------------------------------------------------------------------------------- */

static int alloc_slots(struct ds_run *d)
{
        size_t total = 0;

        d->first_slot = calloc(d->set.n + 1, sizeof(*d->first_slot));
        if (!d->first_slot)
                return -ENOMEM;
        for (size_t i = 0; i < d->set.n; i++) {
                d->first_slot[i] = total;
                total += d->n_samples[i];
        }
        d->first_slot[d->set.n] = total;
        d->slots = calloc(total ? total : 1, sizeof(*d->slots));
        if (!d->slots)
                return -ENOMEM;
        d->n_slots = total;
        for (size_t i = 0; i < d->set.n; i++)
                for (uint32_t s = 0; s < d->n_samples[i]; s++) {
                        d->slots[d->first_slot[i] + s].problem = i;
                        d->slots[d->first_slot[i] + s].sample = s;
                }
        return 0;
}

static int slot_set(struct slot *s, const char *prompt, const char *reply, const char *code,
                    const char *error)
{
        /* Copies first: the arguments may be the slot's own strings. */
        char *np = sbx_eval_strdup0(prompt), *nr = sbx_eval_strdup0(reply);
        char *nc = sbx_eval_strdup0(code), *ne = sbx_eval_strdup0(error);

        if ((prompt && !np) || (reply && !nr) || (code && !nc) || (error && !ne)) {
                free(np);
                free(nr);
                free(nc);
                free(ne);
                return -ENOMEM;
        }
        free(s->prompt);
        free(s->reply);
        free(s->code);
        free(s->error);
        s->prompt = np;
        s->reply = nr;
        s->code = nc;
        s->error = ne;
        s->predicted = !error;
        return 0;
}

static int cached_pred(void *ctx, const struct sbx_eval_pred_record *r)
{
        struct ds_run *d = ctx;
        ssize_t p = run_find_problem(d, r->task_id);
        struct slot *s;

        /* Failed requests are not kept: resuming retries them. */
        if (p < 0 || r->error || !r->code || !(s = run_slot(d, (size_t)p, r->sample)))
                return 0;
        return slot_set(s, r->prompt, r->reply, r->code, NULL);
}

static int write_pred(struct ds_run *d, FILE *f, const struct slot *s, struct sbx_error **err)
{
        struct sbx_eval_pred_record rec = {
            .task_id = d->set.items[s->problem].task_id,
            .sample = s->sample,
            .model = d->c->model,
            .prompt = s->prompt,
            .reply = s->reply,
            .code = s->code,
            .error = s->error,
        };

        if (sbx_eval_pred_write(f, &rec) < 0)
                return sbx_error_set(err, EIO, "writing predictions: %s", strerror(errno));
        return 0;
}

/* ---- filling missing slots ------------------------------------------------------------------ */

static size_t count_missing(const struct ds_run *d)
{
        size_t n = 0;

        for (size_t i = 0; i < d->n_slots; i++)
                n += !d->slots[i].predicted;
        return n;
}

static int fill_offline(struct ds_run *d, FILE *f, struct strv *lists, struct sbx_error **err)
{
        size_t total = count_missing(d), done = 0;

        run_progress(d, "Predicting", 0, total, false);
        for (size_t i = 0; i < d->n_slots; i++) {
                struct slot *s = &d->slots[i];
                const struct sbx_eval_problem *p = &d->set.items[s->problem];
                _cleanup_free_ char *code = NULL;
                int r;
                if (s->predicted)
                        continue;
                if (lists) {
                        const char *reply = lists[s->problem].v[s->sample];
                        code = d->bench->extract(reply);
                        r = code ? slot_set(s, NULL, reply, code, NULL) : -ENOMEM;
                } else if (!p->reference) {
                        return sbx_error_set(err, EINVAL,
                                             "%s: problem %s has no canonical solution: model "
                                             "reference cannot run this dataset",
                                             d->name, p->task_id);
                } else {
                        /* The canonical solution is the completion, verbatim. */
                        r = slot_set(s, p->prompt, p->reference, p->reference, NULL);
                }
                if (r < 0)
                        return sbx_error_set(err, ENOMEM, "out of memory");
                if ((r = write_pred(d, f, s, err)) < 0)
                        return r;
                run_progress(d, "Predicting", ++done, total, false);
        }
        run_progress(d, "Predicting", done, total, true);
        return 0;
}

struct api_ctx {
        struct ds_run *d;
        FILE *f;
        size_t *first; /* request -> first slot */
        uint32_t choices;
        size_t done, total;
        struct sbx_error **err;
};

static int api_done(void *ctx, size_t index, const struct sbx_eval_openai_reply *reply)
{
        struct api_ctx *a = ctx;
        struct ds_run *d = a->d;
        int r;

        for (uint32_t k = 0; k < a->choices; k++) {
                struct slot *s = &d->slots[a->first[index] + k];
                const char *raw = reply->error || k >= reply->n_choices ? NULL : reply->choices[k];
                /* a reply with bytes that are not UTF-8: kept as the U+FFFD JSON can carry */
                _cleanup_free_ char *text =
                    raw ? sbx_eval_utf8_clean(raw, strlen(raw), strlen(raw), NULL) : NULL;
                _cleanup_free_ char *code = text ? d->bench->extract(text) : NULL;
                _cleanup_free_ char *short_msg = NULL;
                const char *error = reply->error;
                if (!error && !text)
                        error = short_msg = sbx_strdup_printf("the API returned %zu of %u choices",
                                                              reply->n_choices, a->choices);
                if (!error && !code)
                        return sbx_error_set(a->err, ENOMEM, "out of memory");
                if (error && !d->c->ignore_errors)
                        return sbx_error_set(a->err, EIO,
                                             "%s: %s: %s (set ignore_errors: true to go on past "
                                             "failed requests)",
                                             d->name, d->set.items[s->problem].task_id, error);
                if (slot_set(s, s->prompt, error ? NULL : text, code, error) < 0)
                        return sbx_error_set(a->err, ENOMEM, "out of memory");
                if ((r = write_pred(d, a->f, s, a->err)) < 0)
                        return r;
        }
        run_progress(d, "Predicting", ++a->done, a->total, false);
        return 0;
}

/* One request per (problem, repeat) that still misses a sample; each asks for `choices`. */
static int fill_api(struct ds_run *d, FILE *f, struct sbx_error **err)
{
        uint32_t choices = d->c->choices_per_request;
        struct api_ctx a = {.d = d, .f = f, .choices = choices, .err = err};
        char **bodies = calloc(d->n_slots + 1, sizeof(*bodies));
        int r = 0;

        a.first = calloc(d->n_slots + 1, sizeof(*a.first));
        if (!bodies || !a.first) {
                free(bodies);
                free(a.first);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < d->n_slots && r == 0; i += choices) {
                bool missing = false;
                for (uint32_t k = 0; k < choices; k++)
                        missing |= !d->slots[i + k].predicted;
                if (!missing)
                        continue;
                const struct sbx_eval_problem *p = &d->set.items[d->slots[i].problem];
                _cleanup_free_ char *prompt = d->bench->prompt(&d->set, p, d->args);
                for (uint32_t k = 0; prompt && k < choices; k++) {
                        free(d->slots[i + k].prompt);
                        d->slots[i + k].prompt = strdup(prompt);
                }
                bodies[a.total] = prompt ? sbx_eval_openai_body(d->c->model, d->args->system_prompt,
                                                                prompt, d->c->generation_config)
                                         : NULL;
                a.first[a.total] = i;
                if (!bodies[a.total++])
                        r = sbx_error_set(err, ENOMEM, "out of memory");
        }
        if (r == 0) {
                struct sbx_eval_openai_options o = {
                    .api_url = d->c->api_url,
                    .api_key = d->c->api_key,
                    .concurrency = d->c->eval_batch_size,
                    .timeout_ms = d->c->timeout_ms,
                    .max_retries = d->c->max_retries,
                    .backoff_base_ms = d->c->retry_interval_ms,
                    .generation_config = d->c->generation_config,
                };
                run_progress(d, "Predicting", 0, a.total, false);
                r = sbx_eval_openai_run(&o, bodies, a.total, api_done, &a, err);
                run_progress(d, "Predicting", a.done, a.total, true);
        }
        for (size_t i = 0; i < a.total; i++)
                free(bodies[i]);
        free(bodies);
        free(a.first);
        return r;
}

static int count_samples(struct ds_run *d, struct strv **lists, struct sbx_error **err)
{
        int r = 0;

        d->n_samples = calloc(d->set.n ? d->set.n : 1, sizeof(*d->n_samples));
        if (!d->n_samples)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (d->c->model_kind == SBX_EVAL_MODEL_SAMPLES)
                r = samples_load(d, lists, err);
        for (size_t i = 0; r == 0 && i < d->set.n; i++) {
                if (*lists)
                        d->n_samples[i] = (uint32_t)(*lists)[i].n;
                else if (d->c->model_kind == SBX_EVAL_MODEL_OPENAI)
                        d->n_samples[i] = d->c->repeats * d->c->choices_per_request;
                else
                        d->n_samples[i] = d->c->repeats;
        }
        return r;
}

int run_plan_samples(struct ds_run *d, struct sbx_error **err)
{
        int r = count_samples(d, &d->samples, err);

        if (r == 0 && alloc_slots(d) < 0)
                r = sbx_error_set(err, ENOMEM, "out of memory");
        return r;
}

void run_samples_release(struct ds_run *d)
{
        strv_lists_free(d->samples, d->set.n);
        d->samples = NULL;
}

int run_predictions(struct ds_run *d, struct sbx_error **err)
{
        _cleanup_free_ char *path = sbx_eval_outputs_path(d->out, "predictions", d->name, ".jsonl");
        FILE *f = NULL;
        size_t cached;
        int r;

        if (!path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = d->c->use_cache ? sbx_eval_pred_read(path, cached_pred, d, err) : 0;
        if (r == 0)
                r = sbx_eval_jsonl_open(path, !d->c->use_cache, &f, err);
        cached = d->n_slots - count_missing(d);
        if (r == 0 && d->c->model_kind == SBX_EVAL_MODEL_OPENAI)
                r = fill_api(d, f, err);
        else if (r == 0)
                r = fill_offline(d, f, d->samples, err);
        if (f)
                fclose(f);
        run_samples_release(d);
        if (r == 0)
                sbx_eval_log(d->out, "%s: predictions: %zu reused, %zu new", d->name, cached,
                             d->n_slots - cached);
        return r;
}
