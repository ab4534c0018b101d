/* A small lexer for the C-family languages whose steps depend on their source: it yields
 * identifiers and single punctuation characters with their brace depth, and skips what could
 * hide a brace or a keyword (comments, strings, characters, raw strings). */
#include "source.h"

#include <stdio.h>
#include <string.h>

struct lexer {
        const char *p, *end;
        enum sbx_dialect d;
        int depth; /* braces open before the next token */
};

struct token {
        const char *s;
        size_t n;
        int depth; /* of the construct: a block's "{" and "}" both have its outer depth */
};

static bool ident_start(unsigned char c)
{
        /* Bytes of multibyte UTF-8 characters count: Java and Scala allow them in names. */
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '$' ||
               c >= 0x80;
}

static bool ident_char(unsigned char c)
{
        return ident_start(c) || (c >= '0' && c <= '9');
}

static bool at(const struct lexer *lx, const char *s)
{
        size_t n = strlen(s);

        return (size_t)(lx->end - lx->p) >= n && !memcmp(lx->p, s, n);
}

/* Move past the first occurrence of s (or to the end). */
static void skip_past(struct lexer *lx, const char *s)
{
        while (lx->p < lx->end && !at(lx, s))
                lx->p++;
        lx->p += lx->p < lx->end ? strlen(s) : 0;
}

/* At "/ *": Rust and Scala comments nest, Java's and Go's do not. */
static void skip_block_comment(struct lexer *lx)
{
        bool nests = lx->d == SBX_DIALECT_RUST || lx->d == SBX_DIALECT_SCALA;
        int open = 1;

        lx->p += 2;
        while (lx->p < lx->end && open > 0) {
                if (at(lx, "*/")) {
                        open--;
                        lx->p += 2;
                } else if (nests && at(lx, "/*")) {
                        open++;
                        lx->p += 2;
                } else {
                        lx->p++;
                }
        }
}

/* At the opening quote of a string or character literal with backslash escapes. */
static void skip_quoted(struct lexer *lx)
{
        char quote = *lx->p++;

        while (lx->p < lx->end && *lx->p != quote)
                lx->p += *lx->p == '\\' && lx->p + 1 < lx->end ? 2 : 1;
        lx->p += lx->p < lx->end;
}

/* At a "'": a character literal ('a', '\n', 'é') is skipped; a Rust lifetime or a Scala symbol
 * ('a without a closing quote) is not one, and the quote stays a token. */
static bool skip_char_literal(struct lexer *lx)
{
        const char *q = lx->p + 1;

        if (q < lx->end && *q == '\\') {
                skip_quoted(lx);
                return true;
        }
        if (q < lx->end)
                q++;
        while (q < lx->end && (*q & 0xC0) == 0x80) /* the rest of a UTF-8 character */
                q++;
        if (q < lx->end && *q == '\'') {
                lx->p = q + 1;
                return true;
        }
        return false;
}

/* After a Rust "r" or "br": r"...", r#"..."#, with as many #s at both ends. */
static bool skip_rust_raw_string(struct lexer *lx)
{
        const char *q = lx->p;
        char close[260] = "\"";
        size_t hashes = 0;

        while (q < lx->end && *q == '#' && hashes < sizeof(close) - 2)
                close[1 + hashes++] = *q++;
        if (q >= lx->end || *q != '"')
                return false;
        close[1 + hashes] = '\0';
        lx->p = q + 1;
        skip_past(lx, close);
        return true;
}

/* Skip one comment or literal at p; false when p starts none. */
static bool skip_ignored(struct lexer *lx)
{
        char c = *lx->p;

        if (at(lx, "//")) {
                skip_past(lx, "\n");
        } else if (at(lx, "/*")) {
                skip_block_comment(lx);
        } else if (at(lx, "\"\"\"") && lx->d != SBX_DIALECT_GO && lx->d != SBX_DIALECT_RUST) {
                lx->p += 3; /* Java text block, Scala multi-line string */
                skip_past(lx, "\"\"\"");
        } else if (c == '"') {
                skip_quoted(lx);
        } else if (c == '`') {
                lx->p++; /* Go raw string, Scala quoted name */
                skip_past(lx, "`");
        } else if (c == '\'') {
                return skip_char_literal(lx);
        } else {
                return false;
        }
        return true;
}

static bool next_token(struct lexer *lx, struct token *t)
{
        while (lx->p < lx->end) {
                const char *s = lx->p;
                if ((unsigned char)*s <= ' ' || skip_ignored(lx)) {
                        lx->p += lx->p == s;
                        continue;
                }
                if (ident_start((unsigned char)*s)) {
                        while (lx->p < lx->end && ident_char((unsigned char)*lx->p))
                                lx->p++;
                        *t = (struct token){s, (size_t)(lx->p - s), lx->depth};
                        bool raw_prefix =
                            (t->n == 1 && *s == 'r') || (t->n == 2 && !memcmp(s, "br", 2));
                        if (lx->d == SBX_DIALECT_RUST && raw_prefix && skip_rust_raw_string(lx))
                                continue;
                        return true;
                }
                lx->p++;
                if (*s == '}' && lx->depth > 0)
                        lx->depth--;
                *t = (struct token){s, 1, lx->depth};
                if (*s == '{')
                        lx->depth++;
                return true;
        }
        return false;
}

static bool is(const struct token *t, const char *s)
{
        return t->n == strlen(s) && !memcmp(t->s, s, t->n);
}

/* Append a token to a name, or mark the name too long (then it is dropped at the end). */
static void append(char *buf, size_t size, const struct token *t, bool *too_long)
{
        size_t len = strlen(buf);

        if (len + t->n >= size)
                *too_long = true;
        else
                snprintf(buf + len, size - len, "%.*s", (int)t->n, t->s);
}

struct scan {
        struct sbx_source_facts *f;
        enum sbx_dialect d;
        struct token prev[2];           /* the two tokens before the current one */
        char type[SBX_SOURCE_NAME_MAX]; /* the top-level type being read */
        bool type_is_object, want_type_name, public_seen, in_package, too_long;
        bool static_seen, void_seen, def_seen; /* in the current member */
};

/* A package clause's name: names and dots alternate; anything else ends it. */
static bool package_name(struct scan *s, const struct token *t)
{
        bool after_name = !is(&s->prev[1], ".") && !is(&s->prev[1], "package");

        if (!s->in_package)
                return false;
        if (ident_start((unsigned char)*t->s) ? after_name : !is(t, ".") || !after_name) {
                s->in_package = false;
                return false;
        }
        append(s->f->package, sizeof(s->f->package), t, &s->too_long);
        return true;
}

static void top_level(struct scan *s, const struct token *t)
{
        if (package_name(s, t))
                return;
        if (is(t, ";") || is(t, "{") || is(t, "}")) {
                s->public_seen = false;
                return;
        }
        if (s->want_type_name && ident_start((unsigned char)*t->s)) {
                s->want_type_name = false;
                if (t->n >= sizeof(s->type)) {
                        s->type[0] = '\0';
                        return;
                }
                snprintf(s->type, sizeof(s->type), "%.*s", (int)t->n, t->s);
                if (s->public_seen && !s->f->public_type[0])
                        memcpy(s->f->public_type, s->type, sizeof(s->type));
                return;
        }
        if (is(t, "package")) {
                if (s->f->package[0]) /* Scala's chained package clauses */
                        append(s->f->package, sizeof(s->f->package), &(struct token){".", 1, 0},
                               &s->too_long);
                s->in_package = true;
        } else if (is(t, "public")) {
                s->public_seen = true;
        } else if (is(t, "class") || is(t, "interface") || is(t, "enum") || is(t, "record") ||
                   is(t, "trait") || is(t, "object")) {
                s->want_type_name = true;
                s->type_is_object = is(t, "object");
        } else if (s->d == SBX_DIALECT_SCALA && is(t, "App") && s->type_is_object &&
                   (is(&s->prev[1], "extends") || is(&s->prev[1], "with")) && !s->f->main_type[0]) {
                memcpy(s->f->main_type, s->type, sizeof(s->type));
        }
}

/* Inside a top-level type's body: Java's "static ... void main(", Scala's "def main(". */
static void member(struct scan *s, const struct token *t)
{
        if (is(t, ";") || is(t, "{") || is(t, "}")) {
                s->static_seen = s->void_seen = s->def_seen = false;
                return;
        }
        s->static_seen |= is(t, "static");
        s->void_seen |= is(t, "void");
        s->def_seen |= is(t, "def");
        if (!is(t, "(") || !is(&s->prev[1], "main") || s->f->main_type[0])
                return;
        if (s->d == SBX_DIALECT_JAVA ? s->static_seen && s->void_seen
                                     : s->def_seen && s->type_is_object)
                memcpy(s->f->main_type, s->type, sizeof(s->type));
}

/* Go: "func main(" and "func TestXxx(" at the top level (methods have "(" after func). */
static void go_func(struct scan *s, const struct token *t)
{
        const struct token *name = &s->prev[1];

        if (!is(t, "(") || !is(&s->prev[0], "func") || t->depth != 0)
                return;
        s->f->main_func |= is(name, "main");
        /* go test's rule: Test, then nothing or a character that is not a lower-case letter */
        if (name->n >= 4 && !memcmp(name->s, "Test", 4) &&
            (name->n == 4 || !(name->s[4] >= 'a' && name->s[4] <= 'z')))
                s->f->test_func = true;
}

void sbx_source_scan(enum sbx_dialect d, const char *source, size_t size,
                     struct sbx_source_facts *out)
{
        struct lexer lx = {.p = source ? source : "", .d = d};
        struct scan s = {.f = out, .d = d};
        struct token t, before = {0};

        lx.end = lx.p + (source ? size : 0);
        *out = (struct sbx_source_facts){0};
        while (next_token(&lx, &t)) {
                if (d == SBX_DIALECT_GO)
                        go_func(&s, &t);
                else if (d == SBX_DIALECT_RUST)
                        out->test_attr |= is(&t, "]") && is(&s.prev[1], "test") &&
                                          is(&s.prev[0], "[") && is(&before, "#");
                else if (t.depth == 0)
                        top_level(&s, &t);
                else if (t.depth == 1 && s.type[0])
                        member(&s, &t);
                before = s.prev[0];
                s.prev[0] = s.prev[1];
                s.prev[1] = t;
        }
        if (s.too_long)
                out->package[0] = '\0';
}
