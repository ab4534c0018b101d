/* A payload for the storage tests, compiled in the sandbox (--language c): what it does comes
 * on stdin, a word and a tag:
 *   bytes   write 1 MiB files into the work dir until a write fails (at most 64 MiB); prints
 *           "bytes=N"
 *   inodes  create empty files until that fails (at most 20000); prints "inodes=N"
 *   deep    a chain of 40,000 nested directories, and a tree whose directories are chmod 0500
 *           and 0000; prints "depth=N"
 * The host can follow bytes and inodes by the process's name: "w<tag>" for 0.3 s before it
 * writes, then "h<tag>" while it holds what it wrote, for 2 s. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

static char chunk[1 << 20];
static char tag[12];

static void phase(char what, unsigned usec)
{
        char name[16];

        snprintf(name, sizeof(name), "%c%s", what, tag);
        prctl(PR_SET_NAME, name, 0, 0, 0);
        fflush(stdout);
        usleep(usec);
}

static int fill_bytes(void)
{
        long long total = 0;

        memset(chunk, 'x', sizeof(chunk));
        phase('w', 300000);
        for (int i = 0; i < 64; i++) {
                char name[32];
                snprintf(name, sizeof(name), "f%d", i);
                int fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (fd < 0)
                        break;
                ssize_t n = write(fd, chunk, sizeof(chunk));
                close(fd);
                if (n > 0)
                        total += n;
                if (n != (ssize_t)sizeof(chunk))
                        break;
        }
        printf("bytes=%lld\n", total);
        phase('h', 2000000);
        return 0;
}

static int fill_inodes(void)
{
        int n = 0;

        phase('w', 300000);
        for (; n < 20000; n++) {
                char name[32];
                snprintf(name, sizeof(name), "i%d", n);
                int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
                if (fd < 0)
                        break;
                close(fd);
        }
        printf("inodes=%d\n", n);
        phase('h', 2000000);
        return 0;
}

static int deep(void)
{
        int depth = 0;

        if (mkdir("locked", 0755) < 0 || mkdir("locked/sub", 0755) < 0 ||
            close(open("locked/sub/file", O_WRONLY | O_CREAT, 0644)) < 0 ||
            mkdir("locked/none", 0755) < 0 || chmod("locked/none", 0) < 0 ||
            chmod("locked/sub", 0500) < 0 || chmod("locked", 0500) < 0)
                return perror("locked tree"), 1;
        for (; depth < 40000; depth++)
                if (mkdir("d", 0755) < 0 || chdir("d") < 0)
                        break;
        printf("depth=%d\n", depth);
        return 0;
}

int main(void)
{
        char what[16] = "";

        if (scanf("%15s %11s", what, tag) < 1)
                return 2;
        if (!strncmp(what, "bytes", 5))
                return fill_bytes();
        if (!strncmp(what, "inodes", 6))
                return fill_inodes();
        if (!strncmp(what, "deep", 4))
                return deep();
        return 2;
}
