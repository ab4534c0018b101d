#!/usr/bin/env bash
# Where an evaluation's CPU goes: the 164 HumanEval programs run bare (/usr/bin/python3), forked
# from one started python3 with no sandbox (bench/humaneval.sh's floor), and through
# `sandboxrt eval` warm and cold, 2 at a time, each once under bpftrace. It adds up the on-CPU
# time of every thread the run started, as the scheduler counted it when the thread ended, by the
# thread's role: the program (a jail's payload and what it started), the jail's init (pid 1 of
# the job's pid namespace), its supervisor, the zygote, the launcher, the runtime. Printed in ms
# per program, so that the sandbox's part reads against the program's own. CPU that kernel
# threads spend for them (deferred frees, RCU callbacks) is not counted.
#
#   bench/roles.sh [JOBS]     (as root, with bpftrace; default JOBS: 2)
# Env: SBX_BUILD_DIR (default build).
set -euo pipefail

jobs=${1:-2}
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" = 0 ] || { echo "bench: bpftrace needs root" >&2; exit 1; }
command -v bpftrace >/dev/null ||
	{ echo "bench: bpftrace not found: apt-get install bpftrace" >&2; exit 1; }
[ -d /sys/kernel/tracing/events/sched ] || {
	echo "bench: tracefs is not mounted: mount -t tracefs nodev /sys/kernel/tracing" >&2
	exit 1
}

humaneval_programs "$out/programs"
humaneval_configs

# The threads the command started, followed through forks and clones. A thread's role is read as
# it starts to exit (1 the init of a jail: pid 1 of a child pid namespace; 2 any other thread in
# one; 0 the host's, told apart by name below), its CPU at its last switch, when its exit is done:
# that includes the teardown of what it held (a jail's init: the jail's mounts and namespaces).
cat >"$out/roles.bt" <<'BT'
tracepoint:sched:sched_process_fork
/ args->parent_pid == (int32)cpid || @in[args->parent_pid] /
{
	@in[args->child_pid] = 1;
}

tracepoint:sched:sched_process_exit
/ tid == cpid || @in[tid] /
{
	$p = curtask->thread_pid;
	$role = 0;
	if ($p->level > 0) {
		$up = (struct upid *)$p->numbers; /* its ids, from the host's pid namespace down */
		$nr = $p->level == 1 ? $up[1].nr : $up[2].nr; /* a jail's, on a host at most one down */
		$role = $nr == 1 ? 1 : 2;
	}
	@dying[tid] = $role + 1;
	delete(@in[tid]);
}

/* Its last switch away: prev_state EXIT_DEAD or EXIT_ZOMBIE. */
tracepoint:sched:sched_switch
/ @dying[args->prev_pid] && (args->prev_state == 16 || args->prev_state == 32) /
{
	$role = @dying[args->prev_pid] - 1;
	@ns[$role, args->prev_comm] = sum(curtask->se.sum_exec_runtime);
	delete(@dying[args->prev_pid]);
}

END
{
	clear(@in);
	clear(@dying);
}
BT

run() {
	case $1 in
	bare) echo "cd '$out/programs' && ls | xargs -P $jobs -n 1 $py >/dev/null 2>&1" ;;
	forked) echo "cd '$out/programs' && $py '$root/bench/forked.py' $jobs" ;;
	*) echo "'$sandboxrt' eval --config '$out/$1.yaml' --jobs $jobs -q --work-dir '$out/runs'" \
		">'$out/table' 2>/dev/null" ;;
	esac >"$out/$1.sh"
	local t0
	t0=$(now_ms)
	bpftrace "$out/roles.bt" -c "/bin/bash $out/$1.sh" >"$out/$1.txt" 2>"$out/$1.err" ||
		{ echo "bench: bpftrace failed on the $1 run:" >&2; cat "$out/$1.err" >&2; exit 1; }
	echo $(($(now_ms) - t0)) >"$out/$1.ms"
	case $1 in warm | cold)
		grep -q '| 164 | 1.0000 |' "$out/table" || echo "bench: the $1 run did not score 164/164" >&2
		;;
	esac
}

echo "bench: 164 HumanEval programs, $jobs in parallel, once each under bpftrace" >&2
for mode in bare forked warm cold; do
	run "$mode"
	echo "$mode: $(cat "$out/$mode.ms") ms, with bpftrace's start" >&2
done

"$py" - "$out" <<'PY'
import collections, re, sys
out, modes, n = sys.argv[1], ("bare", "forked", "warm", "cold"), 164
rows = ("program", "jail init", "supervisor", "zygote", "launcher", "runtime and other")

def role(mode, kind, comm):
    if kind == 1:
        return "jail init"
    if kind == 2 or (comm == "python3" and mode in ("bare", "forked")):
        return "program"
    return {"sbx-supervisor": "supervisor", "python3": "zygote",
            "sbx-launcher": "launcher"}.get(comm, "runtime and other")

cpu = {m: collections.Counter() for m in modes}
for m in modes:
    for k, comm, ns in re.findall(r"@ns\[(\d), (.*?)\]: (\d+)", open(f"{out}/{m}.txt").read()):
        cpu[m][role(m, int(k), comm)] += int(ns) / 1e6 / n
print(f"CPU per program, ms ({n} HumanEval programs; the forked run's parent is its program's)")
print(f"{'':18}" + "".join(f"{m:>9}" for m in modes))
for r in rows:
    print(f"{r:18}" + "".join(f"{cpu[m][r]:9.2f}" for m in modes))
print(f"{'total':18}" + "".join(f"{sum(cpu[m].values()):9.2f}" for m in modes))
PY
