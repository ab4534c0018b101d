/* Emptying a pooled container's tmpfs volumes from the host, between two jobs. Internal. */
#ifndef SBX_DOCKER_WIPE_H
#define SBX_DOCKER_WIPE_H

#include <sys/types.h>

/* Remove everything under the tmpfs mounted at path and reset the directory's owner and mode.
 * Never follows a symlink: every step is openat/unlinkat under a directory fd with O_NOFOLLOW.
 * -EXDEV when path is not a tmpfs (the volume is not visible from here). Call only when no
 * process of the sandbox can run. */
int sbx_docker_wipe_tmpfs(const char *path, uid_t uid, gid_t gid, mode_t mode);

#endif
