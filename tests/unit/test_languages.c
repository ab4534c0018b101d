/* The language table and what its entries derive from a source: Java's file and main class,
 * Scala's main object, Go's and Rust's test files; comments and literals must not fool the
 * scanner; a missing toolchain is found. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sandboxrt.h"

/* Fills the static program (a program points into itself: it is never copied). */
static struct sbx_program *program(const char *lang, const char *source)
{
        static struct sbx_program p;
        const struct sbx_language *l = sbx_language_find(lang);

        assert_non_null(l);
        sbx_language_program(l, source, source ? strlen(source) : 0, &p);
        return &p;
}

/* The argv joined by spaces, for comparisons. */
static const char *joined(const char *const *argv)
{
        static char buf[1024];
        size_t len = 0;

        buf[0] = '\0';
        for (size_t i = 0; argv && argv[i] && len < sizeof(buf); i++)
                len +=
                    (size_t)snprintf(buf + len, sizeof(buf) - len, "%s%s", i ? " " : "", argv[i]);
        return buf;
}

static void java_file_and_class(const char *source, const char *file, const char *run_class)
{
        struct sbx_program *p = program("java", source);
        char want[512];

        assert_string_equal(p->source_name, file);
        assert_string_equal(p->run[4], run_class);
        snprintf(want, sizeof(want),
                 "javac -J-XX:+UseSerialGC -J-XX:TieredStopAtLevel=1 -encoding "
                 "UTF-8 -d . %s",
                 file);
        assert_string_equal(joined(p->compile), want);
}

static void test_java(void **state)
{
        java_file_and_class("public class Main { public static void main(String[] a) {} }",
                            "Main.java", "Main");
        java_file_and_class("public class Solution {\n public static void main(String[] a) {}\n}",
                            "Solution.java", "Solution");
        /* HumanEval-X: the helper class first, the public one with main after. */
        java_file_and_class("import java.util.*;\nclass Solution { int f() { return 1; } }\n"
                            "public class Main { public static void main(String[] args) {} }",
                            "Main.java", "Main");
        /* main outside the public class: the file follows the public class, the run main. */
        java_file_and_class("public class Solution { }\n"
                            "final class Runner { static public void main(String... a) {} }",
                            "Solution.java", "Runner");
        java_file_and_class("class A {}\nclass B { public static void main(String[] a) {} }",
                            "B.java", "B");
        java_file_and_class("package org.example;\n\n"
                            "public class App { public static void main(String[] a) {} }",
                            "App.java", "org.example.App");
        /* No class with main: javac and java report it. No class at all: the default. */
        java_file_and_class("public class Lib { void main(String[] a) {} }", "Lib.java", "Lib");
        java_file_and_class("", "Main.java", "Main");
        java_file_and_class(NULL, "Main.java", "Main");
        /* Nested types and members do not count; an enum or a record can be public. */
        java_file_and_class("public enum Color { RED; static class X { public static void "
                            "main(String[] a) {} } }",
                            "Color.java", "Color");
        java_file_and_class("public record Point(int x) { public static void main(String[] a) {} }",
                            "Point.java", "Point");
}

/* Comments, strings, text blocks and characters may hold braces and keywords. */
static void test_java_decoys(void **state)
{
        java_file_and_class("// public class Decoy { public static void main(String[] a) {} }\n"
                            "/* public class Decoy2 { */\n"
                            "public class Real { public static void main(String[] a) {\n"
                            "  String s = \"}} public class Fake { static void main(\";\n"
                            "  String t = \"\"\"\n  } class Fake2 {\n  \"\"\";\n"
                            "  char c = '}'; char d = '\\''; char e = '{';\n} }",
                            "Real.java", "Real");
        java_file_and_class("public class Esc { static String s = \"\\\"}\"; "
                            "public static void main(String[] a) {} }",
                            "Esc.java", "Esc");
        /* An unterminated comment or string ends the scan without reading past the end. */
        java_file_and_class("public class Open { /* never closed", "Open.java", "Open");
        java_file_and_class("public class Str { String s = \"never closed", "Str.java", "Str");
}

/* A name too long for the buffers is left out: the defaults apply. */
static void test_java_long_names(void **state)
{
        char source[1024];
        char name[300];

        memset(name, 'N', sizeof(name) - 1);
        name[sizeof(name) - 1] = '\0';
        snprintf(source, sizeof(source),
                 "public class %s { public static void main(String[] a) {} }", name);
        java_file_and_class(source, "Main.java", "Main");
}

static void test_scala(void **state)
{
        struct sbx_program *p = program("scala", "object Main { def main(args: Array[String]) = "
                                                 "println(1) }");

        assert_string_equal(p->source_name, "main.scala");
        assert_string_equal(joined(p->run),
                            "java -XX:+UseSerialGC -cp /usr/share/java/scala-library.jar:. Main");
        p = program("scala", "package bench\nimport scala.io._\n"
                             "class Helper { def main(x: Int) = x }\n"
                             "// object Decoy { def main(a: Array[String]) = () }\n"
                             "object Problem {\n  def main(args: Array[String]): Unit = {\n"
                             "    val s = \"\"\" } object X { def main( \"\"\"\n  }\n}\n");
        assert_string_equal(p->main, "bench.Problem");
        p = program("scala", "package a\npackage b\nobject Hello extends App { println(1) }");
        assert_string_equal(p->main, "a.b.Hello");
        /* Scala's block comments nest. */
        p = program("scala",
                    "/* outer /* inner */ object Fake { def main(a: Array[String]) = () } */\n"
                    "object Real { def main(a: Array[String]) = () }");
        assert_string_equal(p->main, "Real");
        p = program("scala", "object Lib { def helper = 1 }");
        assert_string_equal(p->main, "Main");
}

static void test_go(void **state)
{
        struct sbx_program *p = program("go", "package main\nfunc main() {}\n");

        assert_string_equal(p->source_name, "main.go");
        assert_string_equal(joined(p->compile), "go build -o main main.go");
        assert_string_equal(joined(p->run), "./main");
        /* HumanEval-X and MultiPL-E: tests, no main. */
        p = program("go", "package main\nimport \"testing\"\n"
                          "func TestHasCloseElements(t *testing.T) {}\n");
        assert_string_equal(p->source_name, "main_test.go");
        assert_string_equal(joined(p->compile), "go test -vet=off -c -o main main_test.go");
        assert_string_equal(joined(p->run), "./main -test.paniconexit0");
        p = program("go", "package main\nfunc Test(t *testing.T) {}\n");
        assert_string_equal(p->source_name, "main_test.go");
        p = program("go", "package main\nfunc Test_x(t *testing.T) {}\n");
        assert_string_equal(p->source_name, "main_test.go");
        /* Not tests: a lower-case letter after Test, a method, a main beside them, a
         * comment, a raw string. */
        p = program("go", "package main\nfunc Testify() {}\n");
        assert_string_equal(p->source_name, "main.go");
        p = program("go", "package main\nfunc (s *S) TestX(t *testing.T) {}\n");
        assert_string_equal(p->source_name, "main.go");
        p = program("go", "package main\nfunc TestX(t *testing.T) {}\nfunc main() {}\n");
        assert_string_equal(p->source_name, "main.go");
        p = program("go", "package main\n// func TestX(t *testing.T) {}\n"
                          "var s = `\nfunc TestY(t *testing.T) {\n`\n");
        assert_string_equal(p->source_name, "main.go");
}

static void test_rust(void **state)
{
        struct sbx_program *p = program("rust", "fn main() { println!(\"hi\"); }");

        assert_string_equal(joined(p->compile), "rustc --edition 2021 -O -o main main.rs");
        p = program("rust", "fn main() {}\n#[cfg(test)]\nmod tests {\n  #[test]\n  fn t() {}\n}");
        assert_string_equal(joined(p->compile), "rustc --edition 2021 -O --test -o main main.rs");
        /* In comments (nested), strings, raw strings: not tests. Lifetimes are not chars. */
        p = program("rust", "/* outer /* #[test] */ #[test] */\n// #[test]\n"
                            "fn f<'a>(x: &'a str) -> &'a str { x }\n"
                            "const S: &str = r#\"\n#[test]\n\"#;\nconst T: &str = \"#[test]\";\n"
                            "fn main() { let c = '#'; let d = b'['; }");
        assert_string_equal(joined(p->compile), "rustc --edition 2021 -O -o main main.rs");
        p = program("rust", "fn f<'a>(x: &'a str) {}\n#[test]\nfn t() {}");
        assert_string_equal(joined(p->compile), "rustc --edition 2021 -O --test -o main main.rs");
}

/* Every entry is complete, and every step fits a program's storage. */
static void test_table(void **state)
{
        size_t n = 0;

        for (const struct sbx_language *l; (l = sbx_language_at(n)); n++) {
                struct sbx_program *p = program(l->name, "");
                assert_non_null(l->name);
                assert_non_null(l->source_name);
                assert_non_null(l->run);
                assert_non_null(l->package);
                assert_ptr_equal(sbx_language_find(l->name), l);
                assert_non_null(p->run[0]);
                assert_true(!l->compile == !p->compile);
                for (size_t i = 0; l->run[i]; i++)
                        assert_true(i < SBX_PROGRAM_MAX_ARGS);
                for (size_t i = 0; l->compile && l->compile[i]; i++)
                        assert_true(i < SBX_PROGRAM_MAX_ARGS);
        }
        assert_int_equal(n, 18);
        assert_null(sbx_language_find("cobol"));
        assert_null(sbx_language_find(NULL));
}

static void test_missing(void **state)
{
        static const char *const sh[] = {"sh", "main.sh", NULL};
        static const char *const nope[] = {"sbx-no-such-compiler", "main.x", NULL};
        static const char *const run[] = {"./main", NULL};
        static const char *const abs_nope[] = {"/nonexistent/interpreter", NULL};
        struct sbx_language present = {.name = "x", .source_name = "main.sh", .run = sh};
        struct sbx_language compiler = {.name = "y", .compile = nope, .run = run};
        struct sbx_language absolute = {.name = "z", .run = abs_nope};

        assert_null(sbx_language_missing(&present));
        assert_string_equal(sbx_language_missing(&compiler), "sbx-no-such-compiler");
        assert_string_equal(sbx_language_missing(&absolute), "/nonexistent/interpreter");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
            cmocka_unit_test(test_java),
            cmocka_unit_test(test_java_decoys),
            cmocka_unit_test(test_java_long_names),
            cmocka_unit_test(test_scala),
            cmocka_unit_test(test_go),
            cmocka_unit_test(test_rust),
            cmocka_unit_test(test_table),
            cmocka_unit_test(test_missing),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
