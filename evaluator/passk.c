#include "evaluator/passk.h"

double sbx_eval_pass_at_k(uint64_t n, uint64_t c, uint64_t k)
{
        double fail = 1.0;

        if (c > n || k == 0 || k > n)
                return -1.0;
        if (n - c < k)
                return 1.0;
        /* C(n-c, k) / C(n, k) = prod_{i = n-c+1}^{n} (1 - k / i) */
        for (uint64_t i = n - c + 1; i <= n; i++)
                fail *= 1.0 - (double)k / (double)i;
        return 1.0 - fail;
}
