/* The runtime: resolves jobs (policy + overrides, language steps, environment) and hands each
 * step to the chosen backend through its ops table. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>

#include "backend.h"
#include "ceiling.h"
#include "policies/policy.h"
#include "util.h"

struct sbx_runtime {
        const struct sbx_backend_ops *ops;
        struct sbx_backend *backend;
        struct sbx_policy_set *policies;
        char *image;
        struct sbx_ceiling *ceiling; /* for jobs and sandboxes that name none */
        bool warm;                   /* for policies that do not say (sbx_runtime_options) */
};

struct sbx_sandbox {
        struct sbx_runtime *rt;
        struct sbx_box *box;
        struct sbx_policy *policy;
        struct sbx_ceiling *ceiling; /* its own copy, or NULL */
        pthread_mutex_t lock;        /* one job at a time per sandbox */
        int stop_fd;                 /* an eventfd, readable once stopped (sbx_sandbox_stop) */
};

struct sbx_pool {
        struct sbx_runtime *rt;
        struct sbx_box_pool *boxes; /* NULL: the backend has none, its jobs run fresh */
        struct sbx_policy *policy;
        struct sbx_ceiling *ceiling; /* its own copy, or NULL */
};

/* Where a job's policy comes from: its sandbox's or pool's (resolved once, held to its
 * ceiling), else the policy the job names. */
struct base {
        const struct sbx_policy *policy; /* NULL: the job's own */
        const struct sbx_ceiling *ceiling;
        int stop_fd; /* the sandbox's (sbx_spec.stop_fd), 0 = none */
};

/* What every program finds in its environment; a job's env adds to it or replaces entries. */
const char *const sbx_base_env[] = {
    "PATH=" SBX_SANDBOX_PATH, "HOME=/sandbox",   "TMPDIR=/tmp", "LANG=C.UTF-8",
    "USER=sandbox",           "LOGNAME=sandbox", NULL,
};

#define MAX_ENV 256

/* ---- backend choice --------------------------------------------------------------------- */

static int choose_backend(const char *name, const struct sbx_backend_ops **out,
                          struct sbx_error **err)
{
        _cleanup_free_ char *reasons = NULL;

        if (name && strcmp(name, "auto") != 0) {
                *out = sbx_backend_find(name);
                if (!*out)
                        return sbx_error_set(err, EINVAL, "unknown backend '%s'", name);
                return 0;
        }
        const struct sbx_backend_ops *ops;
        for (size_t i = 0; (ops = sbx_backend_at(i)); i++) {
                struct sbx_error *why = NULL;
                if (ops->by_name_only)
                        continue;
                if (ops->probe(&why) == 0) {
                        *out = ops;
                        return 0;
                }
                char *joined =
                    sbx_strdup_printf("%s%s%s: %s", reasons ? reasons : "", reasons ? "; " : "",
                                      ops->name, why && why->message ? why->message : "unusable");
                free(reasons);
                reasons = joined;
                sbx_error_free(why);
        }
        return sbx_error_set(err, ENOTSUP, "no backend can run sandboxes on this host: %s",
                             reasons ? reasons : "none is built in");
}

int sbx_runtime_open(const struct sbx_runtime_options *opts, struct sbx_runtime **out,
                     struct sbx_error **err)
{
        static const struct sbx_runtime_options defaults = {0};
        struct sbx_runtime *rt = calloc(1, sizeof(*rt));
        const char *dir;
        int r;

        if (!rt)
                return sbx_error_set(err, ENOMEM, "out of memory");
        opts = opts ? opts : &defaults;
        rt->warm = opts->warm;
        dir = opts->policy_dir ? opts->policy_dir : getenv("SANDBOXRT_POLICY_DIR");
        r = sbx_policy_set_load(dir, &rt->policies, err);
        if (r == 0)
                r = choose_backend(opts->remote_url && !opts->backend ? "remote" : opts->backend,
                                   &rt->ops, err);
        if (r == 0 && (r = rt->ops->open(opts, &rt->backend, err)) < 0)
                sbx_error_prefix(err, "%s backend", rt->ops->name);
        if (r == 0 && opts->image && !(rt->image = strdup(opts->image)))
                r = sbx_error_set(err, ENOMEM, "out of memory");
        if (r == 0 && opts->ceiling)
                r = sbx_ceiling_new(rt, opts->ceiling, opts->allow_network, &rt->ceiling, err);
        if (r < 0) {
                sbx_runtime_free(rt);
                return r;
        }
        *out = rt;
        return 0;
}

struct sbx_runtime *sbx_runtime_free(struct sbx_runtime *rt)
{
        if (rt) {
                if (rt->backend)
                        rt->ops->close(rt->backend);
                sbx_policy_set_free(rt->policies);
                sbx_ceiling_free(rt->ceiling);
                free(rt->image);
                free(rt);
        }
        return NULL;
}

const char *sbx_runtime_backend(const struct sbx_runtime *rt)
{
        return rt->ops->name;
}

uint32_t sbx_runtime_limits_enforced(const struct sbx_runtime *rt, const char **why)
{
        const char *none = NULL;

        if (!why)
                why = &none;
        *why = NULL;
        return rt->ops->limits_enforced ? rt->ops->limits_enforced(rt->backend, why) : 0;
}

char *sbx_runtime_limits_warning(const struct sbx_runtime *rt)
{
        const char *why = NULL;
        uint32_t enforced = sbx_runtime_limits_enforced(rt, &why);
        char names[128] = "";

        if (!enforced || enforced == SBX_LIMITS_ALL)
                return NULL;
        for (int l = 0; l < _SBX_LIMIT_MAX; l++)
                if (!(enforced & (1u << l)))
                        snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
                                 *names ? ", " : "", sbx_limit_to_string(l));
        return sbx_strdup_printf("these limits are not enforced for a job's whole process tree: "
                                 "%s%s%s",
                                 names, why ? ": " : "", why ? why : "");
}

/* Each step's result says which limits held, unless the backend's results say it themselves. */
static void stamp_limits(const struct sbx_runtime *rt, struct sbx_result *r)
{
        for (; r; r = r->compile)
                if (!r->limits_enforced)
                        r->limits_enforced = sbx_runtime_limits_enforced(rt, NULL);
}

struct sbx_backend *sbx_runtime_backend_state(const struct sbx_runtime *rt)
{
        return rt->backend;
}

int sbx_runtime_policy(struct sbx_runtime *rt, const char *name, const struct sbx_policy **out,
                       struct sbx_error **err)
{
        *out = sbx_policy_set_find(rt->policies, name ? name : "default");
        if (!*out)
                return sbx_error_set(
                    err, ENOENT, "unknown policy '%s': `sandboxrt policy list` shows them", name);
        return 0;
}

/* Here rather than in ceiling.c, which would otherwise call back into this file. */
int sbx_ceiling_new(struct sbx_runtime *rt, const char *policy, bool allow_network,
                    struct sbx_ceiling **out, struct sbx_error **err)
{
        const struct sbx_policy *named = NULL;

        if (!policy || !*policy)
                policy = "default";
        if (sbx_ceiling_names_file(policy))
                return sbx_ceiling_make(policy, NULL, allow_network, out, err);
        if (sbx_runtime_policy(rt, policy, &named, err) < 0)
                return sbx_error_prefix(err, "ceiling");
        return sbx_ceiling_make(NULL, named, allow_network, out, err);
}

const struct sbx_policy *sbx_runtime_policy_at(const struct sbx_runtime *rt, size_t i)
{
        return sbx_policy_set_at(rt->policies, i);
}

/* ---- resolving a job -------------------------------------------------------------------- */

/* A copy of base with the overrides applied, checked against the ceiling. */
static int apply_limits(const struct sbx_policy *base, const char *const *limits,
                        const struct sbx_ceiling *ceiling, struct sbx_policy **out,
                        struct sbx_error **err)
{
        struct sbx_policy *p = sbx_policy_dup(base);
        int r = p ? 0 : sbx_error_set(err, ENOMEM, "out of memory");

        for (size_t i = 0; r == 0 && limits && limits[i]; i++)
                r = sbx_policy_override(p, limits[i], err);
        if (r == 0)
                r = sbx_ceiling_check(ceiling, p, limits, err);
        if (r < 0) {
                sbx_policy_free(p);
                return r;
        }
        *out = p;
        return 0;
}

/* The job's policy: base (a name, else the ceiling's policy, else "default") with the overrides
 * applied, held to the ceiling when there is one. */
static int resolve_policy(struct sbx_runtime *rt, const char *name, const char *const *limits,
                          const struct sbx_ceiling *ceiling, struct sbx_policy **out,
                          struct sbx_error **err)
{
        const struct sbx_policy *base;
        int r = 0;

        if (!name && ceiling)
                base = sbx_ceiling_policy(ceiling);
        else if ((r = sbx_runtime_policy(rt, name, &base, err)) < 0)
                return r;
        return apply_limits(base, limits, ceiling, out, err);
}

static bool same_key(const char *a, const char *b)
{
        size_t n = strcspn(a, "=");

        return n == strcspn(b, "=") && !strncmp(a, b, n);
}

/* Add entries to env (n of them so far), replacing same-named ones. */
static int add_env(const char *const *extra, const char **env, size_t *count,
                   struct sbx_error **err)
{
        size_t n = *count;

        for (size_t i = 0; extra && extra[i]; i++) {
                const char *eq = strchr(extra[i], '=');
                size_t k = 0;
                if (!eq || eq == extra[i])
                        return sbx_error_set(err, EINVAL, "environment entry '%s' is not KEY=VALUE",
                                             extra[i]);
                while (k < n && !same_key(env[k], extra[i]))
                        k++;
                if (k == n && n == MAX_ENV)
                        return sbx_error_set(err, E2BIG, "more than %d environment entries",
                                             MAX_ENV);
                env[k] = extra[i];
                n += k == n;
        }
        env[n] = NULL;
        *count = n;
        return 0;
}

/* The base environment, then the language's, then the job's: each wins over the ones before. */
static int build_env(const char *const *lang, const char *const *job, const char **env,
                     struct sbx_error **err)
{
        size_t n = 0;
        int r = add_env(sbx_base_env, env, &n, err);

        if (r == 0)
                r = add_env(lang, env, &n, err);
        return r < 0 ? r : add_env(job, env, &n, err);
}

/* A job's file lands in a writable directory: refuse anything else up front, with the path in
 * the message, rather than fail inside the jail. */
static int check_file_path(const struct sbx_policy *p, const char *path, struct sbx_error **err)
{
        const char *why = NULL, *roots[SBX_WRITABLE_DIRS_MAX + 1];
        _cleanup_free_ char *abs = NULL;
        char dirs[SBX_WRITABLE_LIST_BYTES];
        int r = sbx_sandbox_path(p, path, &abs, &why);

        if (r == -ENOMEM)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (r < 0)
                return sbx_error_set(err, EINVAL, "file '%s' %s (writable: %s)", path ? path : "",
                                     why, sbx_writable_dirs_list(p, dirs, sizeof(dirs)));
        sbx_writable_dirs_of(p, roots);
        for (size_t i = 0; roots[i]; i++)
                if (!strcmp(abs, roots[i]))
                        return sbx_error_set(err, EINVAL, "file '%s' names a directory", path);
        return path[strlen(path) - 1] == '/'
                   ? sbx_error_set(err, EINVAL, "file '%s' names a directory", path)
                   : 0;
}

static struct sbx_result *sandbox_error(struct sbx_error *e, const char *backend)
{
        struct sbx_result *r = calloc(1, sizeof(*r));

        if (r) {
                r->verdict = SBX_VERDICT_SANDBOX_ERROR;
                r->exit_code = -1;
                r->error = e && e->code > 0 ? e->code : EIO;
                r->backend = backend;
                r->message = strdup(e && e->message ? e->message : "the sandbox failed");
        }
        return r;
}

/* Run one step; a backend failure becomes a SANDBOX_ERROR result, never a program failure. */
static struct sbx_result *run_step(struct sbx_runtime *rt, struct sbx_box *box,
                                   const struct sbx_spec *spec)
{
        struct sbx_result *r = calloc(1, sizeof(*r));
        struct sbx_error *e = NULL;

        if (r && rt->ops->run(rt->backend, box, spec, r, &e) < 0) {
                sbx_result_free(r);
                r = sandbox_error(e, rt->ops->name);
        }
        sbx_error_free(e);
        return r;
}

/* Why the program did not run, from its compile step's result (its own message says why when
 * the sandbox failed or a limit stopped the compiler). */
static char *compile_failure(const struct sbx_result *c)
{
        if (!c)
                return strdup("compilation failed (out of memory)");
        if (c->verdict == SBX_VERDICT_SANDBOX_ERROR)
                return sbx_strdup_printf("the compile step's sandbox failed: %s",
                                         c->message ? c->message : "no reason given");
        if (c->verdict == SBX_VERDICT_RUNTIME_ERROR)
                return strdup("compilation failed");
        return sbx_strdup_printf("compilation failed: %s%s%s", sbx_verdict_to_string(c->verdict),
                                 c->message ? ": " : "", c->message ? c->message : "");
}

/* A compiled language: compile under the "compile" policy, then run, in one sandbox that
 * lives for this job only (or in the caller's stateful sandbox). */
static struct sbx_result *compile_and_run(struct sbx_runtime *rt, struct sbx_box *box,
                                          const char *const *compile_argv, struct sbx_spec *spec,
                                          struct sbx_policy *compile_policy)
{
        struct sbx_box *own = NULL;
        struct sbx_error *e = NULL;
        struct sbx_result *compile, *run;

        if (!box && rt->ops->box_create(rt->backend, spec->policy, rt->image, &own, &e) < 0) {
                run = sandbox_error(e, rt->ops->name);
                sbx_error_free(e);
                return run;
        }
        struct sbx_spec cstep = *spec;
        cstep.argv = compile_argv;
        cstep.stdin_data = NULL;
        cstep.stdin_size = 0;
        cstep.policy = compile_policy;
        compile = run_step(rt, box ? box : own, &cstep);
        if (compile && compile->verdict == SBX_VERDICT_OK) {
                struct sbx_spec rstep = *spec;
                rstep.files = NULL;
                rstep.n_files = 0;
                run = run_step(rt, box ? box : own, &rstep);
        } else {
                run = calloc(1, sizeof(*run));
                if (run) {
                        bool sandbox = compile && compile->verdict == SBX_VERDICT_SANDBOX_ERROR;
                        run->verdict =
                            sandbox ? SBX_VERDICT_SANDBOX_ERROR : SBX_VERDICT_COMPILE_ERROR;
                        run->exit_code = -1;
                        run->error = sandbox ? compile->error : 0;
                        run->backend = rt->ops->name;
                        run->message = compile_failure(compile);
                }
        }
        if (run)
                run->compile = compile;
        else
                sbx_result_free(compile);
        if (own) /* a job's own box: nobody to tell; what stays is reaped later */
                (void)rt->ops->box_destroy(rt->backend, own, NULL);
        return run;
}

struct resolved {
        struct sbx_policy *policy, *compile_policy;
        struct sbx_file *files;
        const char *env[MAX_ENV + 1];
        struct sbx_spec spec;
        const struct sbx_language *lang;
        struct sbx_program program;
};

static void resolved_release(struct resolved *j)
{
        sbx_policy_free(j->policy);
        sbx_policy_free(j->compile_policy);
        free(j->files);
}

/* The native backend runs the host's toolchains: name the package when one is missing, rather
 * than let every job of the language fail in the jail with "cannot execute". */
static int check_toolchain(const struct sbx_language *l, struct sbx_error **err)
{
        const char *missing = sbx_language_missing(l);

        if (!missing)
                return 0;
        return sbx_error_set(err, ENOPKG,
                             "language '%s' needs %s, which is not installed on this host: "
                             "install the Debian package %s",
                             l->name, missing, l->package);
}

/* The policies of a job: its own (its sandbox's or pool's, when it runs in one, with its
 * overrides), held to its ceiling; and the operator's "compile" policy for a compile step, held
 * to none. */
static int resolve_policies(struct sbx_runtime *rt, const struct sbx_job *job, const struct base *b,
                            struct resolved *j, struct sbx_error **err)
{
        const struct sbx_ceiling *ceiling = job->ceiling ? job->ceiling
                                            : b->ceiling ? b->ceiling
                                                         : rt->ceiling;
        int r = b->policy ? apply_limits(b->policy, job->limits, ceiling, &j->policy, err)
                          : resolve_policy(rt, job->policy, job->limits, ceiling, &j->policy, err);

        if (r == 0 && j->policy->warm == SBX_WARM_DEFAULT)
                j->policy->warm = rt->warm ? SBX_WARM_ON : SBX_WARM_OFF;
        if (r == 0 && j->lang && j->lang->compile)
                r = resolve_policy(rt, "compile", NULL, NULL, &j->compile_policy, err);
        return r;
}

static int resolve_job(struct sbx_runtime *rt, const struct sbx_job *job, const struct base *b,
                       struct resolved *j, struct sbx_error **err)
{
        int r;

        if (!job->argv == !job->language)
                return sbx_error_set(err, EINVAL, "a job needs either argv or a language");
        if (job->argv && !job->argv[0])
                return sbx_error_set(err, EINVAL, "empty argv");
        if (job->language && !(j->lang = sbx_language_find(job->language))) {
                char known[512] = "";
                for (size_t i = 0; sbx_language_at(i); i++)
                        snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s%s",
                                 i ? ", " : "", sbx_language_at(i)->name);
                return sbx_error_set(err, EINVAL, "unknown language '%s' (known: %s)",
                                     job->language, known);
        }
        if (j->lang && rt->ops->host_toolchains && (r = check_toolchain(j->lang, err)) < 0)
                return r;
        if (b->policy && job->policy)
                return sbx_error_set(err, EINVAL,
                                     "a sandbox's jobs use the sandbox's policy; "
                                     "pass limit overrides instead");
        r = resolve_policies(rt, job, b, j, err);
        if (r == 0)
                r = build_env(j->lang ? j->lang->env : NULL, job->env, j->env, err);
        if (r < 0)
                return r;

        for (size_t i = 0; i < job->n_files; i++)
                if ((r = check_file_path(j->policy, job->files[i].path, err)) < 0)
                        return r;
        size_t n = job->n_files + (j->lang ? 1 : 0);
        j->files = calloc(n ? n : 1, sizeof(*j->files));
        if (!j->files)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (job->n_files)
                memcpy(j->files, job->files, job->n_files * sizeof(*j->files));
        if (j->lang) {
                sbx_language_program(j->lang, job->source, job->source_size, &j->program);
                j->files[job->n_files] = (struct sbx_file){.path = j->program.source_name,
                                                           .data = job->source ? job->source : "",
                                                           .size = job->source_size};
        }
        j->spec = (struct sbx_spec){
            .argv = job->argv ? job->argv : j->program.run,
            .env = j->env,
            .files = j->files,
            .n_files = n,
            .stdin_data = job->stdin_data,
            .stdin_size = job->stdin_data ? job->stdin_size : 0,
            .policy = j->policy,
            .cancel_fd = job->cancel_fd,
            .stop_fd = b->stop_fd,
        };
        return 0;
}

/* Run a resolved job's steps in box (NULL: a sandbox of their own). */
static int execute(struct sbx_runtime *rt, struct sbx_box *box, const struct resolved *j,
                   struct sbx_result **out, struct sbx_error **err)
{
        struct sbx_spec spec = j->spec;

        *out = j->lang && j->program.compile
                   ? compile_and_run(rt, box, j->program.compile, &spec, j->compile_policy)
                   : run_step(rt, box, &spec);
        if (!*out)
                return sbx_error_set(err, ENOMEM, "out of memory");
        stamp_limits(rt, *out);
        return 0;
}

static int run_resolved(struct sbx_runtime *rt, struct sbx_box *box, const struct base *b,
                        const struct sbx_job *job, struct sbx_result **out, struct sbx_error **err)
{
        struct resolved j = {0};
        int r = resolve_job(rt, job, b, &j, err);

        if (r == 0)
                r = execute(rt, box, &j, out, err);
        resolved_release(&j);
        return r;
}

int sbx_run(struct sbx_runtime *rt, const struct sbx_job *job, struct sbx_result **out,
            struct sbx_error **err)
{
        static const struct base none = {0};

        return run_resolved(rt, NULL, &none, job, out, err);
}

int sbx_check(struct sbx_runtime *rt, const struct sbx_job *job, struct sbx_error **err)
{
        static const struct base none = {0};
        struct resolved j = {0};
        int r = resolve_job(rt, job, &none, &j, err);

        resolved_release(&j);
        return r;
}

/* ---- stateful sandboxes ----------------------------------------------------------------- */

/* A sandbox's or pool's own copy of its ceiling (opts', else the runtime's) and its policy,
 * held to it. */
static int resolve_base(struct sbx_runtime *rt, const struct sbx_sandbox_options *opts,
                        struct sbx_ceiling **ceiling, struct sbx_policy **policy,
                        struct sbx_error **err)
{
        bool oom = false;

        *ceiling = sbx_ceiling_dup(opts->ceiling ? opts->ceiling : rt->ceiling, &oom);
        if (oom)
                return sbx_error_set(err, ENOMEM, "out of memory");
        return resolve_policy(rt, opts->policy, opts->limits, *ceiling, policy, err);
}

int sbx_sandbox_create(struct sbx_runtime *rt, const struct sbx_sandbox_options *opts,
                       struct sbx_sandbox **out, struct sbx_error **err)
{
        static const struct sbx_sandbox_options none = {0};
        struct sbx_sandbox *sb = calloc(1, sizeof(*sb));
        int r;

        if (!sb)
                return sbx_error_set(err, ENOMEM, "out of memory");
        opts = opts ? opts : &none;
        sb->rt = rt;
        pthread_mutex_init(&sb->lock, NULL);
        sb->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (sb->stop_fd == 0) { /* fd 0 (stdin closed) means none in sbx_spec: move it */
                sb->stop_fd = fcntl(0, F_DUPFD_CLOEXEC, 1);
                close(0);
        }
        if (sb->stop_fd < 0) {
                r = sbx_error_set(err, errno, "eventfd: %m");
                sbx_sandbox_destroy(sb);
                return r;
        }
        r = resolve_base(rt, opts, &sb->ceiling, &sb->policy, err);
        if (r == 0)
                r = rt->ops->box_create(rt->backend, sb->policy,
                                        opts->image ? opts->image : rt->image, &sb->box, err);
        if (r < 0) {
                sbx_sandbox_destroy(sb);
                return r;
        }
        *out = sb;
        return 0;
}

int sbx_sandbox_run(struct sbx_sandbox *sb, const struct sbx_job *job, struct sbx_result **out,
                    struct sbx_error **err)
{
        const struct base b = {
            .policy = sb->policy, .ceiling = sb->ceiling, .stop_fd = sb->stop_fd};

        pthread_mutex_lock(&sb->lock);
        int r = run_resolved(sb->rt, sb->box, &b, job, out, err);
        pthread_mutex_unlock(&sb->lock);
        return r;
}

void sbx_sandbox_stop(struct sbx_sandbox *sb)
{
        (void)!eventfd_write(sb->stop_fd, 1);
}

/* A file function's path as its backend takes it: normalized, absolute in a writable
 * directory, and, unless whole_dir, below one (a writable directory itself is not a file). */
static int box_path(const struct sbx_sandbox *sb, const char *path, bool whole_dir, char **abs,
                    struct sbx_error **err)
{
        const char *why = NULL, *roots[SBX_WRITABLE_DIRS_MAX + 1];
        char dirs[SBX_WRITABLE_LIST_BYTES];
        int r = sbx_sandbox_path(sb->policy, path, abs, &why);

        if (r == -ENOMEM)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (r < 0)
                return sbx_error_set(err, -r, "%s %s (writable: %s)", path ? path : "", why,
                                     sbx_writable_dirs_list(sb->policy, dirs, sizeof(dirs)));
        sbx_writable_dirs_of(sb->policy, roots);
        for (size_t i = 0; !whole_dir && roots[i]; i++)
                if (!strcmp(*abs, roots[i]))
                        return sbx_error_set(err, EISDIR, "%s is a directory of the sandbox itself",
                                             *abs);
        return 0;
}

/* A file's path that ends with / names a directory (as for open(2)): e is EISDIR to write one,
 * ENOTDIR to read one. */
static int file_path_check(const char *path, int e, struct sbx_error **err)
{
        size_t n = path ? strlen(path) : 0;

        if (n && path[n - 1] == '/')
                return sbx_error_set(err, e, "%s ends with /, which a file's path does not", path);
        return 0;
}

int sbx_sandbox_write_file(struct sbx_sandbox *sb, const struct sbx_file *file,
                           struct sbx_error **err)
{
        _cleanup_free_ char *abs = NULL;
        struct sbx_file f = *file;
        int r = file_path_check(file->path, EISDIR, err);

        if (r == 0)
                r = box_path(sb, file->path, false, &abs, err);

        if (r < 0)
                return r;
        f.path = abs;
        pthread_mutex_lock(&sb->lock);
        r = sb->rt->ops->box_write(sb->rt->backend, sb->box, &f, err);
        pthread_mutex_unlock(&sb->lock);
        return r;
}

int sbx_sandbox_read_file(struct sbx_sandbox *sb, const char *path, size_t max_bytes,
                          struct sbx_output *out, struct sbx_error **err)
{
        _cleanup_free_ char *abs = NULL;
        int r = file_path_check(path, ENOTDIR, err);

        if (r == 0)
                r = box_path(sb, path, true, &abs, err);
        if (r < 0)
                return r;
        pthread_mutex_lock(&sb->lock);
        r = sb->rt->ops->box_read(sb->rt->backend, sb->box, abs, max_bytes, out, err);
        pthread_mutex_unlock(&sb->lock);
        return r;
}

int sbx_sandbox_remove_file(struct sbx_sandbox *sb, const char *path, struct sbx_error **err)
{
        _cleanup_free_ char *abs = NULL;
        int r = box_path(sb, path, false, &abs, err);

        if (r < 0)
                return r;
        pthread_mutex_lock(&sb->lock);
        r = sb->rt->ops->box_remove(sb->rt->backend, sb->box, abs, err);
        pthread_mutex_unlock(&sb->lock);
        return r;
}

int sbx_sandbox_close(struct sbx_sandbox *sb, struct sbx_error **err)
{
        int r = 0;

        if (!sb)
                return 0;
        if (sb->box)
                r = sb->rt->ops->box_destroy(sb->rt->backend, sb->box, err);
        sbx_policy_free(sb->policy);
        sbx_ceiling_free(sb->ceiling);
        pthread_mutex_destroy(&sb->lock);
        if (sb->stop_fd >= 0)
                close(sb->stop_fd);
        free(sb);
        return r;
}

struct sbx_sandbox *sbx_sandbox_destroy(struct sbx_sandbox *sb)
{
        (void)sbx_sandbox_close(sb, NULL);
        return NULL;
}

/* ---- pools ------------------------------------------------------------------------------ */

int sbx_pool_new(struct sbx_runtime *rt, const struct sbx_sandbox_options *opts, unsigned size,
                 struct sbx_pool **out, struct sbx_error **err)
{
        static const struct sbx_sandbox_options none = {0};
        struct sbx_pool *pool = calloc(1, sizeof(*pool));
        int r;

        if (!pool)
                return sbx_error_set(err, ENOMEM, "out of memory");
        opts = opts ? opts : &none;
        pool->rt = rt;
        r = resolve_base(rt, opts, &pool->ceiling, &pool->policy, err);
        if (r == 0 && rt->ops->pool_open && size > 0)
                r = rt->ops->pool_open(rt->backend, pool->policy,
                                       opts->image ? opts->image : rt->image, size, &pool->boxes,
                                       err);
        if (r < 0) {
                sbx_pool_free(pool);
                return r;
        }
        *out = pool;
        return 0;
}

int sbx_pool_run(struct sbx_pool *pool, const struct sbx_job *job, struct sbx_result **out,
                 struct sbx_error **err)
{
        struct sbx_runtime *rt = pool->rt;
        const struct base b = {.policy = pool->policy, .ceiling = pool->ceiling};
        struct sbx_box *box = NULL;
        struct sbx_error *e = NULL;
        struct resolved j = {0};
        int r = resolve_job(rt, job, &b, &j, err);

        if (r == 0 && pool->boxes &&
            rt->ops->pool_take(rt->backend, pool->boxes, j.policy, &box, &e) < 0) {
                /* The sandbox failed, not the job: a result that says so. */
                if (!(*out = sandbox_error(e, rt->ops->name)))
                        r = sbx_error_set(err, ENOMEM, "out of memory");
        } else if (r == 0) {
                r = execute(rt, box, &j, out, err);
        }
        if (box)
                rt->ops->pool_give(rt->backend, pool->boxes, box);
        sbx_error_free(e);
        resolved_release(&j);
        return r;
}

struct sbx_pool *sbx_pool_free(struct sbx_pool *pool)
{
        if (pool) {
                if (pool->boxes)
                        pool->rt->ops->pool_close(pool->rt->backend, pool->boxes);
                sbx_policy_free(pool->policy);
                sbx_ceiling_free(pool->ceiling);
                free(pool);
        }
        return NULL;
}
