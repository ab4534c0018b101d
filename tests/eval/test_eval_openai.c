/* The openai_api client against a fixture HTTP server on 127.0.0.1 (a thread of this test):
 * canned replies, a 429 with Retry-After, a slow reply past the timeout, 500s, a 400, and a
 * check that exactly eval_batch_size requests are in flight. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "evaluator/node.h"
#include "evaluator/openai.h"
#include "util.h"
#include "tests/time_scale.h"

/* ---- the fixture server --------------------------------------------------------------------- */

#define MAX_KEYS 64

struct seen {
        char key[64];
        unsigned attempts;
        uint64_t at_ms[8];
};

static struct {
        int fd;
        unsigned short port;
        pthread_t thread;
        pthread_mutex_t mu;
        pthread_cond_t cv;
        bool stop;
        unsigned active, max_active, hold_until; /* concurrency scenario */
        unsigned connections;
        struct seen seen[MAX_KEYS];
        size_t n_seen;
        char last_auth[128];
        char last_line[160];   /* the last request's first line */
        char last_tenant[128]; /* its X-Tenant header (test_extras) */
} srv = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

/* Count an attempt for key; returns its number (1-based). */
static unsigned note_attempt(const char *key)
{
        unsigned n = 0;

        pthread_mutex_lock(&srv.mu);
        for (size_t i = 0; i <= srv.n_seen && i < MAX_KEYS; i++) {
                struct seen *s = &srv.seen[i];
                if (i == srv.n_seen) {
                        snprintf(s->key, sizeof(s->key), "%s", key);
                        srv.n_seen++;
                }
                if (!strcmp(s->key, key)) {
                        if (s->attempts < 8)
                                s->at_ms[s->attempts] = sbx_now_ms();
                        n = ++s->attempts;
                        break;
                }
        }
        pthread_mutex_unlock(&srv.mu);
        return n;
}

static const struct seen *seen(const char *key)
{
        for (size_t i = 0; i < srv.n_seen; i++)
                if (!strcmp(srv.seen[i].key, key))
                        return &srv.seen[i];
        return NULL;
}

static void reply(int fd, int status, const char *extra_headers, const char *body)
{
        char head[512];
        int n =
            snprintf(head, sizeof(head),
                     "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n"
                     "Connection: close\r\n%s\r\n",
                     status, strlen(body), extra_headers ? extra_headers : "");
        send(fd, head, (size_t)n, MSG_NOSIGNAL);
        send(fd, body, strlen(body), MSG_NOSIGNAL);
}

static void reply_ok(int fd, const char *key)
{
        char body[512];

        if (!strncmp(key, "n2-", 3))
                /* choices out of order: the client sorts them by index */
                snprintf(
                    body, sizeof(body),
                    "{\"choices\":[{\"index\":1,\"message\":{\"role\":\"assistant\",\"content\":"
                    "\"second\"}},{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                    "\"first\"}}]}");
        else
                snprintf(body, sizeof(body),
                         "{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                         "\"assistant\",\"content\":\"```python\\nanswer('%s')\\n```\"},"
                         "\"finish_reason\":\"stop\"}]}",
                         key);
        reply(fd, 200, NULL, body);
}

/* Holds a "conc-" request until hold_until requests are in flight together (or 5 s pass). */
static void hold_for_concurrency(void)
{
        struct timespec ts;

        pthread_mutex_lock(&srv.mu);
        srv.active++;
        if (srv.active > srv.max_active)
                srv.max_active = srv.active;
        pthread_cond_broadcast(&srv.cv);
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 5;
        while (srv.active < srv.hold_until && srv.max_active < srv.hold_until)
                if (pthread_cond_timedwait(&srv.cv, &srv.mu, &ts) == ETIMEDOUT)
                        break;
        srv.active--;
        pthread_mutex_unlock(&srv.mu);
}

static void answer(int fd, const char *key)
{
        unsigned attempt = note_attempt(key);

        if (!strncmp(key, "429-", 4) && attempt == 1)
                reply(fd, 429, "Retry-After: 1\r\n", "{\"error\":{\"message\":\"rate limited\"}}");
        else if (!strncmp(key, "500-", 4) && attempt == 1)
                reply(fd, 500, NULL, "{\"error\":{\"message\":\"boom\",\"type\":\"server\"}}");
        else if (!strncmp(key, "slow-", 5) && attempt == 1) {
                usleep(2500 * 1000); /* past the client's 1 s timeout */
                reply_ok(fd, key);
        } else if (!strncmp(key, "400-", 4))
                reply(fd, 400, NULL, "{\"error\":{\"message\":\"max_tokens is too large\"}}");
        else if (!strncmp(key, "always503-", 10))
                reply(fd, 503, NULL, "upstream overloaded\n");
        else {
                if (!strncmp(key, "conc-", 5))
                        hold_for_concurrency();
                reply_ok(fd, key);
        }
}

/* The user message's content is the scenario key: {"role":"user","content":"KEY"}. */
static void key_of(const char *req, char *key, size_t size)
{
        const char *p = strstr(req, "\"role\":\"user\",\"content\":\"");
        size_t n = 0;

        key[0] = '\0';
        if (!p)
                return;
        p += strlen("\"role\":\"user\",\"content\":\"");
        while (p[n] && p[n] != '"' && n + 1 < size)
                n++;
        memcpy(key, p, n);
        key[n] = '\0';
}

static void *connection(void *arg)
{
        int fd = (int)(intptr_t)arg;
        char req[65536], key[64];
        size_t len = 0;
        ssize_t r;
        const char *end = NULL;

        while (len < sizeof(req) - 1 && (r = recv(fd, req + len, sizeof(req) - 1 - len, 0)) > 0) {
                len += (size_t)r;
                req[len] = '\0';
                end = strstr(req, "\r\n\r\n");
                const char *cl = strcasestr(req, "Content-Length:");
                if (end && cl && len >= (size_t)(end + 4 - req) + strtoul(cl + 15, NULL, 10))
                        break;
        }
        req[len] = '\0';
        const char *auth = strcasestr(req, "Authorization: ");
        const char *tenant = strcasestr(req, "X-Tenant: ");
        pthread_mutex_lock(&srv.mu);
        if (auth)
                snprintf(srv.last_auth, sizeof(srv.last_auth), "%.*s", (int)strcspn(auth, "\r"),
                         auth);
        if (tenant)
                snprintf(srv.last_tenant, sizeof(srv.last_tenant), "%.*s",
                         (int)strcspn(tenant, "\r"), tenant);
        snprintf(srv.last_line, sizeof(srv.last_line), "%.*s", (int)strcspn(req, "\r"), req);
        pthread_mutex_unlock(&srv.mu);
        if (strncmp(req, "POST /v1/chat/completions", 25) || !strchr(" ?", req[25]))
                reply(fd, 404, NULL, "{\"detail\":\"Not Found\"}");
        else {
                key_of(end ? end : req, key, sizeof(key));
                answer(fd, key);
        }
        close(fd);
        pthread_mutex_lock(&srv.mu);
        srv.connections--;
        pthread_cond_broadcast(&srv.cv);
        pthread_mutex_unlock(&srv.mu);
        return NULL;
}

static void *acceptor(void *arg)
{
        for (;;) {
                int fd = accept4(srv.fd, NULL, NULL, SOCK_CLOEXEC);
                pthread_t t;
                if (fd < 0) {
                        if (srv.stop)
                                return NULL;
                        continue;
                }
                pthread_mutex_lock(&srv.mu);
                srv.connections++;
                pthread_mutex_unlock(&srv.mu);
                pthread_create(&t, NULL, connection, (void *)(intptr_t)fd);
                pthread_detach(t);
        }
}

static int server_start(void **state)
{
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t alen = sizeof(a);

        srv.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (srv.fd < 0 || bind(srv.fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
            listen(srv.fd, 64) < 0 || getsockname(srv.fd, (struct sockaddr *)&a, &alen) < 0)
                return -1;
        srv.port = ntohs(a.sin_port);
        return pthread_create(&srv.thread, NULL, acceptor, NULL) == 0 ? 0 : -1;
}

static int server_stop(void **state)
{
        srv.stop = true;
        shutdown(srv.fd, SHUT_RDWR);
        close(srv.fd);
        pthread_join(srv.thread, NULL);
        pthread_mutex_lock(&srv.mu);
        while (srv.connections > 0) /* the slow reply may still be sleeping */
                pthread_cond_wait(&srv.cv, &srv.mu);
        pthread_mutex_unlock(&srv.mu);
        return 0;
}

/* ---- the client ----------------------------------------------------------------------------- */

struct outcome {
        char *text[32];
        char *error[32];
        long status[32];
        unsigned attempts[32];
        size_t n_choices[32];
        unsigned calls;
};

static int on_done(void *ctx, size_t i, const struct sbx_eval_openai_reply *r)
{
        struct outcome *o = ctx;

        o->calls++;
        o->status[i] = r->http_status;
        o->attempts[i] = r->attempts;
        o->n_choices[i] = r->n_choices;
        if (r->error)
                o->error[i] = strdup(r->error);
        else
                o->text[i] = sbx_strdup_printf("%s%s%s", r->choices[0], r->n_choices > 1 ? "|" : "",
                                               r->n_choices > 1 ? r->choices[1] : "");
        return 0;
}

static void outcome_free(struct outcome *o)
{
        for (size_t i = 0; i < 32; i++) {
                free(o->text[i]);
                free(o->error[i]);
        }
}

static char *url(const char *path)
{
        return sbx_strdup_printf("http://127.0.0.1:%u%s", srv.port, path);
}

/* The requests keys name, sent to the fixture's API at base (its path: "/v1/" is the API's). */
static void run_at(const char *base, const char *const *keys, size_t n, uint32_t concurrency,
                   struct outcome *o)
{
        char *bodies[32], *u = url(base);
        struct sbx_eval_openai_options opt = {
            .api_url = u,
            .api_key = "sk-fixture",
            .concurrency = concurrency,
            .timeout_ms = 1000,
            .max_retries = 2,
            .backoff_base_ms = 50,
            .backoff_max_ms = 200,
        };
        struct sbx_error *err = NULL;

        for (size_t i = 0; i < n; i++)
                assert_non_null(bodies[i] = sbx_eval_openai_body("m", NULL, keys[i], NULL));
        memset(o, 0, sizeof(*o));
        assert_int_equal(sbx_eval_openai_run(&opt, bodies, n, on_done, o, &err), 0);
        assert_int_equal(o->calls, n);
        for (size_t i = 0; i < n; i++)
                free(bodies[i]);
        free(u);
}

static void run(const char *const *keys, size_t n, uint32_t concurrency, struct outcome *o)
{
        run_at("/v1/", keys, n, concurrency, o);
}

static void test_canned_and_retries(void **state)
{
        const char *keys[] = {"ok-a", "429-a", "500-a", "slow-a", "n2-a"};
        struct outcome o;
        uint64_t start = sbx_now_ms();

        run(keys, 5, 2, &o);
        assert_string_equal(o.text[0], "```python\nanswer('ok-a')\n```");
        assert_int_equal(o.attempts[0], 1);
        assert_int_equal(o.status[0], 200);
        /* 429 then success, and the second attempt waited for Retry-After: 1 */
        assert_string_equal(o.text[1], "```python\nanswer('429-a')\n```");
        assert_int_equal(o.attempts[1], 2);
        const struct seen *s = seen("429-a");
        assert_non_null(s);
        assert_int_equal(s->attempts, 2);
        assert_true(s->at_ms[1] - s->at_ms[0] >= 1000);
        /* 500 then success */
        assert_string_equal(o.text[2], "```python\nanswer('500-a')\n```");
        assert_int_equal(o.attempts[2], 2);
        /* the slow reply timed out (1 s) and the retry got through */
        assert_string_equal(o.text[3], "```python\nanswer('slow-a')\n```");
        assert_int_equal(o.attempts[3], 2);
        /* n = 2: choices in index order whatever order the server sent */
        assert_int_equal(o.n_choices[4], 2);
        assert_string_equal(o.text[4], "first|second");
        assert_string_equal(srv.last_auth, "Authorization: Bearer sk-fixture");
        /* ended within the slowest path (timeout 1 s + backoff, or Retry-After 1 s) + margin */
        assert_true(sbx_now_ms() - start < 1000 + 200 + 1100 + scaled_ms(5000));
        outcome_free(&o);
}

static void test_errors(void **state)
{
        const char *keys[] = {"400-a", "always503-a"};
        struct outcome o;

        run(keys, 2, 2, &o);
        /* a client error is not retried; the message is the server's */
        assert_int_equal(o.attempts[0], 1);
        assert_int_equal(o.status[0], 400);
        assert_string_equal(o.error[0], "HTTP status 400: max_tokens is too large");
        /* a server error is retried max_retries times, then reported with the body's text */
        assert_int_equal(o.attempts[1], 3);
        assert_int_equal(seen("always503-a")->attempts, 3);
        assert_string_equal(o.error[1], "HTTP status 503: upstream overloaded (gave up after 3 "
                                        "attempts)");
        outcome_free(&o);
}

/* An api_url without its /v1: the 404 says where the request went, and is not retried. */
static void test_not_found(void **state)
{
        const char *keys[] = {"ok-a"};
        _cleanup_free_ char *want = sbx_strdup_printf(
            "HTTP status 404 from http://127.0.0.1:%u/chat/completions: Not Found (api_url is the "
            "API's base, as http://host:port/v1; is the model one it serves?)",
            srv.port);
        struct outcome o;

        run_at("", keys, 1, 1, &o);
        assert_int_equal(o.attempts[0], 1);
        assert_int_equal(o.status[0], 404);
        assert_string_equal(o.error[0], want);
        outcome_free(&o);
}

static void test_concurrency(void **state)
{
        const char *keys[] = {"conc-0", "conc-1", "conc-2", "conc-3",
                              "conc-4", "conc-5", "conc-6", "conc-7"};
        struct outcome o;

        srv.hold_until = 4;
        srv.max_active = 0;
        run(keys, 8, 4, &o);
        for (size_t i = 0; i < 8; i++)
                assert_null(o.error[i]);
        /* eval_batch_size = 4: four in flight together, never five */
        assert_int_equal(srv.max_active, 4);
        outcome_free(&o);
}

static void test_unreachable(void **state)
{
        struct sbx_eval_openai_options opt = {
            .api_url = "http://127.0.0.1:1/v1",
            .concurrency = 1,
            .timeout_ms = 1000,
            .max_retries = 1,
            .backoff_base_ms = 10,
        };
        char *body = sbx_eval_openai_body("m", "sys", "x", NULL);
        char *bodies[] = {body};
        struct outcome o = {0};
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_eval_openai_run(&opt, bodies, 1, on_done, &o, &err), 0);
        assert_non_null(o.error[0]);
        assert_non_null(strstr(o.error[0], "request failed: "));
        assert_non_null(strstr(o.error[0], "(gave up after 2 attempts)"));
        free(body);
        outcome_free(&o);
}

/* EvalScope's client sends extra_headers as HTTP headers and extra_query in the URL. */
static void test_extras(void **state)
{
        const char *yaml = "extra_headers: {X-Tenant: abc}\nextra_query: {api-version: 2024-06-01, "
                           "q: a b}\n";
        struct sbx_eval_node *gen = NULL;
        struct sbx_error *err = NULL;
        char *u = url("/v1");
        struct sbx_eval_openai_options opt = {
            .api_url = u,
            .concurrency = 1,
            .timeout_ms = 2000,
        };
        struct outcome o = {0};

        assert_int_equal(sbx_eval_node_parse(yaml, strlen(yaml), "g", &gen, &err), 0);
        opt.generation_config = gen;
        char *body = sbx_eval_openai_body("m", NULL, "extras", gen);
        assert_null(strstr(body, "extra_"));
        assert_int_equal(sbx_eval_openai_run(&opt, &body, 1, on_done, &o, &err), 0);
        assert_null(o.error[0]);
        assert_string_equal(srv.last_tenant, "X-Tenant: abc");
        assert_string_equal(srv.last_line,
                            "POST /v1/chat/completions?api-version=2024-06-01&q=a%20b HTTP/1.1");
        outcome_free(&o);
        free(body);
        free(u);
        sbx_eval_node_free(gen);
}

static void test_body_and_parse(void **state)
{
        struct sbx_eval_node *gen = NULL;
        struct sbx_error *err = NULL;
        const char *yaml = "temperature: 0.2\nmax_tokens: 64\nstop: [\"\\n\\n\"]\nstream: true\n"
                           "seed: '7'\n";
        char *body, **choices = NULL;
        size_t n = 0;
        const char *why = NULL;

        assert_int_equal(sbx_eval_node_parse(yaml, strlen(yaml), "g", &gen, &err), 0);
        body = sbx_eval_openai_body("qwen", "be brief", "hi \"there\"", gen);
        assert_string_equal(body,
                            "{\"model\":\"qwen\",\"messages\":[{\"role\":\"system\",\"content\":"
                            "\"be brief\"},{\"role\":\"user\",\"content\":\"hi \\\"there\\\"\"}],"
                            "\"temperature\":0.2,\"max_tokens\":64,\"stop\":[\"\\n\\n\"],"
                            "\"seed\":\"7\"}");
        free(body);
        sbx_eval_node_free(gen);

        /* EvalScope's GenerateConfig as its OpenAI client sends it: stop_seqs is "stop",
         * extra_body's members join the body (and win), response_schema is response_format;
         * the client's own settings (timeout, retries, batch_size, extra_headers, extra_query)
         * and keys it never sends (do_sample) stay out. */
        yaml = "temperature: 0.2\nstop_seqs: [END]\ntimeout: 30\nretries: 3\nbatch_size: 4\n"
               "do_sample: true\nextra_headers: {X-A: b}\nextra_query: {v: 1}\n"
               "response_schema: {name: out, json_schema: {type: object}, strict: true}\n"
               "extra_body: {chat_template_kwargs: {enable_thinking: false}, temperature: 0.5}\n";
        assert_int_equal(sbx_eval_node_parse(yaml, strlen(yaml), "g", &gen, &err), 0);
        body = sbx_eval_openai_body("qwen", NULL, "hi", gen);
        assert_string_equal(body,
                            "{\"model\":\"qwen\",\"messages\":[{\"role\":\"user\",\"content\":"
                            "\"hi\"}],\"temperature\":0.5,\"stop\":[\"END\"],\"response_format\":"
                            "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"out\","
                            "\"schema\":{\"type\":\"object\"},\"strict\":true}},"
                            "\"chat_template_kwargs\":{\"enable_thinking\":false}}");
        free(body);
        sbx_eval_node_free(gen);
        const char *resp = "{\"choices\":[{\"index\":0,\"message\":{\"content\":null}}]}";
        assert_int_equal(sbx_eval_openai_parse_choices(resp, strlen(resp), &choices, &n, &why), 0);
        assert_int_equal(n, 1);
        assert_string_equal(choices[0], "");
        free(choices[0]);
        free(choices);
        assert_true(sbx_eval_openai_parse_choices("{}", 2, &choices, &n, &why) < 0);
        assert_string_equal(why, "the response has no choices");
}

static void test_backoff(void **state)
{
        struct sbx_eval_openai_options o = {.backoff_base_ms = 1000, .backoff_max_ms = 8000};
        uint64_t seed = 1;

        for (int i = 0; i < 100; i++) {
                uint64_t d1 = sbx_eval_openai_backoff_ms(&o, 1, 0, &seed);
                uint64_t d3 = sbx_eval_openai_backoff_ms(&o, 3, 0, &seed);
                uint64_t d9 = sbx_eval_openai_backoff_ms(&o, 9, 0, &seed);
                uint64_t ra = sbx_eval_openai_backoff_ms(&o, 1, 5000, &seed);
                assert_true(d1 >= 500 && d1 <= 1000);
                assert_true(d3 >= 2000 && d3 <= 4000);
                assert_true(d9 >= 4000 && d9 <= 8000); /* capped */
                assert_true(ra >= 5000 && ra <= 5500); /* Retry-After, plus at most 10% */
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_canned_and_retries),
            cmocka_unit_test(test_errors),
            cmocka_unit_test(test_not_found),
            cmocka_unit_test(test_concurrency),
            cmocka_unit_test(test_unreachable),
            cmocka_unit_test(test_body_and_parse),
            cmocka_unit_test(test_extras),
            cmocka_unit_test(test_backoff),
        };
        return cmocka_run_group_tests(tests, server_start, server_stop);
}
