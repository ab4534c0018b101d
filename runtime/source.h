/* What a program's source declares at its top level, for the languages whose file name or
 * steps depend on it (Java's public class, Scala's main object, Go's and Rust's test files).
 * Internal to runtime/. */
#ifndef SBX_SOURCE_H
#define SBX_SOURCE_H

#include <stdbool.h>
#include <stddef.h>

enum sbx_dialect {
        SBX_DIALECT_JAVA,
        SBX_DIALECT_SCALA,
        SBX_DIALECT_GO,
        SBX_DIALECT_RUST,
};

#define SBX_SOURCE_NAME_MAX 120

struct sbx_source_facts {
        char package[SBX_SOURCE_NAME_MAX];     /* "a.b" (Java, Scala), or "" */
        char public_type[SBX_SOURCE_NAME_MAX]; /* Java: the public top-level type, or "" */
        char main_type[SBX_SOURCE_NAME_MAX];   /* the first top-level type with a main method
                                                * (a Scala object: or extending App), or "" */
        bool main_func;                        /* Go: a top-level func main */
        bool test_func;                        /* Go: a top-level func TestXxx */
        bool test_attr;                        /* Rust: a #[test] function */
};

/* Scan source (size bytes, no NUL needed) with a lexer that skips comments, string and
 * character literals and counts braces: not a parser, so code that does not compile may give
 * any answer, and the compiler then says what is wrong. Names longer than the buffers are
 * left out. Never fails; pure. */
void sbx_source_scan(enum sbx_dialect d, const char *source, size_t size,
                     struct sbx_source_facts *out);

#endif
