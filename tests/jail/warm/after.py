# Run after the scribbler: nothing of it is here.
import builtins, os, sys
print(builtins.print is not None, "os" in sys.modules and sys.modules["os"] is os,
      sys.path[0], os.environ.get("PYTHONSTARTUP"), os.environ.get("LD_PRELOAD"),
      sorted(p for d in ("/sandbox", "/tmp", "/dev/shm") for p in os.listdir(d) if p != "main.py"))
