/* The default deny list of docs/spec/seccomp-defaults.md as data: one table that every backend
 * turns into its own form (isolation/seccomp.c compiles it to BPF with libseccomp, docker/seccomp.c
 * renders it as the Engine's seccomp profile), so that a job is refused the same calls wherever
 * it runs. Everything not listed is allowed; calls from a foreign architecture (and x32) are
 * killed by each backend's filter, which holds the native architecture only. */
#ifndef SBX_SECCOMP_RULES_H
#define SBX_SECCOMP_RULES_H

#include <stddef.h>
#include <stdint.h>

#define SBX_SECCOMP_MAX_ARGS 3

enum sbx_seccomp_action {
        SBX_SECCOMP_ERRNO, /* fail the call with errno_value */
        SBX_SECCOMP_KILL,  /* kill the whole process (SIGSYS: POLICY_VIOLATION) */
};

/* The comparisons libseccomp and the Engine's profile both have, with libseccomp's meaning:
 * the full 64-bit register is compared. */
enum sbx_seccomp_op {
        SBX_SECCOMP_EQ,
        SBX_SECCOMP_NE,
        SBX_SECCOMP_LT,
        SBX_SECCOMP_LE,
        SBX_SECCOMP_GT,
        SBX_SECCOMP_GE,
        SBX_SECCOMP_MASKED_EQ, /* (arg & value) == datum */
};

struct sbx_seccomp_arg {
        unsigned int index; /* 0..5 */
        enum sbx_seccomp_op op;
        uint64_t value;
        uint64_t datum; /* MASKED_EQ only */
};

/* One rule: the call matches when every argument comparison holds (each on its own argument
 * index: neither libseccomp nor the Engine can AND two comparisons of one argument). A call with
 * several rules matches when any of them does. */
struct sbx_seccomp_rule {
        const char *syscall;
        enum sbx_seccomp_action action;
        int errno_value;
        unsigned int n_args;
        struct sbx_seccomp_arg args[SBX_SECCOMP_MAX_ARGS];
};

/* The table, in the spec's order. A syscall unknown to the architecture or to the library that
 * compiles the filter is skipped: there is nothing to deny. */
extern const struct sbx_seccomp_rule sbx_seccomp_rules[];
extern const size_t sbx_seccomp_n_rules;

#endif
