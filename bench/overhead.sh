#!/usr/bin/env bash
# What a sandbox adds to a short run: bare vs `sandboxrt run` vs bubblewrap.
#
#   bench/overhead.sh [-n RUNS] [-w WARMUP] [--no-bwrap] [-- SANDBOXRT_RUN_OPTIONS...]
#
# Runs `/usr/bin/python3 -c pass` RUNS times (default 50, or $BENCH_RUNS) in each variant, the
# variants interleaved round by round so drift in the machine's load hits all of them alike:
#   bare       /usr/bin/python3 -c pass
#   sandboxrt  sandboxrt run [SANDBOXRT_RUN_OPTIONS] -- /usr/bin/python3 -c pass
#   bwrap      bwrap --unshare-all --die-with-parent with read-only /usr (when bwrap is installed)
#   runtime    the same job through one long-lived runtime (sbx_run, as eval and serve do; a
#              driver built here on the build's lib/libsandboxrt.a, skipped when that is missing)
#   warm       `pass` as a Python job (python3 main.py) through a long-lived runtime with warm
#              Python on (eval and serve's default): forked from the zygote, no interpreter start
# Each run is timed with CLOCK_MONOTONIC around fork+exec+wait by a small C timer compiled on
# the spot (bash's EPOCHREALTIME when there is no C compiler), and starts on a quiet machine:
# after a pause of $BENCH_SETTLE_MS (default 100) ms, so that what a variant does after its
# answer (a runtime prepares the jail of its next job) is not timed in the next variant's run.
# Prints median, p90 and min per variant, the time each adds over bare (by median), and
# sandboxrt's added time over bwrap's, and how the jobs got into their cgroups (as the jobs'
# results say: born there with CLONE_INTO_CGROUP on cgroup v2, or moved there; and why).
#
# sandboxrt is $SANDBOXRT, else build/api/sandboxrt under the source root. Works as root and as a
# normal user (bwrap then needs unprivileged user namespaces). Exit status: 0, or 1 when a
# variant's run fails (its output is shown).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
runs=${BENCH_RUNS:-50}
warmup=${BENCH_WARMUP:-3}
settle_ms=${BENCH_SETTLE_MS:-100}
use_bwrap=true
sbx_opts=()

usage() { sed -n '2,21s/^# \{0,1\}//p' "$0"; }
while [ $# -gt 0 ]; do
	case $1 in
	-n | --runs) runs=$2; shift 2 ;;
	-w | --warmup) warmup=$2; shift 2 ;;
	--no-bwrap) use_bwrap=false; shift ;;
	-h | --help) usage; exit 0 ;;
	--) shift; sbx_opts=("$@"); break ;;
	*) echo "overhead: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
done
case $runs$warmup$settle_ms in
*[!0-9]*) echo "overhead: RUNS, WARMUP and BENCH_SETTLE_MS are whole numbers" >&2; exit 2 ;;
esac
settle=$(awk -v ms="$settle_ms" 'BEGIN { printf "%.3f", ms / 1000 }')
[ "$runs" -ge 1 ] || { echo "overhead: RUNS must be at least 1" >&2; exit 2; }

sandboxrt=${SANDBOXRT:-$src/build/api/sandboxrt}
if [ ! -x "$sandboxrt" ]; then
	echo "overhead: $sandboxrt is not built (cmake -S . -B build && cmake --build build -j)," \
		"or point \$SANDBOXRT at the binary" >&2
	exit 1
fi
python=/usr/bin/python3
payload=("$python" -c pass)

variants=(bare sandboxrt)
declare -A cmd
cmd[bare]="${payload[*]@Q}"
cmd[sandboxrt]="${sandboxrt@Q} run ${sbx_opts[*]@Q} -- ${payload[*]@Q}"
bwrap=$(command -v bwrap || true)
if $use_bwrap && [ -n "$bwrap" ]; then
	variants+=(bwrap)
	cmd[bwrap]="${bwrap@Q} --unshare-all --die-with-parent --ro-bind /usr /usr"
	cmd[bwrap]+=" --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin"
	cmd[bwrap]+=" --proc /proc --dev /dev --tmpfs /tmp -- ${payload[*]@Q}"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The timer: runs argv once with stdin/stdout/stderr on /dev/null, prints the elapsed
# microseconds, exits with the child's status (128+signal if it was killed).
cat >"$tmp/timer.c" <<'EOF'
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
extern char **environ;
int main(int argc, char **argv)
{
	posix_spawn_file_actions_t fa;
	struct timespec a, b;
	pid_t pid;
	int st, fd;

	if (argc < 2)
		return 2;
	posix_spawn_file_actions_init(&fa);
	for (fd = 0; fd < 3; fd++)
		posix_spawn_file_actions_addopen(&fa, fd, "/dev/null", fd ? O_WRONLY : O_RDONLY, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	if (posix_spawn(&pid, argv[1], &fa, NULL, argv + 1, environ) != 0)
		return 127;
	if (waitpid(pid, &st, 0) < 0)
		return 126;
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
EOF
cc=$(command -v cc || command -v gcc || true)
if [ -n "$cc" ] && "$cc" -O2 -o "$tmp/timer" "$tmp/timer.c" 2>"$tmp/cc.log"; then
	clock="CLOCK_MONOTONIC (C timer)"
	time_once() { "$tmp/timer" "$@"; }
else
	clock="bash EPOCHREALTIME (no C compiler)"
	time_once() {
		local t0 t1 rc=0
		t0=${EPOCHREALTIME/./}
		"$@" </dev/null >/dev/null 2>&1 || rc=$?
		t1=${EPOCHREALTIME/./}
		echo $((t1 - t0))
		return $rc
	}
fi

# The runtime variant: a driver that runs one job per line read and prints its microseconds.
build_dir=$(cd "$(dirname "$sandboxrt")/.." && pwd)
cat >"$tmp/runtime.c" <<'EOF'
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sandboxrt.h"
int main(int argc, char **argv_)
{
	const char *const argv[] = {"/usr/bin/python3", "-c", "pass", NULL};
	struct sbx_job job = {.argv = argv};
	struct sbx_job warm = {.language = "python", .source = "pass\n", .source_size = 5};
	struct sbx_runtime_options opts = {.warm = argc > 1 && !strcmp(argv_[1], "warm")};
	struct sbx_runtime *rt;
	struct sbx_error *err = NULL;
	char line[16];

	if (opts.warm)
		job = warm;
	if (sbx_runtime_new(&opts, &rt, &err) < 0) {
		fprintf(stderr, "%s\n", err->message);
		return 1;
	}
	while (fgets(line, sizeof(line), stdin)) {
		struct sbx_result *r = NULL;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		int ok = sbx_run(rt, &job, &r, NULL) == 0 && r->verdict == SBX_VERDICT_OK;
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("%lld\t%s\n", ok ? (long long)(b.tv_sec - a.tv_sec) * 1000000 +
					     (b.tv_nsec - a.tv_nsec) / 1000 : -1LL,
		       r && r->cgroup_entry ? r->cgroup_entry : "in no cgroup");
		fflush(stdout);
		sbx_result_free(r);
	}
	sbx_runtime_free(rt);
	return 0;
}
EOF
lib=$build_dir/lib/libsandboxrt.a
# shellcheck disable=SC2046
if [ -n "$cc" ] && [ -f "$lib" ] &&
	"$cc" -O2 -I"$src/include" -o "$tmp/driver" "$tmp/runtime.c" "$lib" \
		$(pkg-config --libs libseccomp libcap yaml-0.1 libcjson libcurl libarchive zlib) \
		-lpthread -lm 2>>"$tmp/cc.log"; then
	# The driver lives outside the build tree, which the library only trusts for its own
	# programs: point it at the build's launcher and warm Python's library.
	export SANDBOXRT_LAUNCHER=$sandboxrt SANDBOXRT_ZYGOTE_LIB=$build_dir/sandboxrt-zygote.so
	coproc RUNTIME { "$tmp/driver"; }
	coproc WARM { "$tmp/driver" warm; }
	variants+=(runtime warm)
else
	echo "runtime: variant skipped (no C compiler or no $lib)"
fi

# run_variant NAME: one timed run appended to $tmp/NAME; on failure, show the run's output.
run_variant() {
	local us rc=0
	sleep "$settle"
	if [ "$1" = runtime ] || [ "$1" = warm ]; then
		local -n driver=${1^^} # its coproc: RUNTIME or WARM
		local entry
		echo run >&"${driver[1]}"
		IFS=$'\t' read -r us entry <&"${driver[0]}"
		[ "$us" -ge 0 ] || { echo "overhead: the $1 variant's job failed" >&2; exit 1; }
		echo "$us" >>"$tmp/$1"
		echo "$entry" >>"$tmp/$1.entry"
		return
	fi
	eval "us=\$(time_once ${cmd[$1]})" || rc=$?
	if [ $rc -ne 0 ]; then
		echo "overhead: the $1 variant failed (exit status $rc); its output:" >&2
		eval "${cmd[$1]}" >&2 || true
		exit 1
	fi
	echo "$us" >>"$tmp/$1"
}

nproc_=$(nproc)
echo "sandboxrt overhead: ${payload[*]}, $runs runs per variant (+$warmup warm-up), interleaved," \
	"each after a $settle_ms ms pause"
echo "host: $(uname -sr), $nproc_ CPUs, as $(id -un); clock: $clock"
echo "sandboxrt: $sandboxrt ($("$sandboxrt" --version 2>/dev/null || echo "version unknown"))"
[ -n "$bwrap" ] || echo "bwrap: not installed, variant skipped (apt-get install bubblewrap)"
# The cold path's cost depends on how a job gets into its cgroup: born in it (cgroup v2 with
# CLONE_INTO_CGROUP) or moved there (a write to cgroup.procs; on v1 that waits out an RCU grace
# period, which a prepared jail pays before its job comes). The timed CLI runs discard their
# output: one more run says which path the CLI takes (the drivers' jobs say it themselves).
verbose=$("$sandboxrt" run -v ${sbx_opts[@]+"${sbx_opts[@]}"} -- "${payload[@]}" 2>&1 >/dev/null) || true
cgroups=$(sed -n 's/.*backend native, cgroups \(v[12]\) .*/cgroup \1/p' <<<"$verbose")
entry=$(sed -n 's/^sandboxrt: the job was //p' <<<"$verbose")
echo "cold path (sandboxrt run -v): ${cgroups:-no cgroup hierarchy}, the job was ${entry:-in no cgroup (rlimits)}"

for ((i = 0; i < warmup; i++)); do
	for v in "${variants[@]}"; do run_variant "$v"; done
done
for v in "${variants[@]}"; do rm -f "$tmp/$v" "$tmp/$v.entry"; done
for ((i = 0; i < runs; i++)); do
	for v in "${variants[@]}"; do run_variant "$v"; done
done

# stats FILE: "median p90 min" in microseconds (p90 by nearest rank).
stats() {
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		r = int(0.9 * NR); if (r < 0.9 * NR) r++
		printf "%d %d %d\n", m, v[r], v[1] }'
}
ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }

declare -A median
printf '\n%-10s %10s %10s %10s %12s\n' variant median p90 min "added"
for v in "${variants[@]}"; do
	read -r m p lo < <(stats "$tmp/$v")
	median[$v]=$m
	added="-"
	[ "$v" = bare ] ||
		added="$(awk -v u=$((m - median[bare])) 'BEGIN { printf "%+.2f", u / 1000 }') ms"
	printf '%-10s %7s ms %7s ms %7s ms %12s\n' "$v" "$(ms "$m")" "$(ms "$p")" "$(ms "$lo")" "$added"
done

sbx_added=$((median[sandboxrt] - median[bare]))
if [ -n "${median[bwrap]:-}" ]; then
	bwrap_added=$((median[bwrap] - median[bare]))
	echo
	if [ "$bwrap_added" -gt 0 ]; then
		ratio=$(awk -v s="$sbx_added" -v b="$bwrap_added" 'BEGIN { printf "%.2f", s / b }')
		verdict="below bwrap's"
		[ "$sbx_added" -lt "$bwrap_added" ] || verdict="NOT below bwrap's"
		echo "sandboxrt added / bwrap added = $(ms $sbx_added) ms / $(ms $bwrap_added) ms" \
			"= $ratio ($verdict)"
	else
		echo "sandboxrt added / bwrap added: n/a (bwrap added no measurable time)"
	fi
fi
if [ -n "${median[runtime]:-}" ]; then
	echo "one long-lived runtime (eval, serve): $(ms $((median[runtime] - median[bare]))) ms" \
		"added per job"
fi
for v in runtime warm; do
	[ -f "$tmp/$v.entry" ] || continue
	sort "$tmp/$v.entry" | uniq -c | while read -r n how; do
		echo "$v: $how ($n of $runs jobs)"
	done
done
if [ -n "${median[warm]:-}" ]; then
	echo "warm Python job / bare python3: $(ms "${median[warm]}") ms / $(ms "${median[bare]}") ms" \
		"= $(awk -v w="${median[warm]}" -v b="${median[bare]}" 'BEGIN { printf "%.2f", w / b }')" \
		"(target: below 0.5)"
fi
