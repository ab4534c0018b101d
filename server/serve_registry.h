/* The sandboxes a server holds (ms-enclave's sandbox manager) and each tenant's pool. Entries
 * are reference counted: a deleted sandbox leaves the table at once and is destroyed when the
 * last request using it lets go. A sandbox belongs to the tenant that created it: every lookup,
 * list and count takes the tenant asking, and another tenant's sandbox does not exist for it.
 * Thread-safe. */
#ifndef SBX_SERVE_REGISTRY_H
#define SBX_SERVE_REGISTRY_H

#include <cjson/cJSON.h>

#include "server/serve.h"
#include "server/serve_fleet.h"
#include "server/serve_request.h"

enum sbx_sb_status {
        SBX_SB_INITIALIZING,
        SBX_SB_RUNNING,
        SBX_SB_IDLE,
        SBX_SB_BUSY,
        SBX_SB_STOPPING,
        SBX_SB_STOPPED,
        SBX_SB_ERROR,
        _SBX_SB_MAX,
};

const char *sbx_sb_status_to_string(enum sbx_sb_status s);
int sbx_sb_status_from_string(const char *s);

/* ms-enclave's SandboxType values: docker is served, the others are refused at create. */
bool sbx_sandbox_type_known(const char *type);

#define SBX_SANDBOX_ID_LEN 8
/* "<node>.<8 random>" on a server with a node name (server/serve_fleet.h), else the random part. */
#define SBX_SANDBOX_ID_MAX (SBX_NODE_NAME_MAX + 1 + SBX_SANDBOX_ID_LEN + 1)

/* What the members of one pool share: the runtime pool their /pool/execute calls run in (warm
 * containers on Docker). The last member to go frees it. */
struct sbx_pool_share {
        struct sbx_pool *pool;
        unsigned refs; /* atomic */
};

struct sbx_served {
        char id[SBX_SANDBOX_ID_MAX];
        char *type;
        struct sbx_sandbox_config cfg;
        struct sbx_tenant *owner;
        struct sbx_runtime *rt;
        const char *backend;
        struct sbx_sandbox *sb;       /* NULL for pool members until a direct call needs one */
        char **limits;                /* the config as policy overrides, NULL-terminated */
        char *network_note;           /* why the network is off although asked for, or NULL */
        struct sbx_pool_share *share; /* pool members: their pool's runtime pool */
        /* Below: guarded by the registry lock. */
        enum sbx_sb_status status;
        uint64_t created_usec, updated_usec; /* CLOCK_REALTIME */
        bool in_pool, busy, removed;
        unsigned refs;
        struct sbx_served *next_idle;
};

/* One pool per tenant of srv->tenants. */
int sbx_registry_new(struct sbx_server *srv, struct sbx_registry **out);
/* Destroys every sandbox; no request may be running. */
struct sbx_registry *sbx_registry_free(struct sbx_registry *reg);

/* Create a sandbox of tenant t from cfg (moved into the entry on success), held to t's
 * ceiling. pool: a pool member, whose runtime sandbox is created on first direct use. Returns
 * a referenced entry, or -EDQUOT (t's max_sandboxes), -ENOSPC (the server's), -SBX_ECEILING
 * or a creation failure, with *err. */
int sbx_registry_create(struct sbx_registry *reg, struct sbx_tenant *t, const char *type,
                        struct sbx_sandbox_config *cfg, bool pool, struct sbx_served **out,
                        struct sbx_error **err);
/* A referenced entry, or NULL when t has no sandbox with that id. */
struct sbx_served *sbx_registry_get(struct sbx_registry *reg, const struct sbx_tenant *t,
                                    const char *id);
void sbx_registry_put(struct sbx_registry *reg, struct sbx_served *e);

/* Hold the sandbox for one call (calls on one sandbox take turns); begin creates the runtime
 * sandbox of a pool member when needed. 0, or -ENOENT (deleted meanwhile), -EPIPE (not
 * running: stopped or in error), a wait error, or a creation failure in *err. */
int sbx_registry_begin(struct sbx_registry *reg, struct sbx_served *e, const struct sbx_wait *w,
                       struct sbx_error **err);
void sbx_registry_end(struct sbx_registry *reg, struct sbx_served *e);

enum sbx_sb_status sbx_registry_status(struct sbx_registry *reg, struct sbx_served *e);

/* 0 or -ENOENT (t has no such sandbox). */
int sbx_registry_stop(struct sbx_registry *reg, const struct sbx_tenant *t, const char *id);
/* 0, -ENOENT, or < 0 with *err when the sandbox is gone from the table but something of it
 * could not be removed from the host (then logged too). Never waits for a running call: the
 * last one to let go removes the sandbox. */
int sbx_registry_delete(struct sbx_registry *reg, const struct sbx_tenant *t, const char *id,
                        struct sbx_error **err);

/* SandboxInfo and lists of t's sandboxes; status_filter < 0 lists all. */
cJSON *sbx_registry_info(struct sbx_registry *reg, struct sbx_served *e);
cJSON *sbx_registry_list(struct sbx_registry *reg, const struct sbx_tenant *t, int status_filter);
/* t's sandboxes by status; t NULL counts every tenant's. */
void sbx_registry_counts(struct sbx_registry *reg, const struct sbx_tenant *t,
                         size_t counts[_SBX_SB_MAX], size_t *total);
/* {"docker": n, ...} of t's sandboxes */
cJSON *sbx_registry_types(struct sbx_registry *reg, const struct sbx_tenant *t);

/* Periodic cleanup: stopped/error sandboxes untouched for an hour, any older than 48 hours. */
size_t sbx_registry_cleanup(struct sbx_registry *reg, uint64_t now_realtime_usec);

/* ---- pool --------------------------------------------------------------------------------- */

/* Replace t's pool with n fresh members configured by cfg (copied for each), and a runtime
 * pool of n sandboxes their executions run in (made before this returns: on Docker, n warm
 * containers). On success *ids is a JSON list of their ids. Errors as sbx_registry_create's;
 * nothing changes when n members would not fit in t's max_sandboxes (-EDQUOT) or the config is
 * refused (not JSON, limits above the ceiling, an image no backend runs). Replacements of one
 * tenant's pool take turns. */
int sbx_registry_pool_init(struct sbx_registry *reg, struct sbx_tenant *t, unsigned n,
                           const char *type, const char *config_body, size_t config_size,
                           cJSON **ids, struct sbx_error **err);
/* Borrow t's idle member that has waited longest (FIFO among borrowers). 0, -ENOENT (no
 * pool), -ETIMEDOUT, -ECONNRESET, -ESHUTDOWN. The entry comes referenced and busy. */
int sbx_registry_pool_acquire(struct sbx_registry *reg, const struct sbx_tenant *t,
                              const struct sbx_wait *w, struct sbx_served **out);
void sbx_registry_pool_release(struct sbx_registry *reg, struct sbx_served *e);
void sbx_registry_pool_stats(struct sbx_registry *reg, const struct sbx_tenant *t, size_t *size,
                             bool *initialized);
/* The ids of t's pool members, as a JSON list. */
cJSON *sbx_registry_pool_ids(struct sbx_registry *reg, const struct sbx_tenant *t);

#endif
