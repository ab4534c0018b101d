/* The openai_api client. One curl easy handle per attempt, all driven by one multi handle. */
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "evaluator/node.h"
#include "evaluator/openai.h"
#include "evaluator/strutil.h"
#include "util.h"

#define RESPONSE_MAX_BYTES ((size_t)32 << 20)
#define RETRY_AFTER_MAX_MS ((uint64_t)600 * 1000)
#define ERROR_TEXT_MAX     300

enum req_state { REQ_WAITING, REQ_RUNNING, REQ_DONE };

struct req {
        size_t index;
        enum req_state state;
        uint32_t attempts;
        uint64_t not_before_ms;
        uint64_t retry_after_ms; /* from the last response */
        CURL *easy;
        struct sbx_eval_buf body;
        char errbuf[CURL_ERROR_SIZE];
        char *last_error;
        long last_status;
};

struct client {
        const struct sbx_eval_openai_options *o;
        char *url;
        struct curl_slist *headers;
        CURLM *multi;
        struct req *reqs;
        size_t n, done, running, next_new;
        uint64_t seed;
        char *const *bodies;
        sbx_eval_openai_done_fn cb;
        void *ctx;
};

/* ---- request bodies ------------------------------------------------------------------------- */

static cJSON *node_to_json(const struct sbx_eval_node *n, unsigned depth)
{
        bool b;
        double d;
        cJSON *j;

        if (depth > 32 || sbx_eval_node_is_null(n))
                return cJSON_CreateNull();
        if (n->kind == SBX_EVAL_NODE_SCALAR) {
                if (n->quoted)
                        return cJSON_CreateString(n->text);
                if (sbx_eval_node_bool(n, &b) == 0)
                        return cJSON_CreateBool(b);
                if (sbx_eval_node_double(n, &d) == 0)
                        return cJSON_CreateNumber(d);
                return cJSON_CreateString(n->text);
        }
        j = n->kind == SBX_EVAL_NODE_MAP ? cJSON_CreateObject() : cJSON_CreateArray();
        for (size_t i = 0; j && i < n->n; i++) {
                cJSON *child = node_to_json(n->items[i], depth + 1);
                bool ok = child && (n->kind == SBX_EVAL_NODE_MAP
                                        ? cJSON_AddItemToObject(j, n->keys[i], child)
                                        : cJSON_AddItemToArray(j, child));
                if (!ok) {
                        cJSON_Delete(child);
                        cJSON_Delete(j);
                        return NULL;
                }
        }
        return j;
}

static bool add_message(cJSON *messages, const char *role, const char *content)
{
        cJSON *m = cJSON_CreateObject();

        if (!m || !cJSON_AddStringToObject(m, "role", role) ||
            !cJSON_AddStringToObject(m, "content", content) || !cJSON_AddItemToArray(messages, m)) {
                cJSON_Delete(m);
                return false;
        }
        return true;
}

/* EvalScope's GenerateConfig keys its OpenAI client does not put in the body as they are
 * (openai_completion_params, and the openai package's handling of extra_*). */
static const struct {
        const char *key;
        enum sbx_eval_gen_use use;
} gen_keys[] = {
    {"stop_seqs", SBX_EVAL_GEN_RENAMED},
    {"response_schema", SBX_EVAL_GEN_RENAMED},
    {"extra_body", SBX_EVAL_GEN_MERGED},
    {"extra_headers", SBX_EVAL_GEN_HEADERS},
    {"extra_query", SBX_EVAL_GEN_QUERY},
    {"timeout", SBX_EVAL_GEN_CLIENT},
    {"retries", SBX_EVAL_GEN_CLIENT},
    {"retry_interval", SBX_EVAL_GEN_CLIENT},
    {"batch_size", SBX_EVAL_GEN_CLIENT},
    {"stream", SBX_EVAL_GEN_CLIENT}, /* the endpoint streams when asked; we read whole replies */
    {"model", SBX_EVAL_GEN_CLIENT},
    {"messages", SBX_EVAL_GEN_CLIENT},
    {"do_sample", SBX_EVAL_GEN_UNSENT},
    {"best_of", SBX_EVAL_GEN_UNSENT},
    {"internal_tools", SBX_EVAL_GEN_UNSENT},
    {"max_tool_output", SBX_EVAL_GEN_UNSENT},
    {"cache_prompt", SBX_EVAL_GEN_UNSENT},
    {"parallel_tool_calls", SBX_EVAL_GEN_UNSENT}, /* only with tools, which benchmarks lack */
    {"reasoning_tokens", SBX_EVAL_GEN_UNSENT},
    {"reasoning_summary", SBX_EVAL_GEN_UNSENT},
    {"reasoning_history", SBX_EVAL_GEN_UNSENT},
    {"height", SBX_EVAL_GEN_UNSENT},
    {"width", SBX_EVAL_GEN_UNSENT},
    {"num_inference_steps", SBX_EVAL_GEN_UNSENT},
    {"guidance_scale", SBX_EVAL_GEN_UNSENT},
};

enum sbx_eval_gen_use sbx_eval_openai_gen_use(const char *key)
{
        for (size_t i = 0; i < ELEMENTSOF(gen_keys); i++)
                if (!strcmp(key, gen_keys[i].key))
                        return gen_keys[i].use;
        return SBX_EVAL_GEN_BODY;
}

static bool add_json(cJSON *o, const char *key, cJSON *v)
{
        if (v && cJSON_AddItemToObject(o, key, v))
                return true;
        cJSON_Delete(v);
        return false;
}

/* response_schema {name, json_schema, description, strict} as OpenAI's response_format. */
static cJSON *response_format(const struct sbx_eval_node *schema)
{
        static const char *const keys[][2] = {{"name", "name"},
                                              {"json_schema", "schema"},
                                              {"description", "description"},
                                              {"strict", "strict"}};
        cJSON *f = cJSON_CreateObject(), *js = NULL;

        if (!f || !cJSON_AddStringToObject(f, "type", "json_schema") ||
            !(js = cJSON_AddObjectToObject(f, "json_schema"))) {
                cJSON_Delete(f);
                return NULL;
        }
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const struct sbx_eval_node *v = sbx_eval_node_get(schema, keys[i][0]);
                if (v && !add_json(js, keys[i][1], node_to_json(v, 0))) {
                        cJSON_Delete(f);
                        return NULL;
                }
        }
        return f;
}

/* extra_body's members, over the body's own. */
static bool merge(cJSON *root, const struct sbx_eval_node *extra)
{
        for (size_t i = 0; extra && extra->kind == SBX_EVAL_NODE_MAP && i < extra->n; i++) {
                cJSON *v = node_to_json(extra->items[i], 0);
                if (!v)
                        return false;
                if (cJSON_HasObjectItem(root, extra->keys[i]))
                        cJSON_ReplaceItemInObjectCaseSensitive(root, extra->keys[i], v);
                else if (!add_json(root, extra->keys[i], v))
                        return false;
        }
        return true;
}

char *sbx_eval_openai_body(const char *model, const char *system, const char *user,
                           const struct sbx_eval_node *generation_config)
{
        const struct sbx_eval_node *g = generation_config, *extra = NULL;
        cJSON *root = cJSON_CreateObject(), *messages;
        char *text = NULL;
        bool ok = true;

        if (!root || !cJSON_AddStringToObject(root, "model", model) ||
            !(messages = cJSON_AddArrayToObject(root, "messages")))
                goto out;
        if ((system && !add_message(messages, "system", system)) ||
            !add_message(messages, "user", user))
                goto out;
        for (size_t i = 0; ok && g && g->kind == SBX_EVAL_NODE_MAP && i < g->n; i++) {
                const char *key = g->keys[i];
                switch (sbx_eval_openai_gen_use(key)) {
                case SBX_EVAL_GEN_BODY:
                        ok = add_json(root, key, node_to_json(g->items[i], 0));
                        break;
                case SBX_EVAL_GEN_RENAMED:
                        ok = !strcmp(key, "stop_seqs")
                                 ? add_json(root, "stop", node_to_json(g->items[i], 0))
                                 : add_json(root, "response_format", response_format(g->items[i]));
                        break;
                case SBX_EVAL_GEN_MERGED:
                        extra = g->items[i];
                        break;
                default:
                        break;
                }
        }
        if (ok && merge(root, extra))
                text = cJSON_PrintUnformatted(root);
out:
        cJSON_Delete(root);
        return text;
}

/* ---- responses ------------------------------------------------------------------------------ */

static int choice_index(const cJSON *c, int fallback)
{
        const cJSON *i = cJSON_GetObjectItemCaseSensitive(c, "index");

        return cJSON_IsNumber(i) && i->valuedouble >= 0 && i->valuedouble < 100000
                   ? (int)i->valuedouble
                   : fallback;
}

int sbx_eval_openai_parse_choices(const char *body, size_t size, char ***choices, size_t *n,
                                  const char **why)
{
        cJSON *root = cJSON_ParseWithLength(body, size);
        const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, "choices"), *c;
        size_t count = (size_t)cJSON_GetArraySize(arr), k = 0;
        char **out;

        *why = !root ? "the response is not JSON" : "the response has no choices";
        if (!cJSON_IsArray(arr) || count == 0 || !(out = calloc(count + 1, sizeof(*out)))) {
                cJSON_Delete(root);
                return -EINVAL;
        }
        cJSON_ArrayForEach(c, arr)
        {
                const cJSON *msg = cJSON_GetObjectItemCaseSensitive(c, "message");
                const cJSON *content = cJSON_GetObjectItemCaseSensitive(msg, "content");
                int idx = choice_index(c, (int)k);
                /* Place by index when it fits (servers may reorder), else in arrival order. */
                size_t slot = (size_t)idx < count && !out[idx] ? (size_t)idx : k;
                while (out[slot])
                        slot = (slot + 1) % count;
                out[slot] = strdup(cJSON_IsString(content) ? content->valuestring : "");
                if (!out[slot]) {
                        for (size_t i = 0; i < count; i++)
                                free(out[i]);
                        free(out);
                        cJSON_Delete(root);
                        *why = "out of memory";
                        return -ENOMEM;
                }
                k++;
        }
        cJSON_Delete(root);
        *choices = out;
        *n = count;
        return 0;
}

/* "HTTP status 429: <the server's message>". A 404 says where the request went, since it is most
 * often an api_url without its /v1. */
static char *http_error_text(long status, const char *url, const char *body, size_t size)
{
        cJSON *root = cJSON_ParseWithLength(body, size);
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "error");
        const cJSON *msg = NULL;
        _cleanup_free_ char *clean = NULL;

        if (cJSON_IsObject(e))
                msg = cJSON_GetObjectItemCaseSensitive(e, "message");
        else if (cJSON_IsString(e))
                msg = e;
        if (!cJSON_IsString(msg))
                msg = cJSON_GetObjectItemCaseSensitive(root, "detail");
        if (!cJSON_IsString(msg))
                msg = cJSON_GetObjectItemCaseSensitive(root, "message");
        if (cJSON_IsString(msg))
                clean = sbx_eval_utf8_clean(msg->valuestring, strlen(msg->valuestring),
                                            ERROR_TEXT_MAX, NULL);
        else
                clean =
                    sbx_eval_utf8_clean(body ? body : "", body ? size : 0, ERROR_TEXT_MAX, NULL);
        cJSON_Delete(root);
        for (char *p = clean; p && *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        for (size_t n = clean ? strlen(clean) : 0; n && clean[n - 1] == ' ';)
                clean[--n] = '\0';
        const char *said = clean && *clean ? clean : "(empty response body)";
        if (status == 404)
                return sbx_strdup_printf("HTTP status 404 from %s: %s (api_url is the API's base, "
                                         "as http://host:port/v1; is the model one it serves?)",
                                         url, said);
        return sbx_strdup_printf("HTTP status %ld: %s", status, said);
}

/* ---- retries -------------------------------------------------------------------------------- */

static uint64_t next_random(uint64_t *s)
{
        /* xorshift64*: jitter only, not security. */
        uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        *s = x;
        return x * 0x2545f4914f6cdd1dull;
}

uint64_t sbx_eval_openai_backoff_ms(const struct sbx_eval_openai_options *o, uint32_t attempt,
                                    uint64_t retry_after_ms, uint64_t *seed)
{
        uint64_t base = o->backoff_base_ms ? o->backoff_base_ms : 1000;
        uint64_t cap = o->backoff_max_ms ? o->backoff_max_ms : 60000;
        uint64_t d = base;

        if (retry_after_ms)
                /* The server said when: wait that long, plus up to 10% so clients spread out. */
                return retry_after_ms + next_random(seed) % (retry_after_ms / 10 + 1);
        for (uint32_t i = 1; i < attempt && d < cap; i++)
                d *= 2;
        if (d > cap)
                d = cap;
        /* "Equal jitter": between half the delay and the whole of it. */
        return d / 2 + next_random(seed) % (d / 2 + 1);
}

static bool retriable_status(long status)
{
        return status == 408 || status == 409 || status == 429 || status >= 500;
}

static bool retriable_curl(CURLcode c)
{
        switch (c) {
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_COULDNT_CONNECT:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
                return true;
        default:
                return false;
        }
}

/* ---- transfers ------------------------------------------------------------------------------ */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct req *r = userdata;
        size_t n = size * nmemb;

        sbx_eval_buf_append(&r->body, data, n);
        /* Returning less than n makes curl fail the transfer: a body past the cap is refused. */
        return r->body.truncated || r->body.oom ? 0 : n;
}

static uint64_t parse_retry_after(const char *v)
{
        uint64_t secs;
        char buf[64];
        size_t n = strcspn(v, "\r\n");

        if (n >= sizeof(buf))
                return 0;
        memcpy(buf, v, n);
        buf[n] = '\0';
        while (n && buf[n - 1] == ' ')
                buf[--n] = '\0';
        if (sbx_parse_u64(buf, &secs) == 0)
                return secs * 1000 < RETRY_AFTER_MAX_MS ? secs * 1000 : RETRY_AFTER_MAX_MS;
        time_t when = curl_getdate(buf, NULL), now = time(NULL);
        if (when <= now)
                return when < 0 ? 0 : 1;
        uint64_t ms = (uint64_t)(when - now) * 1000;
        return ms < RETRY_AFTER_MAX_MS ? ms : RETRY_AFTER_MAX_MS;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata)
{
        struct req *r = userdata;
        size_t n = size * nmemb;

        if (n > 12 && !strncasecmp(data, "Retry-After:", 12)) {
                const char *v = data + 12;
                while (v < data + n && *v == ' ')
                        v++;
                char tmp[80];
                size_t len = (size_t)(data + n - v) < sizeof(tmp) - 1 ? (size_t)(data + n - v)
                                                                      : sizeof(tmp) - 1;
                memcpy(tmp, v, len);
                tmp[len] = '\0';
                r->retry_after_ms = parse_retry_after(tmp);
        }
        return n;
}

static int start_attempt(struct client *cl, struct req *r, struct sbx_error **err)
{
        const char *body = cl->bodies[r->index];
        CURL *e = curl_easy_init();

        if (!e)
                return sbx_error_set(err, ENOMEM, "curl_easy_init failed");
        sbx_eval_buf_free(&r->body);
        r->body.max = RESPONSE_MAX_BYTES;
        r->retry_after_ms = 0;
        r->errbuf[0] = '\0';
        curl_easy_setopt(e, CURLOPT_URL, cl->url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, cl->headers);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cl->o->timeout_ms);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, 30000L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
        curl_easy_setopt(e, CURLOPT_PRIVATE, r);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "sandboxrt/" SBX_VERSION);
        if (curl_multi_add_handle(cl->multi, e) != CURLM_OK) {
                curl_easy_cleanup(e);
                return sbx_error_set(err, EIO, "curl_multi_add_handle failed");
        }
        r->easy = e;
        r->state = REQ_RUNNING;
        r->attempts++;
        cl->running++;
        return 0;
}

/* The next request allowed to start now: retries that are due first, then new ones. */
static struct req *next_ready(struct client *cl, uint64_t now)
{
        for (size_t i = 0; i < cl->next_new; i++)
                if (cl->reqs[i].state == REQ_WAITING && cl->reqs[i].not_before_ms <= now)
                        return &cl->reqs[i];
        if (cl->next_new < cl->n)
                return &cl->reqs[cl->next_new++];
        return NULL;
}

/* Milliseconds until a waiting retry becomes due (capped at 1000). */
static int poll_timeout(struct client *cl, uint64_t now)
{
        uint64_t best = 1000;

        for (size_t i = 0; i < cl->next_new; i++)
                if (cl->reqs[i].state == REQ_WAITING) {
                        uint64_t due = cl->reqs[i].not_before_ms;
                        uint64_t wait = due > now ? due - now : 0;
                        if (wait < best)
                                best = wait;
                }
        return (int)best;
}

static int deliver(struct client *cl, struct req *r, char **choices, size_t n_choices,
                   const char *error)
{
        struct sbx_eval_openai_reply reply = {
            .choices = choices,
            .n_choices = n_choices,
            .http_status = r->last_status,
            .attempts = r->attempts,
            .error = error,
        };

        r->state = REQ_DONE;
        cl->done++;
        return cl->cb(cl->ctx, r->index, &reply);
}

/* A transfer ended: hand the result over, or schedule a retry. */
static int finish(struct client *cl, CURL *e, CURLcode res)
{
        struct req *r = NULL;
        char **choices = NULL;
        size_t n_choices = 0;
        const char *why = NULL;
        bool retry;
        int ret;

        curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->last_status);
        curl_multi_remove_handle(cl->multi, e);
        curl_easy_cleanup(e);
        r->easy = NULL;
        cl->running--;
        free(r->last_error);
        r->last_error = NULL;
        if (res == CURLE_OK && r->last_status >= 200 && r->last_status < 300) {
                if (sbx_eval_openai_parse_choices(r->body.data ? r->body.data : "", r->body.len,
                                                  &choices, &n_choices, &why) == 0) {
                        ret = deliver(cl, r, choices, n_choices, NULL);
                        for (size_t i = 0; i < n_choices; i++)
                                free(choices[i]);
                        free(choices);
                        return ret;
                }
                r->last_error = sbx_strdup_printf("HTTP status %ld, but %s", r->last_status, why);
                retry = false;
        } else if (res != CURLE_OK) {
                r->last_error = sbx_strdup_printf(
                    "request failed: %s", r->errbuf[0] ? r->errbuf : curl_easy_strerror(res));
                retry = retriable_curl(res);
        } else {
                r->last_error = http_error_text(r->last_status, cl->url, r->body.data, r->body.len);
                retry = retriable_status(r->last_status);
        }
        if (retry && r->attempts <= cl->o->max_retries) {
                r->state = REQ_WAITING;
                r->not_before_ms =
                    sbx_now_ms() +
                    sbx_eval_openai_backoff_ms(cl->o, r->attempts, r->retry_after_ms, &cl->seed);
                return 0;
        }
        _cleanup_free_ char *msg = NULL;
        if (r->attempts > 1)
                msg = sbx_strdup_printf("%s (gave up after %u attempts)",
                                        r->last_error ? r->last_error : "failed", r->attempts);
        return deliver(cl, r, NULL, 0,
                       msg ? msg : (r->last_error ? r->last_error : "request failed"));
}

static int drain(struct client *cl)
{
        CURLMsg *m;
        int left;

        while ((m = curl_multi_info_read(cl->multi, &left))) {
                if (m->msg != CURLMSG_DONE)
                        continue;
                int r = finish(cl, m->easy_handle, m->data.result);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int client_loop(struct client *cl, struct sbx_error **err)
{
        while (cl->done < cl->n) {
                uint64_t now = sbx_now_ms();
                struct req *r;
                int still = 0, ret;

                while (cl->running < cl->o->concurrency && (r = next_ready(cl, now)))
                        if ((ret = start_attempt(cl, r, err)) < 0)
                                return ret;
                if (curl_multi_perform(cl->multi, &still) != CURLM_OK)
                        return sbx_error_set(err, EIO, "curl_multi_perform failed");
                if ((ret = drain(cl)) < 0)
                        return ret;
                if (cl->done >= cl->n)
                        break;
                if (curl_multi_poll(cl->multi, NULL, 0, poll_timeout(cl, sbx_now_ms()), NULL) !=
                    CURLM_OK)
                        return sbx_error_set(err, EIO, "curl_multi_poll failed");
        }
        return 0;
}

static void client_release(struct client *cl)
{
        for (size_t i = 0; cl->reqs && i < cl->n; i++) {
                struct req *r = &cl->reqs[i];
                if (r->easy) {
                        curl_multi_remove_handle(cl->multi, r->easy);
                        curl_easy_cleanup(r->easy);
                }
                sbx_eval_buf_free(&r->body);
                free(r->last_error);
        }
        free(cl->reqs);
        if (cl->multi)
                curl_multi_cleanup(cl->multi);
        curl_slist_free_all(cl->headers);
        free(cl->url);
}

/* extra_query's members (scalars) as the URL's query, escaped. */
static int add_query(char **url, const struct sbx_eval_node *q)
{
        struct sbx_eval_buf b = {0};

        if (!q || q->kind != SBX_EVAL_NODE_MAP || q->n == 0)
                return 0;
        sbx_eval_buf_append(&b, *url, strlen(*url));
        for (size_t i = 0; i < q->n; i++) {
                const char *v = q->items[i]->kind == SBX_EVAL_NODE_SCALAR ? q->items[i]->text : "";
                char *k = curl_easy_escape(NULL, q->keys[i], 0), *e = curl_easy_escape(NULL, v, 0);
                if (k && e)
                        sbx_eval_buf_printf(&b, "%c%s=%s", i || strchr(*url, '?') ? '&' : '?', k,
                                            e);
                else
                        b.oom = true;
                curl_free(k);
                curl_free(e);
        }
        char *joined = sbx_eval_buf_take(&b);
        if (!joined)
                return -ENOMEM;
        free(*url);
        *url = joined;
        return 0;
}

/* extra_headers' members (scalars) as "Key: value" headers; NULL when out of memory. */
static struct curl_slist *add_headers(struct curl_slist **list, const struct sbx_eval_node *hs)
{
        for (size_t i = 0; hs && hs->kind == SBX_EVAL_NODE_MAP && i < hs->n; i++) {
                if (hs->items[i]->kind != SBX_EVAL_NODE_SCALAR)
                        continue;
                _cleanup_free_ char *line =
                    sbx_strdup_printf("%s: %s", hs->keys[i], hs->items[i]->text);
                struct curl_slist *h = line ? curl_slist_append(*list, line) : NULL;
                if (!h)
                        return NULL;
                *list = h;
        }
        return *list;
}

static int client_init(struct client *cl, struct sbx_error **err)
{
        const char *base = cl->o->api_url;
        size_t len = strlen(base);
        struct curl_slist *h;

        while (len && base[len - 1] == '/')
                len--;
        /* A URL already naming the route is used as is. */
        if (len >= 17 && !strncmp(base + len - 17, "/chat/completions", 17))
                cl->url = strndup(base, len);
        else
                cl->url = sbx_strdup_printf("%.*s/chat/completions", (int)len, base);
        if (cl->url &&
            add_query(&cl->url, sbx_eval_node_get(cl->o->generation_config, "extra_query")) < 0)
                return sbx_error_set(err, ENOMEM, "out of memory");
        cl->reqs = calloc(cl->n ? cl->n : 1, sizeof(*cl->reqs));
        cl->multi = curl_multi_init();
        h = curl_slist_append(NULL, "Content-Type: application/json");
        if (h)
                cl->headers = h;
        /* No "Expect: 100-continue" round trip before each body (a second's stall on servers
         * that do not answer it). */
        h = h ? curl_slist_append(cl->headers, "Expect:") : NULL;
        if (h)
                cl->headers = h;
        if (h && cl->o->api_key) {
                _cleanup_free_ char *auth =
                    sbx_strdup_printf("Authorization: Bearer %s", cl->o->api_key);
                h = auth ? curl_slist_append(cl->headers, auth) : NULL;
                if (auth)
                        explicit_bzero(auth, strlen(auth));
                if (h)
                        cl->headers = h;
        }
        if (h)
                h = add_headers(&cl->headers,
                                sbx_eval_node_get(cl->o->generation_config, "extra_headers"));
        if (!cl->url || !cl->reqs || !cl->multi || !h)
                return sbx_error_set(err, ENOMEM, "out of memory");
        for (size_t i = 0; i < cl->n; i++)
                cl->reqs[i].index = i;
        cl->seed = sbx_now_usec() ^ ((uint64_t)getpid() << 32);
        return 0;
}

int sbx_eval_openai_run(const struct sbx_eval_openai_options *o, char *const *bodies, size_t n,
                        sbx_eval_openai_done_fn done, void *ctx, struct sbx_error **err)
{
        struct client cl = {.o = o, .n = n, .bodies = bodies, .cb = done, .ctx = ctx};
        int r;

        if (o->concurrency == 0)
                return sbx_error_set(err, EINVAL, "concurrency must be at least 1");
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                return sbx_error_set(err, EIO, "curl_global_init failed");
        r = client_init(&cl, err);
        if (r == 0)
                r = client_loop(&cl, err);
        client_release(&cl);
        curl_global_cleanup();
        return r;
}
