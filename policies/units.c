/* Units of policy values: durations, sizes and CPU cores, parsed and printed back.
 *
 * Grammar: a decimal number with at most 3 decimals ("2", "1.5", "0.25"), then a unit. The result
 * must be a whole number of the base unit (ms, bytes, millicores), so "1.5ms" is refused rather
 * than rounded. A duration always needs a unit: a bare "10" could mean seconds or milliseconds
 * depending on who wrote it, and a limit off by 1000x is worse than an error. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "policies/policy.h"
#include "util.h"

#define MAX_DECIMALS 3

struct number {
        uint64_t whole;
        uint64_t frac; /* the decimals as an integer: "1.25" -> 25 ... */
        uint64_t den;  /* ... over 100 */
};

/* Parse "digits[.digits]" at the start of s; *end points past it. */
static int parse_number(const char *s, struct number *n, const char **end)
{
        const char *p = s;

        *n = (struct number){.den = 1};
        if (*p < '0' || *p > '9')
                return -EINVAL;
        for (; *p >= '0' && *p <= '9'; p++) {
                unsigned d = (unsigned)(*p - '0');
                if (__builtin_mul_overflow(n->whole, 10, &n->whole) ||
                    __builtin_add_overflow(n->whole, d, &n->whole))
                        return -ERANGE;
        }
        if (*p == '.') {
                p++;
                if (*p < '0' || *p > '9')
                        return -EINVAL;
                for (int i = 0; *p >= '0' && *p <= '9'; p++, i++) {
                        if (i == MAX_DECIMALS)
                                return -EINVAL;
                        n->frac = n->frac * 10 + (unsigned)(*p - '0');
                        n->den *= 10;
                }
        }
        *end = p;
        return 0;
}

/* n * unit, which must come out whole. frac < 1000 and unit <= 2^40, so frac * unit fits. */
static int scale(const struct number *n, uint64_t unit, uint64_t *out)
{
        uint64_t v, part = n->frac * unit;

        if (part % n->den != 0)
                return -EINVAL;
        if (__builtin_mul_overflow(n->whole, unit, &v) ||
            __builtin_add_overflow(v, part / n->den, &v))
                return -ERANGE;
        *out = v;
        return 0;
}

struct unit {
        const char *suffix;
        uint64_t factor;
};

/* Largest first: the printers pick the first unit that divides the value exactly. */
static const struct unit duration_units[] = {
    {"h", 3600000},
    {"m", 60000},
    {"s", 1000},
    {"ms", 1},
};

static const struct unit size_units[] = {
    {"t", 1ull << 40}, {"g", 1ull << 30}, {"m", 1ull << 20}, {"k", 1ull << 10}, {"", 1},
};

int sbx_parse_duration_ms(const char *s, uint64_t *out)
{
        struct number n;
        const char *unit;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_number(s, &n, &unit);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(duration_units); i++)
                if (!strcmp(unit, duration_units[i].suffix))
                        return scale(&n, duration_units[i].factor, out);
        return -EINVAL;
}

/* "", "b", or one of k/m/g/t followed by "", "b" or "ib", any case: all binary units, because
 * that is what the kernel's limits count in and "512mb" meaning 512 MiB surprises nobody. */
static int size_factor(const char *unit, uint64_t *factor)
{
        char lower[4] = "";
        size_t len = strlen(unit);

        if (len >= sizeof(lower))
                return -EINVAL;
        for (size_t i = 0; i < len; i++)
                lower[i] = (char)(unit[i] >= 'A' && unit[i] <= 'Z' ? unit[i] - 'A' + 'a' : unit[i]);
        if (!strcmp(lower, "") || !strcmp(lower, "b")) {
                *factor = 1;
                return 0;
        }
        const char *rest = lower + 1;
        if (strcmp(rest, "") && strcmp(rest, "b") && strcmp(rest, "ib"))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(size_units); i++)
                if (size_units[i].suffix[0] == lower[0] && lower[0]) {
                        *factor = size_units[i].factor;
                        return 0;
                }
        return -EINVAL;
}

int sbx_parse_size_bytes(const char *s, uint64_t *out)
{
        struct number n;
        const char *unit;
        uint64_t factor;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_number(s, &n, &unit);
        if (r < 0)
                return r;
        r = size_factor(unit, &factor);
        if (r < 0)
                return r;
        return scale(&n, factor, out);
}

int sbx_parse_cpus_millicores(const char *s, uint32_t *out)
{
        struct number n;
        const char *end;
        uint64_t v;
        int r;

        if (!s)
                return -EINVAL;
        r = parse_number(s, &n, &end);
        if (r < 0)
                return r;
        if (*end)
                return -EINVAL;
        r = scale(&n, 1000, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *out = (uint32_t)v;
        return 0;
}

static const char *format_units(uint64_t v, const struct unit *units, size_t n, char *buf,
                                size_t size)
{
        for (size_t i = 0; i < n; i++)
                if (v % units[i].factor == 0 && (v != 0 || units[i].factor == 1)) {
                        snprintf(buf, size, "%llu%s", (unsigned long long)(v / units[i].factor),
                                 units[i].suffix);
                        return buf;
                }
        return buf;
}

const char *sbx_format_duration_ms(uint64_t ms, char *buf, size_t size)
{
        return format_units(ms, duration_units, ELEMENTSOF(duration_units), buf, size);
}

const char *sbx_format_size_bytes(uint64_t bytes, char *buf, size_t size)
{
        return format_units(bytes, size_units, ELEMENTSOF(size_units), buf, size);
}

const char *sbx_format_cpus(uint32_t millicores, char *buf, size_t size)
{
        unsigned whole = millicores / 1000, frac = millicores % 1000;

        if (frac == 0)
                snprintf(buf, size, "%u", whole);
        else if (frac % 100 == 0)
                snprintf(buf, size, "%u.%u", whole, frac / 100);
        else if (frac % 10 == 0)
                snprintf(buf, size, "%u.%02u", whole, frac / 10);
        else
                snprintf(buf, size, "%u.%03u", whole, frac);
        return buf;
}
