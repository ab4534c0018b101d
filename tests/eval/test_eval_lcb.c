/* LiveCodeBench as released: the single-string pickle decoder (what it accepts and what it
 * refuses), base64(zlib(...)) around it, a release directory built here with its versions and
 * contest-date windows, and a malicious private test refused with the problem's id. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "base64.h"
#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/lcb_release.h"
#include "evaluator/pickle.h"
#include "tests/tmpdir.h"
#include "util.h"

#define BYTES(...)                                                                                 \
        ((const unsigned char[]){__VA_ARGS__}), sizeof((const unsigned char[]){__VA_ARGS__})

static void pickle_gives(const unsigned char *p, size_t n, const char *want)
{
        const char *why = NULL;
        char *out = NULL;
        size_t size = 0;

        if (sbx_eval_pickle_string(p, n, &out, &size, &why) < 0)
                fail_msg("refused: %s", why ? why : "?");
        assert_int_equal(size, strlen(want));
        assert_string_equal(out, want);
        free(out);
}

static void pickle_refused(const unsigned char *p, size_t n, const char *why_part)
{
        const char *why = NULL;
        char *out = NULL;
        size_t size = 0;

        assert_int_equal(sbx_eval_pickle_string(p, n, &out, &size, &why), -EINVAL);
        assert_null(out);
        assert_non_null(why);
        if (!strstr(why, why_part))
                fail_msg("reason '%s' lacks '%s'", why, why_part);
}

static void test_pickle_strings(void **state)
{
        /* pickle.dumps("hi", protocol=4): PROTO 4, FRAME, SHORT_BINUNICODE, MEMOIZE, STOP */
        pickle_gives(BYTES(0x80, 4, 0x95, 7, 0, 0, 0, 0, 0, 0, 0, 0x8c, 2, 'h', 'i', 0x94, '.'),
                     "hi");
        /* protocol 3 and 2: BINUNICODE (4-byte length), BINPUT */
        pickle_gives(BYTES(0x80, 3, 'X', 2, 0, 0, 0, 'h', 'i', 'q', 0, '.'), "hi");
        pickle_gives(BYTES(0x80, 2, 'X', 0, 0, 0, 0, 'r', 0, 0, 0, 0, '.'), "");
        /* BINUNICODE8, UTF-8 kept as is */
        pickle_gives(BYTES(0x8d, 3, 0, 0, 0, 0, 0, 0, 0, 0xc3, 0xa9, '!', '.'), "\xc3\xa9!");
}

static void test_pickle_refused(void **state)
{
        /* posix.system("id") by GLOBAL + REDUCE: what a general unpickler would run */
        pickle_refused(BYTES(0x80, 4, 'c', 'p', 'o', 's', 'i', 'x', '\n', 's', 'y', 's', 't', 'e',
                             'm', '\n', 0x8c, 2, 'i', 'd', 0x85, 'R', '.'),
                       "an opcode that does more than build one string");
        /* STACK_GLOBAL after two strings */
        pickle_refused(BYTES(0x80, 4, 0x8c, 1, 'o', 0x8c, 1, 's', 0x93, '.'),
                       "more than one string");
        /* a list holding the string, a tuple, an int, protocol 0's text string */
        pickle_refused(BYTES(0x80, 4, ']', 0x8c, 1, 'x', 'a', '.'), "an opcode that does more");
        pickle_refused(BYTES(0x80, 4, 0x8c, 1, 'x', 0x85, '.'), "an opcode that does more");
        pickle_refused(BYTES(0x80, 4, 'K', 7, '.'), "an opcode that does more");
        pickle_refused(BYTES('V', 'h', 'i', '\n', 'p', '0', '\n', '.'), "an opcode that does more");
        /* malformed */
        pickle_refused(BYTES(0x80, 4, 0x8c, 9, 'h', 'i'), "runs past the end");
        pickle_refused(BYTES(0x80, 4, 0x8c, 2, 'h', 'i'), "without a STOP");
        pickle_refused(BYTES(0x80, 4, '.'), "holds no string");
        pickle_refused(BYTES(0x8c, 1, 'x', '.', '.'), "data after the pickle's STOP");
        pickle_refused(BYTES(0x80, 4, 0x94, 0x8c, 1, 'x', '.'), "an opcode that does more");
        pickle_refused(BYTES(0x8c, 1, 'x', 0x80, 4, '.'), "an opcode that does more");
        pickle_refused(BYTES(0x80, 9, 0x8c, 1, 'x', '.'), "an opcode that does more");
        pickle_refused(BYTES(0x8d, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, '.'),
                       "runs past the end");
}

/* base64(zlib(bytes)), as LiveCodeBench releases private tests. */
static char *release_text(const void *pickle, size_t n)
{
        uLongf zn = compressBound(n);
        unsigned char *z = malloc(zn);
        char *text;

        assert_int_equal(compress(z, &zn, pickle, n), Z_OK);
        text = sbx_base64_encode(z, zn);
        free(z);
        return text;
}

/* pickle.dumps(s, protocol=4) */
static char *pickled(const char *s, size_t *n)
{
        size_t len = strlen(s);
        unsigned char *p = malloc(len + 32), *o = p;

        *o++ = 0x80, *o++ = 4, *o++ = 'X';
        for (int i = 0; i < 4; i++)
                *o++ = (unsigned char)(len >> (8 * i));
        memcpy(o, s, len);
        o += len;
        *o++ = 0x94, *o++ = '.';
        *n = (size_t)(o - p);
        return (char *)p;
}

static void test_private_tests(void **state)
{
        size_t n, size;
        char *p = pickled("[{\"input\": \"1\\n\", \"output\": \"2\\n\"}]", &n);
        char *text = release_text(p, n), *out = NULL;
        const char *why = NULL;

        assert_int_equal(sbx_eval_lcb_private_tests(text, strlen(text), &out, &size, &why), 0);
        assert_string_equal(out, "[{\"input\": \"1\\n\", \"output\": \"2\\n\"}]");
        free(out);
        free(text);
        text = release_text("not a pickle", 12);
        assert_int_equal(sbx_eval_lcb_private_tests(text, strlen(text), &out, &size, &why),
                         -EINVAL);
        free(text);
        assert_int_equal(sbx_eval_lcb_private_tests("@@@@", 4, &out, &size, &why), -EINVAL);
        assert_string_equal(why, "not base64");
        assert_int_equal(sbx_eval_lcb_private_tests("aGVsbG8=", 8, &out, &size, &why), -EINVAL);
        assert_string_equal(why, "not a complete zlib stream");
        free(p);
}

/* ---- a release directory -------------------------------------------------------------------- */

static void write_problem(FILE *f, const char *id, const char *date, const char *private_tests)
{
        fprintf(f,
                "{\"question_id\": \"%s\", \"question_content\": \"Add.\", \"contest_date\": "
                "\"%s\", \"starter_code\": \"\", \"public_test_cases\": \"[{\\\"input\\\": "
                "\\\"1 2\\\\n\\\", \\\"output\\\": \\\"3\\\\n\\\", \\\"testtype\\\": "
                "\\\"stdin\\\"}]\", \"private_test_cases\": \"%s\", \"metadata\": \"{}\"}\n",
                id, date, private_tests);
}

/* test.jsonl (2023), test2.jsonl (2024-01, 2024-03), test3.jsonl (2024-06): private tests
 * compressed as released. */
static char *make_release(void)
{
        static const struct {
                const char *file, *id, *date;
        } problems[] = {
            {"test.jsonl", "p1", "2023-05-01T00:00:00"},
            {"test.jsonl", "p2", "2023-09-10T00:00:00"},
            {"test2.jsonl", "p3", "2024-01-07T00:00:00"},
            {"test2.jsonl", "p4", "2024-03-02T12:00:00"},
            {"test3.jsonl", "p5", "2024-06-01T00:00:00"},
        };
        char *dir = sbx_strdup_printf("%s/release", tmp);
        size_t n;
        char *p = pickled("[{\"input\": \"2 2\\n\", \"output\": \"4\\n\", \"testtype\": "
                          "\"stdin\"}]",
                          &n);
        char *private_tests = release_text(p, n);

        assert_int_equal(mkdir(dir, 0755), 0);
        for (size_t i = 0; i < ELEMENTSOF(problems); i++) {
                char *path = sbx_strdup_printf("%s/%s", dir, problems[i].file);
                FILE *f = fopen(path, "a");
                assert_non_null(f);
                write_problem(f, problems[i].id, problems[i].date, private_tests);
                fclose(f);
                free(path);
        }
        free(p);
        free(private_tests);
        return dir;
}

static size_t load_ids(struct sbx_eval_dataset_args *args, const char *subset, char *ids,
                       size_t size, char **label)
{
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;
        size_t n;

        if (sbx_eval_dataset_load(&sbx_eval_livecodebench, args, subset, &set, &err) < 0)
                fail_msg("%s: %s", subset, err->message);
        ids[0] = '\0';
        for (size_t i = 0; i < set.n; i++) {
                strncat(ids, set.items[i].task_id, size - strlen(ids) - 1);
                strncat(ids, " ", size - strlen(ids) - 1);
                assert_int_equal(set.items[i].n_tests, 2); /* public + decoded private */
        }
        n = set.n;
        if (label)
                *label = set.label ? strdup(set.label) : NULL;
        sbx_eval_problem_set_release(&set);
        return n;
}

static void test_release_versions(void **state)
{
        char *dir = make_release(), ids[256], *label = NULL;
        struct sbx_eval_dataset_args args = {
            .few_shot_num = -1, .tolerance = -1, .local_path = dir};
        char **subsets = NULL;
        struct sbx_error *err = NULL;

        /* without subset_list, a release directory is release_latest */
        assert_int_equal(sbx_eval_dataset_subsets(&sbx_eval_livecodebench, &args, &subsets, &err),
                         0);
        assert_string_equal(subsets[0], "release_latest");
        assert_null(subsets[1]);
        free(subsets[0]);
        free(subsets);
        assert_int_equal(load_ids(&args, "release_v1", ids, sizeof(ids), NULL), 2);
        assert_string_equal(ids, "p1 p2 ");
        assert_int_equal(load_ids(&args, "release_v2", ids, sizeof(ids), NULL), 4);
        assert_int_equal(load_ids(&args, "release_latest", ids, sizeof(ids), NULL), 5);
        assert_int_equal(load_ids(&args, "v2", ids, sizeof(ids), NULL), 2);
        assert_string_equal(ids, "p3 p4 ");
        assert_int_equal(load_ids(&args, "v2_v3", ids, sizeof(ids), NULL), 3);
        /* contest dates as LiveCodeBench compares them: both ends at midnight */
        args.start_date = (char *)"2023-09-10";
        args.end_date = (char *)"2024-03-02";
        assert_int_equal(load_ids(&args, "release_latest", ids, sizeof(ids), &label), 2);
        assert_string_equal(ids, "p2 p3 "); /* p4 is at noon on the end date: after it */
        assert_string_equal(label, "release_latest (2023-09-10 to 2024-03-02)");
        free(label);
        args.end_date = NULL;
        assert_int_equal(load_ids(&args, "v3", ids, sizeof(ids), &label), 1);
        assert_string_equal(label, "v3 (from 2023-09-10)");
        free(label);
        args.start_date = NULL;

        /* unknown and missing versions, and versions of a single file */
        char *bad[] = {(char *)"release_v2", (char *)"release_v9", NULL};
        args.subset_list = bad;
        assert_true(sbx_eval_dataset_subsets(&sbx_eval_livecodebench, &args, &subsets, &err) < 0);
        assert_non_null(strstr(err->message, "release_v9 needs"));
        assert_non_null(strstr(err->message, "test4.jsonl"));
        sbx_error_free(err);
        err = NULL;
        char *unknown[] = {(char *)"release_2", NULL};
        args.subset_list = unknown;
        assert_true(sbx_eval_dataset_subsets(&sbx_eval_livecodebench, &args, &subsets, &err) < 0);
        assert_non_null(strstr(err->message, "unknown LiveCodeBench version 'release_2'"));
        sbx_error_free(err);
        err = NULL;
        char *file = sbx_strdup_printf("%s/test2.jsonl", dir);
        char *v2[] = {(char *)"release_v2", NULL};
        args.local_path = file;
        args.subset_list = v2;
        assert_true(sbx_eval_dataset_subsets(&sbx_eval_livecodebench, &args, &subsets, &err) < 0);
        assert_non_null(strstr(err->message, "is one file: point local_path at the directory"));
        sbx_error_free(err);
        free(file);
        free(dir);
}

static void test_malicious_private_tests(void **state)
{
        /* a pickle whose loading would call posix.system: refused, naming the problem */
        static const unsigned char evil[] = {0x80, 4,   'c', 'p', 'o', 's',  'i',  'x',  '\n',
                                             's',  'y', 's', 't', 'e', 'm',  '\n', 0x8c, 5,
                                             't',  'o', 'u', 'c', 'h', 0x85, 'R',  '.'};
        char *text = release_text(evil, sizeof(evil));
        char *path = sbx_strdup_printf("%s/evil.jsonl", tmp);
        FILE *f = fopen(path, "w");
        struct sbx_eval_dataset_args args = {.few_shot_num = -1, .local_path = path};
        struct sbx_eval_problem_set set;
        struct sbx_error *err = NULL;

        assert_non_null(f);
        write_problem(f, "ok1", "2024-01-01", text);
        write_problem(f, "evil2", "2024-01-02", text);
        fclose(f);
        assert_int_equal(
            sbx_eval_dataset_load(&sbx_eval_livecodebench, &args, "default", &set, &err), -EINVAL);
        assert_non_null(strstr(err->message, "evil.jsonl:1: problem ok1: private_test_cases is "
                                             "neither JSON nor base64(zlib(pickle(str))): an "
                                             "opcode that does more than build one string"));
        assert_non_null(strstr(err->message, "refused"));
        sbx_error_free(err);
        free(text);
        free(path);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_pickle_strings),          cmocka_unit_test(test_pickle_refused),
            cmocka_unit_test(test_private_tests),           cmocka_unit_test(test_release_versions),
            cmocka_unit_test(test_malicious_private_tests),
        };
        return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
