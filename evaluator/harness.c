/* The language table and the completion proof for languages whose tests run at the top level
 * of the program (Python, JavaScript, TypeScript, Ruby, PHP, Lua, R, Perl, Bash, Racket): the
 * proof line is read first, before the candidate's code, and printed after everything else.
 * Languages whose tests live in a main function are in harness_main.c. */
#include <string.h>
#include <strings.h>

#include "evaluator/harness.h"
#include "evaluator/harness_internal.h"
#include "evaluator/strutil.h"
#include "util.h"

#define STRV(...) ((const char *const[]){__VA_ARGS__, NULL})

/* Reads the proof line unbuffered (fd 0, byte by byte), so that a functional harness still
 * finds its arguments on stdin afterwards; keeps it in a closure rather than a global. */
const char sbx_eval_python_proof_prologue[] =
    "def _sbx_proof_reader():\n"
    "    import os\n"
    "    line = b\"\"\n"
    "    while len(line) < 256:\n"
    "        c = os.read(0, 1)\n"
    "        if not c or c == b\"\\n\":\n"
    "            break\n"
    "        line += c\n"
    "    def emit(payload=\"\"):\n"
    "        import os, sys\n"
    "        try:\n"
    "            sys.stdout.flush()\n"
    "        except BaseException:\n"
    "            pass\n"
    "        data = b\"\\n\" + line + b\"\\n\" + payload.encode(\"utf-8\", \"surrogatepass\")\n"
    "        while data:\n"
    "            data = data[os.write(1, data):]\n"
    "    return emit\n"
    "_sbx_proof = _sbx_proof_reader()\n"
    "del _sbx_proof_reader\n";

/* JavaScript and TypeScript: read the proof line from stdin a byte at a time (again on EAGAIN)
 * and keep the function that prints it. head: the function's signature; fs: how it reaches
 * Node's fs module; caught: the catch clause's test of the error e. */
#define JS_PROOF_PROLOGUE(head, fs, caught)                                                        \
        "var __sbx_proof = (function " head " {\n"                                                 \
        "  var fs" fs ", b = new Uint8Array(1), s = \"\";\n"                                       \
        "  for (;;) {\n"                                                                           \
        "    var n = 0;\n"                                                                         \
        "    try { n = fs.readSync(0, b, 0, 1, null); }\n"                                         \
        "    catch (e) { " caught " continue; break; }\n"                                          \
        "    if (n <= 0 || b[0] === 10 || s.length >= 256) break;\n"                               \
        "    s += String.fromCharCode(b[0]);\n"                                                    \
        "  }\n"                                                                                    \
        "  return function () { fs.writeSync(1, \"\\n\" + s + \"\\n\"); };\n"                      \
        "})();\n"

static const char js_prologue[] =
    JS_PROOF_PROLOGUE("()", " = require(\"fs\")", "if (e && e.code === \"EAGAIN\")");

/* The same in TypeScript, which may not know require's type: a direct eval reaches the module's
 * require whatever the type declarations say. */
static const char ts_prologue[] =
    JS_PROOF_PROLOGUE("(): () => void", ": any = eval(\"require\")(\"fs\")",
                      "var x: any = e; if (x && x.code === \"EAGAIN\")");

static const char js_epilogue[] = "\n__sbx_proof();\n";

static const char ruby_prologue[] = "__sbx_proof = (STDIN.gets || \"\").chomp\n";
/* MultiPL-E's Ruby tests are test-unit cases, which run at exit: run them here instead. */
static const char ruby_epilogue[] = "\nif defined?(Test::Unit::AutoRunner) && "
                                    "Test::Unit::AutoRunner.respond_to?(:need_auto_run=)\n"
                                    "  Test::Unit::AutoRunner.need_auto_run = false\n"
                                    "  exit(1) unless Test::Unit::AutoRunner.run\n"
                                    "end\n"
                                    "STDOUT.flush\n"
                                    "STDOUT.syswrite(\"\\n\" + __sbx_proof + \"\\n\")\n";

static const char php_prologue[] = "$__sbx_proof = rtrim((string) fgets(STDIN), \"\\r\\n\");\n";
static const char php_epilogue[] =
    "\nfflush(STDOUT);\nfwrite(STDOUT, \"\\n\" . $__sbx_proof . \"\\n\");\n";

static const char lua_prologue[] = "local __sbx_proof = io.read(\"*l\") or \"\"\n";
#define LUA_EMIT                                                                                   \
        "io.stdout:flush(); io.stdout:write(\"\\n\" .. __sbx_proof .. \"\\n\"); io.stdout:flush()"
/* MultiPL-E's Lua tests end by exiting with luaunit's status. */
#define LUAUNIT_EXIT "os.exit(lu.LuaUnit.run())"
static const char luaunit_exit[] = "local __sbx_rc = lu.LuaUnit.run()\n"
                                   "if __sbx_rc == 0 then " LUA_EMIT " end\n"
                                   "os.exit(__sbx_rc)";

static const char r_prologue[] = ".sbx_proof <- local({\n"
                                 "  con <- file(\"stdin\")\n"
                                 "  line <- readLines(con, n = 1, warn = FALSE)\n"
                                 "  close(con)\n"
                                 "  if (length(line) == 0) \"\" else line\n"
                                 "})\n";
static const char r_epilogue[] =
    "\nflush(stdout())\ncat(\"\\n\", .sbx_proof, \"\\n\", sep = \"\")\nflush(stdout())\n";

static const char perl_prologue[] = "my $__sbx_proof = <STDIN>;\n"
                                    "$__sbx_proof = '' unless defined $__sbx_proof;\n"
                                    "chomp $__sbx_proof;\n";
static const char perl_epilogue[] = "\n{ local $| = 1; print STDOUT \"\\n$__sbx_proof\\n\"; }\n";

static const char bash_prologue[] = "IFS= read -r __sbx_proof || true\n";
/* The test script's status is its last command's: keep it. */
static const char bash_epilogue[] = "\n__sbx_rc=$?\n"
                                    "if [ \"$__sbx_rc\" -eq 0 ]; then printf '\\n%s\\n' "
                                    "\"$__sbx_proof\"; fi\n"
                                    "exit \"$__sbx_rc\"\n";

static const char racket_prologue[] =
    "(define __sbx-proof\n"
    "  (let ([l (read-line (current-input-port) 'any)]) (if (eof-object? l) \"\" l)))\n";
static const char racket_epilogue[] =
    "\n(flush-output (current-output-port))\n"
    "(void (write-string (string-append \"\\n\" __sbx-proof \"\\n\") (current-output-port)))\n"
    "(flush-output (current-output-port))\n";

struct script {
        const char *name;
        const char *prologue, *epilogue;
        const char *header; /* a first line that must stay first ("<?php", "#lang", "#!") */
};

static const struct script scripts[] = {
    {"python", sbx_eval_python_proof_prologue, "\n" SBX_EVAL_PYTHON_PROOF_EMIT, "#!"},
    {"javascript", js_prologue, js_epilogue, "#!"},
    {"typescript", ts_prologue, js_epilogue, "#!"},
    {"ruby", ruby_prologue, ruby_epilogue, "#!"},
    {"php", php_prologue, php_epilogue, "<?php"},
    {"lua", lua_prologue, NULL, "#!"},
    {"r", r_prologue, r_epilogue, "#!"},
    {"perl", perl_prologue, perl_epilogue, "#!"},
    {"bash", bash_prologue, bash_epilogue, "#!"},
    {"racket", racket_prologue, racket_epilogue, "#lang"},
};

/* nul_escape: how a NUL character is written inside a string literal, in a form that no
 * following character can extend (C++'s \x is greedy: \u0000; Go takes \x00; PHP \u{0} in
 * double quotes, where MBXP's tests have it). */
static const struct sbx_eval_lang langs[] = {
    {"python", "python", SBX_EVAL_WRAP_SCRIPT, NULL, NULL, "\\x00"},
    {"cpp", "cpp", SBX_EVAL_WRAP_GUARD, NULL, NULL, "\\u0000"},
    {"java", "java", SBX_EVAL_WRAP_RENAME, STRV("CLASSPATH=.:" SBX_EVAL_JAVATUPLES_JAR), NULL,
     "\\u0000"},
    /* Debian's node modules (lodash for MBXP) */
    {"javascript", "javascript", SBX_EVAL_WRAP_SCRIPT, STRV("NODE_PATH=/usr/share/nodejs"), NULL,
     "\\u0000"},
    {"typescript", "typescript", SBX_EVAL_WRAP_SCRIPT, STRV("NODE_PATH=/usr/share/nodejs"), NULL,
     "\\u0000"},
    /* a build cache in the job's own /tmp when the language's steps do not set one */
    {"go", "go", SBX_EVAL_WRAP_GO, STRV("GOCACHE=/tmp/.sbx-gocache"), NULL, "\\x00"},
    {"rust", "rust", SBX_EVAL_WRAP_GUARD, NULL, NULL, "\\x00"},
    {"ruby", "ruby", SBX_EVAL_WRAP_SCRIPT, NULL, NULL, "\\u0000"},
    {"php", "php", SBX_EVAL_WRAP_SCRIPT, NULL, NULL, "\\u{0}"},
    {"lua", "lua", SBX_EVAL_WRAP_SCRIPT, NULL, NULL, "\\x00"},
    /* R strings cannot hold a NUL */
    {"r", "r", SBX_EVAL_WRAP_SCRIPT, NULL, NULL, NULL},
    /* Debug.Assert reports on stderr and exits 0 under Mono (MultiPL-E's rule). */
    {"csharp", "csharp", SBX_EVAL_WRAP_RENAME, STRV("MONO_TRACE_LISTENER=Console.Error"),
     STRV("DefaultTraceListener.Fail", "Unhandled Exception"), "\\u0000"},
    {"scala", "scala", SBX_EVAL_WRAP_RENAME, NULL, NULL, "\\u0000"},
    {"d", "d", SBX_EVAL_WRAP_GUARD, NULL, NULL, "\\x00"},
    {"racket", "racket", SBX_EVAL_WRAP_SCRIPT, NULL, NULL, "\\u0000"},
    {"perl", "perl", SBX_EVAL_WRAP_SCRIPT, NULL, NULL, "\\x{0}"},
    {"bash", "bash", SBX_EVAL_WRAP_SCRIPT, NULL, NULL, NULL},
};

/* The benchmarks' own names for the languages (MultiPL-E's file extensions, MBXP's names,
 * HumanEval-X's task prefixes). */
static const struct {
        const char *alias, *name;
} aliases[] = {
    {"py", "python"},         {"c++", "cpp"},       {"js", "javascript"}, {"ts", "typescript"},
    {"golang", "go"},         {"go_test.go", "go"}, {"rs", "rust"},       {"rb", "ruby"},
    {"cs", "csharp"},         {"c#", "csharp"},     {"rkt", "racket"},    {"pl", "perl"},
    {"sh", "bash"},           {"shell", "bash"},    {"dlang", "d"},       {"node", "javascript"},
    {"nodejs", "javascript"},
};

const struct sbx_eval_lang *sbx_eval_lang_find(const char *name)
{
        for (size_t i = 0; name && i < ELEMENTSOF(aliases); i++)
                if (!strcasecmp(aliases[i].alias, name))
                        name = aliases[i].name;
        for (size_t i = 0; name && i < ELEMENTSOF(langs); i++)
                if (!strcasecmp(langs[i].name, name))
                        return &langs[i];
        return NULL;
}

static const struct script *script_find(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(scripts); i++)
                if (!strcmp(scripts[i].name, name))
                        return &scripts[i];
        return NULL;
}

/* Length of the first line of text when it starts with header (it must stay first). */
static size_t header_len(const char *text, const char *header)
{
        const char *nl;

        if (!header || strncmp(text, header, strlen(header)))
                return 0;
        nl = strchr(text, '\n');
        return nl ? (size_t)(nl - text) + 1 : strlen(text);
}

static void script_tests(struct sbx_eval_buf *b, const struct script *s, const char *tests)
{
        const char *exit_at;

        if (!strcmp(s->name, "lua")) {
                exit_at = strstr(tests, LUAUNIT_EXIT);
                if (exit_at) {
                        sbx_eval_buf_append(b, tests, (size_t)(exit_at - tests));
                        sbx_eval_buf_puts(b, luaunit_exit);
                        sbx_eval_buf_puts(b, exit_at + strlen(LUAUNIT_EXIT));
                        return;
                }
                sbx_eval_buf_puts(b, tests);
                sbx_eval_buf_puts(b, "\n" LUA_EMIT "\n");
                return;
        }
        sbx_eval_buf_puts(b, tests);
        /* PHP text after a closing tag is output, not code */
        if (!strcmp(s->name, "php")) {
                const char *end = tests + strlen(tests);
                while (end > tests && strchr(" \t\r\n", end[-1]))
                        end--;
                if (end - tests >= 2 && !strncmp(end - 2, "?>", 2))
                        sbx_eval_buf_puts(b, "\n<?php");
        }
        sbx_eval_buf_puts(b, s->epilogue);
}

char *sbx_eval_harness_script(const struct sbx_eval_lang *l, const char *head, const char *tests)
{
        const struct script *s = script_find(l->name);
        struct sbx_eval_buf b = {0};
        size_t h;

        if (!s)
                return NULL;
        h = header_len(head, s->header);
        if (!strcmp(s->name, "php") && h == 0) {
                /* no opening tag to follow: the prologue gets its own */
                sbx_eval_buf_printf(&b, "<?php\n%s?>\n", s->prologue);
        } else {
                sbx_eval_buf_append(&b, head, h);
                if (h && head[h - 1] != '\n')
                        sbx_eval_buf_puts(&b, "\n");
                sbx_eval_buf_puts(&b, s->prologue);
        }
        sbx_eval_buf_puts(&b, head + h);
        script_tests(&b, s, tests);
        return sbx_eval_buf_take(&b);
}

char *sbx_eval_harness_program(const struct sbx_eval_lang *l, const char *head, const char *tests,
                               const struct sbx_eval_wrap_opts *opts)
{
        static const struct sbx_eval_wrap_opts none = {0};

        opts = opts ? opts : &none;
        switch (l->wrap) {
        case SBX_EVAL_WRAP_SCRIPT:
                return sbx_eval_harness_script(l, head, tests);
        case SBX_EVAL_WRAP_GUARD:
                return sbx_eval_harness_guard(l, head, tests);
        case SBX_EVAL_WRAP_RENAME:
                return sbx_eval_harness_rename(l, head, tests, opts);
        case SBX_EVAL_WRAP_GO:
                return sbx_eval_harness_go(head, tests);
        default:
                return NULL;
        }
}
