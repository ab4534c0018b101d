/* HumanEval+ and MBPP+ (EvalPlus): the released files (HumanEvalPlus.jsonl, MbppPlus.jsonl,
 * plain or gzip): prompt, entry_point, canonical_solution, base_input, plus_input, atol.
 *
 * As EvalPlus does, every input of base_input + plus_input goes to the reference solution and
 * to the candidate, and their outputs must match: exactly, or (for floats, or with the problem's
 * atol) within numpy.allclose(rtol=1e-7, atol); with EvalPlus's special oracles (HumanEval/32's
 * root check, MBPP's set and not-None comparisons, ...) and its MBPP input conversions (tuples,
 * sets, complex numbers the JSON cannot hold). EvalPlus runs the reference in a separate process
 * beforehand; here both run in the same sandboxed program, the reference in a namespace of its
 * own. The inputs reach the program on stdin, after the completion proof's line, as their JSON
 * text (Python's json reads the NaN and Infinity some inputs hold, which cJSON does not).
 *
 * Files in EvalPlus's "OriginFmt" (a `test` field instead of the inputs) run as HumanEval and
 * MBPP programs do. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/config.h"
#include "evaluator/dataset.h"
#include "evaluator/dataset_json.h"
#include "evaluator/extract.h"
#include "evaluator/harness.h"
#include "evaluator/strutil.h"
#include "util.h"

/* Shared by both datasets; meta.dataset picks the special oracles. */
static const char evalplus_harness[] =
    "\n\ndef _sbx_evalplus(env, entry):\n"
    "    import copy, json, math, sys\n"
    "    data = json.loads(sys.stdin.read())\n"
    "    meta = data[\"meta\"]\n"
    "    ref_env = {}\n"
    "    exec(compile(meta[\"reference\"], \"<reference>\", \"exec\"), ref_env)\n"
    "    reference, candidate = ref_env[entry], env[entry]\n"
    "    mbpp = meta[\"dataset\"] == \"mbpp\"\n"
    "    inputs = data[\"base\"] + data[\"plus\"]\n"
    "    if mbpp:\n"
    "        inputs = _sbx_mbpp_inputs(int(meta[\"task\"].split(\"/\")[-1]), inputs)\n"
    "    for inp in inputs:\n"
    "        exp = reference(*copy.deepcopy(inp))\n"
    "        if mbpp and entry in _SBX_NOT_NONE:\n"
    "            exp = exp is not None\n"
    "        out = candidate(*copy.deepcopy(inp))\n"
    "        _sbx_evalplus_check(mbpp, entry, inp, out, exp, meta[\"atol\"])\n"
    "\n"
    "_SBX_SET_EQ = {\"similar_elements\", \"find_char_long\", \"common_in_nested_lists\",\n"
    "               \"extract_singly\", \"larg_nnum\", \"intersection_array\", "
    "\"find_dissimilar\",\n"
    "               \"Diff\"}\n"
    "_SBX_NOT_NONE = {\"check_str\", \"text_match_three\", \"text_starta_endb\"}\n"
    "\n"
    "def _sbx_is_floats(x):\n"
    "    if isinstance(x, float):\n"
    "        return True\n"
    "    if isinstance(x, (list, tuple)) and x:\n"
    "        return all(isinstance(i, float) for i in x)\n"
    "    return False\n"
    "\n"
    "def _sbx_allclose(a, b, atol, rtol=1e-07):\n"
    "    import math\n"
    "    xs = list(a) if isinstance(a, (list, tuple)) else [a]\n"
    "    ys = list(b) if isinstance(b, (list, tuple)) else [b]\n"
    "    if len(xs) != len(ys) and len(xs) != 1 and len(ys) != 1:\n"
    "        return False\n"
    "    if len(xs) != len(ys):\n"
    "        xs, ys = xs * len(ys) if len(xs) == 1 else xs, ys * len(xs) if len(ys) == 1 else ys\n"
    "    for x, y in zip(xs, ys):\n"
    "        if isinstance(x, (list, tuple)) or isinstance(y, (list, tuple)):\n"
    "            if not _sbx_allclose(x, y, atol, rtol):\n"
    "                return False\n"
    "            continue\n"
    "        if math.isnan(x) or math.isnan(y):\n"
    "            return False\n"
    "        if math.isinf(x) or math.isinf(y):\n"
    "            if x != y:\n"
    "                return False\n"
    "            continue\n"
    "        if abs(x - y) > atol + rtol * abs(y):\n"
    "            return False\n"
    "    return True\n"
    "\n"
    "def _sbx_poly(xs, x):\n"
    "    import math\n"
    "    return sum(c * math.pow(x, i) for i, c in enumerate(xs))\n"
    "\n"
    "def _sbx_surface_area(base_edge, height):\n"
    "    import math\n"
    "    slant = math.sqrt((base_edge / 2) ** 2 + height ** 2)\n"
    "    return round(base_edge ** 2 + 4 * (base_edge * slant) / 2)\n"
    "\n"
    "def _sbx_digit_distance(a, b):\n"
    "    x, y = str(a), str(b)\n"
    "    n = max(len(x), len(y))\n"
    "    return sum(abs(int(p) - int(q)) for p, q in zip(x.zfill(n), y.zfill(n)))\n"
    "\n"
    "def _sbx_evalplus_check(mbpp, entry, inp, out, exp, atol):\n"
    "    exact = out == exp\n"
    "    if mbpp:\n"
    "        if entry == \"are_equivalent\":\n"
    "            exact = True\n"
    "        elif entry == \"sum_div\":\n"
    "            exact = exact or out == 0\n"
    "        elif entry == \"surface_Area\":\n"
    "            exact = exact or abs(out - _sbx_surface_area(*inp)) <= atol\n"
    "        elif entry == \"digit_distance_nums\":\n"
    "            exact = exact or out == _sbx_digit_distance(*inp)\n"
    "        elif entry in _SBX_SET_EQ:\n"
    "            exact = set(out) == set(exp)\n"
    "        elif entry in _SBX_NOT_NONE:\n"
    "            exact = out == exp if isinstance(out, bool) else exp == (out is not None)\n"
    "    elif entry == \"find_zero\":\n"
    "        assert abs(_sbx_poly(*inp, out)) <= atol\n"
    "        return\n"
    "    if atol == 0 and _sbx_is_floats(exp):\n"
    "        atol = 1e-6\n"
    "    if not exact and atol != 0:\n"
    "        assert type(out) == type(exp)\n"
    "        if isinstance(exp, (list, tuple)):\n"
    "            assert len(out) == len(exp)\n"
    "        assert _sbx_allclose(out, exp, atol)\n"
    "    else:\n"
    "        assert exact\n"
    "\n"
    /* MBPP+ inputs JSON cannot carry: the argument shapes EvalPlus rebuilds, per task. */
    "def _sbx_all_tuples(x):\n"
    "    return tuple(_sbx_all_tuples(i) for i in x) if isinstance(x, list) else x\n"
    "\n"
    "_SBX_MBPP_SHAPES = {\n"
    "    \"args\": (2, 116, 132, 143, 222, 261, 273, 394, 399, 421, 424, 429, 470, 560, 579, 596,\n"
    "             616, 630, 726, 740, 744, 809),\n"
    "    \"args_items\": (63, 64, 70, 94, 120, 237, 272, 299, 400, 409, 417, 438, 473, 614, 780),\n"
    "    \"first_items\": (75, 413, 444, 753),\n"
    "    \"second\": (106, 750),\n"
    "    \"first\": (250, 405, 446, 617, 720, 763, 808),\n"
    "    \"args_items_args\": (259, 401, 445),\n"
    "    \"all\": (580, 615, 791),\n"
    "}\n"
    "\n"
    "def _sbx_mbpp_inputs(task, inputs):\n"
    "    shape = next((k for k, v in _SBX_MBPP_SHAPES.items() if task in v), None)\n"
    "    t = tuple\n"
    "    if shape == \"args\":\n"
    "        return [[t(a) for a in inp] for inp in inputs]\n"
    "    if shape == \"args_items\":\n"
    "        return [[[t(x) for x in a] for a in inp] for inp in inputs]\n"
    "    if shape == \"first_items\":\n"
    "        return [[[t(x) for x in inp[0]], inp[1]] for inp in inputs]\n"
    "    if shape == \"second\":\n"
    "        return [[inp[0], t(inp[1])] for inp in inputs]\n"
    "    if shape == \"first\":\n"
    "        return [[t(inp[0]), inp[1]] for inp in inputs]\n"
    "    if shape == \"args_items_args\":\n"
    "        return [[t(t(x) for x in a) for a in inp] for inp in inputs]\n"
    "    if shape == \"all\":\n"
    "        return [_sbx_all_tuples(inp) for inp in inputs]\n"
    "    if task == 115:\n"
    "        return [[[set(i) if isinstance(i, list) and len(i) else {} for i in inp[0]]]\n"
    "                for inp in inputs]\n"
    "    if task == 124:\n"
    "        return [(float(inp[0]), complex(inp[1])) for inp in inputs]\n"
    "    if task == 252:\n"
    "        return [[complex(inp[0])] for inp in inputs]\n"
    "    if task == 278:\n"
    "        return [[t(t(i) if isinstance(i, list) else i for i in inp[0])] for inp in inputs]\n"
    "    if task == 307:\n"
    "        return [[t(inp[0]), inp[1], inp[2]] for inp in inputs]\n"
    "    if task == 722:\n"
    "        return [[{k: t(v) for k, v in inp[0].items()}] + inp[1:] for inp in inputs]\n"
    "    return inputs\n";

struct plus_load {
        const char *path;
        const char *dataset; /* "humaneval", "mbpp": the special oracles */
        struct sbx_eval_problem_set *set;
        struct sbx_error **err;
};

/* ---- the inputs' JSON text, taken from the line as it is --------------------------------------
 */

static const char *skip_ws(const char *p, const char *end)
{
        while (p < end && isspace((unsigned char)*p))
                p++;
        return p;
}

static const char *skip_string(const char *p, const char *end)
{
        for (p++; p < end && *p != '"'; p++)
                p += *p == '\\';
        return p < end ? p + 1 : NULL;
}

/* The end of the JSON value at p (strings, arrays and objects nested, scalars to a delimiter). */
static const char *skip_value(const char *p, const char *end)
{
        int depth = 0;

        if (p < end && *p == '"')
                return skip_string(p, end);
        while (p && p < end) {
                if (*p == '"') {
                        p = skip_string(p, end);
                        continue;
                }
                if (*p == '[' || *p == '{')
                        depth++;
                else if (*p == ']' || *p == '}') {
                        if (depth == 0)
                                return p;
                        if (--depth == 0)
                                return p + 1;
                } else if (*p == ',' && depth == 0)
                        return p;
                p++;
        }
        return depth == 0 ? p : NULL;
}

/* Where the value of a top-level key lies in an object's text. */
static bool raw_field(const char *line, size_t len, const char *key, const char **start,
                      const char **stop)
{
        const char *p = skip_ws(line, line + len), *end = line + len;
        size_t klen = strlen(key);

        if (p >= end || *p++ != '{')
                return false;
        while ((p = skip_ws(p, end)) < end && *p == '"') {
                const char *kstart = p + 1, *kend = skip_string(p, end), *v, *vend;
                if (!kend)
                        return false;
                p = skip_ws(kend, end);
                if (p >= end || *p++ != ':')
                        return false;
                v = skip_ws(p, end);
                vend = skip_value(v, end);
                if (!vend)
                        return false;
                if ((size_t)(kend - 1 - kstart) == klen && !memcmp(kstart, key, klen)) {
                        *start = v;
                        *stop = vend;
                        return true;
                }
                p = skip_ws(vend, end);
                if (p < end && *p == ',')
                        p++;
        }
        return false;
}

/* ---- loading -------------------------------------------------------------------------------- */

/* stdin for the program: the inputs as written, and what the harness needs to know. */
static char *plus_stdin(const struct plus_load *l, const struct sbx_eval_problem *p,
                        const char *base, size_t base_n, const char *plus, size_t plus_n,
                        double atol)
{
        _cleanup_free_ char *reference = sbx_strdup_printf("%s%s", p->prompt, p->reference);
        cJSON *meta = cJSON_CreateObject();
        _cleanup_free_ char *meta_text = NULL;
        struct sbx_eval_buf b = {0};

        if (!meta || !reference || !cJSON_AddStringToObject(meta, "reference", reference) ||
            !cJSON_AddStringToObject(meta, "dataset", l->dataset) ||
            !cJSON_AddStringToObject(meta, "task", p->task_id) ||
            !cJSON_AddNumberToObject(meta, "atol", atol) ||
            !(meta_text = cJSON_PrintUnformatted(meta))) {
                cJSON_Delete(meta);
                return NULL;
        }
        cJSON_Delete(meta);
        sbx_eval_buf_puts(&b, "{\"base\": ");
        sbx_eval_buf_append(&b, base, base_n);
        sbx_eval_buf_puts(&b, ", \"plus\": ");
        sbx_eval_buf_append(&b, plus_n ? plus : "[]", plus_n ? plus_n : 2);
        sbx_eval_buf_printf(&b, ", \"meta\": %s}", meta_text);
        return sbx_eval_buf_take(&b);
}

static int plus_fields(struct plus_load *l, const cJSON *j, const char *where,
                       struct sbx_eval_problem *p)
{
        int r;

        /* MBPP+'s OriginFmt: the MBPP fields (code, a text prompt) and a module-level test */
        bool origin_mbpp = !strcmp(l->dataset, "mbpp") &&
                           cJSON_GetObjectItemCaseSensitive(j, "code") &&
                           !cJSON_GetObjectItemCaseSensitive(j, "base_input");

        p->check = SBX_EVAL_CHECK_EXIT;
        p->line = sbx_eval_where_line(where);
        if ((r = sbx_eval_json_string(j, "task_id", true, where, &p->task_id, l->err)) < 0 ||
            (r = sbx_eval_json_string(j, "prompt", true, where, &p->prompt, l->err)) < 0 ||
            (r = sbx_eval_json_string(j, "entry_point", !origin_mbpp, where, &p->entry_point,
                                      l->err)) < 0 ||
            (r = sbx_eval_json_string(j, origin_mbpp ? "code" : "canonical_solution", false, where,
                                      &p->reference, l->err)) < 0 ||
            (r = sbx_eval_json_string(j, "test", false, where, &p->test, l->err)) < 0)
                return r;
        if (origin_mbpp) {
                /* the prompt is the task's text, not code: the program starts at the code */
                p->starter_code = strdup("");
                return p->starter_code ? 0 : sbx_error_set(l->err, ENOMEM, "out of memory");
        }
        if (!sbx_eval_is_identifier(p->entry_point))
                return sbx_error_set(l->err, EINVAL, "%s: problem %s: entry_point is not a name",
                                     where, p->task_id);
        return 0;
}

/* One line: the inputs are cut out as text (cJSON cannot read NaN or Infinity, which some hold)
 * and the rest parsed. */
static int plus_line(void *ctx, const char *line, size_t len, size_t lineno)
{
        struct plus_load *l = ctx;
        _cleanup_free_ char *where = sbx_strdup_printf("%s:%zu", l->path, lineno);
        const char *b0 = NULL, *b1 = NULL, *p0 = NULL, *p1 = NULL;
        bool has_base = raw_field(line, len, "base_input", &b0, &b1);
        bool has_plus = raw_field(line, len, "plus_input", &p0, &p1);
        struct sbx_eval_buf rest = {0};
        struct sbx_eval_problem *p;
        cJSON *j;
        int r;

        if (!where)
                return sbx_error_set(l->err, ENOMEM, "out of memory");
        if (has_base && has_plus && p0 < b0) /* keep the cuts in order */
                return sbx_error_set(l->err, EINVAL, "%s: plus_input before base_input", where);
        sbx_eval_buf_append(&rest, line, has_base ? (size_t)(b0 - line) : len);
        if (has_base) {
                sbx_eval_buf_puts(&rest, "[]");
                sbx_eval_buf_append(&rest, b1,
                                    has_plus ? (size_t)(p0 - b1) : (size_t)(line + len - b1));
        }
        if (has_plus) {
                sbx_eval_buf_puts(&rest, "[]");
                sbx_eval_buf_append(&rest, p1, (size_t)(line + len - p1));
        }
        j = rest.data ? cJSON_ParseWithLength(rest.data, rest.len) : NULL;
        sbx_eval_buf_free(&rest);
        if (!cJSON_IsObject(j)) {
                cJSON_Delete(j);
                return sbx_error_set(l->err, EINVAL, "%s: not a JSON object", where);
        }
        if (!(p = sbx_eval_problem_set_push(l->set, false)))
                r = sbx_error_set(l->err, ENOMEM, "out of memory");
        else
                r = plus_fields(l, j, where, p);
        if (r == 0 && !has_base && !p->test)
                r = sbx_error_set(l->err, EINVAL,
                                  "%s: problem %s has neither base_input (EvalPlus's release) "
                                  "nor test (its OriginFmt)",
                                  where, p->task_id);
        if (r == 0 && has_base) {
                const cJSON *atol = cJSON_GetObjectItemCaseSensitive(j, "atol");
                if (!p->reference)
                        r = sbx_error_set(l->err, EINVAL,
                                          "%s: problem %s: base_input needs the "
                                          "canonical_solution that computes the expected outputs",
                                          where, p->task_id);
                else if (!(p->stdin_data = plus_stdin(
                               l, p, b0, (size_t)(b1 - b0), p0, has_plus ? (size_t)(p1 - p0) : 0,
                               cJSON_IsNumber(atol) ? atol->valuedouble : 0)))
                        r = sbx_error_set(l->err, ENOMEM, "out of memory");
        }
        cJSON_Delete(j);
        return r;
}

static int plus_load(const char *path, const char *dataset, struct sbx_eval_problem_set *out,
                     struct sbx_error **err)
{
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        struct plus_load l = {.path = path, .dataset = dataset, .set = out, .err = err};
        int r = sbx_eval_read_dataset_file(path, &text, &size, err);

        return r < 0 ? r : sbx_eval_jsonl_foreach(text, size, plus_line, &l);
}

static int humaneval_plus_load(const char *path, const struct sbx_eval_dataset_args *args,
                               const char *subset, struct sbx_eval_problem_set *out,
                               struct sbx_error **err)
{
        return plus_load(path, "humaneval", out, err);
}

static int mbpp_plus_load(const char *path, const struct sbx_eval_dataset_args *args,
                          const char *subset, struct sbx_eval_problem_set *out,
                          struct sbx_error **err)
{
        return plus_load(path, "mbpp", out, err);
}

/* ---- programs and prompts ------------------------------------------------------------------- */

static char *plus_program(const struct sbx_eval_problem *p, const char *code, bool humaneval)
{
        struct sbx_eval_buf b = {0};

        sbx_eval_buf_puts(&b, sbx_eval_python_proof_prologue);
        /* starter_code set: MBPP+'s OriginFmt, whose prompt is text, not code */
        sbx_eval_buf_printf(&b, "%s%s\n", p->starter_code ? "" : p->prompt, code);
        if (!p->stdin_data && humaneval)
                sbx_eval_buf_printf(&b, "%s\ncheck(%s)\n", p->test, p->entry_point);
        else if (!p->stdin_data)
                sbx_eval_buf_printf(&b, "%s\n", p->test);
        else
                sbx_eval_buf_printf(&b, "%s\n_sbx_evalplus(globals(), \"%s\")\n", evalplus_harness,
                                    p->entry_point);
        sbx_eval_buf_puts(&b, SBX_EVAL_PYTHON_PROOF_EMIT);
        return sbx_eval_buf_take(&b);
}

static char *humaneval_plus_program(const struct sbx_eval_problem *p, const char *code)
{
        return plus_program(p, code, true);
}

static char *mbpp_plus_program(const struct sbx_eval_problem *p, const char *code)
{
        return plus_program(p, code, false);
}

#define HUMANEVAL_TEMPLATE                                                                         \
        "Read the following function signature and docstring, and fully implement the function "   \
        "described. Your response should only contain the code for this function.\n{question}"

static char *humaneval_plus_prompt(const struct sbx_eval_problem_set *set,
                                   const struct sbx_eval_problem *p,
                                   const struct sbx_eval_dataset_args *args)
{
        return sbx_eval_fill_template(
            args->prompt_template ? args->prompt_template : HUMANEVAL_TEMPLATE, p->prompt);
}

/* MBPP+'s prompt is a docstring holding the task and its first assert: asked as MBPP asks. */
static char *mbpp_plus_prompt(const struct sbx_eval_problem_set *set,
                              const struct sbx_eval_problem *p,
                              const struct sbx_eval_dataset_args *args)
{
        struct sbx_eval_buf text = {0}, tests = {0}, b = {0};
        _cleanup_free_ char *task = NULL, *asserts = NULL;

        for (const char *q = p->prompt; *q;) {
                const char *eol = strchrnul(q, '\n'), *s = q;
                while (s < eol && isspace((unsigned char)*s))
                        s++;
                struct sbx_eval_buf *to = !strncmp(s, "assert", 6) ? &tests : &text;
                if (eol > s && strncmp(s, "\"\"\"", 3))
                        sbx_eval_buf_printf(to, "%s%.*s", to->len ? "\n" : "", (int)(eol - s), s);
                q = *eol ? eol + 1 : eol;
        }
        task = sbx_eval_buf_take(&text);
        asserts = sbx_eval_buf_take(&tests);
        if (!task || !asserts)
                return NULL;
        sbx_eval_buf_printf(&b,
                            "You are an expert Python programmer, and here is your task: %s Your "
                            "code should pass these tests:\n\n%s",
                            task, asserts);
        if (args->prompt_template) {
                _cleanup_free_ char *q = sbx_eval_buf_take(&b);
                return q ? sbx_eval_fill_template(args->prompt_template, q) : NULL;
        }
        return sbx_eval_buf_take(&b);
}

const struct sbx_eval_benchmark sbx_eval_humaneval_plus = {
    .name = "humaneval_plus",
    .default_file = NULL,
    .default_timeout_ms = 300000,
    .load = humaneval_plus_load,
    .prompt = humaneval_plus_prompt,
    .extract = sbx_eval_extract_first_fence,
    .program = humaneval_plus_program,
};

const struct sbx_eval_benchmark sbx_eval_mbpp_plus = {
    .name = "mbpp_plus",
    .default_file = NULL,
    .default_timeout_ms = 60000,
    .load = mbpp_plus_load,
    .prompt = mbpp_plus_prompt,
    .extract = sbx_eval_extract_mbpp,
    .program = mbpp_plus_program,
};
