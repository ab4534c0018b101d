/* Host-side access to directories a sandbox could write to: everything goes through openat()
 * relative to a directory fd with O_NOFOLLOW, never through a path string (Judge0
 * CVE-2024-28185: a planted symlink must not redirect the host's reads, writes or deletes). */
#ifndef SBX_FSUTIL_H
#define SBX_FSUTIL_H

#include "sandboxrt.h"

/* Remove name (file or whole tree) under dirfd, never following symlinks. */
int sbx_rm_rf_at(int dirfd, const char *name);
/* Remove everything inside dirfd. */
int sbx_rm_contents_at(int dirfd);

/* Paths are relative to dirfd ("a/b.txt"; a leading "/sandbox/" is accepted); ".." and
 * absolute paths elsewhere are refused with -EINVAL. */
int sbx_write_file_beneath(int dirfd, const struct sbx_file *file, uid_t owner,
                           struct sbx_error **err);
int sbx_read_file_beneath(int dirfd, const char *path, size_t max_bytes, struct sbx_output *out,
                          struct sbx_error **err);
int sbx_remove_beneath(int dirfd, const char *path, struct sbx_error **err);

#endif
