/* The multi-language benchmarks' shared parts: languages as subsets, files per language. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evaluator/config_internal.h"
#include "evaluator/dataset_json.h"
#include "evaluator/multilang.h"
#include "evaluator/strutil.h"
#include "util.h"

const struct sbx_eval_lang *sbx_eval_ml_subset_lang(const char *subset)
{
        static const char *const prefixes[] = {"humaneval-", "mbpp-"};

        for (size_t i = 0; subset && i < ELEMENTSOF(prefixes); i++)
                if (!strncmp(subset, prefixes[i], strlen(prefixes[i])))
                        return sbx_eval_lang_find(subset + strlen(prefixes[i]));
        return sbx_eval_lang_find(subset);
}

static bool is_dir(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The language of a data file, from its first record; NULL when it names none. */
static const struct sbx_eval_lang *file_lang(const struct sbx_eval_ml_layout *lay, const char *path)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        const struct sbx_eval_lang *l = NULL;
        char buf[64];

        if (sbx_eval_read_dataset_file(path, &text, &size, NULL) < 0)
                return NULL;
        const char *nl = memchr(text, '\n', size);
        cJSON *j = cJSON_ParseWithLength(text, nl ? (size_t)(nl - text) : size);
        const char *name = cJSON_IsObject(j) ? lay->record_lang(j, buf, sizeof(buf)) : NULL;
        if (name)
                l = sbx_eval_lang_find(name);
        cJSON_Delete(j);
        return l;
}

static bool is_data_file(const char *name)
{
        return sbx_eval_has_suffix(name, ".jsonl") || sbx_eval_has_suffix(name, ".jsonl.gz");
}

/* Each data file of a directory with its language (files of no known language skipped). */
static int scan_dir(const struct sbx_eval_ml_layout *lay, const char *dir, char ***paths,
                    const struct sbx_eval_lang ***langs, size_t *n)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        char **names = NULL;

        *paths = NULL;
        *langs = NULL;
        *n = 0;
        if (!d)
                return -errno;
        while ((e = readdir(d)))
                if (is_data_file(e->d_name) && cfg_strv_push(&names, e->d_name) < 0)
                        break;
        closedir(d);
        for (size_t i = 0; names && names[i]; i++) {
                _cleanup_free_ char *p = sbx_strdup_printf("%s/%s", dir, names[i]);
                const struct sbx_eval_lang *l = p ? file_lang(lay, p) : NULL;
                const struct sbx_eval_lang **nl =
                    l ? realloc(*langs, (*n + 1) * sizeof(*nl)) : NULL;
                if (!l || !nl)
                        continue;
                *langs = nl;
                nl[*n] = l;
                if (cfg_strv_push(paths, p) < 0)
                        break;
                (*n)++;
        }
        cfg_strv_free(names);
        return 0;
}

/* Languages in the order the dataset's own list would give: by name, for a stable table. */
static int by_name(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

static int runtime_has(const struct sbx_eval_ml_layout *lay, const char *subset,
                       const struct sbx_eval_lang *l, struct sbx_error **err)
{
        char known[512] = "";

        if (!l)
                return sbx_error_set(err, EINVAL,
                                     "'%s' is not a language %s can run (python, cpp, java, "
                                     "javascript, typescript, go, rust, ruby, php, lua, r, "
                                     "csharp, scala, d, racket, perl, bash)",
                                     subset, lay->bench);
        if (sbx_language_find(l->runtime))
                return 0;
        for (size_t i = 0; sbx_language_at(i); i++)
                snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
                         i ? ", " : "", sbx_language_at(i)->name);
        return sbx_error_set(err, ENOENT,
                             "%s needs the runtime's language '%s', which this sandboxrt does "
                             "not have (it has %s)",
                             subset, l->runtime, known);
}

int sbx_eval_ml_subsets(const struct sbx_eval_ml_layout *lay, const char *path,
                        const struct sbx_eval_dataset_args *args, char ***out,
                        struct sbx_error **err)
{
        char **paths = NULL;
        const struct sbx_eval_lang **langs = NULL;
        size_t n = 0;
        int r = 0;

        *out = NULL;
        if (args->subset_list && args->subset_list[0]) {
                for (size_t i = 0; r == 0 && args->subset_list[i]; i++)
                        if (cfg_strv_push(out, args->subset_list[i]) < 0)
                                r = sbx_error_set(err, ENOMEM, "out of memory");
        } else if (is_dir(path)) {
                if ((r = scan_dir(lay, path, &paths, &langs, &n)) < 0)
                        r = sbx_error_set(err, -r, "%s: %s", path, strerror(-r));
                for (size_t i = 0; r == 0 && i < n; i++)
                        if (cfg_strv_push(out, langs[i]->name) < 0)
                                r = sbx_error_set(err, ENOMEM, "out of memory");
                if (r == 0 && *out)
                        qsort(*out, n, sizeof(**out), by_name);
        } else {
                const struct sbx_eval_lang *l = file_lang(lay, path);
                r = l ? (cfg_strv_push(out, l->name) < 0 ? -ENOMEM : 0)
                      : sbx_error_set(err, EINVAL,
                                      "%s: its records name no language: set subset_list", path);
        }
        cfg_strv_free(paths);
        free(langs);
        for (size_t i = 0; r == 0 && *out && (*out)[i]; i++) {
                _cleanup_free_ char *file = NULL;
                r = runtime_has(lay, (*out)[i], sbx_eval_ml_subset_lang((*out)[i]), err);
                if (r == 0)
                        r = sbx_eval_ml_file(lay, path, (*out)[i], &file, err);
        }
        if (r < 0)
                *out = cfg_strv_free(*out);
        return r;
}

int sbx_eval_ml_file(const struct sbx_eval_ml_layout *lay, const char *path, const char *subset,
                     char **out, struct sbx_error **err)
{
        const struct sbx_eval_lang *want = sbx_eval_ml_subset_lang(subset), **langs = NULL;
        char **paths = NULL;
        size_t n = 0;
        int r;

        *out = NULL;
        if (!is_dir(path)) {
                const struct sbx_eval_lang *l = file_lang(lay, path);
                if (l && l != want)
                        return sbx_error_set(err, EINVAL,
                                             "%s holds %s problems, not %s: point local_path at a "
                                             "directory with a file per language",
                                             path, l->name, subset);
                *out = strdup(path);
                return *out ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
        }
        if ((r = scan_dir(lay, path, &paths, &langs, &n)) < 0)
                return sbx_error_set(err, -r, "%s: %s", path, strerror(-r));
        for (size_t i = 0; i < n && r == 0; i++) {
                if (langs[i] != want)
                        continue;
                if (*out)
                        r = sbx_error_set(err, EINVAL,
                                          "%s and %s both hold %s problems: point local_path at "
                                          "one of them",
                                          *out, paths[i], subset);
                else if (!(*out = strdup(paths[i])))
                        r = sbx_error_set(err, ENOMEM, "out of memory");
        }
        cfg_strv_free(paths);
        free(langs);
        if (r < 0) {
                free(*out);
                *out = NULL;
                return r;
        }
        return *out ? 0 : sbx_error_set(err, ENOENT, "%s has no file of %s problems", path, subset);
}

static int ml_check(const struct sbx_eval_problem_set *set,
                    char *(*program)(const struct sbx_eval_problem *p, const char *code),
                    struct sbx_error **err)
{
        for (size_t i = 0; i < set->n; i++) {
                const struct sbx_eval_problem *p = &set->items[i];
                char *text = program(p, "");
                free(text);
                if (!text)
                        return sbx_error_set(err, EINVAL,
                                             "problem %s (line %u): the completion proof cannot "
                                             "be added: its %s tests need %s",
                                             p->task_id, p->line, p->lang->name,
                                             sbx_eval_harness_needs(p->lang));
        }
        return 0;
}

struct ml_load {
        const struct sbx_eval_lang *lang;
        struct sbx_eval_problem_set *set;
        int (*record)(struct sbx_eval_problem *p, const cJSON *j, const char *where,
                      struct sbx_error **err);
        struct sbx_error **err;
};

static int ml_record(void *ctx, const cJSON *j, const char *where)
{
        struct ml_load *l = ctx;
        struct sbx_eval_problem *p = sbx_eval_problem_set_push(l->set, false);

        if (!p)
                return sbx_error_set(l->err, ENOMEM, "out of memory");
        p->check = SBX_EVAL_CHECK_EXIT;
        p->lang = l->lang;
        p->line = sbx_eval_where_line(where);
        return l->record(p, j, where, l->err);
}

int sbx_eval_ml_load(const struct sbx_eval_ml_layout *lay, const char *path, const char *subset,
                     int (*record)(struct sbx_eval_problem *p, const cJSON *j, const char *where,
                                   struct sbx_error **err),
                     char *(*program)(const struct sbx_eval_problem *p, const char *code),
                     struct sbx_eval_problem_set *out, struct sbx_error **err)
{
        _cleanup_free_ char *file = NULL, *text = NULL;
        struct ml_load l = {
            .lang = sbx_eval_ml_subset_lang(subset), .set = out, .record = record, .err = err};
        size_t size = 0;
        int r = sbx_eval_ml_file(lay, path, subset, &file, err);

        if (r == 0)
                r = sbx_eval_read_dataset_file(file, &text, &size, err);
        if (r == 0)
                r = sbx_eval_jsonl_objects_nul(text, size, file, ml_record, &l,
                                               l.lang ? l.lang->nul_escape : NULL, err);
        return r < 0 ? r : ml_check(out, program, err);
}

/* The prompt's last non-blank line, trimmed: the signature the completion continues. */
static bool signature(const char *prompt, const char **s, size_t *n)
{
        const char *end = prompt + strlen(prompt);

        while (end > prompt && strchr(" \t\r\n", end[-1]))
                end--;
        const char *start = end;
        while (start > prompt && start[-1] != '\n')
                start--;
        while (start < end && strchr(" \t", *start))
                start++;
        *s = start;
        *n = (size_t)(end - start);
        return *n >= 8; /* too short to be a signature: "{" or "):" */
}

char *sbx_eval_ml_head(const struct sbx_eval_problem *p, const char *code)
{
        const char *sig, *at, *nl;
        size_t n;

        if (signature(p->prompt, &sig, &n) && (at = memmem(code, strlen(code), sig, n)) &&
            (nl = strchr(at + n, '\n')))
                code = nl + 1;
        return sbx_strdup_printf("%s%s", p->prompt, code);
}

char *sbx_eval_ml_prompt(const struct sbx_eval_problem_set *set, const struct sbx_eval_problem *p,
                         const struct sbx_eval_dataset_args *args)
{
        _cleanup_free_ char *question = NULL;
        const char *lang = p->lang ? p->lang->name : "python";

        if (args->prompt_template)
                return sbx_eval_fill_template(args->prompt_template, p->prompt);
        question = sbx_strdup_printf("```%s\n%s\n```", lang, p->prompt);
        if (!question)
                return NULL;
        return sbx_strdup_printf("Complete the following %s code according to its comments and "
                                 "docstring. Reply with the completed code in one fenced code "
                                 "block, without a main function or tests.\n\n%s",
                                 lang, question);
}
