/* Reaping: the job cgroups (job-<owner token>-...) that dead owners left behind (SIGKILLed, so
 * no cleanup ran). Those of live owners are never touched, whatever pid namespace they run in. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_internal.h"
#include "owner.h"
#include "util.h"

#define MAX_REAP 4096

/* The token of a dead owner when name is one of its job cgroups. */
static const char *dead_owner(const struct sbx_owners *dead, const char *name)
{
        if (strncmp(name, "job-", 4) != 0 || strlen(name) >= sizeof(((struct sbx_cgroup *)0)->name))
                return NULL;
        return sbx_owners_match(dead, name + 4);
}

static int add_name(char ***names, size_t *n, const char *name)
{
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*names)[i], name) == 0)
                        return 0;
        char **grown = realloc(*names, (*n + 1) * sizeof(**names));
        if (!grown)
                return -ENOMEM;
        *names = grown;
        if (!(grown[*n] = strdup(name)))
                return -ENOMEM;
        (*n)++;
        return 0;
}

/* Dead owners' job cgroups in one parent. Collected first: removing while readdir runs could
 * skip entries. */
static int collect_dead(int parent_fd, const struct sbx_owners *dead, char ***names, size_t *n)
{
        int fd = openat(parent_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
        struct dirent *de;
        int r = 0;

        if (!d) {
                r = -errno;
                sbx_closep(&fd);
                return r;
        }
        while (r == 0 && *n < MAX_REAP && (de = readdir(d)))
                if ((de->d_type == DT_DIR || de->d_type == DT_UNKNOWN) &&
                    dead_owner(dead, de->d_name))
                        r = add_name(names, n, de->d_name);
        closedir(d);
        return r;
}

/* The owner is dead and its record locked by the caller: nobody else creates this name. */
static int reap_one(struct sbx_cgroup_host *h, const char *name)
{
        struct sbx_cgroup *cg = sbx_cg_job_new(h);
        int r;

        if (!cg)
                return -ENOMEM;
        snprintf(cg->name, sizeof(cg->name), "%s", name);
        cg->adopted = true;
        for (size_t i = 0; i < h->n; i++)
                cg->dir[i] =
                    openat(h->h[i].parent_fd, name, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
        r = sbx_cg_job_remove(cg);
        sbx_cg_job_free(cg);
        return r;
}

int sbx_cgroup_reap(struct sbx_cgroup_host *h, struct sbx_owners *dead, struct sbx_error **err)
{
        char **names = NULL;
        size_t n = 0;
        int r = 0, first = 0;
        const char *bad = NULL;

        if (!h || !h->drv || sbx_owners_count(dead) == 0)
                return 0;
        for (size_t i = 0; i < h->n && r == 0; i++)
                if ((r = collect_dead(h->h[i].parent_fd, dead, &names, &n)) < 0)
                        bad = h->h[i].parent;
        for (size_t i = 0; i < n; i++) {
                int rr = reap_one(h, names[i]);
                if (rr < 0)
                        sbx_owners_keep(dead, dead_owner(dead, names[i]));
                if (rr < 0 && !first)
                        first = sbx_error_set(err, -rr, "cgroup: removing leftover %s/%s: %s",
                                              h->h[0].parent, names[i], strerror(-rr));
        }
        for (size_t i = 0; i < n; i++)
                free(names[i]);
        free(names);
        if (r < 0)
                sbx_owners_keep_all(dead); /* not all seen: no record may go */
        if (r < 0 && !first)
                first =
                    sbx_error_set(err, -r, "cgroup: listing %s: %s", bad ? bad : "?", strerror(-r));
        return first;
}
