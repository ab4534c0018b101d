/* Network namespaces for jobs without network. Creating one per job is cheap, but once jobs
 * follow each other the kernel tears the previous ones down under the rtnl lock that creation
 * needs too: ~20 ms a job. So the launcher (as root) keeps empty namespaces and lends each to
 * one supervisor at a time. Nothing of a payload outlives its processes there: lo stays down,
 * and the namespace belongs to the host's user namespace, where the payload has no
 * capability to configure anything. */
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "native_internal.h"

void sbx_netns_pool_init(struct netns_pool *pool, bool privileged)
{
        *pool = (struct netns_pool){.home_fd = -1};
        if (privileged)
                pool->home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
}

int sbx_netns_lend(struct netns_pool *pool)
{
        if (pool->home_fd < 0 || pool->n_lent == NETNS_POOL)
                return -1;
        if (pool->n_free)
                return pool->free[--pool->n_free];
        if (unshare(CLONE_NEWNET) < 0)
                return -1;
        int fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
        if (setns(pool->home_fd, CLONE_NEWNET) < 0)
                _exit(1); /* never hand out supervisors from the wrong namespace */
        return fd;
}

void sbx_netns_lent(struct netns_pool *pool, pid_t supervisor, int fd)
{
        if (fd < 0)
                return;
        if (supervisor > 0) {
                pool->lent[pool->n_lent].supervisor = supervisor;
                pool->lent[pool->n_lent++].fd = fd;
        } else {
                pool->free[pool->n_free++] = fd;
        }
}

void sbx_netns_returned(struct netns_pool *pool, pid_t supervisor)
{
        for (size_t i = 0; i < pool->n_lent; i++) {
                if (pool->lent[i].supervisor != supervisor)
                        continue;
                pool->free[pool->n_free++] = pool->lent[i].fd;
                pool->lent[i] = pool->lent[--pool->n_lent];
                return;
        }
}
