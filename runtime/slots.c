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

#include "owner.h"
#include "util.h"

int sbx_slot_dir(const char *state_dir, char **out, struct sbx_error **err)
{
        int r;

        if (geteuid() != 0) {
                r = sbx_state_subdir(state_dir, "slots", 0700, err);
                *out = r == 0 ? sbx_strdup_printf("%s/slots", state_dir) : NULL;
        } else {
                r = sbx_state_subdir("/run", "sandboxrt", 0711, err);
                if (r == 0)
                        r = sbx_state_subdir("/run/sandboxrt", "slots", 0700, err);
                *out = r == 0 ? strdup(SBX_SLOT_ROOT_DIR) : NULL;
        }
        if (r == 0 && !*out)
                r = sbx_error_set(err, ENOMEM, "out of memory");
        return r;
}

int sbx_slot_claim(const char *slot_dir, uid_t *uid, struct sbx_error **err)
{
        char path[PATH_MAX];
        unsigned start = (unsigned)getpid() % SBX_SLOT_COUNT;

        for (unsigned i = 0; i < SBX_SLOT_COUNT; i++) {
                unsigned slot = (start + i) % SBX_SLOT_COUNT;
                snprintf(path, sizeof(path), "%s/%u", slot_dir, slot);
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
