# The forked run of bench/humaneval.sh and bench/roles.sh, the floor of any warm runner: one python3
# forks a child per program (the files in the current directory), JOBS at a time; a child runs
# its program as __main__ with its output to /dev/null, flushes and leaves by os._exit (as a
# warm job does). Usage: python3 forked.py JOBS
import os, sys

def start(path):
    pid = os.fork()
    if pid:
        return pid
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    sys.argv = [path]
    status = 0
    try:
        with open(path, "rb") as f:
            exec(compile(f.read(), path, "exec"), {"__name__": "__main__", "__file__": path})
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else 1
    except BaseException:
        status = 1
    sys.stdout.flush()
    os._exit(status)

programs, jobs, running, failed = sorted(os.listdir(".")), int(sys.argv[1]), 0, 0
for path in programs:
    if running == jobs:
        failed += os.wait()[1] != 0
        running -= 1
    start(path)
    running += 1
while running:
    failed += os.wait()[1] != 0
    running -= 1
sys.exit(failed and f"bench: {failed} programs failed forked")
