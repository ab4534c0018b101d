/* One job as an exec in a running container: stdin through the hijacked stream, stdout and
 * stderr demultiplexed and capped, wall and CPU limits enforced from outside, the job's
 * processes killed at the end, and the result judged like the native backend. Internal. */
#ifndef SBX_DOCKER_EXEC_H
#define SBX_DOCKER_EXEC_H

#include "backend.h"
#include "docker/container.h"

/* Fills res (verdict, exit code or signal, times, peak memory, output). Returns < 0 only when
 * the sandbox failed (the caller reports SANDBOX_ERROR). On return no process of the job is
 * left in c, unless c->broken says the container itself was killed. */
int sbx_docker_exec_run(struct sbx_docker_engine *e, struct sbx_docker_container *c,
                        const struct sbx_spec *spec, struct sbx_result *res,
                        struct sbx_error **err);

#endif
