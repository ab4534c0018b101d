/* sandboxrt public API: run untrusted programs under a policy and get one result back.
 *
 * Conventions (see docs/style.md):
 *  - fallible functions return 0 on success and a negative errno on failure, and then fill
 *    *err with a message (the caller frees it with sbx_error_free);
 *  - destructors accept NULL and return NULL;
 *  - structs passed *in* (jobs, files) are owned by the caller and only read during the call;
 *  - structs handed *out* (results, sandboxes, runtimes) are owned by the caller afterwards.
 */
#ifndef SANDBOXRT_H
#define SANDBOXRT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SBX_VERSION "0.1.0"

/* ---- errors ------------------------------------------------------------------------------- */

struct sbx_error {
        int code;      /* positive errno value */
        char *message; /* human-readable, with context prepended as it travels up */
};

/* Set *err (if err is non-NULL and *err is NULL) and return -code. code is a positive errno. */
int sbx_error_set(struct sbx_error **err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prepend "context: " to an existing error's message; returns -(*err)->code (or -EIO). */
int sbx_error_prefix(struct sbx_error **err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
struct sbx_error *sbx_error_free(struct sbx_error *err);

/* ---- verdicts ----------------------------------------------------------------------------- */

enum sbx_verdict {
        SBX_VERDICT_OK,
        SBX_VERDICT_RUNTIME_ERROR,    /* exited with a non-zero status */
        SBX_VERDICT_SIGNALED,         /* killed by a signal not caused by a limit */
        SBX_VERDICT_TIME_LIMIT,       /* wall-clock or CPU time */
        SBX_VERDICT_MEMORY_LIMIT,     /* the memory cgroup OOM-killed it */
        SBX_VERDICT_OUTPUT_LIMIT,     /* stdout/stderr cap or file-size limit */
        SBX_VERDICT_COMPILE_ERROR,    /* the compile step did not end OK */
        SBX_VERDICT_POLICY_VIOLATION, /* killed by seccomp */
        SBX_VERDICT_SANDBOX_ERROR,    /* the sandbox failed, not the program */
        _SBX_VERDICT_MAX,
};

const char *sbx_verdict_to_string(enum sbx_verdict v);
/* Returns the verdict, or -EINVAL for an unknown name. */
int sbx_verdict_from_string(const char *s);

/* ---- policies ----------------------------------------------------------------------------- */

enum sbx_network {
        SBX_NETWORK_NONE,     /* empty network namespace */
        SBX_NETWORK_LOOPBACK, /* own namespace, only lo up */
        SBX_NETWORK_HOST,     /* the host's network: only when a policy says so */
        _SBX_NETWORK_MAX,
};

const char *sbx_network_to_string(enum sbx_network n);
int sbx_network_from_string(const char *s);

/* Every limit the kernel or the supervisor enforces. 0 never means "unlimited" except where
 * noted; policies always set all of them. */
struct sbx_limits {
        uint64_t wall_ms;         /* wall clock, from exec to exit */
        uint64_t cpu_ms;          /* CPU time of the whole process tree */
        uint32_t cpu_millicores;  /* CPU bandwidth: 1000 = one core */
        uint64_t memory_bytes;    /* memory cgroup limit, swap off */
        uint32_t pids;            /* processes + threads */
        uint64_t output_bytes;    /* per stream (stdout, stderr) */
        uint64_t file_size_bytes; /* RLIMIT_FSIZE */
        uint32_t open_files;      /* RLIMIT_NOFILE */
        uint64_t tmpfs_bytes;     /* size of the writable work dir and /tmp (and their inodes:
                                   * see SBX_TMPFS_BYTES_PER_INODE) */
};

/* A sandbox's writable storage holds at most one inode (file, directory, link) per this many
 * bytes of its size: a tree of empty files costs the kernel no more than one of one-page files. */
#define SBX_TMPFS_BYTES_PER_INODE 4096u

/* The limits of struct sbx_limits, as bits (1u << SBX_LIMIT_x) of sbx_result.limits_enforced.
 * Their names are the policy keys ("wall", "cpu", ...). */
enum sbx_limit {
        SBX_LIMIT_WALL,
        SBX_LIMIT_CPU,
        SBX_LIMIT_CPUS,
        SBX_LIMIT_MEMORY,
        SBX_LIMIT_PIDS,
        SBX_LIMIT_OUTPUT,
        SBX_LIMIT_FILE_SIZE,
        SBX_LIMIT_OPEN_FILES,
        SBX_LIMIT_TMPFS,
        _SBX_LIMIT_MAX,
};
#define SBX_LIMITS_ALL ((1u << _SBX_LIMIT_MAX) - 1u)

const char *sbx_limit_to_string(enum sbx_limit l);
int sbx_limit_from_string(const char *s);

/* Whether a Python job may start from a warm interpreter forked into its jail instead of a
 * fresh `python3` (the native backend's zygote: isolation/zygote.c). */
enum sbx_warm {
        SBX_WARM_DEFAULT, /* the policy does not say: the runtime's choice (eval, serve: on) */
        SBX_WARM_OFF,
        SBX_WARM_ON,
        _SBX_WARM_MAX,
};

struct sbx_policy {
        char *name;
        char *description;
        char *path; /* file it came from, NULL when built in */
        struct sbx_limits limits;
        enum sbx_network network;
        /* tool_output (optional, SBX_TOOL_OUTPUT_DEFAULT): the output cap per stream of a
         * server's tool calls (ms-enclave's routes), whose clients expect whole outputs, in place
         * of limits.output. Not a limit of a job: nothing else reads it. */
        uint64_t tool_output_bytes;
        /* writable (optional): more directories its programs may write, besides
         * sbx_writable_dirs, in the same capped storage (limits.tmpfs) and kept by a stateful
         * sandbox like them. Absolute and normalized, as the loader checked them
         * (sbx_policy_writable_check). NULL-terminated; NULL when none. */
        char **writable;
        enum sbx_warm warm; /* optional key "warm: true|false" */
};

#define SBX_TOOL_OUTPUT_DEFAULT (16ull << 20)
/* A policy's writable list: at most this many paths, each at most this long. */
#define SBX_WRITABLE_MAX      8
#define SBX_WRITABLE_PATH_MAX 128

/* ---- ceilings ----------------------------------------------------------------------------- */

/* What a job may ask for when whoever asks is not the operator (a server's client): every limit
 * at most the ceiling policy's, and a network mode no more open than the ceiling's (none, then
 * loopback, then host) unless network changes are allowed. A job or sandbox above its ceiling
 * is refused with -SBX_ECEILING and a message naming the key, the value asked and the ceiling;
 * nothing of it runs. The operator's own steps (the "compile" policy of compiled languages) are
 * not the client's and are not held to it. A ceiling is immutable: one may serve any number of
 * jobs, sandboxes, threads and runtimes (it holds its own copy of the policy). */
struct sbx_ceiling;
struct sbx_runtime;

/* No backend fails with this code, so a server can tell "above the ceiling" (422) from any
 * other failure. */
#define SBX_ECEILING EDOM

/* policy: a name the runtime knows, or a policy file (a path: "./tiny.yaml"); NULL means
 * "default". allow_network: jobs may ask for any network mode. */
int sbx_ceiling_new(struct sbx_runtime *rt, const char *policy, bool allow_network,
                    struct sbx_ceiling **out, struct sbx_error **err);
struct sbx_ceiling *sbx_ceiling_free(struct sbx_ceiling *c);
const struct sbx_policy *sbx_ceiling_policy(const struct sbx_ceiling *c);
bool sbx_ceiling_allows_network(const struct sbx_ceiling *c);
/* A copy of c whose policy has the operator's overrides applied (NULL-terminated "key=value",
 * as in policy files; they are not held to c): for a route whose clients get more of a limit
 * than the ceiling's own value (ms-enclave's tool calls, whose clients expect whole outputs).
 * Jobs that name no policy start from the result and are held to it. 0, or -EINVAL for a bad
 * override, -ENOMEM; *err says why. */
int sbx_ceiling_derive(const struct sbx_ceiling *c, const char *const *overrides,
                       struct sbx_ceiling **out, struct sbx_error **err);

/* ---- jobs --------------------------------------------------------------------------------- */

/* A file placed in the sandbox before the job runs. A relative path is relative to the job's
 * working directory; an absolute path must lie in one of the job's writable directories
 * (sbx_writable_dirs_of its policy). */
struct sbx_file {
        const char *path;
        const void *data;
        size_t size;
        mode_t mode; /* permission bits; 0 means 0644 */
};

struct sbx_job {
        /* Either argv (NULL-terminated; argv[0] is looked up in the sandbox's PATH) ... */
        const char *const *argv;
        /* ... or a language and its source: the source is written to the language's main
         * file name and compiled first when the language needs it. */
        const char *language;
        const char *source;
        size_t source_size;

        const struct sbx_file *files; /* extra files */
        size_t n_files;

        const void *stdin_data; /* fed to the program's stdin; NULL = empty */
        size_t stdin_size;

        /* A socket or pipe whose hang-up (its peer closed it) cancels the job, e.g. a server's
         * client connection; 0 means none (fd 0 is never one). Native and Docker backends. */
        int cancel_fd;

        const char *policy;        /* policy name; NULL = "default", or the ceiling's policy
                                    * when a ceiling applies */
        const char *const *limits; /* NULL-terminated "key=value" overrides, as in
                                    * policy files and --limit ("wall=2s") */
        const char *const *env;    /* NULL-terminated extra "KEY=VALUE" */
        /* The ceiling the job is held to (policy and limits together); NULL = its sandbox's,
         * else the runtime's (sbx_runtime_options.ceiling), else none: the operator's job. */
        const struct sbx_ceiling *ceiling;
};

/* ---- results ------------------------------------------------------------------------------ */

struct sbx_output {
        char *data; /* NUL-terminated for convenience; may hold NULs */
        size_t size;
        bool truncated;
};

struct sbx_result {
        enum sbx_verdict verdict;
        int exit_code; /* -1 when killed by a signal */
        int signal;    /* 0 unless killed by a signal */
        uint64_t wall_ms;
        uint64_t cpu_ms;
        uint64_t peak_memory_bytes;
        /* SANDBOX_ERROR because the backend failed: what failed, as an errno (the remote
         * backend: ECONNREFUSED, ECONNRESET, ETIMEDOUT, EHOSTUNREACH, EREMOTEIO for an HTTP
         * 5xx, ENOENT for a sandbox gone with its server). 0 otherwise. */
        int error;
        struct sbx_output out;      /* stdout */
        struct sbx_output err;      /* stderr */
        char *message;              /* why: the limit hit, the sandbox failure; or NULL */
        const char *backend;        /* static string: "native", "docker", ... */
        struct sbx_result *compile; /* the compile step, for compiled languages; or NULL */
        /* Bits 1u << SBX_LIMIT_x: the limits the backend enforced for the whole job (the
         * native jail without cgroups enforces some per process only, others not at all); 0
         * when unknown (a server that does not say). */
        uint32_t limits_enforced;
        /* The native backend: how the job's processes got into its cgroup, one line for
         * --verbose and benchmarks ("born in its cgroup (CLONE_INTO_CGROUP, ...)" or "moved into
         * its cgroup (...)", with the reason); NULL without a job cgroup or another backend. */
        char *cgroup_entry;
};

struct sbx_result *sbx_result_free(struct sbx_result *r);

/* The result as one JSON object (top-level "verdict", ...). Returns a malloc'd string. */
char *sbx_result_to_json(const struct sbx_result *r);

/* ---- runtime ------------------------------------------------------------------------------ */

struct sbx_runtime;

struct sbx_runtime_options {
        const char *backend;    /* "auto" (default), "native", "docker", "remote" */
        const char *policy_dir; /* NULL: $SANDBOXRT_POLICY_DIR, then the built-in policies */
        const char *image;      /* docker: default image for jobs and sandboxes */
        const char *remote_url; /* remote: base URL of a sandboxrt or ms-enclave server */
        const char *remote_api_key;
        /* remote: one connection attempt, no retries (the caller has other servers to try) */
        bool remote_fail_fast;
        /* Every job and sandbox that names no ceiling of its own is held to this one: a policy
         * name or file (see sbx_ceiling_new); NULL: none, as for the operator's own jobs. */
        const char *ceiling;
        bool allow_network; /* with ceiling: network changes are allowed */
        bool verbose;
        /* Python jobs whose policy does not say otherwise start warm (see enum sbx_warm):
         * worth it for many jobs (eval, serve), not for one. */
        bool warm;
};

/* Create a runtime. The native backend starts its single-threaded launcher here: it spawns the
 * `sandboxrt` binary ($SANDBOXRT_LAUNCHER, else PREFIX/bin/sandboxrt of the prefix libsandboxrt
 * or this program is installed in), or else forks, which a process that already has threads
 * cannot do safely (then -EBUSY). Reaps what earlier,
 * killed sandboxrt processes left behind. Thread-safe after creation. */
int sbx_runtime_new(const struct sbx_runtime_options *opts, struct sbx_runtime **out,
                    struct sbx_error **err);
struct sbx_runtime *sbx_runtime_free(struct sbx_runtime *rt);

/* The backend actually chosen ("native", ...). */
const char *sbx_runtime_backend(const struct sbx_runtime *rt);

/* The limits the backend enforces for a job's whole process tree (bits 1u << SBX_LIMIT_x; 0 when
 * unknown). When some are not, *why (if why is non-NULL) says why, what holds instead and the
 * fix; it lives as long as rt. */
uint32_t sbx_runtime_limits_enforced(const struct sbx_runtime *rt, const char **why);
/* When some are not: one line for the operator naming them, with why and the fix ("these
 * limits are not enforced for a job's whole process tree: memory, cpu, cpus: ..."). NULL when
 * all are, when it is unknown, or out of memory. malloc'd. */
char *sbx_runtime_limits_warning(const struct sbx_runtime *rt);

/* Look up a policy by name (policy files are loaded once). The pointer lives as long as rt. */
int sbx_runtime_policy(struct sbx_runtime *rt, const char *name, const struct sbx_policy **out,
                       struct sbx_error **err);

/* The i-th policy the runtime knows (built-in ones, then the policy dir's); NULL past the end. */
const struct sbx_policy *sbx_runtime_policy_at(const struct sbx_runtime *rt, size_t i);

/* Run one job in a fresh sandbox. Returns < 0 only when the job itself is invalid (unknown
 * language or policy, bad limit override): every failure of the sandbox is a result with
 * verdict SBX_VERDICT_SANDBOX_ERROR. Thread-safe: many threads may run jobs at once. */
int sbx_run(struct sbx_runtime *rt, const struct sbx_job *job, struct sbx_result **out,
            struct sbx_error **err);

/* Resolve a job exactly as sbx_run would (policy, limits, ceiling, language, files) without
 * running anything: 0, or the error sbx_run would return. For refusing a batch whole. */
int sbx_check(struct sbx_runtime *rt, const struct sbx_job *job, struct sbx_error **err);

/* ---- sandbox paths ------------------------------------------------------------------------ */

/* The directories of every sandbox its programs may write, the working directory first:
 * /sandbox, /tmp and /home/sandbox (everything else they see is read-only, but for /dev/shm and
 * a policy's own writable list). A stateful sandbox keeps all of them between its jobs.
 * NULL-terminated. */
extern const char *const sbx_writable_dirs[];
#define SBX_WRITABLE_DIRS_MAX (3 + SBX_WRITABLE_MAX)
/* The writable directories of a sandbox of policy p (NULL: none of its own): sbx_writable_dirs,
 * then p's writable paths that are not one of them (nor /dev/shm, nor a repeat), into dirs,
 * NULL-terminated. Returns their number. The strings are p's: they live as long as p. */
size_t sbx_writable_dirs_of(const struct sbx_policy *p,
                            const char *dirs[SBX_WRITABLE_DIRS_MAX + 1]);
/* "/sandbox, /tmp, /home/sandbox, ..." (sbx_writable_dirs_of p) into buf (cut at size), for
 * messages. Returns buf. SBX_WRITABLE_LIST_BYTES holds the longest. */
const char *sbx_writable_dirs_list(const struct sbx_policy *p, char *buf, size_t size);
#define SBX_WRITABLE_LIST_BYTES (SBX_WRITABLE_DIRS_MAX * (SBX_WRITABLE_PATH_MAX + 2))

/* path, relative to the working directory or absolute, as the normalized absolute path of a
 * place in one of the writable directories of a sandbox of policy p (sbx_writable_dirs_of; p
 * NULL: sbx_writable_dirs) ("." components and repeated slashes dropped; a directory itself
 * when path names it). 0 and a malloc'd *out; -EINVAL ("must not contain '..'", "is empty") or
 * -EROFS ("is not in a writable directory of the sandbox") with *why; -ENOMEM. Touches no file
 * system: a symlink in the sandbox is refused where the path is opened. */
int sbx_sandbox_path(const struct sbx_policy *p, const char *path, char **out, const char **why);

/* ---- stateful sandboxes ------------------------------------------------------------------- */

/* A sandbox keeps its writable directories (sbx_writable_dirs_of its policy) between jobs, like a
 * small machine of its own; each job still gets fresh namespaces and processes. One sandbox runs
 * one job at a time (calls are serialized). */
struct sbx_sandbox;

struct sbx_sandbox_options {
        const char *policy;        /* NULL = "default", or the ceiling's policy */
        const char *const *limits; /* NULL-terminated "key=value" overrides */
        const char *image;         /* docker: NULL = the runtime's image */
        /* Held for the sandbox and each of its jobs (copied); NULL = the runtime's. */
        const struct sbx_ceiling *ceiling;
};

int sbx_sandbox_create(struct sbx_runtime *rt, const struct sbx_sandbox_options *opts,
                       struct sbx_sandbox **out, struct sbx_error **err);
int sbx_sandbox_run(struct sbx_sandbox *sb, const struct sbx_job *job, struct sbx_result **out,
                    struct sbx_error **err);
/* Stop the job running in sb, as its cancel_fd's hang-up would (native and Docker backends), and
 * every job run in it after this: for a caller that deletes a sandbox another thread runs in.
 * Thread-safe; the sandbox stays to be closed. */
void sbx_sandbox_stop(struct sbx_sandbox *sb);
/* File access inside the sandbox's writable directories: a path as sbx_sandbox_path takes it
 * (relative to the working directory, or absolute in one of them; no "..", no symlink
 * followed). read_file caps the size read at max_bytes and sets out->truncated. */
int sbx_sandbox_write_file(struct sbx_sandbox *sb, const struct sbx_file *file,
                           struct sbx_error **err);
int sbx_sandbox_read_file(struct sbx_sandbox *sb, const char *path, size_t max_bytes,
                          struct sbx_output *out, struct sbx_error **err);
int sbx_sandbox_remove_file(struct sbx_sandbox *sb, const char *path, struct sbx_error **err);
/* Kill anything still running and remove every trace of the sandbox, which is freed whatever
 * happens. Returns < 0 when something of it could not be removed from the host (the message
 * says what): it stays there for the next runtime to reap, never blocks this call. */
int sbx_sandbox_close(struct sbx_sandbox *sb, struct sbx_error **err);
/* sbx_sandbox_close, for callers with nobody to tell. */
struct sbx_sandbox *sbx_sandbox_destroy(struct sbx_sandbox *sb);

/* ---- pools ------------------------------------------------------------------------------- */

/* Sandboxes kept ready for one-shot jobs of one configuration (a server's pool, an evaluator's
 * workers). Each job gets one to itself for all of its steps, and it is reset (fresh processes,
 * work dir and /tmp) before another job gets it: nothing of one job reaches the next. Where a
 * fresh sandbox costs no more than a reset one (the native jail), a pool holds none and its
 * jobs run fresh. Thread-safe: any number of a pool's jobs may run at once (past its size, the
 * extra ones get sandboxes of their own). */
struct sbx_pool;

/* size sandboxes configured as sbx_sandbox_create's (policy, limits, image, ceiling), all made
 * before it returns. Fails as sbx_sandbox_create does. */
int sbx_pool_new(struct sbx_runtime *rt, const struct sbx_sandbox_options *opts, unsigned size,
                 struct sbx_pool **out, struct sbx_error **err);
/* Run one job as sbx_sandbox_run would (the pool's policy with the job's overrides, held to
 * the pool's ceiling) in a ready sandbox of the pool. */
int sbx_pool_run(struct sbx_pool *pool, const struct sbx_job *job, struct sbx_result **out,
                 struct sbx_error **err);
/* Removes the pool's sandboxes. No job of it may be running. */
struct sbx_pool *sbx_pool_free(struct sbx_pool *pool);

/* ---- languages ---------------------------------------------------------------------------- */

/* The PATH every sandboxed program starts with; a language's programs are looked up in it. */
#define SBX_SANDBOX_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

#define SBX_PROGRAM_MAX_ARGS 16

/* One program's file name and steps: its language's entry with what the source decides filled
 * in (see sbx_language_program). Its pointers point into itself: use it where it was filled,
 * never a copy. */
struct sbx_program {
        char source_name[256];      /* the file the source is written to */
        char main[256];             /* the class to run, for "{main}" (Java, Scala) */
        const char *const *compile; /* argv of the compile step, or NULL */
        const char *const *run;     /* argv of the run step */
        const char *argv[2][SBX_PROGRAM_MAX_ARGS + 1]; /* storage for the two above */
};

struct sbx_language {
        const char *name;           /* "python", "c", ... */
        const char *source_name;    /* file the source is written to: "main.py" */
        const char *const *compile; /* argv of the compile step, or NULL */
        const char *const *run;     /* argv of the run step */
        const char *const *env;     /* "KEY=VALUE" both steps get (a job's env wins), or NULL */
        const char *package;        /* the Debian package that installs the toolchain */
        /* Optional: reads the source to name its file, its main class, or pick other steps
         * (Java's public class, Go's and Rust's test files). Starts from the entry's values. */
        void (*inspect)(const char *source, size_t size, struct sbx_program *p);
};

/* NULL when unknown. */
const struct sbx_language *sbx_language_find(const char *name);
/* Iterate: returns NULL past the end. */
const struct sbx_language *sbx_language_at(size_t i);
/* The steps for one source: the entry's, after its inspect function, with "{source}" and
 * "{main}" arguments replaced by the program's file and class names. source may be NULL. */
void sbx_language_program(const struct sbx_language *l, const char *source, size_t size,
                          struct sbx_program *out);
/* NULL when every program the language's steps run (javac and java, tsc and node, ...) is in
 * this host's SBX_SANDBOX_PATH directories; else the name of the first one missing. The native
 * backend runs the host's toolchains. Reads the file system; thread-safe. */
const char *sbx_language_missing(const struct sbx_language *l);

#endif
