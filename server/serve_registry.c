/* The sandboxes of sandboxrt serve and its pool. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "server/http_parse.h"
#include "server/serve_registry.h"
#include "server/serve_tenants.h"
#include "server/serve_tools.h"
#include "util.h"

static const char *const status_names[_SBX_SB_MAX] = {
    [SBX_SB_INITIALIZING] = "initializing",
    [SBX_SB_RUNNING] = "running",
    [SBX_SB_IDLE] = "idle",
    [SBX_SB_BUSY] = "busy",
    [SBX_SB_STOPPING] = "stopping",
    [SBX_SB_STOPPED] = "stopped",
    [SBX_SB_ERROR] = "error",
};

const char *sbx_sb_status_to_string(enum sbx_sb_status s)
{
        return (unsigned)s < _SBX_SB_MAX ? status_names[s] : NULL;
}

int sbx_sb_status_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_SB_MAX; i++)
                if (!strcmp(s, status_names[i]))
                        return i;
        return -EINVAL;
}

bool sbx_sandbox_type_known(const char *type)
{
        static const char *const types[] = {"docker", "docker_notebook", "volcengine"};

        for (size_t i = 0; type && i < ELEMENTSOF(types); i++)
                if (!strcmp(type, types[i]))
                        return true;
        return false;
}

struct pool_waiter {
        pthread_cond_t cond;
        struct sbx_served *granted;
        struct pool_waiter *next;
};

/* A tenant's pool: its idle members and the borrowers waiting for one. */
struct pool {
        struct sbx_served *idle_head, *idle_tail;
        struct pool_waiter *wait_head, *wait_tail;
        size_t size;
        bool initialized;
        bool replacing; /* a /pool/initialize is at work: the next waits its turn */
};

struct sbx_registry {
        struct sbx_server *srv;
        pthread_mutex_t lock;
        pthread_cond_t changed; /* an entry stopped being busy */
        struct sbx_served **items;
        size_t n, cap;
        struct pool *pools; /* by tenant index */
};

static struct pool *pool_of(struct sbx_registry *reg, const struct sbx_tenant *t)
{
        return &reg->pools[t->index];
}

static uint64_t realtime_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

int sbx_registry_new(struct sbx_server *srv, struct sbx_registry **out)
{
        struct sbx_registry *reg = calloc(1, sizeof(*reg));

        if (!reg)
                return -ENOMEM;
        reg->srv = srv;
        reg->cap = srv->cfg->max_sandboxes ? srv->cfg->max_sandboxes : 1;
        reg->items = calloc(reg->cap, sizeof(*reg->items));
        reg->pools = calloc(srv->tenants->n, sizeof(*reg->pools));
        if (!reg->items || !reg->pools) {
                free(reg->items);
                free(reg->pools);
                free(reg);
                return -ENOMEM;
        }
        pthread_mutex_init(&reg->lock, NULL);
        sbx_cond_init_monotonic(&reg->changed);
        *out = reg;
        return 0;
}

static struct sbx_pool_share *share_put(struct sbx_pool_share *s)
{
        if (s && __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) == 0) {
                sbx_pool_free(s->pool);
                free(s);
        }
        return NULL;
}

/* Frees e; what of its sandbox could not be removed is logged, and passed on in *err. */
static int entry_free(struct sbx_served *e, struct sbx_error **err)
{
        struct sbx_error *why = NULL;
        int r;

        if (!e)
                return 0;
        share_put(e->share);
        r = sbx_sandbox_close(e->sb, &why);
        if (r < 0) {
                sbx_serve_log(SBX_LOG_ERROR, "sandbox %s: %s (left for the next start to reap)",
                              e->id, why && why->message ? why->message : strerror(-r));
                if (err && !*err)
                        *err = TAKE_PTR(why);
        }
        sbx_error_free(why);
        sbx_sandbox_config_clear(&e->cfg);
        for (size_t i = 0; e->limits && e->limits[i]; i++)
                free(e->limits[i]);
        free(e->limits);
        free(e->network_note);
        free(e->type);
        free(e);
        return r;
}

struct sbx_registry *sbx_registry_free(struct sbx_registry *reg)
{
        if (!reg)
                return NULL;
        for (size_t i = 0; i < reg->n; i++)
                (void)entry_free(reg->items[i], NULL);
        free(reg->items);
        free(reg->pools);
        pthread_mutex_destroy(&reg->lock);
        pthread_cond_destroy(&reg->changed);
        free(reg);
        return NULL;
}

/* ---- creating ----------------------------------------------------------------------------- */

/* ms-enclave's id alphabet (no 0, 1, l: easy to read aloud), after the node's name when the
 * server has one: a load balancer routes on it. */
static void make_id(char id[SBX_SANDBOX_ID_MAX], const char *node)
{
        static const char alphabet[] = "23456789abcdefghijkmnopqrstuvwxyz";
        uint8_t rnd[SBX_SANDBOX_ID_LEN];
        size_t n = node ? strlen(node) : 0;

        if (n) {
                memcpy(id, node, n);
                id[n++] = SBX_NODE_ID_SEP;
        }
        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
                for (size_t i = 0; i < sizeof(rnd); i++)
                        rnd[i] = (uint8_t)(sbx_now_usec() >> (i % 8));
        for (size_t i = 0; i < SBX_SANDBOX_ID_LEN; i++)
                id[n + i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
        id[n + SBX_SANDBOX_ID_LEN] = '\0';
}

/* t NULL: any tenant's (for fresh ids). Another tenant's sandbox is not found. */
static ssize_t find_locked(struct sbx_registry *reg, const struct sbx_tenant *t, const char *id)
{
        for (size_t i = 0; i < reg->n; i++)
                if (!strcmp(reg->items[i]->id, id) && (!t || reg->items[i]->owner == t))
                        return (ssize_t)i;
        return -1;
}

static int push_limit(char **limits, size_t *n, char *s)
{
        if (!s)
                return -ENOMEM;
        limits[(*n)++] = s;
        return 0;
}

/* memory_limit in ms-enclave's units (k, m, g), which policy overrides read too: a refusal
 * then shows the client's "1024g", not a byte count. */
static char *memory_override(uint64_t bytes)
{
        static const char units[] = "gmk";

        for (int i = 0; i < 3; i++) {
                uint64_t unit = 1ull << (10 * (3 - i));
                if (bytes % unit == 0)
                        return sbx_strdup_printf("memory=%llu%c",
                                                 (unsigned long long)(bytes / unit), units[i]);
        }
        return sbx_strdup_printf("memory=%llu", (unsigned long long)bytes);
}

/* The parts of a config that are policy overrides. */
static int config_limits(struct sbx_served *e, bool allow_network)
{
        size_t n = 0;
        int r = 0;

        e->limits = calloc(4, sizeof(*e->limits));
        if (!e->limits)
                return -ENOMEM;
        if (e->cfg.memory_bytes)
                r = push_limit(e->limits, &n, memory_override(e->cfg.memory_bytes));
        if (r == 0 && e->cfg.cpu_millicores)
                r = push_limit(e->limits, &n,
                               e->cfg.cpu_millicores % 1000
                                   ? sbx_strdup_printf("cpus=%u.%03u", e->cfg.cpu_millicores / 1000,
                                                       e->cfg.cpu_millicores % 1000)
                                   : sbx_strdup_printf("cpus=%u", e->cfg.cpu_millicores / 1000));
        if (r == 0 && e->cfg.network_enabled && allow_network)
                r = push_limit(e->limits, &n, strdup("network=host"));
        if (r == 0 && e->cfg.network_enabled && !allow_network &&
            !(e->network_note = strdup("network_enabled was requested, but this server runs "
                                       "sandboxes without network (start it with "
                                       "--allow-network to permit it)")))
                r = -ENOMEM;
        return r;
}

static int create_sandbox(struct sbx_served *e, struct sbx_sandbox **out, struct sbx_error **err)
{
        struct sbx_sandbox_options opts = {
            .limits = (const char *const *)e->limits,
            .image = e->cfg.image,
            .ceiling = e->owner->tool_ceiling,
        };

        return sbx_sandbox_create(e->rt, &opts, out, err);
}

/* Would t hold more than its max_sandboxes with more new ones? Pool members count unless
 * they are about to be replaced. Lock held. */
static int quota_locked(struct sbx_registry *reg, const struct sbx_tenant *t, size_t more,
                        bool but_pool, struct sbx_error **err)
{
        size_t held = 0;

        for (size_t i = 0; i < reg->n; i++)
                held += reg->items[i]->owner == t && !(but_pool && reg->items[i]->in_pool);
        if (!t->max_sandboxes || held + more <= t->max_sandboxes)
                return 0;
        return sbx_error_set(err, EDQUOT,
                             "quota max_sandboxes (%u) of tenant %s reached: it holds %zu "
                             "sandboxes and asked for %zu more; delete some first",
                             t->max_sandboxes, t->name, held, more);
}

static int quota(struct sbx_registry *reg, const struct sbx_tenant *t, size_t more, bool but_pool,
                 struct sbx_error **err)
{
        pthread_mutex_lock(&reg->lock);
        int r = quota_locked(reg, t, more, but_pool, err);
        pthread_mutex_unlock(&reg->lock);
        return r;
}

static int insert(struct sbx_registry *reg, struct sbx_served *e, struct sbx_error **err)
{
        int r = 0;

        pthread_mutex_lock(&reg->lock);
        if ((r = quota_locked(reg, e->owner, 1, false, err)) < 0) {
                /* another request of the tenant got there first */
        } else if (reg->n == reg->cap) {
                r = sbx_error_set(err, ENOSPC, "the server holds its maximum of %zu sandboxes",
                                  reg->cap);
        } else {
                do
                        make_id(e->id, reg->srv->cfg->node_name);
                while (find_locked(reg, NULL, e->id) >= 0);
                e->refs = 2; /* the table's and the caller's */
                reg->items[reg->n++] = e;
        }
        pthread_mutex_unlock(&reg->lock);
        return r;
}

/* An entry of t's from cfg (moved into it), not yet in the table: its runtime and limits. */
static int entry_new(struct sbx_registry *reg, struct sbx_tenant *t, const char *type,
                     struct sbx_sandbox_config *cfg, struct sbx_served **out,
                     struct sbx_error **err)
{
        struct sbx_served *e = calloc(1, sizeof(*e));
        int r;

        if (!e || !(e->type = strdup(type))) {
                free(e);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        e->owner = t;
        e->cfg = *cfg;
        memset(cfg, 0, sizeof(*cfg));
        r = sbx_server_runtime_for(reg->srv, e->cfg.image, &e->rt, err);
        if (r == 0 && (r = config_limits(e, sbx_ceiling_allows_network(t->ceiling))) < 0)
                sbx_error_set(err, -r, "out of memory");
        if (r == 0)
                e->backend = sbx_runtime_backend(e->rt);
        if (r < 0) {
                (void)entry_free(e, NULL);
                return r;
        }
        *out = e;
        return 0;
}

int sbx_registry_create(struct sbx_registry *reg, struct sbx_tenant *t, const char *type,
                        struct sbx_sandbox_config *cfg, bool pool, struct sbx_served **out,
                        struct sbx_error **err)
{
        struct sbx_served *e = NULL;
        int r = pool ? 0 : quota(reg, t, 1, false, err);

        if (r == 0)
                r = entry_new(reg, t, type, cfg, &e, err);
        if (r == 0 && !pool)
                r = create_sandbox(e, &e->sb, err); /* before the table holds it */
        if (r == 0) {
                /* A pool member joins the pool (in_pool) when sbx_registry_pool_init counts it. */
                e->status = pool ? SBX_SB_INITIALIZING : SBX_SB_RUNNING;
                e->created_usec = e->updated_usec = realtime_usec();
                r = insert(reg, e, err);
        }
        if (r < 0) {
                (void)entry_free(e, NULL);
                return r;
        }
        *out = e;
        return 0;
}

/* ---- using -------------------------------------------------------------------------------- */

struct sbx_served *sbx_registry_get(struct sbx_registry *reg, const struct sbx_tenant *t,
                                    const char *id)
{
        struct sbx_served *e = NULL;

        pthread_mutex_lock(&reg->lock);
        ssize_t i = find_locked(reg, t, id);
        if (i >= 0) {
                e = reg->items[i];
                e->refs++;
        }
        pthread_mutex_unlock(&reg->lock);
        return e;
}

void sbx_registry_put(struct sbx_registry *reg, struct sbx_served *e)
{
        bool last;

        if (!e)
                return;
        pthread_mutex_lock(&reg->lock);
        last = --e->refs == 0;
        pthread_mutex_unlock(&reg->lock);
        /* Destroying may kill processes and remove a tree: never under the lock. */
        if (last)
                (void)entry_free(e, NULL);
}

static bool runnable(const struct sbx_served *e)
{
        return e->status == SBX_SB_RUNNING || e->status == SBX_SB_IDLE || e->status == SBX_SB_BUSY;
}

int sbx_registry_begin(struct sbx_registry *reg, struct sbx_served *e, const struct sbx_wait *w,
                       struct sbx_error **err)
{
        int r = 0;

        pthread_mutex_lock(&reg->lock);
        while (e->busy && !e->removed && runnable(e) && r == 0)
                r = sbx_wait_slice(&reg->changed, &reg->lock, w);
        if (r == 0 && e->removed)
                r = -ENOENT;
        else if (r == 0 && !runnable(e))
                r = -EPIPE;
        if (r == 0)
                e->busy = true;
        bool make = r == 0 && !e->sb;
        pthread_mutex_unlock(&reg->lock);
        if (make) {
                /* A pool member's first direct call; e->sb is read under the lock (a delete
                 * stops what runs in it), so it is set there. */
                struct sbx_sandbox *sb = NULL;
                r = create_sandbox(e, &sb, err);
                pthread_mutex_lock(&reg->lock);
                e->sb = sb;
                if (sb && e->removed)
                        sbx_sandbox_stop(sb);
                pthread_mutex_unlock(&reg->lock);
                if (r < 0)
                        sbx_registry_end(reg, e);
        }
        return r;
}

void sbx_registry_end(struct sbx_registry *reg, struct sbx_served *e)
{
        pthread_mutex_lock(&reg->lock);
        e->busy = false;
        e->updated_usec = realtime_usec();
        pthread_cond_broadcast(&reg->changed);
        pthread_mutex_unlock(&reg->lock);
}

enum sbx_sb_status sbx_registry_status(struct sbx_registry *reg, struct sbx_served *e)
{
        pthread_mutex_lock(&reg->lock);
        enum sbx_sb_status s = e->status;
        pthread_mutex_unlock(&reg->lock);
        return s;
}

int sbx_registry_stop(struct sbx_registry *reg, const struct sbx_tenant *t, const char *id)
{
        int r = -ENOENT;

        pthread_mutex_lock(&reg->lock);
        ssize_t i = find_locked(reg, t, id);
        if (i >= 0) {
                /* A running call finishes; later ones are refused as "not running". */
                reg->items[i]->status = SBX_SB_STOPPED;
                reg->items[i]->updated_usec = realtime_usec();
                pthread_cond_broadcast(&reg->changed);
                r = 0;
        }
        pthread_mutex_unlock(&reg->lock);
        return r;
}

static void idle_unlink_locked(struct pool *pool, struct sbx_served *e)
{
        struct sbx_served **p = &pool->idle_head, *prev = NULL;

        while (*p && *p != e) {
                prev = *p;
                p = &(*p)->next_idle;
        }
        if (!*p)
                return;
        *p = e->next_idle;
        e->next_idle = NULL;
        if (pool->idle_tail == e)
                pool->idle_tail = prev;
        e->refs--; /* the idle list's reference */
}

/* Take e out of the table (lock held); returns true when the caller must free it. */
static bool remove_locked(struct sbx_registry *reg, size_t i)
{
        struct sbx_served *e = reg->items[i];

        reg->items[i] = reg->items[--reg->n];
        e->removed = true;
        e->status = SBX_SB_STOPPING;
        /* Delete means stop, then remove: a call running in it ends now, not at its limit. */
        if (e->sb)
                sbx_sandbox_stop(e->sb);
        if (e->in_pool) {
                idle_unlink_locked(pool_of(reg, e->owner), e);
                pool_of(reg, e->owner)->size--;
        }
        pthread_cond_broadcast(&reg->changed);
        return --e->refs == 0;
}

int sbx_registry_delete(struct sbx_registry *reg, const struct sbx_tenant *t, const char *id,
                        struct sbx_error **err)
{
        struct sbx_served *dead = NULL;
        int r = -ENOENT;

        pthread_mutex_lock(&reg->lock);
        ssize_t i = find_locked(reg, t, id);
        if (i >= 0) {
                struct sbx_served *e = reg->items[i];
                if (remove_locked(reg, (size_t)i))
                        dead = e;
                r = 0;
        }
        pthread_mutex_unlock(&reg->lock);
        return r < 0 ? r : entry_free(dead, err);
}

/* ---- reporting ---------------------------------------------------------------------------- */

static cJSON *info_locked(struct sbx_registry *reg, struct sbx_served *e)
{
        cJSON *o = cJSON_CreateObject(), *meta = cJSON_CreateObject();
        cJSON *tools = cJSON_CreateObject();
        cJSON *config = cJSON_Parse(e->cfg.echo ? e->cfg.echo : "{}");
        char created[32], updated[32];

        sbx_http_format_time(e->created_usec, created, sizeof(created));
        sbx_http_format_time(e->updated_usec, updated, sizeof(updated));
        cJSON_AddStringToObject(o, "id", e->id);
        cJSON_AddStringToObject(o, "status", sbx_sb_status_to_string(e->status));
        cJSON_AddStringToObject(o, "type", e->type);
        cJSON_AddItemToObject(o, "config", config ? config : cJSON_CreateObject());
        cJSON_AddStringToObject(o, "created_at", created);
        cJSON_AddStringToObject(o, "updated_at", updated);
        cJSON_AddStringToObject(meta, "backend", e->backend ? e->backend : "none");
        cJSON_AddBoolToObject(meta, "pool", e->in_pool);
        cJSON_AddStringToObject(meta, "network",
                                e->cfg.network_enabled && !e->network_note ? "host" : "none");
        if (e->network_note)
                cJSON_AddStringToObject(meta, "network_note", e->network_note);
        cJSON_AddItemToObject(o, "metadata", meta);
        for (int t = 0; t < _SBX_TOOL_MAX; t++)
                if (e->cfg.tools & (1u << t))
                        cJSON_AddItemToObject(tools, sbx_tool_to_string(t),
                                              sbx_tool_schema((enum sbx_tool_id)t));
        cJSON_AddItemToObject(o, "available_tools", tools);
        return o;
}

cJSON *sbx_registry_info(struct sbx_registry *reg, struct sbx_served *e)
{
        pthread_mutex_lock(&reg->lock);
        cJSON *o = info_locked(reg, e);
        pthread_mutex_unlock(&reg->lock);
        return o;
}

cJSON *sbx_registry_list(struct sbx_registry *reg, const struct sbx_tenant *t, int status_filter)
{
        cJSON *list = cJSON_CreateArray();

        pthread_mutex_lock(&reg->lock);
        for (size_t i = 0; list && i < reg->n; i++)
                if (reg->items[i]->owner == t &&
                    (status_filter < 0 || (int)reg->items[i]->status == status_filter))
                        cJSON_AddItemToArray(list, info_locked(reg, reg->items[i]));
        pthread_mutex_unlock(&reg->lock);
        return list;
}

void sbx_registry_counts(struct sbx_registry *reg, const struct sbx_tenant *t,
                         size_t counts[_SBX_SB_MAX], size_t *total)
{
        memset(counts, 0, sizeof(size_t) * _SBX_SB_MAX);
        *total = 0;
        pthread_mutex_lock(&reg->lock);
        for (size_t i = 0; i < reg->n; i++)
                if (!t || reg->items[i]->owner == t) {
                        counts[reg->items[i]->status]++;
                        (*total)++;
                }
        pthread_mutex_unlock(&reg->lock);
}

cJSON *sbx_registry_types(struct sbx_registry *reg, const struct sbx_tenant *t)
{
        cJSON *o = cJSON_CreateObject();

        pthread_mutex_lock(&reg->lock);
        for (size_t i = 0; o && i < reg->n; i++) {
                if (reg->items[i]->owner != t)
                        continue;
                cJSON *n = cJSON_GetObjectItemCaseSensitive(o, reg->items[i]->type);
                if (n)
                        cJSON_SetNumberValue(n, n->valuedouble + 1);
                else
                        cJSON_AddNumberToObject(o, reg->items[i]->type, 1);
        }
        pthread_mutex_unlock(&reg->lock);
        return o;
}

size_t sbx_registry_cleanup(struct sbx_registry *reg, uint64_t now)
{
        const uint64_t hour = 3600ull * 1000000;
        struct sbx_served *dead[64];
        size_t n_dead = 0, removed = 0;

        pthread_mutex_lock(&reg->lock);
        for (size_t i = 0; i < reg->n;) {
                struct sbx_served *e = reg->items[i];
                bool ended = e->status == SBX_SB_STOPPED || e->status == SBX_SB_ERROR;
                bool expired =
                    (ended && now > e->updated_usec + hour) || now > e->created_usec + 48 * hour;
                if (!expired || n_dead == ELEMENTSOF(dead)) {
                        i++;
                        continue;
                }
                removed++;
                if (remove_locked(reg, i)) /* the slot now holds another entry: same i */
                        dead[n_dead++] = e;
        }
        pthread_mutex_unlock(&reg->lock);
        for (size_t i = 0; i < n_dead; i++)
                (void)entry_free(dead[i], NULL);
        return removed;
}

/* ---- pool --------------------------------------------------------------------------------- */

/* Give an idle member to the borrower that waited longest, or put it on the idle list of its
 * tenant's pool. Either holder gets its own reference. Lock held. */
static void offer_locked(struct sbx_registry *reg, struct sbx_served *e)
{
        struct pool *pool = pool_of(reg, e->owner);
        struct pool_waiter *w = pool->wait_head;

        e->refs++;
        e->updated_usec = realtime_usec();
        if (w) {
                pool->wait_head = w->next;
                if (!pool->wait_head)
                        pool->wait_tail = NULL;
                e->status = SBX_SB_BUSY;
                w->granted = e;
                pthread_cond_signal(&w->cond);
                return;
        }
        e->status = SBX_SB_IDLE;
        e->next_idle = NULL;
        if (pool->idle_tail)
                pool->idle_tail->next_idle = e;
        else
                pool->idle_head = e;
        pool->idle_tail = e;
}

static void waiter_unlink_locked(struct pool *pool, struct pool_waiter *me)
{
        struct pool_waiter **p = &pool->wait_head, *prev = NULL;

        while (*p && *p != me) {
                prev = *p;
                p = &(*p)->next;
        }
        if (!*p)
                return;
        *p = me->next;
        if (pool->wait_tail == me)
                pool->wait_tail = prev;
}

static int pool_wait_locked(struct sbx_registry *reg, struct pool *pool, const struct sbx_wait *w,
                            struct sbx_served **out)
{
        struct pool_waiter me = {.granted = NULL};
        int r = 0;

        sbx_cond_init_monotonic(&me.cond);
        if (pool->wait_tail)
                pool->wait_tail->next = &me;
        else
                pool->wait_head = &me;
        pool->wait_tail = &me;
        while (!me.granted && pool->size > 0 && r == 0)
                r = sbx_wait_slice(&me.cond, &reg->lock, w);
        if (!me.granted)
                waiter_unlink_locked(pool, &me);
        pthread_cond_destroy(&me.cond);
        if (!me.granted)
                return r < 0 ? r : -ENOENT;
        *out = me.granted;
        return 0;
}

int sbx_registry_pool_acquire(struct sbx_registry *reg, const struct sbx_tenant *t,
                              const struct sbx_wait *w, struct sbx_served **out)
{
        struct pool *pool = pool_of(reg, t);
        int r = 0;

        pthread_mutex_lock(&reg->lock);
        if (pool->size == 0) {
                r = -ENOENT;
        } else if (pool->idle_head && !pool->wait_head) {
                struct sbx_served *e = pool->idle_head;
                pool->idle_head = e->next_idle;
                if (!pool->idle_head)
                        pool->idle_tail = NULL;
                e->next_idle = NULL;
                e->status = SBX_SB_BUSY; /* the idle list's reference passes to the caller */
                *out = e;
        } else {
                r = pool_wait_locked(reg, pool, w, out);
        }
        pthread_mutex_unlock(&reg->lock);
        return r;
}

void sbx_registry_pool_release(struct sbx_registry *reg, struct sbx_served *e)
{
        pthread_mutex_lock(&reg->lock);
        if (!e->removed && e->status == SBX_SB_BUSY)
                offer_locked(reg, e);
        pthread_mutex_unlock(&reg->lock);
        sbx_registry_put(reg, e);
}

void sbx_registry_pool_stats(struct sbx_registry *reg, const struct sbx_tenant *t, size_t *size,
                             bool *initialized)
{
        pthread_mutex_lock(&reg->lock);
        *size = pool_of(reg, t)->size;
        *initialized = pool_of(reg, t)->initialized;
        pthread_mutex_unlock(&reg->lock);
}

cJSON *sbx_registry_pool_ids(struct sbx_registry *reg, const struct sbx_tenant *t)
{
        cJSON *ids = cJSON_CreateArray();

        pthread_mutex_lock(&reg->lock);
        for (size_t i = 0; ids && i < reg->n; i++)
                if (reg->items[i]->in_pool && reg->items[i]->owner == t)
                        cJSON_AddItemToArray(ids, cJSON_CreateString(reg->items[i]->id));
        pthread_mutex_unlock(&reg->lock);
        return ids;
}

static void pool_clear(struct sbx_registry *reg, const struct sbx_tenant *t)
{
        struct sbx_served *dead[256];
        size_t n_dead;

        do {
                n_dead = 0;
                pthread_mutex_lock(&reg->lock);
                for (size_t i = 0; i < reg->n && n_dead < ELEMENTSOF(dead);) {
                        struct sbx_served *e = reg->items[i];
                        if (!e->in_pool || e->owner != t) {
                                i++;
                                continue;
                        }
                        if (remove_locked(reg, i))
                                dead[n_dead++] = e;
                }
                pthread_mutex_unlock(&reg->lock);
                for (size_t i = 0; i < n_dead; i++)
                        (void)entry_free(dead[i], NULL);
        } while (n_dead == ELEMENTSOF(dead));
}

/* The runtime pool of n sandboxes that a pool's executions run in, configured like its first
 * member e: making it proves the config (limits, ceiling, image) before the pool is used. */
static int share_new(struct sbx_served *e, unsigned n, struct sbx_pool_share **out,
                     struct sbx_error **err)
{
        struct sbx_sandbox_options opts = {
            .limits = (const char *const *)e->limits,
            .image = e->cfg.image,
            .ceiling = e->owner->tool_ceiling,
        };
        struct sbx_pool_share *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return sbx_error_set(err, ENOMEM, "out of memory");
        s->refs = 1;
        if ((r = sbx_pool_new(e->rt, &opts, n, &s->pool, err)) < 0) {
                free(s);
                return r;
        }
        *out = s;
        return 0;
}

/* The runtime pool of n sandboxes for t's pool from its config (body): making it proves the
 * config (JSON, limits within the ceiling, image), before anything of the old pool goes. */
static int pool_share(struct sbx_registry *reg, struct sbx_tenant *t, const char *type,
                      const char *body, size_t size, unsigned n, struct sbx_pool_share **out,
                      struct sbx_error **err)
{
        struct sbx_sandbox_config cfg;
        struct sbx_served *probe = NULL;
        _cleanup_free_ char *detail = NULL;
        int r = sbx_req_parse_sandbox_config(body, size, &cfg, &detail);

        if (r < 0)
                return sbx_error_set(err, -r, "%s", detail ? detail : "invalid sandbox config");
        r = entry_new(reg, t, type, &cfg, &probe, err);
        sbx_sandbox_config_clear(&cfg);
        if (r == 0)
                r = share_new(probe, n, out, err);
        (void)entry_free(probe, NULL);
        return r;
}

/* One member of t's pool, sharing its runtime pool. */
static int pool_member(struct sbx_registry *reg, struct sbx_tenant *t, const char *type,
                       const char *body, size_t size, struct sbx_pool_share *share, cJSON *ids,
                       struct sbx_error **err)
{
        struct sbx_sandbox_config cfg;
        struct sbx_served *e = NULL;
        int r = sbx_req_parse_sandbox_config(body, size, &cfg, NULL); /* pool_share parsed it */

        if (r == 0)
                r = sbx_registry_create(reg, t, type, &cfg, true, &e, err);
        sbx_sandbox_config_clear(&cfg);
        if (r < 0)
                return r;
        __atomic_add_fetch(&share->refs, 1, __ATOMIC_ACQ_REL);
        e->share = share;
        cJSON_AddItemToArray(ids, cJSON_CreateString(e->id));
        pthread_mutex_lock(&reg->lock);
        if (!e->removed) {
                e->in_pool = true;
                pool_of(reg, t)->size++;
                offer_locked(reg, e);
        }
        pthread_mutex_unlock(&reg->lock);
        sbx_registry_put(reg, e);
        return 0;
}

/* One replacement of t's pool at a time: two at once would each clear the pool, then both
 * fill it. */
static void pool_replacing(struct sbx_registry *reg, const struct sbx_tenant *t, bool start)
{
        struct pool *p = pool_of(reg, t);

        pthread_mutex_lock(&reg->lock);
        while (start && p->replacing)
                pthread_cond_wait(&reg->changed, &reg->lock);
        p->replacing = start;
        if (!start)
                pthread_cond_broadcast(&reg->changed);
        pthread_mutex_unlock(&reg->lock);
}

int sbx_registry_pool_init(struct sbx_registry *reg, struct sbx_tenant *t, unsigned n,
                           const char *type, const char *config_body, size_t config_size,
                           cJSON **ids, struct sbx_error **err)
{
        struct sbx_pool_share *share = NULL;
        cJSON *list = NULL;
        int r;

        pool_replacing(reg, t, true);
        r = quota(reg, t, n, true, err);
        if (r == 0)
                r = pool_share(reg, t, type, config_body, config_size, n, &share, err);
        if (r == 0 && !(list = cJSON_CreateArray()))
                r = sbx_error_set(err, ENOMEM, "out of memory");
        if (r == 0) {
                pool_clear(reg, t);
                for (unsigned i = 0; i < n && r == 0; i++)
                        r = pool_member(reg, t, type, config_body, config_size, share, list, err);
                if (r < 0)
                        pool_clear(reg, t);
        }
        share_put(share); /* the members hold it now */
        if (r == 0) {
                pthread_mutex_lock(&reg->lock);
                pool_of(reg, t)->initialized = true;
                pthread_mutex_unlock(&reg->lock);
                *ids = TAKE_PTR(list);
        }
        cJSON_Delete(list);
        pool_replacing(reg, t, false);
        return r;
}
