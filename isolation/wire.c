#include "wire.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policies/fields.h"
#include "util.h"

#define NULL_LEN UINT32_MAX

static void wbuf_reserve(struct sbx_wbuf *b, size_t n)
{
        if (b->failed)
                return;
        if (n > SBX_WIRE_MAX_BYTES || b->len > SBX_WIRE_MAX_BYTES - n) {
                b->failed = true;
                return;
        }
        if (b->len + n <= b->cap)
                return;
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
                cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) {
                b->failed = true;
                return;
        }
        b->data = d;
        b->cap = cap;
}

static void wbuf_raw(struct sbx_wbuf *b, const void *p, size_t n)
{
        wbuf_reserve(b, n);
        if (b->failed || n == 0)
                return;
        memcpy(b->data + b->len, p, n);
        b->len += n;
}

void sbx_wbuf_u32(struct sbx_wbuf *b, uint32_t v)
{
        wbuf_raw(b, &v, sizeof(v));
}

void sbx_wbuf_u64(struct sbx_wbuf *b, uint64_t v)
{
        wbuf_raw(b, &v, sizeof(v));
}

void sbx_wbuf_bytes(struct sbx_wbuf *b, const void *p, size_t n)
{
        if (n >= NULL_LEN) {
                b->failed = true;
                return;
        }
        sbx_wbuf_u32(b, (uint32_t)n);
        wbuf_raw(b, p, n);
}

void sbx_wbuf_str(struct sbx_wbuf *b, const char *s)
{
        if (!s)
                sbx_wbuf_u32(b, NULL_LEN);
        else
                sbx_wbuf_bytes(b, s, strlen(s));
}

void sbx_wbuf_strv(struct sbx_wbuf *b, const char *const *v)
{
        uint32_t n = 0;

        while (v && v[n])
                n++;
        sbx_wbuf_u32(b, n);
        for (uint32_t i = 0; i < n; i++)
                sbx_wbuf_str(b, v[i]);
}

void sbx_wbuf_release(struct sbx_wbuf *b)
{
        free(b->data);
        *b = (struct sbx_wbuf){0};
}

static const void *rbuf_raw(struct sbx_rbuf *b, size_t n)
{
        if (b->bad || n > b->left) {
                b->bad = true;
                return NULL;
        }
        const void *p = b->p;
        b->p += n;
        b->left -= n;
        return p;
}

uint32_t sbx_rbuf_u32(struct sbx_rbuf *b)
{
        uint32_t v = 0;
        const void *p = rbuf_raw(b, sizeof(v));

        if (p)
                memcpy(&v, p, sizeof(v));
        return v;
}

uint64_t sbx_rbuf_u64(struct sbx_rbuf *b)
{
        uint64_t v = 0;
        const void *p = rbuf_raw(b, sizeof(v));

        if (p)
                memcpy(&v, p, sizeof(v));
        return v;
}

const void *sbx_rbuf_bytes(struct sbx_rbuf *b, size_t *n)
{
        uint32_t len = sbx_rbuf_u32(b);

        if (len == NULL_LEN) {
                *n = 0;
                return NULL;
        }
        *n = len;
        return rbuf_raw(b, len);
}

char *sbx_rbuf_str(struct sbx_rbuf *b)
{
        size_t n;
        const char *p = sbx_rbuf_bytes(b, &n);

        if (!p)
                return NULL;
        if (memchr(p, '\0', n)) {
                b->bad = true;
                return NULL;
        }
        char *s = strndup(p, n);
        if (!s)
                b->bad = true;
        return s;
}

char **sbx_rbuf_strv(struct sbx_rbuf *b)
{
        uint32_t n = sbx_rbuf_u32(b);

        if (b->bad || n > b->left / sizeof(uint32_t)) {
                b->bad = true;
                return NULL;
        }
        char **v = calloc((size_t)n + 1, sizeof(char *));
        if (!v) {
                b->bad = true;
                return NULL;
        }
        for (uint32_t i = 0; i < n && !b->bad; i++) {
                v[i] = sbx_rbuf_str(b);
                if (!v[i])
                        b->bad = true;
        }
        return v;
}

void sbx_strv_free(char **v)
{
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

int sbx_wire_send(int fd, const struct sbx_wbuf *b)
{
        if (b->failed)
                return -ENOMEM;
        uint32_t len = (uint32_t)b->len;
        int r = sbx_write_all(fd, &len, sizeof(len));
        return r < 0 ? r : sbx_write_all(fd, b->data, b->len);
}

static int read_exact(int fd, void *buf, size_t n)
{
        char *p = buf;

        while (n > 0) {
                ssize_t r = read(fd, p, n);
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (r == 0)
                        return -EPIPE;
                p += r;
                n -= (size_t)r;
        }
        return 0;
}

int sbx_wire_recv(int fd, char **out, size_t *size)
{
        uint32_t len;
        int r = read_exact(fd, &len, sizeof(len));

        if (r < 0)
                return r;
        if (len > SBX_WIRE_MAX_BYTES)
                return -EMSGSIZE;
        char *buf = malloc(len ? len : 1);
        if (!buf)
                return -ENOMEM;
        r = read_exact(fd, buf, len);
        if (r < 0) {
                free(buf);
                return r;
        }
        *out = buf;
        *size = len;
        return 0;
}

union fd_control {
        char buf[CMSG_SPACE(SBX_WIRE_MAX_FDV * sizeof(int))];
        struct cmsghdr align;
};

int sbx_wire_send_fds(int sock, const void *msg, size_t size, const int *fds, size_t nfds)
{
        union fd_control cbuf = {0};
        struct iovec iov = {.iov_base = (void *)msg, .iov_len = size};
        struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1};

        if (nfds > SBX_WIRE_MAX_FDV)
                return -EINVAL;
        if (nfds) {
                m.msg_control = cbuf.buf;
                m.msg_controllen = CMSG_SPACE(nfds * sizeof(int));
                struct cmsghdr *c = CMSG_FIRSTHDR(&m);
                c->cmsg_level = SOL_SOCKET;
                c->cmsg_type = SCM_RIGHTS;
                c->cmsg_len = CMSG_LEN(nfds * sizeof(int));
                memcpy(CMSG_DATA(c), fds, nfds * sizeof(int));
        }
        return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)size ? 0 : -errno;
}

int sbx_wire_recv_fdv(int sock, void *msg, size_t size, int *fds, size_t max)
{
        union fd_control cbuf;
        struct iovec iov = {.iov_base = msg, .iov_len = size};
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = cbuf.buf,
                           .msg_controllen = sizeof(cbuf.buf)};
        size_t got = 0;
        ssize_t n;

        max = max < SBX_WIRE_MAX_FDV ? max : SBX_WIRE_MAX_FDV;
        for (size_t i = 0; i < max; i++)
                fds[i] = -1;
        while ((n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
                ;
        if (n < 0)
                return -errno;
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
                int all[SBX_WIRE_MAX_FDV];
                got = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
                memcpy(all, CMSG_DATA(c), got * sizeof(int));
                for (size_t i = 0; i < got; i++) /* more than asked for: not ours to keep */
                        if (i < max)
                                fds[i] = all[i];
                        else
                                close(all[i]);
        }
        if (n == 0)
                return -EPIPE;
        if ((size_t)n != size || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || got > max) {
                for (size_t i = 0; i < max; i++)
                        sbx_closep(&fds[i]), fds[i] = -1;
                return -EBADMSG;
        }
        return 0;
}

int sbx_wire_recv_fds(int sock, void *msg, size_t size, int fds[SBX_WIRE_MAX_FDS])
{
        return sbx_wire_recv_fdv(sock, msg, size, fds, SBX_WIRE_MAX_FDS);
}

/* The policy's keys marked .wire in table order (policies/fields.c): name, each limit, network.
 * Numbers go as their member's width, so the encoding changes only when the table does. */
static void put_fields(struct sbx_wbuf *b, const struct sbx_field *fields, size_t n,
                       const struct sbx_policy *p)
{
        for (size_t i = 0; i < n; i++) {
                const struct sbx_field *f = &fields[i];
                if (!f->wire)
                        continue;
                if (f->kind == SBX_FIELD_LIMITS)
                        put_fields(b, f->sub, f->n_sub, p);
                else if (f->kind == SBX_FIELD_NAME || f->kind == SBX_FIELD_TEXT)
                        sbx_wbuf_str(b, sbx_field_string(f, p));
                else if (f->kind == SBX_FIELD_PATHS)
                        sbx_wbuf_strv(b, (const char *const *)sbx_field_paths(f, p));
                else if (f->width == sizeof(uint32_t))
                        sbx_wbuf_u32(b, (uint32_t)sbx_field_get(f, p));
                else
                        sbx_wbuf_u64(b, sbx_field_get(f, p));
        }
}

/* The launcher trusts its parent, but an enum out of range would index tables: refuse it. */
static void get_fields(struct sbx_rbuf *b, const struct sbx_field *fields, size_t n,
                       struct sbx_policy *p)
{
        for (size_t i = 0; i < n; i++) {
                const struct sbx_field *f = &fields[i];
                uint64_t v;
                if (!f->wire)
                        continue;
                if (f->kind == SBX_FIELD_LIMITS) {
                        get_fields(b, f->sub, f->n_sub, p);
                        continue;
                }
                if (f->kind == SBX_FIELD_NAME || f->kind == SBX_FIELD_TEXT) {
                        *(char **)((char *)p + f->offset) = sbx_rbuf_str(b);
                        continue;
                }
                if (f->kind == SBX_FIELD_PATHS) {
                        char **paths = sbx_rbuf_strv(b);
                        *(char ***)((char *)p + f->offset) = paths;
                        for (size_t j = 0; paths && paths[j]; j++)
                                if (j == SBX_WRITABLE_MAX || paths[j][0] != '/')
                                        b->bad = true;
                        continue;
                }
                v = f->width == sizeof(uint32_t) ? sbx_rbuf_u32(b) : sbx_rbuf_u64(b);
                if ((f->kind == SBX_FIELD_NETWORK || f->kind == SBX_FIELD_WARM) && v > f->max)
                        b->bad = true;
                sbx_field_put(f, p, v);
        }
}

void sbx_wire_put_spec(struct sbx_wbuf *b, const struct sbx_spec *spec)
{
        put_fields(b, sbx_policy_fields, sbx_n_policy_fields, spec->policy);
        sbx_wbuf_strv(b, spec->argv);
        sbx_wbuf_strv(b, spec->env);
        sbx_wbuf_bytes(b, spec->stdin_data, spec->stdin_size);
        sbx_wbuf_u32(b, (uint32_t)spec->n_files);
        for (size_t i = 0; i < spec->n_files; i++) {
                sbx_wbuf_str(b, spec->files[i].path);
                sbx_wbuf_u32(b, (uint32_t)spec->files[i].mode);
                sbx_wbuf_bytes(b, spec->files[i].data, spec->files[i].size);
        }
}

int sbx_wire_get_spec(char *raw, size_t size, struct sbx_wire_spec *ws)
{
        struct sbx_rbuf b = {.p = raw, .left = size};

        *ws = (struct sbx_wire_spec){.raw = raw};
        get_fields(&b, sbx_policy_fields, sbx_n_policy_fields, &ws->policy);
        ws->argv = sbx_rbuf_strv(&b);
        ws->env = sbx_rbuf_strv(&b);
        ws->spec.stdin_data = sbx_rbuf_bytes(&b, &ws->spec.stdin_size);
        uint32_t n = sbx_rbuf_u32(&b);
        if (!b.bad && n <= b.left / 12) {
                ws->files = calloc(n ? n : 1, sizeof(*ws->files));
                ws->spec.n_files = ws->files ? n : 0;
        }
        for (uint32_t i = 0; i < ws->spec.n_files && !b.bad; i++) {
                struct sbx_file *f = &ws->files[i];
                f->path = sbx_rbuf_str(&b);
                f->mode = (mode_t)sbx_rbuf_u32(&b);
                f->data = sbx_rbuf_bytes(&b, &f->size);
                if (!f->path)
                        b.bad = true;
        }
        if (b.bad || !ws->argv || !ws->argv[0] || !ws->env || !ws->files || b.left != 0) {
                sbx_wire_spec_release(ws);
                return -EBADMSG;
        }
        ws->spec.argv = (const char *const *)ws->argv;
        ws->spec.env = (const char *const *)ws->env;
        ws->spec.files = ws->files;
        ws->spec.policy = &ws->policy;
        return 0;
}

void sbx_wire_spec_release(struct sbx_wire_spec *ws)
{
        sbx_strv_free(ws->argv);
        sbx_strv_free(ws->env);
        for (size_t i = 0; ws->files && i < ws->spec.n_files; i++)
                free((char *)ws->files[i].path);
        free(ws->files);
        for (size_t i = 0; i < sbx_n_policy_fields; i++) {
                const struct sbx_field *f = &sbx_policy_fields[i];
                if (f->wire && (f->kind == SBX_FIELD_NAME || f->kind == SBX_FIELD_TEXT))
                        free(*(char **)((char *)&ws->policy + f->offset));
                else if (f->wire && f->kind == SBX_FIELD_PATHS)
                        sbx_strv_free(*(char ***)((char *)&ws->policy + f->offset));
        }
        free(ws->raw);
        *ws = (struct sbx_wire_spec){0};
}

void sbx_wire_put_result(struct sbx_wbuf *b, const struct sbx_result *r)
{
        sbx_wbuf_u32(b, (uint32_t)r->verdict);
        sbx_wbuf_u32(b, (uint32_t)r->exit_code);
        sbx_wbuf_u32(b, (uint32_t)r->signal);
        sbx_wbuf_u64(b, r->wall_ms);
        sbx_wbuf_u64(b, r->cpu_ms);
        sbx_wbuf_u64(b, r->peak_memory_bytes);
        sbx_wbuf_bytes(b, r->out.data, r->out.size);
        sbx_wbuf_u32(b, r->out.truncated);
        sbx_wbuf_bytes(b, r->err.data, r->err.size);
        sbx_wbuf_u32(b, r->err.truncated);
        sbx_wbuf_str(b, r->message);
        sbx_wbuf_str(b, r->cgroup_entry);
}

static int get_output(struct sbx_rbuf *b, struct sbx_output *o)
{
        size_t n;
        const void *p = sbx_rbuf_bytes(b, &n);

        o->data = malloc(n + 1);
        if (!o->data)
                return -ENOMEM;
        if (p)
                memcpy(o->data, p, n);
        o->data[n] = '\0';
        o->size = n;
        o->truncated = sbx_rbuf_u32(b) != 0;
        return 0;
}

int sbx_wire_get_result(const char *raw, size_t size, struct sbx_result *r)
{
        struct sbx_rbuf b = {.p = raw, .left = size};
        uint32_t v = sbx_rbuf_u32(&b);

        if (v >= _SBX_VERDICT_MAX)
                return -EBADMSG;
        r->verdict = (enum sbx_verdict)v;
        r->exit_code = (int)sbx_rbuf_u32(&b);
        r->signal = (int)sbx_rbuf_u32(&b);
        r->wall_ms = sbx_rbuf_u64(&b);
        r->cpu_ms = sbx_rbuf_u64(&b);
        r->peak_memory_bytes = sbx_rbuf_u64(&b);
        if (get_output(&b, &r->out) < 0 || get_output(&b, &r->err) < 0)
                return -ENOMEM;
        r->message = sbx_rbuf_str(&b);
        r->cgroup_entry = sbx_rbuf_str(&b);
        return b.bad || b.left != 0 ? -EBADMSG : 0;
}
