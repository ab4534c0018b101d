#include "server/serve_request.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "server/http_parse.h"
#include "util.h"

static const char *const tool_names[_SBX_TOOL_MAX] = {
    [SBX_TOOL_PYTHON] = "python_executor",
    [SBX_TOOL_SHELL] = "shell_executor",
    [SBX_TOOL_FILE] = "file_operation",
    [SBX_TOOL_MULTI] = "multi_code_executor",
};

const char *sbx_tool_to_string(enum sbx_tool_id t)
{
        return (unsigned)t < _SBX_TOOL_MAX ? tool_names[t] : NULL;
}

int sbx_tool_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_TOOL_MAX; i++)
                if (!strcmp(s, tool_names[i]))
                        return i;
        return -EINVAL;
}

/* ---- helpers ----------------------------------------------------------------------------- */

static void cjson_deletep(cJSON **j)
{
        cJSON_Delete(*j);
}
#define _cleanup_cjson_ __attribute__((cleanup(cjson_deletep)))

static int fail(char **detail, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **detail, const char *fmt, ...)
{
        va_list ap;

        if (detail && !*detail) {
                va_start(ap, fmt);
                *detail = sbx_strdup_vprintf(fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static int bad_json(char **detail, const char *msg)
{
        fail(detail, "%s", msg);
        return -EBADMSG;
}

/* The body as a JSON object. An empty body is "{}" when allow_empty. A body that is not JSON
 * (or not an object) is -EBADMSG; the callers' field checks are -EINVAL. */
static int parse_object(const char *body, size_t size, bool allow_empty, cJSON **out, char **detail)
{
        const char *end = NULL;
        size_t i = 0;

        while (i < size && isspace((unsigned char)body[i]))
                i++;
        if (i == size) {
                if (!allow_empty)
                        return bad_json(detail, "a JSON body is required");
                *out = cJSON_CreateObject();
                return *out ? 0 : -ENOMEM;
        }
        if (sbx_http_json_depth(body, size) > SBX_REQ_JSON_DEPTH_MAX)
                return bad_json(detail, "JSON nested too deeply");
        if (memchr(body, 0, size))
                return bad_json(detail, "invalid JSON body: a NUL byte");
        if (sbx_json_escaped_nul(body, body + size))
                return fail(detail, "a string holds a NUL character (\\u0000), which sandboxrt's "
                                    "strings cannot carry: send such bytes base64-encoded "
                                    "(/v1: stdin_base64, content_base64)");
        cJSON *j = cJSON_ParseWithLengthOpts(body, size, &end, false);
        if (!j)
                return bad_json(detail, "invalid JSON body");
        while (end && end < body + size && isspace((unsigned char)*end))
                end++;
        if (end != body + size) {
                cJSON_Delete(j);
                return bad_json(detail, "invalid JSON body: trailing data");
        }
        if (cJSON_IsNull(j) && allow_empty) {
                cJSON_Delete(j);
                j = cJSON_CreateObject();
                if (!j)
                        return -ENOMEM;
        }
        if (!cJSON_IsObject(j)) {
                cJSON_Delete(j);
                return bad_json(detail, "the JSON body must be an object");
        }
        *out = j;
        return 0;
}

/* Refuse a member o does not take (keys: NULL-terminated; what names o in the message): a
 * misspelt key is otherwise a setting the client believes it made, as "limit" for "limits". */
static int known_keys(const cJSON *o, const char *const *keys, const char *what, char **detail)
{
        const cJSON *item;

        cJSON_ArrayForEach(item, o)
        {
                size_t i = 0, n = 0;
                char list[256] = "";

                while (keys[i] && strcmp(keys[i], item->string))
                        i++;
                if (keys[i])
                        continue;
                for (i = 0; keys[i] && n < sizeof(list); i++)
                        n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s", i ? ", " : "",
                                              keys[i]);
                return fail(detail, "unknown key '%.64s' in %s (it takes: %s)", item->string, what,
                            list);
        }
        return 0;
}

/* Refuse a value given two ways. */
static int one_of(const cJSON *o, const char *a, const char *b, const char *what, char **detail)
{
        const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, a);
        const cJSON *y = cJSON_GetObjectItemCaseSensitive(o, b);

        if (x && !cJSON_IsNull(x) && y && !cJSON_IsNull(y))
                return fail(detail, "%s: give '%s' or '%s', not both", what, a, b);
        return 0;
}

/* An optional string member: absent or null leaves *out NULL. */
static int get_string(const cJSON *o, const char *key, char **out, char **detail)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

        if (!v || cJSON_IsNull(v))
                return 0;
        if (!cJSON_IsString(v))
                return fail(detail, "'%s' must be a string", key);
        *out = strdup(v->valuestring);
        return *out ? 0 : -ENOMEM;
}

/* Seconds as a number or numeric string; absent or null leaves *out_ms 0, and so does a value
 * of 0 or less when none_at_zero (ms-enclave's "no timeout of its own"). */
static int get_time(const cJSON *o, const char *key, bool none_at_zero, uint64_t *out_ms,
                    char **detail)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
        char buf[64];
        int r;

        if (!v || cJSON_IsNull(v))
                return 0;
        if (cJSON_IsNumber(v))
                snprintf(buf, sizeof(buf), "%.17g", v->valuedouble);
        else if (cJSON_IsString(v) && strlen(v->valuestring) < sizeof(buf))
                snprintf(buf, sizeof(buf), "%s", v->valuestring);
        else
                return fail(detail, "'%s' must be a number of seconds", key);
        r = none_at_zero ? sbx_http_timeout_to_ms(buf, SBX_REQ_TIMEOUT_MAX_S, out_ms)
                         : sbx_http_seconds_to_ms(buf, SBX_REQ_TIMEOUT_MAX_S, out_ms);
        if (r < 0)
                return fail(detail, "'%s' must be a number of seconds %s%.0f%s", key,
                            none_at_zero ? "of at most " : "in (0, ", SBX_REQ_TIMEOUT_MAX_S,
                            none_at_zero ? " (0: none)" : "]");
        return 0;
}

static int get_seconds(const cJSON *o, const char *key, uint64_t *out_ms, char **detail)
{
        return get_time(o, key, false, out_ms, detail);
}

static int get_timeout(const cJSON *o, const char *key, uint64_t *out_ms, char **detail)
{
        return get_time(o, key, true, out_ms, detail);
}

static void strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

static bool env_name_ok(const char *s)
{
        if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
                return false;
        for (; *s; s++)
                if (!(isalnum((unsigned char)*s) || *s == '_'))
                        return false;
        return true;
}

/* A scalar JSON value as text ("1", "true", "abc"); NULL for arrays and objects. */
static char *scalar_text(const cJSON *v)
{
        if (cJSON_IsString(v))
                return strdup(v->valuestring);
        if (cJSON_IsBool(v))
                return strdup(cJSON_IsTrue(v) ? "true" : "false");
        if (cJSON_IsNumber(v)) {
                if (v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) < 1e15)
                        return sbx_strdup_printf("%.0f", v->valuedouble);
                return sbx_strdup_printf("%.17g", v->valuedouble);
        }
        return NULL;
}

/* {"K": "V"} or ["K=V", ...] to a NULL-terminated "K=V" vector. kind names the member in
 * messages; names must be environment names when env is set, policy keys otherwise. */
static int get_pairs(const cJSON *o, const char *key, bool env, size_t max, char ***out,
                     char **detail)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key), *item;
        size_t n = 0;
        char **vec;

        if (v && !cJSON_IsNull(v) && !cJSON_IsObject(v) && !cJSON_IsArray(v))
                return fail(detail, "'%s' must be an object", key);
        vec = calloc(max + 1, sizeof(*vec));
        if (!vec)
                return -ENOMEM;
        const cJSON *list = v && !cJSON_IsNull(v) ? v : NULL;
        cJSON_ArrayForEach(item, list)
        {
                char *entry = NULL, *value = NULL;
                const char *name = item->string;
                if (n == max) {
                        strv_free(vec);
                        return fail(detail, "'%s' has more than %zu entries", key, max);
                }
                if (cJSON_IsArray(v)) {
                        entry = cJSON_IsString(item) ? strdup(item->valuestring) : NULL;
                } else if ((value = scalar_text(item))) {
                        entry = sbx_strdup_printf("%s=%s", name, value);
                }
                free(value);
                const char *eq = entry ? strchr(entry, '=') : NULL;
                _cleanup_free_ char *k = eq ? strndup(entry, (size_t)(eq - entry)) : NULL;
                bool ok = k && (env ? env_name_ok(k)
                                    : *k && strspn(k, "abcdefghijklmnopqrstuvwxyz_") == strlen(k));
                if (!ok) {
                        free(entry);
                        strv_free(vec);
                        return fail(detail, "'%s': every entry must be %s", key,
                                    env ? "NAME=value with a valid variable name"
                                        : "key=value with a lower-case key");
                }
                vec[n++] = entry;
        }
        *out = vec;
        return 0;
}

static int get_argv(const cJSON *v, const char *key, char ***out, char **detail)
{
        size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
        const cJSON *item;
        char **vec;

        if (n == 0 || n > SBX_REQ_ARGV_MAX)
                return fail(detail, "'%s' must hold 1 to %d strings", key, SBX_REQ_ARGV_MAX);
        vec = calloc(n + 1, sizeof(*vec));
        if (!vec)
                return -ENOMEM;
        cJSON_ArrayForEach(item, v)
        {
                if (!cJSON_IsString(item) || !(vec[i++] = strdup(item->valuestring))) {
                        strv_free(vec);
                        return cJSON_IsString(item) ? -ENOMEM
                                                    : fail(detail, "'%s' must hold strings", key);
                }
        }
        *out = vec;
        return 0;
}

static void files_free(struct sbx_req_file *f, size_t n)
{
        for (size_t i = 0; f && i < n; i++) {
                free(f[i].path);
                free(f[i].data);
        }
        free(f);
}

/* One file entry: a bare string (text) or {"content": ..., "content_base64": ..., "mode": n}. */
static int file_entry(const char *path, const cJSON *v, struct sbx_req_file *f, char **detail)
{
        static const char *const keys[] = {"path", "content", "content_base64", "mode", NULL};
        const cJSON *c = v, *b64 = NULL, *mode = NULL;
        int r;

        if (!path || !*path)
                return fail(detail, "'files': every file needs a path");
        if (cJSON_IsObject(v)) {
                if ((r = known_keys(v, keys, "a file of 'files'", detail)) < 0 ||
                    (r = one_of(v, "content", "content_base64", path, detail)) < 0)
                        return r;
                c = cJSON_GetObjectItemCaseSensitive(v, "content");
                b64 = cJSON_GetObjectItemCaseSensitive(v, "content_base64");
                mode = cJSON_GetObjectItemCaseSensitive(v, "mode");
        }
        if (!(f->path = strdup(path)))
                return -ENOMEM;
        if (mode && (!cJSON_IsNumber(mode) || mode->valuedouble < 0 || mode->valuedouble > 0777))
                return fail(detail, "'files': %s: mode must be a number up to 0777", path);
        f->mode = mode ? (mode_t)mode->valueint : 0;
        if (cJSON_IsString(b64)) {
                if (sbx_base64_decode(b64->valuestring, strlen(b64->valuestring), &f->data,
                                      &f->size) < 0)
                        return fail(detail, "'files': %s: content_base64 is not base64", path);
                return 0;
        }
        if (!cJSON_IsString(c))
                return fail(detail, "'files': %s: content must be a string", path);
        f->size = strlen(c->valuestring);
        f->data = strdup(c->valuestring);
        return f->data ? 0 : -ENOMEM;
}

/* {"name": content, ...} or [{"path": ..., "content": ...}, ...] */
static int get_files(const cJSON *o, struct sbx_req_file **out, size_t *n_out, char **detail)
{
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "files"), *item;
        size_t n = 0;

        if (!v || cJSON_IsNull(v))
                return 0;
        if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
                return fail(detail, "'files' must be an object of name -> content");
        if (cJSON_GetArraySize(v) > SBX_REQ_FILES_MAX)
                return fail(detail, "'files' holds more than %d files", SBX_REQ_FILES_MAX);
        struct sbx_req_file *f = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        cJSON_ArrayForEach(item, v)
        {
                const cJSON *p = cJSON_GetObjectItemCaseSensitive(item, "path");
                const char *path =
                    cJSON_IsArray(v) ? (cJSON_IsString(p) ? p->valuestring : NULL) : item->string;
                int r = file_entry(path, item, &f[n++], detail);
                if (r < 0) {
                        files_free(f, n);
                        return r;
                }
        }
        *out = f;
        *n_out = n;
        return 0;
}

/* ---- tool calls -------------------------------------------------------------------------- */

static int tool_params_from(const cJSON *o, struct sbx_tool_params *p, char **detail)
{
        const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(o, "command");
        const cJSON *content = cJSON_GetObjectItemCaseSensitive(o, "content");
        int r = 0;

        if (cJSON_IsArray(cmd))
                r = get_argv(cmd, "command", &p->command_argv, detail);
        else
                r = get_string(o, "command", &p->command, detail);
        if (r == 0)
                r = get_string(o, "code", &p->code, detail);
        if (r == 0)
                r = get_string(o, "operation", &p->operation, detail);
        if (r == 0)
                r = get_string(o, "file_path", &p->file_path, detail);
        if (r == 0)
                r = get_string(o, "content", &p->content, detail);
        p->has_content = content && !cJSON_IsNull(content);
        if (r == 0)
                r = get_string(o, "encoding", &p->encoding, detail);
        if (r == 0)
                r = get_string(o, "language", &p->language, detail);
        if (r == 0)
                r = get_files(o, &p->files, &p->n_files, detail);
        if (r == 0)
                r = get_timeout(o, "timeout", &p->timeout_ms, detail);
        if (r == 0)
                r = get_timeout(o, "compile_timeout", &p->compile_timeout_ms, detail);
        if (r == 0)
                r = get_timeout(o, "run_timeout", &p->run_timeout_ms, detail);
        return r;
}

int sbx_req_parse_tool_params(const char *body, size_t size, struct sbx_tool_params *out,
                              char **detail)
{
        _cleanup_cjson_ cJSON *o = NULL;
        int r = parse_object(body, size, true, &o, detail);

        memset(out, 0, sizeof(*out));
        if (r == 0)
                r = tool_params_from(o, out, detail);
        if (r < 0)
                sbx_tool_params_clear(out);
        return r;
}

int sbx_req_parse_tool_call(const char *body, size_t size, struct sbx_tool_call *out, char **detail)
{
        _cleanup_cjson_ cJSON *o = NULL;
        int r = parse_object(body, size, false, &o, detail);

        memset(out, 0, sizeof(*out));
        if (r == 0)
                r = get_string(o, "sandbox_id", &out->sandbox_id, detail);
        if (r == 0)
                r = get_string(o, "tool_name", &out->tool_name, detail);
        if (r == 0 && !out->sandbox_id)
                r = fail(detail, "field required: sandbox_id");
        if (r == 0 && !out->tool_name)
                r = fail(detail, "field required: tool_name");
        if (r == 0)
                r = get_timeout(o, "timeout", &out->timeout_ms, detail);
        if (r == 0) {
                const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "parameters");
                if (p && !cJSON_IsNull(p) && !cJSON_IsObject(p))
                        r = fail(detail, "'parameters' must be an object");
                else if (p && cJSON_IsObject(p))
                        r = tool_params_from(p, &out->params, detail);
        }
        if (r < 0)
                sbx_tool_call_clear(out);
        return r;
}

void sbx_tool_params_clear(struct sbx_tool_params *p)
{
        free(p->code);
        free(p->command);
        strv_free(p->command_argv);
        free(p->operation);
        free(p->file_path);
        free(p->content);
        free(p->encoding);
        free(p->language);
        files_free(p->files, p->n_files);
        memset(p, 0, sizeof(*p));
}

void sbx_tool_call_clear(struct sbx_tool_call *c)
{
        free(c->sandbox_id);
        free(c->tool_name);
        sbx_tool_params_clear(&c->params);
        memset(c, 0, sizeof(*c));
}

/* ---- sandbox config ---------------------------------------------------------------------- */

int sbx_req_parse_memory(const char *s, uint64_t *out)
{
        size_t n = strlen(s), digits = strspn(s, "0123456789");
        uint64_t v, mult = 1;
        char num[24];

        if (digits == 0 || digits >= sizeof(num) || n > digits + 1)
                return -EINVAL;
        if (n == digits + 1) {
                switch (s[digits]) {
                case 'k':
                case 'K':
                        mult = 1024ull;
                        break;
                case 'm':
                case 'M':
                        mult = 1024ull * 1024;
                        break;
                case 'g':
                case 'G':
                        mult = 1024ull * 1024 * 1024;
                        break;
                default:
                        return -EINVAL;
                }
        }
        memcpy(num, s, digits);
        num[digits] = '\0';
        if (sbx_parse_u64(num, &v) < 0 || v == 0 || v > UINT64_MAX / mult)
                return -EINVAL;
        *out = v * mult;
        return 0;
}

static int config_tools(const cJSON *o, struct sbx_sandbox_config *c, char **detail)
{
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "tools_config"), *item;

        if (!t || cJSON_IsNull(t))
                return 0;
        if (!cJSON_IsObject(t) && !cJSON_IsArray(t))
                return fail(detail, "'tools_config' must be an object or a list of tool names");
        cJSON_ArrayForEach(item, t)
        {
                const char *name = cJSON_IsArray(t) ? cJSON_GetStringValue(item) : item->string;
                const cJSON *en =
                    cJSON_IsObject(item) ? cJSON_GetObjectItemCaseSensitive(item, "enabled") : NULL;
                int id = sbx_tool_from_string(name);
                /* Unknown tools are skipped, as ms-enclave does (it logs and goes on). */
                if (id >= 0 && !cJSON_IsFalse(en))
                        c->tools |= 1u << id;
        }
        return 0;
}

static int config_limits(const cJSON *o, struct sbx_sandbox_config *c, char **detail)
{
        const cJSON *mem = cJSON_GetObjectItemCaseSensitive(o, "memory_limit");
        const cJSON *cpu = cJSON_GetObjectItemCaseSensitive(o, "cpu_limit");
        const cJSON *net = cJSON_GetObjectItemCaseSensitive(o, "network_enabled");

        if (mem && !cJSON_IsNull(mem) &&
            (!cJSON_IsString(mem) || sbx_req_parse_memory(mem->valuestring, &c->memory_bytes) < 0))
                return fail(detail, "'memory_limit' must match ^\\d+[kmgKMG]?$ (\"512m\")");
        if (cpu && !cJSON_IsNull(cpu)) {
                uint64_t milli = 0;
                char buf[64] = "";
                if (cJSON_IsNumber(cpu))
                        snprintf(buf, sizeof(buf), "%.17g", cpu->valuedouble);
                else if (cJSON_IsString(cpu) && strlen(cpu->valuestring) < sizeof(buf))
                        snprintf(buf, sizeof(buf), "%s", cpu->valuestring);
                /* seconds_to_ms is a plain "x1000 with bounds": cores to millicores. */
                if (sbx_http_seconds_to_ms(buf, 1024, &milli) < 0 || milli < 10)
                        return fail(detail,
                                    "'cpu_limit' must be a number of cores in [0.01, 1024]");
                c->cpu_millicores = (uint32_t)milli;
        }
        if (net && !cJSON_IsNull(net) && !cJSON_IsBool(net))
                return fail(detail, "'network_enabled' must be a boolean");
        c->network_enabled = cJSON_IsTrue(net);
        return get_timeout(o, "timeout", &c->timeout_ms, detail);
}

/* SandboxInfo.config echoes the config; environment values may be secrets, so they are masked
 * (a documented difference from ms-enclave, which echoes them). */
static int config_echo(const cJSON *o, struct sbx_sandbox_config *c)
{
        _cleanup_cjson_ cJSON *copy = cJSON_Duplicate(o, true);
        cJSON *env, *item;

        if (!copy)
                return -ENOMEM;
        env = cJSON_GetObjectItemCaseSensitive(copy, "env_vars");
        if (!cJSON_IsObject(env))
                env = NULL;
        cJSON_ArrayForEach(item, env)
        {
                cJSON *masked = cJSON_CreateString("***");
                /* ReplaceItemViaPointer keeps the position but not the key. */
                if (masked && item->string && !(masked->string = strdup(item->string))) {
                        cJSON_Delete(masked);
                        return -ENOMEM;
                }
                if (!masked || !cJSON_ReplaceItemViaPointer(env, item, masked)) {
                        cJSON_Delete(masked);
                        return -ENOMEM;
                }
                item = masked;
        }
        c->echo = cJSON_PrintUnformatted(copy);
        return c->echo ? 0 : -ENOMEM;
}

int sbx_req_parse_sandbox_config(const char *body, size_t size, struct sbx_sandbox_config *out,
                                 char **detail)
{
        _cleanup_cjson_ cJSON *o = NULL;
        int r = parse_object(body, size, true, &o, detail);

        memset(out, 0, sizeof(*out));
        if (r == 0)
                r = get_string(o, "image", &out->image, detail);
        if (r == 0)
                r = get_string(o, "working_dir", &out->working_dir, detail);
        if (r == 0 && !out->working_dir && !(out->working_dir = strdup("/sandbox")))
                r = -ENOMEM;
        if (r == 0 && out->working_dir[0] != '/')
                r = fail(detail, "'working_dir' must be an absolute path");
        if (r == 0)
                r = config_tools(o, out, detail);
        if (r == 0)
                r = get_pairs(o, "env_vars", true, SBX_REQ_ENV_MAX, &out->env, detail);
        if (r == 0)
                r = config_limits(o, out, detail);
        if (r == 0)
                r = config_echo(o, out);
        if (r < 0)
                sbx_sandbox_config_clear(out);
        return r;
}

void sbx_sandbox_config_clear(struct sbx_sandbox_config *c)
{
        free(c->image);
        free(c->working_dir);
        strv_free(c->env);
        free(c->echo);
        memset(c, 0, sizeof(*c));
}

/* ---- sandboxrt's own jobs ---------------------------------------------------------------- */

static int run_payload(const cJSON *o, struct sbx_run_request *r, char **detail)
{
        const cJSON *argv = cJSON_GetObjectItemCaseSensitive(o, "argv");
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(o, "source");
        const cJSON *in = cJSON_GetObjectItemCaseSensitive(o, "stdin");
        const cJSON *in64 = cJSON_GetObjectItemCaseSensitive(o, "stdin_base64");
        int q = 0;

        if (argv && !cJSON_IsNull(argv))
                q = cJSON_IsArray(argv) ? get_argv(argv, "argv", &r->argv, detail)
                                        : fail(detail, "'argv' must be a list of strings");
        if (q == 0)
                q = get_string(o, "language", &r->language, detail);
        if (q == 0 && !r->argv == !r->language)
                q = fail(detail, "a job needs either 'argv' or 'language' (and 'source')");
        if (q == 0 && !r->language != !(src && !cJSON_IsNull(src)))
                q = fail(detail, r->language ? "'language' needs 'source', the program's text"
                                             : "'source' goes with 'language', not 'argv': "
                                               "pass the program as one of 'files'");
        if (q == 0 && src && !cJSON_IsNull(src) && !cJSON_IsString(src))
                q = fail(detail, "'source' must be a string");
        if (q == 0)
                q = one_of(o, "stdin", "stdin_base64", "a job", detail);
        if (q == 0 && cJSON_IsString(src)) {
                r->source_size = strlen(src->valuestring);
                q = (r->source = strdup(src->valuestring)) ? 0 : -ENOMEM;
        }
        if (q == 0 && cJSON_IsString(in64)) {
                if (sbx_base64_decode(in64->valuestring, strlen(in64->valuestring), &r->stdin_data,
                                      &r->stdin_size) < 0)
                        q = fail(detail, "'stdin_base64' is not base64");
        } else if (q == 0 && in && !cJSON_IsNull(in)) {
                if (!cJSON_IsString(in))
                        q = fail(detail, "'stdin' must be a string");
                else if (!(r->stdin_data = strdup(in->valuestring)))
                        q = -ENOMEM;
                else
                        r->stdin_size = strlen(r->stdin_data);
        }
        return q;
}

static int run_from(const cJSON *o, struct sbx_run_request *r, char **detail)
{
        static const char *const keys[] = {"argv",  "language",     "source", "files",
                                           "stdin", "stdin_base64", "policy", "limits",
                                           "env",   "timeout",      NULL};
        int q = known_keys(o, keys, "a job", detail);

        if (q == 0)
                q = run_payload(o, r, detail);

        if (q == 0)
                q = get_files(o, &r->files, &r->n_files, detail);
        if (q == 0)
                q = get_string(o, "policy", &r->policy, detail);
        if (q == 0)
                q = get_pairs(o, "limits", false, SBX_REQ_LIMITS_MAX, &r->limits, detail);
        if (q == 0)
                q = get_pairs(o, "env", true, SBX_REQ_ENV_MAX, &r->env, detail);
        if (q == 0)
                q = get_seconds(o, "timeout", &r->wait_ms, detail);
        return q;
}

int sbx_req_parse_run(const char *body, size_t size, struct sbx_run_request *out, char **detail)
{
        _cleanup_cjson_ cJSON *o = NULL;
        int r = parse_object(body, size, false, &o, detail);

        memset(out, 0, sizeof(*out));
        if (r == 0)
                r = run_from(o, out, detail);
        if (r < 0)
                sbx_run_request_clear(out);
        return r;
}

int sbx_req_parse_batch(const char *body, size_t size, struct sbx_run_batch *out, char **detail)
{
        _cleanup_cjson_ cJSON *o = NULL;
        const cJSON *jobs, *item;
        int r = parse_object(body, size, false, &o, detail);

        memset(out, 0, sizeof(*out));
        if (r == 0)
                r = known_keys(o, (const char *const[]){"jobs", NULL}, "a batch", detail);
        if (r < 0)
                return r;
        jobs = cJSON_GetObjectItemCaseSensitive(o, "jobs");
        if (!cJSON_IsArray(jobs) || cJSON_GetArraySize(jobs) < 1 ||
            cJSON_GetArraySize(jobs) > SBX_REQ_BATCH_MAX)
                return fail(detail, "'jobs' must be a list of 1 to %d jobs", SBX_REQ_BATCH_MAX);
        out->jobs = calloc((size_t)cJSON_GetArraySize(jobs), sizeof(*out->jobs));
        if (!out->jobs)
                return -ENOMEM;
        cJSON_ArrayForEach(item, jobs)
        {
                struct sbx_run_request *job = &out->jobs[out->n_jobs++];
                r = cJSON_IsObject(item) ? run_from(item, job, detail)
                                         : fail(detail, "every job must be an object");
                if (r < 0) {
                        char *inner = detail ? *detail : NULL;
                        if (detail && r == -EINVAL) {
                                *detail = sbx_strdup_printf("jobs[%zu]: %s", out->n_jobs - 1,
                                                            inner ? inner : "invalid");
                                free(inner);
                        }
                        sbx_run_batch_clear(out);
                        return r;
                }
        }
        return 0;
}

void sbx_run_request_clear(struct sbx_run_request *r)
{
        strv_free(r->argv);
        free(r->language);
        free(r->source);
        files_free(r->files, r->n_files);
        free(r->stdin_data);
        free(r->policy);
        strv_free(r->limits);
        strv_free(r->env);
        memset(r, 0, sizeof(*r));
}

void sbx_run_batch_clear(struct sbx_run_batch *b)
{
        for (size_t i = 0; i < b->n_jobs; i++)
                sbx_run_request_clear(&b->jobs[i]);
        free(b->jobs);
        memset(b, 0, sizeof(*b));
}
