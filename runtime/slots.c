#include "slots.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

int sbx_private_dir(const char *path, mode_t mode, struct sbx_error **err)
{
        struct stat st;

        if (mkdir(path, mode) < 0 && errno != EEXIST)
                return sbx_error_set(err, errno, "creating %s: %m", path);
        if (lstat(path, &st) < 0)
                return sbx_error_set(err, errno, "%s: %m", path);
        if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
                return sbx_error_set(
                    err, EPERM, "%s is not a directory owned by us: remove it and retry", path);
        return 0;
}

int sbx_state_dir_open(char **dir, struct sbx_error **err)
{
        const char *xdg = getenv("XDG_RUNTIME_DIR");
        _cleanup_free_ char *path = NULL, *slots = NULL;
        int r;

        if (geteuid() == 0)
                path = strdup("/run/sandboxrt");
        else if (xdg && xdg[0] == '/')
                path = sbx_strdup_printf("%s/sandboxrt", xdg);
        else
                path = sbx_strdup_printf("/tmp/sandboxrt-%u", (unsigned)getuid());
        slots = path ? sbx_strdup_printf("%s/slots", path) : NULL;
        if (!slots)
                return sbx_error_set(err, ENOMEM, "out of memory");
        r = sbx_private_dir(path, 0711, err);
        if (r == 0)
                r = sbx_private_dir(slots, 0700, err);
        if (r == 0)
                *dir = TAKE_PTR(path);
        return r;
}

int sbx_slot_claim(const char *state_dir, uid_t *uid, struct sbx_error **err)
{
        char path[PATH_MAX];
        unsigned start = (unsigned)getpid() % SBX_SLOT_COUNT;

        for (unsigned i = 0; i < SBX_SLOT_COUNT; i++) {
                unsigned slot = (start + i) % SBX_SLOT_COUNT;
                snprintf(path, sizeof(path), "%s/slots/%u", state_dir, slot);
                int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return sbx_error_set(err, errno, "opening slot lock %s: %m", path);
                if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                        *uid = SBX_SLOT_UID_BASE + slot;
                        return fd;
                }
                close(fd);
        }
        return sbx_error_set(err, EAGAIN, "all %u sandbox slots are busy", SBX_SLOT_COUNT);
}
