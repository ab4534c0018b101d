/* libsandboxrt's composition root: the backends it is built with, registered with the runtime.
 * The runtime names no backend (runtime/backends.c); this layer sits above all of them. */
#ifndef SBX_BUILTIN_H
#define SBX_BUILTIN_H

/* Register native, docker and remote, in the order "auto" tries them; once per process
 * (thread-safe). sbx_runtime_new calls it: call it only to list backends without a runtime. */
void sbx_backends_builtin(void);

#endif
