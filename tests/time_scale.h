/* SBX_TEST_TIME_SCALE for the C tests (see tests/common.sh): how many times slower than an
 * ordinary machine this one runs the tests (scripts/vm-test.sh's VM without KVM: 6). Waits and
 * margins are multiplied by it; the limits given to sandboxes are not. */
#ifndef SBX_TESTS_TIME_SCALE_H
#define SBX_TESTS_TIME_SCALE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* ms times the scale, rounded up. A scale that is not a positive number stops the test. */
static inline uint64_t scaled_ms(uint64_t ms)
{
        const char *s = getenv("SBX_TEST_TIME_SCALE");
        char *end = NULL;
        double f = s && *s ? strtod(s, &end) : 1.0;

        if (s && *s && (*end || !(f > 0))) {
                fprintf(stderr, "SBX_TEST_TIME_SCALE=%s is not a positive number\n", s);
                exit(1);
        }
        return (uint64_t)((double)ms * f + 0.999);
}

#endif
