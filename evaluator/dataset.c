/* What the benchmarks' loaders share (their table is benchmarks.c): locating and reading files
 * (gzip through libarchive), JSONL lines, problem storage. */
#include <archive.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/dataset_json.h"
#include "evaluator/strutil.h"
#include "install_dirs.h"
#include "util.h"

static char data_dir[PATH_MAX];
static pthread_once_t data_dir_once = PTHREAD_ONCE_INIT;

/* The installed data; the source tree's only when we run from the build tree. */
static void find_data_dir(void)
{
        if (!sbx_install_path(SBX_INSTALL_DATADIR "/sandboxrt/data", SBX_SOURCE_DIR "/data",
                              data_dir, sizeof(data_dir)))
                data_dir[0] = '\0';
}

const char *sbx_eval_data_dir(void)
{
        const char *env = getenv("SANDBOXRT_DATA_DIR");

        if (env && *env)
                return env;
        pthread_once(&data_dir_once, find_data_dir);
        return data_dir;
}

/* ---- reading -------------------------------------------------------------------------------- */

static int gunzip(const char *in, size_t in_size, const char *path, char **out, size_t *size,
                  struct sbx_error **err)
{
        struct archive *a = archive_read_new();
        struct archive_entry *entry;
        struct sbx_eval_buf b = {.max = SBX_EVAL_DATASET_MAX_BYTES};
        char chunk[65536];
        la_ssize_t n;

        if (!a)
                return sbx_error_set(err, ENOMEM, "out of memory");
        archive_read_support_filter_gzip(a);
        archive_read_support_format_raw(a);
        if (archive_read_open_memory(a, in, in_size) != ARCHIVE_OK ||
            archive_read_next_header(a, &entry) != ARCHIVE_OK) {
                int r = sbx_error_set(err, EINVAL, "%s: not a readable gzip file: %s", path,
                                      archive_error_string(a) ? archive_error_string(a) : "?");
                archive_read_free(a);
                return r;
        }
        while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0 && !b.truncated)
                sbx_eval_buf_append(&b, chunk, (size_t)n);
        if (n < 0 || b.truncated || b.oom) {
                int r = sbx_error_set(err, n < 0 ? EINVAL : EFBIG, "%s: %s", path,
                                      n < 0 ? archive_error_string(a)
                                            : "decompressed data larger than the 512 MiB cap");
                archive_read_free(a);
                sbx_eval_buf_free(&b);
                return r;
        }
        archive_read_free(a);
        *size = b.len;
        *out = sbx_eval_buf_take(&b);
        return *out ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}

int sbx_eval_read_dataset_file(const char *path, char **out, size_t *size, struct sbx_error **err)
{
        _cleanup_free_ char *raw = NULL;
        size_t n = 0;
        int r = sbx_read_file(path, SBX_EVAL_DATASET_MAX_BYTES, &raw, &n);

        if (r == -EFBIG)
                return sbx_error_set(err, EFBIG, "%s: larger than the 512 MiB cap", path);
        if (r < 0)
                return sbx_error_set(err, -r, "%s: %s", path, strerror(-r));
        if (n >= 2 && (unsigned char)raw[0] == 0x1f && (unsigned char)raw[1] == 0x8b)
                return gunzip(raw, n, path, out, size, err);
        *out = TAKE_PTR(raw);
        *size = n;
        return 0;
}

int sbx_eval_jsonl_foreach(const char *text, size_t size,
                           int (*fn)(void *ctx, const char *line, size_t len, size_t lineno),
                           void *ctx)
{
        size_t lineno = 0;

        for (const char *p = text, *end = text + size; p < end;) {
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
                bool blank = true;
                lineno++;
                for (size_t i = 0; i < len && blank; i++)
                        blank = strchr(" \t\r", p[i]) != NULL;
                if (!blank) {
                        int r = fn(ctx, p, len, lineno);
                        if (r < 0)
                                return r;
                }
                p += len + 1;
        }
        return 0;
}

struct jsonl_objects {
        const char *path;
        int (*fn)(void *ctx, const cJSON *obj, const char *where);
        void *ctx;
        const char *nul_escape;
        struct sbx_error **err;
};

/* The line with every \u0000 escape replaced by the JSON text of a string holding escape (its
 * backslashes doubled: the escapes used have no quotes or control characters). NULL when out of
 * memory. */
static char *replace_sbx_json_escaped_nul(const char *line, size_t len, const char *escape)
{
        struct sbx_eval_buf b = {0};
        const char *end = line + len, *p = line, *nul;

        while ((nul = sbx_json_escaped_nul(p, end))) {
                sbx_eval_buf_append(&b, p, (size_t)(nul - p));
                for (const char *e = escape; *e; e++)
                        sbx_eval_buf_append(&b, *e == '\\' ? "\\\\" : e, *e == '\\' ? 2 : 1);
                p = nul + 6;
        }
        sbx_eval_buf_append(&b, p, (size_t)(end - p));
        return sbx_eval_buf_take(&b);
}

/* The id a record gives itself, for messages. */
static const char *record_id(const cJSON *j)
{
        static const char *const keys[] = {"task_id", "question_id", "name"};

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, keys[i]);
                if (cJSON_IsString(v))
                        return v->valuestring;
        }
        return "?";
}

/* A dataset line whose strings hold NULs: parsed again with the language's escape for them. */
static int escaped_object_line(struct jsonl_objects *o, const char *line, size_t len,
                               const char *where)
{
        _cleanup_free_ char *text = replace_sbx_json_escaped_nul(line, len, o->nul_escape);
        cJSON *j = text ? cJSON_Parse(text) : NULL;
        int r = j ? o->fn(o->ctx, j, where)
                  : sbx_error_set(o->err, text ? EINVAL : ENOMEM, "%s: not a JSON object", where);

        cJSON_Delete(j);
        return r;
}

static int object_line(void *ctx, const char *line, size_t len, size_t lineno)
{
        struct jsonl_objects *o = ctx;
        _cleanup_free_ char *where = sbx_strdup_printf("%s:%zu", o->path, lineno);
        cJSON *j = cJSON_ParseWithLength(line, len);
        int r;

        if (!where || !cJSON_IsObject(j))
                r = sbx_error_set(o->err, EINVAL, "%s: not a JSON object", where ? where : o->path);
        else if (sbx_json_escaped_nul(line, line + len) && !o->nul_escape)
                r = sbx_error_set(o->err, EINVAL,
                                  "%s: task %s: a string holds a NUL character (\\u0000), which "
                                  "no program or prompt can carry",
                                  where, record_id(j));
        else if (sbx_json_escaped_nul(line, line + len))
                r = escaped_object_line(o, line, len, where);
        else
                r = o->fn(o->ctx, j, where);
        cJSON_Delete(j);
        return r;
}

int sbx_eval_jsonl_objects(const char *text, size_t size, const char *path,
                           int (*fn)(void *ctx, const cJSON *obj, const char *where), void *ctx,
                           struct sbx_error **err)
{
        return sbx_eval_jsonl_objects_nul(text, size, path, fn, ctx, NULL, err);
}

int sbx_eval_jsonl_objects_nul(const char *text, size_t size, const char *path,
                               int (*fn)(void *ctx, const cJSON *obj, const char *where), void *ctx,
                               const char *nul_escape, struct sbx_error **err)
{
        struct jsonl_objects o = {
            .path = path, .fn = fn, .ctx = ctx, .nul_escape = nul_escape, .err = err};

        return sbx_eval_jsonl_foreach(text, size, object_line, &o);
}

uint32_t sbx_eval_where_line(const char *where)
{
        const char *colon = strrchr(where, ':');
        uint64_t n = 0;

        return colon && sbx_parse_u64(colon + 1, &n) == 0 && n <= UINT32_MAX ? (uint32_t)n : 0;
}

/* ---- JSON fields ---------------------------------------------------------------------------- */

int sbx_eval_json_string(const cJSON *obj, const char *key, bool required, const char *where,
                         char **out, struct sbx_error **err)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
        char num[32];

        *out = NULL;
        if (!v || cJSON_IsNull(v)) {
                if (required)
                        return sbx_error_set(err, EINVAL, "%s: missing field '%s'", where, key);
                return 0;
        }
        if (cJSON_IsNumber(v)) {
                snprintf(num, sizeof(num), "%.0f", v->valuedouble);
                *out = strdup(num);
        } else if (cJSON_IsString(v)) {
                *out = strdup(v->valuestring);
        } else {
                return sbx_error_set(err, EINVAL, "%s: field '%s' is not a string", where, key);
        }
        return *out ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}

int sbx_eval_json_strings(const cJSON *obj, const char *key, bool required, const char *where,
                          char ***out, struct sbx_error **err)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key), *item;
        size_t n = 0;
        char **list;

        *out = NULL;
        if (!v || cJSON_IsNull(v))
                return required ? sbx_error_set(err, EINVAL, "%s: missing field '%s'", where, key)
                                : 0;
        if (!cJSON_IsArray(v))
                return sbx_error_set(err, EINVAL, "%s: field '%s' is not a list", where, key);
        list = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*list));
        if (!list)
                return sbx_error_set(err, ENOMEM, "out of memory");
        cJSON_ArrayForEach(item, v)
        {
                if (!cJSON_IsString(item) || !(list[n] = strdup(item->valuestring))) {
                        for (size_t i = 0; i < n; i++)
                                free(list[i]);
                        free(list);
                        return sbx_error_set(err, EINVAL, "%s: field '%s' holds a non-string",
                                             where, key);
                }
                n++;
        }
        *out = list;
        return 0;
}

/* ---- problems ------------------------------------------------------------------------------- */

struct sbx_eval_problem *sbx_eval_problem_set_push(struct sbx_eval_problem_set *set, bool shot)
{
        struct sbx_eval_problem **items = shot ? &set->shots : &set->items;
        size_t *n = shot ? &set->n_shots : &set->n;
        struct sbx_eval_problem *p = realloc(*items, (*n + 1) * sizeof(*p));

        if (!p)
                return NULL;
        *items = p;
        p = &p[(*n)++];
        memset(p, 0, sizeof(*p));
        return p;
}

void sbx_eval_problem_release(struct sbx_eval_problem *p)
{
        free(p->task_id);
        free(p->prompt);
        free(p->reference);
        free(p->entry_point);
        free(p->test);
        free(p->setup);
        for (size_t i = 0; p->asserts && p->asserts[i]; i++)
                free(p->asserts[i]);
        free(p->asserts);
        free(p->starter_code);
        free(p->stdin_data);
        for (size_t i = 0; i < p->n_tests; i++) {
                free(p->tests[i].input);
                free(p->tests[i].output);
        }
        free(p->tests);
}

void sbx_eval_problem_set_release(struct sbx_eval_problem_set *set)
{
        for (size_t i = 0; i < set->n; i++)
                sbx_eval_problem_release(&set->items[i]);
        for (size_t i = 0; i < set->n_shots; i++)
                sbx_eval_problem_release(&set->shots[i]);
        free(set->items);
        free(set->shots);
        free(set->label);
        memset(set, 0, sizeof(*set));
}

/* args->local_path, else the bundled file. */
static int dataset_path(const struct sbx_eval_benchmark *b,
                        const struct sbx_eval_dataset_args *args, char **out,
                        struct sbx_error **err)
{
        if (args->local_path)
                *out = strdup(args->local_path);
        else if (b->default_file)
                *out = sbx_strdup_printf("%s/%s", sbx_eval_data_dir(), b->default_file);
        else
                return sbx_error_set(err, EINVAL,
                                     "%s has no bundled data: set dataset_args.%s.local_path",
                                     b->name, b->name);
        return *out ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}

int sbx_eval_dataset_subsets(const struct sbx_eval_benchmark *b,
                             const struct sbx_eval_dataset_args *args, char ***out,
                             struct sbx_error **err)
{
        _cleanup_free_ char *path = NULL;
        int r = dataset_path(b, args, &path, err);

        *out = NULL;
        if (r < 0)
                return r;
        r = b->subsets(path, args, out, err);
        if (r == 0 && (!*out || !**out))
                r = sbx_error_set(err, EINVAL, "no subset to evaluate in %s", path);
        return r < 0 ? sbx_error_prefix(err, "dataset_args.%s.subset_list", b->name) : 0;
}

int sbx_eval_dataset_load(const struct sbx_eval_benchmark *b,
                          const struct sbx_eval_dataset_args *args, const char *subset,
                          struct sbx_eval_problem_set *out, struct sbx_error **err)
{
        _cleanup_free_ char *path = NULL;
        int r;

        memset(out, 0, sizeof(*out));
        if ((r = dataset_path(b, args, &path, err)) < 0)
                return r;
        r = b->load(path, args, subset, out, err);
        if (r < 0) {
                sbx_eval_problem_set_release(out);
                return r;
        }
        if (out->n == 0) {
                r = sbx_error_set(err, EINVAL, "no problems in %s%s%s", path,
                                  out->label ? " for " : "", out->label ? out->label : "");
                sbx_eval_problem_set_release(out);
                return r;
        }
        return 0;
}

char *sbx_eval_fill_template(const char *tmpl, const char *question)
{
        struct sbx_eval_buf b = {0};
        const char *p = tmpl, *at;

        while ((at = strstr(p, "{question}"))) {
                sbx_eval_buf_append(&b, p, (size_t)(at - p));
                sbx_eval_buf_puts(&b, question);
                p = at + strlen("{question}");
        }
        sbx_eval_buf_puts(&b, p);
        return sbx_eval_buf_take(&b);
}
