/* The remote backend (remote/remote.h): a job's steps sent to a sandboxrt or ms-enclave server. */
#include "remote/remote.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "base64.h"
#include "policies/fields.h"
#include "util.h"

#define REMOTE_RETRIES       3
#define REMOTE_BACKOFF_MS    250
#define REMOTE_CONNECT_S     10
#define REMOTE_CALL_MS       (120u * 1000)
#define REMOTE_JOB_MARGIN_MS (600u * 1000) /* the server may queue a job before running it */
#define REMOTE_RESPONSE_MAX  (64u << 20)
#define REMOTE_STDIN_NAME    ".sbx_stdin"
#define REMOTE_EXIT_MARK     "\n__sbx_exit="

struct sbx_backend {
        char *url;        /* without a trailing '/' */
        char *key_header; /* "X-API-Key: ..." or NULL */
        bool sandboxrt;   /* the server has /v1/run */
        bool plain;       /* read replies as ms-enclave's, ignoring sandboxrt's metadata */
        bool fail_fast;   /* no connection retries: the caller retries on another server */
};

struct sbx_box {
        char id[64];
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code;

static void curl_init(void)
{
        curl_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static void cjson_deletep(cJSON **j)
{
        cJSON_Delete(*j);
}
#define _cleanup_cjson_ __attribute__((cleanup(cjson_deletep)))

/* ---- HTTP --------------------------------------------------------------------------------- */

struct reply {
        long status;
        char *body;
        size_t size;
};

static void reply_clear(struct reply *r)
{
        free(r->body);
        memset(r, 0, sizeof(*r));
}

static size_t on_data(char *p, size_t size, size_t n, void *userdata)
{
        struct reply *r = userdata;
        size_t len = size * n;

        if (len > REMOTE_RESPONSE_MAX - r->size)
                return 0; /* a reply past the cap aborts the transfer */
        char *body = realloc(r->body, r->size + len + 1);
        if (!body)
                return 0;
        memcpy(body + r->size, p, len);
        r->body = body;
        r->size += len;
        r->body[r->size] = '\0';
        return len;
}

/* Only failures where the request cannot have reached the server are retried: a job is never
 * run twice. */
static bool retryable(CURLcode c)
{
        return c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST ||
               c == CURLE_COULDNT_RESOLVE_PROXY;
}

static CURLcode perform(const struct sbx_backend *be, const char *method, const char *url,
                        const char *ctype, const void *body, size_t size, uint64_t timeout_ms,
                        struct reply *rep)
{
        struct curl_slist *hdrs = NULL;
        char ct[96];
        CURL *h = curl_easy_init();
        CURLcode c;

        if (!h)
                return CURLE_OUT_OF_MEMORY;
        snprintf(ct, sizeof(ct), "Content-Type: %s", ctype ? ctype : "application/json");
        hdrs = curl_slist_append(hdrs, ct);
        if (be->key_header)
                hdrs = curl_slist_append(hdrs, be->key_header);
        hdrs = curl_slist_append(hdrs, "Expect:");
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)REMOTE_CONNECT_S);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)timeout_ms);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, rep);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        if (body) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)size);
        }
        c = curl_easy_perform(h);
        if (c == CURLE_OK)
                curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &rep->status);
        curl_slist_free_all(hdrs);
        curl_easy_cleanup(h);
        return c;
}

/* What failed, as an errno the caller can act on (a fleet retries such jobs on another
 * server; sandboxrt.h lists these codes on struct sbx_result). */
static int transport_errno(CURLcode c)
{
        switch (c) {
        case CURLE_COULDNT_CONNECT:
                return ECONNREFUSED;
        case CURLE_OPERATION_TIMEDOUT:
                return ETIMEDOUT;
        case CURLE_GOT_NOTHING:
        case CURLE_RECV_ERROR:
        case CURLE_SEND_ERROR:
        case CURLE_PARTIAL_FILE:
                return ECONNRESET; /* the server went away in the middle */
        default:
                return EHOSTUNREACH;
        }
}

static int status_errno(long status)
{
        return status == 404 ? ENOENT : status >= 500 ? EREMOTEIO : EIO;
}

static int http(const struct sbx_backend *be, const char *method, const char *path,
                const char *ctype, const void *body, size_t size, uint64_t timeout_ms,
                struct reply *rep, struct sbx_error **err)
{
        _cleanup_free_ char *url = sbx_strdup_printf("%s%s", be->url, path);
        CURLcode c = CURLE_OK;

        memset(rep, 0, sizeof(*rep));
        if (!url)
                return sbx_error_set(err, ENOMEM, "out of memory");
        for (unsigned attempt = 0; attempt <= (be->fail_fast ? 0 : REMOTE_RETRIES); attempt++) {
                if (attempt)
                        usleep((REMOTE_BACKOFF_MS << (attempt - 1)) * 1000);
                reply_clear(rep);
                c = perform(be, method, url, ctype, body, size, timeout_ms, rep);
                if (!retryable(c))
                        break;
        }
        if (c != CURLE_OK) {
                reply_clear(rep);
                return sbx_error_set(err, transport_errno(c), "remote %s: %s %s: %s", be->url,
                                     method, path, curl_easy_strerror(c));
        }
        return 0;
}

/* A JSON call: 200 gives the parsed body; anything else is an error with the server's detail. */
static int call(const struct sbx_backend *be, const char *method, const char *path, cJSON *body,
                uint64_t timeout_ms, cJSON **out, struct sbx_error **err)
{
        _cleanup_free_ char *text = body ? cJSON_PrintUnformatted(body) : NULL;
        struct reply rep;
        int r;

        if (body && !text)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = http(be, method, path, NULL, text, text ? strlen(text) : 0, timeout_ms, &rep, err);
        if (r < 0)
                return r;
        cJSON *j = rep.body ? cJSON_ParseWithLength(rep.body, rep.size) : NULL;
        if (rep.status != 200) {
                const char *detail = cJSON_GetStringValue(cJSON_GetObjectItem(j, "detail"));
                r = sbx_error_set(err, status_errno(rep.status), "remote %s: %s %s: HTTP %ld: %s",
                                  be->url, method, path, rep.status, detail ? detail : "no detail");
        } else if (!j) {
                r = sbx_error_set(err, EPROTO, "remote %s: %s %s: the reply is not JSON", be->url,
                                  method, path);
        }
        reply_clear(&rep);
        if (r < 0) {
                cJSON_Delete(j);
                return r;
        }
        *out = j;
        return 0;
}

/* ---- open --------------------------------------------------------------------------------- */

static int remote_probe(struct sbx_error **err)
{
        return sbx_error_set(err, ENOTSUP,
                             "the remote backend needs a server URL (--remote URL "
                             "or sandbox_manager_config.base_url)");
}

static void remote_close(struct sbx_backend *be)
{
        if (!be)
                return;
        free(be->url);
        free(be->key_header);
        free(be);
}

static int remote_open(const struct sbx_runtime_options *opts, struct sbx_backend **out,
                       struct sbx_error **err)
{
        struct sbx_backend *be;
        cJSON *health = NULL;
        int r;

        if (!opts || !opts->remote_url || strncmp(opts->remote_url, "http", 4))
                return sbx_error_set(err, EINVAL, "the remote backend needs an http(s):// URL");
        pthread_once(&curl_once, curl_init);
        if (curl_init_code != CURLE_OK)
                return sbx_error_set(err, EIO, "libcurl: %s", curl_easy_strerror(curl_init_code));
        if (!(be = calloc(1, sizeof(*be))) || !(be->url = strdup(opts->remote_url))) {
                remote_close(be);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        for (size_t n = strlen(be->url); n > 0 && be->url[n - 1] == '/'; n--)
                be->url[n - 1] = '\0';
        be->fail_fast = opts->remote_fail_fast;
        if (opts->remote_api_key &&
            !(be->key_header = sbx_strdup_printf("X-API-Key: %s", opts->remote_api_key))) {
                remote_close(be);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        r = call(be, "GET", "/health", NULL, REMOTE_CALL_MS, &health, err);
        if (r < 0) {
                remote_close(be);
                return r;
        }
        /* SANDBOXRT_REMOTE_PROTOCOL=ms-enclave speaks only ms-enclave's routes to any server. */
        const char *proto = getenv("SANDBOXRT_REMOTE_PROTOCOL");
        be->plain = proto && !strcmp(proto, "ms-enclave");
        be->sandboxrt =
            !be->plain &&
            !strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(health, "server")) ?: "", "sandboxrt");
        cJSON_Delete(health);
        *out = be;
        return 0;
}

/* ---- results ------------------------------------------------------------------------------ */

/* The output's bytes: "stdout_base64" when the server sent it (the output is not UTF-8 text),
 * else the text of "stdout". */
static int take_output(const cJSON *o, const char *name, struct sbx_output *out)
{
        char key[32];
        const char *s = cJSON_GetStringValue(cJSON_GetObjectItem(o, name)), *b64;

        snprintf(key, sizeof(key), "%s_truncated", name);
        out->truncated = cJSON_IsTrue(cJSON_GetObjectItem(o, key));
        snprintf(key, sizeof(key), "%s_base64", name);
        b64 = cJSON_GetStringValue(cJSON_GetObjectItem(o, key));
        if (b64 && sbx_base64_decode(b64, strlen(b64), &out->data, &out->size) == 0)
                return 0;
        out->size = s ? strlen(s) : 0;
        out->data = strdup(s ? s : "");
        return out->data ? 0 : -ENOMEM;
}

static uint64_t number(const cJSON *o, const char *name)
{
        double v = cJSON_GetNumberValue(cJSON_GetObjectItem(o, name));

        return v > 0 && v < 1.8e19 ? (uint64_t)v : 0;
}

/* The limits the server says it enforced; 0 when it does not say. */
static uint32_t limits_from(const cJSON *o)
{
        const cJSON *a = cJSON_GetObjectItem(o, "limits_enforced"), *v;
        uint32_t enforced = 0;
        int l;

        if (!cJSON_IsArray(a))
                return 0;
        cJSON_ArrayForEach(v, a)
        {
                if ((l = sbx_limit_from_string(cJSON_GetStringValue(v))) >= 0)
                        enforced |= 1u << l;
        }
        return enforced;
}

/* A sandboxrt result object (/v1/run, or ToolResult.metadata) into res. */
static int result_from(const cJSON *o, struct sbx_result *res)
{
        int v = sbx_verdict_from_string(cJSON_GetStringValue(cJSON_GetObjectItem(o, "verdict")));
        const char *msg = cJSON_GetStringValue(cJSON_GetObjectItem(o, "message"));
        const cJSON *compile = cJSON_GetObjectItem(o, "compile");

        if (v < 0)
                return -EPROTO;
        res->verdict = (enum sbx_verdict)v;
        res->exit_code = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "exit_code"));
        res->signal = (int)cJSON_GetNumberValue(cJSON_GetObjectItem(o, "signal"));
        res->wall_ms = number(o, "wall_ms");
        res->cpu_ms = number(o, "cpu_ms");
        res->peak_memory_bytes = number(o, "peak_memory_bytes");
        res->limits_enforced = limits_from(o);
        res->backend = "remote";
        if (msg && !(res->message = strdup(msg)))
                return -ENOMEM;
        if (cJSON_GetObjectItem(o, "stdout") &&
            (take_output(o, "stdout", &res->out) < 0 || take_output(o, "stderr", &res->err) < 0))
                return -ENOMEM;
        if (cJSON_IsObject(compile)) {
                if (!(res->compile = calloc(1, sizeof(*res->compile))))
                        return -ENOMEM;
                return result_from(compile, res->compile);
        }
        return 0;
}

/* ---- sandboxrt: POST /v1/run -------------------------------------------------------------- */

static void add_overrides(cJSON *o, const struct sbx_field *fields, size_t n,
                          const struct sbx_policy *p)
{
        char v[32];

        for (size_t i = 0; i < n; i++) {
                const struct sbx_field *f = &fields[i];
                const char *s = sbx_field_string(f, p);
                if (f->override && sbx_field_is_set(f, p))
                        cJSON_AddStringToObject(o, f->key,
                                                s ? s : sbx_field_format(f, p, v, sizeof(v)));
        }
}

cJSON *sbx_remote_limits_json(const struct sbx_policy *p)
{
        cJSON *o = cJSON_CreateObject();

        add_overrides(o, sbx_limit_fields, sbx_n_limit_fields, p);
        add_overrides(o, sbx_policy_fields, sbx_n_policy_fields, p);
        return o;
}

static cJSON *strings(const char *const *v)
{
        cJSON *a = cJSON_CreateArray();

        for (size_t i = 0; v && v[i]; i++)
                cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
        return a;
}

static cJSON *job_json(const struct sbx_spec *spec, const char *policy)
{
        cJSON *o = cJSON_CreateObject(), *files = cJSON_CreateArray();

        cJSON_AddItemToObject(o, "argv", strings(spec->argv));
        cJSON_AddItemToObject(o, "env", strings(spec->env));
        cJSON_AddStringToObject(o, "policy", policy);
        cJSON_AddItemToObject(o, "limits", sbx_remote_limits_json(spec->policy));
        for (size_t i = 0; i < spec->n_files; i++) {
                cJSON *f = cJSON_CreateObject();
                char *b = sbx_base64_encode(spec->files[i].data, spec->files[i].size);
                cJSON_AddStringToObject(f, "path", spec->files[i].path);
                cJSON_AddStringToObject(f, "content_base64", b ? b : "");
                if (spec->files[i].mode)
                        cJSON_AddNumberToObject(f, "mode", spec->files[i].mode & 0777);
                cJSON_AddItemToArray(files, f);
                free(b);
        }
        cJSON_AddItemToObject(o, "files", files);
        if (spec->stdin_size) {
                char *b = sbx_base64_encode(spec->stdin_data, spec->stdin_size);
                cJSON_AddStringToObject(o, "stdin_base64", b ? b : "");
                free(b);
        }
        return o;
}

static int run_v1(struct sbx_backend *be, const struct sbx_spec *spec, struct sbx_result *res,
                  struct sbx_error **err)
{
        uint64_t timeout = spec->policy->limits.wall_ms + REMOTE_JOB_MARGIN_MS;
        _cleanup_cjson_ cJSON *job = job_json(spec, spec->policy->name);
        cJSON *out = NULL;
        struct sbx_error *first = NULL;
        int r = call(be, "POST", "/v1/run", job, timeout, &out, &first);

        /* A policy the server does not know: its limits travel with the job anyway. */
        if (r == -EIO && first && strstr(first->message, "unknown policy")) {
                cJSON_ReplaceItemInObject(job, "policy", cJSON_CreateString("default"));
                r = call(be, "POST", "/v1/run", job, timeout, &out, err);
                sbx_error_free(first);
        } else if (r < 0) {
                *err = first;
        }
        if (r < 0)
                return r;
        r = result_from(out, res);
        cJSON_Delete(out);
        return r < 0 ? sbx_error_set(err, -r, "remote %s: malformed result", be->url) : 0;
}

/* ---- ms-enclave sandboxes ------------------------------------------------------------------ */

static int remote_box_create(struct sbx_backend *be, const struct sbx_policy *policy,
                             const char *image, struct sbx_box **out, struct sbx_error **err)
{
        _cleanup_cjson_ cJSON *cfg = cJSON_CreateObject();
        cJSON *tools = cJSON_CreateObject(), *reply = NULL;
        char mem[32], path[96];
        int r;

        cJSON_AddItemToObject(tools, "shell_executor", cJSON_CreateObject());
        cJSON_AddItemToObject(tools, "file_operation", cJSON_CreateObject());
        cJSON_AddItemToObject(cfg, "tools_config", tools);
        if (image)
                cJSON_AddStringToObject(cfg, "image", image);
        snprintf(mem, sizeof(mem), "%llu", (unsigned long long)policy->limits.memory_bytes);
        cJSON_AddStringToObject(cfg, "memory_limit", mem);
        cJSON_AddNumberToObject(cfg, "cpu_limit", policy->limits.cpu_millicores / 1000.0);
        cJSON_AddBoolToObject(cfg, "network_enabled", policy->network != SBX_NETWORK_NONE);
        snprintf(path, sizeof(path), "/sandbox/create?sandbox_type=docker");
        r = call(be, "POST", path, cfg, REMOTE_CALL_MS, &reply, err);
        if (r < 0)
                return r;
        const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "sandbox_id"));
        struct sbx_box *box = calloc(1, sizeof(*box));
        if (!id || strlen(id) >= sizeof(box->id) ||
            strspn(id, "abcdefghijklmnopqrstuvwxyz"
                       "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789-_") != strlen(id)) {
                free(box);
                cJSON_Delete(reply);
                return sbx_error_set(err, EPROTO, "remote %s: create returned no usable id",
                                     be->url);
        }
        snprintf(box->id, sizeof(box->id), "%s", id);
        cJSON_Delete(reply);
        *out = box;
        return 0;
}

static int remote_box_destroy(struct sbx_backend *be, struct sbx_box *box, struct sbx_error **err)
{
        char path[96];
        struct reply rep;
        int r;

        if (!box)
                return 0;
        snprintf(path, sizeof(path), "/sandbox/%s", box->id);
        r = http(be, "DELETE", path, NULL, NULL, 0, REMOTE_CALL_MS, &rep, err);
        if (r == 0)
                reply_clear(&rep);
        free(box);
        return r;
}

/* Where a file goes: the writable directory it is in (a relative path: the working directory),
 * and its path relative to that, or NULL when it is in none. */
static const char *file_dir(const char *path, const char **rel)
{
        for (size_t i = 0; path[0] == '/' && sbx_writable_dirs[i]; i++) {
                size_t n = strlen(sbx_writable_dirs[i]);
                if (!strncmp(path, sbx_writable_dirs[i], n) && path[n] == '/') {
                        *rel = path + n + 1;
                        return sbx_writable_dirs[i];
                }
        }
        *rel = path;
        return path[0] == '/' ? NULL : sbx_writable_dirs[0];
}

/* The files of files[] that go in dir, as one tar through /sandbox/{id}/archive (binary-safe,
 * unlike file_operation). */
static int upload_dir(struct sbx_backend *be, struct sbx_box *box, const char *dir,
                      const struct sbx_file *files, size_t n, struct sbx_error **err)
{
        size_t cap = 64 << 10, used = 0, count = 0;
        char path[192];
        struct reply rep;
        const char *rel;

        for (size_t i = 0; i < n; i++)
                cap += files[i].size + 2048;
        _cleanup_free_ char *buf = malloc(cap);
        struct archive *a = archive_write_new();
        int r = buf && a ? 0 : -ENOMEM;
        if (r == 0 && (archive_write_set_format_pax_restricted(a) != ARCHIVE_OK ||
                       archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK))
                r = -EIO;
        for (size_t i = 0; r == 0 && i < n; i++) {
                const char *d = file_dir(files[i].path, &rel);
                if (!d || strcmp(d, dir))
                        continue;
                struct archive_entry *e = archive_entry_new();
                archive_entry_set_pathname(e, rel);
                archive_entry_set_filetype(e, AE_IFREG);
                archive_entry_set_perm(e, files[i].mode ? files[i].mode & 0777 : 0644);
                archive_entry_set_size(e, (la_int64_t)files[i].size);
                if (archive_write_header(a, e) != ARCHIVE_OK ||
                    archive_write_data(a, files[i].data, files[i].size) < 0)
                        r = -EIO;
                archive_entry_free(e);
                count++;
        }
        if (a && archive_write_close(a) != ARCHIVE_OK && r == 0)
                r = -EIO;
        if (a)
                archive_write_free(a);
        if (r < 0)
                return sbx_error_set(err, -r, "remote: building the upload");
        if (count == 0)
                return 0;
        snprintf(path, sizeof(path), "/sandbox/%s/archive?target_dir=%s", box->id, dir);
        r = http(be, "POST", path, "application/x-tar", buf, used, REMOTE_CALL_MS, &rep, err);
        if (r == 0 && rep.status != 200)
                r = sbx_error_set(err, status_errno(rep.status),
                                  "remote %s: archive upload: HTTP %ld: %.200s", be->url,
                                  rep.status, rep.body ? rep.body : "");
        reply_clear(&rep);
        return r;
}

/* Files go in per writable directory; one in none is refused before anything is sent. */
static int upload(struct sbx_backend *be, struct sbx_box *box, const struct sbx_file *files,
                  size_t n, struct sbx_error **err)
{
        const char *rel;
        int r = 0;

        for (size_t i = 0; i < n; i++)
                if (!file_dir(files[i].path, &rel))
                        return sbx_error_set(err, EINVAL,
                                             "remote: %s is not in a writable directory",
                                             files[i].path);
        for (size_t i = 0; r == 0 && sbx_writable_dirs[i]; i++)
                r = upload_dir(be, box, sbx_writable_dirs[i], files, n, err);
        return r;
}

static int remote_box_write(struct sbx_backend *be, struct sbx_box *box,
                            const struct sbx_file *file, struct sbx_error **err)
{
        return upload(be, box, file, 1, err);
}

static int tool(struct sbx_backend *be, struct sbx_box *box, const char *name, cJSON *params,
                uint64_t timeout_ms, cJSON **out, struct sbx_error **err)
{
        _cleanup_cjson_ cJSON *body = cJSON_CreateObject();

        cJSON_AddStringToObject(body, "sandbox_id", box->id);
        cJSON_AddStringToObject(body, "tool_name", name);
        cJSON_AddItemToObject(body, "parameters", params);
        return call(be, "POST", "/sandbox/tool/execute", body, timeout_ms, out, err);
}

static int file_op(struct sbx_backend *be, struct sbx_box *box, const char *op, const char *path,
                   cJSON **out, struct sbx_error **err)
{
        cJSON *p = cJSON_CreateObject();

        cJSON_AddStringToObject(p, "operation", op);
        cJSON_AddStringToObject(p, "file_path", path);
        return tool(be, box, "file_operation", p, REMOTE_CALL_MS, out, err);
}

static int remote_box_read(struct sbx_backend *be, struct sbx_box *box, const char *path,
                           size_t max_bytes, struct sbx_output *out, struct sbx_error **err)
{
        _cleanup_cjson_ cJSON *r = NULL;
        int q = file_op(be, box, "read", path, &r, err);

        if (q < 0)
                return q;
        const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(r, "status"));
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItem(r, "output"));
        if (!status || strcmp(status, "success") || !text)
                return sbx_error_set(err, ENOENT, "%s: %s", path,
                                     cJSON_GetStringValue(cJSON_GetObjectItem(r, "error"))
                                         ?: "cannot be read");
        size_t n = strlen(text);
        out->truncated = n > max_bytes;
        out->size = n > max_bytes ? max_bytes : n;
        out->data = strndup(text, out->size);
        return out->data ? 0 : sbx_error_set(err, ENOMEM, "out of memory");
}

static int remote_box_remove(struct sbx_backend *be, struct sbx_box *box, const char *path,
                             struct sbx_error **err)
{
        cJSON *r = NULL;
        int q = file_op(be, box, "delete", path, &r, err);

        cJSON_Delete(r);
        return q;
}

/* ---- running a step in a sandbox ---------------------------------------------------------- */

/* ms-enclave's shell_executor takes an argv list but no environment, stdin or exit code: the
 * step runs as `env -i ENV... sh -c SCRIPT sh ARGV...`, its stdin comes from an uploaded file,
 * and the exit status ends stderr behind a marker that is taken off again. */
static const char script_stdin[] = "\"$@\" <" REMOTE_STDIN_NAME "; c=$?; rm -f " REMOTE_STDIN_NAME
                                   "; printf '\\n__sbx_exit=%d' $c >&2; exit $c";
static const char script_plain[] = "\"$@\" </dev/null; c=$?; printf '\\n__sbx_exit=%d' $c >&2; "
                                   "exit $c";

static cJSON *step_command(const struct sbx_spec *spec)
{
        cJSON *a = cJSON_CreateArray();

        cJSON_AddItemToArray(a, cJSON_CreateString("env"));
        cJSON_AddItemToArray(a, cJSON_CreateString("-i"));
        for (size_t i = 0; spec->env && spec->env[i]; i++)
                cJSON_AddItemToArray(a, cJSON_CreateString(spec->env[i]));
        cJSON_AddItemToArray(a, cJSON_CreateString("/bin/sh"));
        cJSON_AddItemToArray(a, cJSON_CreateString("-c"));
        cJSON_AddItemToArray(a, cJSON_CreateString(spec->stdin_size ? script_stdin : script_plain));
        cJSON_AddItemToArray(a, cJSON_CreateString("sh"));
        for (size_t i = 0; spec->argv[i]; i++)
                cJSON_AddItemToArray(a, cJSON_CreateString(spec->argv[i]));
        return a;
}

static void set_output(struct sbx_output *o, const char *text, uint64_t cap)
{
        size_t n = text ? strlen(text) : 0;

        free(o->data);
        o->truncated = o->truncated || n > cap;
        o->size = n > cap ? (size_t)cap : n;
        o->data = strndup(text ? text : "", o->size);
        if (!o->data)
                o->size = 0;
}

/* Take the exit-status marker off the end of stderr (it is absent when the program was killed
 * or stderr was cut). Returns the status or -1. */
static int take_exit_mark(char *err)
{
        char *mark = NULL;
        uint64_t code;

        for (char *p = err; p && (p = strstr(p, REMOTE_EXIT_MARK)); p++)
                mark = p;
        if (!mark || sbx_parse_u64(mark + sizeof(REMOTE_EXIT_MARK) - 1, &code) < 0 || code > 255)
                return -1;
        *mark = '\0';
        return (int)code;
}

/* ToolResult of a server that reports no verdict: the status, the exit mark, ms-enclave's
 * "Command failed with exit code N". */
static int verdict_from_text(const char *status, const char *error, int code,
                             struct sbx_result *res)
{
        static const char failed[] = "Command failed with exit code ";
        uint64_t v;

        if (!strcmp(status, "timeout")) {
                res->verdict = SBX_VERDICT_TIME_LIMIT;
                res->exit_code = -1;
                res->message = strdup("the remote server's timeout killed the program");
                return 0;
        }
        if (code < 0 && !strcmp(status, "success"))
                code = 0;
        if (code < 0 && error && !strncmp(error, failed, sizeof(failed) - 1) &&
            sbx_parse_u64(error + sizeof(failed) - 1, &v) == 0 && v <= 255)
                code = (int)v;
        if (code < 0)
                return -EPROTO;
        res->exit_code = code > 128 ? -1 : code;
        res->signal = code > 128 ? code - 128 : 0;
        res->verdict = code > 128 ? SBX_VERDICT_SIGNALED
                       : code     ? SBX_VERDICT_RUNTIME_ERROR
                                  : SBX_VERDICT_OK;
        return 0;
}

static int result_from_tool(struct sbx_backend *be, const cJSON *reply, const struct sbx_spec *spec,
                            struct sbx_result *res)
{
        const char *status = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "status")) ?: "";
        const char *output = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "output"));
        const char *error = cJSON_GetStringValue(cJSON_GetObjectItem(reply, "error"));
        const cJSON *meta = cJSON_GetObjectItem(reply, "metadata");
        _cleanup_free_ char *stderr_text = strdup(error ? error : "");
        int code, r;

        if (!stderr_text)
                return -ENOMEM;
        code = take_exit_mark(stderr_text);
        /* Without the mark, the error text is stderr only if the server did not write it. */
        bool synthesized =
            code < 0 && (!strcmp(status, "timeout") ||
                         !strncmp(stderr_text, "Command failed with exit code ", 30));
        if (!be->plain && cJSON_GetObjectItem(meta, "verdict")) {
                r = result_from(meta, res); /* a sandboxrt server: the full result */
        } else {
                r = verdict_from_text(status, error, code, res);
                res->backend = "remote";
        }
        if (r < 0)
                return r;
        set_output(&res->out, output, spec->policy->limits.output_bytes);
        set_output(&res->err, synthesized ? "" : stderr_text, spec->policy->limits.output_bytes);
        return 0;
}

static int run_in_box(struct sbx_backend *be, struct sbx_box *box, const struct sbx_spec *spec,
                      struct sbx_result *res, struct sbx_error **err)
{
        uint64_t wall_ms = spec->policy->limits.wall_ms;
        _cleanup_free_ struct sbx_file *files = calloc(spec->n_files + 1, sizeof(*files));
        cJSON *params = cJSON_CreateObject(), *reply = NULL;
        size_t n = spec->n_files;
        int r;

        if (!files || !params) {
                cJSON_Delete(params);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        if (n)
                memcpy(files, spec->files, n * sizeof(*files));
        if (spec->stdin_size)
                files[n++] =
                    (struct sbx_file){REMOTE_STDIN_NAME, spec->stdin_data, spec->stdin_size, 0600};
        r = n ? upload(be, box, files, n, err) : 0;
        if (r < 0) {
                cJSON_Delete(params);
                return r;
        }
        cJSON_AddItemToObject(params, "command", step_command(spec));
        cJSON_AddNumberToObject(params, "timeout", (double)((wall_ms + 999) / 1000));
        uint64_t t0 = sbx_now_ms();
        r = tool(be, box, "shell_executor", params, wall_ms + REMOTE_JOB_MARGIN_MS, &reply, err);
        if (r < 0)
                return r;
        r = result_from_tool(be, reply, spec, res);
        if (!res->wall_ms)
                res->wall_ms = sbx_now_ms() - t0;
        cJSON_Delete(reply);
        return r < 0 ? sbx_error_set(err, -r,
                                     "remote %s: the reply says nothing usable about the "
                                     "program's end",
                                     be->url)
                     : 0;
}

static int remote_run(struct sbx_backend *be, struct sbx_box *box, const struct sbx_spec *spec,
                      struct sbx_result *res, struct sbx_error **err)
{
        struct sbx_box *own = NULL;
        int r;

        if (!box && be->sandboxrt)
                return run_v1(be, spec, res, err);
        if (!box && (r = remote_box_create(be, spec->policy, NULL, &own, err)) < 0)
                return r;
        r = run_in_box(be, box ? box : own, spec, res, err);
        (void)remote_box_destroy(be, own, NULL);
        return r;
}

const struct sbx_backend_ops sbx_remote_ops = {
    .name = "remote",
    .by_name_only = true, /* it needs a URL */
    .probe = remote_probe,
    .open = remote_open,
    .close = remote_close,
    .run = remote_run,
    .box_create = remote_box_create,
    .box_destroy = remote_box_destroy,
    .box_write = remote_box_write,
    .box_read = remote_box_read,
    .box_remove = remote_box_remove,
};
