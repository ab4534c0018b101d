#ifndef SBX_DOCKER_PATHS_H
#define SBX_DOCKER_PATHS_H

/* Split a sandbox path (relative to the work dir, or absolute) into its writable directory
 * (one of dirs, the container's: a volume) and a clean relative path. -EINVAL for "..", empty
 * components, or anything outside them. rel is malloc'd. */
int sbx_docker_split_path(char *const *dirs, const char *path, const char **root, char **rel);

#endif
