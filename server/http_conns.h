/* The server's open connections as its admission policy sees them: how many there are per
 * client address and in total, and which to drop when a new one would go past a limit. Idle
 * and slow clients make room for new ones (the oldest goes first); a connection whose request
 * is being served is never dropped. Knows sockets, not HTTP: http_server.c tells it what each
 * connection is doing. Thread-safe. */
#ifndef SBX_HTTP_CONNS_H
#define SBX_HTTP_CONNS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum sbx_conn_state {
        SBX_CONN_IDLE,    /* connected or between requests: nothing asked yet */
        SBX_CONN_READING, /* a request is arriving (line, headers, body) */
        SBX_CONN_BUSY,    /* its request is being served */
};

struct sbx_conn;
struct sbx_conns;

/* max in total, max_per_ip per client address (IPv6: per /64). A connection is dropped for
 * room only once it has been idle or reading its request for min_age_usec: a burst of new
 * clients does not push out its own members between connect and request. */
struct sbx_conns *sbx_conns_new(unsigned max, unsigned max_per_ip, uint64_t min_age_usec);
struct sbx_conns *sbx_conns_free(struct sbx_conns *c);

/* A new connection on fd from addr. When it takes its address past max_per_ip, or the server
 * past max, the oldest idle connection (else the oldest still reading its request) of that
 * address, or of any address, is shut down (shutdown(2): its owner sees EOF and closes it),
 * if it is old enough.
 * When none may go, the new one is admitted over the limit (sbx_conn_over). NULL when out of
 * memory (the caller then refuses the connection). fd must stay open until sbx_conns_remove. */
struct sbx_conn *sbx_conns_add(struct sbx_conns *c, int fd, const struct sockaddr *addr,
                               socklen_t len);
void sbx_conns_remove(struct sbx_conns *c, struct sbx_conn *conn);
void sbx_conn_set_state(struct sbx_conns *c, struct sbx_conn *conn, enum sbx_conn_state s);
/* Admitted past a limit with nothing to drop: its requests get 503 and it is closed. */
bool sbx_conn_over(struct sbx_conns *c, const struct sbx_conn *conn);
/* Connections open (not counting those being dropped), and dropped so far. */
void sbx_conns_stats(struct sbx_conns *c, unsigned *open, unsigned long *dropped);

#endif
