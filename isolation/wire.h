/* A tiny bounded binary encoding for what crosses the process boundary between the runtime
 * (possibly threaded) and a native supervisor: a job spec one way, a result the other.
 * Integers are native-endian (both ends are the same binary); every read is bounds-checked. */
#ifndef SBX_WIRE_H
#define SBX_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend.h"

#define SBX_WIRE_MAX_BYTES (1024u << 20) /* one message: 1 GiB */

struct sbx_wbuf {
        char *data;
        size_t len, cap;
        bool failed; /* an allocation failed: the buffer is unusable */
};

void sbx_wbuf_u32(struct sbx_wbuf *b, uint32_t v);
void sbx_wbuf_u64(struct sbx_wbuf *b, uint64_t v);
void sbx_wbuf_bytes(struct sbx_wbuf *b, const void *p, size_t n);
void sbx_wbuf_str(struct sbx_wbuf *b, const char *s); /* NULL allowed */
void sbx_wbuf_strv(struct sbx_wbuf *b, const char *const *v);
void sbx_wbuf_release(struct sbx_wbuf *b);

struct sbx_rbuf {
        const char *p;
        size_t left;
        bool bad; /* ran past the end or found an impossible value */
};

uint32_t sbx_rbuf_u32(struct sbx_rbuf *b);
uint64_t sbx_rbuf_u64(struct sbx_rbuf *b);
/* Points into the buffer (no copy); size in *n. */
const void *sbx_rbuf_bytes(struct sbx_rbuf *b, size_t *n);
/* A malloc'd NUL-terminated copy, or NULL (for a NULL string or on error: check b->bad). */
char *sbx_rbuf_str(struct sbx_rbuf *b);
/* A malloc'd NULL-terminated vector (free with sbx_strv_free). */
char **sbx_rbuf_strv(struct sbx_rbuf *b);
void sbx_strv_free(char **v);

/* Messages are framed as u32 length + payload. */
int sbx_wire_send(int fd, const struct sbx_wbuf *b);
int sbx_wire_recv(int fd, char **out, size_t *size);

/* A small fixed-size message with up to SBX_WIRE_MAX_FDS fds attached (SCM_RIGHTS), on a
 * SOCK_SEQPACKET socket: how a job's socket travels from the runtime to the launcher and on to
 * its supervisor. recv returns 0 or -errno (-EPIPE at EOF, -EBADMSG for a message of another
 * size, whose fds it closes); fds[] not received are -1, received ones are O_CLOEXEC. */
#define SBX_WIRE_MAX_FDS 2
int sbx_wire_send_fds(int sock, const void *msg, size_t size, const int *fds, size_t nfds);
int sbx_wire_recv_fds(int sock, void *msg, size_t size, int fds[SBX_WIRE_MAX_FDS]);
/* The same with up to max (at most SBX_WIRE_MAX_FDV) fds, and send_fds takes as many. */
#define SBX_WIRE_MAX_FDV 16
int sbx_wire_recv_fdv(int sock, void *msg, size_t size, int *fds, size_t max);

/* A job spec as decoded by the supervisor: owns all its memory. */
struct sbx_wire_spec {
        struct sbx_spec spec;
        struct sbx_policy policy;
        char **argv, **env;
        struct sbx_file *files;
        char *raw; /* the message the pointers into stdin and file data refer to */
};

void sbx_wire_put_spec(struct sbx_wbuf *b, const struct sbx_spec *spec);
int sbx_wire_get_spec(char *raw, size_t size, struct sbx_wire_spec *out);
void sbx_wire_spec_release(struct sbx_wire_spec *ws);

void sbx_wire_put_result(struct sbx_wbuf *b, const struct sbx_result *r);
int sbx_wire_get_result(const char *raw, size_t size, struct sbx_result *r);

#endif
