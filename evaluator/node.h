/* A parsed YAML or JSON document as a small tree, so task files of either syntax go through one
 * typed reader. Scalars keep their text; `quoted` tells a quoted YAML scalar or JSON string
 * (always a string) from a plain one (may read as a number, boolean or null). */
#ifndef SBX_EVAL_NODE_H
#define SBX_EVAL_NODE_H

#include <stdbool.h>
#include <stddef.h>

#include "sandboxrt.h"

enum sbx_eval_node_kind {
        SBX_EVAL_NODE_NULL,
        SBX_EVAL_NODE_SCALAR,
        SBX_EVAL_NODE_SEQ,
        SBX_EVAL_NODE_MAP,
};

struct sbx_eval_node {
        enum sbx_eval_node_kind kind;
        bool quoted;
        char *text;                   /* scalars */
        char **keys;                  /* maps: keys[i] names items[i] */
        struct sbx_eval_node **items; /* sequences and maps */
        size_t n, cap;
        unsigned line; /* 1-based line in the source, 0 when built in memory */
};

/* Limits on untrusted documents. */
#define SBX_EVAL_NODE_MAX_DEPTH 64
#define SBX_EVAL_NODE_MAX_NODES 100000

/* Parse a task document. JSON when the text starts with '{' or '[' or the name ends in .json,
 * else YAML. Aliases, duplicate keys and non-scalar keys are errors. filename is for messages. */
int sbx_eval_node_parse(const char *text, size_t size, const char *filename,
                        struct sbx_eval_node **out, struct sbx_error **err);
struct sbx_eval_node *sbx_eval_node_free(struct sbx_eval_node *n);
struct sbx_eval_node *sbx_eval_node_dup(const struct sbx_eval_node *n);

/* Building (for the resolved config). Return NULL / < 0 on allocation failure; map_set and
 * seq_push take ownership of child even when they fail. */
struct sbx_eval_node *sbx_eval_node_new(enum sbx_eval_node_kind kind);
struct sbx_eval_node *sbx_eval_node_new_string(const char *s); /* quoted scalar; NULL s = null */
struct sbx_eval_node *sbx_eval_node_new_plain(const char *s);  /* numbers, booleans */
int sbx_eval_node_map_set(struct sbx_eval_node *map, const char *key, struct sbx_eval_node *child);
int sbx_eval_node_seq_push(struct sbx_eval_node *seq, struct sbx_eval_node *child);

/* The value for key in a map, or NULL. */
struct sbx_eval_node *sbx_eval_node_get(const struct sbx_eval_node *map, const char *key);

/* Typed reads of scalars. Plain scalars only for booleans/numbers/null (a quoted "true" is a
 * string). Return 0, or -EINVAL when the node is not of that type. */
bool sbx_eval_node_is_null(const struct sbx_eval_node *n);
int sbx_eval_node_bool(const struct sbx_eval_node *n, bool *out);
int sbx_eval_node_int(const struct sbx_eval_node *n, long long *out);
int sbx_eval_node_double(const struct sbx_eval_node *n, double *out);
/* "a string, a number, a boolean, a list, a mapping, null": for error messages. */
const char *sbx_eval_node_describe(const struct sbx_eval_node *n);

/* Block-style YAML text of the tree (malloc'd), or NULL on allocation failure. */
char *sbx_eval_node_to_yaml(const struct sbx_eval_node *n);

#endif
