/* The Engine's seccomp profile for every container: the deny list of policies/seccomp_rules.c,
 * the same table the native jail compiles, in the JSON the Engine takes in
 * HostConfig.SecurityOpt. Internal to docker/. */
#ifndef SBX_DOCKER_SECCOMP_H
#define SBX_DOCKER_SECCOMP_H

/* The profile as JSON: default allow, one entry per table row (runc compiles each entry into one
 * libseccomp rule whose argument conditions are ANDed, as the native jail does), no
 * "architectures" (runc's filter then holds the native one only, and kills the others and x32
 * like the native filter). malloc'd; NULL when out of memory. */
char *sbx_docker_seccomp_profile(void);

/* "seccomp=<profile>", rendered once per process and kept: NULL when out of memory. Thread-safe. */
const char *sbx_docker_seccomp_option(void);

#endif
