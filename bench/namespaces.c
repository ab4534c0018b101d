/* What the kernel charges for a fresh set of namespaces, the part of every jail no sandbox code
 * can save: N children each create one namespace kind (or all of a jail's at once) and exit, and
 * their CPU time (getrusage of the children) and wall time are set against plain forks. Built and
 * run by bench/namespaces.sh. Not counted: what kernel threads do for them afterwards (RCU
 * callbacks, deferred frees).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The namespaces sandboxrt's jail is cloned with (isolation/supervisor.c) plus the one its init
 * unshares (cgroup); net only when it gets its own (the lent empty one costs no creation). */
#define JAIL_FLAGS                                                                                 \
        (CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWCGROUP)

struct variant {
        const char *name;
        int flags;
};

static double now_ms(void)
{
        struct timespec t;

        clock_gettime(CLOCK_MONOTONIC, &t);
        return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double children_cpu_ms(void)
{
        struct rusage u;

        getrusage(RUSAGE_CHILDREN, &u);
        return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
               (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

static void wait_ok(pid_t pid)
{
        int status;

        if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
                fprintf(stderr, "bench: a child failed (unshare refused? run as root)\n");
                exit(1);
        }
}

/* flags -1: the baseline of the pid variants, a fork with a second fork in it. */
#define TWO_FORKS (-1)

static bool forks_twice(int flags)
{
        return flags == TWO_FORKS || flags & CLONE_NEWPID;
}

/* One child: unshare flags and exit. A new pid namespace takes effect for the child's children:
 * it forks its pid 1 (and so does its baseline, with no namespace, to cost the same forks). */
static void child(int flags)
{
        if (flags > 0 && unshare(flags) < 0)
                _exit(1);
        if (forks_twice(flags)) {
                pid_t init = fork();
                if (init == 0)
                        _exit(0);
                wait_ok(init);
        }
        _exit(0);
}

static void measure(int flags, int n, double *cpu, double *wall)
{
        double c0 = children_cpu_ms(), t0 = now_ms();

        for (int i = 0; i < n; i++) {
                pid_t pid = fork();
                if (pid == 0)
                        child(flags);
                wait_ok(pid);
        }
        *cpu = (children_cpu_ms() - c0) / n;
        *wall = (now_ms() - t0) / n;
}

int main(int argc, char **argv)
{
        long n = 300;
        char rest;
        /* Without root, a namespace needs a user namespace of its own: each variant has one. */
        int user = geteuid() ? CLONE_NEWUSER : 0;
        const struct variant variants[] = {
            {"fork", 0},
            {"fork + fork", TWO_FORKS},
            {"user", CLONE_NEWUSER},
            {"mount", user | CLONE_NEWNS},
            {"uts", user | CLONE_NEWUTS},
            {"ipc", user | CLONE_NEWIPC},
            {"cgroup", user | CLONE_NEWCGROUP},
            {"net", user | CLONE_NEWNET},
            {"pid (+ its init)", user | CLONE_NEWPID},
            {"a jail's (+ init)", JAIL_FLAGS},
        };
        double cpu[sizeof(variants) / sizeof(variants[0])] = {0};
        double wall[sizeof(variants) / sizeof(variants[0])] = {0};
        size_t nv = sizeof(variants) / sizeof(variants[0]);

        if ((argc > 1 && sscanf(argv[1], "%ld%c", &n, &rest) != 1) || n <= 0 || n > 1000000) {
                fprintf(stderr, "usage: namespaces [N]   (N children per variant, default 300)\n");
                return 2;
        }
        /* Interleaved rounds of n/3, so that a change in the machine's load hits every variant. */
        for (int round = 0; round < 3; round++) {
                for (size_t v = 0; v < nv; v++) {
                        double c, w;
                        measure(variants[v].flags, n / 3 ? (int)n / 3 : 1, &c, &w);
                        cpu[v] += c / 3;
                        wall[v] += w / 3;
                }
        }
        if (user)
                printf(
                    "not root: each namespace below comes with a user namespace, in its figures\n");
        printf("%-20s %12s %12s %14s\n", "namespace", "CPU ms", "wall ms", "CPU added");
        for (size_t v = 0; v < nv; v++) {
                /* Set against the fork it took: one, or two for the pid variants. */
                double base = forks_twice(variants[v].flags) ? cpu[1] : cpu[0];
                if (v < 2)
                        printf("%-20s %12.3f %12.3f %14s\n", variants[v].name, cpu[v], wall[v],
                               "-");
                else
                        printf("%-20s %12.3f %12.3f %+14.3f\n", variants[v].name, cpu[v], wall[v],
                               cpu[v] - base);
        }
        return 0;
}
