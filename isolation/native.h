/* The native jail backend (see native.c for the process model). */
#ifndef SBX_NATIVE_H
#define SBX_NATIVE_H

#include "backend.h"
#include "cgroup.h"

extern const struct sbx_backend_ops sbx_native_ops;

/* The cgroup hierarchy an open native backend uses (for doctor and --verbose). */
const struct sbx_cgroup_host *sbx_native_cgroups(const struct sbx_backend *be);

#endif
