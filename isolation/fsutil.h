/* Host-side access to directories a sandbox could write to: everything goes through openat()
 * relative to a directory fd with O_NOFOLLOW, never through a path string (Judge0
 * CVE-2024-28185: a planted symlink must not redirect the host's reads, writes or deletes).
 *
 * What a sandbox planted cannot hang or crash the caller either: no open blocks (FIFOs and
 * sockets are refused without being waited on), only regular files are read or written, and
 * removal walks any tree (any depth, any entry count, any modes the sandbox set) in constant
 * stack and a handful of file descriptors. Not thread-safe on one directory: callers serialize
 * the operations on a sandbox, and no process of the sandbox runs meanwhile. */
#ifndef SBX_FSUTIL_H
#define SBX_FSUTIL_H

#include "sandboxrt.h"

/* Remove name (a file or a whole tree) under dirfd, never following symlinks and never
 * leaving dirfd's file system. 0 when name is gone (or never was), else -errno of the first
 * entry that could not be removed (the rest is removed all the same). */
int sbx_rm_rf_at(int dirfd, const char *name);
/* Remove everything inside dirfd, which stays. Same guarantees and errors. */
int sbx_rm_contents_at(int dirfd);

/* Paths are relative to dirfd ("a/b.txt"; a leading "/sandbox/" is accepted); ".." and
 * absolute paths elsewhere are refused with -EINVAL. Only regular files are written or read:
 * anything else at the path (a FIFO, a socket, a directory) is -EINVAL, a symlink -ELOOP,
 * each with a message naming the path. */
int sbx_write_file_beneath(int dirfd, const struct sbx_file *file, uid_t owner,
                           struct sbx_error **err);
int sbx_read_file_beneath(int dirfd, const char *path, size_t max_bytes, struct sbx_output *out,
                          struct sbx_error **err);
int sbx_remove_beneath(int dirfd, const char *path, struct sbx_error **err);

/* The directories of a sandbox's writable tmpfs, whose top directory is dirfd: one per entry of
 * sbx_writable_dirs_of(p) without its leading '/' ("sandbox", "tmp", "home/sandbox", then the
 * policy's own: "opt/data") and "shm" (for /dev/shm); /tmp and shm sticky and everyone's
 * (01777), the others 0755. Made where missing (owned by owner unless it is -1), kept with their
 * contents where they are. A name on the way that is not a directory (a link the sandbox
 * planted) is an error: what is bound at those places must be the tmpfs's own directories. */
int sbx_writable_layout(int dirfd, const struct sbx_policy *p, uid_t owner, struct sbx_error **err);

#endif
