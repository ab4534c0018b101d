/* The languages jobs may name. A language is one entry: its source file name, the compile step
 * (run under the "compile" policy, in the same sandbox), the run step, the environment both
 * get and the Debian package of its toolchain. The toolchains are the host's (the jail binds
 * /usr read-only), from Debian 12's packages; scripts/install-deps.sh installs them all. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sandboxrt.h"
#include "source.h"
#include "util.h"

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- what the source decides ------------------------------------------------------------- */

static const char *const go_test_compile[] = {"go", "test", "-vet=off",     "-c",
                                              "-o", "main", "main_test.go", NULL};
static const char *const go_test_run[] = {"./main", "-test.paniconexit0", NULL};
static const char *const rust_test_compile[] = {"rustc", "--edition", "2021",    "-O", "--test",
                                                "-o",    "main",      "main.rs", NULL};

/* Java: the file must be named after its public class, and the class to run is the one with
 * main, which need not be that one (HumanEval-X: "class Solution" and "public class Main"). */
static void java_inspect(const char *source, size_t size, struct sbx_program *p)
{
        struct sbx_source_facts f;

        sbx_source_scan(SBX_DIALECT_JAVA, source, size, &f);
        const char *file = f.public_type[0] ? f.public_type : f.main_type[0] ? f.main_type : "Main";
        const char *main = f.main_type[0] ? f.main_type : f.public_type[0] ? f.public_type : "Main";
        snprintf(p->source_name, sizeof(p->source_name), "%s.java", file);
        snprintf(p->main, sizeof(p->main), "%s%s%s", f.package, f.package[0] ? "." : "", main);
}

/* Scala: the object with main (or extending App), whatever the file's name. */
static void scala_inspect(const char *source, size_t size, struct sbx_program *p)
{
        struct sbx_source_facts f;

        sbx_source_scan(SBX_DIALECT_SCALA, source, size, &f);
        snprintf(p->main, sizeof(p->main), "%s%s%s", f.package, f.package[0] ? "." : "",
                 f.main_type[0] ? f.main_type : "Main");
}

/* Go: a file of TestXxx functions and no main (HumanEval-X, MultiPL-E) is a test file: built
 * with `go test -c`; running the binary runs the tests and fails when one fails. Without
 * `go vet`, which `go test` runs first and which costs 4 to 14 s of CPU per program here.
 * -test.paniconexit0 is what `go test` passes: a test calling os.Exit(0) fails. */
static void go_inspect(const char *source, size_t size, struct sbx_program *p)
{
        struct sbx_source_facts f;

        sbx_source_scan(SBX_DIALECT_GO, source, size, &f);
        if (!f.test_func || f.main_func)
                return;
        snprintf(p->source_name, sizeof(p->source_name), "main_test.go");
        p->compile = go_test_compile;
        p->run = go_test_run;
}

/* Rust: #[test] functions are compiled into the test harness (rustc --test), which runs them;
 * built as a program, they would be left out and a test file would pass without testing. */
static void rust_inspect(const char *source, size_t size, struct sbx_program *p)
{
        struct sbx_source_facts f;

        sbx_source_scan(SBX_DIALECT_RUST, source, size, &f);
        if (f.test_attr)
                p->compile = rust_test_compile;
}

/* ---- the table --------------------------------------------------------------------------- */

static const struct sbx_language languages[] = {
    {.name = "python",
     .source_name = "main.py",
     .run = ARGV("/usr/bin/python3", "main.py"),
     .package = "python3"},
    {.name = "c",
     .source_name = "main.c",
     .compile = ARGV("gcc", "-O2", "-std=gnu17", "-o", "main", "main.c", "-lm"),
     .run = ARGV("./main"),
     .package = "gcc"},
    {.name = "cpp",
     .source_name = "main.cpp",
     .compile = ARGV("g++", "-O2", "-std=gnu++17", "-o", "main", "main.cpp"),
     .run = ARGV("./main"),
     .package = "g++"},
    {.name = "javascript",
     .source_name = "main.js",
     .run = ARGV("node", "main.js"),
     .package = "nodejs"},
    /* The serial GC keeps the JVM's thread count (and so its pids) small on big hosts; the
     * compilers run faster on the JVM's quick JIT alone (C1: 0.8 s instead of 2 s here). */
    {.name = "java",
     .source_name = "Main.java",
     .compile = ARGV("javac", "-J-XX:+UseSerialGC", "-J-XX:TieredStopAtLevel=1", "-encoding",
                     "UTF-8", "-d", ".", "{source}"),
     .run = ARGV("java", "-XX:+UseSerialGC", "-cp", ".", "{main}"),
     .package = "default-jdk-headless",
     .inspect = java_inspect},
    {.name = "bash", .source_name = "main.sh", .run = ARGV("bash", "main.sh"), .package = "bash"},
    {.name = "perl", .source_name = "main.pl", .run = ARGV("perl", "main.pl"), .package = "perl"},
    /* GOPATH mode: imports resolve in Debian's Go library packages (/usr/share/gocode: testify
     * for HumanEval-X), never on the network, and first where scripts/install-deps.sh compiled
     * testify (a test program then builds in 0.6 s of CPU instead of 3.5 s; without it, or when
     * stale, go compiles the sources); the build cache goes to /tmp, not the work dir; -p=2 and
     * GOMAXPROCS=2 keep the compiler's processes and threads within the pids limit on hosts
     * with many CPUs. */
    {.name = "go",
     .source_name = "main.go",
     .compile = ARGV("go", "build", "-o", "main", "main.go"),
     .run = ARGV("./main"),
     .env = ARGV("GO111MODULE=off", "GOPATH=/usr/local/lib/sandboxrt/gopath:/usr/share/gocode",
                 "GOCACHE=/tmp/go-build", "GOFLAGS=-p=2", "GOMAXPROCS=2"),
     .package = "golang-go",
     .inspect = go_inspect},
    /* One test thread: the harness starts one per CPU otherwise, and output stays in order. */
    {.name = "rust",
     .source_name = "main.rs",
     .compile = ARGV("rustc", "--edition", "2021", "-O", "-o", "main", "main.rs"),
     .run = ARGV("./main"),
     .env = ARGV("RUST_TEST_THREADS=1"),
     .package = "rustc",
     .inspect = rust_inspect},
    /* Type errors are compile errors, as with tsc anywhere. Debian has no @types/node: a
     * program declares what it uses of Node (`declare const require: any;`). */
    {.name = "typescript",
     .source_name = "main.ts",
     .compile = ARGV("tsc", "--target", "es2022", "--module", "commonjs", "main.ts"),
     .run = ARGV("node", "main.js"),
     .package = "node-typescript"},
    {.name = "ruby", .source_name = "main.rb", .run = ARGV("ruby", "main.rb"), .package = "ruby"},
    {.name = "php",
     .source_name = "main.php",
     .run = ARGV("php", "main.php"),
     .package = "php-cli"},
    {.name = "lua",
     .source_name = "main.lua",
     .run = ARGV("lua5.4", "main.lua"),
     .package = "lua5.4"},
    {.name = "r",
     .source_name = "main.R",
     .run = ARGV("Rscript", "main.R"),
     .package = "r-base-core"},
    /* DEBUG keeps Debug.Assert calls (MultiPL-E's tests); Mono then prints a failed one to
     * stderr only with a trace listener there, and still exits 0. */
    {.name = "csharp",
     .source_name = "main.cs",
     .compile = ARGV("mcs", "-d:DEBUG", "-r:System.Numerics.dll", "-out:main.exe", "main.cs"),
     .run = ARGV("mono", "main.exe"),
     .env = ARGV("MONO_TRACE_LISTENER=Console.Error"),
     .package = "mono-mcs"},
    /* Run on the JVM with Scala's library: the scala launcher would add half a second. */
    {.name = "scala",
     .source_name = "main.scala",
     .compile = ARGV("scalac", "-d", ".", "main.scala"),
     .run =
         ARGV("java", "-XX:+UseSerialGC", "-cp", "/usr/share/java/scala-library.jar:.", "{main}"),
     .env = ARGV("JAVA_OPTS=-XX:+UseSerialGC -XX:TieredStopAtLevel=1"),
     .package = "scala",
     .inspect = scala_inspect},
    /* unittest blocks run before main (MultiPL-E's tests are unittest blocks). */
    {.name = "d",
     .source_name = "main.d",
     .compile = ARGV("gdc", "-O2", "-funittest", "-o", "main", "main.d"),
     .run = ARGV("./main"),
     .package = "gdc"},
    {.name = "racket",
     .source_name = "main.rkt",
     .run = ARGV("racket", "main.rkt"),
     .package = "racket"},
};

const struct sbx_language *sbx_language_find(const char *name)
{
        for (size_t i = 0; name && i < ELEMENTSOF(languages); i++)
                if (!strcmp(languages[i].name, name))
                        return &languages[i];
        return NULL;
}

const struct sbx_language *sbx_language_at(size_t i)
{
        return i < ELEMENTSOF(languages) ? &languages[i] : NULL;
}

/* Copy a step's argv into storage, replacing the "{source}" and "{main}" arguments. */
static const char *const *fill(const char *const *argv, const struct sbx_program *p,
                               const char **out)
{
        size_t n = 0;

        if (!argv)
                return NULL;
        for (; argv[n] && n < SBX_PROGRAM_MAX_ARGS; n++)
                out[n] = !strcmp(argv[n], "{source}") ? p->source_name
                         : !strcmp(argv[n], "{main}") ? p->main
                                                      : argv[n];
        out[n] = NULL;
        return out;
}

void sbx_language_program(const struct sbx_language *l, const char *source, size_t size,
                          struct sbx_program *out)
{
        *out = (struct sbx_program){.compile = l->compile, .run = l->run};
        snprintf(out->source_name, sizeof(out->source_name), "%s", l->source_name);
        snprintf(out->main, sizeof(out->main), "Main");
        if (l->inspect)
                l->inspect(source, source ? size : 0, out);
        out->compile = fill(out->compile, out, out->argv[0]);
        out->run = fill(out->run, out, out->argv[1]);
}

/* Is program (a name, or a path) executable in the sandbox's PATH as this host has it? */
static bool on_path(const char *program)
{
        char path[256];

        if (strchr(program, '/'))
                return program[0] != '/' || access(program, X_OK) == 0;
        for (const char *dir = SBX_SANDBOX_PATH; *dir;) {
                size_t n = strcspn(dir, ":");
                snprintf(path, sizeof(path), "%.*s/%s", (int)n, dir, program);
                if (access(path, X_OK) == 0)
                        return true;
                dir += n + (dir[n] == ':');
        }
        return false;
}

const char *sbx_language_missing(const struct sbx_language *l)
{
        if (l->compile && !on_path(l->compile[0]))
                return l->compile[0];
        return on_path(l->run[0]) ? NULL : l->run[0];
}
