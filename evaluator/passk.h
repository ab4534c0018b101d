/* pass@k with the unbiased estimator of Chen et al. (HumanEval paper). */
#ifndef SBX_EVAL_PASSK_H
#define SBX_EVAL_PASSK_H

#include <stdint.h>

/* 1 - C(n-c, k) / C(n, k) for one problem with n samples of which c pass, computed as a
 * product so no binomial overflows; 1.0 when n - c < k. Requires c <= n and 1 <= k <= n
 * (returns -1.0 otherwise). */
double sbx_eval_pass_at_k(uint64_t n, uint64_t c, uint64_t k);

#endif
