/* The Docker Engine API over its unix socket, with libcurl: plain requests with size-capped
 * bodies, line streams (image pulls), and hijacked connections (exec with stdin). Internal to
 * docker/. Thread-safe: requests from many threads share a pool of keep-alive handles. */
#ifndef SBX_DOCKER_ENGINE_H
#define SBX_DOCKER_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "sandboxrt.h"

/* Newest API version sandboxrt speaks; the engine's own is used when older (>= the minimum). */
#define SBX_DOCKER_API_MAX "1.43"
#define SBX_DOCKER_API_MIN "1.40"
/* Default cap on response bodies: inspect and list answers are a few KiB. */
#define SBX_DOCKER_BODY_MAX (4u << 20)

struct sbx_docker_engine;

/* The socket from $DOCKER_HOST (unix:// only) or /var/run/docker.sock. Static or env string. */
const char *sbx_docker_socket_path(void);

/* Connect, negotiate the API version with GET /version and read GET /info. Fails (with the
 * reason and a fix) when no engine answers. */
int sbx_docker_engine_open(struct sbx_docker_engine **out, struct sbx_error **err);
struct sbx_docker_engine *sbx_docker_engine_free(struct sbx_docker_engine *e);

const char *sbx_docker_engine_api(const struct sbx_docker_engine *e);
const char *sbx_docker_engine_version(const struct sbx_docker_engine *e);
const char *sbx_docker_engine_cgroup_driver(const struct sbx_docker_engine *e);
int sbx_docker_engine_cgroup_version(const struct sbx_docker_engine *e);
/* The owner token (runtime/owner.h) containers and volumes made through e are labelled with.
 * Set once, before any is made; "" until then. */
void sbx_docker_engine_set_owner(struct sbx_docker_engine *e, const char *token);
const char *sbx_docker_engine_owner(const struct sbx_docker_engine *e);

struct sbx_docker_response {
        long status;
        char *body; /* NUL-terminated */
        size_t size;
};

void sbx_docker_response_clear(struct sbx_docker_response *r);

/* One request to "/v<api><path>". body may be NULL; ctype defaults to application/json.
 * A 2xx answer returns 0 and fills resp (may be NULL). Any other status returns a negative
 * errno (404 -ENOENT, 409 -EEXIST, 400 -EINVAL, ...) with the engine's own message in *err.
 * A body over max_bytes fails with -EFBIG. timeout_ms 0 = no timeout. */
int sbx_docker_request(struct sbx_docker_engine *e, const char *method, const char *path,
                       const char *ctype, const void *body, size_t body_size, size_t max_bytes,
                       long timeout_ms, struct sbx_docker_response *resp, struct sbx_error **err);

/* As above, but the answer is a stream of newline-separated lines (each capped at max_line),
 * handed to fn as they arrive; fn returning < 0 aborts with that error. */
typedef int (*sbx_docker_line_fn)(void *ctx, const char *line, size_t len);
int sbx_docker_request_lines(struct sbx_docker_engine *e, const char *method, const char *path,
                             size_t max_line, sbx_docker_line_fn fn, void *ctx,
                             struct sbx_error **err);

/* A hijacked connection (POST with "Upgrade: tcp"): after the 101/200 head the socket carries
 * the raw stream both ways. */
struct sbx_docker_conn;

int sbx_docker_hijack(struct sbx_docker_engine *e, const char *path, const char *json_body,
                      struct sbx_docker_conn **out, struct sbx_error **err);
/* Non-blocking I/O on the stream: bytes moved, 0 at EOF (read), -EAGAIN, or -errno. */
ssize_t sbx_docker_conn_read(struct sbx_docker_conn *c, void *buf, size_t len);
ssize_t sbx_docker_conn_write(struct sbx_docker_conn *c, const void *buf, size_t len);
/* Half-close: the engine closes the process's stdin. */
int sbx_docker_conn_close_write(struct sbx_docker_conn *c);
/* For poll(): the socket; bytes already buffered are reported by conn_pending. */
int sbx_docker_conn_fd(const struct sbx_docker_conn *c);
bool sbx_docker_conn_pending(const struct sbx_docker_conn *c);
struct sbx_docker_conn *sbx_docker_conn_free(struct sbx_docker_conn *c);

#endif
