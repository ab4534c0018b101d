/* Replays a fuzz target's corpus: every regular file in the given directories (or the files
 * named) is fed once to LLVMFuzzerTestOneInput. Used by ctest in every build. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
        char *buf = NULL;
        size_t size = 0;
        int r = sbx_read_file(path, 64u << 20, &buf, &size);

        if (r < 0) {
                fprintf(stderr, "replay: cannot read %s\n", path);
                return 1;
        }
        LLVMFuzzerTestOneInput((const uint8_t *)buf, size);
        free(buf);
        return 0;
}

int main(int argc, char **argv)
{
        int failures = 0, count = 0;

        for (int i = 1; i < argc; i++) {
                struct stat st;
                if (stat(argv[i], &st) < 0) {
                        fprintf(stderr, "replay: %s: not found\n", argv[i]);
                        return 1;
                }
                if (!S_ISDIR(st.st_mode)) {
                        failures += replay_file(argv[i]);
                        count++;
                        continue;
                }
                struct dirent **names = NULL;
                int n = scandir(argv[i], &names, NULL, alphasort);
                for (int j = 0; j < n; j++) {
                        char *path = sbx_strdup_printf("%s/%s", argv[i], names[j]->d_name);
                        if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                                failures += replay_file(path);
                                count++;
                        }
                        free(path);
                        free(names[j]);
                }
                free(names);
        }
        printf("replayed %d inputs\n", count);
        return failures || count == 0 ? 1 : 0;
}
