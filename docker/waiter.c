/* sandboxrt-waiter: the first process of every Docker job. The engine reports a job that a
 * signal killed as exit code 128 + N, as shells do, so that an exit(130) and a SIGINT look alike;
 * the native jail tells them apart. The waiter runs the program as its child and writes the wait
 * status to /.sandboxrt/exit (a tmpfs volume the host reads), then exits as the engine would
 * have reported the program: without the record, the host still sees the same exit code.
 *
 * The program runs as the same uid and could write the record itself: it can only misreport how
 * it ended, which it controls anyway. Static: it runs in any image. Usage: waiter PROGRAM ARGS..
 *
 * `waiter --user UID PROGRAM ARGS..` starts as container root and becomes UID (gid alike) first,
 * with an empty bounding set: an exec in a container made for the agent, whose bounding set holds
 * the agent's capabilities, leaves the job none, as the agent does.
 *
 * `waiter --agent DIR` is the container's first process instead (docker/agent_main.c): it starts
 * jobs sent over a unix socket in DIR, without an exec through the engine. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "docker/agent_proto.h"
#include "util.h"

#define RECORD "/.sandboxrt/exit"

static _Noreturn void run(char **argv, int report)
{
        int e;

        execvp(argv[0], argv);
        e = errno;
        (void)!write(report, &e, sizeof(e));
        _exit(e == ENOENT ? 127 : 126);
}

static int become(const char *uid)
{
        uint64_t id = 0;

        errno = 0;
        if (sbx_parse_u64(uid, &id) == 0 && id > 0 && id <= UINT32_MAX &&
            sbx_agent_become((uint32_t)id, (uint32_t)id, (const int[]){0, 1, 2}) == 0)
                return 0;
        dprintf(2, "sandboxrt-waiter: cannot become uid %s: %s\n", uid,
                errno ? strerror(errno) : "want 1 to 4294967295");
        return -1;
}

int main(int argc, char **argv)
{
        int status = 0, exec_errno = 0, pipefd[2];
        int out;
        pid_t pid;

        if (argc == 3 && !strcmp(argv[1], "--agent"))
                return sbx_agent_main(argv[2]);
        if (argc > 3 && !strcmp(argv[1], "--user")) {
                if (become(argv[2]) < 0)
                        return 126;
                argv += 2;
                argc -= 2;
        }
        /* Opened before the program runs, so that it cannot fill the volume first; O_NONBLOCK:
         * a FIFO left there by an earlier job must not block us. */
        out =
            open(RECORD, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600);
        if (argc < 2 || pipe2(pipefd, O_CLOEXEC) < 0)
                return 126;
        pid = fork();
        if (pid < 0)
                return 126;
        if (pid == 0)
                run(argv + 1, pipefd[1]);
        /* The program's streams are the job's: holding them here would delay their end. */
        close(pipefd[1]);
        close(0);
        close(1);
        close(2);
        while (read(pipefd[0], &exec_errno, sizeof(exec_errno)) < 0 && errno == EINTR)
                ;
        while (waitpid(pid, &status, 0) < 0)
                if (errno != EINTR)
                        return 126;
        if (out >= 0)
                dprintf(out, "%d %d\n", status, exec_errno);
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
