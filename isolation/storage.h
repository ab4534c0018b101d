/* Work dirs that outlive one jail (a stateful sandbox's, or a compiled language's shared by its
 * compile and run steps): each is a tmpfs of its own, capped in bytes and inodes, mounted
 * nosuid,nodev by the launcher in a mount namespace only the launcher is in. Nothing of it is on
 * a host disk or in the host's mount table; an unmount frees it whatever the sandbox did to its
 * tree, and it all goes when the launcher exits. Used by the launcher (single-threaded), but for
 * sbx_storage_devices. */
#ifndef SBX_STORAGE_H
#define SBX_STORAGE_H

#include <stdint.h>
#include <sys/types.h>

#include "sandboxrt.h"

struct sbx_storage {
        int home_fd; /* the mount namespace supervisors (and so jails) run in */
        int dir_fd;  /* the mount points of the work dirs: a small tmpfs of the namespace */
        uint64_t last_id;
};

/* Move the calling process into a mount namespace of its own, where work dirs get mounted;
 * st->home_fd keeps the one it left for its children (sbx_storage_leave). Without root, first
 * a user namespace of its own (mapping only our uid and gid, to themselves), so that it may
 * mount: its children then run in it too. boxes is an empty directory of ours, covered in the
 * new namespace by the tmpfs holding the mount points. The process must be single-threaded.
 * Returns 0, or < 0 with *err filled. */
int sbx_storage_open(struct sbx_storage *st, const char *boxes, struct sbx_error **err);

/* A forked child of the launcher goes back to the namespace the launcher came from (the one
 * jails must copy: without the work dirs' mounts) and drops the storage's fds. Returns 0 or
 * -errno. */
int sbx_storage_leave(struct sbx_storage *st);

/* A new work dir of bytes (and one inode per SBX_TMPFS_BYTES_PER_INODE of them), mode 0755,
 * owned by uid/gid (ids of the namespace sbx_storage_open started in). *root_fd (O_RDONLY,
 * O_DIRECTORY, close-on-exec) is its top directory, for the host's file operations and for
 * sbx_storage_clone; *id names it for sbx_storage_remove. */
int sbx_storage_create(struct sbx_storage *st, uint64_t bytes, uid_t uid, gid_t gid, uint64_t *id,
                       int *root_fd, struct sbx_error **err);

/* A detached copy of the work dir whose top directory is root_fd, for one jail to attach at its
 * /sandbox with move_mount(2). Returns the mount's fd (close-on-exec) or -errno. */
int sbx_storage_clone(int root_fd);

/* As root (a supervisor): a jail's whole /dev, for it to attach: a detached tmpfs, read-only,
 * nosuid and noexec, of private device nodes (sbx_jail_devices, made like the host's: new
 * inodes, so that what the jail does with them, a lock, reaches no host process), the links to
 * the fds and the shm mount point (jail.h). Returns the mount's fd (close-on-exec), or -errno. */
int sbx_storage_devices(void);

/* Unmount work dir id: its memory is freed once the jails using it have ended and every fd of
 * it is closed. Unknown ids are ignored. Returns 0, or -errno when it stays mounted (until the
 * launcher exits). */
int sbx_storage_remove(struct sbx_storage *st, uint64_t id);

#endif
