/* Owner records: see owner.h. */
#include "owner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

#define ENV_STATE_DIR "SANDBOXRT_STATE_DIR"
#define OWNERS        "owners"
#define MAX_DEAD      4096
#define NEW_RETRIES   8

struct sbx_owner {
        int fd;
        char token[SBX_OWNER_TOKEN_LEN + 1];
};

struct dead {
        int fd;
        bool keep;
        char token[SBX_OWNER_TOKEN_LEN + 1];
        char *name; /* the record's file name */
};

struct sbx_owners {
        int dir_fd; /* owners/ */
        struct dead *v;
        size_t n;
};

/* ---- the state dir ----------------------------------------------------------------------- */

/* name (in at), made if missing; it must be a directory of ours, else 1 with *st filled. */
static int private_dir_at(int at, const char *name, const char *shown, mode_t mode, struct stat *st,
                          struct sbx_error **err)
{
        if (mkdirat(at, name, mode) < 0 && errno != EEXIST)
                return sbx_error_set(err, errno, "creating %s: %m", shown);
        if (fstatat(at, name, st, AT_SYMLINK_NOFOLLOW) < 0)
                return sbx_error_set(err, errno, "%s: %m", shown);
        return !S_ISDIR(st->st_mode) || st->st_uid != geteuid();
}

/* What is wrong with a state dir that is not a directory of ours. */
static const char *not_ours(const struct stat *st)
{
        return !S_ISDIR(st->st_mode) ? "is not a directory" : "belongs to another user";
}

int sbx_state_subdir(const char *state_dir, const char *name, mode_t mode, struct sbx_error **err)
{
        _cleanup_free_ char *shown = sbx_strdup_printf("%s/%s", state_dir, name);
        _cleanup_close_ int fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        struct stat st;
        int r;

        if (!shown)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (fd < 0)
                return sbx_error_set(err, errno, "opening %s: %m", state_dir);
        r = private_dir_at(fd, name, shown, mode, &st, err);
        if (r > 0)
                return sbx_error_set(err, EPERM,
                                     "%s %s (uid %u; we are uid %u): remove it, it is not "
                                     "sandboxrt's",
                                     shown, not_ours(&st), (unsigned)st.st_uid,
                                     (unsigned)geteuid());
        return r;
}

static char *default_state_dir(void)
{
        const char *env = getenv(ENV_STATE_DIR), *xdg = getenv("XDG_RUNTIME_DIR");

        if (env && *env)
                return strdup(env);
        if (geteuid() == 0)
                return strdup("/run/sandboxrt");
        if (xdg && xdg[0] == '/')
                return sbx_strdup_printf("%s/sandboxrt", xdg);
        return sbx_strdup_printf("/tmp/sandboxrt-%u", (unsigned)geteuid());
}

int sbx_state_dir_open(char **out, struct sbx_error **err)
{
        _cleanup_free_ char *dir = default_state_dir();
        int r;

        if (!dir)
                return sbx_error_set(err, ENOMEM, "out of memory");
        if (dir[0] != '/')
                return sbx_error_set(err, EINVAL, "$" ENV_STATE_DIR "=%s: want an absolute path",
                                     dir);
        struct stat st;
        r = private_dir_at(AT_FDCWD, dir, dir, 0711, &st, err);
        if (r > 0)
                /* A shared directory (/tmp), or one another user made first where ours goes. */
                return sbx_error_set(err, EINVAL,
                                     "state dir %s %s (uid %u; we are uid %u): set "
                                     "$" ENV_STATE_DIR " to a directory of your own (or to one "
                                     "that does not exist yet)",
                                     dir, not_ours(&st), (unsigned)st.st_uid, (unsigned)geteuid());
        if (r == 0)
                r = sbx_state_subdir(dir, OWNERS, 0700, err);
        if (r < 0)
                return r;
        *out = TAKE_PTR(dir);
        return 0;
}

/* ---- an owner's record ------------------------------------------------------------------- */

/* FNV-1a: scopes only need telling apart, not hiding. */
static unsigned long long scope_hash(const char *scope)
{
        unsigned long long h = 0xcbf29ce484222325ull;

        for (const unsigned char *p = (const unsigned char *)scope; *p; p++)
                h = (h ^ *p) * 0x100000001b3ull;
        return h;
}

static int new_token(char token[SBX_OWNER_TOKEN_LEN + 1])
{
        unsigned char rnd[SBX_OWNER_TOKEN_LEN / 2];

        if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
                return -errno;
        for (size_t i = 0; i < sizeof(rnd); i++)
                snprintf(token + 2 * i, 3, "%02x", rnd[i]);
        return 0;
}

/* The record is created under a dot name, locked, then renamed into place: a reaper, which
 * ignores dot names, never sees it unlocked. */
static int create_locked(int dir_fd, const char *kind, const char *scope, struct sbx_owner *o)
{
        char tmp[SBX_OWNER_TOKEN_LEN + 2], name[256];
        int r;

        if ((r = new_token(o->token)) < 0)
                return r;
        snprintf(tmp, sizeof(tmp), ".%s", o->token);
        snprintf(name, sizeof(name), "%s.%016llx.%s", kind, scope_hash(scope), o->token);
        o->fd = openat(dir_fd, tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (o->fd < 0)
                return -errno;
        if (flock(o->fd, LOCK_EX | LOCK_NB) < 0 || renameat(dir_fd, tmp, dir_fd, name) < 0) {
                r = -errno;
                (void)unlinkat(dir_fd, tmp, 0);
                sbx_closep(&o->fd);
                return r;
        }
        return 0;
}

int sbx_owner_new(const char *state_dir, const char *kind, const char *scope,
                  struct sbx_owner **out, struct sbx_error **err)
{
        _cleanup_free_ char *path = sbx_strdup_printf("%s/" OWNERS, state_dir);
        _cleanup_close_ int dir_fd = -1;
        struct sbx_owner *o = calloc(1, sizeof(*o));
        int r = -EEXIST;

        if (!o || !path) {
                free(o);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        o->fd = -1;
        dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        /* A clash of random tokens (EEXIST) or a racing reaper (EWOULDBLOCK): another token. */
        for (int i = 0; dir_fd >= 0 && i < NEW_RETRIES && (r == -EEXIST || r == -EWOULDBLOCK); i++)
                r = create_locked(dir_fd, kind, scope ? scope : "", o);
        if (dir_fd < 0 || r < 0) {
                r = dir_fd < 0 ? errno : -r;
                free(o);
                return sbx_error_set(err, r, "creating the owner record in %s: %s", path,
                                     strerror(r));
        }
        *out = o;
        return 0;
}

const char *sbx_owner_token(const struct sbx_owner *o)
{
        return o->token;
}

struct sbx_owner *sbx_owner_free(struct sbx_owner *o)
{
        if (o) {
                sbx_closep(&o->fd);
                free(o);
        }
        return NULL;
}

/* ---- reaping ----------------------------------------------------------------------------- */

static bool is_token(const char *s, size_t len)
{
        return len == SBX_OWNER_TOKEN_LEN && strspn(s, "0123456789abcdef") >= len;
}

/* A record of ours (prefix "<kind>.<scope>.") whose lock we can take: added, locked. */
static int try_record(struct sbx_owners *d, const char *name, const char *prefix)
{
        size_t plen = strlen(prefix);
        struct dead *grown;
        char *copy;
        int fd;

        if (strncmp(name, prefix, plen) != 0 || !is_token(name + plen, strlen(name + plen)))
                return 0;
        fd = openat(d->dir_fd, name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
        if (fd < 0)
                return 0; /* removed meanwhile by another reaper */
        if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
                close(fd);
                return 0; /* alive */
        }
        grown = realloc(d->v, (d->n + 1) * sizeof(*d->v));
        if (grown)
                d->v = grown;
        copy = grown ? strdup(name) : NULL;
        if (!copy) {
                close(fd);
                return -ENOMEM;
        }
        d->v[d->n] = (struct dead){.fd = fd, .name = copy};
        snprintf(d->v[d->n].token, sizeof(d->v[d->n].token), "%s", name + plen);
        d->n++;
        return 0;
}

static int scan(struct sbx_owners *d, const char *prefix)
{
        int fd = openat(d->dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *dir = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        int r = 0;

        if (!dir) {
                r = -errno;
                sbx_closep(&fd);
                return r;
        }
        while (r == 0 && d->n < MAX_DEAD && (de = readdir(dir)))
                if (de->d_name[0] != '.')
                        r = try_record(d, de->d_name, prefix);
        closedir(dir);
        return r;
}

int sbx_owners_find_dead(const char *state_dir, const char *kind, const char *scope,
                         struct sbx_owners **out, struct sbx_error **err)
{
        _cleanup_free_ char *path = sbx_strdup_printf("%s/" OWNERS, state_dir);
        _cleanup_free_ char *prefix =
            sbx_strdup_printf("%s.%016llx.", kind, scope_hash(scope ? scope : ""));
        struct sbx_owners *d = calloc(1, sizeof(*d));
        int r;

        if (!d || !path || !prefix) {
                free(d);
                return sbx_error_set(err, ENOMEM, "out of memory");
        }
        d->dir_fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        r = d->dir_fd < 0 ? -errno : scan(d, prefix);
        if (r < 0) {
                sbx_owners_release(d);
                return sbx_error_set(err, -r, "listing the owner records in %s: %s", path,
                                     strerror(-r));
        }
        *out = d;
        return 0;
}

size_t sbx_owners_count(const struct sbx_owners *d)
{
        return d ? d->n : 0;
}

const char *sbx_owners_match(const struct sbx_owners *d, const char *name)
{
        for (size_t i = 0; d && i < d->n; i++)
                if (strncmp(name, d->v[i].token, SBX_OWNER_TOKEN_LEN) == 0 &&
                    (name[SBX_OWNER_TOKEN_LEN] == '-' || name[SBX_OWNER_TOKEN_LEN] == '\0'))
                        return d->v[i].token;
        return NULL;
}

void sbx_owners_keep(struct sbx_owners *d, const char *token)
{
        for (size_t i = 0; d && token && i < d->n; i++)
                if (strcmp(d->v[i].token, token) == 0)
                        d->v[i].keep = true;
}

void sbx_owners_keep_all(struct sbx_owners *d)
{
        for (size_t i = 0; d && i < d->n; i++)
                d->v[i].keep = true;
}

struct sbx_owners *sbx_owners_release(struct sbx_owners *d)
{
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n; i++) {
                /* Unlinked while still locked: a reaper that opened it before can only take the
                 * lock once we are done, and then finds nothing of it left. */
                if (!d->v[i].keep)
                        (void)unlinkat(d->dir_fd, d->v[i].name, 0);
                close(d->v[i].fd);
                free(d->v[i].name);
        }
        free(d->v);
        sbx_closep(&d->dir_fd);
        free(d);
        return NULL;
}
