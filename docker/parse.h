/* Parsers for the Docker Engine's answers: JSON bodies into typed structs, and the 8-byte-header
 * framing of attached streams. Pure functions over untrusted bytes (fuzzed by
 * fuzz/fuzz_docker_*.c); cJSON stays inside docker/parse.c. Internal to docker/. */
#ifndef SBX_DOCKER_PARSE_H
#define SBX_DOCKER_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* GET /version */
struct sbx_docker_version {
        char *version;         /* "20.10.24" */
        char *api_version;     /* "1.41" */
        char *min_api_version; /* "1.12" */
};

/* GET /info */
struct sbx_docker_info {
        char *cgroup_driver; /* "cgroupfs", "systemd" */
        int cgroup_version;  /* 1, 2; 0 unknown */
        char *docker_root;   /* "/var/lib/docker" */
};

/* GET /exec/{id}/json */
struct sbx_docker_exec_state {
        bool running;
        bool ended; /* not running and an exit code recorded (false before the start) */
        int exit_code;
        int64_t pid; /* host pid, 0 when not started or gone */
};

/* A volume mounted in a container, from GET /containers/{id}/json. */
struct sbx_docker_mount {
        char *destination;
        char *source; /* host path, when the engine reports one */
};

/* GET /containers/{id}/json */
struct sbx_docker_container_state {
        bool running;
        bool oom_killed;
        int64_t pid;
        struct sbx_docker_mount *mounts;
        size_t n_mounts;
};

/* One element of GET /containers/json, with sandboxrt's labels. */
struct sbx_docker_container_summary {
        char *id;
        char *owner; /* label sandboxrt.owner (an owner token), NULL when absent */
        char *state; /* "running", "exited", ... */
};

/* GET /containers/{id}/stats?stream=false&one-shot=true */
struct sbx_docker_stats {
        uint64_t cpu_usec;
        uint64_t max_usage_bytes; /* cgroup v1 only; else current usage */
        uint64_t failcnt;
};

/* One line of POST /images/create's progress stream. */
struct sbx_docker_pull_line {
        char *status;
        char *progress;
        char *id;
        char *error;
};

/* All parsers: 0 on success, -EINVAL for a body that is not what the engine sends, -ENOMEM.
 * Out-structs are zeroed first and owned by the caller (free with the matching _clear). */
int sbx_docker_parse_version(const char *body, size_t len, struct sbx_docker_version *out);
void sbx_docker_version_clear(struct sbx_docker_version *v);
int sbx_docker_parse_info(const char *body, size_t len, struct sbx_docker_info *out);
void sbx_docker_info_clear(struct sbx_docker_info *i);
/* The engine's {"message": "..."}; NULL when the body carries none. malloc'd. */
char *sbx_docker_parse_message(const char *body, size_t len);
/* {"Id": "..."} from container create and exec create. */
int sbx_docker_parse_id(const char *body, size_t len, char **id);
int sbx_docker_parse_exec_state(const char *body, size_t len, struct sbx_docker_exec_state *out);
int sbx_docker_parse_container_state(const char *body, size_t len,
                                     struct sbx_docker_container_state *out);
void sbx_docker_container_state_clear(struct sbx_docker_container_state *s);
int sbx_docker_parse_container_list(const char *body, size_t len,
                                    struct sbx_docker_container_summary **out, size_t *n);
void sbx_docker_container_list_free(struct sbx_docker_container_summary *list, size_t n);
int sbx_docker_parse_stats(const char *body, size_t len, struct sbx_docker_stats *out);
int sbx_docker_parse_pull_line(const char *line, size_t len, struct sbx_docker_pull_line *out);
void sbx_docker_pull_line_clear(struct sbx_docker_pull_line *p);

/* An image reference: [registry[:port]/]path[:tag][@algorithm:hex], or an image ID. */
struct sbx_docker_ref {
        char *name;   /* without tag and digest */
        char *tag;    /* NULL when absent */
        char *digest; /* "sha256:<hex>", NULL when absent (a tag beside it is ignored, as the
                       * engine does) */
        bool id;      /* an image ID ("sha256:<64 hex>" or 64 hex digits): local, never pulled */
};

/* Split ref. 0, -EINVAL for anything the engine would refuse to pull (bad characters, empty
 * parts, a malformed digest), -ENOMEM. Clear out with sbx_docker_ref_clear. */
int sbx_docker_parse_ref(const char *ref, struct sbx_docker_ref *out);
void sbx_docker_ref_clear(struct sbx_docker_ref *r);

/* Compare two "major.minor" API versions: <0, 0, >0; malformed sorts lowest. */
int sbx_docker_api_compare(const char *a, const char *b);

/* Docker's stream framing for non-tty attach: each frame is [type, 0, 0, 0, size (4 bytes,
 * big-endian)] then size bytes; type 1 = stdout, 2 = stderr (0 = stdin, accepted as stdout). */
enum {
        SBX_DOCKER_STDOUT = 1,
        SBX_DOCKER_STDERR = 2,
};

struct sbx_docker_demux {
        unsigned char header[8];
        size_t header_len;
        uint32_t remaining; /* payload bytes left in the current frame */
        int stream;
};

/* Called with each piece of payload; returning < 0 stops the feed with that value. */
typedef int (*sbx_docker_demux_fn)(void *ctx, int stream, const char *data, size_t len);

/* Feed bytes as they arrive (frames may be split anywhere). 0, -EPROTO on a malformed header,
 * or the callback's error. */
int sbx_docker_demux_feed(struct sbx_docker_demux *d, const char *data, size_t len,
                          sbx_docker_demux_fn fn, void *ctx);
/* True between frames: an EOF here is clean. */
bool sbx_docker_demux_idle(const struct sbx_docker_demux *d);

#endif
