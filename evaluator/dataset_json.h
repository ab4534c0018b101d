/* cJSON helpers for the benchmark loaders (evaluator-internal: cJSON stays inside the module). */
#ifndef SBX_EVAL_DATASET_JSON_H
#define SBX_EVAL_DATASET_JSON_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "sandboxrt.h"

/* Call fn for every line of a JSONL text parsed as a JSON object; where is "path:line" for
 * messages. A line that is not an object is an error naming it. Stops at fn's < 0. */
int sbx_eval_jsonl_objects(const char *text, size_t size, const char *path,
                           int (*fn)(void *ctx, const cJSON *obj, const char *where), void *ctx,
                           struct sbx_error **err);
/* The same for a benchmark's dataset in one language: a NUL character in a string (which a C
 * string cannot carry) is read as nul_escape, the language's escape for it inside a string
 * literal (where datasets have it); nul_escape NULL: an error naming the line and the task. */
int sbx_eval_jsonl_objects_nul(const char *text, size_t size, const char *path,
                               int (*fn)(void *ctx, const cJSON *obj, const char *where), void *ctx,
                               const char *nul_escape, struct sbx_error **err);

/* The line number of a "path:line" where (0 if it has none). */
uint32_t sbx_eval_where_line(const char *where);

/* A string field (a number is turned into its decimal text). Missing or null: *out stays NULL
 * and, when required, an error "<where>: missing field 'key'". */
int sbx_eval_json_string(const cJSON *obj, const char *key, bool required, const char *where,
                         char **out, struct sbx_error **err);
/* A list of strings into a NULL-terminated array. */
int sbx_eval_json_strings(const cJSON *obj, const char *key, bool required, const char *where,
                          char ***out, struct sbx_error **err);

#endif
