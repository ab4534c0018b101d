/* What the host and the in-container agent (docker/agent_main.c, in sandboxrt-waiter) say to each
 * other over the agent's unix socket, one connection per job. Both ends run on one host: integers
 * are native-endian. Plain C without the runtime: the agent is a static program of its own. */
#ifndef SBX_DOCKER_AGENT_PROTO_H
#define SBX_DOCKER_AGENT_PROTO_H

#include <stdint.h>

#define SBX_AGENT_MAGIC     0x53424141u /* "SBAA" */
#define SBX_AGENT_VERSION   1u
#define SBX_AGENT_BLOB_MAX  (8u << 20) /* argv, env, work dir and files together */
#define SBX_AGENT_SOCK_NAME "sock"     /* in the agent's directory */

/* The job: sent with the job's stdin, stdout and stderr attached (SCM_RIGHTS, in that order),
 * then blob_len bytes: NUL-terminated strings, the work dir, argc arguments, envc "K=V" entries
 * (added to the container's environment, as an exec's Env is); then nfiles files the job's
 * user writes before the exec, each its writable directory and its clean relative path
 * (NUL-terminated), a struct sbx_agent_file, and its data. */
struct sbx_agent_request {
        uint32_t magic;
        uint32_t version;
        uint32_t uid, gid; /* never 0: the agent refuses to run a job as root */
        uint32_t argc, envc, nfiles;
        uint32_t blob_len;
};

struct sbx_agent_file {
        uint32_t mode; /* permission bits */
        uint32_t size;
};

/* The answer, once the job's program ended: error is 0 and status its wait status (exec_errno
 * set when it could not be executed), or error is the errno of what failed in the agent, or
 * file_error that of writing the job's files (then nothing ran). */
struct sbx_agent_reply {
        uint32_t magic;
        int32_t status;
        int32_t exec_errno;
        int32_t error;
        int32_t file_error;
};

/* The agent's main loop in sandboxrt-waiter (`waiter --agent DIR`): listens in DIR. */
int sbx_agent_main(const char *dir);
/* Become a job's user from container root: its standard streams (those of the fds in streams
 * that are pipes) given to it (CAP_CHOWN), an empty bounding set (CAP_SETPCAP), the gid as the
 * only group, the uid (CAP_SETGID, CAP_SETUID). Refuses uid or gid 0. 0, or -1 with errno. For
 * the agent's children and the waiter of an exec (`waiter --user UID`). */
int sbx_agent_become(uint32_t uid, uint32_t gid, const int streams[3]);

#endif
