/* Connection admission: counts per address and in total, and the choice of whom to drop. A
 * list in arrival order, scanned whole at each arrival (a few thousand entries at most: the
 * daemon's own hard limit keeps it there). */
#include "server/http_conns.h"

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct sbx_conn {
        int fd;
        uint8_t addr[16]; /* IPv4 as ::ffff:a.b.c.d, IPv6 cut to its /64 */
        uint64_t since_usec;
        enum sbx_conn_state state;
        bool over, dropped;
        struct sbx_conn *prev, *next;
};

struct sbx_conns {
        pthread_mutex_t lock;
        unsigned max, max_per_ip;
        uint64_t min_age_usec;
        unsigned open; /* not dropped */
        unsigned long dropped;
        struct sbx_conn *head, *tail;
};

struct sbx_conns *sbx_conns_new(unsigned max, unsigned max_per_ip, uint64_t min_age_usec)
{
        struct sbx_conns *c = calloc(1, sizeof(*c));

        if (c) {
                pthread_mutex_init(&c->lock, NULL);
                c->max = max;
                c->max_per_ip = max_per_ip;
                c->min_age_usec = min_age_usec;
        }
        return c;
}

struct sbx_conns *sbx_conns_free(struct sbx_conns *c)
{
        if (!c)
                return NULL;
        while (c->head) {
                struct sbx_conn *next = c->head->next;
                free(c->head);
                c->head = next;
        }
        pthread_mutex_destroy(&c->lock);
        free(c);
        return NULL;
}

/* One client is one IPv4 address or one IPv6 /64 (what one host is usually given). */
static void address_key(const struct sockaddr *sa, socklen_t len, uint8_t key[16])
{
        memset(key, 0, 16);
        if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
                key[10] = key[11] = 0xff;
                memcpy(key + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
        } else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
                const struct in6_addr *a =
                    &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
                memcpy(key, a, IN6_IS_ADDR_V4MAPPED(a) ? 16 : 8);
        }
}

/* The connection to drop for room: idle ones before those reading a request, the oldest
 * first; of one address when same is set. NULL when every one is being served or too young. */
static struct sbx_conn *victim(struct sbx_conns *c, const struct sbx_conn *same,
                               const struct sbx_conn *except, uint64_t now)
{
        struct sbx_conn *best = NULL;

        for (struct sbx_conn *x = c->head; x; x = x->next) {
                if (x == except || x->dropped || x->state == SBX_CONN_BUSY ||
                    now - x->since_usec < c->min_age_usec)
                        continue;
                if (same && memcmp(x->addr, same->addr, sizeof(x->addr)))
                        continue;
                if (!best || x->state < best->state ||
                    (x->state == best->state && x->since_usec < best->since_usec))
                        best = x;
        }
        return best;
}

static void drop(struct sbx_conns *c, struct sbx_conn *x)
{
        x->dropped = true;
        c->open--;
        c->dropped++;
        (void)shutdown(x->fd, SHUT_RDWR);
}

static unsigned count_address(struct sbx_conns *c, const struct sbx_conn *conn)
{
        unsigned n = 0;

        for (struct sbx_conn *x = c->head; x; x = x->next)
                n += !x->dropped && !memcmp(x->addr, conn->addr, sizeof(x->addr));
        return n;
}

struct sbx_conn *sbx_conns_add(struct sbx_conns *c, int fd, const struct sockaddr *addr,
                               socklen_t len)
{
        struct sbx_conn *conn = calloc(1, sizeof(*conn)), *x;

        if (!conn)
                return NULL;
        conn->fd = fd;
        conn->since_usec = sbx_now_usec();
        address_key(addr, len, conn->addr);
        pthread_mutex_lock(&c->lock);
        conn->prev = c->tail;
        if (c->tail)
                c->tail->next = conn;
        else
                c->head = conn;
        c->tail = conn;
        c->open++;
        if (c->max_per_ip && count_address(c, conn) > c->max_per_ip) {
                if ((x = victim(c, conn, conn, conn->since_usec)))
                        drop(c, x);
                else
                        conn->over = true;
        }
        if (!conn->over && c->max && c->open > c->max) {
                if ((x = victim(c, NULL, conn, conn->since_usec)))
                        drop(c, x);
                else
                        conn->over = true;
        }
        pthread_mutex_unlock(&c->lock);
        return conn;
}

void sbx_conns_remove(struct sbx_conns *c, struct sbx_conn *conn)
{
        if (!conn)
                return;
        pthread_mutex_lock(&c->lock);
        if (conn->prev)
                conn->prev->next = conn->next;
        else
                c->head = conn->next;
        if (conn->next)
                conn->next->prev = conn->prev;
        else
                c->tail = conn->prev;
        if (!conn->dropped)
                c->open--;
        pthread_mutex_unlock(&c->lock);
        free(conn);
}

void sbx_conn_set_state(struct sbx_conns *c, struct sbx_conn *conn, enum sbx_conn_state s)
{
        if (!conn)
                return;
        pthread_mutex_lock(&c->lock);
        if (s == SBX_CONN_IDLE)
                conn->since_usec = sbx_now_usec();
        conn->state = s;
        pthread_mutex_unlock(&c->lock);
}

bool sbx_conn_over(struct sbx_conns *c, const struct sbx_conn *conn)
{
        pthread_mutex_lock(&c->lock);
        bool over = conn && conn->over;
        pthread_mutex_unlock(&c->lock);
        return over;
}

void sbx_conns_stats(struct sbx_conns *c, unsigned *open, unsigned long *dropped)
{
        pthread_mutex_lock(&c->lock);
        *open = c->open;
        *dropped = c->dropped;
        pthread_mutex_unlock(&c->lock);
}
