#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evaluator/dataset.h"
#include "evaluator/outputs.h"
#include "evaluator/strutil.h"
#include "util.h"

#define JSONL_MAX_BYTES ((size_t)1 << 30)

/* mkdir -p path. On failure, the error names the directory that could not be made. */
static int mkdir_p(const char *path, struct sbx_error **err)
{
        _cleanup_free_ char *copy = strdup(path);
        char *p = copy;

        if (!copy)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (!*copy)
                return sbx_error_set(err, EINVAL, "cannot create a directory with no name");
        do {
                p = strchr(p + 1, '/');
                if (p)
                        *p = '\0';
                if (mkdir(copy, 0755) < 0 && errno != EEXIST)
                        return sbx_error_set(err, errno, "cannot create %s: %s", copy,
                                             strerror(errno));
                if (p)
                        *p = '/';
        } while (p);
        return 0;
}

/* Make and claim <work_dir>/<YYYYMMDD_HHMMSS>, with a suffix when the name is taken: another
 * run that started in the same second, maybe at this very moment (mkdir is the claim). */
static int new_run_dir(const struct sbx_eval_config *c, char **out, struct sbx_error **err)
{
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        int r = mkdir_p(c->work_dir, err);

        if (r < 0)
                return sbx_error_prefix(err, "work_dir");
        if (c->no_timestamp) {
                *out = strdup(c->work_dir);
                return *out ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
        }
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y%m%d_%H%M%S", &tm);
        for (unsigned i = 0; i < 100; i++) {
                char *dir = i ? sbx_strdup_printf("%s/%s_%u", c->work_dir, stamp, i)
                              : sbx_strdup_printf("%s/%s", c->work_dir, stamp);
                if (!dir)
                        return sbx_error_set(err, ENOMEM, "out of memory");
                if (mkdir(dir, 0755) == 0) {
                        *out = dir;
                        return 0;
                }
                r = errno;
                if (r != EEXIST) {
                        sbx_error_set(err, r, "cannot create %s: %s", dir, strerror(r));
                        free(dir);
                        return -r;
                }
                free(dir);
        }
        return sbx_error_set(err, EEXIST, "%s: 100 runs started at %s already", c->work_dir, stamp);
}

static int write_config(const struct sbx_eval_config *c, const char *dir, struct sbx_error **err)
{
        _cleanup_free_ char *yaml = sbx_eval_config_to_yaml(c);
        _cleanup_free_ char *tmp = sbx_strdup_printf("%s/configs/.task_config.yaml.tmp", dir);
        _cleanup_free_ char *path = sbx_strdup_printf("%s/configs/task_config.yaml", dir);
        _cleanup_close_ int fd = -1;

        if (!yaml || !tmp || !path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 || sbx_write_all(fd, yaml, strlen(yaml)) < 0 || rename(tmp, path) < 0)
                return sbx_error_set(err, errno ? errno : EIO, "%s: %s", path, strerror(errno));
        return 0;
}

int sbx_eval_outputs_open(const struct sbx_eval_config *c, struct sbx_eval_outputs *o,
                          struct sbx_error **err)
{
        static const char *const subdirs[] = {"configs", "logs", "predictions", "reviews",
                                              "reports"};
        int r;

        memset(o, 0, sizeof(*o));
        if (c->use_cache && access(c->use_cache, F_OK) < 0)
                return sbx_error_set(err, ENOENT, "use_cache: %s: no such run folder",
                                     c->use_cache);
        if (c->use_cache)
                o->dir = strdup(c->use_cache);
        else if ((r = new_run_dir(c, &o->dir, err)) < 0)
                return r;
        o->model_dir = sbx_eval_config_model_dirname(c);
        if (!o->dir || !o->model_dir)
                return sbx_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < ELEMENTSOF(subdirs); i++) {
                bool per_model = i >= 2;
                _cleanup_free_ char *p =
                    per_model ? sbx_strdup_printf("%s/%s/%s", o->dir, subdirs[i], o->model_dir)
                              : sbx_strdup_printf("%s/%s", o->dir, subdirs[i]);
                if (!p)
                        return sbx_error_set(err, ENOMEM, "out of memory");
                if ((r = mkdir_p(p, err)) < 0)
                        return r;
        }
        if ((r = write_config(c, o->dir, err)) < 0)
                return r;
        _cleanup_free_ char *log = sbx_strdup_printf("%s/logs/eval_log.log", o->dir);
        o->log = log ? fopen(log, "ae") : NULL;
        if (!o->log)
                return sbx_error_set(err, errno ? errno : ENOMEM, "%s: %s", log ? log : "log",
                                     strerror(errno));
        return 0;
}

void sbx_eval_outputs_close(struct sbx_eval_outputs *o)
{
        if (o->log)
                fclose(o->log);
        free(o->dir);
        free(o->model_dir);
        memset(o, 0, sizeof(*o));
}

void sbx_eval_log(struct sbx_eval_outputs *o, const char *fmt, ...)
{
        char stamp[32];
        time_t now = time(NULL);
        struct tm tm;
        va_list ap;

        if (!o || !o->log)
                return;
        localtime_r(&now, &tm);
        strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(o->log, "%s ", stamp);
        va_start(ap, fmt);
        vfprintf(o->log, fmt, ap);
        va_end(ap);
        fputc('\n', o->log);
        fflush(o->log);
}

char *sbx_eval_outputs_path(const struct sbx_eval_outputs *o, const char *kind, const char *dataset,
                            const char *ext)
{
        return sbx_strdup_printf("%s/%s/%s/%s%s", o->dir, kind, o->model_dir, dataset, ext);
}

/* ---- JSONL files ---------------------------------------------------------------------------- */

/* Offset just past the last '\n' (0 if none). */
static int last_newline_end(int fd, off_t size, off_t *out)
{
        char chunk[4096];
        off_t pos = size;

        while (pos > 0) {
                size_t n = pos > (off_t)sizeof(chunk) ? sizeof(chunk) : (size_t)pos;
                pos -= (off_t)n;
                if (pread(fd, chunk, n, pos) != (ssize_t)n)
                        return -EIO;
                for (size_t i = n; i > 0; i--)
                        if (chunk[i - 1] == '\n') {
                                *out = pos + (off_t)i;
                                return 0;
                        }
        }
        *out = 0;
        return 0;
}

int sbx_eval_jsonl_open(const char *path, bool truncate, FILE **out, struct sbx_error **err)
{
        _cleanup_close_ int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
        off_t size, keep;
        char last;

        if (fd < 0)
                return sbx_error_set(err, errno, "%s: %s", path, strerror(errno));
        size = lseek(fd, 0, SEEK_END);
        if (truncate && size > 0 && ftruncate(fd, 0) < 0)
                return sbx_error_set(err, errno, "%s: %s", path, strerror(errno));
        if (!truncate && size > 0) {
                if (pread(fd, &last, 1, size - 1) != 1)
                        return sbx_error_set(err, EIO, "%s: read failed", path);
                if (last != '\n' &&
                    (last_newline_end(fd, size, &keep) < 0 || ftruncate(fd, keep) < 0))
                        return sbx_error_set(err, EIO, "%s: cannot remove a torn last line", path);
        }
        *out = fdopen(fd, "a");
        if (!*out)
                return sbx_error_set(err, errno, "%s: %s", path, strerror(errno));
        TAKE_FD(fd);
        return 0;
}

static int write_line(FILE *f, cJSON *obj)
{
        char *text = obj ? cJSON_PrintUnformatted(obj) : NULL;
        int r = 0;

        cJSON_Delete(obj);
        if (!text)
                return -ENOMEM;
        if (fputs(text, f) < 0 || fputc('\n', f) < 0 || fflush(f) < 0)
                r = -EIO;
        free(text);
        return r;
}

static void add_string(cJSON *o, const char *key, const char *s)
{
        if (s)
                cJSON_AddStringToObject(o, key, s);
        else
                cJSON_AddNullToObject(o, key);
}

int sbx_eval_pred_write(FILE *f, const struct sbx_eval_pred_record *r)
{
        cJSON *o = cJSON_CreateObject();

        if (!o)
                return -ENOMEM;
        cJSON_AddStringToObject(o, "task_id", r->task_id);
        cJSON_AddNumberToObject(o, "sample", r->sample);
        add_string(o, "model", r->model);
        add_string(o, "prompt", r->prompt);
        add_string(o, "reply", r->reply);
        add_string(o, "code", r->code);
        if (r->error)
                cJSON_AddStringToObject(o, "error", r->error);
        return write_line(f, o);
}

static void add_review_exec(cJSON *o, const struct sbx_eval_review *r)
{
        cJSON_AddStringToObject(o, "verdict", sbx_verdict_to_string(r->verdict));
        cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
        cJSON_AddNumberToObject(o, "signal", r->signal);
        cJSON_AddNumberToObject(o, "wall_ms", (double)r->wall_ms);
        cJSON_AddNumberToObject(o, "cpu_ms", (double)r->cpu_ms);
        cJSON_AddNumberToObject(o, "peak_memory_bytes", (double)r->peak_memory_bytes);
        add_string(o, "stdout", r->stdout_head);
        cJSON_AddBoolToObject(o, "stdout_truncated", r->stdout_truncated);
        add_string(o, "stderr", r->stderr_head);
        cJSON_AddBoolToObject(o, "stderr_truncated", r->stderr_truncated);
        if (r->tests_total) {
                cJSON_AddNumberToObject(o, "tests_total", r->tests_total);
                cJSON_AddNumberToObject(o, "tests_run", r->tests_run);
                cJSON_AddNumberToObject(o, "tests_passed", r->tests_passed);
        }
        add_string(o, "backend", r->backend);
}

int sbx_eval_review_write(FILE *f, const struct sbx_eval_review *r)
{
        cJSON *o = cJSON_CreateObject();
        char hash[20];

        if (!o)
                return -ENOMEM;
        snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)r->judged_hash);
        cJSON_AddStringToObject(o, "task_id", r->task_id);
        cJSON_AddNumberToObject(o, "sample", r->sample);
        cJSON_AddBoolToObject(o, "passed", r->outcome == SBX_EVAL_OK);
        cJSON_AddStringToObject(o, "outcome", sbx_eval_outcome_to_string(r->outcome));
        cJSON_AddStringToObject(o, "judged_hash", hash);
        if (r->early_exit)
                cJSON_AddBoolToObject(o, "early_exit", true);
        if (r->executed)
                add_review_exec(o, r);
        add_string(o, "message", r->message);
        return write_line(f, o);
}

/* ---- reading back --------------------------------------------------------------------------- */

struct reader {
        void *ctx;
        int (*pred)(void *ctx, const struct sbx_eval_pred_record *r);
        int (*review)(void *ctx, const struct sbx_eval_review *r);
};

static const char *get_string(const cJSON *o, const char *key)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool get_sample(const cJSON *o, uint32_t *out)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "sample");

        if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > UINT32_MAX ||
            v->valuedouble != (double)(uint32_t)v->valuedouble)
                return false;
        *out = (uint32_t)v->valuedouble;
        return true;
}

static int read_pred_line(struct reader *rd, const cJSON *o)
{
        struct sbx_eval_pred_record r = {
            .task_id = get_string(o, "task_id"),
            .model = get_string(o, "model"),
            .prompt = get_string(o, "prompt"),
            .reply = get_string(o, "reply"),
            .code = get_string(o, "code"),
            .error = get_string(o, "error"),
        };

        if (!r.task_id || !get_sample(o, &r.sample) || (!r.code && !r.error))
                return 0;
        return rd->pred(rd->ctx, &r);
}

static int parse_hash(const char *hex, uint64_t *out)
{
        uint64_t v = 0;

        for (const char *p = hex; *p; p++) {
                int d = *p >= '0' && *p <= '9'   ? *p - '0'
                        : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                                                 : -1;
                if (d < 0)
                        return -EINVAL;
                v = v << 4 | (uint64_t)d;
        }
        *out = v;
        return 0;
}

static int read_review_line(struct reader *rd, const cJSON *o)
{
        struct sbx_eval_review r = {.task_id = get_string(o, "task_id")};
        const char *outcome = get_string(o, "outcome"), *hash = get_string(o, "judged_hash");
        const char *verdict = get_string(o, "verdict");
        int oc, v;

        if (!r.task_id || !outcome || !hash || !get_sample(o, &r.sample) ||
            (oc = sbx_eval_outcome_from_string(outcome)) < 0 || strlen(hash) != 16)
                return 0;
        r.outcome = (enum sbx_eval_outcome)oc;
        r.early_exit = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "early_exit"));
        if (parse_hash(hash, &r.judged_hash) < 0)
                return 0;
        if (verdict && (v = sbx_verdict_from_string(verdict)) >= 0) {
                r.executed = true;
                r.verdict = (enum sbx_verdict)v;
        }
        return rd->review(rd->ctx, &r);
}

static int read_line(void *ctx, const char *line, size_t len, size_t lineno)
{
        struct reader *rd = ctx;
        cJSON *o = cJSON_ParseWithLength(line, len);
        int r = 0;

        if (cJSON_IsObject(o))
                r = rd->pred ? read_pred_line(rd, o) : read_review_line(rd, o);
        cJSON_Delete(o);
        return r;
}

static int read_jsonl(const char *path, struct reader *rd, struct sbx_error **err)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r = sbx_read_file(path, JSONL_MAX_BYTES, &text, &size);

        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return sbx_error_set(err, -r, "%s: %s", path, strerror(-r));
        return sbx_eval_jsonl_foreach(text, size, read_line, rd);
}

int sbx_eval_pred_read(const char *path, int (*fn)(void *ctx, const struct sbx_eval_pred_record *r),
                       void *ctx, struct sbx_error **err)
{
        struct reader rd = {.ctx = ctx, .pred = fn};

        return read_jsonl(path, &rd, err);
}

int sbx_eval_review_read(const char *path, int (*fn)(void *ctx, const struct sbx_eval_review *r),
                         void *ctx, struct sbx_error **err)
{
        struct reader rd = {.ctx = ctx, .review = fn};

        return read_jsonl(path, &rd, err);
}
