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
#define SBX_SLOT_ROOT_DIR "/run/sandboxrt/slots"

/* Where the slot locks live. As root: /run/sandboxrt/slots whatever the state dir, because the
 * uids are the host's and every root instance must see the same locks; otherwise (a Docker
 * backend run by a user) <state dir>/slots. Created when missing. *out is malloc'd. */
int sbx_slot_dir(const char *state_dir, char **out, struct sbx_error **err);

/* Claim a free uid of the range: returns the locked fd (close it to release) and the uid, or
 * -EAGAIN when all are taken, < 0 with *err filled. Thread-safe; each claim is its own open file
 * description, so two claims of one process never get the same uid. */
int sbx_slot_claim(const char *slot_dir, uid_t *uid, struct sbx_error **err);

#endif
