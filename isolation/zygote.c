/* The launcher's and the supervisors' side of the zygote (zygote.h): starting it, and asking it
 * for a jail. */
#include "zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend.h"
#include "install_dirs.h"
#include "storage.h"
#include "util.h"
#include "wire.h"
#include "zygote_py.h" /* generated from zygote.py: sbx_zygote_py */

/* A zygote that does not answer within this long is taken for broken: the jail goes cold. */
#define ANSWER_MS 5000

/* The zygote's library: installed in libexec/sandboxrt (cmake/install.cmake), or the build's. */
static bool find_library(char *path, size_t size)
{
        return sbx_find_helper("SANDBOXRT_ZYGOTE_LIB",
                               SBX_INSTALL_LIBEXECDIR "/sandboxrt/sandboxrt-zygote.so",
                               SBX_BUILD_ZYGOTE_LIB, path, size);
}

/* python3 where a job's `python3` is: in the PATH of the base environment (the jail shows the
 * host's /usr and /bin). */
static bool find_python(char *path, size_t size)
{
        for (size_t i = 0; sbx_base_env[i]; i++) {
                if (strncmp(sbx_base_env[i], "PATH=", 5))
                        continue;
                for (const char *dir = sbx_base_env[i] + 5; *dir;) {
                        size_t n = strcspn(dir, ":");
                        if (n && snprintf(path, size, "%.*s/python3", (int)n, dir) < (int)size &&
                            access(path, X_OK) == 0)
                                return true;
                        dir += n + (dir[n] == ':');
                }
        }
        return false;
}

/* The zygote's stdio are pipes like a job's (so the interpreter sets up its streams the same
 * way): stdin at EOF, stdout and stderr without a reader. */
static _Noreturn void exec_zygote(struct sbx_storage *storage, int sock, const char *python,
                                  const char *lib, bool privileged)
{
        char *argv[] = {(char *)python, (char *)"-c",   (char *)sbx_zygote_py,
                        (char *)lib,    (char *)python, NULL};
        int in[2], out[2];

        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
        if (sbx_storage_leave(storage) < 0 || (privileged && setgroups(0, NULL) < 0) ||
            pipe(in) < 0 || pipe(out) < 0)
                _exit(1);
        if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(out[1], 2) < 0 || dup2(sock, 3) < 0)
                _exit(1);
        syscall(SYS_close_range, 4, ~0U, 0);
        execve(python, argv, (char *const *)sbx_base_env);
        _exit(127);
}

int sbx_zygote_start(struct sbx_storage *storage, bool privileged, pid_t *pid_out)
{
        char python[PATH_MAX], lib[PATH_MAX];
        int pair[2];

        if (!find_python(python, sizeof(python)) || !find_library(lib, sizeof(lib)))
                return -ENOENT;
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return -errno;
        pid_t pid = fork();
        if (pid == 0)
                exec_zygote(storage, pair[1], python, lib, privileged);
        close(pair[1]);
        if (pid < 0) {
                close(pair[0]);
                return -errno;
        }
        *pid_out = pid;
        return pair[0];
}

static int wait_answer(int fd)
{
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int n;

        while ((n = poll(&p, 1, ANSWER_MS)) < 0 && errno == EINTR)
                ;
        return n > 0 ? 0 : n == 0 ? -ETIMEDOUT : -errno;
}

pid_t sbx_zygote_clone(int zygote_fd, struct sbx_zygote_request *req, const int fds[_SBX_ZFD_MAX],
                       int *pidfd, int *refused)
{
        int pair[2], send[_SBX_ZFD_MAX], got[SBX_WIRE_MAX_FDS];
        struct sbx_zygote_reply reply;
        size_t n = 0;

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0)
                return -errno;
        _cleanup_close_ int answer = pair[0];
        req->magic = SBX_ZYGOTE_MAGIC;
        req->fd_mask = 1u << SBX_ZFD_REPLY;
        send[n++] = pair[1];
        for (int i = SBX_ZFD_REPLY + 1; i < _SBX_ZFD_MAX; i++) {
                if (fds[i] < 0)
                        continue;
                req->fd_mask |= 1u << i;
                send[n++] = fds[i];
        }
        int r = sbx_wire_send_fds(zygote_fd, req, sizeof(*req), send, n);
        close(pair[1]);
        if (r == 0)
                r = wait_answer(answer);
        if (r == 0)
                r = sbx_wire_recv_fds(answer, &reply, sizeof(reply), got);
        if (r < 0)
                return r;
        sbx_closep(&got[1]);
        if (reply.error || got[0] < 0 || reply.pid <= 0) {
                sbx_closep(&got[0]);
                return -(reply.error ? reply.error : EPROTO);
        }
        *pidfd = got[0];
        *refused = reply.refused;
        return reply.pid;
}
