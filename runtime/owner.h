/* Who owns what sandboxrt leaves on the host (job cgroups, stateful work dirs, containers), so
 * that an instance never touches the live work of another, whatever pid namespace either runs in.
 *
 * Every instance (a native launcher with its supervisors, a Docker backend) creates a record
 * <state dir>/owners/<kind>.<scope>.<token> and holds an exclusive flock(2) on it for its whole
 * life: forked processes share the lock, and the kernel drops it when the last of them exits,
 * however it dies. What the instance leaves on the host carries <token> (random, never reused).
 *
 * A reaper takes the locks it can get: those owners are dead, which neither pid reuse nor a pid
 * namespace can fake (unlike kill(pid, 0)). A thing whose token has no record the reaper can see
 * (another /run, another state dir) is never touched: its owner cannot be proven dead. Once a dead
 * owner's things are gone, the reaper removes its record, so records do not pile up.
 *
 * scope says where an owner's things live besides the state dir (the cgroup parent, the Docker
 * engine's socket): a reaper only takes the records of its own scope, where it looks.
 *
 * Nothing here prints. Not thread-safe: one thread uses a struct sbx_owners. */
#ifndef SBX_OWNER_H
#define SBX_OWNER_H

#include <stdbool.h>
#include <stddef.h>

#include "sandboxrt.h"

#define SBX_OWNER_TOKEN_LEN 16 /* hex digits */

/* The directory for host state, created (0711) when missing, with owners/ inside:
 * $SANDBOXRT_STATE_DIR (absolute), else /run/sandboxrt as root, else $XDG_RUNTIME_DIR/sandboxrt,
 * else /tmp/sandboxrt-<uid>. Refused unless it is a directory owned by us. *out is malloc'd. */
int sbx_state_dir_open(char **out, struct sbx_error **err);
/* Create DIR (mode) under it unless it exists; it must then be a directory owned by us. */
int sbx_state_subdir(const char *state_dir, const char *name, mode_t mode, struct sbx_error **err);

/* This instance's record. */
struct sbx_owner;

/* Create and lock a record for kind ("native", "docker": a short word) in state_dir's owners/.
 * The fd is close-on-exec; processes forked afterwards share the lock. */
int sbx_owner_new(const char *state_dir, const char *kind, const char *scope,
                  struct sbx_owner **out, struct sbx_error **err);
/* SBX_OWNER_TOKEN_LEN hex digits, owned by o. */
const char *sbx_owner_token(const struct sbx_owner *o);
/* Close our fd (the lock goes with the last process sharing it). The record stays for a later
 * reaper: processes forked from us may still be cleaning up. Accepts NULL, returns NULL. */
struct sbx_owner *sbx_owner_free(struct sbx_owner *o);

/* The dead owners of one kind and scope found by one reaping pass, each locked by it. */
struct sbx_owners;

/* Find them (cheap: one readdir of owners/ and a non-blocking flock per record of that kind and
 * scope). *out is set even when none is dead. */
int sbx_owners_find_dead(const char *state_dir, const char *kind, const char *scope,
                         struct sbx_owners **out, struct sbx_error **err);
size_t sbx_owners_count(const struct sbx_owners *d);
/* When name begins with a dead owner's token followed by '-' or the end, that token (owned by
 * d); else NULL. */
const char *sbx_owners_match(const struct sbx_owners *d, const char *name);
/* Something of token could not be removed: keep its record for a later pass. */
void sbx_owners_keep(struct sbx_owners *d, const char *token);
/* Not every place was searched (a listing failed): keep every record. */
void sbx_owners_keep_all(struct sbx_owners *d);
/* Remove the records of the dead owners nothing was kept of, and unlock all. Accepts NULL,
 * returns NULL. */
struct sbx_owners *sbx_owners_release(struct sbx_owners *d);

#endif
