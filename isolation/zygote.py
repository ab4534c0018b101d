# sandboxrt's warm Python (isolation/zygote.h, docs/warm.md): the zygote runs this as
# `python3 -c THIS LIB PYTHON3` with the jobs' start-up environment. It loads LIB and serves
# requests there, in C, forever; it never runs a job's code. Only a warm job's payload comes
# back from sbx_zygote_serve: already jailed (namespaces, uid, cgroup, no capabilities,
# no_new_privs, seccomp, only stdio open), to run its program as `python3 FILE.py ARGS` would.
def _sandboxrt_zygote():
    import sys
    started = set(sys.modules), set(sys.path_importer_cache)
    import ctypes

    serve = ctypes.PyDLL(sys.argv[1]).sbx_zygote_serve
    serve.restype = ctypes.c_void_p
    serve.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.POINTER(ctypes.c_size_t))
    size = ctypes.c_size_t()
    # The collector would visit (and so copy) every object of ours in every job: keep them out.
    gc = __import__("gc")
    gc.collect()
    gc.freeze()
    at = serve(3, sys.argv[2].encode(), ctypes.byref(size))
    job = ctypes.string_at(at, size.value).split(b"\0")[:-1]
    ctypes.pythonapi.PyOS_AfterFork_Child()  # its thread ids, locks, at-fork hooks
    argc = int(job[0])
    argv, env = job[1 : 1 + argc], job[1 + argc :]

    # Forget what loading LIB imported: the program finds what `python3 FILE` has.
    for name in set(sys.modules) - started[0]:
        del sys.modules[name]
    for path in set(sys.path_importer_cache) - started[1]:
        del sys.path_importer_cache[path]
    return sys, argv, env


def _run_main(sys, argv, env):
    import os

    exit_by_sigint = _exit_by_sigint  # __main__'s names go below

    # The job's environment (its start-up variables are the zygote's: see zygote_serve.c).
    want = dict(kv.partition(b"=")[::2] for kv in env)
    for key in [k for k in os.environb if k not in want]:
        del os.environb[key]
    for key, value in want.items():
        if os.environb.get(key) != value:
            os.environb[key] = value

    # As Python's own start-up does for `python3 FILE ARGS` (Modules/main.c, Python/pathconfig.c):
    # __file__ is the file joined to the cwd, unnormalised; sys.path[0] is the directory of
    # the file with the file's own symlinks followed.
    argv = [os.fsdecode(a) for a in argv]
    sys.orig_argv, sys.argv = argv, argv[1:]
    path = argv[1] if argv[1].startswith("/") else os.getcwd() + "/" + argv[1]
    real = path
    while os.path.islink(real):
        link = os.readlink(real)
        real = link if link.startswith("/") else os.path.join(os.path.dirname(real), link)
    sys.path_importer_cache.pop(sys.path[0], None)
    sys.path[0] = os.path.dirname(real)

    main = sys.modules["__main__"]
    scope = main.__dict__
    builtins = scope["__builtins__"]
    loader = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    scope.clear()
    scope.update(__name__="__main__", __doc__=None, __package__=None, __loader__=loader,
                 __spec__=None, __annotations__={}, __builtins__=builtins, __file__=path,
                 __cached__=None)
    del main, want, real, loader, env, argv
    try:
        with open(path, "rb") as f:
            source = f.read()
        code = compile(source, path, "exec", dont_inherit=True)
        del source
        exec(code, scope)
    except SystemExit:
        raise
    except BaseException as e:
        # What Python prints for an uncaught exception, without this frame.
        tb = e.__traceback__.tb_next
        e.__traceback__ = tb
        sys.last_type, sys.last_value, sys.last_traceback = type(e), e, tb
        sys.excepthook(type(e), e, tb)
        if isinstance(e, KeyboardInterrupt):
            exit_by_sigint(sys, os)
        raise SystemExit(1)


def _exit_by_sigint(sys, os):
    # Python ends on an uncaught KeyboardInterrupt by SIGINT, after its exit handlers.
    import atexit
    import signal

    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGINT)


_run_main(*_sandboxrt_zygote())
