/* ms-enclave's tools, run through the public runtime API. Output texts follow ms-enclave's
 * tools where clients parse them ("Command failed with exit code N", "Command timed out after
 * N seconds", "exists" / "does not exist", "File written successfully: PATH"). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "server/http_parse.h"
#include "server/serve_tenants.h"
#include "server/serve_tools.h"
#include "policies/policy.h"
#include "util.h"

#define TOOL_LIMITS_MAX 8

static const char *const status_names[_SBX_TOOL_STATUS_MAX] = {
    [SBX_TOOL_SUCCESS] = "success",
    [SBX_TOOL_ERROR] = "error",
    [SBX_TOOL_TIMEOUT] = "timeout",
    [SBX_TOOL_CANCELLED] = "cancelled",
};

const char *sbx_tool_status_to_string(enum sbx_tool_status s)
{
        return (unsigned)s < _SBX_TOOL_STATUS_MAX ? status_names[s] : NULL;
}

/* ---- schemas ------------------------------------------------------------------------------ */

static const char *const schemas[_SBX_TOOL_MAX] = {
    [SBX_TOOL_PYTHON] =
        "{\"description\":\"Execute Python code in an isolated sandbox and return its output\","
        "\"parameters\":{\"type\":\"object\",\"properties\":{"
        "\"code\":{\"type\":\"string\",\"description\":\"Python code to execute\"},"
        "\"timeout\":{\"type\":\"integer\",\"description\":\"Execution timeout in seconds\","
        "\"default\":30}},\"required\":[\"code\"],\"additionalProperties\":false}}",
    [SBX_TOOL_SHELL] =
        "{\"description\":\"Execute a shell command in an isolated sandbox\","
        "\"parameters\":{\"type\":\"object\",\"properties\":{"
        "\"command\":{\"anyOf\":[{\"type\":\"string\",\"description\":\"Command run with sh "
        "-c\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"description\":\"Argument "
        "list, run without a shell\"}]},"
        "\"timeout\":{\"type\":\"integer\",\"description\":\"Execution timeout in seconds\","
        "\"default\":30}},\"required\":[\"command\"],\"additionalProperties\":false}}",
    [SBX_TOOL_FILE] =
        "{\"description\":\"Perform file operations (create, read, write, delete, list, "
        "exists) inside the sandbox\",\"parameters\":{\"type\":\"object\",\"properties\":{"
        "\"operation\":{\"type\":\"string\",\"description\":\"Type of file operation\","
        "\"enum\":[\"create\",\"read\",\"write\",\"delete\",\"list\",\"exists\"]},"
        "\"file_path\":{\"type\":\"string\",\"description\":\"Path of the file or directory\"},"
        "\"content\":{\"type\":\"string\",\"description\":\"Content to write (write, create)\"},"
        "\"encoding\":{\"type\":\"string\",\"description\":\"File encoding\",\"default\":"
        "\"utf-8\"}},\"required\":[\"operation\",\"file_path\"],"
        "\"additionalProperties\":false}}",
    [SBX_TOOL_MULTI] =
        "{\"description\":\"Compile if needed and run code in one of several languages\","
        "\"parameters\":{\"type\":\"object\",\"properties\":{"
        "\"language\":{\"type\":\"string\",\"description\":\"Language of the code\"},"
        "\"code\":{\"type\":\"string\",\"description\":\"Source code to execute\"},"
        "\"files\":{\"type\":\"object\",\"additionalProperties\":{\"type\":\"string\"},"
        "\"description\":\"Extra files to write before running (name -> content)\"},"
        "\"compile_timeout\":{\"type\":\"integer\",\"description\":\"Compile timeout in "
        "seconds\"},\"run_timeout\":{\"type\":\"integer\",\"description\":\"Run timeout in "
        "seconds\",\"default\":30}},\"required\":[\"language\",\"code\"],"
        "\"additionalProperties\":false}}",
};

/* ms-enclave's language names that the runtime calls differently. */
static const struct {
        const char *alias, *name;
} language_aliases[] = {
    {"nodejs", "javascript"}, {"js", "javascript"}, {"node", "javascript"}, {"python3", "python"},
    {"py", "python"},         {"c++", "cpp"},       {"sh", "bash"},         {"shell", "bash"},
};

static const struct sbx_language *find_language(const char *name)
{
        const struct sbx_language *l = sbx_language_find(name);

        for (size_t i = 0; !l && i < ELEMENTSOF(language_aliases); i++)
                if (!strcmp(name, language_aliases[i].alias))
                        l = sbx_language_find(language_aliases[i].name);
        return l;
}

cJSON *sbx_tool_schema(enum sbx_tool_id tool)
{
        cJSON *fn = cJSON_Parse(schemas[tool]), *o = cJSON_CreateObject();

        if (!fn || !o) {
                cJSON_Delete(fn);
                cJSON_Delete(o);
                return NULL;
        }
        cJSON_AddStringToObject(fn, "name", sbx_tool_to_string(tool));
        if (tool == SBX_TOOL_MULTI) {
                cJSON *props =
                    cJSON_GetObjectItem(cJSON_GetObjectItem(fn, "parameters"), "properties");
                cJSON *langs = cJSON_CreateArray();
                for (size_t i = 0; sbx_language_at(i); i++)
                        cJSON_AddItemToArray(langs, cJSON_CreateString(sbx_language_at(i)->name));
                for (size_t i = 0; i < ELEMENTSOF(language_aliases); i++)
                        if (sbx_language_find(language_aliases[i].name))
                                cJSON_AddItemToArray(langs,
                                                     cJSON_CreateString(language_aliases[i].alias));
                cJSON_AddItemToObject(cJSON_GetObjectItem(props, "language"), "enum", langs);
        }
        cJSON_AddStringToObject(o, "type", "function");
        cJSON_AddItemToObject(o, "function", fn);
        return o;
}

/* ---- results ------------------------------------------------------------------------------ */

/* What the tool calls of ctx start from and are held to (the tenant's tool ceiling). */
static const struct sbx_policy *tool_policy(const struct sbx_tool_ctx *ctx)
{
        return sbx_ceiling_policy(ctx->tenant->tool_ceiling);
}

static char *text_of(const struct sbx_output *o)
{
        return sbx_utf8_sanitize(o->data ? o->data : "", o->size);
}

/* A stream as the client sees it: over the cap, the head it kept and a line that says so, on
 * a line of its own (ms-enclave returns outputs whole; its clients show this text as is). */
static char *stream_text(const struct sbx_output *o, const char *stream, uint64_t cap)
{
        _cleanup_free_ char *text = text_of(o);
        char size[32];

        if (!o->truncated || !text)
                return TAKE_PTR(text);
        return sbx_strdup_printf("%s%s[output truncated: the program wrote more than %s to %s, "
                                 "the cap per stream of this server's tool calls]\n",
                                 text, *text && text[strlen(text) - 1] != '\n' ? "\n" : "",
                                 sbx_format_size_bytes(cap, size, sizeof(size)), stream);
}

static cJSON *metadata_of(const struct sbx_tool_ctx *ctx, const struct sbx_result *r)
{
        _cleanup_free_ char *json = sbx_result_to_json(r);
        cJSON *m = json ? cJSON_Parse(json) : NULL;

        if (!m)
                m = cJSON_CreateObject();
        /* The outputs are ToolResult's output and error already (as text); their flags stay. */
        static const char *const outputs[] = {"stdout", "stderr", "stdout_base64", "stderr_base64"};
        cJSON *compile = cJSON_GetObjectItemCaseSensitive(m, "compile");
        for (size_t i = 0; i < ELEMENTSOF(outputs); i++) {
                cJSON_DeleteItemFromObjectCaseSensitive(m, outputs[i]);
                cJSON_DeleteItemFromObjectCaseSensitive(compile, outputs[i]);
        }
        cJSON_AddStringToObject(m, "sandbox_mode", ctx->fresh ? "fresh" : "stateful");
        if (ctx->entry->network_note)
                cJSON_AddStringToObject(m, "network_note", ctx->entry->network_note);
        return m;
}

static char *timeout_message(uint64_t timeout_ms)
{
        if (timeout_ms % 1000 == 0)
                return sbx_strdup_printf("Command timed out after %llu seconds",
                                         (unsigned long long)(timeout_ms / 1000));
        return sbx_strdup_printf("Command timed out after %g seconds", timeout_ms / 1000.0);
}

/* Why a failed run failed, when the program wrote nothing to stderr. */
static char *failure_message(enum sbx_tool_id tool, const struct sbx_result *r)
{
        if (r->verdict == SBX_VERDICT_RUNTIME_ERROR)
                return tool == SBX_TOOL_PYTHON || tool == SBX_TOOL_MULTI
                           ? NULL
                           : sbx_strdup_printf("Command failed with exit code %d", r->exit_code);
        if (r->message)
                return strdup(r->message);
        return strdup(sbx_verdict_to_string(r->verdict));
}

static void compile_failure(const struct sbx_result *c, uint64_t cap, struct sbx_tool_result *res)
{
        res->status = SBX_TOOL_ERROR;
        res->output = c ? stream_text(&c->out, "stdout", cap) : strdup("");
        res->error =
            c && c->err.size ? stream_text(&c->err, "stderr", cap) : strdup("Compilation failed");
}

/* stdout, after the compile step's when there is one (ms-enclave's multi_code_executor). */
static char *output_of(const struct sbx_result *r, uint64_t cap)
{
        const struct sbx_output *c = r->compile && r->compile->out.size ? &r->compile->out : NULL;

        if (c && r->out.size) {
                _cleanup_free_ char *ct = stream_text(c, "stdout", cap);
                _cleanup_free_ char *ot = stream_text(&r->out, "stdout", cap);
                return ct && ot ? sbx_strdup_printf("%s\n%s", ct, ot) : NULL;
        }
        return stream_text(c ? c : &r->out, "stdout", cap);
}

/* A run's result as a ToolResult. The sandbox failing is not a program failure: -EIO. */
static int result_from(const struct sbx_tool_ctx *ctx, enum sbx_tool_id tool,
                       const struct sbx_result *r, uint64_t timeout_ms, struct sbx_tool_result *res,
                       struct sbx_error **err)
{
        uint64_t cap = tool_policy(ctx)->limits.output_bytes;

        if (r->verdict == SBX_VERDICT_SANDBOX_ERROR)
                return sbx_error_set(err, EIO, "sandbox error: %s",
                                     r->message ? r->message : "the sandbox failed");
        res->metadata = metadata_of(ctx, r);
        if (r->verdict == SBX_VERDICT_COMPILE_ERROR) {
                compile_failure(r->compile, cap, res);
                return 0;
        }
        res->output = output_of(r, cap);
        if (r->verdict == SBX_VERDICT_OK) {
                res->status = SBX_TOOL_SUCCESS;
                res->error = r->err.size ? stream_text(&r->err, "stderr", cap) : NULL;
        } else if (r->verdict == SBX_VERDICT_TIME_LIMIT) {
                res->status = SBX_TOOL_TIMEOUT;
                res->error = timeout_message(timeout_ms);
        } else {
                res->status = SBX_TOOL_ERROR;
                res->error =
                    r->err.size ? stream_text(&r->err, "stderr", cap) : failure_message(tool, r);
        }
        return 0;
}

static void simple_result(struct sbx_tool_result *res, enum sbx_tool_status status, char *output,
                          char *error)
{
        res->status = status;
        res->output = output ? output : strdup("");
        res->error = error;
}

cJSON *sbx_tool_result_json(const char *tool_name, struct sbx_tool_result *res)
{
        cJSON *o = cJSON_CreateObject();
        char stamp[32];
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        sbx_http_format_time((uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000, stamp,
                             sizeof(stamp));
        cJSON_AddStringToObject(o, "status", sbx_tool_status_to_string(res->status));
        cJSON_AddStringToObject(o, "tool_name", tool_name);
        cJSON_AddStringToObject(o, "output", res->output ? res->output : "");
        if (res->error)
                cJSON_AddStringToObject(o, "error", res->error);
        else
                cJSON_AddNullToObject(o, "error");
        cJSON_AddItemToObject(o, "metadata", res->metadata ? res->metadata : cJSON_CreateObject());
        res->metadata = NULL;
        cJSON_AddNumberToObject(o, "execution_time", res->execution_time_s);
        cJSON_AddStringToObject(o, "timestamp", stamp);
        return o;
}

void sbx_tool_result_clear(struct sbx_tool_result *res)
{
        free(res->output);
        free(res->error);
        cJSON_Delete(res->metadata);
        memset(res, 0, sizeof(*res));
}

/* ---- running jobs ------------------------------------------------------------------------- */

/* A call's timeout: the client's, else (none given, or 0: ms-enclave's "no timeout of the
 * tool's own") the policy's own wall limit, which the ceiling holds. A client that asks for
 * nothing is never refused; one that asks above the ceiling is (422). */
static uint64_t timeout_of(const struct sbx_tool_ctx *ctx, uint64_t asked_ms)
{
        return asked_ms ? asked_ms : tool_policy(ctx)->limits.wall_ms;
}

/* Run a job under the call's timeout (wall, and CPU up to the ceiling's), holding a scheduler
 * slot meanwhile: in sb, else in the entry's pool (its pool's policy has the entry's overrides,
 * as its own sandbox has), else in a fresh sandbox with them. Only the wall limit is the
 * client's ask, held to the ceiling. */
static int run_job(struct sbx_tool_ctx *ctx, struct sbx_sandbox *sb, struct sbx_job *job,
                   uint64_t timeout_ms, struct sbx_result **out, struct sbx_error **err)
{
        const struct sbx_serve_target where = {
            .rt = ctx->entry->rt,
            .sb = sb,
            .pool = !sb && ctx->entry->share ? ctx->entry->share->pool : NULL,
        };
        uint64_t cpu_cap = tool_policy(ctx)->limits.cpu_ms;
        const char *limits[TOOL_LIMITS_MAX + 1];
        char wall[48], cpu[48];
        size_t n = 0;

        for (size_t i = 0; !sb && !where.pool && ctx->entry->limits[i] && n < TOOL_LIMITS_MAX - 2;
             i++)
                limits[n++] = ctx->entry->limits[i];
        snprintf(wall, sizeof(wall), "wall=%llums", (unsigned long long)timeout_ms);
        snprintf(cpu, sizeof(cpu), "cpu=%llums",
                 (unsigned long long)(timeout_ms < cpu_cap ? timeout_ms : cpu_cap));
        limits[n++] = wall;
        limits[n++] = cpu;
        limits[n] = NULL;
        job->limits = limits;
        job->env = (const char *const *)ctx->entry->cfg.env;
        job->ceiling = ctx->tenant->tool_ceiling;
        int r = sbx_serve_run(ctx->srv, ctx->tenant, &where, job, ctx->wait, out, err);
        if (r == -SBX_ECEILING)
                sbx_error_prefix(err, "timeout %g s", (double)timeout_ms / 1000.0);
        return r;
}

static int run_and_map(struct sbx_tool_ctx *ctx, struct sbx_sandbox *sb, enum sbx_tool_id tool,
                       struct sbx_job *job, uint64_t timeout_ms, struct sbx_tool_result *res,
                       struct sbx_error **err)
{
        struct sbx_result *r = NULL;
        int q = run_job(ctx, sb, job, timeout_ms, &r, err);

        if (q == 0)
                q = result_from(ctx, tool, r, timeout_ms, res, err);
        sbx_result_free(r);
        return q;
}

static int missing(struct sbx_error **err, enum sbx_tool_id tool, const char *param)
{
        return sbx_error_set(err, EINVAL, "%s: missing required parameter '%s'",
                             sbx_tool_to_string(tool), param);
}

static bool blank(const char *s)
{
        return s[strspn(s, " \t\r\n\f\v")] == '\0';
}

/* ---- tools -------------------------------------------------------------------------------- */

static int python_executor(struct sbx_tool_ctx *ctx, struct sbx_sandbox *sb,
                           const struct sbx_tool_params *p, struct sbx_tool_result *res,
                           struct sbx_error **err)
{
        const struct sbx_language *py = sbx_language_find("python");
        uint64_t timeout_ms = timeout_of(ctx, p->timeout_ms);
        struct sbx_job job = {0};
        uint8_t rnd[8];
        char name[64];
        int r;

        if (!p->code)
                return missing(err, SBX_TOOL_PYTHON, "code");
        if (blank(p->code)) {
                simple_result(res, SBX_TOOL_ERROR, NULL, strdup("No code provided"));
                return 0;
        }
        if (!py)
                return sbx_error_set(err, EIO, "this runtime has no python language");
        if (!sb) {
                job.language = py->name;
                job.source = p->code;
                job.source_size = strlen(p->code);
                return run_and_map(ctx, NULL, SBX_TOOL_PYTHON, &job, timeout_ms, res, err);
        }
        /* In a stateful sandbox the script must not replace a main.py of the client's: it gets
         * a name of its own and is removed afterwards. */
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
                memset(rnd, 0x5a, sizeof(rnd));
        snprintf(name, sizeof(name), ".exec_script_%02x%02x%02x%02x%02x%02x%02x%02x.py", rnd[0],
                 rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7]);
        struct sbx_file script = {.path = name, .data = p->code, .size = strlen(p->code)};
        const char *argv[] = {py->run[0], name, NULL};
        job.argv = argv;
        job.files = &script;
        job.n_files = 1;
        r = run_and_map(ctx, sb, SBX_TOOL_PYTHON, &job, timeout_ms, res, err);
        (void)sbx_sandbox_remove_file(sb, name, NULL);
        return r;
}

static int shell_executor(struct sbx_tool_ctx *ctx, struct sbx_sandbox *sb,
                          const struct sbx_tool_params *p, struct sbx_tool_result *res,
                          struct sbx_error **err)
{
        uint64_t timeout_ms = timeout_of(ctx, p->timeout_ms);
        const char *sh[] = {"/bin/sh", "-c", p->command, NULL};
        struct sbx_job job = {0};

        if (!p->command && !p->command_argv)
                return missing(err, SBX_TOOL_SHELL, "command");
        if (p->command && blank(p->command)) {
                simple_result(res, SBX_TOOL_ERROR, NULL, strdup("No command provided"));
                return 0;
        }
        job.argv = p->command_argv ? (const char *const *)p->command_argv : sh;
        return run_and_map(ctx, sb, SBX_TOOL_SHELL, &job, timeout_ms, res, err);
}

static int multi_code_executor(struct sbx_tool_ctx *ctx, struct sbx_sandbox *sb,
                               const struct sbx_tool_params *p, struct sbx_tool_result *res,
                               struct sbx_error **err)
{
        uint64_t timeout_ms = timeout_of(ctx, p->run_timeout_ms);
        struct sbx_file files[SBX_REQ_FILES_MAX];
        const struct sbx_language *lang;
        struct sbx_job job = {0};
        size_t n = 0;

        if (!p->language)
                return missing(err, SBX_TOOL_MULTI, "language");
        if (!p->code)
                return missing(err, SBX_TOOL_MULTI, "code");
        if (blank(p->language) || blank(p->code)) {
                simple_result(res, SBX_TOOL_ERROR, NULL, strdup("Invalid input"));
                return 0;
        }
        if (!(lang = find_language(p->language))) {
                simple_result(res, SBX_TOOL_ERROR, NULL,
                              sbx_strdup_printf("Unsupported language: %s", p->language));
                return 0;
        }
        /* Like ms-enclave, extra files keep only their base name. */
        for (size_t i = 0; i < p->n_files && n < ELEMENTSOF(files); i++) {
                const char *base = strrchr(p->files[i].path, '/');
                base = base ? base + 1 : p->files[i].path;
                if (*base && strcmp(base, ".") && strcmp(base, ".."))
                        files[n++] = (struct sbx_file){base, p->files[i].data, p->files[i].size,
                                                       p->files[i].mode};
        }
        job.language = lang->name;
        job.source = p->code;
        job.source_size = strlen(p->code);
        job.files = files;
        job.n_files = n;
        return run_and_map(ctx, sb, SBX_TOOL_MULTI, &job, timeout_ms, res, err);
}

/* ---- file_operation ----------------------------------------------------------------------- */

/* One operation on a path: abs, its place in the sandbox's writable directories, is where the
 * server reads and writes from outside; a path out of them (abs NULL) is only read, by a small
 * job that sees what the sandbox's programs see. */
struct file_op {
        struct sbx_tool_ctx *ctx;
        struct sbx_sandbox *sb;
        const struct sbx_tool_params *p;
        const char *abs; /* NULL: not in a writable directory */
        struct sbx_tool_result *res;
};

/* "/usr/x is not in a writable directory of the sandbox (writable: /sandbox, ...)" */
static char *not_writable(const struct file_op *op)
{
        char dirs[SBX_WRITABLE_LIST_BYTES];

        return sbx_strdup_printf("%s is not in a writable directory of the sandbox (writable: %s)",
                                 op->p->file_path,
                                 sbx_writable_dirs_list(tool_policy(op->ctx), dirs, sizeof(dirs)));
}

static int read_result(struct file_op *op, struct sbx_output *out)
{
        simple_result(op->res, SBX_TOOL_SUCCESS, text_of(out), NULL);
        op->res->metadata = cJSON_CreateObject();
        cJSON_AddBoolToObject(op->res->metadata, "truncated", out->truncated);
        cJSON_AddNumberToObject(op->res->metadata, "size_bytes", (double)out->size);
        free(out->data);
        return 0;
}

/* A read-only path, read in the sandbox: only a regular file (a FIFO would hold the job until
 * its wall limit; a symlink is not followed, as for the writable directories). */
static int read_outside(struct file_op *op, struct sbx_error **err)
{
        static const char script[] = "[ -L \"$1\" ] && { echo 'is a symbolic link' >&2; exit 1; }; "
                                     "[ -f \"$1\" ] || { echo 'not a regular file' >&2; exit 1; }; "
                                     "exec cat -- \"$1\"";
        const char *argv[] = {"/bin/sh", "-c", script, "sh", op->p->file_path, NULL};
        struct sbx_job job = {.argv = argv};
        int r =
            run_and_map(op->ctx, op->sb, SBX_TOOL_FILE, &job, timeout_of(op->ctx, 0), op->res, err);

        if (r == 0 && op->res->status != SBX_TOOL_SUCCESS) {
                char *why = op->res->error;
                op->res->error = sbx_strdup_printf("Failed to read file: %s (%s)", op->p->file_path,
                                                   why ? why : "unreadable");
                free(why);
        }
        return r;
}

static int file_read(struct file_op *op, struct sbx_error **err)
{
        struct sbx_output out = {0};
        struct sbx_error *e = NULL;

        if (!op->abs)
                return read_outside(op, err);
        if (sbx_sandbox_read_file(op->sb, op->abs, tool_policy(op->ctx)->limits.output_bytes, &out,
                                  &e) < 0) {
                simple_result(op->res, SBX_TOOL_ERROR, NULL,
                              sbx_strdup_printf("Failed to read file: %s (%s)", op->p->file_path,
                                                e && e->message ? e->message : "not a file"));
                sbx_error_free(e);
                return 0;
        }
        return read_result(op, &out);
}

static int file_write(struct file_op *op, struct sbx_error **err)
{
        const char *content = op->p->content ? op->p->content : "";
        struct sbx_file f = {.path = op->abs, .data = content, .size = strlen(content)};
        struct sbx_error *e = NULL;

        if (!op->p->has_content && !strcmp(op->p->operation, "write")) {
                simple_result(op->res, SBX_TOOL_ERROR, NULL,
                              strdup("Content is required for write operation"));
                return 0;
        }
        if (!op->abs) {
                _cleanup_free_ char *why = not_writable(op);
                simple_result(op->res, SBX_TOOL_ERROR, NULL,
                              why ? sbx_strdup_printf("Write failed: %s", why) : NULL);
        } else if (sbx_sandbox_write_file(op->sb, &f, &e) < 0) {
                simple_result(op->res, SBX_TOOL_ERROR, NULL,
                              sbx_strdup_printf("Write failed: %s",
                                                e && e->message ? e->message : op->p->file_path));
        } else {
                simple_result(op->res, SBX_TOOL_SUCCESS,
                              sbx_strdup_printf("File written successfully: %s", op->p->file_path),
                              NULL);
        }
        sbx_error_free(e);
        return 0;
}

static int file_delete(struct file_op *op, struct sbx_error **err)
{
        struct sbx_error *e = NULL;
        int r = op->abs ? sbx_sandbox_remove_file(op->sb, op->abs, &e) : -EROFS;

        /* rm -rf semantics: a path that is not there is deleted already. */
        if (r < 0 && r != -ENOENT)
                simple_result(op->res, SBX_TOOL_ERROR, NULL,
                              !op->abs ? not_writable(op)
                              : e && e->message
                                  ? strdup(e->message)
                                  : sbx_strdup_printf("Failed to delete: %s", op->p->file_path));
        else
                simple_result(op->res, SBX_TOOL_SUCCESS,
                              sbx_strdup_printf("Successfully deleted: %s", op->p->file_path),
                              NULL);
        sbx_error_free(e);
        return 0;
}

static int file_exists(struct file_op *op, struct sbx_error **err)
{
        static const char script[] = "[ -e \"$1\" ] || [ -L \"$1\" ]";
        const char *argv[] = {"/bin/sh", "-c", script, "sh", op->p->file_path, NULL};
        struct sbx_job job = {.argv = argv};
        struct sbx_output out = {0};
        int r;

        if (!op->abs) { /* asked in the sandbox, as `test -e` there */
                struct sbx_tool_result probe = {0};
                r = run_and_map(op->ctx, op->sb, SBX_TOOL_FILE, &job, timeout_of(op->ctx, 0),
                                &probe, err);
                if (r == 0)
                        simple_result(
                            op->res, SBX_TOOL_SUCCESS,
                            strdup(probe.status == SBX_TOOL_SUCCESS ? "exists" : "does not exist"),
                            NULL);
                sbx_tool_result_clear(&probe);
                return r;
        }
        r = sbx_sandbox_read_file(op->sb, op->abs, 0, &out, NULL);
        free(out.data);
        /* Not a regular file (a directory) or a symlink (refused by O_NOFOLLOW) still exists. */
        bool exists = r == 0 || r == -EINVAL || r == -ELOOP || r == -EISDIR;
        simple_result(op->res, SBX_TOOL_SUCCESS, strdup(exists ? "exists" : "does not exist"),
                      NULL);
        return 0;
}

static int file_list(struct file_op *op, struct sbx_error **err)
{
        const char *argv[] = {"ls", "-la", "--", op->abs ? op->abs : op->p->file_path, NULL};
        struct sbx_job job = {.argv = argv};
        int r =
            run_and_map(op->ctx, op->sb, SBX_TOOL_FILE, &job, timeout_of(op->ctx, 0), op->res, err);

        if (r == 0 && op->res->status != SBX_TOOL_SUCCESS && op->res->error && !*op->res->error) {
                free(op->res->error);
                op->res->error =
                    sbx_strdup_printf("Failed to list directory: %s", op->p->file_path);
        }
        return r;
}

static const struct {
        const char *name;
        int (*fn)(struct file_op *op, struct sbx_error **err);
} file_ops[] = {
    {"read", file_read},     {"write", file_write}, {"create", file_write},
    {"delete", file_delete}, {"list", file_list},   {"exists", file_exists},
};

static int file_operation(struct sbx_tool_ctx *ctx, struct sbx_sandbox *sb,
                          const struct sbx_tool_params *p, struct sbx_tool_result *res,
                          struct sbx_error **err)
{
        _cleanup_free_ char *abs = NULL;
        const char *why = NULL;
        size_t i = 0;

        if (!p->operation)
                return missing(err, SBX_TOOL_FILE, "operation");
        if (!p->file_path)
                return missing(err, SBX_TOOL_FILE, "file_path");
        if (blank(p->file_path)) {
                simple_result(res, SBX_TOOL_ERROR, NULL, strdup("No file path provided"));
                return 0;
        }
        while (i < ELEMENTSOF(file_ops) && strcmp(file_ops[i].name, p->operation))
                i++;
        if (i == ELEMENTSOF(file_ops)) {
                simple_result(res, SBX_TOOL_ERROR, NULL,
                              sbx_strdup_printf("Unknown operation: %s", p->operation));
                return 0;
        }
        int r = sbx_http_map_path(tool_policy(ctx), ctx->entry->cfg.working_dir, p->file_path, &abs,
                                  &why);
        if (r == -ENOMEM)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (r < 0 && r != -EROFS) { /* "..": escapes stay refused */
                simple_result(res, SBX_TOOL_ERROR, NULL,
                              sbx_strdup_printf("Path %s %s", p->file_path, why));
                return 0;
        }
        struct file_op op = {ctx, sb, p, abs, res};
        return file_ops[i].fn(&op, err);
}

/* ---- dispatch ----------------------------------------------------------------------------- */

typedef int (*tool_fn)(struct sbx_tool_ctx *ctx, struct sbx_sandbox *sb,
                       const struct sbx_tool_params *p, struct sbx_tool_result *res,
                       struct sbx_error **err);

static const tool_fn tool_fns[_SBX_TOOL_MAX] = {
    [SBX_TOOL_PYTHON] = python_executor,
    [SBX_TOOL_SHELL] = shell_executor,
    [SBX_TOOL_FILE] = file_operation,
    [SBX_TOOL_MULTI] = multi_code_executor,
};

/* A fresh context still needs a sandbox for file operations: one that lives for this call. */
static int fresh_sandbox(struct sbx_tool_ctx *ctx, struct sbx_sandbox **out, struct sbx_error **err)
{
        struct sbx_sandbox_options opts = {
            .limits = (const char *const *)ctx->entry->limits,
            .image = ctx->entry->cfg.image,
            .ceiling = ctx->tenant->tool_ceiling,
        };
        int r = sbx_sandbox_create(ctx->entry->rt, &opts, out, err);

        return r < 0 ? sbx_error_prefix(err, "sandbox error: creating a sandbox") : 0;
}

int sbx_tool_execute(struct sbx_tool_ctx *ctx, enum sbx_tool_id tool,
                     const struct sbx_tool_params *p, struct sbx_tool_result *res,
                     struct sbx_error **err)
{
        struct sbx_sandbox *own = NULL, *sb = ctx->fresh ? NULL : ctx->entry->sb;
        uint64_t t0 = sbx_now_usec();
        int r = 0;

        memset(res, 0, sizeof(*res));
        if (ctx->fresh && tool == SBX_TOOL_FILE && (r = fresh_sandbox(ctx, &own, err)) < 0)
                return -EIO;
        r = tool_fns[tool](ctx, own ? own : sb, p, res, err);
        sbx_sandbox_destroy(own);
        if (r == 0 && (!res->output || !res->metadata)) {
                if (!res->output && !(res->output = strdup("")))
                        r = sbx_error_set(err, ENOMEM, "out of memory");
                if (!res->metadata)
                        res->metadata = cJSON_CreateObject();
        }
        if (r < 0)
                sbx_tool_result_clear(res);
        res->execution_time_s = (double)(sbx_now_usec() - t0) / 1e6;
        return r;
}
