/* Output comparison for stdin and functional problems. Numbers are compared by their decimal
 * text, never through a double, unless the expected token is a float and a tolerance is set:
 * 12345678901234567 and 12345678901234568 differ, 1000000 and 1000000.5 differ, 1e3 and 1000
 * are the same number (as Python's Decimal says), and 0.30000000000000004 matches 0.3 only
 * through the tolerance. */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "evaluator/judge.h"
#include "evaluator/strutil.h"
#include "util.h"

/* ---- numbers as decimal text ---------------------------------------------------------------- */

/* A number in normal form: sign, significant digits without leading or trailing zeros (a view
 * into the token, with the decimal point to skip) and the power of ten of the last digit. */
struct decimal {
        bool neg, zero, inf;
        const char *digits; /* first significant digit */
        size_t n_digits;    /* significant digits, not counting the point */
        const char *point;  /* the '.' inside digits[...], or NULL */
        long long exp;      /* value = digits * 10^exp */
        bool is_float;      /* written with a point, an exponent or as infinity */
};

static bool parse_inf(struct sbx_eval_span t, struct decimal *d)
{
        if ((t.n == 3 && !strncasecmp(t.p, "inf", 3)) ||
            (t.n == 8 && !strncasecmp(t.p, "infinity", 8))) {
                d->inf = d->is_float = true;
                return true;
        }
        return false;
}

/* The exponent part after 'e'; capped so that arithmetic on it cannot overflow. */
static bool parse_exponent(const char *p, const char *end, long long *out)
{
        bool neg = false;
        long long e = 0;

        if (p < end && (*p == '+' || *p == '-'))
                neg = *p++ == '-';
        if (p == end)
                return false;
        for (; p < end; p++) {
                if (!isdigit((unsigned char)*p))
                        return false;
                if (e < 1000000000000LL)
                        e = e * 10 + (*p - '0');
        }
        *out = neg ? -e : e;
        return true;
}

/* [+-]digits[.digits][(e|E)[+-]digits], or [+-].digits..., or [+-]inf/infinity: the forms
 * Python's Decimal reads (without underscores and NaN, which equals nothing). */
static bool parse_decimal(struct sbx_eval_span t, struct decimal *d)
{
        const char *p = t.p, *end = t.p + t.n, *mant_end, *first = NULL, *last = NULL;
        size_t int_digits = 0, frac_digits = 0;
        long long e = 0;

        memset(d, 0, sizeof(*d));
        if (p < end && (*p == '+' || *p == '-'))
                d->neg = *p++ == '-';
        if (parse_inf((struct sbx_eval_span){p, (size_t)(end - p)}, d))
                return true;
        mant_end = p;
        while (mant_end < end && *mant_end != 'e' && *mant_end != 'E')
                mant_end++;
        for (const char *q = p; q < mant_end; q++) {
                if (*q == '.') {
                        if (d->point)
                                return false;
                        d->point = q;
                        continue;
                }
                if (!isdigit((unsigned char)*q))
                        return false;
                if (d->point)
                        frac_digits++;
                else
                        int_digits++;
                if (*q != '0') {
                        first = first ? first : q;
                        last = q;
                }
        }
        if (int_digits + frac_digits == 0)
                return false;
        if (mant_end < end && !parse_exponent(mant_end + 1, end, &e))
                return false;
        d->is_float = d->point || mant_end < end;
        if (!first) {
                d->zero = true;
                return true;
        }
        d->digits = first;
        d->n_digits =
            (size_t)(last - first) + 1 - (d->point && first < d->point && last > d->point);
        /* the power of ten of the last significant digit */
        if (d->point && last > d->point)
                d->exp = e - (long long)(last - d->point);
        else
                d->exp = e + (long long)((d->point ? d->point : mant_end) - last) - 1;
        return true;
}

static bool decimals_equal(const struct decimal *a, const struct decimal *b)
{
        const char *x = a->digits, *y = b->digits;

        if (a->inf || b->inf)
                return a->inf && b->inf && a->neg == b->neg;
        if (a->zero || b->zero)
                return a->zero && b->zero; /* -0 == 0, as for Decimal */
        if (a->neg != b->neg || a->n_digits != b->n_digits || a->exp != b->exp)
                return false;
        for (size_t i = 0; i < a->n_digits; i++, x++, y++) {
                x += *x == '.';
                y += *y == '.';
                if (*x != *y)
                        return false;
        }
        return true;
}

static bool to_double(struct sbx_eval_span t, double *out)
{
        char buf[128], *end = NULL;

        if (t.n == 0 || t.n >= sizeof(buf))
                return false;
        memcpy(buf, t.p, t.n);
        buf[t.n] = '\0';
        errno = 0;
        *out = strtod(buf, &end);
        return *end == '\0' && !isnan(*out);
}

/* math.isclose(got, want, rel_tol=tol, abs_tol=tol) */
static bool close_enough(struct sbx_eval_span got, struct sbx_eval_span want, double tol)
{
        double a, b;

        if (!to_double(got, &a) || !to_double(want, &b))
                return false;
        if (isinf(a) || isinf(b))
                return a == b;
        return fabs(a - b) <= fmax(tol * fmax(fabs(a), fabs(b)), tol);
}

bool sbx_eval_number_equal(const char *got, size_t got_n, const char *want, size_t want_n,
                           double tol)
{
        struct sbx_eval_span g = {got, got_n}, w = {want, want_n};
        struct decimal dg, dw;

        if (!parse_decimal(g, &dg) || !parse_decimal(w, &dw))
                return false;
        if (decimals_equal(&dg, &dw))
                return true;
        /* The tolerance only where the expected value is a float: an integer answer is exact. */
        return dw.is_float && tol > 0 && close_enough(g, w, tol);
}

/* ---- text compare --------------------------------------------------------------------------- */

/* Next line of s (which shrinks); false when s is used up. */
static bool next_line(struct sbx_eval_span *s, struct sbx_eval_span *line, bool *started)
{
        const char *nl;

        if (*started && s->p == NULL)
                return false;
        *started = true;
        nl = memchr(s->p, '\n', s->n);
        if (!nl) {
                *line = sbx_eval_strip(s->p, s->n);
                s->p = NULL;
                return true;
        }
        *line = sbx_eval_strip(s->p, (size_t)(nl - s->p));
        s->n -= (size_t)(nl - s->p) + 1;
        s->p = nl + 1;
        return true;
}

static bool next_token(struct sbx_eval_span *s, struct sbx_eval_span *tok)
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

static bool tokens_equal(struct sbx_eval_span a, struct sbx_eval_span b, double tol)
{
        if (a.n == b.n && !memcmp(a.p, b.p, a.n))
                return true;
        return sbx_eval_number_equal(a.p, a.n, b.p, b.n, tol);
}

static bool lines_equal(struct sbx_eval_span a, struct sbx_eval_span b, double tol)
{
        struct sbx_eval_span ta, tb;

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
        struct sbx_eval_span g = sbx_eval_strip(got ? got : "", got ? got_size : 0);
        struct sbx_eval_span w = sbx_eval_strip(want ? want : "", want ? strlen(want) : 0);
        struct sbx_eval_span lg, lw;
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

/* cJSON keeps numbers as doubles only. To compare them as text, every string is parsed with a
 * leading 's' and every number becomes the string "n<number>"; the JSON grammar of numbers is
 * checked here since cJSON no longer sees them. NULL when the text is not JSON. */
static bool json_number_end(const char *p, const char *end, const char **out)
{
        const char *q = p;

        q += q < end && *q == '-';
        if (q < end && *q == '0')
                q++;
        else if (q < end && *q >= '1' && *q <= '9')
                while (q < end && isdigit((unsigned char)*q))
                        q++;
        else
                return false;
        if (q < end && *q == '.') {
                const char *f = ++q;
                while (q < end && isdigit((unsigned char)*q))
                        q++;
                if (q == f)
                        return false;
        }
        if (q < end && (*q == 'e' || *q == 'E')) {
                q++;
                q += q < end && (*q == '+' || *q == '-');
                const char *x = q;
                while (q < end && isdigit((unsigned char)*q))
                        q++;
                if (q == x)
                        return false;
        }
        *out = q;
        return true;
}

static cJSON *parse_tagged(struct sbx_eval_span s)
{
        struct sbx_eval_buf b = {.max = s.n * 4 + 64};
        const char *p = s.p, *end = s.p + s.n;
        cJSON *j = NULL;

        while (p < end && !b.oom) {
                if (*p == '"') {
                        const char *q = p + 1;
                        while (q < end && *q != '"')
                                q += *q == '\\' ? 2 : 1;
                        if (q >= end)
                                break;
                        sbx_eval_buf_puts(&b, "\"s");
                        sbx_eval_buf_append(&b, p + 1, (size_t)(q - p));
                        p = q + 1;
                } else if (*p == '-' || isdigit((unsigned char)*p)) {
                        const char *q;
                        if (!json_number_end(p, end, &q))
                                break;
                        sbx_eval_buf_puts(&b, "\"n");
                        sbx_eval_buf_append(&b, p, (size_t)(q - p));
                        sbx_eval_buf_puts(&b, "\"");
                        p = q;
                } else {
                        sbx_eval_buf_append(&b, p++, 1);
                }
        }
        if (p == end && !b.oom && !b.truncated && b.data) {
                const char *parsed_to = NULL;
                j = cJSON_ParseWithLengthOpts(b.data, b.len, &parsed_to, false);
                /* one value and nothing after it */
                while (j && parsed_to < b.data + b.len && isspace((unsigned char)*parsed_to))
                        parsed_to++;
                if (j && parsed_to != b.data + b.len) {
                        cJSON_Delete(j);
                        j = NULL;
                }
        }
        sbx_eval_buf_free(&b);
        return j;
}

static bool is_tagged_number(const cJSON *j)
{
        return cJSON_IsString(j) && j->valuestring[0] == 'n';
}

/* Python: True == 1 and False == 0. */
static bool bool_equals_number(const cJSON *b, const cJSON *num)
{
        const char *want = cJSON_IsTrue(b) ? "1" : "0";

        return sbx_eval_number_equal(num->valuestring + 1, strlen(num->valuestring + 1), want, 1,
                                     0);
}

static bool json_equal(const cJSON *got, const cJSON *want, double tol, unsigned depth);

static bool json_arrays_equal(const cJSON *got, const cJSON *want, double tol, unsigned depth)
{
        const cJSON *x = got->child, *y = want->child;

        for (; x && y; x = x->next, y = y->next)
                if (!json_equal(x, y, tol, depth + 1))
                        return false;
        return !x && !y;
}

static bool json_objects_equal(const cJSON *got, const cJSON *want, double tol, unsigned depth)
{
        if (cJSON_GetArraySize(got) != cJSON_GetArraySize(want))
                return false;
        for (const cJSON *x = got->child; x; x = x->next) {
                const cJSON *y = cJSON_GetObjectItemCaseSensitive(want, x->string);
                if (!y || !json_equal(x, y, tol, depth + 1))
                        return false;
        }
        return true;
}

static bool json_equal(const cJSON *got, const cJSON *want, double tol, unsigned depth)
{
        if (depth > 64)
                return false;
        if (is_tagged_number(got) && is_tagged_number(want))
                return sbx_eval_number_equal(got->valuestring + 1, strlen(got->valuestring + 1),
                                             want->valuestring + 1, strlen(want->valuestring + 1),
                                             tol);
        if (cJSON_IsBool(got) && is_tagged_number(want))
                return bool_equals_number(got, want);
        if (cJSON_IsBool(want) && is_tagged_number(got))
                return bool_equals_number(want, got);
        if ((got->type & 0xff) != (want->type & 0xff))
                return false;
        if (cJSON_IsString(got))
                return !strcmp(got->valuestring, want->valuestring);
        if (cJSON_IsArray(got))
                return json_arrays_equal(got, want, tol, depth);
        if (cJSON_IsObject(got))
                return json_objects_equal(got, want, tol, depth);
        return true; /* true, false, null: the type said it all */
}

bool sbx_eval_json_output_equal(const char *got, size_t got_size, const char *want, double tol)
{
        struct sbx_eval_span g = sbx_eval_strip(got ? got : "", got ? got_size : 0);
        struct sbx_eval_span w = sbx_eval_strip(want ? want : "", want ? strlen(want) : 0);
        cJSON *jg = parse_tagged(g), *jw = jg ? parse_tagged(w) : NULL;
        bool eq;

        if (jg && jw)
                eq = json_equal(jg, jw, tol, 0);
        else
                eq = sbx_eval_output_equal(got, got_size, want, tol);
        cJSON_Delete(jg);
        cJSON_Delete(jw);
        return eq;
}
