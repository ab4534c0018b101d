#include "docker/exec.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <time.h>

#include "docker/agent.h"
#include "docker/parse.h"
#include "util.h"
#include "verdict.h"

#define CPU_CHECK_MS    20   /* the least time between two reads of the container's CPU time */
#define DRAIN_MS        1000 /* after the program ended, how long the stream may take to close */
#define STATUS_FIRST_MS 50   /* ask the engine whether the program still runs after this... */
#define STATUS_EVERY_MS 100  /* ...and then this often, until a pidfd watches it */
#define EXIT_WAIT_MS    5000 /* the engine records the exit code shortly after the stream ends */
#define REQ_TIMEOUT     60000L
#define STATS_CHECK_MS  250 /* CPU checks through the Engine API, when the cgroup is not visible */
#define REKILL_MS       100 /* a job started by the agent is killed again until it ended */

struct capture {
        struct sbx_output out;
        uint64_t cap;
};

/* What the waiter or the agent says of the program: its wait status and, when it could not be
 * started, the errno of its exec. */
struct record {
        bool valid;
        int status;
        int exec_errno;
};

struct job {
        struct sbx_docker_engine *e;
        struct sbx_docker_container *c;
        const struct sbx_spec *spec;
        char *exec_id;
        struct sbx_docker_conn *conn;
        struct sbx_docker_demux demux;
        struct capture out, err;
        size_t stdin_off;
        bool stdin_done, eof, exited, killed, have_before;
        bool sandbox_stopped; /* the stop was sbx_sandbox_stop's */
        int pidfd;
        int exit_code;
        enum sbx_stop stop;
        uint64_t start_ms, next_status_ms, next_cpu_ms, drain_until, status_step;
        struct sbx_docker_cgroup_sample before;
        struct sbx_docker_stats stats_before;
        /* Through the agent (docker/agent.h): its connection, the host's ends of the job's
         * streams, and its reply. */
        bool via_agent, agent_files;
        int agent, in_fd, out_fd, err_fd;
        struct record rec;
};

static inline void cjson_deletep(cJSON **j)
{
        cJSON_Delete(*j);
}
#define _cleanup_cjson_ __attribute__((cleanup(cjson_deletep)))

static bool add_strings(cJSON *obj, const char *key, const char *const *v)
{
        cJSON *arr = cJSON_AddArrayToObject(obj, key);

        for (size_t i = 0; arr && v && v[i]; i++)
                if (!cJSON_AddItemToArray(arr, cJSON_CreateString(v[i])))
                        return false;
        return arr != NULL;
}

/* The job's command line, after the waiter when the container has it. In a container made for
 * the agent: `--user` (docker/waiter.c), and the agent's copy, which root can reach (the
 * waiter's directory is the job user's). */
static bool add_cmd(cJSON *root, const struct sbx_spec *spec, const struct sbx_docker_container *c,
                    const char *uid)
{
        cJSON *arr = cJSON_AddArrayToObject(root, "Cmd");

        if (!arr)
                return false;
        if (c->agent_dir) {
                if (!cJSON_AddItemToArray(arr, cJSON_CreateString(SBX_DOCKER_AGENT)) ||
                    !cJSON_AddItemToArray(arr, cJSON_CreateString("--user")) ||
                    !cJSON_AddItemToArray(arr, cJSON_CreateString(uid)))
                        return false;
        } else if (c->waiter && !cJSON_AddItemToArray(arr, cJSON_CreateString(SBX_DOCKER_WAITER))) {
                return false;
        }
        for (size_t i = 0; spec->argv && spec->argv[i]; i++)
                if (!cJSON_AddItemToArray(arr, cJSON_CreateString(spec->argv[i])))
                        return false;
        return true;
}

/* An exec as the job's uid and gid. A container made for the agent has the agent's capabilities
 * in its bounding set, which an exec keeps: there the exec starts as root and its waiter drops
 * them before it becomes the job's user. */
static char *exec_body(const struct sbx_spec *spec, const struct sbx_docker_container *c)
{
        _cleanup_cjson_ cJSON *root = cJSON_CreateObject();
        char uid[16], user[32];
        const char *id = c->agent_dir ? "0" : uid;

        snprintf(uid, sizeof(uid), "%u", (unsigned)c->uid);
        snprintf(user, sizeof(user), "%s:%s", id, id);
        if (!root || !cJSON_AddBoolToObject(root, "AttachStdin", true) ||
            !cJSON_AddBoolToObject(root, "AttachStdout", true) ||
            !cJSON_AddBoolToObject(root, "AttachStderr", true) ||
            !cJSON_AddBoolToObject(root, "Tty", false) ||
            !cJSON_AddStringToObject(root, "User", user) ||
            !cJSON_AddStringToObject(root, "WorkingDir", SBX_DOCKER_WORKDIR) ||
            !add_strings(root, "Env", spec->env) || !add_cmd(root, spec, c, uid))
                return NULL;
        return cJSON_PrintUnformatted(root);
}

static int exec_create(struct job *j, struct sbx_error **err)
{
        _cleanup_free_ char *body = exec_body(j->spec, j->c);
        _cleanup_free_ char *path = sbx_strdup_printf("/containers/%s/exec", j->c->id);
        struct sbx_docker_response resp;
        int r;

        if (!body || !path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_docker_request(j->e, "POST", path, NULL, body, strlen(body), 65536, REQ_TIMEOUT,
                               &resp, err);
        if (r < 0)
                return sbx_error_prefix(err, "creating the exec");
        r = sbx_docker_parse_id(resp.body, resp.size, &j->exec_id);
        sbx_docker_response_clear(&resp);
        return r < 0 ? sbx_error_set(err, EPROTO, "engine: exec create: no Id in answer") : 0;
}

static int exec_inspect(struct job *j, struct sbx_docker_exec_state *st, struct sbx_error **err)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/exec/%s/json", j->exec_id);
        struct sbx_docker_response resp;
        int r;

        if (!path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_docker_request(j->e, "GET", path, NULL, NULL, 0, 65536, REQ_TIMEOUT, &resp, err);
        if (r < 0)
                return r;
        r = sbx_docker_parse_exec_state(resp.body, resp.size, st);
        sbx_docker_response_clear(&resp);
        return r < 0 ? sbx_error_set(err, EPROTO, "engine: unreadable exec state") : 0;
}

static int container_stats(struct job *j, struct sbx_docker_stats *st)
{
        _cleanup_free_ char *path =
            sbx_strdup_printf("/containers/%s/stats?stream=false&one-shot=true", j->c->id);
        struct sbx_docker_response resp;
        struct sbx_error *err = NULL;
        int r;

        if (!path)
                return -ENOMEM;
        r = sbx_docker_request(j->e, "GET", path, NULL, NULL, 0, SBX_DOCKER_BODY_MAX, REQ_TIMEOUT,
                               &resp, &err);
        sbx_error_free(err);
        if (r < 0)
                return r;
        r = sbx_docker_parse_stats(resp.body, resp.size, st);
        sbx_docker_response_clear(&resp);
        return r;
}

/* ---- the stream --------------------------------------------------------------------------- */

static void stop_job(struct job *j, enum sbx_stop why)
{
        if (j->stop == SBX_STOP_NONE)
                j->stop = why;
        if (!j->killed) {
                j->killed = true;
                (void)sbx_docker_container_kill_jobs(j->e, j->c);
        }
}

static int capture(void *ctx, int stream, const char *data, size_t len)
{
        struct job *j = ctx;
        struct capture *c = stream == SBX_DOCKER_STDERR ? &j->err : &j->out;
        size_t room = c->cap > c->out.size ? (size_t)(c->cap - c->out.size) : 0;
        size_t take = len < room ? len : room;

        if (take) {
                char *d = realloc(c->out.data, c->out.size + take + 1);
                if (!d)
                        return -ENOMEM;
                memcpy(d + c->out.size, data, take);
                c->out.data = d;
                c->out.size += take;
                d[c->out.size] = '\0';
        }
        if (take < len) {
                c->out.truncated = true;
                stop_job(j, SBX_STOP_OUTPUT);
        }
        return 0;
}

static int read_stream(struct job *j, struct sbx_error **err)
{
        char buf[65536];

        for (;;) {
                ssize_t n = sbx_docker_conn_read(j->conn, buf, sizeof(buf));
                if (n == -EAGAIN)
                        return 0;
                if (n <= 0) {
                        j->eof = true;
                        return 0; /* a reset after a kill is an end like any other */
                }
                int r = sbx_docker_demux_feed(&j->demux, buf, (size_t)n, capture, j);
                if (r < 0)
                        return sbx_error_set(err, -r, "engine: bad exec stream framing");
        }
}

static void write_stdin(struct job *j)
{
        const char *data = j->spec->stdin_data;
        size_t left = j->spec->stdin_size - j->stdin_off;

        if (left > 0) {
                ssize_t n = sbx_docker_conn_write(j->conn, data + j->stdin_off, left);
                if (n == -EAGAIN)
                        return;
                if (n > 0)
                        j->stdin_off += (size_t)n;
                if (n > 0 && j->stdin_off < j->spec->stdin_size)
                        return;
        }
        /* All sent, or the program stopped reading: EOF on its stdin. */
        (void)sbx_docker_conn_close_write(j->conn);
        j->stdin_done = true;
}

/* Only a pid that is in this container's cgroup is watched: the engine may live elsewhere. */
static void watch_pid(struct job *j, int64_t pid)
{
        if (j->pidfd >= 0 || pid <= 0 || !j->c->cg ||
            !sbx_docker_cgroup_has_pid(j->c->cg, (pid_t)pid))
                return;
        j->pidfd = (int)syscall(SYS_pidfd_open, (pid_t)pid, 0);
}

static int check_status(struct job *j, uint64_t now, struct sbx_error **err)
{
        struct sbx_docker_exec_state st;
        int r = exec_inspect(j, &st, err);

        if (r < 0)
                return r;
        if (st.ended) {
                j->exited = true;
                j->exit_code = st.exit_code;
                return 0;
        }
        watch_pid(j, st.pid);
        /* After EOF the exit is due any moment: ask soon, then back off. */
        j->status_step = j->eof ? (j->status_step ? j->status_step * 2 : 1) : STATUS_EVERY_MS;
        if (j->status_step > STATUS_EVERY_MS)
                j->status_step = STATUS_EVERY_MS;
        j->next_status_ms = j->pidfd >= 0 && !j->eof ? UINT64_MAX : now + j->status_step;
        return 0;
}

/* The container's CPU time spent since the job started, from its cgroup or else the stats
 * endpoint; 0 when unknown. */
static uint64_t cpu_spent(struct job *j)
{
        struct sbx_docker_stats st;
        uint64_t cpu;

        if (!j->have_before)
                return 0;
        if (j->c->cg)
                return sbx_docker_cgroup_cpu_usec(j->c->cg, &cpu) == 0 ? cpu - j->before.cpu_usec
                                                                       : 0;
        return container_stats(j, &st) == 0 && st.cpu_usec > j->stats_before.cpu_usec
                   ? st.cpu_usec - j->stats_before.cpu_usec
                   : 0;
}

/* The CPU time is read when it could have reached the limit (sbx_cpu_limit_due, with this host's
 * CPUs: a cgroup we see is on this host); through the stats endpoint, of an engine that may be
 * elsewhere, every STATS_CHECK_MS. */
static void check_limits(struct job *j, uint64_t now)
{
        const struct sbx_limits *l = &j->spec->policy->limits;

        if (now - j->start_ms >= l->wall_ms) {
                stop_job(j, SBX_STOP_WALL);
        } else if (now >= j->next_cpu_ms) {
                uint64_t spent = cpu_spent(j);
                if (spent >= l->cpu_ms * 1000u)
                        stop_job(j, SBX_STOP_CPU);
                j->next_cpu_ms = j->c->cg ? sbx_cpu_limit_due(now, spent, l->cpu_ms * 1000u,
                                                              sbx_online_cpus(), CPU_CHECK_MS)
                                          : now + STATS_CHECK_MS;
        }
}

static int poll_timeout(struct job *j, uint64_t now)
{
        uint64_t until = now + STATUS_EVERY_MS;
        bool limits = !j->exited && j->stop == SBX_STOP_NONE;
        uint64_t wall_end = j->start_ms + j->spec->policy->limits.wall_ms;

        if (limits && wall_end < until)
                until = wall_end;
        if (limits && j->next_cpu_ms < until)
                until = j->next_cpu_ms;
        if (!j->exited && j->next_status_ms < until)
                until = j->next_status_ms;
        if (j->exited && j->drain_until < until)
                until = j->drain_until;
        return until <= now ? 0 : (int)(until - now);
}

/* The job's cancel fd (its hang-up) and its sandbox's stop fd (readable), watched until the job
 * is being stopped. */
static struct pollfd cancel_poll(const struct job *j)
{
        bool on = j->spec->cancel_fd > 0 && j->stop == SBX_STOP_NONE;

        return (struct pollfd){.fd = on ? j->spec->cancel_fd : -1, .events = POLLRDHUP};
}

static struct pollfd stop_poll(const struct job *j)
{
        bool on = j->spec->stop_fd > 0 && j->stop == SBX_STOP_NONE;

        return (struct pollfd){.fd = on ? j->spec->stop_fd : -1, .events = POLLIN};
}

static void cancelled(struct job *j, const struct pollfd *cancel, const struct pollfd *stop)
{
        j->sandbox_stopped |= stop->revents != 0;
        if ((cancel->revents & (POLLRDHUP | POLLHUP | POLLERR)) || stop->revents)
                stop_job(j, SBX_STOP_CANCEL);
}

static int wait_once(struct job *j, struct sbx_error **err)
{
        struct pollfd p[] = {
            {.fd = j->eof ? -1 : sbx_docker_conn_fd(j->conn),
             .events = (short)(POLLIN | (j->stdin_done ? 0 : POLLOUT))},
            {.fd = j->exited ? -1 : j->pidfd, .events = POLLIN},
            /* The caller hung up (a server's client left, or the server is stopping). */
            cancel_poll(j),
            stop_poll(j),
        };
        uint64_t now = sbx_now_ms();
        int timeout = sbx_docker_conn_pending(j->conn) ? 0 : poll_timeout(j, now);
        int r;

        if (poll(p, ELEMENTSOF(p), timeout) < 0 && errno != EINTR)
                return sbx_error_set(err, errno, "poll: %m");
        cancelled(j, &p[2], &p[3]);
        if ((p[0].revents & POLLOUT) && !j->stdin_done)
                write_stdin(j);
        if ((p[0].revents & (POLLIN | POLLHUP | POLLERR)) || sbx_docker_conn_pending(j->conn))
                if ((r = read_stream(j, err)) < 0)
                        return r;
        now = sbx_now_ms();
        if (p[1].revents || (!j->exited && now >= j->next_status_ms))
                if ((r = check_status(j, now, err)) < 0)
                        return r;
        if (!j->exited && j->stop == SBX_STOP_NONE)
                check_limits(j, now);
        return 0;
}

static int supervise(struct job *j, struct sbx_error **err)
{
        int r;

        if (j->spec->stdin_size == 0)
                write_stdin(j);
        while (!j->eof || !j->exited) {
                if ((r = wait_once(j, err)) < 0)
                        return r;
                if (j->exited && j->drain_until == 0) {
                        /* The program is gone; what it left behind holds the stream open. */
                        j->drain_until = sbx_now_ms() + DRAIN_MS;
                        if (!j->eof)
                                stop_job(j, SBX_STOP_NONE);
                }
                if (j->exited && !j->eof && sbx_now_ms() >= j->drain_until)
                        break;
        }
        return 0;
}

/* ---- through the agent -------------------------------------------------------------------- */

static void sample_before(struct job *j);

static void close_fd(int *fd)
{
        sbx_closep(fd);
        *fd = -1;
}

/* A write to the job's stdin that raises no SIGPIPE when the job closed it: the signal is
 * blocked in this thread for the write, and one it raised is taken back. */
static ssize_t write_pipe(int fd, const void *buf, size_t n)
{
        sigset_t pipe_set, old;
        ssize_t w;
        int e;

        sigemptyset(&pipe_set);
        sigaddset(&pipe_set, SIGPIPE);
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        w = write(fd, buf, n);
        e = errno;
        if (w < 0 && e == EPIPE)
                (void)sigtimedwait(&pipe_set, NULL, &(struct timespec){0});
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        errno = e;
        return w;
}

static void agent_stdin(struct job *j)
{
        size_t left = j->spec->stdin_size - j->stdin_off;
        ssize_t n = left ? write_pipe(j->in_fd, j->spec->stdin_data + j->stdin_off, left) : 0;

        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return;
        if (n > 0)
                j->stdin_off += (size_t)n;
        if (n > 0 && j->stdin_off < j->spec->stdin_size)
                return;
        close_fd(&j->in_fd); /* all sent, or the program stopped reading: EOF on its stdin */
        j->stdin_done = true;
}

/* Everything the pipe holds now, into the capped output. */
static int read_pipe(struct job *j, int *fd, int stream)
{
        char buf[65536];

        for (;;) {
                ssize_t n = read(*fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n <= 0) {
                        close_fd(fd);
                        return 0;
                }
                int r = capture(j, stream, buf, (size_t)n);
                if (r < 0)
                        return r;
        }
}

static int take_reply(struct job *j, struct sbx_error **err)
{
        struct sbx_agent_reply rep;
        int r = sbx_docker_agent_reply(j->agent, &rep);

        close_fd(&j->agent);
        j->exited = true;
        if (r == 0 && rep.error)
                return sbx_error_set(err, rep.error, "the container's agent could not start %s: %s",
                                     j->spec->argv[0], strerror(rep.error));
        if (r == 0 && rep.file_error)
                return sbx_error_set(err, rep.file_error, "copying files into the sandbox: %s",
                                     strerror(rep.file_error));
        if (r < 0) {
                /* The agent died (the OOM killer may take it too): so did the container. */
                j->c->broken = true;
                j->exit_code = 128 + SIGKILL;
                return 0;
        }
        j->rec = (struct record){.valid = true, .status = rep.status, .exec_errno = rep.exec_errno};
        j->exit_code = WIFEXITED(rep.status) ? WEXITSTATUS(rep.status) : 128 + WTERMSIG(rep.status);
        return 0;
}

/* A job is killed by its uid; the agent's child has it only once it dropped root, a moment
 * after the fork: kill again until the agent says the program ended. */
static void rekill(struct job *j, uint64_t now)
{
        if (!j->killed || j->exited)
                return;
        if (j->next_status_ms != UINT64_MAX && now >= j->next_status_ms)
                (void)sbx_docker_container_kill_jobs(j->e, j->c);
        if (j->next_status_ms == UINT64_MAX || now >= j->next_status_ms)
                j->next_status_ms = now + REKILL_MS;
}

static int agent_wait_once(struct job *j, struct sbx_error **err)
{
        struct pollfd p[] = {
            {.fd = j->out_fd, .events = POLLIN},
            {.fd = j->err_fd, .events = POLLIN},
            {.fd = j->in_fd, .events = POLLOUT},
            {.fd = j->agent, .events = POLLIN},
            cancel_poll(j),
            stop_poll(j),
        };
        int r = 0;

        if (poll(p, ELEMENTSOF(p), poll_timeout(j, sbx_now_ms())) < 0 && errno != EINTR)
                return sbx_error_set(err, errno, "poll: %m");
        cancelled(j, &p[4], &p[5]);
        if (p[2].revents)
                agent_stdin(j);
        if (p[0].revents && (r = read_pipe(j, &j->out_fd, SBX_DOCKER_STDOUT)) < 0)
                return r;
        if (p[1].revents && (r = read_pipe(j, &j->err_fd, SBX_DOCKER_STDERR)) < 0)
                return r;
        if (p[3].revents && (r = take_reply(j, err)) < 0)
                return r;
        if (!j->exited && j->stop == SBX_STOP_NONE)
                check_limits(j, sbx_now_ms());
        rekill(j, sbx_now_ms());
        return 0;
}

static int agent_supervise(struct job *j, struct sbx_error **err)
{
        int r;

        if (j->spec->stdin_size == 0)
                agent_stdin(j);
        while (!j->exited || j->out_fd >= 0 || j->err_fd >= 0) {
                if ((r = agent_wait_once(j, err)) < 0)
                        return r;
                if (j->exited && j->drain_until == 0) {
                        close_fd(&j->in_fd);
                        /* The program is gone; what it left behind holds its streams open. */
                        j->drain_until = sbx_now_ms() + DRAIN_MS;
                        if (j->out_fd >= 0 || j->err_fd >= 0)
                                stop_job(j, SBX_STOP_NONE);
                }
                if (j->exited && sbx_now_ms() >= j->drain_until)
                        break;
        }
        j->eof = j->out_fd < 0 && j->err_fd < 0;
        return 0;
}

/* The job's streams: pipes whose far ends go to the agent; ours do not block. */
static int job_pipes(struct job *j, int far[3], struct sbx_error **err)
{
        int p[3][2];

        for (int i = 0; i < 3; i++)
                if (pipe2(p[i], O_CLOEXEC) < 0) {
                        int e = errno;
                        for (int k = 0; k < i; k++)
                                close(p[k][0]), close(p[k][1]);
                        return sbx_error_set(err, e, "pipe: %m");
                }
        j->in_fd = p[0][1];
        j->out_fd = p[1][0];
        j->err_fd = p[2][0];
        far[0] = p[0][0];
        far[1] = p[1][1];
        far[2] = p[2][1];
        for (int i = 0; i < 3; i++)
                (void)fcntl(i ? p[i][0] : p[0][1], F_SETFL, O_NONBLOCK);
        return 0;
}

/* When the agent did not take the job (nothing started), run it as an exec: AGENT_TOO_BIG for a
 * request too large for it, AGENT_GONE when it does not answer. */
enum { AGENT_GONE = 1, AGENT_TOO_BIG };

static int agent_job(struct job *j, struct sbx_error **err)
{
        int far[3], r = job_pipes(j, far, err);

        if (r < 0)
                return r;
        sample_before(j);
        j->start_ms = sbx_now_ms();
        j->next_status_ms = UINT64_MAX;
        j->agent = sbx_docker_agent_send(j->c->agent_dir, j->c->dirs, j->spec, j->agent_files,
                                         SBX_DOCKER_WORKDIR, j->c->uid, far);
        for (int i = 0; i < 3; i++)
                close(far[i]);
        if (j->agent < 0) {
                close_fd(&j->in_fd);
                close_fd(&j->out_fd);
                close_fd(&j->err_fd);
                return j->agent == -E2BIG ? AGENT_TOO_BIG : AGENT_GONE;
        }
        j->via_agent = true;
        return agent_supervise(j, err);
}

/* ---- the verdict -------------------------------------------------------------------------- */

/* The engine reports a signal death as 128 + signal, as shells do: without the waiter's record
 * that is all there is to go by. */
static int wait_status(int code)
{
        return code > 128 && code <= 128 + 64 ? W_EXITCODE(0, code - 128) : W_EXITCODE(code, 0);
}

/* "<wait status> <exec errno>\n" */
static bool parse_record(char *s, struct record *rec)
{
        size_t n = strlen(s);
        char *sp = strchr(s, ' ');
        uint64_t status, e;

        if (n == 0 || s[n - 1] != '\n' || !sp)
                return false;
        s[n - 1] = '\0';
        *sp = '\0';
        if (sbx_parse_u64(s, &status) < 0 || status > 0xffff || sbx_parse_u64(sp + 1, &e) < 0 ||
            e > 4095)
                return false;
        rec->status = (int)status;
        rec->exec_errno = (int)e;
        return true;
}

/* Take the record off the container's volume (read from the host; none when the volume is not
 * visible from here). It counts only when it agrees with the exit code the engine saw: a job can
 * write it too, but not make it disagree with how the waiter ended. */
static struct record take_record(struct job *j)
{
        struct record rec = {0};
        _cleanup_close_ int dfd = -1, fd = -1;
        _cleanup_free_ char *s = NULL;
        struct stat st;

        if (!j->c->waiter_source || !j->exited)
                return rec;
        dfd = open(j->c->waiter_source, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        fd = dfd < 0 ? -1 : openat(dfd, "exit", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (dfd >= 0)
                (void)unlinkat(dfd, "exit", 0); /* never read twice */
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
            sbx_read_fd(fd, 64, &s, NULL) < 0 || !parse_record(s, &rec))
                return rec;
        rec.valid = (WIFEXITED(rec.status)     ? WEXITSTATUS(rec.status)
                     : WIFSIGNALED(rec.status) ? 128 + WTERMSIG(rec.status)
                                               : -1) == j->exit_code;
        return rec;
}

/* Whether the memory limit stopped the job: its OOM killer fired, or an allocation failed at
 * the limit (as the native jail reads its cgroup). */
struct oom {
        bool killed;
        bool hit;
};

static void judge(struct job *j, const struct oom *oom, struct sbx_result *r)
{
        struct record rec = j->via_agent ? j->rec : take_record(j);
        struct sbx_ending e = {
            .stop = j->stop,
            .oom_killed = oom->killed,
            .memory_oom = oom->hit,
            .exited = j->exited,
            .status = rec.valid ? rec.status : wait_status(j->exit_code),
        };

        sbx_judge(&e, &j->spec->policy->limits, r);
        if (j->sandbox_stopped && j->stop == SBX_STOP_CANCEL)
                sbx_result_set_message(r, "cancelled: the sandbox was stopped");
        if (rec.valid && rec.exec_errno && r->verdict == SBX_VERDICT_RUNTIME_ERROR)
                sbx_result_set_message(r, "cannot execute %s: %s", j->spec->argv[0],
                                       strerror(rec.exec_errno));
        else if ((j->exit_code == 126 || j->exit_code == 127) &&
                 r->verdict == SBX_VERDICT_RUNTIME_ERROR && j->out.out.data &&
                 strstr(j->out.out.data, "exec failed"))
                sbx_result_set_message(r, "%s", j->out.out.data);
}

/* ---- entry -------------------------------------------------------------------------------- */

static void sample_before(struct job *j)
{
        if (j->c->cg) {
                sbx_docker_cgroup_reset_peak(j->c->cg);
                j->have_before = sbx_docker_cgroup_sample(j->c->cg, &j->before) == 0;
        } else {
                j->have_before = container_stats(j, &j->stats_before) == 0;
        }
}

/* The engine flags a container whose cgroup hit the OOM killer (since its last start). */
static bool container_oom_killed(struct job *j)
{
        _cleanup_free_ char *path = sbx_strdup_printf("/containers/%s/json", j->c->id);
        struct sbx_docker_container_state st;
        struct sbx_docker_response resp;
        struct sbx_error *err = NULL;
        bool oom = false;

        if (!path || sbx_docker_request(j->e, "GET", path, NULL, NULL, 0, SBX_DOCKER_BODY_MAX,
                                        REQ_TIMEOUT, &resp, &err) < 0) {
                sbx_error_free(err);
                return false;
        }
        if (sbx_docker_parse_container_state(resp.body, resp.size, &st) == 0) {
                oom = st.oom_killed;
                sbx_docker_container_state_clear(&st);
        }
        sbx_docker_response_clear(&resp);
        return oom;
}

/* CPU, peak memory and OOM events of this job, from the cgroup or else the stats endpoint. */
static struct oom sample_after(struct job *j, struct sbx_result *r)
{
        struct sbx_docker_cgroup_sample s;
        struct sbx_docker_stats st;
        struct oom oom = {0};

        if (j->c->cg && j->have_before && sbx_docker_cgroup_sample(j->c->cg, &s) == 0) {
                r->cpu_ms = (s.cpu_usec - j->before.cpu_usec) / 1000u;
                r->peak_memory_bytes = s.peak_memory_bytes;
                oom.killed = s.oom_kills > j->before.oom_kills;
                oom.hit = oom.killed || s.ooms > j->before.ooms;
        } else if (!j->c->cg && container_stats(j, &st) == 0) {
                uint64_t cpu0 = j->have_before ? j->stats_before.cpu_usec : 0;
                r->cpu_ms = st.cpu_usec > cpu0 ? (st.cpu_usec - cpu0) / 1000u : 0;
                r->peak_memory_bytes = st.max_usage_bytes;
                oom.killed = oom.hit = j->exit_code == 128 + SIGKILL && container_oom_killed(j);
        }
        return oom;
}

/* The exit code once the engine recorded it (it may lag the end of the stream). */
static int final_status(struct job *j, struct sbx_error **err)
{
        uint64_t until = sbx_now_ms() + EXIT_WAIT_MS, step = 1;
        struct sbx_docker_exec_state st;

        while (!j->exited) {
                int r = exec_inspect(j, &st, err);
                if (r < 0)
                        return r;
                if (st.ended) {
                        j->exited = true;
                        j->exit_code = st.exit_code;
                        break;
                }
                if (sbx_now_ms() >= until) {
                        stop_job(j, SBX_STOP_NONE);
                        until = UINT64_MAX;
                }
                nanosleep(&(struct timespec){.tv_nsec = (long)step * 1000000}, NULL);
                step = step < 32 ? step * 2 : step;
        }
        return 0;
}

static void job_release(struct job *j)
{
        free(j->exec_id);
        sbx_docker_conn_free(j->conn);
        sbx_closep(&j->pidfd);
        sbx_closep(&j->agent);
        sbx_closep(&j->in_fd);
        sbx_closep(&j->out_fd);
        sbx_closep(&j->err_fd);
        free(j->out.out.data);
        free(j->err.out.data);
}

/* Exec create, hijacked start, and the engine's word on how it ended. */
static int exec_job(struct job *j, struct sbx_error **err)
{
        _cleanup_free_ char *path = NULL;
        int r;

        r = exec_create(j, err);
        if (r < 0)
                return r;
        path = sbx_strdup_printf("/exec/%s/start", j->exec_id);
        if (!path)
                return sbx_error_set(err, ENOMEM, "out of memory");
        sample_before(j);
        j->start_ms = sbx_now_ms();
        j->next_status_ms = j->start_ms + STATUS_FIRST_MS;
        r = sbx_docker_hijack(j->e, path, "{\"Detach\":false,\"Tty\":false}", &j->conn, err);
        if (r < 0)
                return sbx_error_prefix(err, "starting the exec");
        r = supervise(j, err);
        return r < 0 ? r : final_status(j, err);
}

static int run_job(struct job *j, struct sbx_result *res, struct sbx_error **err)
{
        struct oom oom;
        int r = AGENT_GONE;

        if (j->c->agent)
                r = agent_job(j, err);
        if (r == AGENT_GONE)
                j->c->agent = false; /* not listening after all: an exec */
        if (r > 0) {
                r = j->agent_files ? sbx_docker_container_put_files(j->e, j->c, j->spec->files,
                                                                    j->spec->n_files, err)
                                   : 0;
                if (r == 0)
                        r = exec_job(j, err);
        }
        res->wall_ms = sbx_now_ms() - j->start_ms;
        if (r < 0)
                return r;
        oom = sample_after(j, res);
        /* Nothing of the job may outlive it: background processes die with it. Without the
         * cgroup that means killing the container, so only when something held the stream. */
        if (!j->c->broken &&
            (j->c->cg ? sbx_docker_cgroup_count_uid(j->c->cg, j->c->uid) != 0 : !j->eof))
                (void)sbx_docker_container_kill_jobs(j->e, j->c);
        judge(j, &oom, res);
        return 0;
}

int sbx_docker_exec_run(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                        const struct sbx_spec *spec, struct sbx_result *res, struct sbx_error **err)
{
        const uint64_t cap = spec->policy->limits.output_bytes;
        struct job j = {
            .e = e,
            .c = c,
            .spec = spec,
            .pidfd = -1,
            .agent = -1,
            .in_fd = -1,
            .out_fd = -1,
            .err_fd = -1,
            .out = {.cap = cap},
            .err = {.cap = cap},
        };
        int r;

        res->backend = "docker";
        /* Small files go with an agent's job, written by the job's user before its exec. */
        j.agent_files = sbx_docker_container_agent(c) && spec->n_files > 0 &&
                        sbx_docker_agent_takes_files(spec, c->dirs);
        if (spec->n_files > 0 && !j.agent_files &&
            (r = sbx_docker_container_put_files(e, c, spec->files, spec->n_files, err)) < 0)
                return r;
        r = run_job(&j, res, err);
        if (r == 0) {
                res->out = j.out.out;
                res->err = j.err.out;
                j.out.out = j.err.out = (struct sbx_output){0};
                if (!res->out.data)
                        res->out.data = strdup("");
                if (!res->err.data)
                        res->err.data = strdup("");
        }
        job_release(&j);
        return r;
}
