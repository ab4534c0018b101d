# What a program can see of how it was started: printed as JSON, compared warm vs cold.
import sys

modules = sorted(sys.modules)
main_globals = list(globals())
import ctypes
import json
import os
import random
import resource
import signal
import threading


def status(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return line.split(":", 1)[1].strip()


def stream(s):
    return [s.encoding, s.errors, s.line_buffering, s.seekable(), s.isatty(), s.fileno()]


umask = os.umask(0o22)
os.umask(umask)
print(json.dumps({
    "argv": sys.argv, "orig_argv": sys.orig_argv, "name": __name__, "file": __file__,
    "path": sys.path, "modules": modules, "globals": main_globals,
    "loader": [type(__loader__).__name__, vars(__loader__)], "spec": repr(__spec__),
    "cached": __cached__, "package": __package__, "doc": __doc__,
    "flags": list(sys.flags), "executable": sys.executable, "prefix": sys.prefix,
    "pid": os.getpid(), "ppid": os.getppid(), "native_id": threading.get_native_id(),
    "uids": [os.getuid(), os.geteuid(), os.getgid(), os.getegid(), os.getgroups()],
    "fds": sorted(os.listdir("/proc/self/fd")), "environ": dict(os.environ),
    "cwd": os.getcwd(), "stdin": sys.stdin.read(), "umask": umask,
    "stdout": stream(sys.stdout), "stderr": stream(sys.stderr), "stdin_stream": stream(sys.stdin),
    "sigint": repr(signal.getsignal(signal.SIGINT)), "sigpipe": repr(signal.getsignal(signal.SIGPIPE)),
    "sigmask": sorted(int(s) for s in signal.pthread_sigmask(signal.SIG_BLOCK, [])),
    "proc": [status(k) for k in ("NoNewPrivs", "Seccomp", "CapInh", "CapPrm", "CapEff",
                                  "CapBnd", "CapAmb", "Uid", "Gid", "NSpid", "SigIgn", "SigCgt")],
    "rlimits": [resource.getrlimit(r) for r in (resource.RLIMIT_NOFILE, resource.RLIMIT_FSIZE,
                                                 resource.RLIMIT_CPU, resource.RLIMIT_AS,
                                                 resource.RLIMIT_NPROC, resource.RLIMIT_CORE)],
    "sid": os.getsid(0) == os.getpid(), "hostname": os.uname().nodename,
    "hash": hash("sandboxrt"), "random": random.random(),
    "cmdline": open("/proc/self/cmdline", "rb").read().decode(),
    "proc_environ": open("/proc/self/environ", "rb").read().decode(),
    "dumpable": ctypes.CDLL(None).prctl(3, 0, 0, 0, 0),
    "proc_owner": os.stat("/proc/self/status").st_uid,
    "warm": "sandboxrt-zygote" in open("/proc/self/maps").read(),
}, sort_keys=True))
