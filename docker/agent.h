/* The host's side of the in-container agent (docker/agent_main.c): the private directory each
 * container's agent listens in, and one job sent over its socket. Internal to docker/. */
#ifndef SBX_DOCKER_AGENT_H
#define SBX_DOCKER_AGENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "docker/agent_proto.h"
#include "backend.h"

/* Make dir (mode 0700, ours) for one container's agent socket. */
int sbx_docker_agent_dir_make(const char *dir, struct sbx_error **err);
/* Remove the socket and dir; accepts NULL. */
void sbx_docker_agent_dir_remove(const char *dir);
/* Forget the socket of an agent that is about to be restarted. */
void sbx_docker_agent_forget(const char *dir);
/* Wait up to timeout_ms for the agent in dir to listen. */
bool sbx_docker_agent_wait(const char *dir, unsigned timeout_ms);

/* Whether spec's files may go with the job (the job's user writes them before the exec): small
 * ones in writable directories; others go through the archive endpoint. */
#define SBX_AGENT_FILES_MAX (4u << 20)
bool sbx_docker_agent_takes_files(const struct sbx_spec *spec, char *const *dirs);
/* Connect to the agent in dir and send the job: spec's argv, env, its files when files is true
 * (each in one of the container's writable dirs), and the work dir, run as uid:uid, with fds
 * (stdin, stdout, stderr) as its streams. The connection, or -errno. */
int sbx_docker_agent_send(const char *dir, char *const *dirs, const struct sbx_spec *spec,
                          bool files, const char *cwd, uid_t uid, const int fds[3]);
/* Read the reply once the connection is readable: 0, or -EPIPE when the agent went away
 * without one, or -EPROTO. */
int sbx_docker_agent_reply(int conn, struct sbx_agent_reply *rep);

#endif
