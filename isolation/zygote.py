# sandboxrt's warm Python (isolation/zygote.h, docs/warm.md): the zygote runs this as
# `python3 -c THIS LIB PYTHON3` with the jobs' start-up environment. It loads LIB and serves
# requests there, in C, forever; it never runs a job's code. Only a warm job's payload comes
# back from sbx_zygote_serve: already jailed (namespaces, uid, cgroup, no capabilities,
# no_new_privs, seccomp, only stdio open), to run its program as `python3 FILE.py ARGS` would.
#
# Every page a payload writes is a copy of the zygote's (a page fault each: the bulk of a warm
# job's cost), and touching an object writes its reference count. So what does not depend on
# the job is done here, once, before the first fork; a payload does only its job's part.
def _sandboxrt_zygote():
    import sys
    started = set(sys.modules), set(sys.path_importer_cache)
    import ctypes

    lib = ctypes.PyDLL(sys.argv[1])
    serve, wait_job = lib.sbx_zygote_serve, lib.sbx_zygote_job
    serve.restype, serve.argtypes = None, (ctypes.c_int, ctypes.c_char_p)
    wait_job.restype, wait_job.argtypes = ctypes.c_void_p, (ctypes.POINTER(ctypes.c_size_t),)
    size, string_at = ctypes.c_size_t(), ctypes.string_at
    after_fork = ctypes.pythonapi.PyOS_AfterFork_Child  # its thread ids, locks, at-fork hooks
    after_fork.restype = None
    import gc
    from _signal import SIG_DFL, SIGINT, signal
    from atexit import _run_exitfuncs
    from _weakref import ref

    ending = (_run_exitfuncs, ref, gc.collect, signal, SIG_DFL, SIGINT)  # for _finish

    # Forget what loading LIB and the lines above imported: a program finds what `python3 FILE`
    # has. What the payload still calls is bound.
    for name in set(sys.modules) - started[0]:
        del sys.modules[name]
    for path in set(sys.path_importer_cache) - started[1]:
        del sys.path_importer_cache[path]
    # The collector would visit (and so copy) every object of ours in every job: keep them out.
    gc.collect()
    gc.freeze()
    serve(3, sys.argv[2].encode())

    # A payload, jailed, before its job (still trusted: no byte of the job is here yet). Copy
    # now, off the job's path, the pages every job writes: the interpreter's after-fork state
    # and the compiler's. A program cannot tell: the same happens before every warm job.
    after_fork()
    compile(b"pass\n", "<sandboxrt>", "exec", dont_inherit=True)
    at = wait_job(size)
    job = string_at(at, size.value).split(b"\0")[:-1]
    argc = int(job[0])
    return sys, started[0], job[1 : 1 + argc], job[1 + argc :], ending


def _exit_status(sys, code):
    # As Python's handling of an uncaught SystemExit (Python/pythonrun.c): None is 0, an int is
    # itself (a C long), anything else is printed to stderr and is 1.
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF if -(1 << 63) <= code < 1 << 63 else 0xFF
    try:
        stderr = getattr(sys, "stderr", None)
        if stderr is not None:
            stderr.write(str(code))
            stderr.write("\n")
        else:
            os_write = sys.modules["posix"].write
            os_write(2, (str(code) + "\n").encode(errors="backslashreplace"))
    except Exception:
        pass
    return 1


def _unraisable_type():
    # sys.unraisablehook's argument type (UnraisableHookArgs), which Python does not name: the
    # type of what the hook gets for an exception in a __del__, caught once at start-up.
    import sys

    class Fails:
        def __del__(self):
            raise RuntimeError

    seen, hook = [], sys.unraisablehook
    sys.unraisablehook = seen.append
    Fails()
    sys.unraisablehook = hook
    return type(seen[0])


def _flush(sys, unraisable=_unraisable_type()):
    # Python's flush of the standard streams at exit (Python/pylifecycle.c: flush_std_files):
    # stdout's failure is reported and makes the status 120, stderr's only the latter.
    ok = True
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name, None)
        if stream is None or getattr(stream, "closed", False):
            continue
        try:
            stream.flush()
        except Exception as e:
            ok = False
            if name == "stdout":
                sys.unraisablehook(unraisable((type(e), e, None, None, stream)))
    return ok


def _run_main(sys, started, argv, env, ending, exit_status=_exit_status):
    import os

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

    # A fresh __main__: its names are the job's alone and, unlike the zygote's (frozen), they are
    # the collector's to finalize at the end.
    builtins = sys.modules["__main__"].__dict__["__builtins__"]
    main = sys.modules["__main__"] = type(sys)("__main__")
    scope = main.__dict__
    loader = sys.modules["_frozen_importlib_external"].SourceFileLoader("__main__", path)
    scope.update(__loader__=loader, __annotations__={}, __builtins__=builtins, __file__=path,
                 __cached__=None)
    del main, want, real, loader, env, argv
    interrupted, code = False, None
    try:
        with open(path, "rb") as f:
            source = f.read()
        code = compile(source, path, "exec", dont_inherit=True)
        del source
        exec(code, scope)
        status = 0
    except SystemExit as e:
        status = exit_status(sys, e.code)
    except BaseException as e:
        # What Python prints for an uncaught exception, without this frame.
        tb = e.__traceback__.tb_next
        e.__traceback__ = tb
        sys.last_type, sys.last_value, sys.last_traceback = type(e), e, tb
        sys.excepthook(type(e), e, tb)
        interrupted = isinstance(e, KeyboardInterrupt)
        status = 1
        del tb
    del scope, code
    return sys, started, os, status, interrupted, ending


def _finish(sys, started, os, status, interrupted, ending, flush=_flush):
    # What a program can observe of Python's finalization (Py_FinalizeEx), and no more: the rest
    # would visit, and so copy, every page of the interpreter for nothing (docs/warm.md). What
    # is used after the modules' names are cleared is bound before.
    _run_exitfuncs, ref, collect, signal, SIG_DFL, SIGINT = ending

    threading = sys.modules.get("threading")
    if threading is not None:
        try:
            threading._shutdown()  # the non-daemon threads
        except BaseException:
            pass
    _run_exitfuncs()
    ok = flush(sys)
    # The program's objects die, their __del__ runs, as in Python's finalize_modules: its
    # modules (__main__ and those it imported) leave sys.modules, the collector finalizes what
    # only they held, then the names of those still alive are cleared, the last imported
    # first, "_" names before the others (_PyModule_ClearDict). The zygote's objects are frozen
    # (gc.freeze) and stay.
    sys.last_type = sys.last_value = sys.last_traceback = None
    alive, module = [], None
    for name in [n for n in sys.modules if n == "__main__" or n not in started]:
        module = sys.modules.pop(name)
        try:
            alive.append(ref(module))
        except TypeError:
            pass
    module = None
    collect()
    for module in reversed(alive):
        scope = getattr(module(), "__dict__", None)
        for first in (True, False):
            for key in list(scope or ()):
                if key != "__builtins__" and key.startswith("_") == first:
                    scope[key] = None
        del scope
    collect()
    # What their __del__ printed: Python flushes it as it frees the streams, which neither
    # reports a failure a second time nor changes the status.
    for name in ("stdout", "stderr"):
        try:
            getattr(sys, name).flush()
        except BaseException:
            pass
    if interrupted:
        # Python ends on an uncaught KeyboardInterrupt by SIGINT, after its exit handlers.
        signal(SIGINT, SIG_DFL)
        os.kill(os.getpid(), SIGINT)
    os._exit(status if ok else 120)


# The job's code replaces __main__'s names: what runs after it was bound before (defaults).
_finish(*_run_main(*_sandboxrt_zygote()))
