/* The backend operations table: how runtime/ talks to a backend without knowing its insides.
 * A backend is one folder that registers its ops (runtime/backends.c). Internal to sandboxrt. */
#ifndef SBX_BACKEND_H
#define SBX_BACKEND_H

#include "sandboxrt.h"

/* One step of a job after the runtime resolved it: everything explicit. */
struct sbx_spec {
        const char *const *argv;      /* argv[0] absolute, or looked up in PATH */
        const char *const *env;       /* the whole environment of the program */
        const struct sbx_file *files; /* written into the work dir before the step */
        size_t n_files;
        const void *stdin_data;
        size_t stdin_size;
        const struct sbx_policy *policy; /* overrides already applied */
        int cancel_fd;                   /* see struct sbx_job; 0 = none */
        int stop_fd; /* readable once the job's sandbox was stopped (sbx_sandbox_stop); 0 = none */
};

struct sbx_backend;  /* backend-private state */
struct sbx_box;      /* backend-private stateful sandbox */
struct sbx_box_pool; /* backend-private: boxes kept ready for one-shot jobs */

struct sbx_backend_ops {
        const char *name;
        /* Programs run with the host's /usr: a language whose toolchain the host lacks fails
         * before its job starts (see sbx_language_missing). */
        bool host_toolchains;
        /* Can this host run the backend? 0 if so; else < 0 and *err says why and how to fix. */
        int (*probe)(struct sbx_error **err);
        int (*open)(const struct sbx_runtime_options *opts, struct sbx_backend **out,
                    struct sbx_error **err);
        void (*close)(struct sbx_backend *be);
        /* Run one step; box NULL means a fresh sandbox for this step alone. Fills res (zeroed
         * by the caller). < 0 means the sandbox failed: the runtime reports SANDBOX_ERROR. */
        int (*run)(struct sbx_backend *be, struct sbx_box *box, const struct sbx_spec *spec,
                   struct sbx_result *res, struct sbx_error **err);
        /* image: docker only, NULL = the backend's default. */
        int (*box_create)(struct sbx_backend *be, const struct sbx_policy *policy,
                          const char *image, struct sbx_box **out, struct sbx_error **err);
        /* Kill what runs in the box, remove it and free it, whatever happens. < 0 with *err when
         * something of it stays on the host (left for the next open to reap). */
        int (*box_destroy)(struct sbx_backend *be, struct sbx_box *box, struct sbx_error **err);
        /* File functions of a box: the runtime hands them paths normalized by
         * sbx_sandbox_path (absolute, in one of the box policy's sbx_writable_dirs_of; write and
         * remove never get a writable directory itself). */
        int (*box_write)(struct sbx_backend *be, struct sbx_box *box, const struct sbx_file *file,
                         struct sbx_error **err);
        int (*box_read)(struct sbx_backend *be, struct sbx_box *box, const char *path,
                        size_t max_bytes, struct sbx_output *out, struct sbx_error **err);
        int (*box_remove)(struct sbx_backend *be, struct sbx_box *box, const char *path,
                          struct sbx_error **err);
        /* Optional (NULL: a pool's jobs run fresh). pool_open makes size boxes of policy and
         * image ready; pool_take lends one to a job whose resolved policy is policy, for all of
         * its steps (run() with it), or one made for it alone when the pool's do not fit that
         * policy, or when none is ready in time; pool_give takes it back and resets it (fresh
         * processes, work dir, /tmp) before anyone gets it again, or removes it. pool_close
         * removes the pool's boxes, those lent out when they come back. Thread-safe. */
        int (*pool_open)(struct sbx_backend *be, const struct sbx_policy *policy, const char *image,
                         unsigned size, struct sbx_box_pool **out, struct sbx_error **err);
        int (*pool_take)(struct sbx_backend *be, struct sbx_box_pool *pool,
                         const struct sbx_policy *policy, struct sbx_box **out,
                         struct sbx_error **err);
        void (*pool_give)(struct sbx_backend *be, struct sbx_box_pool *pool, struct sbx_box *box);
        void (*pool_close)(struct sbx_backend *be, struct sbx_box_pool *pool);
        /* The limits it enforces for a job's whole process tree (bits 1u << SBX_LIMIT_x) and,
         * when not all, why, what holds instead and the fix (in *why, owned by be). NULL: the
         * results say (a remote server), or nothing is known. */
        uint32_t (*limits_enforced)(struct sbx_backend *be, const char **why);
        /* Never picked by "auto", only by name (the remote backend: it needs a URL). */
        bool by_name_only;
};

/* The environment every program starts from (NULL-terminated "KEY=VALUE"); a job's env adds
 * to it or replaces entries. A backend that prepares programs before their jobs come (the
 * native backend's warm Python) prepares them with it. */
extern const char *const sbx_base_env[];

/* Add a backend to the registry (runtime/backends.c); the order of registration is the order
 * "auto" tries them. 0 (also when ops is registered already), -EEXIST when another backend has
 * its name, -ENOSPC when the table is full. */
int sbx_backend_register(const struct sbx_backend_ops *ops);
/* The i-th registered backend, NULL past the last. */
const struct sbx_backend_ops *sbx_backend_at(size_t i);

const struct sbx_backend_ops *sbx_backend_find(const char *name);

/* sbx_runtime_new with the backends registered so far: the composition roots define
 * sbx_runtime_new as "register mine, then this" (lib/builtin.c, cli/entry_light.c). */
int sbx_runtime_open(const struct sbx_runtime_options *opts, struct sbx_runtime **out,
                     struct sbx_error **err);

/* The open backend behind a runtime (for doctor and --verbose reports). */
struct sbx_backend *sbx_runtime_backend_state(const struct sbx_runtime *rt);

#endif
