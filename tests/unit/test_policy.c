/* Policy files: units, the shipped policies, every kind of error, overrides, printing. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "policies/fields.h"
#include "policies/policy.h"
#include "util.h"

/* Line numbers matter: the error tests below name them. */
static const char base[] = "# test policy\n" /* 1 */
                           "name: x\n"       /* 2 */
                           "description: a test policy\n"
                           "limits:\n"           /* 4 */
                           "  wall: 10s\n"       /* 5 */
                           "  cpu: 10s\n"        /* 6 */
                           "  cpus: 1\n"         /* 7 */
                           "  memory: 512m\n"    /* 8 */
                           "  pids: 64\n"        /* 9 */
                           "  output: 1m\n"      /* 10 */
                           "  file_size: 16m\n"  /* 11 */
                           "  open_files: 256\n" /* 12 */
                           "  tmpfs: 64m\n"      /* 13 */
                           "network: none\n";    /* 14 */

/* base with the first occurrence of from replaced by to. */
static char *variant(const char *from, const char *to)
{
        const char *at = strstr(base, from);

        assert_non_null(at);
        char *s = sbx_strdup_printf("%.*s%s%s", (int)(at - base), base, to, at + strlen(from));
        assert_non_null(s);
        return s;
}

static struct sbx_policy *parse_ok(const char *text)
{
        struct sbx_policy *p = NULL;
        struct sbx_error *err = NULL;
        int r = sbx_policy_parse(text, strlen(text), "x.yaml", &p, &err);

        if (r < 0)
                fail_msg("unexpected error: %s", err->message);
        assert_non_null(p);
        return p;
}

/* Parse text, expect failure with exactly want as the message. */
static void parse_fails(const char *text, const char *want)
{
        struct sbx_policy *p = NULL;
        struct sbx_error *err = NULL;
        int r = sbx_policy_parse(text, strlen(text), "x.yaml", &p, &err);

        assert_true(r < 0);
        assert_null(p);
        assert_non_null(err);
        assert_int_equal(-r, err->code);
        assert_string_equal(err->message, want);
        sbx_error_free(err);
}

/* As parse_fails, but the message need only start with want (libyaml's wording may vary). */
static void parse_fails_prefix(const char *text, const char *want)
{
        struct sbx_policy *p = NULL;
        struct sbx_error *err = NULL;
        int r = sbx_policy_parse(text, strlen(text), "x.yaml", &p, &err);

        assert_true(r < 0);
        assert_null(p);
        if (strncmp(err->message, want, strlen(want)))
                fail_msg("message \"%s\" does not start with \"%s\"", err->message, want);
        sbx_error_free(err);
}

static void variant_fails(const char *from, const char *to, const char *want)
{
        char *text = variant(from, to);

        parse_fails(text, want);
        free(text);
}

static void test_durations(void **state)
{
        static const struct {
                const char *s;
                uint64_t ms;
        } good[] = {
            {"2s", 2000},       {"500ms", 500},
            {"1.5s", 1500},     {"2m", 120000},
            {"1h", 3600000},    {"0.001s", 1},
            {"0ms", 0},         {"0.25m", 15000},
            {"1.25h", 4500000}, {"18446744073709551615ms", UINT64_MAX},
        };
        static const char *const bad[] = {"10",   "",     "s",     "1.5ms", "1.0001s", "-1s",
                                          " 1s",  "1 s",  "1S",    "1.s",   ".5s",     "1d",
                                          "1sec", "1e3s", "0x10s", "1,5s",  "1..5s"};
        uint64_t v;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                assert_int_equal(sbx_parse_duration_ms(good[i].s, &v), 0);
                assert_true(v == good[i].ms);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (sbx_parse_duration_ms(bad[i], &v) != -EINVAL)
                        fail_msg("\"%s\" parsed as a duration", bad[i]);
        assert_int_equal(sbx_parse_duration_ms("18446744073709551616ms", &v), -ERANGE);
        assert_int_equal(sbx_parse_duration_ms("99999999999999999999s", &v), -ERANGE);
        assert_int_equal(sbx_parse_duration_ms("5124095576030432h", &v), -ERANGE);
        assert_int_equal(sbx_parse_duration_ms(NULL, &v), -EINVAL);
}

static void test_sizes(void **state)
{
        static const struct {
                const char *s;
                uint64_t bytes;
        } good[] = {
            {"256m", 256ull << 20},
            {"1g", 1ull << 30},
            {"64k", 65536},
            {"1024", 1024},
            {"256M", 256ull << 20},
            {"256MiB", 256ull << 20},
            {"256mb", 256ull << 20},
            {"256MB", 256ull << 20},
            {"1.5g", 3ull << 29},
            {"1t", 1ull << 40},
            {"0", 0},
            {"7b", 7},
            {"16383t", 16383ull << 40},
        };
        static const char *const bad[] = {"12q", "1.5", "m", "1mm",  "1kib2", "-1",      "1 m",
                                          "1p",  "",    "k", "1.5b", "1ki",   "0.0001k", "1gibb"};
        uint64_t v;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                if (sbx_parse_size_bytes(good[i].s, &v) != 0)
                        fail_msg("\"%s\" did not parse as a size", good[i].s);
                assert_true(v == good[i].bytes);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                if (sbx_parse_size_bytes(bad[i], &v) != -EINVAL)
                        fail_msg("\"%s\" parsed as a size", bad[i]);
        assert_int_equal(sbx_parse_size_bytes("16777216t", &v), -ERANGE);
        assert_int_equal(sbx_parse_size_bytes("17179869184g", &v), -ERANGE);
        assert_int_equal(sbx_parse_size_bytes("18446744073709551616", &v), -ERANGE);
}

static void test_cpus(void **state)
{
        uint32_t mc;

        assert_int_equal(sbx_parse_cpus_millicores("1", &mc), 0);
        assert_int_equal(mc, 1000);
        assert_int_equal(sbx_parse_cpus_millicores("0.5", &mc), 0);
        assert_int_equal(mc, 500);
        assert_int_equal(sbx_parse_cpus_millicores("0.01", &mc), 0);
        assert_int_equal(mc, 10);
        assert_int_equal(sbx_parse_cpus_millicores("2.25", &mc), 0);
        assert_int_equal(mc, 2250);
        assert_int_equal(sbx_parse_cpus_millicores("1.0005", &mc), -EINVAL);
        assert_int_equal(sbx_parse_cpus_millicores("1c", &mc), -EINVAL);
        assert_int_equal(sbx_parse_cpus_millicores("abc", &mc), -EINVAL);
        assert_int_equal(sbx_parse_cpus_millicores("4294968", &mc), -ERANGE);
}

static void test_format(void **state)
{
        static const uint64_t durations[] = {0, 1, 999, 1000, 1500, 60000, 90000, 3600000, 7200001};
        static const uint64_t sizes[] = {0,    1,          1000,       1024,
                                         1536, 1ull << 20, 3ull << 29, 1ull << 40};
        static const uint32_t cpus[] = {10, 250, 500, 1000, 1001, 2250, 1024000};
        char buf[32];
        uint64_t v;
        uint32_t mc;

        for (size_t i = 0; i < ELEMENTSOF(durations); i++) {
                assert_int_equal(sbx_parse_duration_ms(
                                     sbx_format_duration_ms(durations[i], buf, sizeof(buf)), &v),
                                 0);
                assert_true(v == durations[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                assert_int_equal(
                    sbx_parse_size_bytes(sbx_format_size_bytes(sizes[i], buf, sizeof(buf)), &v), 0);
                assert_true(v == sizes[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(cpus); i++) {
                assert_int_equal(
                    sbx_parse_cpus_millicores(sbx_format_cpus(cpus[i], buf, sizeof(buf)), &mc), 0);
                assert_int_equal(mc, cpus[i]);
        }
        assert_string_equal(sbx_format_duration_ms(90000, buf, sizeof(buf)), "90s");
        assert_string_equal(sbx_format_size_bytes(512ull << 20, buf, sizeof(buf)), "512m");
        assert_string_equal(sbx_format_cpus(250, buf, sizeof(buf)), "0.25");
}

static void test_network_strings(void **state)
{
        for (int i = 0; i < _SBX_NETWORK_MAX; i++)
                assert_int_equal(sbx_network_from_string(sbx_network_to_string(i)), i);
        assert_string_equal(sbx_network_to_string(SBX_NETWORK_LOOPBACK), "loopback");
        assert_null(sbx_network_to_string(_SBX_NETWORK_MAX));
        assert_int_equal(sbx_network_from_string("bridge"), -EINVAL);
        assert_int_equal(sbx_network_from_string(NULL), -EINVAL);
}

/* enum sbx_limit follows the table of limit keys: each name sets the member it names. */
static void test_limit_strings(void **state)
{
        static const struct {
                enum sbx_limit l;
                const char *name, *value;
                size_t offset;
        } want[] = {
            {SBX_LIMIT_WALL, "wall", "2s", offsetof(struct sbx_limits, wall_ms)},
            {SBX_LIMIT_CPU, "cpu", "2s", offsetof(struct sbx_limits, cpu_ms)},
            {SBX_LIMIT_CPUS, "cpus", "2", offsetof(struct sbx_limits, cpu_millicores)},
            {SBX_LIMIT_MEMORY, "memory", "2m", offsetof(struct sbx_limits, memory_bytes)},
            {SBX_LIMIT_PIDS, "pids", "2", offsetof(struct sbx_limits, pids)},
            {SBX_LIMIT_OUTPUT, "output", "2m", offsetof(struct sbx_limits, output_bytes)},
            {SBX_LIMIT_FILE_SIZE, "file_size", "2m", offsetof(struct sbx_limits, file_size_bytes)},
            {SBX_LIMIT_OPEN_FILES, "open_files", "20", offsetof(struct sbx_limits, open_files)},
            {SBX_LIMIT_TMPFS, "tmpfs", "2m", offsetof(struct sbx_limits, tmpfs_bytes)},
        };

        assert_int_equal(ELEMENTSOF(want), _SBX_LIMIT_MAX);
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                struct sbx_policy *p = parse_ok(base);
                struct sbx_limits before = p->limits;
                char kv[64];
                snprintf(kv, sizeof(kv), "%s=%s", want[i].name, want[i].value);
                assert_string_equal(sbx_limit_to_string(want[i].l), want[i].name);
                assert_int_equal(sbx_limit_from_string(want[i].name), want[i].l);
                assert_int_equal(sbx_policy_override(p, kv, NULL), 0);
                /* The member the name stands for changed, and nothing else. */
                const unsigned char *a = (const void *)&before, *b = (const void *)&p->limits;
                size_t changed = 0;
                for (size_t j = 0; j < sizeof(before); j++) {
                        if (a[j] == b[j])
                                continue;
                        assert_true(j >= want[i].offset && j < want[i].offset + 8);
                        changed++;
                }
                assert_true(changed > 0);
                sbx_policy_free(p);
        }
        assert_null(sbx_limit_to_string(_SBX_LIMIT_MAX));
        assert_int_equal(sbx_limit_from_string("network"), -EINVAL);
        assert_int_equal(sbx_limit_from_string(NULL), -EINVAL);
}

static void test_parse_base(void **state)
{
        struct sbx_policy *p = parse_ok(base);

        assert_string_equal(p->name, "x");
        assert_string_equal(p->description, "a test policy");
        assert_null(p->path);
        assert_true(p->limits.wall_ms == 10000);
        assert_true(p->limits.memory_bytes == 512ull << 20);
        assert_int_equal(p->network, SBX_NETWORK_NONE);
        assert_true(p->tool_output_bytes == SBX_TOOL_OUTPUT_DEFAULT); /* optional: left out */
        sbx_policy_free(p);
}

/* tool_output: optional, a size from 1k to 1g, once. */
static void test_tool_output(void **state)
{
        char *text = variant("network: none\n", "network: none\ntool_output: 4m\n");
        struct sbx_policy *p = parse_ok(text);

        assert_true(p->tool_output_bytes == 4ull << 20);
        sbx_policy_free(p);
        free(text);
        variant_fails("network: none\n", "network: none\ntool_output: 0\n",
                      "x.yaml:15: tool_output: \"0\" is out of range (1k to 1g)");
        variant_fails("network: none\n", "network: none\ntool_output: 1m\ntool_output: 2m\n",
                      "x.yaml:16: tool_output: duplicate key (first set on line 15)");
}

/* writable: optional, a list of directories, each checked; as a flow or a block list. */
static void test_writable(void **state)
{
        char *text =
            variant("network: none\n", "network: none\nwritable: [/opt/data, /var/cache/job, /tmp, "
                                       "/dev/shm, /opt/data, /home]\n");
        struct sbx_policy *p = parse_ok(text);
        const char *dirs[SBX_WRITABLE_DIRS_MAX + 1];
        char list[SBX_WRITABLE_LIST_BYTES];

        /* The built-in ones stay as written, the repeat goes; /dev/shm and /tmp add nothing. */
        assert_string_equal(p->writable[0], "/opt/data");
        assert_string_equal(p->writable[1], "/var/cache/job");
        assert_string_equal(p->writable[2], "/tmp");
        assert_string_equal(p->writable[3], "/dev/shm");
        assert_string_equal(p->writable[4], "/home");
        assert_null(p->writable[5]);
        assert_int_equal(sbx_writable_dirs_of(p, dirs), 6);
        assert_string_equal(sbx_writable_dirs_list(p, list, sizeof(list)),
                            "/sandbox, /tmp, /home/sandbox, /opt/data, /var/cache/job, /home");
        assert_string_equal(sbx_writable_dirs_list(NULL, list, sizeof(list)),
                            "/sandbox, /tmp, /home/sandbox");
        sbx_policy_free(p);
        free(text);

        text = variant("network: none\n", "network: none\nwritable:\n  - /opt/a\n  - /opt/b\n");
        p = parse_ok(text);
        assert_string_equal(p->writable[1], "/opt/b");
        sbx_policy_free(p);
        free(text);
        text = variant("network: none\n", "network: none\nwritable: []\n");
        p = parse_ok(text);
        assert_int_equal(sbx_writable_dirs_of(p, dirs), 3);
        sbx_policy_free(p);
        free(text);
}

/* Every kind of bad list, and where its message points. */
static void test_writable_errors(void **state)
{
        static const struct {
                const char *value, *message;
        } bad[] = {
            {"/opt/data", "x.yaml:15: writable: expected a list ([/opt/data, /var/cache/job]), "
                          "found a single value"},
            {"{a: b}", "x.yaml:15: writable: expected a list ([/opt/data, /var/cache/job]), "
                       "found a mapping"},
            {"[[/a]]", "x.yaml:15: writable: expected a list of single values, found a list in it"},
            {"[opt/data]", "x.yaml:15: writable: \"opt/data\" is not an absolute path (use "
                           "/opt/data)"},
            {"[\"\"]", "x.yaml:15: writable: has no value (use [/opt/data, /var/cache/job])"},
            {"[/]", "x.yaml:15: writable: \"/\" is the whole file system: name a directory "
                    "(/opt/data)"},
            {"[/opt/../etc]", "x.yaml:15: writable: \"/opt/../etc\" must not contain '.' or '..'"},
            {"[/opt/./x]", "x.yaml:15: writable: \"/opt/./x\" must not contain '.' or '..'"},
            {"[/opt/..]", "x.yaml:15: writable: \"/opt/..\" must not contain '.' or '..'"},
            {"[/opt/data/]", "x.yaml:15: writable: \"/opt/data/\" is not normalized (no '//', no "
                             "trailing '/': /opt/data)"},
            {"[/opt//data]", "x.yaml:15: writable: \"/opt//data\" is not normalized (no '//', no "
                             "trailing '/': /opt/data)"},
            {"[\"/opt/a b\"]", "x.yaml:15: writable: \"/opt/a b\" has a character other than "
                               "letters, digits and / . _ - + @"},
            {"[/.rw]", "x.yaml:15: writable: \"/.rw\" starts with '/.', where the sandbox keeps "
                       "its own mount points"},
            {"[/usr]", "x.yaml:15: writable: \"/usr\" is under /usr, which the sandbox needs as it "
                       "is (the host's toolchains, /proc, /sys and /dev): pick a path elsewhere, "
                       "such as /opt or /var"},
            {"[/usr/local/x]", "x.yaml:15: writable: \"/usr/local/x\" is under /usr, which the "
                               "sandbox needs as it is (the host's toolchains, /proc, /sys and "
                               "/dev): pick a path elsewhere, such as /opt or /var"},
            {"[/lib64]", "x.yaml:15: writable: \"/lib64\" is under /lib64, which the sandbox "
                         "needs as it is (the host's toolchains, /proc, /sys and /dev): pick a "
                         "path elsewhere, such as /opt or /var"},
            {"[/etc/app]", "x.yaml:15: writable: \"/etc/app\" is under /etc, which the sandbox "
                           "needs as it is (the host's toolchains, /proc, /sys and /dev): pick a "
                           "path elsewhere, such as /opt or /var"},
            {"[/proc/1]", "x.yaml:15: writable: \"/proc/1\" is under /proc, which the sandbox "
                          "needs as it is (the host's toolchains, /proc, /sys and /dev): pick a "
                          "path elsewhere, such as /opt or /var"},
            {"[/sys]", "x.yaml:15: writable: \"/sys\" is under /sys, which the sandbox needs as "
                       "it is (the host's toolchains, /proc, /sys and /dev): pick a path "
                       "elsewhere, such as /opt or /var"},
            {"[/dev/mqueue]", "x.yaml:15: writable: \"/dev/mqueue\" is under /dev, which the "
                              "sandbox needs as it is (the host's toolchains, /proc, /sys and "
                              "/dev): pick a path elsewhere, such as /opt or /var"},
            {"[/dev/shm/x]", "x.yaml:15: writable: \"/dev/shm/x\" is inside /dev/shm, which every "
                             "sandbox may write already"},
            {"[/tmp/cache]", "x.yaml:15: writable: \"/tmp/cache\" is inside /tmp, which every "
                             "sandbox may write already"},
            {"[/home/sandbox/x]", "x.yaml:15: writable: \"/home/sandbox/x\" is inside "
                                  "/home/sandbox, which every sandbox may write already"},
            {"[/opt, /opt/data]", "x.yaml:15: writable: \"/opt\" and \"/opt/data\" are nested: "
                                  "list only the outer one, which holds the other"},
            {"[/opt/data, /opt]", "x.yaml:15: writable: \"/opt/data\" and \"/opt\" are nested: "
                                  "list only the outer one, which holds the other"},
            {"[/a, /b, /c, /d, /e, /f, /g, /h, /i]", "x.yaml:15: writable: more than 8 paths"},
        };
        char to[512], longest[SBX_WRITABLE_PATH_MAX + 2];

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                snprintf(to, sizeof(to), "network: none\nwritable: %s\n", bad[i].value);
                variant_fails("network: none\n", to, bad[i].message);
        }
        variant_fails("network: none\n", "network: none\nwritable: []\nwritable: []\n",
                      "x.yaml:16: writable: duplicate key (first set on line 15)");
        /* Length: 128 characters is the most. */
        memset(longest, 'a', sizeof(longest) - 1);
        longest[0] = '/';
        longest[sizeof(longest) - 1] = '\0';
        snprintf(to, sizeof(to), "network: none\nwritable: [%s]\n", longest);
        char want[512];
        snprintf(want, sizeof(want),
                 "x.yaml:15: writable: \"%s\" is too long (at most 128 characters)", longest);
        variant_fails("network: none\n", to, want);
        longest[sizeof(longest) - 2] = '\0';
        snprintf(to, sizeof(to), "network: none\nwritable: [%s]\n", longest);
        char *text = variant("network: none\n", to);
        struct sbx_policy *p = parse_ok(text);
        assert_int_equal(strlen(p->writable[0]), SBX_WRITABLE_PATH_MAX);
        sbx_policy_free(p);
        free(text);
}

/* Not a limit: clients cannot add paths through overrides. */
static void test_writable_no_override(void **state)
{
        struct sbx_policy *p = parse_ok(base);
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_policy_override(p, "writable=/opt/x", &err), -EINVAL);
        assert_non_null(strstr(err->message, "unknown limit \"writable\""));
        assert_null(p->writable);
        sbx_error_free(err);
        sbx_policy_free(p);
}

struct expected {
        const char *name;
        uint64_t wall_ms, cpu_ms;
        uint32_t millicores;
        uint64_t memory, pids, output, file_size, open_files, tmpfs;
        enum sbx_network network;
};

static const struct expected shipped[] = {
    {"default", 10000, 10000, 1000, 512ull << 20, 64, 1ull << 20, 16ull << 20, 256, 64ull << 20,
     SBX_NETWORK_NONE},
    {"strict", 5000, 2000, 1000, 256ull << 20, 16, 256ull << 10, 4ull << 20, 64, 16ull << 20,
     SBX_NETWORK_NONE},
    {"compile", 60000, 30000, 2000, 2ull << 30, 256, 4ull << 20, 64ull << 20, 1024, 256ull << 20,
     SBX_NETWORK_NONE},
    {"loopback", 10000, 10000, 1000, 512ull << 20, 64, 1ull << 20, 16ull << 20, 256, 64ull << 20,
     SBX_NETWORK_LOOPBACK},
};

static void check_shipped(const struct sbx_policy *p, const struct expected *e)
{
        assert_string_equal(p->name, e->name);
        assert_non_null(p->description);
        assert_true(p->limits.wall_ms == e->wall_ms);
        assert_true(p->limits.cpu_ms == e->cpu_ms);
        assert_int_equal(p->limits.cpu_millicores, e->millicores);
        assert_true(p->limits.memory_bytes == e->memory);
        assert_int_equal(p->limits.pids, e->pids);
        assert_true(p->limits.output_bytes == e->output);
        assert_true(p->limits.file_size_bytes == e->file_size);
        assert_int_equal(p->limits.open_files, e->open_files);
        assert_true(p->limits.tmpfs_bytes == e->tmpfs);
        assert_int_equal(p->network, e->network);
}

static void test_shipped(void **state)
{
        struct sbx_policy_set *set = NULL;
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_policy_set_load(NULL, &set, &err), 0);
        for (size_t i = 0; i < ELEMENTSOF(shipped); i++) {
                const struct sbx_policy *builtin = sbx_policy_set_find(set, shipped[i].name);
                struct sbx_policy *file = NULL;
                char *path =
                    sbx_strdup_printf("%s/policies/%s.yaml", SBX_SOURCE_DIR, shipped[i].name);

                assert_non_null(builtin);
                assert_null(builtin->path);
                check_shipped(builtin, &shipped[i]);
                /* The source file parses to the same thing (the embedded copy is not stale). */
                if (sbx_policy_load_file(path, &file, &err) < 0)
                        fail_msg("%s", err->message);
                check_shipped(file, &shipped[i]);
                assert_string_equal(file->path, path);
                assert_string_equal(file->description, builtin->description);
                sbx_policy_free(file);
                free(path);
        }
        assert_null(sbx_policy_set_find(set, "nope"));
        assert_non_null(sbx_policy_set_at(set, 0));
        assert_null(sbx_policy_set_at(set, 1000));
        sbx_policy_set_free(set);
}

static void test_error_unknown_key(void **state)
{
        variant_fails("  pids: 64\n", "  pids: 64\n  wal: 1s\n",
                      "x.yaml:10: limits.wal: unknown key (expected one of: wall, cpu, cpus, "
                      "memory, pids, output, file_size, open_files, tmpfs)");
        variant_fails(
            "network: none\n", "network: none\nnetwrk: host\n",
            "x.yaml:15: netwrk: unknown key (expected one of: name, description, "
            "limits, network, tool_output (optional), warm (optional), writable (optional))");
}

/* warm is optional: a policy without it leaves the choice to the runtime. */
static void test_warm(void **state)
{
        struct sbx_policy *p = parse_ok(base);

        assert_int_equal(p->warm, SBX_WARM_DEFAULT);
        sbx_policy_free(p);
        variant_fails("network: none\n", "network: none\nwarm: sometimes\n",
                      "x.yaml:15: warm: \"sometimes\" is not a switch (use true or false)");
}

static void test_error_missing_key(void **state)
{
        variant_fails("  pids: 64\n", "",
                      "x.yaml:5: limits.pids: missing (a policy sets every key: wall, cpu, cpus, "
                      "memory, pids, output, file_size, open_files, tmpfs)");
        variant_fails(
            "network: none\n", "",
            "x.yaml:2: network: missing (a policy sets every key: name, description, "
            "limits, network, tool_output (optional), warm (optional), writable (optional))");
}

static void test_error_bad_value(void **state)
{
        variant_fails("memory: 512m", "memory: 12q",
                      "x.yaml:8: limits.memory: \"12q\" is not a size (use 256m, 1g, 65536)");
        variant_fails("wall: 10s", "wall: 10",
                      "x.yaml:5: limits.wall: \"10\" is not a duration (use 500ms, 2s, 1.5s, 2m, "
                      "1h: the unit is required)");
        variant_fails("wall: 10s", "wall: 25h",
                      "x.yaml:5: limits.wall: \"25h\" is out of range (1ms to 24h)");
        variant_fails("pids: 64", "pids: 0",
                      "x.yaml:9: limits.pids: \"0\" is out of range (1 to 65536)");
        variant_fails("pids: 64", "pids: 1.5",
                      "x.yaml:9: limits.pids: \"1.5\" is not a whole number (use 64)");
        variant_fails("pids: 64", "pids: 99999999999999999999999",
                      "x.yaml:9: limits.pids: \"99999999999999999999999\" is out of range (1 to "
                      "65536)");
        variant_fails("cpus: 1", "cpus: 0.001",
                      "x.yaml:7: limits.cpus: \"0.001\" is out of range (0.01 to 1024)");
        variant_fails("memory: 512m", "memory: 1k",
                      "x.yaml:8: limits.memory: \"1k\" is out of range (1m to 1t)");
        variant_fails("tmpfs: 64m", "tmpfs: 0",
                      "x.yaml:13: limits.tmpfs: \"0\" is out of range (1m to 64g)");
        variant_fails("network: none", "network: bridge",
                      "x.yaml:14: network: \"bridge\" is not a network mode (use none, loopback "
                      "or host)");
        variant_fails("name: x", "name: Bad Name",
                      "x.yaml:2: name: \"Bad Name\" is not a policy name (use 1 to 64 of a-z, 0-9, "
                      "_ and -)");
        variant_fails("name: x", "name:",
                      "x.yaml:2: name: has no value (use 1 to 64 of a-z, 0-9, "
                      "_ and -)");
        variant_fails("description: a test policy", "description: \"two\\nlines\"",
                      "x.yaml:3: description: \"two\nlines\" is not a description (use one line "
                      "of at most 200 printable characters)");
}

static void test_error_types(void **state)
{
        variant_fails("memory: 512m", "memory: {a: 1}",
                      "x.yaml:8: limits.memory: expected a single value, found a mapping");
        variant_fails("memory: 512m", "memory: [1, 2]",
                      "x.yaml:8: limits.memory: expected a single value, found a list");
        variant_fails("limits:\n", "limits: 5\nx:\n",
                      "x.yaml:4: limits: expected a mapping of limits, found a single value");
        variant_fails("name: x\n", "[name]: x\n",
                      "x.yaml:2: keys must be plain words, found a list");
        parse_fails("- a\n- b\n",
                    "x.yaml:1: expected a mapping with name, description, limits and network");
        parse_fails("just text\n",
                    "x.yaml:1: expected a mapping with name, description, limits and network");
        parse_fails("", "x.yaml:1: empty policy");
        {
                struct sbx_policy *p = NULL;
                struct sbx_error *err = NULL;
                assert_int_equal(sbx_policy_parse(NULL, 0, NULL, &p, &err), -EINVAL);
                assert_string_equal(err->message, "<policy>:1: empty policy");
                sbx_error_free(err);
        }
        parse_fails("# only a comment\n", "x.yaml:2: empty policy");
}

static void test_error_duplicate(void **state)
{
        variant_fails("  cpu: 10s\n", "  cpu: 10s\n  wall: 1s\n",
                      "x.yaml:7: limits.wall: duplicate key (first set on line 5)");
        variant_fails("network: none\n", "network: none\nname: y\n",
                      "x.yaml:15: name: duplicate key (first set on line 2)");
}

static void test_error_yaml(void **state)
{
        char *text = variant("  cpus: 1\n", "  cpus: [1\n");

        parse_fails_prefix(text, "x.yaml:");
        free(text);
        parse_fails(
            "name: x\n- a\n",
            "x.yaml:2: invalid YAML: did not find expected key while parsing a block mapping");
        parse_fails_prefix("name: \"open\n", "x.yaml:");
        text = sbx_strdup_printf("%s---\n%s", base, base);
        parse_fails(text, "x.yaml:15: more than one YAML document");
        free(text);
        text = variant("name: x", "name: &a x");
        parse_fails(text, "x.yaml:2: anchors (&name) are not supported");
        free(text);
        text = variant("  cpu: 10s", "  cpu: *a");
        parse_fails(text, "x.yaml:6: aliases (*name) are not supported");
        free(text);
        text = variant("pids: 64", "pids: !!int 64");
        parse_fails(text, "x.yaml:9: tags (!name) are not supported");
        free(text);
        text = variant("name: x", "name: \"x\\0y\"");
        parse_fails(text, "x.yaml:2: a value contains a NUL byte");
        free(text);
}

static void test_error_too_big(void **state)
{
        size_t size = SBX_POLICY_MAX_BYTES + 1;
        char *text = malloc(size);
        struct sbx_policy *p = NULL;
        struct sbx_error *err = NULL;

        assert_non_null(text);
        memset(text, '#', size);
        assert_int_equal(sbx_policy_parse(text, size, "big.yaml", &p, &err), -EFBIG);
        assert_string_equal(err->message, "big.yaml: larger than 64 KiB");
        sbx_error_free(err);
        free(text);
}

static char *write_file(const char *dir, const char *name, const char *text)
{
        char *path = sbx_strdup_printf("%s/%s", dir, name);
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        assert_int_equal(fclose(f), 0);
        return path;
}

/* The test's own few files, by name: no recursive delete in a test. */
static void remove_dir(char *dir)
{
        static const char *const names[] = {"x.yaml",      "y.yaml",   "default.yaml",
                                            "custom.yaml", "bad.yaml", "notes.txt"};

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char *path = sbx_strdup_printf("%s/%s", dir, names[i]);
                unlink(path);
                free(path);
        }
        assert_int_equal(rmdir(dir), 0);
        free(dir);
}

static char *temp_dir(void)
{
        char *dir = strdup("/tmp/sbx-test-policy-XXXXXX");

        assert_non_null(dir);
        assert_non_null(mkdtemp(dir));
        return dir;
}

static void test_name_mismatch(void **state)
{
        char *dir = temp_dir(), *path = write_file(dir, "y.yaml", base);
        struct sbx_policy *p = NULL;
        struct sbx_error *err = NULL;
        char *want = sbx_strdup_printf(
            "%s:2: name: \"x\" does not match the file name (expected \"y\")", path);

        assert_int_equal(sbx_policy_load_file(path, &p, &err), -EINVAL);
        assert_string_equal(err->message, want);
        err = sbx_error_free(err);
        free(want);
        free(path);

        path = write_file(dir, "x.yaml", base);
        assert_int_equal(sbx_policy_load_file(path, &p, &err), 0);
        assert_string_equal(p->path, path);
        sbx_policy_free(p);
        free(path);

        assert_int_equal(sbx_policy_load_file(dir, &p, &err), -EINVAL);
        err = sbx_error_free(err);
        path = sbx_strdup_printf("%s/none.yaml", dir);
        assert_int_equal(sbx_policy_load_file(path, &p, &err), -ENOENT);
        err = sbx_error_free(err);
        free(path);
        remove_dir(dir);
}

static void test_set_dir(void **state)
{
        char *dir = temp_dir(), *a, *b, *c, *bad;
        char *custom = variant("name: x", "name: custom"), *slow, *tmp;
        struct sbx_policy_set *set = NULL;
        struct sbx_error *err = NULL;
        const struct sbx_policy *p;
        size_t n = 0;

        /* A default.yaml with a 90s wall clock replaces the built-in default. */
        tmp = variant("name: x", "name: default");
        slow = strdup(tmp);
        strstr(slow, "wall: 10s")[6] = '9';
        a = write_file(dir, "default.yaml", slow);
        b = write_file(dir, "custom.yaml", custom);
        c = write_file(dir, "notes.txt", "not a policy");
        assert_int_equal(sbx_policy_set_load(dir, &set, &err), 0);
        p = sbx_policy_set_find(set, "default");
        assert_non_null(p);
        assert_true(p->limits.wall_ms == 90000);
        assert_string_equal(p->path, a);
        p = sbx_policy_set_find(set, "custom");
        assert_non_null(p);
        assert_string_equal(p->path, b);
        assert_non_null(sbx_policy_set_find(set, "strict"));
        while (sbx_policy_set_at(set, n))
                n++;
        assert_int_equal(n, 5);
        set = sbx_policy_set_free(set);

        bad = write_file(dir, "bad.yaml", custom);
        assert_int_equal(sbx_policy_set_load(dir, &set, &err), -EINVAL);
        assert_null(set);
        assert_non_null(strstr(err->message, "bad.yaml:2: name: \"custom\" does not match"));
        err = sbx_error_free(err);

        assert_true(sbx_policy_set_load("/nonexistent-sbx-dir", &set, &err) < 0);
        assert_non_null(strstr(err->message, "/nonexistent-sbx-dir"));
        sbx_error_free(err);
        free(a), free(b), free(c), free(bad), free(tmp), free(slow), free(custom);
        remove_dir(dir);
}

static void override_fails(struct sbx_policy *p, const char *kv, const char *want)
{
        struct sbx_error *err = NULL;
        struct sbx_limits before = p->limits;

        assert_true(sbx_policy_override(p, kv, &err) < 0);
        assert_string_equal(err->message, want);
        assert_memory_equal(&before, &p->limits, sizeof(before));
        sbx_error_free(err);
}

static void test_overrides(void **state)
{
        struct sbx_policy *p = parse_ok(base);
        struct sbx_error *err = NULL;

        assert_int_equal(sbx_policy_override(p, "wall=2s", &err), 0);
        assert_true(p->limits.wall_ms == 2000);
        assert_int_equal(sbx_policy_override(p, "memory=1g", &err), 0);
        assert_true(p->limits.memory_bytes == 1ull << 30);
        assert_int_equal(sbx_policy_override(p, "cpus=0.5", &err), 0);
        assert_int_equal(p->limits.cpu_millicores, 500);
        assert_int_equal(sbx_policy_override(p, "pids=8", &err), 0);
        assert_int_equal(p->limits.pids, 8);
        assert_int_equal(sbx_policy_override(p, "open_files=32", &err), 0);
        assert_int_equal(p->limits.open_files, 32);
        assert_int_equal(sbx_policy_override(p, "file_size=0", &err), 0);
        assert_true(p->limits.file_size_bytes == 0);
        assert_int_equal(sbx_policy_override(p, "network=loopback", &err), 0);
        assert_int_equal(p->network, SBX_NETWORK_LOOPBACK);

        override_fails(p, "memory=12q",
                       "limit memory: \"12q\" is not a size (use 256m, 1g, 65536)");
        override_fails(p, "wall=0ms", "limit wall: \"0ms\" is out of range (1ms to 24h)");
        override_fails(p, "walltime=2s",
                       "unknown limit \"walltime\" (use one of: wall, cpu, cpus, memory, pids, "
                       "output, file_size, open_files, tmpfs, network, warm)");
        override_fails(p, "name=y",
                       "unknown limit \"name\" (use one of: wall, cpu, cpus, memory, "
                       "pids, output, file_size, open_files, tmpfs, network, warm)");
        override_fails(p, "warm=yes", "limit warm: \"yes\" is not a switch (use true or false)");
        assert_int_equal(sbx_policy_override(p, "warm=false", NULL), 0);
        assert_int_equal(p->warm, SBX_WARM_OFF);
        override_fails(p, "wall", "limit \"wall\": expected key=value, e.g. wall=2s");
        override_fails(p, "wall=",
                       "limit wall: has no value (use 500ms, 2s, 1.5s, 2m, 1h: the "
                       "unit is required)");
        override_fails(p, "network=internet",
                       "limit network: \"internet\" is not a network mode (use none, loopback or "
                       "host)");
        assert_string_equal(p->name, "x");
        sbx_policy_free(p);
}

static void assert_same_policy(const struct sbx_policy *a, const struct sbx_policy *b)
{
        assert_string_equal(a->name, b->name);
        assert_string_equal(a->description, b->description);
        assert_memory_equal(&a->limits, &b->limits, sizeof(a->limits));
        assert_int_equal(a->network, b->network);
        assert_int_equal(a->tool_output_bytes, b->tool_output_bytes);
        assert_int_equal(!a->writable, !b->writable);
        for (size_t i = 0; a->writable && (a->writable[i] || b->writable[i]); i++) {
                assert_non_null(a->writable[i]);
                assert_non_null(b->writable[i]);
                assert_string_equal(a->writable[i], b->writable[i]);
        }
        assert_int_equal(a->warm, b->warm);
}

static void round_trip(const struct sbx_policy *p)
{
        char *yaml = sbx_policy_to_yaml(p);
        struct sbx_policy *q;

        assert_non_null(yaml);
        q = parse_ok(yaml);
        assert_same_policy(p, q);
        sbx_policy_free(q);
        free(yaml);
}

static void test_to_yaml(void **state)
{
        struct sbx_policy_set *set = NULL;
        struct sbx_error *err = NULL;
        const struct sbx_policy *b;
        struct sbx_policy *p, *d;

        assert_int_equal(sbx_policy_set_load(NULL, &set, &err), 0);
        for (size_t i = 0; (b = sbx_policy_set_at(set, i)); i++)
                round_trip(b);
        sbx_policy_set_free(set);

        p = parse_ok(base);
        free(p->description);
        p->description = strdup("quotes \" and \\ backslashes, 'single', #hash: colon é");
        static const char *const odd[] = {
            "wall=1500ms", "cpu=1ms",     "cpus=0.25",    "memory=1025m", "pids=1",
            "output=1",    "file_size=0", "open_files=3", "tmpfs=1536k",  "network=host"};
        for (size_t i = 0; i < ELEMENTSOF(odd); i++)
                assert_int_equal(sbx_policy_override(p, odd[i], &err), 0);
        round_trip(p);
        assert_int_equal(sbx_policy_writable_add(p, "/opt/data", &err), 0);
        assert_int_equal(sbx_policy_writable_add(p, "/var/cache/job-1.x_y+z@2", &err), 0);
        round_trip(p);
        for (int w = SBX_WARM_DEFAULT; w < _SBX_WARM_MAX; w++) {
                p->warm = (enum sbx_warm)w; /* optional: printed only when set */
                round_trip(p);
        }
        free(p->name);
        p->name = strdup("-"); /* YAML's list indicator, found by the fuzzer */
        round_trip(p);
        d = sbx_policy_dup(p);
        assert_non_null(d);
        assert_same_policy(p, d);
        assert_ptr_not_equal(d->name, p->name);
        assert_ptr_not_equal(d->writable, p->writable);
        sbx_policy_free(d);

        char *yaml = sbx_policy_to_yaml(p);
        assert_non_null(strstr(yaml, "\n  wall: 1500ms\n"));
        assert_non_null(strstr(yaml, "\n  cpus: 0.25\n"));
        assert_non_null(strstr(yaml, "\nnetwork: host\n"));
        assert_non_null(strstr(yaml, "\nwritable: [/opt/data, /var/cache/job-1.x_y+z@2]\n"));
        free(yaml);
        sbx_policy_free(p);
        assert_null(sbx_policy_free(NULL));
        assert_null(sbx_policy_dup(NULL));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_durations),
            cmocka_unit_test(test_sizes),
            cmocka_unit_test(test_cpus),
            cmocka_unit_test(test_format),
            cmocka_unit_test(test_network_strings),
            cmocka_unit_test(test_limit_strings),
            cmocka_unit_test(test_parse_base),
            cmocka_unit_test(test_tool_output),
            cmocka_unit_test(test_shipped),
            cmocka_unit_test(test_error_unknown_key),
            cmocka_unit_test(test_error_missing_key),
            cmocka_unit_test(test_error_bad_value),
            cmocka_unit_test(test_error_types),
            cmocka_unit_test(test_error_duplicate),
            cmocka_unit_test(test_error_yaml),
            cmocka_unit_test(test_error_too_big),
            cmocka_unit_test(test_name_mismatch),
            cmocka_unit_test(test_set_dir),
            cmocka_unit_test(test_overrides),
            cmocka_unit_test(test_to_yaml),
            cmocka_unit_test(test_writable),
            cmocka_unit_test(test_writable_errors),
            cmocka_unit_test(test_writable_no_override),
            cmocka_unit_test(test_warm),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
