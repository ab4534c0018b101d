/* The zygote's side (see zygote.h): this file is built into a small library the zygote's
 * bootstrap (zygote.py) loads with ctypes. The zygote itself only ever runs this loop: it reads
 * fixed-size requests from supervisors, clones, and answers. It never reads a job's spec or any
 * byte a job wrote, so nothing of one job is in its memory when it forks the next. */
#include "zygote.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jail.h"
#include "seccomp.h"
#include "util.h"
#include "wire.h"

extern char **environ;

/* The job buffer handed to the bootstrap (one per process: the payload's). */
static char *job_buf;
/* Where the zygote's python3 was found (a job may name it so, or "python3"). */
static const char *zygote_python;

/* Environment variables the interpreter reads while it starts (or whose value its start-up
 * work depends on: HOME for the user site, PATH for sys.executable, the locale for the
 * streams' encodings). A job may only start warm with the very values the zygote started with. */
static bool startup_key(const char *kv)
{
        static const char *const keys[] = {"PATH=", "HOME=", "LANG=", "LANGUAGE=", "TZ="};

        if (!strncmp(kv, "PYTHON", 6) || !strncmp(kv, "LC_", 3))
                return true;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (!strncmp(kv, keys[i], strlen(keys[i])))
                        return true;
        return false;
}

static bool has_entry(const char *const *v, const char *kv)
{
        for (; v && *v; v++)
                if (!strcmp(*v, kv))
                        return true;
        return false;
}

/* Both have the same start-up entries. */
static bool same_startup_env(const char *const *a, const char *const *b)
{
        for (const char *const *p = a; p && *p; p++)
                if (startup_key(*p) && !has_entry(b, *p))
                        return false;
        for (const char *const *p = b; p && *p; p++)
                if (startup_key(*p) && !has_entry(a, *p))
                        return false;
        return true;
}

/* What the zygote gives a job exactly as `python3 FILE.py ARGS` would: that command line
 * (python3 as the zygote was found, no interpreter option), a regular source file, the zygote's
 * start-up environment, and no user site directory in the jail (HOME/.local, read at start-up:
 * the job's files or, in a sandbox, what its earlier jobs left). Anything else runs cold.
 * Called in the payload, inside the jail, once the job's files are in place. */
static bool warm_fits(const struct sbx_spec *spec)
{
        const char *const *argv = spec->argv;
        const char *home = getenv("HOME"); /* the zygote's, which the job's must equal */
        char path[PATH_MAX];
        struct stat st;

        if (spec->policy->warm != SBX_WARM_ON || !sbx_zygote_command(argv, zygote_python) ||
            !home || !same_startup_env(spec->env, (const char *const *)environ))
                return false;
        snprintf(path, sizeof(path), "%s/.local", home);
        if (lstat(path, &st) == 0 || errno != ENOENT)
                return false;
        if (argv[1][0] == '/')
                snprintf(path, sizeof(path), "%s", argv[1]);
        else
                snprintf(path, sizeof(path), SBX_JAIL_WORKDIR "/%s", argv[1]);
        return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *put(char *at, const char *s)
{
        size_t n = strlen(s) + 1;

        memcpy(at, s, n);
        return at + n;
}

/* "argc\0argv[0]\0...env[0]\0...": what the bootstrap needs of the job. */
static const char *pack_job(const struct sbx_spec *spec, size_t *len)
{
        char argc[24];
        size_t n = 0, count = 0;

        for (const char *const *p = spec->argv; *p; p++, count++)
                n += strlen(*p) + 1;
        for (const char *const *p = spec->env; *p; p++)
                n += strlen(*p) + 1;
        snprintf(argc, sizeof(argc), "%zu", count);
        char *at = job_buf = malloc(n + sizeof(argc));
        if (!job_buf)
                _exit(127);
        at = put(at, argc);
        for (const char *const *p = spec->argv; *p; p++)
                at = put(at, *p);
        for (const char *const *p = spec->env; *p; p++)
                at = put(at, *p);
        *len = (size_t)(at - job_buf);
        return job_buf;
}

/* The kernel shows a process's command line (/proc/PID/cmdline, ps) and environment from the
 * memory its execve left them in: the zygote's. A warm job's are put in a buffer of the payload
 * and the kernel pointed there with PR_SET_MM_MAP, which needs the capabilities the payload
 * still has in the jail's user namespace when its job arrives. The other fields must be given
 * as they are: /proc/self/stat has them. Best effort: on failure the zygote's stay. */
static char *put_strv(char *at, const char *const *v)
{
        for (; *v; v++)
                at = put(at, *v);
        return at;
}

static size_t strv_bytes(const char *const *v)
{
        size_t n = 0;

        for (; *v; v++)
                n += strlen(*v) + 1;
        return n;
}

/* The memory layout in /proc/self/stat: f[i] is field i of proc(5), for 26-28 (startcode,
 * endcode, startstack) and 45-51 (start_data, end_data, start_brk, arg_start, arg_end,
 * env_start, env_end). */
static bool read_stat_fields(uint64_t f[52])
{
        char buf[1024], *p, *field;
        _cleanup_close_ int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
        ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
        int i = 3;

        if (n <= 0 || !(p = strrchr((buf[n] = '\0', buf), ')')))
                return false;
        /* After "pid (comm) ": field 3 on; those we need are unsigned (others may be -1). */
        for (p += 2; i <= 51 && (field = strsep(&p, " ")); i++)
                if (((i >= 26 && i <= 28) || (i >= 45 && i <= 51)) &&
                    sbx_parse_u64(field, &f[i]) < 0)
                        return false;
        return i > 51;
}

static bool read_mm_fields(struct prctl_mm_map *m)
{
        uint64_t f[52] = {0};

        if (!read_stat_fields(f))
                return false;
        *m = (struct prctl_mm_map){
            .start_code = f[26],
            .end_code = f[27],
            .start_stack = f[28],
            .start_data = f[45],
            .end_data = f[46],
            .start_brk = f[47],
            .brk = (uint64_t)(uintptr_t)sbrk(0),
            .exe_fd = (uint32_t)-1,
        };
        return true;
}

static void show_job(const struct sbx_spec *spec)
{
        struct prctl_mm_map m;
        size_t args = strv_bytes(spec->argv), env = strv_bytes(spec->env);
        char *buf = malloc(args + env + 1); /* never freed: the payload's for its life */

        if (!buf || !read_mm_fields(&m)) {
                free(buf);
                return;
        }
        char *at = put_strv(buf, spec->argv);
        put_strv(at, spec->env);
        m.arg_start = (uint64_t)(uintptr_t)buf;
        m.arg_end = m.env_start = (uint64_t)(uintptr_t)at;
        m.env_end = (uint64_t)(uintptr_t)(at + env);
        if (env == 0) /* the kernel wants env_start < env_end */
                buf[args] = '\0', m.env_end++;
        (void)prctl(PR_SET_MM, PR_SET_MM_MAP, &m, sizeof(m), 0);
}

/* The zygote's command line, python3 -c BOOTSTRAP LIB PYTHON3, is what ps shows for it and for
 * every jail's init (a copy of it) until its job: the bootstrap's 6 KB of source each time.
 * Python keeps copies of its arguments, so the label below replaces the bootstrap where execve
 * left it, the arguments after it move up and the rest is zeroed (as setproctitle does). */
static void label_command_line(void)
{
        static const char label[] = "<sandboxrt zygote>";
        uint64_t f[52] = {0};
        char *end, *code, *rest;

        if (!read_stat_fields(f) || f[49] <= f[48])
                return;
        code = (char *)(uintptr_t)f[48];
        end = (char *)(uintptr_t)f[49];
        for (int i = 0; i < 2 && code; i++) /* past python3 and -c */
                if ((code = memchr(code, '\0', (size_t)(end - code))))
                        code++;
        rest = code ? memchr(code, '\0', (size_t)(end - code)) : NULL;
        if (!rest || (size_t)(rest - code) < sizeof(label) - 1)
                return;
        rest++;
        memcpy(code, label, sizeof(label));
        memmove(code + sizeof(label), rest, (size_t)(end - rest));
        code += sizeof(label) + (size_t)(end - rest);
        memset(code, 0, (size_t)(end - code));
}

/* The interpreter's signal dispositions that are not the default (its SIGINT handler, SIGPIPE
 * and SIGXFSZ ignored), read once before the first jail: the jail's init runs with the defaults
 * a cold init has, the payload gets them back. */
static struct sigaction python_signals[_NSIG];
static bool python_sets[_NSIG];

static void save_signals(void)
{
        for (int sig = 1; sig < _NSIG; sig++)
                python_sets[sig] = sigaction(sig, NULL, &python_signals[sig]) == 0 &&
                                   python_signals[sig].sa_handler != SIG_DFL;
}

static void reset_signals(void)
{
        struct sigaction dfl = {.sa_handler = SIG_DFL};

        /* A cold init is a supervisor's child: SIGPIPE ignored, the rest default. */
        for (int sig = 1; sig < _NSIG; sig++)
                if (python_sets[sig] && sig != SIGPIPE)
                        (void)sigaction(sig, &dfl, NULL);
}

static void restore_signals(void)
{
        for (int sig = 1; sig < _NSIG; sig++)
                if (python_sets[sig])
                        (void)sigaction(sig, &python_signals[sig], NULL);
}

/* The payload's jail (jail.c), kept for sbx_zygote_job, and whether its job runs warm. */
static struct sbx_jail_config payload_cfg;
static bool job_is_warm;

/* The payload's job has come (jail.c: job_arrived), its capabilities not dropped yet. */
static void job_arrived(const struct sbx_spec *spec)
{
        job_is_warm = warm_fits(spec);
        if (job_is_warm)
                show_job(spec);
}

/* The job, in a payload sbx_zygote_serve returned in: confines it as a cold payload is, and
 * returns the job for the bootstrap to run; a job the zygote cannot give runs cold (exec) from
 * the same jail. */
__attribute__((visibility("default"))) const char *sbx_zygote_job(size_t *len)
{
        const struct sbx_spec *spec = sbx_jail_payload(&payload_cfg);

        if (!job_is_warm)
                sbx_jail_exec(spec);
        const char *job = pack_job(spec, len);
        /* A cold payload's exec closes the status pipe and the rest (close-on-exec): without
         * exec, close them here, or the program could write records of its own. */
        syscall(SYS_close_range, 3, ~0U, 0);
        restore_signals();
        /* The init made itself undumpable (jail.c); a cold payload's execve makes it dumpable
         * again, with /proc/self its own. */
        (void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
        return job;
}

static int fd_of(const struct sbx_zygote_request *req, const int *got, enum sbx_zygote_fd which)
{
        int k = 0;

        if (!(req->fd_mask & (1u << which)))
                return -1;
        for (int i = 0; i < (int)which; i++)
                if (req->fd_mask & (1u << i))
                        k++;
        return got[k];
}

/* Clone the jail's init for req (in the lent network namespace, if any, like a supervisor
 * does; netns_home brings us back). Returns its pid, 0 in the child, -errno. */
static pid_t clone_for(const struct sbx_zygote_request *req, const int *got, int netns_home,
                       struct sbx_jail_config *cfg, int *refused)
{
        int netns = fd_of(req, got, SBX_ZFD_NETNS);

        *cfg = (struct sbx_jail_config){
            .stdin_fd = fd_of(req, got, SBX_ZFD_STDIN),
            .stdout_fd = fd_of(req, got, SBX_ZFD_STDOUT),
            .stderr_fd = fd_of(req, got, SBX_ZFD_STDERR),
            .status_fd = fd_of(req, got, SBX_ZFD_STATUS),
            .go_fd = fd_of(req, got, SBX_ZFD_GO),
            .workdir_fd = fd_of(req, got, SBX_ZFD_WORKDIR),
            .devices_fd = fd_of(req, got, SBX_ZFD_DEVICES),
            .rlimit_memory = req->rlimit_memory,
            .rlimit_nproc = req->rlimit_nproc,
        };
        if (cfg->stdin_fd < 0 || cfg->stdout_fd < 0 || cfg->stderr_fd < 0 || cfg->status_fd < 0 ||
            cfg->go_fd < 0)
                return -EBADF;
        if (netns >= 0 && setns(netns, CLONE_NEWNET) < 0)
                return -errno;
        pid_t pid = sbx_jail_clone(req->flags, req->uid, req->gid, req->privileged,
                                   fd_of(req, got, SBX_ZFD_CGROUP), refused);
        int e = errno;
        if (pid != 0 && netns >= 0 && setns(netns_home, CLONE_NEWNET) < 0)
                _exit(1); /* never clone a jail from the wrong namespace */
        if (pid == 0)
                signal(SIGCHLD, SIG_DFL); /* ours reaps automatically; init must wait */
        return pid < 0 ? -e : pid;
}

/* A supervisor that stopped waiting for us (zygote.c: ANSWER_MS) cloned its jail itself. */
static bool still_waiting(int reply_fd)
{
        struct pollfd p = {.fd = reply_fd, .events = POLLOUT};

        return reply_fd >= 0 && poll(&p, 1, 0) >= 0 && !(p.revents & (POLLHUP | POLLERR));
}

static void answer(int reply_fd, pid_t pid, int error, int refused)
{
        struct sbx_zygote_reply r = {.error = error, .pid = pid, .refused = refused};
        _cleanup_close_ int pidfd = pid > 0 ? (int)syscall(SYS_pidfd_open, pid, 0) : -1;

        if (pid > 0 && pidfd < 0) {
                kill(pid, SIGKILL); /* nobody could watch it */
                r.error = errno;
        }
        (void)sbx_wire_send_fds(reply_fd, &r, sizeof(r), &pidfd, pidfd >= 0 ? 1 : 0);
}

/* The zygote's loop. Returns in a payload only, before its job: the bootstrap makes its copy of
 * the interpreter ready, then asks for the job (sbx_zygote_job). */
__attribute__((visibility("default"))) void sbx_zygote_serve(int sock, const char *python)
{
        struct sbx_seccomp *filter = NULL;
        /* A copy: the caller's string is gone once we return in a payload. */
        if (!(zygote_python = strdup(python)))
                _exit(1);
        int netns_home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

        /* The same filter a supervisor's jail loads: the same code compiles it. */
        if (sbx_seccomp_compile(&filter, NULL) < 0 || netns_home < 0)
                _exit(1);
        label_command_line();
        save_signals();
        signal(SIGCHLD, SIG_IGN); /* inits are reaped by the kernel; supervisors watch pidfds */
        /* Start-up left free chunks in malloc's bins all over the heap, which the first mallocs of
         * every init forked from here would merge, and so copy, a page at a time: merge them once,
         * here (HumanEval: an init's copy-on-write faults in the heap went from 59 to 42). */
        malloc_trim(0);
        for (;;) {
                struct sbx_zygote_request req;
                int got[_SBX_ZFD_MAX];
                struct sbx_jail_config cfg;
                int refused = 0;

                int r = sbx_wire_recv_fdv(sock, &req, sizeof(req), got, _SBX_ZFD_MAX);
                if (r == -EPIPE || r == -ECONNRESET)
                        _exit(0); /* the launcher and its supervisors are gone */
                int reply = r == 0 ? fd_of(&req, got, SBX_ZFD_REPLY) : -1;
                if (r == 0 && req.magic == SBX_ZYGOTE_MAGIC && still_waiting(reply)) {
                        pid_t pid = clone_for(&req, got, netns_home, &cfg, &refused);
                        if (pid == 0) {
                                cfg.seccomp = filter;
                                cfg.job_arrived = job_arrived;
                                payload_cfg = cfg;
                                reset_signals();
                                sbx_jail_enter(&payload_cfg);
                                return;
                        }
                        answer(reply, pid, pid < 0 ? (int)-pid : 0, refused);
                }
                for (int i = 0; i < _SBX_ZFD_MAX; i++)
                        sbx_closep(&got[i]);
        }
}
