#ifndef SBX_POLICIES_YAML_STRICT_H
#define SBX_POLICIES_YAML_STRICT_H

/* A strict reader of libyaml's events for the files an operator writes (policies, tenants):
 * anchors, aliases and tags are refused (no alias expansion, so no "billion laughs"), and so
 * is a NUL byte inside a value. Errors read "file:line: path: message". */
#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

#include "sandboxrt.h"

struct sbx_yaml {
        yaml_parser_t parser;
        yaml_event_t ev; /* the current event, when have_ev */
        bool have_ev;
        bool opened;
        bool secret; /* values may be secrets (keys): each is wiped before libyaml frees it */
        const char *file;
        struct sbx_error **err;
};

/* Read text (size bytes; NULL reads as empty) as file; sbx_yaml_close frees it, also after a
 * failed open. */
int sbx_yaml_open(struct sbx_yaml *y, const char *text, size_t size);
void sbx_yaml_close(struct sbx_yaml *y);
/* The next event into y->ev, checked; -errno with *y->err set. */
int sbx_yaml_next(struct sbx_yaml *y);
/* The next event, which must be of type; else fails with what. */
int sbx_yaml_expect(struct sbx_yaml *y, yaml_event_type_t type, const char *what);
/* The line (from 1) of the current event. */
size_t sbx_yaml_line(const struct sbx_yaml *y);
/* Set "file:line: path: message" (path may be NULL) and return -EINVAL. */
int sbx_yaml_fail(struct sbx_yaml *y, size_t line, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* What an event is, for messages ("a mapping", "a list", "a single value"). */
const char *sbx_yaml_event_kind(yaml_event_type_t t);

#endif
