/* Shared by the config_*.c files only. */
#ifndef SBX_EVAL_CONFIG_INTERNAL_H
#define SBX_EVAL_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "evaluator/config.h"
#include "evaluator/node.h"

struct cparse {
        struct sbx_eval_config *c;
        const char *file; /* for messages */
        struct sbx_error **err;
        /* Raw values resolved after the walk (they interact with each other). */
        char *eval_type;
        char *api_key_raw;
        bool have_timeout;
        char *engine;        /* sandbox.engine / sandbox_type */
        uint32_t judge_jobs; /* judge_worker_num */
};

struct cfg_key {
        const char *name;
        /* NULL: a known EvalScope key that has no effect in sandboxrt; it gets a warning unless
         * its value is null, false or quiet_value (the value that means what sandboxrt does). */
        int (*fn)(struct cparse *ps, const struct sbx_eval_node *v, const char *path, void *target);
        const char *quiet_value;
};

int cfg_error(struct cparse *ps, const struct sbx_eval_node *at, const char *path, const char *fmt,
              ...) __attribute__((format(printf, 4, 5)));
void cfg_warn(struct cparse *ps, const struct sbx_eval_node *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void cfg_unknown_key(struct cparse *ps, const struct sbx_eval_node *at, const char *path,
                     const char *key, const char *const *known, size_t n_known);

int cfg_string(struct cparse *ps, const struct sbx_eval_node *v, const char *path, char **out);
int cfg_bool(struct cparse *ps, const struct sbx_eval_node *v, const char *path, bool *out);
int cfg_uint(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
             unsigned long long lo, unsigned long long hi, uint64_t *out);
int cfg_u32(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
            unsigned long long lo, unsigned long long hi, uint32_t *out);
int cfg_seconds(struct cparse *ps, const struct sbx_eval_node *v, const char *path, double max_s,
                uint64_t *out_ms);
int cfg_string_list(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                    char ***out);
int cfg_walk(struct cparse *ps, const struct sbx_eval_node *map, const char *path,
             const struct cfg_key *keys, size_t n_keys, void *target);

char **cfg_strv_free(char **v);
/* The args of a dataset, added (with nothing set) when the file has none. */
struct sbx_eval_dataset_args *cfg_dataset_args_add(struct sbx_eval_config *c, const char *name);
int cfg_strv_push(char ***v, const char *s);

/* config_keys.c: the whole document into ps->c. */
int cfg_read_task(struct cparse *ps, const struct sbx_eval_node *root);
/* A limit (value as text) parsed as "limit: 10" / "limit: 0.5"; -EINVAL when neither. */
int cfg_parse_limit(const char *text, bool *is_fraction, uint64_t *n, double *fraction);

/* Every name must be a benchmark in the table; the error names the nearest one. */
int cfg_check_datasets(struct cparse *ps, const struct sbx_eval_node *v, const char *path,
                       char *const *names);

/* config_resolve.c */
int cfg_resolve(struct cparse *ps, const char *dir, const struct sbx_eval_overrides *ov);
/* Look name up in <dir>/.env (dotenv syntax). 0 and *value (malloc'd), or -ENOENT. */
int cfg_dotenv_lookup(const char *dir, const char *name, char **value);

#endif
