#include "docker/engine.h"

#include <curl/curl.h>
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "docker/parse.h"
#include "owner.h"
#include "util.h"

#define DEFAULT_SOCKET  "/var/run/docker.sock"
#define IDLE_HANDLES    8
#define HEAD_MAX        16384
#define ERROR_BODY_MAX  65536
#define HIJACK_TIMEOUT  30000
#define CONNECT_TIMEOUT 5000L

struct sbx_docker_engine {
        char *socket;
        char api[16];
        char *version;
        char *cgroup_driver;
        int cgroup_version;
        pthread_mutex_t lock;
        CURL *idle[IDLE_HANDLES]; /* keep-alive connections for reuse */
        size_t n_idle;
        char owner[SBX_OWNER_TOKEN_LEN + 1]; /* labels what we create */
};

struct sbx_docker_conn {
        CURL *curl;
        int fd;
        char *pending; /* stream bytes that arrived with the response head */
        size_t pending_len, pending_off;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_code;

static void curl_init(void)
{
        curl_init_code = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void sbx_docker_engine_set_owner(struct sbx_docker_engine *e, const char *token)
{
        snprintf(e->owner, sizeof(e->owner), "%s", token);
}

const char *sbx_docker_engine_owner(const struct sbx_docker_engine *e)
{
        return e->owner;
}

const char *sbx_docker_socket_path(void)
{
        const char *host = getenv("DOCKER_HOST");

        if (host && !strncmp(host, "unix://", 7) && host[7] == '/')
                return host + 7;
        return DEFAULT_SOCKET;
}

static CURL *handle_get(struct sbx_docker_engine *e)
{
        CURL *h = NULL;

        pthread_mutex_lock(&e->lock);
        if (e->n_idle > 0)
                h = e->idle[--e->n_idle];
        pthread_mutex_unlock(&e->lock);
        if (h)
                curl_easy_reset(h); /* keeps the live connection */
        else
                h = curl_easy_init();
        return h;
}

static void handle_put(struct sbx_docker_engine *e, CURL *h)
{
        if (!h)
                return;
        pthread_mutex_lock(&e->lock);
        if (e->n_idle < IDLE_HANDLES) {
                e->idle[e->n_idle++] = h;
                h = NULL;
        }
        pthread_mutex_unlock(&e->lock);
        if (h)
                curl_easy_cleanup(h);
}

static inline void curl_slist_freep(struct curl_slist **l)
{
        curl_slist_free_all(*l);
}

struct body_buf {
        char *data;
        size_t len, cap, max;
        bool over;
};

static size_t body_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
        struct body_buf *b = ud;
        size_t n = size * nmemb;

        if (n > b->max - b->len) {
                b->over = true;
                return 0; /* aborts the transfer: the cap is the point */
        }
        if (b->len + n + 1 > b->cap) {
                size_t cap = b->cap ? b->cap : 4096;
                while (cap < b->len + n + 1)
                        cap *= 2;
                char *d = realloc(b->data, cap);
                if (!d)
                        return 0;
                b->data = d;
                b->cap = cap;
        }
        memcpy(b->data + b->len, ptr, n);
        b->len += n;
        b->data[b->len] = '\0';
        return n;
}

static int status_errno(long status)
{
        switch (status) {
        case 400:
                return EINVAL;
        case 401:
        case 403:
                return EACCES;
        case 404:
                return ENOENT;
        case 409:
                return EEXIST;
        case 501:
                return ENOTSUP;
        default:
                return EIO;
        }
}

static int engine_status_error(long status, const char *body, size_t len, struct sbx_error **err)
{
        _cleanup_free_ char *msg = sbx_docker_parse_message(body, len);

        return sbx_error_set(err, status_errno(status), "engine: %s (HTTP %ld)",
                             msg ? msg : "no message", status);
}

static void setup_common(struct sbx_docker_engine *e, CURL *h, const char *url, long timeout_ms)
{
        curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, e->socket);
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, CONNECT_TIMEOUT);
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
}

static void setup_method(CURL *h, const char *method, const void *body, size_t body_size)
{
        if (!strcmp(method, "GET")) {
                curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
                return;
        }
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
        if (body || strcmp(method, "DELETE")) {
                curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
                curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_size);
        }
}

static int perform(struct sbx_docker_engine *e, CURL *h, const char *path, struct body_buf *b,
                   long *status, struct sbx_error **err)
{
        CURLcode c = curl_easy_perform(h);

        if (b->over)
                return sbx_error_set(err, EFBIG, "engine: answer to %s larger than %zu bytes", path,
                                     b->max);
        if (c != CURLE_OK)
                return sbx_error_set(err, c == CURLE_OPERATION_TIMEDOUT ? ETIMEDOUT : ECONNREFUSED,
                                     "engine at %s: %s: %s", e->socket, path,
                                     curl_easy_strerror(c));
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, status);
        return 0;
}

static int request_url(struct sbx_docker_engine *e, const char *method, const char *url,
                       const char *ctype, const void *body, size_t body_size, size_t max_bytes,
                       long timeout_ms, struct sbx_docker_response *resp, struct sbx_error **err)
{
        __attribute__((cleanup(curl_slist_freep))) struct curl_slist *hdrs = NULL;
        _cleanup_free_ char *ct = NULL;
        struct body_buf b = {.max = max_bytes};
        long status = 0;
        CURL *h = handle_get(e);
        int r;

        if (!h)
                return sbx_error_set(err, ENOMEM, "engine: cannot create a curl handle");
        setup_common(e, h, url, timeout_ms);
        setup_method(h, method, body, body_size);
        ct = sbx_strdup_printf("Content-Type: %s", ctype ? ctype : "application/json");
        if (!ct || !(hdrs = curl_slist_append(NULL, ct))) {
                handle_put(e, h);
                return sbx_error_set(err, ENOMEM, "engine: out of memory");
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, body_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
        r = perform(e, h, url, &b, &status, err);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        handle_put(e, h);
        if (r == 0 && (status < 200 || status > 299))
                r = engine_status_error(status, b.data, b.len, err);
        if (r == 0 && resp) {
                resp->status = status;
                resp->body = b.data ? TAKE_PTR(b.data) : strdup("");
                resp->size = b.len;
        }
        free(b.data);
        return r;
}

int sbx_docker_request(struct sbx_docker_engine *e, const char *method, const char *path,
                       const char *ctype, const void *body, size_t body_size, size_t max_bytes,
                       long timeout_ms, struct sbx_docker_response *resp, struct sbx_error **err)
{
        _cleanup_free_ char *url = sbx_strdup_printf("http://docker/v%s%s", e->api, path);

        if (resp)
                memset(resp, 0, sizeof(*resp));
        if (!url)
                return sbx_error_set(err, ENOMEM, "engine: out of memory");
        return request_url(e, method, url, ctype, body, body_size, max_bytes, timeout_ms, resp,
                           err);
}

void sbx_docker_response_clear(struct sbx_docker_response *r)
{
        free(r->body);
        memset(r, 0, sizeof(*r));
}

struct line_buf {
        struct body_buf b;
        sbx_docker_line_fn fn;
        void *ctx;
        int error;
        long status;
        CURL *h;
};

static size_t lines_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
        struct line_buf *l = ud;
        size_t n = size * nmemb;

        if (!l->status)
                curl_easy_getinfo(l->h, CURLINFO_RESPONSE_CODE, &l->status);
        for (size_t i = 0; i < n; i++) {
                if (ptr[i] != '\n') {
                        if (body_write(ptr + i, 1, 1, &l->b) != 1)
                                return 0;
                        continue;
                }
                if (l->status >= 200 && l->status < 300 && l->b.len > 0)
                        l->error = l->fn(l->ctx, l->b.data, l->b.len);
                if (l->error < 0)
                        return 0;
                if (l->status >= 200 && l->status < 300)
                        l->b.len = 0;
        }
        return n;
}

int sbx_docker_request_lines(struct sbx_docker_engine *e, const char *method, const char *path,
                             size_t max_line, sbx_docker_line_fn fn, void *ctx,
                             struct sbx_error **err)
{
        _cleanup_free_ char *url = sbx_strdup_printf("http://docker/v%s%s", e->api, path);
        struct line_buf l = {.b = {.max = max_line}, .fn = fn, .ctx = ctx};
        long status = 0;
        int r;

        if (!url || !(l.h = handle_get(e)))
                return sbx_error_set(err, ENOMEM, "engine: out of memory");
        setup_common(e, l.h, url, 0);
        setup_method(l.h, method, NULL, 0);
        curl_easy_setopt(l.h, CURLOPT_WRITEFUNCTION, lines_write);
        curl_easy_setopt(l.h, CURLOPT_WRITEDATA, &l);
        r = perform(e, l.h, path, &l.b, &status, l.error < 0 ? NULL : err);
        handle_put(e, l.h);
        if (l.error < 0)
                r = l.error;
        else if (r == 0 && (status < 200 || status > 299))
                r = engine_status_error(status, l.b.data, l.b.len, err);
        free(l.b.data);
        return r;
}

static int negotiate(struct sbx_docker_engine *e, struct sbx_error **err)
{
        struct sbx_docker_response resp;
        struct sbx_docker_version v;
        int r;

        r = request_url(e, "GET", "http://docker/version", NULL, NULL, 0, 65536, 10000, &resp, err);
        if (r < 0)
                return r;
        r = sbx_docker_parse_version(resp.body, resp.size, &v);
        sbx_docker_response_clear(&resp);
        if (r < 0)
                return sbx_error_set(err, EPROTO, "engine at %s: unreadable /version answer",
                                     e->socket);
        if (sbx_docker_api_compare(v.api_version, SBX_DOCKER_API_MIN) < 0) {
                r = sbx_error_set(err, ENOTSUP,
                                  "engine %s speaks API %s; sandboxrt needs at least %s",
                                  v.version ? v.version : "?", v.api_version, SBX_DOCKER_API_MIN);
                sbx_docker_version_clear(&v);
                return r;
        }
        const char *api = sbx_docker_api_compare(v.api_version, SBX_DOCKER_API_MAX) < 0
                              ? v.api_version
                              : SBX_DOCKER_API_MAX;
        snprintf(e->api, sizeof(e->api), "%s", api);
        e->version = v.version ? TAKE_PTR(v.version) : strdup("unknown");
        sbx_docker_version_clear(&v);
        return e->version ? 0 : sbx_error_set(err, ENOMEM, "engine: out of memory");
}

static int read_info(struct sbx_docker_engine *e, struct sbx_error **err)
{
        struct sbx_docker_response resp;
        struct sbx_docker_info info;
        int r;

        r = sbx_docker_request(e, "GET", "/info", NULL, NULL, 0, SBX_DOCKER_BODY_MAX, 10000, &resp,
                               err);
        if (r < 0)
                return r;
        r = sbx_docker_parse_info(resp.body, resp.size, &info);
        sbx_docker_response_clear(&resp);
        if (r < 0)
                return sbx_error_set(err, EPROTO, "engine: unreadable /info answer");
        e->cgroup_driver = info.cgroup_driver ? TAKE_PTR(info.cgroup_driver) : strdup("unknown");
        e->cgroup_version = info.cgroup_version;
        sbx_docker_info_clear(&info);
        return e->cgroup_driver ? 0 : sbx_error_set(err, ENOMEM, "engine: out of memory");
}

/* What to do when no engine answers at path, from what a plain connect() says: a missing
 * socket or a refused connection is a stopped daemon, EACCES is the socket's permissions. True
 * when that is the cause, which then says it all; else buf is a hint. */
static bool engine_fix(const char *path, char *buf, size_t size)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), e = 0;
        struct stat st;

        snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
                e = errno;
        if (fd >= 0)
                close(fd);
        if ((e == EACCES || e == EPERM) && stat(path, &st) == 0) {
                struct group *g = getgrgid(st.st_gid);
                snprintf(buf, size,
                         "this user (uid %u) may not use %s: add it to the socket's group %s "
                         "(`sudo usermod -aG %s $USER`, then log in again), or use "
                         "--backend native",
                         (unsigned)getuid(), path, g ? g->gr_name : "", g ? g->gr_name : "GROUP");
                return true;
        }
        if (e == ENOENT || e == ECONNREFUSED) {
                snprintf(buf, size,
                         "no Docker daemon listens on %s: start dockerd, or set "
                         "DOCKER_HOST=unix:///path/to/docker.sock",
                         path);
                return true;
        }
        snprintf(buf, size,
                 "no usable Docker engine at %s (is dockerd running? or set "
                 "DOCKER_HOST=unix:///path/to/docker.sock)",
                 path);
        return false;
}

int sbx_docker_engine_open(struct sbx_docker_engine **out, struct sbx_error **err)
{
        struct sbx_docker_engine *e;
        int r;

        pthread_once(&curl_once, curl_init);
        if (curl_init_code != CURLE_OK)
                return sbx_error_set(err, EIO, "libcurl: %s", curl_easy_strerror(curl_init_code));
        if (getenv("DOCKER_HOST") && strncmp(getenv("DOCKER_HOST"), "unix:///", 8))
                return sbx_error_set(err, ENOTSUP,
                                     "DOCKER_HOST=%s: only unix:// sockets are supported",
                                     getenv("DOCKER_HOST"));
        e = calloc(1, sizeof(*e));
        if (!e || !(e->socket = strdup(sbx_docker_socket_path()))) {
                free(e);
                return sbx_error_set(err, ENOMEM, "engine: out of memory");
        }
        pthread_mutex_init(&e->lock, NULL);
        snprintf(e->api, sizeof(e->api), "%s", SBX_DOCKER_API_MIN);
        r = negotiate(e, err);
        if (r == 0)
                r = read_info(e, err);
        if (r < 0) {
                char fix[512];
                if (engine_fix(e->socket, fix, sizeof(fix)) && err) {
                        *err = sbx_error_free(*err);
                        sbx_error_set(err, -r, "%s", fix);
                } else {
                        sbx_error_prefix(err, "%s", fix);
                }
                sbx_docker_engine_free(e);
                return r;
        }
        *out = e;
        return 0;
}

struct sbx_docker_engine *sbx_docker_engine_free(struct sbx_docker_engine *e)
{
        if (!e)
                return NULL;
        for (size_t i = 0; i < e->n_idle; i++)
                curl_easy_cleanup(e->idle[i]);
        pthread_mutex_destroy(&e->lock);
        free(e->socket);
        free(e->version);
        free(e->cgroup_driver);
        free(e);
        return NULL;
}

const char *sbx_docker_engine_api(const struct sbx_docker_engine *e)
{
        return e->api;
}

const char *sbx_docker_engine_version(const struct sbx_docker_engine *e)
{
        return e->version;
}

const char *sbx_docker_engine_cgroup_driver(const struct sbx_docker_engine *e)
{
        return e->cgroup_driver;
}

int sbx_docker_engine_cgroup_version(const struct sbx_docker_engine *e)
{
        return e->cgroup_version;
}

/* ---- hijacked connections ------------------------------------------------------------------ */

static int wait_fd(int fd, short events, uint64_t deadline_ms)
{
        for (;;) {
                uint64_t now = sbx_now_ms();
                struct pollfd p = {.fd = fd, .events = events};
                if (now >= deadline_ms)
                        return -ETIMEDOUT;
                int r = poll(&p, 1, (int)(deadline_ms - now));
                if (r > 0)
                        return 0;
                if (r < 0 && errno != EINTR)
                        return -errno;
        }
}

static int send_all(struct sbx_docker_conn *c, const char *buf, size_t len, uint64_t deadline)
{
        while (len > 0) {
                ssize_t n = sbx_docker_conn_write(c, buf, len);
                if (n == -EAGAIN) {
                        int r = wait_fd(c->fd, POLLOUT, deadline);
                        if (r < 0)
                                return r;
                        continue;
                }
                if (n < 0)
                        return (int)n;
                buf += n;
                len -= (size_t)n;
        }
        return 0;
}

/* Blocking read of up to len bytes, 0 at EOF. */
static ssize_t recv_some(struct sbx_docker_conn *c, char *buf, size_t len, uint64_t deadline)
{
        for (;;) {
                ssize_t n = sbx_docker_conn_read(c, buf, len);
                if (n != -EAGAIN)
                        return n;
                int r = wait_fd(c->fd, POLLIN, deadline);
                if (r < 0)
                        return r;
        }
}

static bool header_value(const char *head, const char *name, uint64_t *out)
{
        size_t n = strlen(name);

        for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
                if (strncasecmp(p + 2, name, n) || p[2 + n] != ':')
                        continue;
                char num[24] = "";
                const char *v = p + 3 + n;
                while (*v == ' ')
                        v++;
                size_t k = strspn(v, "0123456789");
                if (k == 0 || k >= sizeof(num))
                        return false;
                memcpy(num, v, k);
                return sbx_parse_u64(num, out) == 0;
        }
        return false;
}

/* The body of an error answer, capped, for the engine's message. */
static int hijack_error(struct sbx_docker_conn *c, const char *head, long status, uint64_t deadline,
                        struct sbx_error **err)
{
        struct body_buf b = {.max = ERROR_BODY_MAX};
        uint64_t want = ERROR_BODY_MAX;
        char buf[4096];
        int r;

        (void)header_value(head, "Content-Length", &want);
        if (want > ERROR_BODY_MAX)
                want = ERROR_BODY_MAX;
        while (b.len < want) {
                size_t room = want - b.len < sizeof(buf) ? want - b.len : sizeof(buf);
                ssize_t n = recv_some(c, buf, room, deadline);
                if (n <= 0 || body_write(buf, 1, (size_t)n, &b) != (size_t)n)
                        break;
        }
        r = engine_status_error(status, b.data, b.len, err);
        free(b.data);
        return r;
}

/* Read the response head; bytes past it are the start of the stream. */
static int read_head(struct sbx_docker_conn *c, uint64_t deadline, char **head,
                     struct sbx_error **err)
{
        _cleanup_free_ char *buf = malloc(HEAD_MAX + 1);
        size_t len = 0;

        if (!buf)
                return sbx_error_set(err, ENOMEM, "engine: out of memory");
        for (;;) {
                ssize_t n = recv_some(c, buf + len, HEAD_MAX - len, deadline);
                if (n <= 0)
                        return sbx_error_set(err, n == 0 ? EPROTO : (int)-n,
                                             "engine: exec stream closed before its answer");
                len += (size_t)n;
                buf[len] = '\0';
                char *end = strstr(buf, "\r\n\r\n");
                if (end) {
                        size_t head_len = (size_t)(end - buf) + 4;
                        if (len > head_len) {
                                c->pending = malloc(len - head_len);
                                if (!c->pending)
                                        return sbx_error_set(err, ENOMEM, "out of memory");
                                memcpy(c->pending, buf + head_len, len - head_len);
                                c->pending_len = len - head_len;
                        }
                        end[2] = '\0';
                        *head = TAKE_PTR(buf);
                        return 0;
                }
                if (len == HEAD_MAX)
                        return sbx_error_set(err, EPROTO, "engine: answer head over %d bytes",
                                             HEAD_MAX);
        }
}

static int hijack_connect(struct sbx_docker_engine *e, struct sbx_docker_conn *c,
                          struct sbx_error **err)
{
        curl_socket_t s = CURL_SOCKET_BAD;
        CURLcode cc;

        c->curl = curl_easy_init();
        if (!c->curl)
                return sbx_error_set(err, ENOMEM, "engine: cannot create a curl handle");
        setup_common(e, c->curl, "http://docker/", 0);
        curl_easy_setopt(c->curl, CURLOPT_CONNECT_ONLY, 1L);
        cc = curl_easy_perform(c->curl);
        if (cc != CURLE_OK)
                return sbx_error_set(err, ECONNREFUSED, "engine at %s: %s", e->socket,
                                     curl_easy_strerror(cc));
        if (curl_easy_getinfo(c->curl, CURLINFO_ACTIVESOCKET, &s) != CURLE_OK ||
            s == CURL_SOCKET_BAD)
                return sbx_error_set(err, EIO, "engine: no socket for the exec stream");
        c->fd = (int)s;
        return 0;
}

int sbx_docker_hijack(struct sbx_docker_engine *e, const char *path, const char *json_body,
                      struct sbx_docker_conn **out, struct sbx_error **err)
{
        struct sbx_docker_conn *c = calloc(1, sizeof(*c));
        _cleanup_free_ char *req = NULL, *head = NULL;
        uint64_t deadline = sbx_now_ms() + HIJACK_TIMEOUT;
        long status = 0;
        int r;

        if (!c)
                return sbx_error_set(err, ENOMEM, "engine: out of memory");
        c->fd = -1;
        r = hijack_connect(e, c, err);
        if (r == 0) {
                req = sbx_strdup_printf("POST /v%s%s HTTP/1.1\r\nHost: docker\r\n"
                                        "Content-Type: application/json\r\n"
                                        "Connection: Upgrade\r\nUpgrade: tcp\r\n"
                                        "Content-Length: %zu\r\n\r\n%s",
                                        e->api, path, strlen(json_body), json_body);
                r = req ? send_all(c, req, strlen(req), deadline) : -ENOMEM;
                if (r < 0)
                        sbx_error_set(err, -r, "engine: sending %s", path);
        }
        if (r == 0)
                r = read_head(c, deadline, &head, err);
        if (r == 0 && (sscanf(head, "HTTP/1.%*1[01] %3ld", &status) != 1 || status < 100))
                r = sbx_error_set(err, EPROTO, "engine: malformed answer to %s", path);
        if (r == 0 && status >= 300)
                r = hijack_error(c, head, status, deadline, err);
        if (r < 0) {
                sbx_docker_conn_free(c);
                return r;
        }
        *out = c;
        return 0;
}

ssize_t sbx_docker_conn_read(struct sbx_docker_conn *c, void *buf, size_t len)
{
        size_t n = 0;
        CURLcode cc;

        if (c->pending_off < c->pending_len) {
                n = c->pending_len - c->pending_off;
                n = n < len ? n : len;
                memcpy(buf, c->pending + c->pending_off, n);
                c->pending_off += n;
                return (ssize_t)n;
        }
        cc = curl_easy_recv(c->curl, buf, len, &n);
        if (cc == CURLE_AGAIN)
                return -EAGAIN;
        if (cc != CURLE_OK)
                return -ECONNRESET;
        return (ssize_t)n;
}

ssize_t sbx_docker_conn_write(struct sbx_docker_conn *c, const void *buf, size_t len)
{
        size_t n = 0;
        CURLcode cc = curl_easy_send(c->curl, buf, len, &n);

        if (cc == CURLE_AGAIN)
                return -EAGAIN;
        if (cc != CURLE_OK)
                return -EPIPE;
        return (ssize_t)n;
}

int sbx_docker_conn_close_write(struct sbx_docker_conn *c)
{
        return shutdown(c->fd, SHUT_WR) < 0 ? -errno : 0;
}

int sbx_docker_conn_fd(const struct sbx_docker_conn *c)
{
        return c->fd;
}

bool sbx_docker_conn_pending(const struct sbx_docker_conn *c)
{
        return c->pending_off < c->pending_len;
}

struct sbx_docker_conn *sbx_docker_conn_free(struct sbx_docker_conn *c)
{
        if (!c)
                return NULL;
        if (c->curl)
                curl_easy_cleanup(c->curl);
        free(c->pending);
        free(c);
        return NULL;
}
