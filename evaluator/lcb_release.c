/* LiveCodeBench versions and dates, as LiveCodeBench's own loader selects problems: a version
 * names files of the release directory (release_v1 is test.jsonl, release_v2 adds test2.jsonl,
 * ... release_latest is all of them; v3 is test3.jsonl alone, v2_v4 is test2..test4), and a
 * problem is kept when start_date <= contest_date <= end_date, both dates at midnight. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "evaluator/config_internal.h"
#include "evaluator/lcb_release.h"
#include "evaluator/strutil.h"
#include "util.h"

#define MAX_FILES 1000

static bool is_dir(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* "12" -> 12; false for anything but 1 to MAX_FILES in plain digits. */
static bool parse_index(const char *s, size_t n, unsigned *out)
{
        unsigned v = 0;

        if (n == 0 || n > 4 || *s == '0')
                return false;
        for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char)s[i]))
                        return false;
                v = v * 10 + (unsigned)(s[i] - '0');
        }
        *out = v;
        return v >= 1 && v <= MAX_FILES;
}

/* release_vN = 1..N, vN = N..N, vN_vM = N..M, release_latest = every file (hi 0). */
static bool version_range(const char *v, unsigned *lo, unsigned *hi)
{
        const char *us;

        if (!strcmp(v, "release_latest")) {
                *lo = 1;
                *hi = 0;
                return true;
        }
        if (!strncmp(v, "release_v", 9)) {
                *lo = 1;
                return parse_index(v + 9, strlen(v + 9), hi);
        }
        if (v[0] != 'v')
                return false;
        us = strchr(v, '_');
        if (!us)
                return parse_index(v + 1, strlen(v + 1), lo) && (*hi = *lo);
        return parse_index(v + 1, (size_t)(us - v - 1), lo) && us[1] == 'v' &&
               parse_index(us + 2, strlen(us + 2), hi) && *lo < *hi;
}

static char *file_name(const char *dir, unsigned i)
{
        return i == 1 ? sbx_strdup_printf("%s/test.jsonl", dir)
                      : sbx_strdup_printf("%s/test%u.jsonl", dir, i);
}

/* The highest N with testN.jsonl in dir (test.jsonl is 1), 0 when none. */
static unsigned last_file(const char *dir)
{
        DIR *d = opendir(dir);
        struct dirent *e;
        unsigned last = 0, i;

        if (!d)
                return 0;
        while ((e = readdir(d))) {
                size_t n = strlen(e->d_name);
                if (!strcmp(e->d_name, "test.jsonl"))
                        i = 1;
                else if (n <= 10 || strncmp(e->d_name, "test", 4) ||
                         strcmp(e->d_name + n - 6, ".jsonl") ||
                         !parse_index(e->d_name + 4, n - 10, &i) || i == 1)
                        continue;
                last = i > last ? i : last;
        }
        closedir(d);
        return last;
}

int sbx_eval_lcb_files(const char *dir, const char *version, char ***out, struct sbx_error **err)
{
        unsigned lo, hi;
        char **files = NULL;

        *out = NULL;
        if (!version_range(version, &lo, &hi))
                return sbx_error_set(err, EINVAL,
                                     "unknown LiveCodeBench version '%s' (release_v1 .. "
                                     "release_v6, release_latest, v1 .. v6, or a range such as "
                                     "v2_v4)",
                                     version);
        if (hi == 0 && (hi = last_file(dir)) == 0)
                return sbx_error_set(err, ENOENT, "%s holds no test.jsonl or testN.jsonl", dir);
        for (unsigned i = lo; i <= hi; i++) {
                _cleanup_free_ char *f = file_name(dir, i);
                if (!f || cfg_strv_push(&files, f) < 0) {
                        cfg_strv_free(files);
                        return sbx_error_set(err, ENOMEM, "out of memory");
                }
                if (access(f, R_OK) < 0) {
                        int r = sbx_error_set(err, errno,
                                              "%s needs %s: %s (is local_path the directory of "
                                              "a LiveCodeBench release?)",
                                              version, f, strerror(errno));
                        cfg_strv_free(files);
                        return r;
                }
        }
        *out = files;
        return 0;
}

int sbx_eval_lcb_subsets(const char *path, const struct sbx_eval_dataset_args *args, char ***out,
                         struct sbx_error **err)
{
        bool dir = is_dir(path);
        char *const *names = args->subset_list;
        static char *const dir_default[] = {(char *)"release_latest", NULL};
        static char *const file_default[] = {(char *)"default", NULL};

        *out = NULL;
        if (!names || !names[0])
                names = dir ? dir_default : file_default;
        for (size_t i = 0; names[i]; i++) {
                char **files = NULL;
                int r = 0;
                if (!dir && strcmp(names[i], "default") && strcmp(names[i], "release_latest"))
                        r = sbx_error_set(err, EINVAL,
                                          "'%s' selects files of a LiveCodeBench release "
                                          "directory, but local_path %s is one file: point "
                                          "local_path at the directory holding test.jsonl, "
                                          "test2.jsonl, ...",
                                          names[i], path);
                else if (dir)
                        r = sbx_eval_lcb_files(path, names[i], &files, err);
                cfg_strv_free(files);
                if (r == 0 && cfg_strv_push(out, names[i]) < 0)
                        r = sbx_error_set(err, ENOMEM, "out of memory");
                if (r < 0) {
                        *out = cfg_strv_free(*out);
                        return r;
                }
        }
        return 0;
}

/* digits of a fixed width at s, advancing s */
static bool digits(const char **s, size_t n, unsigned *out)
{
        unsigned v = 0;

        for (size_t i = 0; i < n; i++) {
                if (!isdigit((unsigned char)(*s)[i]))
                        return false;
                v = v * 10 + (unsigned)((*s)[i] - '0');
        }
        *s += n;
        *out = v;
        return true;
}

/* An ISO date or date-time as "YYYY-MM-DD HH:MM:SS.ffffff", which compares as text. */
static int normalize(const char *iso, char buf[32])
{
        unsigned y, mo, d, h = 0, mi = 0, sec = 0, us = 0;
        const char *s = iso;

        if (!digits(&s, 4, &y) || *s++ != '-' || !digits(&s, 2, &mo) || *s++ != '-' ||
            !digits(&s, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
                return -EINVAL;
        if (*s == 'T' || *s == ' ') {
                s++;
                if (!digits(&s, 2, &h) || (*s == ':' && (s++, !digits(&s, 2, &mi))) ||
                    (*s == ':' && (s++, !digits(&s, 2, &sec))))
                        return -EINVAL;
                if (*s == '.') {
                        unsigned scale = 100000;
                        for (s++; isdigit((unsigned char)*s); s++, scale /= 10)
                                us += (unsigned)(*s - '0') * scale;
                }
        }
        snprintf(buf, 32, "%04u-%02u-%02u %02u:%02u:%02u.%06u", y, mo, d, h, mi, sec, us);
        return 0;
}

int sbx_eval_lcb_in_window(const char *contest_date, const struct sbx_eval_dataset_args *args,
                           bool *in)
{
        char when[32], start[32], end[32];

        *in = true;
        if (!args->start_date && !args->end_date)
                return 0;
        if (!contest_date || normalize(contest_date, when) < 0 ||
            (args->start_date && normalize(args->start_date, start) < 0) ||
            (args->end_date && normalize(args->end_date, end) < 0))
                return -EINVAL;
        *in = (!args->start_date || strcmp(when, start) >= 0) &&
              (!args->end_date || strcmp(when, end) <= 0);
        return 0;
}

char *sbx_eval_lcb_label(const char *subset, const struct sbx_eval_dataset_args *args)
{
        if (args->start_date && args->end_date)
                return sbx_strdup_printf("%s (%s to %s)", subset, args->start_date, args->end_date);
        if (args->start_date)
                return sbx_strdup_printf("%s (from %s)", subset, args->start_date);
        if (args->end_date)
                return sbx_strdup_printf("%s (to %s)", subset, args->end_date);
        return strdup(subset);
}
