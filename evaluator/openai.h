/* OpenAI-compatible chat completions over libcurl: many requests, a bounded number in flight,
 * retries with exponential backoff and jitter on 429, 5xx and transport failures (honouring
 * Retry-After). Runs in the calling thread (curl multi). */
#ifndef SBX_EVAL_OPENAI_H
#define SBX_EVAL_OPENAI_H

#include <stddef.h>
#include <stdint.h>

#include "sandboxrt.h"

struct sbx_eval_node;

struct sbx_eval_openai_options {
        const char *api_url;      /* ".../v1": "/chat/completions" is appended */
        const char *api_key;      /* NULL: no Authorization header */
        uint32_t concurrency;     /* requests in flight, >= 1 */
        uint64_t timeout_ms;      /* per attempt */
        uint32_t max_retries;     /* attempts = 1 + max_retries */
        uint64_t backoff_base_ms; /* first retry delay (0: 1000) */
        uint64_t backoff_max_ms;  /* cap (0: 60000) */
        /* The task's generation_config (a map, or NULL): its extra_headers are sent as HTTP
         * headers, its extra_query in the URL, as EvalScope's client sends them. */
        const struct sbx_eval_node *generation_config;
};

/* How EvalScope's OpenAI client (its GenerateConfig) sends a generation_config key. */
enum sbx_eval_gen_use {
        SBX_EVAL_GEN_BODY,    /* in the body as it is (so are keys EvalScope does not define) */
        SBX_EVAL_GEN_RENAMED, /* stop_seqs as "stop", response_schema as "response_format" */
        SBX_EVAL_GEN_MERGED,  /* extra_body: its members join the body's, and win */
        SBX_EVAL_GEN_HEADERS, /* extra_headers: HTTP headers */
        SBX_EVAL_GEN_QUERY,   /* extra_query: the URL's query */
        SBX_EVAL_GEN_CLIENT,  /* the client's own setting (timeout, retries, ...): not sent */
        SBX_EVAL_GEN_UNSENT,  /* never sent to an OpenAI-compatible API (do_sample, ...) */
};

enum sbx_eval_gen_use sbx_eval_openai_gen_use(const char *key);

struct sbx_eval_openai_reply {
        char **choices; /* message contents ordered by choice index; NULL on failure */
        size_t n_choices;
        long http_status; /* of the last attempt; 0 when no HTTP response came */
        uint32_t attempts;
        const char *error; /* why it failed for good: status and the server's message; or NULL */
};

/* Called in the calling thread as each request ends for good; reply lives for the call only.
 * Return < 0 to stop (the run then returns that value, in-flight requests are dropped). */
typedef int (*sbx_eval_openai_done_fn)(void *ctx, size_t index,
                                       const struct sbx_eval_openai_reply *reply);

/* Send bodies[0..n) (JSON texts, see sbx_eval_openai_body). Returns 0 when every request
 * ended (successfully or not: see reply->error), < 0 on a setup failure or when done said
 * stop. Not reentrant. libcurl may resolve names in a thread: create the runtime first. */
int sbx_eval_openai_run(const struct sbx_eval_openai_options *o, char *const *bodies, size_t n,
                        sbx_eval_openai_done_fn done, void *ctx, struct sbx_error **err);

/* The request body: model, messages (system if non-NULL, then user) and generation_config (a
 * map, may be NULL) as EvalScope's client sends it (sbx_eval_gen_use). malloc'd, NULL on
 * failure. */
char *sbx_eval_openai_body(const char *model, const char *system, const char *user,
                           const struct sbx_eval_node *generation_config);

/* Parse a successful response body's choices (exposed for tests). 0, or -EINVAL with *why. */
int sbx_eval_openai_parse_choices(const char *body, size_t size, char ***choices, size_t *n,
                                  const char **why);

/* The delay before retry number attempt (1-based) given a Retry-After value in ms (0: none),
 * with jitter drawn from *seed. Exposed for tests. */
uint64_t sbx_eval_openai_backoff_ms(const struct sbx_eval_openai_options *o, uint32_t attempt,
                                    uint64_t retry_after_ms, uint64_t *seed);

#endif
