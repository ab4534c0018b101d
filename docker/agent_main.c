/* The agent mode of sandboxrt-waiter: the first process of a container (under docker-init) that
 * starts the container's jobs without the Engine API. The host connects to its unix socket (in a
 * host directory bind-mounted into the container, that only container root can enter), sends
 * one job with its stdin, stdout and stderr attached, and reads the program's wait status when
 * it ends (docker/agent_proto.h). Every limit stays on the host, as for an exec.
 *
 * It runs as container root with no capability but CAP_SETUID, CAP_SETGID and CAP_SETPCAP (CapAdd)
 * under no-new-privileges, and empties the bounding set and drops to the job's uid and gid before
 * the exec (no capability is left to the job, as in an exec): the job cannot signal or
 * trace it (another uid, no capability), cannot reach its socket (a directory of root's, mode
 * 0700) and holds none of its descriptors (all close-on-exec). When the socket cannot be made
 * (another user's directory, a remapped engine) it only waits, like the `sleep infinity` it
 * replaces, and the host starts jobs with execs. See docker/README.md. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docker/agent_proto.h"
#include "util.h"

#define N_FDS        3
#define RECV_TIMEOUT 10 /* s: a host that connects and sends nothing must not stall us */

extern char **environ;

struct file {
        const char *root;
        char *rel;
        struct sbx_agent_file meta;
        const char *data;
};

struct job {
        struct sbx_agent_request req;
        int fds[N_FDS];
        char *blob;
        char **argv, **envp;
        const char *cwd;
        struct file *files;
};

/* What the child reports when it could not run the program: where it failed, and errno. */
enum { FAILED_FILES = 1, FAILED_EXEC };

static int read_full(int fd, void *buf, size_t n)
{
        for (size_t off = 0; off < n;) {
                ssize_t k = read(fd, (char *)buf + off, n - off);
                if (k < 0 && errno == EINTR)
                        continue;
                if (k <= 0)
                        return k == 0 ? -EPIPE : -errno;
                off += (size_t)k;
        }
        return 0;
}

/* The request with its three descriptors (close-on-exec as they arrive). */
static int receive(int conn, struct job *j)
{
        union {
                char buf[CMSG_SPACE(N_FDS * sizeof(int))];
                struct cmsghdr align;
        } cbuf;
        struct iovec iov = {.iov_base = &j->req, .iov_len = sizeof(j->req)};
        struct msghdr m = {.msg_iov = &iov,
                           .msg_iovlen = 1,
                           .msg_control = cbuf.buf,
                           .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *c;
        ssize_t n;

        while ((n = recvmsg(conn, &m, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
                ;
        c = n > 0 ? CMSG_FIRSTHDR(&m) : NULL;
        if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(N_FDS * sizeof(int)))
                memcpy(j->fds, CMSG_DATA(c), sizeof(j->fds));
        else if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
                for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
                        close(((int *)CMSG_DATA(c))[i]);
        if (n != (ssize_t)sizeof(j->req) || (m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
            j->fds[0] < 0 || j->req.magic != SBX_AGENT_MAGIC || j->req.version != SBX_AGENT_VERSION)
                return -EPROTO;
        if (j->req.uid == 0 || j->req.gid == 0 || j->req.argc == 0 ||
            j->req.blob_len > SBX_AGENT_BLOB_MAX || j->req.argc > SBX_AGENT_BLOB_MAX / 2 ||
            j->req.envc > SBX_AGENT_BLOB_MAX / 2 || j->req.nfiles > SBX_AGENT_BLOB_MAX / 16)
                return -EINVAL;
        j->blob = malloc(j->req.blob_len + 1u);
        if (!j->blob)
                return -ENOMEM;
        j->blob[j->req.blob_len] = '\0';
        return read_full(conn, j->blob, j->req.blob_len);
}

static int count(char **v)
{
        int n = 0;

        while (v && v[n])
                n++;
        return n;
}

/* Whether entry "K=V" sets a name that one of set sets too. */
static int overridden(const char *entry, char **set, int n)
{
        size_t k = strcspn(entry, "=");

        for (int i = 0; i < n; i++)
                if (!strncmp(set[i], entry, k) && set[i][k] == '=')
                        return 1;
        return 0;
}

/* The files after the strings: directory, path, size and mode, data. */
static int split_files(struct job *j, char *p, char *end)
{
        j->files = calloc(j->req.nfiles + 1u, sizeof(*j->files));
        if (!j->files)
                return -ENOMEM;
        for (uint32_t i = 0; i < j->req.nfiles; i++) {
                struct file *f = &j->files[i];
                f->root = p;
                p += strlen(p) + 1;
                f->rel = p;
                p = p < end ? p + strlen(p) + 1 : p;
                if (p + sizeof(f->meta) > end)
                        return -EINVAL;
                memcpy(&f->meta, p, sizeof(f->meta));
                p += sizeof(f->meta);
                if (f->meta.size > (size_t)(end - p) || !*f->rel)
                        return -EINVAL;
                f->data = p;
                p += f->meta.size;
        }
        return 0;
}

/* The blob's strings into cwd, argv and envp: the job's variables over the container's. */
static int split(struct job *j)
{
        char *p = j->blob, *end = j->blob + j->req.blob_len;
        int base = count(environ), n = 0;
        char **job_env;

        j->argv = calloc(j->req.argc + 1u, sizeof(char *));
        j->envp = calloc((size_t)base + j->req.envc + 1u, sizeof(char *));
        if (!j->argv || !j->envp)
                return -ENOMEM;
        j->cwd = p;
        p += strlen(p) + 1;
        for (uint32_t i = 0; i < j->req.argc; i++, p += strlen(p) + 1)
                if (p >= end)
                        return -EINVAL;
                else
                        j->argv[i] = p;
        job_env = j->envp + base; /* the job's entries first, at the end of the array */
        for (uint32_t i = 0; i < j->req.envc; i++, p += strlen(p) + 1)
                if (p >= end)
                        return -EINVAL;
                else
                        job_env[i] = p;
        for (int i = 0; i < base; i++)
                if (!overridden(environ[i], job_env, (int)j->req.envc))
                        j->envp[n++] = environ[i];
        memmove(j->envp + n, job_env, j->req.envc * sizeof(char *));
        j->envp[n + (int)j->req.envc] = NULL;
        return split_files(j, p, end);
}

int sbx_agent_become(uint32_t uid, uint32_t gid, const int streams[3])
{
        gid_t g = gid;
        struct stat st;

        if (uid == 0 || gid == 0) {
                errno = EPERM;
                return -1;
        }
        /* The job's pipes are its own, as runc makes an exec's: a program may then open them by
         * path (/dev/stdin, /proc/self/fd/1), which the kernel allows a pipe's owner alone. Best
         * effort: a container made without CAP_CHOWN leaves them reachable by fd only. */
        for (int i = 0; i < 3; i++)
                if (fstat(streams[i], &st) == 0 && S_ISFIFO(st.st_mode))
                        (void)!fchown(streams[i], uid, gid);
        for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
                if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
                        return -1;
        /* Groups as an exec's: the job's gid, supplementary too. */
        return setgroups(1, &g) < 0 || setgid(g) < 0 || setuid(uid) < 0 ? -1 : 0;
}

/* One file, written as the job's user (so with no right the job lacks), its parents made as
 * directories of its own; an existing file is replaced, as the archive endpoint does. */
static int write_file(const struct file *f)
{
        int dfd = open(f->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd, e;
        char *name = f->rel, *s;

        while (dfd >= 0 && (s = strchr(name, '/'))) {
                int sub;
                *s = '\0';
                if (mkdirat(dfd, name, 0755) < 0 && errno != EEXIST)
                        sub = -1;
                else
                        sub = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
                e = errno;
                close(dfd);
                errno = e;
                dfd = sub;
                name = s + 1;
        }
        if (dfd < 0)
                return -1;
        (void)unlinkat(dfd, name, 0);
        fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        e = errno;
        close(dfd);
        if (fd < 0 || sbx_write_all(fd, f->data, f->meta.size) < 0 ||
            fchmod(fd, (mode_t)(f->meta.mode & 07777)) < 0) {
                e = fd < 0 ? e : errno;
                if (fd >= 0)
                        close(fd);
                errno = e;
                return -1;
        }
        return close(fd);
}

static int write_files(const struct job *j)
{
        for (uint32_t i = 0; i < j->req.nfiles; i++)
                if (write_file(&j->files[i]) < 0)
                        return -1;
        return 0;
}

/* In the child: become the job's user, write its files, take its streams, run it. */
static _Noreturn void start(const struct job *j, int report)
{
        sigset_t none;
        int msg[2] = {FAILED_EXEC, 0};

        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        if (sbx_agent_become(j->req.uid, j->req.gid, j->fds) < 0) {
                msg[1] = errno;
        } else if (write_files(j) < 0) {
                msg[0] = FAILED_FILES;
                msg[1] = errno;
        } else if (dup2(j->fds[0], 0) < 0 || dup2(j->fds[1], 1) < 0 || dup2(j->fds[2], 2) < 0 ||
                   chdir(j->cwd) < 0) {
                msg[1] = errno;
        } else {
                environ = j->envp; /* execvp looks up PATH in the job's environment */
                execvp(j->argv[0], j->argv);
                msg[1] = errno;
        }
        (void)!write(report, msg, sizeof(msg));
        _exit(msg[1] == ENOENT ? 127 : 126);
}

/* Fork, run, wait: the reply for one request. */
static struct sbx_agent_reply run(const struct job *j)
{
        struct sbx_agent_reply rep = {.magic = SBX_AGENT_MAGIC};
        int pipefd[2], status = 0, msg[2] = {0, 0};
        pid_t pid;

        if (pipe2(pipefd, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
                rep.error = errno;
                return rep;
        }
        if (pid == 0)
                start(j, pipefd[1]);
        close(pipefd[1]);
        while (read(pipefd[0], msg, sizeof(msg)) < 0 && errno == EINTR)
                ;
        close(pipefd[0]);
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR) {
                        rep.error = errno;
                        return rep;
                }
        rep.status = status;
        if (msg[0] == FAILED_FILES)
                rep.file_error = msg[1] ? msg[1] : EIO;
        else
                rep.exec_errno = msg[1];
        return rep;
}

/* Only root of this host side may talk to us (the job cannot reach the socket anyway). */
static int peer_allowed(int conn)
{
        struct ucred cred;
        socklen_t len = sizeof(cred);

        return getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && cred.uid == 0;
}

static void serve(int conn)
{
        struct job j = {.fds = {-1, -1, -1}};
        struct sbx_agent_reply rep = {.magic = SBX_AGENT_MAGIC};
        int r = peer_allowed(conn) ? receive(conn, &j) : -EPERM;

        if (r == 0)
                r = split(&j);
        if (r == 0)
                rep = run(&j);
        else
                rep.error = -r;
        for (int i = 0; i < N_FDS; i++)
                if (j.fds[i] >= 0)
                        close(j.fds[i]); /* the job's streams end with its processes */
        (void)!send(conn, &rep, sizeof(rep), MSG_NOSIGNAL);
        free(j.argv);
        free(j.envp);
        free(j.files);
        free(j.blob);
}

static int listen_at(const char *dir)
{
        struct sockaddr_un a = {.sun_family = AF_UNIX};
        int fd, dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        struct stat st;

        /* Our directory, private: else the job could reach the socket. */
        if (dfd < 0 || fstat(dfd, &st) < 0 || st.st_uid != getuid() || (st.st_mode & 077) ||
            strlen(dir) + sizeof(SBX_AGENT_SOCK_NAME) + 1 > sizeof(a.sun_path))
                return -1;
        close(dfd);
        memcpy(a.sun_path, dir, strlen(dir));
        a.sun_path[strlen(dir)] = '/';
        memcpy(a.sun_path + strlen(dir) + 1, SBX_AGENT_SOCK_NAME, sizeof(SBX_AGENT_SOCK_NAME));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -1;
        (void)unlink(a.sun_path); /* a restart's leftover */
        if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 || chmod(a.sun_path, 0600) < 0 ||
            listen(fd, 4) < 0) {
                close(fd);
                return -1;
        }
        return fd;
}

int sbx_agent_main(const char *dir)
{
        int lfd, null = open("/dev/null", O_RDWR);

        /* Received descriptors must never land on 0-2. */
        for (int i = 0; i < 3 && null >= 0; i++)
                if (null != i)
                        dup2(null, i);
        if (null > 2)
                close(null);
        signal(SIGPIPE, SIG_IGN);
        lfd = listen_at(dir);
        if (lfd < 0)
                for (;;)
                        pause(); /* jobs come as execs */
        for (;;) {
                struct timeval tv = {.tv_sec = RECV_TIMEOUT};
                int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
                if (conn < 0)
                        continue;
                (void)setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
                serve(conn);
                close(conn);
        }
}
