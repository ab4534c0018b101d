/* Verdict names and the result record: freeing it and printing it as JSON. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "base64.h"
#include "sandboxrt.h"
#include "util.h"

static const char *const verdict_names[_SBX_VERDICT_MAX] = {
    [SBX_VERDICT_OK] = "OK",
    [SBX_VERDICT_RUNTIME_ERROR] = "RUNTIME_ERROR",
    [SBX_VERDICT_SIGNALED] = "SIGNALED",
    [SBX_VERDICT_TIME_LIMIT] = "TIME_LIMIT",
    [SBX_VERDICT_MEMORY_LIMIT] = "MEMORY_LIMIT",
    [SBX_VERDICT_OUTPUT_LIMIT] = "OUTPUT_LIMIT",
    [SBX_VERDICT_COMPILE_ERROR] = "COMPILE_ERROR",
    [SBX_VERDICT_POLICY_VIOLATION] = "POLICY_VIOLATION",
    [SBX_VERDICT_SANDBOX_ERROR] = "SANDBOX_ERROR",
};

const char *sbx_verdict_to_string(enum sbx_verdict v)
{
        return (unsigned)v < _SBX_VERDICT_MAX ? verdict_names[v] : NULL;
}

int sbx_verdict_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_VERDICT_MAX; i++)
                if (!strcmp(verdict_names[i], s))
                        return i;
        return -EINVAL;
}

struct sbx_result *sbx_result_free(struct sbx_result *r)
{
        if (r) {
                free(r->out.data);
                free(r->err.data);
                free(r->message);
                free(r->cgroup_entry);
                sbx_result_free(r->compile);
                free(r);
        }
        return NULL;
}

/* "stdout": the output as text, each byte that is not UTF-8 (a NUL too) as U+FFFD; then, when
 * that text is not the output (it is longer: one byte became three), "stdout_base64": its
 * bytes. */
static void add_output(cJSON *o, const char *name, const struct sbx_output *out)
{
        const char *data = out->data ? out->data : "";
        _cleanup_free_ char *text = sbx_utf8_sanitize(data, out->size);
        char key[32];

        cJSON_AddStringToObject(o, name, text ? text : "");
        snprintf(key, sizeof(key), "%s_truncated", name);
        cJSON_AddBoolToObject(o, key, out->truncated);
        if (text && strlen(text) != out->size) {
                _cleanup_free_ char *b64 = sbx_base64_encode(data, out->size);
                snprintf(key, sizeof(key), "%s_base64", name);
                if (b64)
                        cJSON_AddStringToObject(o, key, b64);
        }
}

/* The names of the limits enforced; null when unknown. */
static void add_limits(cJSON *o, uint32_t enforced)
{
        cJSON *a;

        if (!enforced) {
                cJSON_AddNullToObject(o, "limits_enforced");
                return;
        }
        a = cJSON_AddArrayToObject(o, "limits_enforced");
        for (int l = 0; a && l < _SBX_LIMIT_MAX; l++)
                if (enforced & (1u << l))
                        cJSON_AddItemToArray(a, cJSON_CreateString(sbx_limit_to_string(l)));
}

static cJSON *result_object(const struct sbx_result *r)
{
        cJSON *o = cJSON_CreateObject();

        cJSON_AddStringToObject(o, "verdict", sbx_verdict_to_string(r->verdict));
        cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
        cJSON_AddNumberToObject(o, "signal", r->signal);
        cJSON_AddNumberToObject(o, "wall_ms", (double)r->wall_ms);
        cJSON_AddNumberToObject(o, "cpu_ms", (double)r->cpu_ms);
        cJSON_AddNumberToObject(o, "peak_memory_bytes", (double)r->peak_memory_bytes);
        add_output(o, "stdout", &r->out);
        add_output(o, "stderr", &r->err);
        if (r->message)
                cJSON_AddStringToObject(o, "message", r->message);
        else
                cJSON_AddNullToObject(o, "message");
        cJSON_AddStringToObject(o, "backend", r->backend ? r->backend : "none");
        add_limits(o, r->limits_enforced);
        if (r->compile)
                cJSON_AddItemToObject(o, "compile", result_object(r->compile));
        return o;
}

char *sbx_result_to_json(const struct sbx_result *r)
{
        cJSON *o = result_object(r);
        char *s = cJSON_PrintUnformatted(o);

        cJSON_Delete(o);
        return s;
}
