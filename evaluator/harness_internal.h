/* Shared by harness.c (the table, script languages) and harness_main.c (main-function ones). */
#ifndef SBX_EVAL_HARNESS_INTERNAL_H
#define SBX_EVAL_HARNESS_INTERNAL_H

#include "evaluator/harness.h"

/* Debian's libjavatuples-java: MultiPL-E's Java prompts import org.javatuples. */
#define SBX_EVAL_JAVATUPLES_JAR "/usr/share/java/javatuples.jar"

char *sbx_eval_harness_script(const struct sbx_eval_lang *l, const char *head, const char *tests);
char *sbx_eval_harness_guard(const struct sbx_eval_lang *l, const char *head, const char *tests);
char *sbx_eval_harness_rename(const struct sbx_eval_lang *l, const char *head, const char *tests,
                              const struct sbx_eval_wrap_opts *opts);
char *sbx_eval_harness_go(const char *head, const char *tests);

#endif
