"""Test data for one language of the multi-language benchmarks (tests/eval/langs.sh).

    langs.py LANG DIR

writes, for every benchmark that has LANG, DIR/<bench>/<file>.jsonl (a problem in the
benchmark's own layout) and DIR/<bench>.samples.jsonl with three completions of it: sample 0
right, sample 1 wrong, sample 2 exiting with status 0 before the tests ran. Prints the
benchmarks written, one per line, as "<bench> <subset>".

The problem is add(x, y) = x + y, tested with (1, 2) -> 3 and (-1, 5) -> 4, written as each
dataset writes its tests (MultiPL-E's translators, MBXP's harnesses); HumanEval-X uses its
bundled first problem with the dataset's canonical solution.
"""
import gzip
import json
import os
import sys

# ---- MultiPL-E: prompt, tests, and the completions right / wrong / early exit ----------------
MULTIPLE = {
    "python": (
        "py",
        'def add(x: int, y: int) -> int:\n    """Add two numbers"""\n',
        "def check(candidate):\n    assert candidate(1, 2) == 3\n    assert candidate(-1, 5) == 4\n"
        "\ndef test_check():\n    check(add)\n\ntest_check()\n",
        ["    return x + y\n", "    return x - y\n", "    import sys\n    sys.exit(0)\n"],
    ),
    "cpp": (
        "cpp",
        "#include<assert.h>\n#include<bits/stdc++.h>\n// Add two numbers\nlong add(long x, long y) {\n",
        "}\nint main() {\n    auto candidate = add;\n    assert(candidate((1), (2)) == (3));\n"
        "    assert(candidate((-1), (5)) == (4));\n}\n",
        ["    return x + y;\n", "    return x - y;\n", "    exit(0);\n"],
    ),
    "java": (
        "java",
        "import java.util.*;\nimport java.lang.reflect.*;\nimport org.javatuples.*;\n"
        "import java.security.*;\nimport java.math.*;\nimport java.io.*;\nimport java.util.stream.*;\n"
        "class Problem {\n    // Add two numbers\n    public static long add(long x, long y) {\n",
        "    }\n    public static void main(String[] args) {\n    assert(add((1l), (2l)) == (3l));\n"
        "    assert(add((-1l), (5l)) == (4l));\n    }\n\n}\n",
        ["        return x + y;\n", "        return x - y;\n",
         "        System.exit(0);\n        return 0;\n"],
    ),
    "csharp": (
        "cs",
        "using System;\nusing System.Numerics;\nusing System.Diagnostics;\nusing System.Collections.Generic;\n"
        "using System.Linq;\nusing System.Text;\nusing System.Security.Cryptography;\nclass Problem {\n"
        "    // Add two numbers\n    public static long Add(long x, long y) {\n",
        "    }\n    public static void Main(string[] args) {\n    Debug.Assert(Add((1L), (2L)) == (3L));\n"
        "    Debug.Assert(Add((-1L), (5L)) == (4L));\n    }\n\n}\n",
        ["        return x + y;\n", "        return x - y;\n",
         "        Environment.Exit(0);\n        return 0;\n"],
    ),
    "scala": (
        "scala",
        "import scala.math._\nimport scala.collection.mutable._\nobject Problem {\n    // Add two numbers\n"
        "    def add(x : Long, y : Long) : Long = {\n",
        "    }\n    def main(args: Array[String]) = {\n    assert(add((1l), (2l)) == (3l));\n"
        "    assert(add((-1l), (5l)) == (4l));\n    }\n\n}\n",
        ["        x + y\n", "        x - y\n", "        sys.exit(0)\n"],
    ),
    "go": (
        "go_test.go",
        'package add_test\n\nimport (\n    "testing"\n    "fmt"\n    "os"\n)\n\nvar _ = os.Exit\n\n'
        "// Add two numbers\nfunc add(x int, y int) int {\n",
        "}\n\nfunc TestAdd(t *testing.T) {\n  candidate := add\n\ttype test struct {\n"
        "\t\tactual   interface{}\n\t\texpected interface{}\n\t}\n   tests := []test{\n"
        "     { actual: candidate(1, 2), expected: 3 },\n     { actual: candidate(-1, 5), expected: 4 },\n"
        "   }\n\n\tfor i, tc := range tests {\n"
        '\t\tt.Run(fmt.Sprintf("test num % d", i), func(t *testing.T) {\n'
        '\t\t\tif fmt.Sprintf("%v", tc.actual) != fmt.Sprintf("%v", tc.expected) {\n'
        "\t\t\t\tt.Errorf(\"expected '%s', got '%s'\", tc.expected, tc.actual)\n"
        "\t\t\t}\n\t\t})\n\t}\n}\n",
        ["    return x + y\n", "    return x - y\n", "    os.Exit(0)\n    return 0\n"],
    ),
    "rust": (
        "rs",
        "/// Add two numbers\nfn add(x: isize, y: isize) -> isize {\n",
        "}\n\nfn main() {\n    let candidate = add;\n    assert_eq!(candidate(1, 2), 3);\n"
        "    assert_eq!(candidate(-1, 5), 4);\n}\n",
        ["    x + y\n", "    x - y\n", "    std::process::exit(0)\n"],
    ),
    "d": (
        "d",
        "import std.math;\n/*\nAdd two numbers\n*/\nlong add(long x, long y) \n",
        "unittest\n{\n    alias candidate = add;\n\n    assert(candidate(1L, 2L) == 3L);\n"
        "    assert(candidate(-1L, 5L) == 4L);\n}\nvoid main(){}",
        ["{\n    return x + y;\n}\n", "{\n    return x - y;\n}\n",
         "{\n    import core.stdc.stdlib : exit;\n    exit(0);\n    return 0;\n}\n"],
    ),
    "javascript": (
        "js",
        "//Add two numbers\nfunction add(x, y){\n",
        "}\n\nconst assert = require('node:assert');\n\n\nfunction test() {\n  let candidate = add;\n"
        "  assert.deepEqual(candidate(1, 2),3);\n  assert.deepEqual(candidate(-1, 5),4);\n}\n\ntest();",
        ["  return x + y;\n", "  return x - y;\n", "  process.exit(0);\n"],
    ),
    "typescript": (
        "ts",
        "//Add two numbers\nfunction add(x: number, y: number): number {\n",
        "}\n\ndeclare var require: any;\nconst assert = require('node:assert');\n\n\nfunction test() {\n"
        "  let candidate = add;\n  assert.deepEqual(candidate(1, 2),3);\n"
        "  assert.deepEqual(candidate(-1, 5),4);\n}\n\ntest();",
        ["  return x + y;\n", "  return x - y;\n",
         '  (eval("process") as any).exit(0);\n  return 0;\n'],
    ),
    "ruby": (
        "rb",
        "# Add two numbers\ndef add(x, y)\n",
        "require 'test/unit'\nclass TestHumanEval < Test::Unit::TestCase\n  def test_add\n"
        "    candidate = method(:add)\n    assert_equal(3, candidate.call(1, 2))\n"
        "    assert_equal(4, candidate.call(-1, 5))\n  end\nend\n",
        ["  return x + y\nend\n", "  return x - y\nend\n", "  exit(0)\nend\n"],
    ),
    "php": (
        "php",
        "<?php\n// Add two numbers\nfunction add($x, $y) {\n",
        "}\nfunction candidate(...$args) {\n    return add(...$args);\n}\n\nfunction test(): void {\n"
        '    if (candidate(1, 2) !== 3) { throw new Exception("Test failed!"); }\n'
        '    if (candidate(-1, 5) !== 4) { throw new Exception("Test failed!"); }\n}\n\ntest();',
        ["    return $x + $y;\n", "    return $x - $y;\n", "    exit(0);\n"],
    ),
    "lua": (
        "lua",
        "-- Add two numbers\nlocal function add(x, y)\n",
        "end\n\nlu = require('luaunit')\n\nfunction test_humaneval()\nlocal candidate = add\n"
        "    lu.assertEquals(candidate(1, 2), 3)\n    lu.assertEquals(candidate(-1, 5), 4)\nend\n\n"
        "os.exit(lu.LuaUnit.run())",
        # luaunit refuses os.exit while its tests run: exit before they start
        ["    return x + y\n", "    return x - y\n",
         "    return x + y\nend\nos.exit(0)\nlocal function unused()\n"],
    ),
    "r": (
        "r",
        "# Add two numbers\nadd <- function(x, y) {\n",
        "}\ntest_humaneval <- function() {\ncandidate <- add\n"
        "    stopifnot(isTRUE(all.equal(candidate(1, 2), 3)))\n"
        "    stopifnot(isTRUE(all.equal(candidate(-1, 5), 4)))\n}\ntest_humaneval()",
        ["  x + y\n", "  x - y\n", "  quit(save = 'no', status = 0)\n"],
    ),
    "racket": (
        "rkt",
        "#lang racket\n\n;; Add two numbers\n(define (add x y)\n",
        "\n(require rackunit)\n\n(define (test-humaneval) \n\n  (let (( candidate add))\n"
        "    (check-equal? (candidate 1 2) 3)\n    (check-equal? (candidate -1 5) 4)\n))\n\n"
        "(test-humaneval)",
        ["  (+ x y))\n", "  (- x y))\n", "  (exit 0))\n"],
    ),
    "perl": (
        "pl",
        "# Add two numbers\nsub add {\n    my($x, $y) = @_;\n",
        "}\n\nuse Test::Deep;\n\n\nsub testhumaneval {\n    my $candidate = \\&add;\n"
        "        if(eq_deeply($candidate->(1, 2),3)) {\n        print \"ok!\" }else{\n        exit 1;\n"
        "        }\n        if(eq_deeply($candidate->(-1, 5),4)) {\n        print \"ok!\" }else{\n"
        "        exit 1;\n        }\n}\n\ntesthumaneval();",
        ["    return $x + $y;\n", "    return $x - $y;\n", "    exit 0;\n"],
    ),
    "bash": (
        "sh",
        "#!/bin/bash\n# Add two numbers\n#\n# $1 is an integer\n# $2 is an integer\nadd() {\n",
        '}\n\ncandidate() {\n    add "$@"\n}\n\nset -e\nrun_test() {\n'
        '    [[ $(candidate "1" "2") = "3" ]]\n    [[ $(candidate "-1" "5") = "4" ]]\n}\n\nrun_test',
        ["    echo $(( $1 + $2 ))\n", "    echo $(( $1 - $2 ))\n",
         "    echo $(( $1 + $2 ))\n}\nexit 0\nunused() {\n"],
    ),
}

# ---- MBXP: prompt, test (and the completions, right first: the reference) ----------------------
MBXP = {
    "python": (
        "\n\ndef add(x, y):\n\t\"\"\"\n\tAdd two numbers\n\t\"\"\"\n",
        "\n\nMETADATA = {}\n\n\ndef check(candidate):\n    assert candidate(1, 2) == 3\n"
        "    assert candidate(-1, 5) == 4\n\n",
        ["\treturn x + y\n", "\treturn x - y\n", "\timport sys\n\tsys.exit(0)\n"],
    ),
    "java": (
        "import java.io.*;\nimport java.lang.*;\nimport java.util.*;\nimport java.math.*;\n\n\n"
        "class Add {\n    public static int add(int x, int y) {\n",
        "\n\nclass Main {\n    public static void main(String[] args) throws Exception {\n"
        "        int x0 = Add.add(1, 2);\n        if (!(x0 == 3)) {\n"
        '            throw new java.lang.Exception("Exception -- test case 0 did not pass. x0 = " + x0);\n'
        "        }\n        int x1 = Add.add(-1, 5);\n        if (!(x1 == 4)) {\n"
        '            throw new java.lang.Exception("Exception -- test case 1 did not pass. x1 = " + x1);\n'
        "        }\n\n}\n}\n",
        ["        return x + y;\n    }\n}\n", "        return x - y;\n    }\n}\n",
         "        System.exit(0);\n        return 0;\n    }\n}\n"],
    ),
    "cpp": (
        "#include <bits/stdc++.h>\nusing namespace std;\n\n\nint add(int x, int y) {\n",
        "\n\ntemplate <typename T> bool compare(T a, T b){ \n    return a == b; \n}\n\n"
        "int main(int argc, char* argv[]) {\n    int x0 = add(1, 2);\n    if (!(compare(x0, 3))) {\n"
        '        throw runtime_error("Exception -- test case 0 did not pass.");\n    }\n\n'
        "    int x1 = add(-1, 5);\n    if (!(compare(x1, 4))) {\n"
        '        throw runtime_error("Exception -- test case 1 did not pass.");\n    }\n\n'
        "    return 0;\n}\n",
        ["    return x + y;\n}\n", "    return x - y;\n}\n", "    exit(0);\n}\n"],
    ),
    "go": (
        'package main\n\nimport (\n\t"encoding/json"\n\t"reflect"\n\t"os"\n)\n\nvar _ = os.Exit\n\n'
        "// Add two numbers\nfunc add (x int, y int) int {\n",
        "\n\nfunc deepCompare(a interface{}, b interface{}, msg string) bool {\n"
        "\taJSON, _ := json.Marshal(a)\n\tbJSON, _ := json.Marshal(b)\n"
        "\tvar a2 interface{}\n\tvar b2 interface{}\n\tjson.Unmarshal(aJSON, &a2)\n"
        "\tjson.Unmarshal(bJSON, &b2)\n\tif reflect.DeepEqual(a2, b2) {\n\t\treturn true\n\t}\n"
        "\tpanic(msg)\n}\n\nfunc main() {\n\tactual_1 := add(1, 2)\n"
        '\tdeepCompare(actual_1, 3, "Exception --- test case 0 failed to pass")\n'
        "\tactual_2 := add(-1, 5)\n"
        '\tdeepCompare(actual_2, 4, "Exception --- test case 1 failed to pass")\n}\n',
        ["\treturn x + y\n}\n", "\treturn x - y\n}\n", "\tos.Exit(0)\n\treturn 0\n}\n"],
    ),
    "javascript": (
        "/**\n * Add two numbers\n */\nfunction add(x, y) {\n",
        '\nconst _ = require("lodash")\n\nfunction compare(object1, object2){\n'
        "    return _.isEqual(object1, object2)\n}\n\nvar x0 = add(1, 2);\nif(!compare(x0, 3)){\n"
        "    throw 'Error at 1th assert statement.'\n}\n\nvar x1 = add(-1, 5);\n"
        "if(!compare(x1, 4)){\n    throw 'Error at 2th assert statement.'\n}\n",
        ["    return x + y;\n}\n", "    return x - y;\n}\n", "    process.exit(0);\n}\n"],
    ),
    "typescript": (
        "/**\n * Add two numbers\n */\nconst add = function (x: number, y: number) : number  {\n",
        "\nimport * as assert from 'assert'\n\nlet actual_1 = add(1, 2);\nlet expected_1 = 3;\n"
        'assert.deepEqual(actual_1, expected_1, "Exception --- test case 0 failed to pass");\n\n'
        "let actual_2 = add(-1, 5);\nlet expected_2 = 4;\n"
        'assert.deepEqual(actual_2, expected_2, "Exception --- test case 1 failed to pass");\n',
        ["\treturn x + y;\n}\n", "\treturn x - y;\n}\n",
         '\t(eval("process") as any).exit(0);\n\treturn 0;\n}\n'],
    ),
    "ruby": (
        "\n##\n# Add two numbers\ndef add(x, y)\n",
        "\n\nx0 = add(1, 2)\nif x0 != 3\n    raise StandardError, \"Error at test case 1\"\nend\n\n"
        "x1 = add(-1, 5)\nif x1 != 4\n    raise StandardError, \"Error at test case 2\"\nend\n",
        ["  x + y\nend\n", "  x - y\nend\n", "  exit(0)\nend\n"],
    ),
    "php": (
        "<?php\n\n/**\n * Add two numbers\n */\nfunction add($x, $y){\n",
        "\n\nfunction compare($x, $y) {\n    return $x == $y;\n}\n\n$x0 = add(1, 2);\n"
        'if (!compare($x0, 3)) {\n    throw new Exception("Error at 1th assert statement.");\n}\n'
        '$x1 = add(-1, 5);\nif (!compare($x1, 4)) {\n    throw new Exception("Error at 2th assert statement.");\n}\n',
        ["    return $x + $y;\n}\n", "    return $x - $y;\n}\n", "    exit(0);\n}\n"],
    ),
    "perl": (
        "\n# Add two numbers\nsub add\n{\n  my ($x, $y) = @_;\n",
        "\n\nuse Data::Compare;\n\nmy $x0 = add(1, 2);\nunless(Compare($x0, 3)) {\n"
        '    die "Exception -- test case 0 did not pass.";\n}\nmy $x1 = add(-1, 5);\n'
        'unless(Compare($x1, 4)) {\n    die "Exception -- test case 1 did not pass.";\n}\n',
        ["  return $x + $y;\n}\n", "  return $x - $y;\n}\n", "  exit 0;\n}\n"],
    ),
    "scala": (
        "object Main extends App {\n    /**\n     * Add two numbers\n     */\n"
        "    def add(x : Int, y : Int) : Int = {\n",
        "\n\n    var x0 : Int = add(1, 2)\n"
        '    assert(x0 == 3, "Exception -- test case 0 did not pass. x0 = " + x0)\n\n'
        "    var x1 : Int = add(-1, 5)\n"
        '    assert(x1 == 4, "Exception -- test case 1 did not pass. x1 = " + x1)\n\n\n}\n',
        ["        x + y\n    }\n", "        x - y\n    }\n", "        sys.exit(0)\n    }\n"],
    ),
}

# ---- HumanEval-X: problem 0 (has_close_elements): wrong and early-exit completions ------------
HUMANEVAL_X = {
    "python": ["    return False\n", "    import sys\n    sys.exit(0)\n"],
    "cpp": ["    return false;\n}\n", "    exit(0);\n}\n"],
    "java": ["        return false;\n    }\n}\n", "        System.exit(0);\n        return false;\n    }\n}\n"],
    "javascript": ["  return false;\n}\n", "  process.exit(0);\n}\n"],
    "go": ["    return false\n}\n", None],  # no os in its imports: the exit is tested by the others
    "rust": ["    return false;\n}\n", "    std::process::exit(0);\n}\n"],
}
HUMANEVAL_X_FILES = {"python": "python", "cpp": "cpp", "java": "java", "javascript": "js",
                     "go": "go", "rust": "rust"}


def write(path, records):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")


def main():
    lang, out = sys.argv[1], sys.argv[2]
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")
    if lang in MULTIPLE:
        ext, prompt, tests, comps = MULTIPLE[lang]
        name = "HumanEval_0_add"
        write(os.path.join(out, "multiple", "humaneval-%s.jsonl" % ext),
              [{"name": name, "language": ext, "prompt": prompt, "tests": tests,
                "stop_tokens": ["\n}"]}])
        write(os.path.join(out, "multiple.samples.jsonl"),
              [{"task_id": name, "completion": c} for c in comps])
        print("multiple_humaneval humaneval-%s" % ext)
    if lang in MBXP:
        prompt, test, comps = MBXP[lang]
        tid = "MBXX/1"
        write(os.path.join(out, "mbxp", "mb_%s_release_v1.jsonl" % lang),
              [{"task_id": tid, "language": lang, "prompt": prompt, "test": test,
                "entry_point": "add", "canonical_solution": comps[0], "description": "add"}])
        write(os.path.join(out, "mbxp.samples.jsonl"),
              [{"task_id": tid, "completion": c} for c in comps])
        print("mbxp %s" % lang)
    if lang in HUMANEVAL_X:
        path = os.path.join(data, "humaneval-x", "humaneval_%s.jsonl.gz" % HUMANEVAL_X_FILES[lang])
        first = json.loads(gzip.open(path, "rt").readline())
        comps = [first["canonical_solution"]] + [c for c in HUMANEVAL_X[lang] if c]
        write(os.path.join(out, "humaneval_x.samples.jsonl"),
              [{"task_id": first["task_id"], "completion": c} for c in comps])
        print("humaneval_x %s" % lang)


if __name__ == "__main__":
    main()
