/* The completion proof for languages whose tests run inside a main function.
 *
 * - C++, Rust, D, Go (a main with the tests): a scope guard made first thing in main reads the
 *   proof line and prints it when main returns normally. exit(0), process::exit(0) and
 *   os.Exit(0) leave without running destructors, Drop, scope(success) or defer, so an early
 *   exit prints nothing. (Renaming main instead would make C++'s fall-off-the-end of the old
 *   int main undefined behaviour.)
 * - Java, C#, Scala: the tests' main is renamed and a new main reads the line, calls it, and
 *   prints the line when it returns.
 * - Go tests (`go test` style, HumanEval-X and MultiPL-E): a main runs them with testing.Main,
 *   the proof printed by a last test that runs only after all the others.
 *
 * The tests are the benchmark's own code (trusted); only their main's declaration is searched,
 * as text. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/harness_internal.h"
#include "evaluator/strutil.h"
#include "util.h"

/* ---- finding main --------------------------------------------------------------------------- */

static bool is_ident(char c)
{
        return isalnum((unsigned char)c) || c == '_';
}

/* The next occurrence of word (not inside a longer identifier) followed by optional blanks and
 * '(' at or after from. */
static const char *find_call_word(const char *text, const char *from, const char *word)
{
        size_t n = strlen(word);

        for (const char *p = strstr(from, word); p; p = strstr(p + 1, word)) {
                const char *q = p + n;
                if ((p > text && is_ident(p[-1])) || is_ident(*q))
                        continue;
                while (*q == ' ' || *q == '\t')
                        q++;
                if (*q == '(')
                        return p;
        }
        return NULL;
}

/* Is the word before p (skipping blanks) one of the given keywords? */
static bool preceded_by(const char *text, const char *p, const char *const *keywords)
{
        const char *end = p, *start;

        while (end > text && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n'))
                end--;
        start = end;
        while (start > text && is_ident(start[-1]))
                start--;
        for (size_t i = 0; keywords[i]; i++)
                if ((size_t)(end - start) == strlen(keywords[i]) &&
                    !strncmp(start, keywords[i], (size_t)(end - start)))
                        return true;
        return false;
}

/* The declaration of the function named `name` whose declaration has one of the keywords right
 * before the name; *body gets its opening brace. */
static const char *find_function(const char *text, const char *name, const char *const *keywords,
                                 const char **body)
{
        for (const char *p = find_call_word(text, text, name); p;
             p = find_call_word(text, p + 1, name)) {
                const char *close, *brace;
                if (!preceded_by(text, p, keywords))
                        continue;
                close = strchr(p, ')');
                brace = close ? strchr(close, '{') : NULL;
                /* a declaration, not a call: only blanks, a return type or throws until '{' */
                if (!brace || memchr(close, ';', (size_t)(brace - close)))
                        continue;
                *body = brace;
                return p;
        }
        return NULL;
}

static const char *line_start(const char *text, const char *p)
{
        while (p > text && p[-1] != '\n')
                p--;
        return p;
}

/* text with `insert` put right after the character at `at` */
static void put_after(struct sbx_eval_buf *b, const char *text, const char *at, const char *insert)
{
        sbx_eval_buf_append(b, text, (size_t)(at - text) + 1);
        sbx_eval_buf_puts(b, insert);
        sbx_eval_buf_puts(b, at + 1);
}

/* ---- C++, Rust, D: a guard made at the start of main ----------------------------------------- */

static const char cpp_prologue[] =
    "#include <cstdio>\n"
    "#include <iostream>\n"
    "#include <string>\n"
    "#include <unistd.h>\n"
    "namespace sbx_proof {\n"
    "struct Guard {\n"
    "    std::string line;\n"
    "    Guard() {\n"
    "        char c;\n"
    "        while (line.size() < 256 && ::read(0, &c, 1) == 1 && c != '\\n')\n"
    "            line += c;\n"
    "    }\n"
    "    ~Guard() {\n"
    "        std::cout.flush();\n"
    "        std::fflush(stdout);\n"
    "        std::string s = \"\\n\" + line + \"\\n\";\n"
    "        for (size_t off = 0; off < s.size();) {\n"
    "            ssize_t w = ::write(1, s.data() + off, s.size() - off);\n"
    "            if (w <= 0)\n"
    "                break;\n"
    "            off += (size_t)w;\n"
    "        }\n"
    "    }\n"
    "};\n"
    "}\n";

static const char rust_epilogue[] =
    "\nmod sbx_proof {\n"
    "    pub struct Guard(Vec<u8>);\n"
    "    impl Guard {\n"
    "        pub fn read() -> Guard {\n"
    "            use std::io::Read;\n"
    "            let mut line = Vec::new();\n"
    "            let mut b = [0u8; 1];\n"
    "            while line.len() < 256 {\n"
    "                match std::io::stdin().read(&mut b) {\n"
    "                    Ok(1) if b[0] != b'\\n' => line.push(b[0]),\n"
    "                    _ => break,\n"
    "                }\n"
    "            }\n"
    "            Guard(line)\n"
    "        }\n"
    "    }\n"
    "    impl Drop for Guard {\n"
    "        fn drop(&mut self) {\n"
    "            use std::io::Write;\n"
    "            if std::thread::panicking() {\n"
    "                return;\n"
    "            }\n"
    "            let mut out = std::io::stdout();\n"
    "            let _ = out.flush();\n"
    "            let _ = out.write_all(b\"\\n\");\n"
    "            let _ = out.write_all(&self.0);\n"
    "            let _ = out.write_all(b\"\\n\");\n"
    "            let _ = out.flush();\n"
    "        }\n"
    "    }\n"
    "}\n";

static const char d_epilogue[] = "\nprivate string sbx_proof_line;\n"
                                 "private void sbx_proof_read()\n"
                                 "{\n"
                                 "    import std.stdio : stdin;\n"
                                 "    import std.string : chomp;\n"
                                 "    auto l = stdin.readln();\n"
                                 "    sbx_proof_line = l is null ? \"\" : chomp(l);\n"
                                 "}\n"
                                 "private void sbx_proof_emit()\n"
                                 "{\n"
                                 "    import std.stdio : stdout;\n"
                                 "    stdout.flush();\n"
                                 "    stdout.write(\"\\n\", sbx_proof_line, \"\\n\");\n"
                                 "    stdout.flush();\n"
                                 "}\n";

static const char *const cpp_main_keywords[] = {"int", NULL};
static const char *const rust_main_keywords[] = {"fn", NULL};
static const char *const d_main_keywords[] = {"void", "int", NULL};

/* MultiPL-E's D tests are a unittest block (run by `rdmd -unittest -main`): made into plain
 * functions here, called from main, so that no compiler flag decides whether they run. The
 * number of blocks goes to *n. */
static char *d_unittests_as_functions(const char *tests, size_t *n)
{
        struct sbx_eval_buf b = {0};
        const char *p = tests;

        *n = 0;
        while (*p) {
                const char *eol = strchrnul(p, '\n'), *s = p, *e = eol;
                while (s < e && isspace((unsigned char)*s))
                        s++;
                while (e > s && isspace((unsigned char)e[-1]))
                        e--;
                if (e - s == 8 && !strncmp(s, "unittest", 8))
                        sbx_eval_buf_printf(&b, "void sbx_unittest_%zu()", (*n)++);
                else
                        sbx_eval_buf_append(&b, p, (size_t)(eol - p));
                if (*eol)
                        sbx_eval_buf_puts(&b, "\n");
                p = *eol ? eol + 1 : eol;
        }
        return sbx_eval_buf_take(&b);
}

static char *d_program(const char *head, const char *tests)
{
        _cleanup_free_ char *body = NULL, *guard = NULL;
        struct sbx_eval_buf g = {0}, b = {0};
        const char *brace = NULL;
        size_t n;

        body = d_unittests_as_functions(tests, &n);
        sbx_eval_buf_puts(&g, " sbx_proof_read(); scope (success) sbx_proof_emit();");
        for (size_t i = 0; i < n; i++)
                sbx_eval_buf_printf(&g, " sbx_unittest_%zu();", i);
        guard = sbx_eval_buf_take(&g);
        if (!body || !guard)
                return NULL;
        sbx_eval_buf_puts(&b, head);
        if (find_function(body, "main", d_main_keywords, &brace)) {
                put_after(&b, body, brace, guard);
        } else {
                sbx_eval_buf_puts(&b, body);
                sbx_eval_buf_printf(&b, "\nvoid main()\n{%s\n}\n", guard);
        }
        sbx_eval_buf_puts(&b, d_epilogue);
        return sbx_eval_buf_take(&b);
}

char *sbx_eval_harness_guard(const struct sbx_eval_lang *l, const char *head, const char *tests)
{
        struct sbx_eval_buf b = {0};
        const char *brace = NULL;

        if (!strcmp(l->name, "d"))
                return d_program(head, tests);
        if (!strcmp(l->name, "cpp")) {
                if (!find_function(tests, "main", cpp_main_keywords, &brace))
                        return NULL;
                sbx_eval_buf_puts(&b, cpp_prologue);
                sbx_eval_buf_puts(&b, head);
                put_after(&b, tests, brace, " sbx_proof::Guard sbx_proof_guard;");
                return sbx_eval_buf_take(&b);
        }
        if (!strcmp(l->name, "rust")) {
                if (!find_function(tests, "main", rust_main_keywords, &brace))
                        return NULL;
                sbx_eval_buf_puts(&b, head);
                put_after(&b, tests, brace, " let _sbx_proof_guard = sbx_proof::Guard::read();");
                sbx_eval_buf_puts(&b, rust_epilogue);
                return sbx_eval_buf_take(&b);
        }
        return NULL;
}

/* ---- Java, C#, Scala: the tests' main renamed, a new main around it -------------------------- */

static const char java_proof_class[] =
    "\nclass SbxProof {\n"
    "    private final String line;\n"
    "    private SbxProof(String line) { this.line = line; }\n"
    "    static SbxProof read() throws java.io.IOException {\n"
    "        StringBuilder b = new StringBuilder();\n"
    "        for (int c; b.length() < 256 && (c = System.in.read()) != -1 && c != '\\n';)\n"
    "            b.append((char) c);\n"
    "        return new SbxProof(b.toString());\n"
    "    }\n"
    "    void emit() {\n"
    "        System.out.flush();\n"
    "        System.out.print(\"\\n\" + line + \"\\n\");\n"
    "        System.out.flush();\n"
    "    }\n"
    "}\n";

/* MultiPL-E runs its Java tests with `java -ea` and javatuples on the class path: the class is
 * loaded by a loader that has both, whatever the language's run step says. */
static const char java_loader_call[] =
    "        java.net.URL[] sbxUrls = { new java.io.File(\".\").toURI().toURL(),\n"
    "                new java.io.File(\"%s\").toURI().toURL() };\n"
    "        ClassLoader sbxLoader = new java.net.URLClassLoader(sbxUrls,\n"
    "                ClassLoader.getPlatformClassLoader());\n"
    "        sbxLoader.setDefaultAssertionStatus(%s);\n"
    "        java.lang.reflect.Method sbxMain = Class.forName(\"%s\", true, sbxLoader)\n"
    "                .getDeclaredMethod(\"sbxTestsMain\", String[].class);\n"
    "        sbxMain.setAccessible(true);\n"
    "        try {\n"
    "            sbxMain.invoke(null, (Object) sbxArgs);\n"
    "        } catch (java.lang.reflect.InvocationTargetException e) {\n"
    "            throw e.getCause();\n"
    "        }\n";

static const char csharp_proof_class[] =
    "\nclass SbxProof\n"
    "{\n"
    "    private readonly string line;\n"
    "    private SbxProof(string line) { this.line = line; }\n"
    "    public static SbxProof Read()\n"
    "    {\n"
    "        string l = System.Console.In.ReadLine();\n"
    "        return new SbxProof(l ?? \"\");\n"
    "    }\n"
    "    public void Emit()\n"
    "    {\n"
    "        System.Console.Out.Flush();\n"
    "        System.Console.Out.Write(\"\\n\" + line + \"\\n\");\n"
    "        System.Console.Out.Flush();\n"
    "    }\n"
    "}\n";

static const char scala_proof_object[] =
    "\nobject SbxProof {\n"
    "  def read(): String = { val l = scala.io.StdIn.readLine(); if (l == null) \"\" else l }\n"
    "  def emit(line: String): Unit = {\n"
    "    Console.out.flush()\n"
    "    System.out.flush()\n"
    "    System.out.print(\"\\n\" + line + \"\\n\")\n"
    "    System.out.flush()\n"
    "  }\n"
    "}\n";

struct rename_lang {
        const char *name;
        const char *main_name, *renamed;
        const char *const *keywords; /* right before the main's name */
        const char *type_keyword;    /* what declares its enclosing type: "class", "object" */
        const char *proof_type;
};

static const struct rename_lang rename_langs[] = {
    {"java", "main", "sbxTestsMain", (const char *const[]){"void", NULL}, "class",
     java_proof_class},
    {"csharp", "Main", "SbxTestsMain", (const char *const[]){"void", "int", NULL}, "class",
     csharp_proof_class},
    {"scala", "main", "sbxTestsMain", (const char *const[]){"def", NULL}, "object",
     scala_proof_object},
};

/* The name of the class or object declared last before `at`, into buf. */
static void enclosing_type(const char *text, const char *at, const char *keyword, char *buf,
                           size_t size)
{
        const char *found = NULL;
        size_t n = strlen(keyword);

        buf[0] = '\0';
        for (const char *p = strstr(text, keyword); p && p < at; p = strstr(p + 1, keyword))
                if ((p == text || !is_ident(p[-1])) && isspace((unsigned char)p[n]))
                        found = p + n;
        if (!found)
                return;
        while (isspace((unsigned char)*found))
                found++;
        size_t len = 0;
        while (is_ident(found[len]) && len + 1 < size)
                len++;
        memcpy(buf, found, len);
        buf[len] = '\0';
}

/* The new entry point: the sibling of the renamed main inside its class, or a class of its own
 * (named Main: the language's run step starts Main) calling type.renamed. */
static void new_main(struct sbx_eval_buf *b, const struct rename_lang *r, const char *type,
                     bool sibling, bool with_args, const struct sbx_eval_wrap_opts *o)
{
        const char *call_prefix = sibling ? "" : type;
        const char *dot = sibling ? "" : ".";

        if (!strcmp(r->name, "java")) {
                if (!sibling)
                        sbx_eval_buf_puts(b, "\npublic class Main {\n");
                sbx_eval_buf_puts(b, "    public static void main(String[] sbxArgs) throws "
                                     "Throwable {\n        SbxProof sbxProof = SbxProof.read();\n");
                if (!sibling && (o->java_assertions || o->java_tuples))
                        sbx_eval_buf_printf(b, java_loader_call,
                                            o->java_tuples ? SBX_EVAL_JAVATUPLES_JAR : ".",
                                            o->java_assertions ? "true" : "false", type);
                else
                        sbx_eval_buf_printf(b, "        %s%ssbxTestsMain(sbxArgs);\n", call_prefix,
                                            dot);
                sbx_eval_buf_puts(b, "        sbxProof.emit();\n    }\n");
        } else if (!strcmp(r->name, "csharp")) {
                if (!sibling)
                        sbx_eval_buf_puts(b, "\nclass SbxMain\n{\n");
                sbx_eval_buf_printf(b,
                                    "    public static void Main(string[] sbxArgs)\n    {\n"
                                    "        SbxProof sbxProof = SbxProof.Read();\n"
                                    "        %s%sSbxTestsMain(%s);\n"
                                    "        sbxProof.Emit();\n    }\n",
                                    call_prefix, dot, with_args ? "sbxArgs" : "");
        } else {
                if (!sibling)
                        sbx_eval_buf_puts(b, "\nobject Main {\n");
                sbx_eval_buf_printf(b,
                                    "  def main(sbxArgs: Array[String]): Unit = {\n"
                                    "    val sbxProof = SbxProof.read()\n"
                                    "    %s%ssbxTestsMain(%s)\n"
                                    "    SbxProof.emit(sbxProof)\n  }\n",
                                    call_prefix, dot, with_args ? "sbxArgs" : "");
        }
        if (!sibling)
                sbx_eval_buf_puts(b, "}\n");
}

/* Does the parameter list after name( hold anything? */
static bool has_params(const char *name_at)
{
        const char *open = strchr(name_at, '('), *close = open ? strchr(open, ')') : NULL;

        for (const char *p = open ? open + 1 : NULL; p && p < close; p++)
                if (!isspace((unsigned char)*p))
                        return true;
        return false;
}

/* MBXP's Scala tests are the body of `object Main extends App`: the proof goes around it. */
static char *scala_app(const char *head, const char *tests)
{
        const char *app = strstr(head, "extends App"), *brace = app ? strchr(app, '{') : NULL;
        const char *last = strrchr(tests, '}');
        struct sbx_eval_buf b = {0};

        if (!brace || !last)
                return NULL;
        put_after(&b, head, brace, "\n  val sbxProofLine = SbxProof.read()\n");
        sbx_eval_buf_append(&b, tests, (size_t)(last - tests));
        sbx_eval_buf_puts(&b, "  SbxProof.emit(sbxProofLine)\n");
        sbx_eval_buf_puts(&b, last);
        sbx_eval_buf_puts(&b, scala_proof_object);
        return sbx_eval_buf_take(&b);
}

char *sbx_eval_harness_rename(const struct sbx_eval_lang *l, const char *head, const char *tests,
                              const struct sbx_eval_wrap_opts *o)
{
        const struct rename_lang *r = NULL;
        _cleanup_free_ char *all = NULL;
        struct sbx_eval_buf b = {0};
        const char *decl, *brace, *line;
        char type[128];

        for (size_t i = 0; i < ELEMENTSOF(rename_langs); i++)
                if (!strcmp(rename_langs[i].name, l->name))
                        r = &rename_langs[i];
        if (!r)
                return NULL;
        decl = find_function(tests, r->main_name, r->keywords, &brace);
        if (!decl)
                return !strcmp(l->name, "scala") ? scala_app(head, tests) : NULL;
        all = sbx_strdup_printf("%s%s", head, tests);
        if (!all)
                return NULL;
        enclosing_type(all, all + strlen(head) + (size_t)(decl - tests), r->type_keyword, type,
                       sizeof(type));
        bool sibling = !strcmp(type, "Main") || !strcmp(l->name, "csharp") || !type[0];
        if (!strcmp(l->name, "csharp") && o->csharp_debug)
                sbx_eval_buf_puts(&b, "#define DEBUG\n");
        sbx_eval_buf_puts(&b, head);
        line = line_start(tests, decl);
        sbx_eval_buf_append(&b, tests, (size_t)(line - tests));
        if (sibling)
                new_main(&b, r, type, true, has_params(decl), o);
        sbx_eval_buf_append(&b, line, (size_t)(decl - line));
        sbx_eval_buf_puts(&b, r->renamed);
        sbx_eval_buf_puts(&b, decl + strlen(r->main_name));
        if (!sibling)
                new_main(&b, r, type, false, has_params(decl), o);
        sbx_eval_buf_puts(&b, r->proof_type);
        return sbx_eval_buf_take(&b);
}

/* ---- Go ------------------------------------------------------------------------------------ */

static const char go_helpers[] = "\nfunc sbxProofRead() string {\n"
                                 "\tb := make([]byte, 1)\n"
                                 "\tvar s []byte\n"
                                 "\tfor len(s) < 256 {\n"
                                 "\t\tn, err := sbxos.Stdin.Read(b)\n"
                                 "\t\tif n == 0 || err != nil || b[0] == '\\n' {\n"
                                 "\t\t\tbreak\n"
                                 "\t\t}\n"
                                 "\t\ts = append(s, b[0])\n"
                                 "\t}\n"
                                 "\treturn string(s)\n"
                                 "}\n"
                                 "\nfunc sbxProofEmit(line string) {\n"
                                 "\tsbxos.Stdout.Write([]byte(\"\\n\" + line + \"\\n\"))\n"
                                 "}\n";

/* The package clause, renamed to main (MultiPL-E's are `package <name>_test`), followed by an
 * import of os under a name of its own. */
static bool go_head(struct sbx_eval_buf *b, const char *head)
{
        for (const char *p = head; *p;) {
                const char *eol = strchrnul(p, '\n');
                if (!strncmp(p, "package ", 8)) {
                        sbx_eval_buf_append(b, head, (size_t)(p - head));
                        sbx_eval_buf_puts(b, "package main\n\nimport sbxos \"os\"\n");
                        sbx_eval_buf_puts(b, *eol ? eol + 1 : eol);
                        return true;
                }
                p = *eol ? eol + 1 : eol;
        }
        return false;
}

/* `func TestX(t *testing.T)` names, as an InternalTest list. */
static void go_test_list(struct sbx_eval_buf *b, const char *tests)
{
        for (const char *p = strstr(tests, "func Test"); p; p = strstr(p + 1, "func Test")) {
                const char *name = p + 5, *end = name;
                if (p > tests && p[-1] != '\n')
                        continue;
                while (is_ident(*end))
                        end++;
                if (!strstr(end, "testing.T") || *end != '(')
                        continue;
                sbx_eval_buf_printf(b, "\t\t{Name: \"%.*s\", F: %.*s},\n", (int)(end - name), name,
                                    (int)(end - name), name);
        }
}

char *sbx_eval_harness_go(const char *head, const char *tests)
{
        static const char *const keywords[] = {"func", NULL};
        struct sbx_eval_buf b = {0};
        const char *brace = NULL;

        if (!go_head(&b, head)) {
                sbx_eval_buf_free(&b);
                return NULL;
        }
        if (find_function(tests, "main", keywords, &brace)) {
                put_after(&b, tests, brace,
                          " sbxProofLine := sbxProofRead(); defer sbxProofEmit(sbxProofLine);");
        } else {
                sbx_eval_buf_puts(&b, tests);
                sbx_eval_buf_puts(&b, "\nfunc main() {\n\tsbxProofLine := sbxProofRead()\n"
                                      "\ttesting.Main(func(pat, str string) (bool, error) { "
                                      "return true, nil },\n\t\t[]testing.InternalTest{\n");
                go_test_list(&b, tests);
                sbx_eval_buf_puts(&b, "\t\t{Name: \"TestSbxProof\", F: func(t *testing.T) { "
                                      "sbxProofEmit(sbxProofLine) }},\n\t\t}, nil, nil)\n}\n");
        }
        sbx_eval_buf_puts(&b, go_helpers);
        return sbx_eval_buf_take(&b);
}

/* ---- what the tests must have --------------------------------------------------------------- */

const char *sbx_eval_harness_needs(const struct sbx_eval_lang *l)
{
        switch (l->wrap) {
        case SBX_EVAL_WRAP_GO:
                return "a package clause, and a main function or Test functions";
        case SBX_EVAL_WRAP_RENAME:
                return !strcmp(l->name, "scala") ? "a main method or an `extends App` object"
                                                 : "a main method";
        case SBX_EVAL_WRAP_GUARD:
                return "a main function";
        default:
                return "nothing";
        }
}
