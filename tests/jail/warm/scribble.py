# A job that tries to leave something for the next one: it changes everything it can reach in
# the interpreter and the jail, then writes garbage over every writable mapping it has.
import builtins, ctypes, os, sys

builtins.print = None
builtins.__import__ = None.__class__
sys.modules["os"] = None
os.environ["PYTHONSTARTUP"] = "/sandbox/evil.py"
os.putenv("LD_PRELOAD", "/tmp/evil.so")
sys.path.insert(0, "/tmp")
for d in ("/sandbox", "/tmp", "/dev/shm"):
    with open(d + "/left-behind", "w") as f:
        f.write("x")
sys.stdout.write("scribbling\n")
sys.stdout.flush()
regions = []
for line in open("/proc/self/maps"):
    addr, perms = line.split()[:2]
    if "w" in perms and "[stack]" not in line and "[vvar" not in line:
        lo, hi = (int(x, 16) for x in addr.split("-"))
        regions.append((lo, hi))
for lo, hi in regions:
    ctypes.memset(lo, 0x41, hi - lo)  # the interpreter dies somewhere in here
