/* Host uids for sandboxes. As root, each concurrent sandbox (a native jail, or a Docker container
 * with its jobs) runs as its own unprivileged host uid and gid from one range, so that per-user
 * kernel counters (inotify instances, queued signals, ...) are never shared and one sandbox
 * cannot signal another. A uid is claimed with a lock on its file in the state directory: every
 * sandboxrt process on the host, whichever backend, draws from the same pool, and a uid comes
 * back when its holder closes the lock (or dies). Internal to sandboxrt. */
#ifndef SBX_SLOTS_H
#define SBX_SLOTS_H

#include <sys/types.h>

#include "sandboxrt.h"

#define SBX_SLOT_UID_BASE 0x70000000u
#define SBX_SLOT_COUNT    1024u

/* The state directory, created if missing with its slots/ directory: /run/sandboxrt for root,
 * $XDG_RUNTIME_DIR/sandboxrt or /tmp/sandboxrt-<uid> for a user. Refuses a directory that is not
 * ours. *dir is malloc'd. */
int sbx_state_dir_open(char **dir, struct sbx_error **err);
/* mkdir path with mode unless it exists; fail unless it is a directory owned by us. */
int sbx_private_dir(const char *path, mode_t mode, struct sbx_error **err);

/* Claim a free uid of the range: returns the locked fd (close it to release) and the uid, or
 * -EAGAIN when all are taken, < 0 with *err filled. Thread-safe; each claim is its own open file
 * description, so two claims of one process never get the same uid. */
int sbx_slot_claim(const char *state_dir, uid_t *uid, struct sbx_error **err);

#endif
