/* Code out of a model's reply, the way each benchmark defines it. All return malloc'd strings
 * (NULL only on allocation failure). */
#ifndef SBX_EVAL_EXTRACT_H
#define SBX_EVAL_EXTRACT_H

/* The first fenced block, as Python's re.search(r"```\w*\n(.*?)```", reply, re.DOTALL) finds it;
 * the whole reply when there is none (HumanEval). */
char *sbx_eval_extract_first_fence(const char *reply);

/* The lines between the last two lines that contain ``` (LiveCodeBench); "" when only one line
 * has a fence; the whole reply when none does (a bare program). */
char *sbx_eval_extract_last_fence(const char *reply);

/* MBPP: the first fenced block if any, then what follows [BEGIN], cut at the first of [DONE],
 * "if __name__ ==", "\nassert", "\n\"\"\"". */
char *sbx_eval_extract_mbpp(const char *reply);

#endif
