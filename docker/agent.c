#include "docker/agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "docker/container.h"
#include "docker/paths.h"
#include "util.h"

#define N_FDS 3

int sbx_docker_agent_dir_make(const char *dir, struct sbx_error **err)
{
        struct stat st;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return sbx_error_set(err, errno, "creating %s: %m", dir);
        /* The agent runs as container root: it may only listen where no one else can reach. */
        if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
            (st.st_mode & 07777) != 0700)
                return sbx_error_set(err, EPERM, "%s is not a private directory of ours", dir);
        return 0;
}

void sbx_docker_agent_forget(const char *dir)
{
        _cleanup_close_ int fd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;

        if (fd >= 0)
                (void)unlinkat(fd, SBX_AGENT_SOCK_NAME, 0);
}

void sbx_docker_agent_dir_remove(const char *dir)
{
        if (!dir)
                return;
        sbx_docker_agent_forget(dir);
        (void)rmdir(dir);
}

static int sock_addr(const char *dir, struct sockaddr_un *a)
{
        int n;

        *a = (struct sockaddr_un){.sun_family = AF_UNIX};
        n = snprintf(a->sun_path, sizeof(a->sun_path), "%s/%s", dir, SBX_AGENT_SOCK_NAME);
        return n < 0 || (size_t)n >= sizeof(a->sun_path) ? -ENAMETOOLONG : 0;
}

bool sbx_docker_agent_wait(const char *dir, unsigned timeout_ms)
{
        uint64_t until = sbx_now_ms() + timeout_ms;
        struct sockaddr_un a;
        struct stat st;

        if (sock_addr(dir, &a) < 0)
                return false;
        for (;;) {
                if (lstat(a.sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
                        return true;
                if (sbx_now_ms() >= until)
                        return false;
                nanosleep(&(struct timespec){.tv_nsec = 2000000}, NULL);
        }
}

static size_t put(char *blob, size_t off, const char *s)
{
        size_t n = strlen(s) + 1;

        memcpy(blob + off, s, n);
        return off + n;
}

/* Each file as its writable directory, its clean relative path and its size: what the agent
 * needs. NULL on ENOMEM. */
struct placed {
        const char *root;
        char *rel;
};

static void placed_free(struct placed *v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i].rel);
        free(v);
}

static size_t put_file(char *blob, size_t off, const struct placed *pl, const struct sbx_file *f)
{
        struct sbx_agent_file meta = {.mode = (uint32_t)((f->mode ? f->mode : 0644) & 07777),
                                      .size = (uint32_t)f->size};

        off = put(blob, off, pl->root);
        off = put(blob, off, pl->rel);
        memcpy(blob + off, &meta, sizeof(meta));
        off += sizeof(meta);
        if (f->size)
                memcpy(blob + off, f->data, f->size);
        return off + f->size;
}

/* NUL-terminated strings, back to back: the work dir, then argv, then env; then the files. */
static char *pack(const struct sbx_spec *spec, const struct placed *pl, size_t nfiles,
                  const char *cwd, struct sbx_agent_request *req, size_t *len)
{
        size_t n = strlen(cwd) + 1, off;
        char *blob;

        for (size_t i = 0; spec->argv && spec->argv[i]; i++, req->argc++)
                n += strlen(spec->argv[i]) + 1;
        for (size_t i = 0; spec->env && spec->env[i]; i++, req->envc++)
                n += strlen(spec->env[i]) + 1;
        for (size_t i = 0; i < nfiles; i++)
                n += strlen(pl[i].root) + strlen(pl[i].rel) + 2 + sizeof(struct sbx_agent_file) +
                     spec->files[i].size;
        if (n > SBX_AGENT_BLOB_MAX || !(blob = malloc(n)))
                return NULL;
        off = put(blob, 0, cwd);
        for (size_t i = 0; i < req->argc; i++)
                off = put(blob, off, spec->argv[i]);
        for (size_t i = 0; i < req->envc; i++)
                off = put(blob, off, spec->env[i]);
        for (size_t i = 0; i < nfiles; i++)
                off = put_file(blob, off, &pl[i], &spec->files[i]);
        req->nfiles = (uint32_t)nfiles;
        *len = n;
        return blob;
}

bool sbx_docker_agent_takes_files(const struct sbx_spec *spec, char *const *dirs)
{
        uint64_t total = 0;

        for (size_t i = 0; i < spec->n_files; i++) {
                const char *root;
                char *rel = NULL;
                bool ok = sbx_docker_split_path(dirs, spec->files[i].path, &root, &rel) == 0;
                free(rel);
                total += spec->files[i].size;
                /* A file over RLIMIT_FSIZE, which the agent's writes obey, goes as an archive. */
                if (!ok || spec->files[i].size > spec->policy->limits.file_size_bytes)
                        return false;
        }
        return total <= SBX_AGENT_FILES_MAX;
}

/* Where each of spec's files goes; NULL on ENOMEM or a path sbx_docker_agent_takes_files
 * refused. */
static struct placed *place(const struct sbx_spec *spec, char *const *dirs)
{
        struct placed *pl = calloc(spec->n_files + 1, sizeof(*pl));

        for (size_t i = 0; pl && i < spec->n_files; i++)
                if (sbx_docker_split_path(dirs, spec->files[i].path, &pl[i].root, &pl[i].rel) < 0) {
                        placed_free(pl, spec->n_files);
                        return NULL;
                }
        return pl;
}

/* No SIGPIPE when the agent is gone. */
static int send_all(int sock, const char *p, size_t n)
{
        while (n > 0) {
                ssize_t w = send(sock, p, n, MSG_NOSIGNAL);
                if (w < 0 && errno == EINTR)
                        continue;
                if (w < 0)
                        return -errno;
                p += w;
                n -= (size_t)w;
        }
        return 0;
}

/* The fixed request with the job's streams attached. */
static int send_request(int sock, const struct sbx_agent_request *req, const int fds[N_FDS])
{
        union {
                char buf[CMSG_SPACE(N_FDS * sizeof(int))];
                struct cmsghdr align;
        } cbuf = {0};
        struct iovec iov = {.iov_base = (void *)req, .iov_len = sizeof(*req)};
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = cbuf.buf,
                           .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);

        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(N_FDS * sizeof(int));
        memcpy(CMSG_DATA(c), fds, N_FDS * sizeof(int));
        return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)sizeof(*req) ? 0 : -errno;
}

int sbx_docker_agent_send(const char *dir, char *const *dirs, const struct sbx_spec *spec,
                          bool files, const char *cwd, uid_t uid, const int fds[3])
{
        struct sbx_agent_request req = {.magic = SBX_AGENT_MAGIC,
                                        .version = SBX_AGENT_VERSION,
                                        .uid = (uint32_t)uid,
                                        .gid = (uint32_t)uid};
        _cleanup_close_ int sock = -1;
        _cleanup_free_ char *blob = NULL;
        size_t len = 0, nfiles = files ? spec->n_files : 0;
        struct placed *pl = nfiles ? place(spec, dirs) : NULL;
        struct sockaddr_un a;
        int r;

        if ((r = sock_addr(dir, &a)) < 0 || (nfiles && !pl)) {
                placed_free(pl, nfiles);
                return r < 0 ? r : -ENOMEM;
        }
        blob = pack(spec, pl, nfiles, cwd, &req, &len);
        placed_free(pl, nfiles);
        if (!blob)
                return -E2BIG;
        req.blob_len = (uint32_t)len;
        sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (sock < 0 || connect(sock, (struct sockaddr *)&a, sizeof(a)) < 0)
                return -errno;
        r = send_request(sock, &req, fds);
        if (r == 0)
                r = send_all(sock, blob, len); /* the agent reads it all before it answers */
        return r < 0 ? r : TAKE_FD(sock);
}

int sbx_docker_agent_reply(int conn, struct sbx_agent_reply *rep)
{
        ssize_t n;

        while ((n = recv(conn, rep, sizeof(*rep), MSG_WAITALL)) < 0 && errno == EINTR)
                ;
        if (n <= 0)
                return n == 0 || errno == ECONNRESET ? -EPIPE : -errno;
        return n == (ssize_t)sizeof(*rep) && rep->magic == SBX_AGENT_MAGIC ? 0 : -EPROTO;
}
