# One language of the table through `sandboxrt run --language`: a program that reads stdin
# and writes stdout, one that fails at run time, one that does not compile (compiled
# languages), and what the language's entry derives from the source. Usage: languages.sh LANG
. "$(dirname "$0")/lib.sh"
require_jail
lang=${1:?which language}
require_language "$lang"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"

# src NAME: the source on stdin becomes $dir/NAME
src() {
        cat >"$dir/$1"
        chmod 644 "$dir/$1"
}

# jvm_crashed_emulated: the last run is a JVM's fatal error report on a CPU that qemu's TCG
# emulates (scripts/vm-test.sh without KVM). There the JVM now and then dies of a SIGSEGV in its
# compiled code that it cannot place (once in CI, in C1's java.lang.String.isLatin1; others see
# the same under TCG without any sandbox: utmapp/UTM#7070), an emulator fault, not the jail's.
jvm_crashed_emulated() {
        grep -q '^model name.*QEMU TCG' /proc/cpuinfo &&
                [ "$(field verdict)" = SIGNALED ] &&
                grep -q 'A fatal error has been detected by the Java Runtime' <<<"$RESULT"
}

# check FILE VERDICT [STDOUT]: run FILE as $lang with "world" on stdin. A JVM crash on an
# emulated CPU is reported and run once more; a second one fails.
check() {
        printf 'world\n' >"$dir/stdin"
        sbx --language "$lang" --source "$dir/$1" --stdin "$dir/stdin"
        if jvm_crashed_emulated; then
                echo "note: the JVM crashed on qemu's emulated CPU, running $1 once more: $RESULT" >&2
                sbx --language "$lang" --source "$dir/$1" --stdin "$dir/stdin"
        fi
        expect_verdict "$2"
        [ $# -lt 3 ] || expect stdout "$3"
}

# broken FILE: a compile error, reported with the compiler's own message.
broken() {
        check "$1" COMPILE_ERROR
        expect compile.verdict RUNTIME_ERROR
        [ -n "$(field compile.stderr)$(field compile.stdout)" ] || fail "no compiler message: $RESULT"
}

hello="hello world
"

# ok_bad EXT OK BAD [VERDICT]: every language's pair: ok.EXT (source OK) greets what it reads
# from stdin, bad.EXT (source BAD) fails at run time (VERDICT, RUNTIME_ERROR unless named).
ok_bad() {
        src "ok.$1" <<<"$2"
        src "bad.$1" <<<"$3"
        check "ok.$1" OK "$hello"
        check "bad.$1" "${4:-RUNTIME_ERROR}"
}

case $lang in
python)
        ok_bad py 'print("hello", input())' 'raise SystemExit(3)'
        ;;
c)
        ok_bad c '#include <stdio.h>
int main(void){char s[64]; if(scanf("%63s",s)!=1) return 1; printf("hello %s\n",s); return 0;}' \
                'int main(void){return 2;}'
        src broken.c <<<'int main(void){ this is not C }'
        broken broken.c
        ;;
cpp)
        ok_bad cpp '#include <iostream>
#include <string>
int main(){std::string s; std::cin>>s; std::cout<<"hello "<<s<<std::endl;}' \
                '#include <stdexcept>
int main(){throw std::runtime_error("x");}' SIGNALED
        src broken.cpp <<<'int main(){ return undeclared; }'
        broken broken.cpp
        ;;
javascript)
        ok_bad js 'const s = require("fs").readFileSync(0, "utf8").trim(); console.log("hello " + s)' \
                'process.exit(4)'
        ;;
java)
        ok_bad java 'import java.util.Scanner;
public class Main { public static void main(String[] a) { System.out.println("hello " + new Scanner(System.in).next()); } }' \
                'public class Main { public static void main(String[] a) { throw new RuntimeException("x"); } }'
        src broken.java <<<'public class Main { public static void main(String[] a) { int x = "s"; } }'
        # The file is named after the public class, whatever it is called, and the class
        # with main runs: HumanEval-X's layout, a package, a comment that names a decoy.
        src solution.java <<<'import java.util.*;
// public class Decoy { public static void main(String[] a) {} }
public class Solution { public static void main(String[] args) { System.out.println("hello " + new Scanner(System.in).next()); } }'
        src humanevalx.java <<<'import java.util.*;
class Solution { public int add(int a, int b) { return a + b; } }
public class Main { public static void main(String[] args) {
    String s = "{ class Fake"; System.out.println("hello " + (new Solution().add(1, 1) == 2 ? new Scanner(System.in).next() : "wrong")); } }'
        src package.java <<<'package org.example.app;
public class Hello { public static void main(String[] args) { System.out.println("hello " + new java.util.Scanner(System.in).next()); } }'
        src nomain.java <<<'public class Solution { int f() { return 1; } }'
        broken broken.java
        check solution.java OK "$hello"
        check humanevalx.java OK "$hello"
        check package.java OK "$hello"
        check nomain.java RUNTIME_ERROR
        expect_contains stderr "Main method not found in class Solution"
        ;;
bash)
        ok_bad sh 'read -r s; echo "hello $s"' 'exit 5'
        ;;
perl)
        ok_bad pl 'my $s = <STDIN>; chomp $s; print "hello $s\n";' 'die "x";'
        ;;
go)
        ok_bad go 'package main
import ("bufio"; "fmt"; "os")
func main() { var s string; fmt.Fscan(bufio.NewReader(os.Stdin), &s); fmt.Println("hello " + s) }' \
                'package main
func main() { var m map[string]int; m["x"] = 1 }'
        src broken.go <<<'package main
func main() { x := 1 }'
        # A file of tests (HumanEval-X, MultiPL-E) runs them; a failing one, or one that exits
        # early with status 0, fails the run.
        src pass_test.go <<<'package main
import "testing"
func add(a, b int) int { return a + b }
func TestAdd(t *testing.T) { if add(1, 1) != 2 { t.Fatal("1+1") } }'
        src fail_test.go <<<'package main
import "testing"
func TestAdd(t *testing.T) { if 1+1 != 3 { t.Fatal("expected failure") } }'
        src exit_test.go <<<'package main
import ("os"; "testing")
func TestAdd(t *testing.T) { os.Exit(0) }'
        broken broken.go
        check pass_test.go OK
        expect_contains stdout PASS
        check fail_test.go RUNTIME_ERROR
        expect_contains stdout "expected failure"
        check exit_test.go RUNTIME_ERROR
        # Debian's Go libraries resolve (GOPATH mode): HumanEval-X's tests use testify.
        if [ -d /usr/share/gocode/src/github.com/stretchr/testify/assert ]; then
                src testify_test.go <<<'package main
import ("testing"; "github.com/stretchr/testify/assert")
func TestAdd(t *testing.T) { assert.Equal(t, 2, 1+1) }'
                check testify_test.go OK
        fi
        ;;
rust)
        ok_bad rs 'use std::io::Read;
fn main() { let mut s = String::new(); std::io::stdin().read_to_string(&mut s).unwrap(); println!("hello {}", s.trim()); }' \
                'fn main() { let v: Vec<i32> = Vec::new(); println!("{}", v[1]); }'
        src broken.rs <<<'fn main() { let x: i32 = "s"; }'
        # #[test] functions are built into the test harness and run, even beside a main.
        src pass_test.rs <<<'fn add(a: i32, b: i32) -> i32 { a + b }
fn main() {}
#[cfg(test)]
mod tests { use super::*; #[test] fn adds() { assert_eq!(add(1, 1), 2); } }'
        src fail_test.rs <<<'fn main() {}
#[cfg(test)]
mod tests { #[test] fn fails() { assert_eq!(1 + 1, 3, "expected failure"); } }'
        broken broken.rs
        check pass_test.rs OK
        expect_contains stdout "test result: ok. 1 passed"
        check fail_test.rs RUNTIME_ERROR
        expect_contains stdout "expected failure"
        ;;
typescript)
        ok_bad ts 'declare const require: any;
const s: string = require("fs").readFileSync(0, "utf8").trim();
console.log(`hello ${s}`);' \
                'declare const process: any; process.exit(3);'
        src broken.ts <<<'const n: number = "not a number";'
        broken broken.ts
        ;;
ruby)
        ok_bad rb 'puts "hello #{STDIN.gets.strip}"' 'raise "x"'
        ;;
php)
        ok_bad php '<?php echo "hello " . trim(fgets(STDIN)) . "\n";' \
                '<?php throw new Exception("x");'
        ;;
lua)
        ok_bad lua 'print("hello " .. io.read("l"))' 'error("x")'
        ;;
r)
        ok_bad R 's <- readLines(file("stdin"), n = 1); cat("hello", s, "\n", sep = c(" ", ""))' \
                'stopifnot(1 == 2)'
        ;;
csharp)
        ok_bad cs 'using System; using System.Linq; using System.Numerics;
class Program { static void Main() { var s = Console.ReadLine().Trim(); Console.WriteLine("hello " + s + (new BigInteger(2) * 3 == 6 && new[] {1}.Sum() == 1 ? "" : "!")); } }' \
                'class Program { static int Main() { return 3; } }'
        src broken.cs <<<'class Program { static void Main() { int x = "s"; } }'
        # A failed Debug.Assert (MultiPL-E's tests) is kept and shows on stderr: Mono goes on
        # and exits 0, so judging it takes a look at stderr.
        src assert.cs <<<'using System.Diagnostics;
class Program { static void Main() { Debug.Assert(1 + 1 == 3); } }'
        broken broken.cs
        check assert.cs OK
        expect_contains stderr "Fail"
        ;;
scala)
        ok_bad scala 'object Main { def main(args: Array[String]): Unit = println("hello " + scala.io.StdIn.readLine()) }' \
                'object Main { def main(args: Array[String]): Unit = sys.exit(3) }'
        src broken.scala <<<'object Main { def main(args: Array[String]): Unit = { val x: Int = "s" } }'
        # The object with main runs, whatever its name (MultiPL-E's is Problem), in its package.
        src problem.scala <<<'package bench
class Helper { def main(x: Int) = x }
object Problem { def main(args: Array[String]): Unit = println("hello " + scala.io.StdIn.readLine()) }'
        broken broken.scala
        check problem.scala OK "$hello"
        ;;
d)
        ok_bad d 'import std.stdio, std.string;
void main() { writeln("hello ", readln().strip); }' \
                'int main() { return 3; }'
        src broken.d <<<'void main() { int x = "s"; }'
        # unittest blocks run before main: MultiPL-E's tests are unittest blocks.
        src unittest.d <<<'unittest { assert(1 + 1 == 3, "expected failure"); }
void main() {}'
        broken broken.d
        check unittest.d RUNTIME_ERROR
        expect_contains stdout "expected failure"
        ;;
racket)
        ok_bad rkt '#lang racket
(printf "hello ~a\n" (read-line))' \
                '#lang racket
(exit 3)'
        src error.rkt <<<'#lang racket
(car (list))'
        check error.rkt RUNTIME_ERROR
        ;;
*)
        fail "no test for language '$lang'"
        ;;
esac
exit 0
