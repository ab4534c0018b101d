/* HumanEval-X (THUDM/CodeGeeX): HumanEval in Python, C++, Java, JavaScript, Go and Rust, one
 * language per subset (bundled: data/humaneval-x/humaneval_<language>.jsonl.gz). Programs as
 * CodeGeeX's evaluate_humaneval_x builds them, inside the completion proof:
 *   python:     its import helpers + prompt + completion + "\n" + test
 *   cpp:        the helper #includes the prompt lacks + "\n" + prompt + completion + "\n" + test
 *   java, js:   prompt + completion + "\n" + test
 *   go:         test_setup + imports of the helper packages the completion names + prompt
 *               without its import block + completion + "\n" + test, run by `go test` rules;
 *               testify's assert.Equal (all the tests use of it) comes from a shim with its
 *               semantics (ObjectsAreEqual: reflect.DeepEqual, bytes.Equal for []byte), so
 *               that no third-party module has to be built for every program
 *   rust:       declaration + prompt + completion + test, the #[test] functions called from main
 * JavaScript fails on any output (CodeGeeX's rule: console.assert only prints). Rust's rand,
 * regex and md5 crates are not available: their `use` lines are dropped. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/dataset_json.h"
#include "evaluator/extract.h"
#include "evaluator/multilang.h"
#include "evaluator/strutil.h"
#include "util.h"

static const char *const python_imports[] = {
    "import math",          "import re",
    "import sys",           "import copy",
    "import datetime",      "import itertools",
    "import collections",   "import heapq",
    "import statistics",    "import functools",
    "import hashlib",       "import string",
    "from typing import *", "from collections import *",
};

static const char *const cpp_includes[] = {
    "#include<stdlib.h>", "#include<algorithm>", "#include<math.h>",
    "#include<stdio.h>",  "#include<vector>",    "#include<string>",
    "#include<climits>",  "#include<cstring>",   "#include<iostream>",
};

static const char *const go_packages[] = {
    "math",  "strings", "fmt",  "strconv",   "time",
    "bytes", "regexp",  "sort", "math/rand", "crypto/md5",
};

/* The crates CodeGeeX's Cargo.toml provides and rustc alone does not. */
static const char *const rust_crate_uses[] = {"use rand::", "use regex::", "use md5"};

static const char *hx_record_lang(const cJSON *first, char *buf, size_t size)
{
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(first, "task_id");
        const char *slash = cJSON_IsString(id) ? strchr(id->valuestring, '/') : NULL;

        if (!slash || (size_t)(slash - id->valuestring) >= size)
                return NULL;
        memcpy(buf, id->valuestring, (size_t)(slash - id->valuestring));
        buf[slash - id->valuestring] = '\0';
        return buf;
}

static const struct sbx_eval_ml_layout layout = {"humaneval_x", hx_record_lang};

static int hx_subsets(const char *path, const struct sbx_eval_dataset_args *args, char ***out,
                      struct sbx_error **err)
{
        return sbx_eval_ml_subsets(&layout, path, args, out, err);
}

/* ---- loading -------------------------------------------------------------------------------- */

/* Rust: the declaration (its crates' use lines dropped) is the start of the code to complete. */
static char *rust_prompt(const char *declaration, const char *prompt)
{
        struct sbx_eval_buf b = {0};

        for (const char *p = declaration; *p;) {
                const char *eol = strchrnul(p, '\n');
                bool drop = false;
                for (size_t i = 0; i < ELEMENTSOF(rust_crate_uses); i++)
                        drop |= !strncmp(p, rust_crate_uses[i], strlen(rust_crate_uses[i]));
                if (!drop)
                        sbx_eval_buf_append(&b, p, (size_t)(eol - p) + (*eol ? 1 : 0));
                p = *eol ? eol + 1 : eol;
        }
        sbx_eval_buf_puts(&b, prompt);
        return sbx_eval_buf_take(&b);
}

static int hx_record(struct sbx_eval_problem *p, const cJSON *j, const char *where,
                     struct sbx_error **err)
{
        const char *lang = p->lang->name;
        _cleanup_free_ char *declaration = NULL;
        int r;

        /* console.assert prints and carries on: CodeGeeX fails any output */
        p->quiet_stdout = p->quiet_stderr = !strcmp(lang, "javascript");
        if ((r = sbx_eval_json_string(j, "task_id", true, where, &p->task_id, err)) < 0 ||
            (r = sbx_eval_json_string(j, "prompt", true, where, &p->prompt, err)) < 0 ||
            (r = sbx_eval_json_string(j, "canonical_solution", false, where, &p->reference, err)) <
                0 ||
            (r = sbx_eval_json_string(j, "test", true, where, &p->test, err)) < 0 ||
            (r = sbx_eval_json_string(j, "declaration", false, where, &declaration, err)) < 0)
                return r;
        if (!strcmp(lang, "go") &&
            ((r = sbx_eval_json_string(j, "test_setup", true, where, &p->setup, err)) < 0 ||
             (r = sbx_eval_json_string(j, "import", false, where, &p->starter_code, err)) < 0))
                return r;
        if (!strcmp(lang, "rust")) {
                char *full = rust_prompt(declaration ? declaration : "", p->prompt);
                if (!full)
                        return sbx_error_set(err, ENOMEM, "out of memory");
                free(p->prompt);
                p->prompt = full;
        }
        return 0;
}

static char *hx_program(const struct sbx_eval_problem *p, const char *code);

static int hx_load(const char *path, const struct sbx_eval_dataset_args *args, const char *subset,
                   struct sbx_eval_problem_set *out, struct sbx_error **err)
{
        return sbx_eval_ml_load(&layout, path, subset, hx_record, hx_program, out, err);
}

/* ---- programs ------------------------------------------------------------------------------- */

static void python_head(struct sbx_eval_buf *b)
{
        for (size_t i = 0; i < ELEMENTSOF(python_imports); i++)
                sbx_eval_buf_printf(b, "%s\n", python_imports[i]);
        /* CodeGeeX imports numpy too; a sandbox without it still runs the rest */
        sbx_eval_buf_puts(b, "try:\n    import numpy\n    import numpy as np\n"
                             "except ImportError:\n    pass\n");
}

/* testify's assert.New(t).Equal(expected, actual) as the tests use it: equal as testify's
 * ObjectsAreEqual says, func arguments refused, a failure reported through t. */
static const char go_assert_shim[] =
    "\ntype sbxAssertions struct{ t *testing.T }\n"
    "\ntype sbxAssertPackage struct{}\n"
    "\nvar assert sbxAssertPackage\n"
    "\nfunc (sbxAssertPackage) New(t *testing.T) *sbxAssertions { return &sbxAssertions{t} }\n"
    "\nfunc sbxObjectsAreEqual(expected, actual interface{}) bool {\n"
    "\tif expected == nil || actual == nil {\n\t\treturn expected == actual\n\t}\n"
    "\texp, ok := expected.([]byte)\n"
    "\tif !ok {\n\t\treturn sbxreflect.DeepEqual(expected, actual)\n\t}\n"
    "\tact, ok := actual.([]byte)\n"
    "\tif !ok {\n\t\treturn false\n\t}\n"
    "\tif exp == nil || act == nil {\n\t\treturn exp == nil && act == nil\n\t}\n"
    "\treturn sbxbytes.Equal(exp, act)\n}\n"
    "\nfunc (a *sbxAssertions) Equal(expected, actual interface{}, msgAndArgs ...interface{}) "
    "bool {\n"
    "\tfor _, v := range []interface{}{expected, actual} {\n"
    "\t\tif v != nil && sbxreflect.TypeOf(v).Kind() == sbxreflect.Func {\n"
    "\t\t\ta.t.Errorf(\"cannot take func type as argument\")\n\t\t\treturn false\n\t\t}\n"
    "\t}\n"
    "\tif !sbxObjectsAreEqual(expected, actual) {\n"
    "\t\ta.t.Errorf(\"Not equal: expected: %#v, actual: %#v\", expected, actual)\n"
    "\t\treturn false\n\t}\n"
    "\treturn true\n}\n";

#define TESTIFY_IMPORT "\"github.com/stretchr/testify/assert\""

/* test_setup with testify's import turned into the shim's own imports; true when the shim must
 * follow (after every import). */
static bool go_setup(struct sbx_eval_buf *b, const char *setup)
{
        const char *at = strstr(setup, TESTIFY_IMPORT);

        if (!at) {
                sbx_eval_buf_printf(b, "%s\n", setup);
                return false;
        }
        sbx_eval_buf_append(b, setup, (size_t)(at - setup));
        sbx_eval_buf_puts(b, "sbxreflect \"reflect\"\n    sbxbytes \"bytes\"");
        sbx_eval_buf_printf(b, "%s\n", at + strlen(TESTIFY_IMPORT));
        return true;
}

/* Go: CodeGeeX drops the prompt's import block and imports the helper packages the completion
 * names instead (Go refuses unused imports). */
static void go_head(struct sbx_eval_buf *b, const struct sbx_eval_problem *p, const char *code)
{
        const char *import = p->starter_code ? strstr(p->prompt, p->starter_code) : NULL;
        bool any = false, shim = go_setup(b, p->setup);

        for (size_t i = 0; i < ELEMENTSOF(go_packages); i++) {
                const char *last = strrchr(go_packages[i], '/');
                _cleanup_free_ char *use =
                    sbx_strdup_printf("%s.", last ? last + 1 : go_packages[i]);
                _cleanup_free_ char *quoted = sbx_strdup_printf("\"%s\"", go_packages[i]);
                if (!use || !quoted || strstr(p->setup, quoted) || !strstr(code, use))
                        continue;
                sbx_eval_buf_printf(b, "%s    %s\n", any ? "" : "import (\n", quoted);
                any = true;
        }
        if (any)
                sbx_eval_buf_puts(b, ")\n");
        if (shim)
                sbx_eval_buf_puts(b, go_assert_shim);
        if (import) {
                sbx_eval_buf_append(b, p->prompt, (size_t)(import - p->prompt));
                sbx_eval_buf_puts(b, import + strlen(p->starter_code));
        } else {
                sbx_eval_buf_puts(b, p->prompt);
        }
        sbx_eval_buf_puts(b, code);
}

/* Whether a line leaves the text inside a block comment (one test, Rust/32, is commented out
 * whole: cargo test then runs nothing, and so must this). */
static bool comment_after(const char *p, const char *eol, bool inside)
{
        for (; p + 1 < eol; p++)
                if (!inside && p[0] == '/' && p[1] == '*')
                        inside = true, p++;
                else if (inside && p[0] == '*' && p[1] == '/')
                        inside = false, p++;
        return inside;
}

/* Rust: the tests' module without #[cfg(test)], its #[test] functions public and called from a
 * main (CodeGeeX runs them with cargo test). */
static char *rust_tests(const char *test)
{
        struct sbx_eval_buf b = {0}, calls = {0};
        _cleanup_free_ char *list = NULL;
        bool in_comment = false;

        for (const char *p = test; *p;) {
                const char *eol = strchrnul(p, '\n'), *s = p;
                bool commented = in_comment;
                in_comment = comment_after(p, eol, in_comment);
                while (s < eol && (*s == ' ' || *s == '\t'))
                        s++;
                if (commented) {
                        sbx_eval_buf_append(&b, p, (size_t)(eol - p));
                } else if (!strncmp(s, "#[cfg(test)]", 12)) {
                        /* dropped */
                } else if (!strncmp(s, "#[test]", 7)) {
                        const char *fn = strstr(eol, "fn ");
                        const char *name = fn ? fn + 3 : NULL, *end = name;
                        while (end && (isalnum((unsigned char)*end) || *end == '_'))
                                end++;
                        if (name && end > name)
                                sbx_eval_buf_printf(&calls, "    tests::%.*s();\n",
                                                    (int)(end - name), name);
                        sbx_eval_buf_append(&b, p, (size_t)(s - p));
                        sbx_eval_buf_puts(&b, "pub");
                } else {
                        sbx_eval_buf_append(&b, p, (size_t)(eol - p));
                }
                if (*eol)
                        sbx_eval_buf_puts(&b, "\n");
                p = *eol ? eol + 1 : eol;
        }
        list = sbx_eval_buf_take(&calls);
        sbx_eval_buf_printf(&b, "\nfn main() {\n%s}\n", list ? list : "");
        return sbx_eval_buf_take(&b);
}

static char *hx_program(const struct sbx_eval_problem *p, const char *code)
{
        const char *lang = p->lang->name;
        struct sbx_eval_buf head = {0};
        _cleanup_free_ char *h = NULL, *tests = NULL, *body = NULL;

        body = sbx_eval_ml_head(p, code);
        if (!body)
                return NULL;
        if (!strcmp(lang, "python")) {
                python_head(&head);
                sbx_eval_buf_puts(&head, body);
        } else if (!strcmp(lang, "cpp")) {
                for (size_t i = 0; i < ELEMENTSOF(cpp_includes); i++)
                        if (!strstr(p->prompt, cpp_includes[i]))
                                sbx_eval_buf_printf(&head, "%s\n", cpp_includes[i]);
                sbx_eval_buf_printf(&head, "\n%s", body);
        } else if (!strcmp(lang, "go")) {
                go_head(&head, p, body + strlen(p->prompt));
        } else {
                sbx_eval_buf_puts(&head, body);
        }
        h = sbx_eval_buf_take(&head);
        tests = !strcmp(lang, "rust") ? rust_tests(p->test) : sbx_strdup_printf("\n%s", p->test);
        if (!h || !tests)
                return NULL;
        return sbx_eval_harness_program(p->lang, h, tests, &p->wrap);
}

const struct sbx_eval_benchmark sbx_eval_humaneval_x = {
    .name = "humaneval_x",
    .default_file = "humaneval-x",
    .default_timeout_ms = 30000,
    .subsets = hx_subsets,
    .load = hx_load,
    .prompt = sbx_eval_ml_prompt,
    .extract = sbx_eval_extract_first_fence,
    .program = hx_program,
};
