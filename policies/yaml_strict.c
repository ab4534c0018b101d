#include "policies/yaml_strict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

int sbx_yaml_open(struct sbx_yaml *y, const char *text, size_t size)
{
        if (!yaml_parser_initialize(&y->parser))
                return sbx_error_set(y->err, ENOMEM, "%s: out of memory", y->file);
        y->opened = true;
        /* libyaml asserts on a NULL input */
        yaml_parser_set_input_string(&y->parser, (const unsigned char *)(text ? text : ""), size);
        return 0;
}

static void drop_event(struct sbx_yaml *y)
{
        if (!y->have_ev)
                return;
        if (y->secret && y->ev.type == YAML_SCALAR_EVENT)
                explicit_bzero(y->ev.data.scalar.value, y->ev.data.scalar.length);
        yaml_event_delete(&y->ev);
        y->have_ev = false;
}

void sbx_yaml_close(struct sbx_yaml *y)
{
        drop_event(y);
        if (y->opened)
                yaml_parser_delete(&y->parser);
        y->opened = false;
}

size_t sbx_yaml_line(const struct sbx_yaml *y)
{
        return y->ev.start_mark.line + 1;
}

int sbx_yaml_fail(struct sbx_yaml *y, size_t line, const char *path, const char *fmt, ...)
{
        _cleanup_free_ char *msg = NULL;
        va_list ap;

        va_start(ap, fmt);
        msg = sbx_strdup_vprintf(fmt, ap);
        va_end(ap);
        return sbx_error_set(y->err, EINVAL, "%s:%zu: %s%s%s", y->file, line, path ? path : "",
                             path ? ": " : "", msg ? msg : "invalid");
}

const char *sbx_yaml_event_kind(yaml_event_type_t t)
{
        switch (t) {
        case YAML_MAPPING_START_EVENT:
                return "a mapping";
        case YAML_SEQUENCE_START_EVENT:
                return "a list";
        case YAML_SCALAR_EVENT:
                return "a single value";
        default:
                return "the end of a block";
        }
}

static int check_event(struct sbx_yaml *y)
{
        const yaml_event_t *e = &y->ev;
        const yaml_char_t *anchor = NULL, *tag = NULL;

        if (e->type == YAML_ALIAS_EVENT)
                return sbx_yaml_fail(y, sbx_yaml_line(y), NULL,
                                     "aliases (*name) are not supported");
        if (e->type == YAML_SCALAR_EVENT) {
                anchor = e->data.scalar.anchor;
                tag = e->data.scalar.tag;
                if (strlen((const char *)e->data.scalar.value) != e->data.scalar.length)
                        return sbx_yaml_fail(y, sbx_yaml_line(y), NULL,
                                             "a value contains a NUL byte");
        } else if (e->type == YAML_MAPPING_START_EVENT) {
                anchor = e->data.mapping_start.anchor;
                tag = e->data.mapping_start.tag;
        } else if (e->type == YAML_SEQUENCE_START_EVENT) {
                anchor = e->data.sequence_start.anchor;
                tag = e->data.sequence_start.tag;
        }
        if (anchor)
                return sbx_yaml_fail(y, sbx_yaml_line(y), NULL,
                                     "anchors (&name) are not supported");
        if (tag)
                return sbx_yaml_fail(y, sbx_yaml_line(y), NULL, "tags (!name) are not supported");
        return 0;
}

int sbx_yaml_next(struct sbx_yaml *y)
{
        drop_event(y);
        if (!yaml_parser_parse(&y->parser, &y->ev)) {
                if (y->parser.error == YAML_MEMORY_ERROR)
                        return sbx_error_set(y->err, ENOMEM, "%s: out of memory", y->file);
                return sbx_error_set(y->err, EINVAL, "%s:%zu: invalid YAML: %s%s%s", y->file,
                                     y->parser.problem_mark.line + 1,
                                     y->parser.problem ? y->parser.problem : "syntax error",
                                     y->parser.context ? " " : "",
                                     y->parser.context ? y->parser.context : "");
        }
        y->have_ev = true;
        return check_event(y);
}

int sbx_yaml_expect(struct sbx_yaml *y, yaml_event_type_t type, const char *what)
{
        int r = sbx_yaml_next(y);

        if (r < 0)
                return r;
        return y->ev.type == type ? 0 : sbx_yaml_fail(y, sbx_yaml_line(y), NULL, "%s", what);
}
