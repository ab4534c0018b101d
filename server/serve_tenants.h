/* Who may use a server, and how much of it: tenants, each with an API key (stored as its
 * SHA-256 only), quotas and a ceiling. A server without --tenants has one tenant, keyed by
 * --api-key or by nothing. Internal to server/. */
#ifndef SBX_SERVE_TENANTS_H
#define SBX_SERVE_TENANTS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/serve.h"

#define SBX_TENANTS_MAX       1024
#define SBX_TENANTS_MAX_BYTES (1u << 20)
#define SBX_TENANT_QUOTA_MAX  100000

struct sbx_tenant {
        char *name;
        unsigned char key_sha256[32];
        unsigned max_sandboxes; /* 0: only the server's --max-sandboxes */
        unsigned max_jobs;      /* 0: only the server's scheduler */
        char *ceiling_spec;     /* a policy name or file; NULL: the server's --ceiling */
        int allow_network;      /* 0 or 1; -1: the server's --allow-network */
        size_t index;           /* in its set */
        size_t line;            /* where the tenants file defines it; 0 when built in */
        /* Set when the server starts, then read-only. */
        struct sbx_ceiling *ceiling;
        /* ceiling with the output cap of ms-enclave's tool calls: what their sandboxes and
         * jobs start from and are held to */
        struct sbx_ceiling *tool_ceiling;
        /* Live. */
        atomic_uint jobs;           /* jobs in flight: waiting for a slot or running */
        struct sbx_metrics metrics; /* initialized while the server runs (serve.c) */
};

struct sbx_tenants {
        struct sbx_tenant *items;
        size_t n;
        bool keyed; /* a key picks the tenant; false: one tenant, no authentication */
        bool named; /* from a tenants file: logs name the tenant of each request */
        char *dir;  /* the tenants file's directory ("" or ending in '/'), or NULL */
};

/* Parse a tenants file's text (filename is for messages). Errors say "file:line: key: what"
 * and never show a key. -EINVAL, or -ENOMEM. */
int sbx_tenants_parse(const char *text, size_t size, const char *filename, struct sbx_tenants **out,
                      struct sbx_error **err);
/* Read and parse path: a regular file of at most SBX_TENANTS_MAX_BYTES. Ceiling files named
 * relatively in it are relative to its directory. */
int sbx_tenants_load(const char *path, struct sbx_tenants **out, struct sbx_error **err);
/* The one tenant of a server without a tenants file: api_key NULL means no authentication. */
int sbx_tenants_single(const char *api_key, struct sbx_tenants **out, struct sbx_error **err);
struct sbx_tenants *sbx_tenants_free(struct sbx_tenants *t);

/* Make every tenant's ceiling (its own, else ceiling / allow_network, the server's), and its
 * tool ceiling: the same with the output limit of ms-enclave's tool calls, tool_output_bytes
 * when it is not 0 (--tool-output), else the ceiling policy's tool_output. The operator's
 * choice, not a client's ask: not held to the ceiling's output limit. */
int sbx_tenants_open_ceilings(struct sbx_tenants *t, struct sbx_runtime *rt, const char *ceiling,
                              bool allow_network, uint64_t tool_output_bytes,
                              struct sbx_error **err);

/* The tenant whose key is key: the key is hashed and compared with every tenant's in constant
 * time (CRYPTO_memcmp), whoever matches. NULL when none does (or key is NULL); the only
 * tenant when the set is not keyed. */
struct sbx_tenant *sbx_tenants_find(struct sbx_tenants *t, const char *key);

/* Job quota: take up to want jobs (at least 1 wanted); returns how many were taken, 0 when the
 * tenant is at max_jobs. Give back what was taken. Thread-safe. */
unsigned sbx_tenant_jobs_take(struct sbx_tenant *t, unsigned want);
void sbx_tenant_jobs_give(struct sbx_tenant *t, unsigned n);

#endif
