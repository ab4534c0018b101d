#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "evaluator/judge.h"
#include "util.h"

static const char *const outcome_names[_SBX_EVAL_OUTCOME_MAX] = {
    [SBX_EVAL_OK] = "OK",
    [SBX_EVAL_WRONG_ANSWER] = "WRONG_ANSWER",
    [SBX_EVAL_TIME_LIMIT] = "TIME_LIMIT",
    [SBX_EVAL_MEMORY_LIMIT] = "MEMORY_LIMIT",
    [SBX_EVAL_RUNTIME_ERROR] = "RUNTIME_ERROR",
    [SBX_EVAL_OUTPUT_LIMIT] = "OUTPUT_LIMIT",
    [SBX_EVAL_POLICY_VIOLATION] = "POLICY_VIOLATION",
    [SBX_EVAL_COMPILE_ERROR] = "COMPILE_ERROR",
    [SBX_EVAL_SANDBOX_ERROR] = "SANDBOX_ERROR",
    [SBX_EVAL_MODEL_ERROR] = "MODEL_ERROR",
};

const char *sbx_eval_outcome_to_string(enum sbx_eval_outcome o)
{
        return (unsigned)o < _SBX_EVAL_OUTCOME_MAX ? outcome_names[o] : NULL;
}

int sbx_eval_outcome_from_string(const char *s)
{
        for (int i = 0; s && i < _SBX_EVAL_OUTCOME_MAX; i++)
                if (!strcmp(outcome_names[i], s))
                        return i;
        return -EINVAL;
}

/* ---- text compare --------------------------------------------------------------------------- */

struct span {
        const char *p;
        size_t n;
};

static struct span strip(const char *p, size_t n)
{
        while (n && isspace((unsigned char)*p))
                p++, n--;
        while (n && isspace((unsigned char)p[n - 1]))
                n--;
        return (struct span){p, n};
}

/* Next line of s (which shrinks); false when s is used up. */
static bool next_line(struct span *s, struct span *line, bool *started)
{
        const char *nl;

        if (*started && s->p == NULL)
                return false;
        *started = true;
        nl = memchr(s->p, '\n', s->n);
        if (!nl) {
                *line = strip(s->p, s->n);
                s->p = NULL;
                return true;
        }
        *line = strip(s->p, (size_t)(nl - s->p));
        s->n -= (size_t)(nl - s->p) + 1;
        s->p = nl + 1;
        return true;
}

static bool next_token(struct span *s, struct span *tok)
{
        while (s->n && isspace((unsigned char)*s->p))
                s->p++, s->n--;
        if (!s->n)
                return false;
        tok->p = s->p;
        while (s->n && !isspace((unsigned char)*s->p))
                s->p++, s->n--;
        tok->n = (size_t)(s->p - tok->p);
        return true;
}

static bool is_integer(struct span t)
{
        size_t i = t.n && (t.p[0] == '-' || t.p[0] == '+') ? 1 : 0;

        if (i == t.n)
                return false;
        for (; i < t.n; i++)
                if (!isdigit((unsigned char)t.p[i]))
                        return false;
        return true;
}

/* Integers equal as numbers, whatever their length: sign and leading zeros normalized. */
static bool integers_equal(struct span a, struct span b)
{
        bool neg_a = a.p[0] == '-', neg_b = b.p[0] == '-';

        if (a.p[0] == '-' || a.p[0] == '+')
                a.p++, a.n--;
        if (b.p[0] == '-' || b.p[0] == '+')
                b.p++, b.n--;
        while (a.n > 1 && a.p[0] == '0')
                a.p++, a.n--;
        while (b.n > 1 && b.p[0] == '0')
                b.p++, b.n--;
        if (a.n == 1 && a.p[0] == '0' && b.n == 1 && b.p[0] == '0')
                return true;
        return neg_a == neg_b && a.n == b.n && !memcmp(a.p, b.p, a.n);
}

static bool parse_number(struct span t, double *out)
{
        char buf[128], *end = NULL;

        if (t.n == 0 || t.n >= sizeof(buf) || strspn(t.p, "0123456789+-.eE") < t.n)
                return false;
        memcpy(buf, t.p, t.n);
        buf[t.n] = '\0';
        errno = 0;
        *out = strtod(buf, &end);
        return !errno && *end == '\0' && isfinite(*out);
}

static bool numbers_close(double a, double b, double tol)
{
        double diff = fabs(a - b), scale = fmax(fabs(a), fabs(b));

        return diff <= fmax(tol * scale, tol);
}

static bool tokens_equal(struct span a, struct span b, double tol)
{
        double x, y;

        if (a.n == b.n && !memcmp(a.p, b.p, a.n))
                return true;
        if (is_integer(a) && is_integer(b))
                return integers_equal(a, b);
        return parse_number(a, &x) && parse_number(b, &y) && numbers_close(x, y, tol);
}

static bool lines_equal(struct span a, struct span b, double tol)
{
        struct span ta, tb;

        if (a.n == b.n && !memcmp(a.p, b.p, a.n))
                return true;
        for (;;) {
                bool more_a = next_token(&a, &ta), more_b = next_token(&b, &tb);
                if (more_a != more_b)
                        return false;
                if (!more_a)
                        return true;
                if (!tokens_equal(ta, tb, tol))
                        return false;
        }
}

bool sbx_eval_output_equal(const char *got, size_t got_size, const char *want, double tol)
{
        struct span g = strip(got ? got : "", got ? got_size : 0);
        struct span w = strip(want ? want : "", want ? strlen(want) : 0);
        struct span lg, lw;
        bool sg = false, sw = false;

        for (;;) {
                bool more_g = next_line(&g, &lg, &sg), more_w = next_line(&w, &lw, &sw);
                if (more_g != more_w)
                        return false;
                if (!more_g)
                        return true;
                if (!lines_equal(lg, lw, tol))
                        return false;
        }
}

/* ---- JSON compare (functional problems) ----------------------------------------------------- */

static bool json_equal(const cJSON *a, const cJSON *b, double tol, unsigned depth)
{
        if (depth > 64)
                return false;
        if (cJSON_IsNumber(a) && cJSON_IsNumber(b))
                return numbers_close(a->valuedouble, b->valuedouble, tol) ||
                       a->valuedouble == b->valuedouble;
        if ((a->type & 0xff) != (b->type & 0xff))
                return false;
        if (cJSON_IsString(a))
                return !strcmp(a->valuestring, b->valuestring);
        if (cJSON_IsArray(a)) {
                const cJSON *x = a->child, *y = b->child;
                for (; x && y; x = x->next, y = y->next)
                        if (!json_equal(x, y, tol, depth + 1))
                                return false;
                return !x && !y;
        }
        if (cJSON_IsObject(a)) {
                if (cJSON_GetArraySize(a) != cJSON_GetArraySize(b))
                        return false;
                for (const cJSON *x = a->child; x; x = x->next) {
                        const cJSON *y = cJSON_GetObjectItemCaseSensitive(b, x->string);
                        if (!y || !json_equal(x, y, tol, depth + 1))
                                return false;
                }
                return true;
        }
        return true; /* true, false, null: the type said it all */
}

bool sbx_eval_json_output_equal(const char *got, size_t got_size, const char *want, double tol)
{
        struct span g = strip(got ? got : "", got ? got_size : 0);
        struct span w = strip(want ? want : "", want ? strlen(want) : 0);
        cJSON *jg = cJSON_ParseWithLength(g.p, g.n), *jw = cJSON_ParseWithLength(w.p, w.n);
        bool eq;

        if (jg && jw)
                eq = json_equal(jg, jw, tol, 0);
        else
                eq = sbx_eval_output_equal(got, got_size, want, tol);
        cJSON_Delete(jg);
        cJSON_Delete(jw);
        return eq;
}

/* ---- one execution -------------------------------------------------------------------------- */

/* Python reports a failed assert as a traceback ending in "AssertionError[: msg]". */
static bool failed_assert(const struct sbx_output *err)
{
        struct span s = strip(err->data ? err->data : "", err->data ? err->size : 0);
        const char *last = s.p;

        for (size_t i = 0; i < s.n; i++)
                if (s.p[i] == '\n')
                        last = s.p + i + 1;
        return (size_t)(s.p + s.n - last) >= 14 && !strncmp(last, "AssertionError", 14);
}

enum sbx_eval_outcome sbx_eval_judge(enum sbx_eval_check check, const struct sbx_result *r,
                                     const char *expected, double tol)
{
        if (tol <= 0)
                tol = SBX_EVAL_DEFAULT_TOLERANCE;
        switch (r->verdict) {
        case SBX_VERDICT_OK:
                break;
        case SBX_VERDICT_RUNTIME_ERROR:
                return check == SBX_EVAL_CHECK_EXIT && failed_assert(&r->err)
                           ? SBX_EVAL_WRONG_ANSWER
                           : SBX_EVAL_RUNTIME_ERROR;
        case SBX_VERDICT_SIGNALED:
                return SBX_EVAL_RUNTIME_ERROR;
        case SBX_VERDICT_TIME_LIMIT:
                return SBX_EVAL_TIME_LIMIT;
        case SBX_VERDICT_MEMORY_LIMIT:
                return SBX_EVAL_MEMORY_LIMIT;
        case SBX_VERDICT_OUTPUT_LIMIT:
                return SBX_EVAL_OUTPUT_LIMIT;
        case SBX_VERDICT_COMPILE_ERROR:
                return SBX_EVAL_COMPILE_ERROR;
        case SBX_VERDICT_POLICY_VIOLATION:
                return SBX_EVAL_POLICY_VIOLATION;
        default:
                return SBX_EVAL_SANDBOX_ERROR;
        }
        if (check == SBX_EVAL_CHECK_EXIT)
                return SBX_EVAL_OK;
        if (r->out.truncated)
                return SBX_EVAL_OUTPUT_LIMIT;
        if (check == SBX_EVAL_CHECK_FUNCTIONAL)
                return sbx_eval_json_output_equal(r->out.data, r->out.size, expected, tol)
                           ? SBX_EVAL_OK
                           : SBX_EVAL_WRONG_ANSWER;
        return sbx_eval_output_equal(r->out.data, r->out.size, expected, tol)
                   ? SBX_EVAL_OK
                   : SBX_EVAL_WRONG_ANSWER;
}
