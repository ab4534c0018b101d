#!/usr/bin/env bash
# Run sandboxrt's tests in a Debian 12 virtual machine with a pure cgroup v2 hierarchy, booted by
# systemd, with /run mounted nodev,noexec,nosuid the way Debian's initramfs mounts it: the kind of
# host most users have, which this project's CI machines are not (cgroup v1 hybrids).
#
#   scripts/vm-test.sh [BUILD_DIR]            the cgroup v2 lane (what CI runs)
#   scripts/vm-test.sh --full [BUILD_DIR]     the whole suite but Docker and style, same two passes
#   scripts/vm-test.sh --image                only build the cached image (needs root)
#   scripts/vm-test.sh --tests REGEX          only the tests matching REGEX (ctest -R)
#   scripts/vm-test.sh --run SCRIPT           run SCRIPT (bash, as root, OUTDIR as $1) instead of
#                                             the tests: to look around in the guest
#
# What it does:
#   1. the image: debootstrap Debian 12 (minbase + linux-image-amd64 + systemd + the libraries and
#      toolchains the tests need) from the mirror apt uses here, packed into a qcow2 with mke2fs -d
#      (no loop mount). Cached in $SBX_VM_CACHE and rebuilt only when its recipe changes
#      (cold: ~17 min on 2 busy cores). Building it needs root (debootstrap).
#   2. builds BUILD_DIR (default: build) on this host (the guest is the same Debian release),
#      and hands the source and build trees to the guest as a tar on a second disk, extracted at
#      the same absolute paths so that ctest's files stay valid.
#   3. boots the image read-only (qemu -snapshot: nothing of a run survives it) with Debian's
#      kernel and initramfs, no network device, KVM when /dev/kvm is usable, else TCG. A unit in
#      the image runs scripts/vm-guest.sh from the tree: the tests as root, then as an
#      unprivileged user whose cgroups come from systemd (see that script), and writes the
#      results as a tar to a third disk, which is read back here with tar (no loop mount).
#   4. prints the guest's summary; the JUnit reports and logs land in BUILD_DIR/vm-results.
#
# Environment:
#   SBX_VM_CACHE=DIR        where the image is kept (default ${XDG_CACHE_HOME:-~/.cache}/sandboxrt-vm)
#   SBX_VM_MEMORY=MiB       guest memory (default 3072)
#   SBX_VM_CPUS=N           guest CPUs (default 2)
#   SBX_VM_TIMEOUT=S        kill the guest after S seconds (default 3600)
#   SBX_TEST_TIME_SCALE=N   the tests' time scale in the guest (default: 1 with KVM, 6 under TCG)
#   SBX_DEBIAN_MIRROR=URL   the mirror to debootstrap from (default: the one apt uses here)
#   SBX_VM_KEEP=1           keep the run's scratch directory (disks, console log)
#   SBX_SKIP_BUILD=1        do not (re)build BUILD_DIR
#
# Exit status: 0 every test passed in both passes, 1 a test or the VM failed, 77 this host cannot
# run the VM (no qemu, or the image is missing and we are not root to build it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=$(cd "$here/.." && pwd)

# The recipe of the image: any change to these lines or to image_build() below must bump
# IMAGE_RECIPE, which names the cached file, so that a stale image is never used.
IMAGE_RECIPE=2
SUITE=bookworm
# Libraries sandboxrt links, what the tests run (ctest, python3, the languages' toolchains, the
# users' session machinery: dbus, logind, pam_systemd) and the kernel. No compiler for
# sandboxrt itself: it is built on the host.
IMAGE_PACKAGES=(
	systemd systemd-sysv udev dbus libpam-systemd kmod procps util-linux passwd
	linux-image-amd64 initramfs-tools
	libseccomp2 libcap2 libcurl4 libmicrohttpd12 libcjson1 libyaml-0-2 libarchive13 libcmocka0
	cmake python3 bash perl gcc g++ nodejs default-jdk-headless tar gzip
)
IMAGE_FREE_MIB=3072 # room left in the guest's root for the trees and what the tests write

say() { echo "vm-test: $*" >&2; }
die() { say "$*"; exit 1; }
skip() { say "$*"; exit 77; }

mode=lane
tests_regex=
run_script=
build=
while [ $# -gt 0 ]; do
	case $1 in
	--full) mode=full ;;
	--image) mode=image ;;
	--tests) tests_regex=${2:?--tests needs a regex}; shift ;;
	--run) run_script=$(realpath "${2:?--run needs a script}"); shift ;;
	-h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
	-*) die "unknown option $1 (try --help)" ;;
	*) build=$1 ;;
	esac
	shift
done
build=${build:-build}
case $build in /*) ;; *) build=$src/$build ;; esac

cache=${SBX_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sandboxrt-vm}
recipe_id=$(printf '%s\n' "$IMAGE_RECIPE" "$SUITE" "${IMAGE_PACKAGES[@]}" | sha256sum | cut -c1-12)
image=$cache/debian12-$recipe_id.qcow2
kernel=$cache/debian12-$recipe_id.vmlinuz
initrd=$cache/debian12-$recipe_id.initrd

# ---- the image ----------------------------------------------------------------------------

# The unit that runs the host's job at boot (the job itself, scripts/vm-guest.sh, comes with
# the tree, so changing it never needs a new image).
write_guest_files() {
	local root=$1
	install -d "$root/usr/local/sbin" "$root/etc/systemd/system/multi-user.target.wants"
	cat >"$root/usr/local/sbin/sbx-vm-job" <<'EOF'
#!/bin/sh
# Extract the job the host attached (a tar at the disk with serial sbxin), run it, write its
# results (a tar) to the disk with serial sbxout, and power off.
set -u
in=/dev/disk/by-id/virtio-sbxin
out=/dev/disk/by-id/virtio-sbxout
mkdir -p /sbx-vm/out
if tar -C / -xf "$in" && [ -x /sbx-vm/job ]; then
	/sbx-vm/job /sbx-vm/out
	echo $? >/sbx-vm/out/status
else
	echo "sbx-vm-job: no job on $in" | tee /sbx-vm/out/error
	echo 1 >/sbx-vm/out/status
fi
tar -C /sbx-vm/out -cf "$out" . && sync
echo "sbx-vm-job: done, status $(cat /sbx-vm/out/status)"
poweroff -f
EOF
	chmod 0755 "$root/usr/local/sbin/sbx-vm-job"
	cat >"$root/etc/systemd/system/sbx-vm-job.service" <<'EOF'
[Unit]
Description=Run the job the host attached
After=systemd-user-sessions.service systemd-logind.service dbus.service
Requires=dev-disk-by\x2did-virtio\x2dsbxin.device dev-disk-by\x2did-virtio\x2dsbxout.device
After=dev-disk-by\x2did-virtio\x2dsbxin.device dev-disk-by\x2did-virtio\x2dsbxout.device

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/sbx-vm-job
StandardOutput=journal+console
StandardError=journal+console
TimeoutStartSec=infinity

[Install]
WantedBy=multi-user.target
EOF
	ln -sf ../sbx-vm-job.service "$root/etc/systemd/system/multi-user.target.wants/"
	# No login prompt or first-boot questions on the console, nothing waiting for a network.
	local unit
	for unit in serial-getty@ttyS0.service getty@tty1.service systemd-firstboot.service \
		apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer; do
		ln -sf /dev/null "$root/etc/systemd/system/$unit"
	done
	od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$root/etc/machine-id"
	echo sbx-vm >"$root/etc/hostname"
	printf '127.0.0.1\tlocalhost\n127.0.1.1\tsbx-vm\n::1\tlocalhost ip6-localhost\n' >"$root/etc/hosts"
	echo 'LABEL=sbxroot / ext4 defaults 0 0' >"$root/etc/fstab"
}

image_build() {
	[ "$(id -u)" -eq 0 ] || skip "building the VM image needs root (debootstrap); as root run: $0 --image"
	local mirror tmp rootfs start=$SECONDS
	mirror=$("$here/debian-mirror.sh") || die "no Debian mirror in /etc/apt (set SBX_DEBIAN_MIRROR)"
	for tool in debootstrap mke2fs qemu-img; do
		command -v "$tool" >/dev/null || die "$tool is missing: run scripts/install-deps.sh"
	done
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/build.XXXXXX")
	rootfs=$tmp/root
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	say "building the image (Debian $SUITE from $mirror, log $tmp/debootstrap.log): ~15-20 min"
	local include
	include=$(IFS=,; echo "${IMAGE_PACKAGES[*]}")
	if ! debootstrap --variant=minbase --include="$include" "$SUITE" "$rootfs" "$mirror" \
		>"$tmp/debootstrap.log" 2>&1; then
		tail -n 40 "$tmp/debootstrap.log" >&2
		die "debootstrap failed"
	fi
	write_guest_files "$rootfs"
	# Debian's initramfs (MODULES=most) finds the virtio disk and mounts /run as Debian does.
	local kver
	kver=$(basename "$(ls -d "$rootfs"/lib/modules/* | head -n 1)")
	cp "$rootfs/boot/vmlinuz-$kver" "$tmp/vmlinuz"
	cp "$rootfs/boot/initrd.img-$kver" "$tmp/initrd"
	rm -rf "$rootfs/var/cache/apt/archives"/*.deb "$rootfs/var/lib/apt/lists"/*
	local mib
	mib=$(($(du -sm "$rootfs" | cut -f1) + IMAGE_FREE_MIB))
	mke2fs -q -t ext4 -L sbxroot -d "$rootfs" "$tmp/root.raw" "${mib}M" ||
		die "mke2fs -d failed"
	qemu-img convert -O qcow2 "$tmp/root.raw" "$tmp/root.qcow2"
	mv "$tmp/vmlinuz" "$kernel"
	mv "$tmp/initrd" "$initrd"
	mv "$tmp/root.qcow2" "$image" # last: its presence means the set is complete
	rm -rf "$tmp"
	trap - EXIT
	# Images of older recipes are never used again.
	find "$cache" -maxdepth 1 -name 'debian12-*' ! -name "debian12-$recipe_id.*" -delete
	say "image ready in $((SECONDS - start)) s: $image (Debian kernel $kver)"
}

image_ready() { [ -f "$image" ] && [ -f "$kernel" ] && [ -f "$initrd" ]; }

# ---- a run ------------------------------------------------------------------------------------

qemu_accel() {
	if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then
		echo "-accel kvm -cpu host"
	else
		echo "-accel tcg,thread=multi -cpu max"
	fi
}

# The job's tar: the project's files and BUILD_DIR at their absolute paths, the job script and
# its settings.
make_job_tar() {
	local out=$1 scale=$2 stage=$3
	mkdir -p "$stage/sbx-vm"
	local guest=$src/scripts/vm-guest.sh
	if [ -n "$run_script" ]; then
		cp "$run_script" "$stage/sbx-vm/script"
		guest=/sbx-vm/script
	fi
	cat >"$stage/sbx-vm/job" <<EOF
#!/bin/sh
exec env SBX_VM_SRC='$src' SBX_VM_BUILD='$build' SBX_VM_MODE='$mode' \\
	SBX_VM_TESTS='$tests_regex' SBX_TEST_TIME_SCALE='$scale' \\
	bash '$guest' "\$@"
EOF
	chmod 0755 "$stage/sbx-vm/job"
	{
		"$here/list-files.sh" "$src" | sed -z "s|^|${src#/}/|"
		find "$build" -mindepth 1 -maxdepth 1 ! -name vm-results -printf '%P\0' |
			sed -z "s|^|${build#/}/|"
	} | tar -C / --null -T - -cf "$out"
	tar -C "$stage" -rf "$out" sbx-vm
}

run_vm() {
	local scratch log status accel scale
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/sandboxrt-vm.XXXXXX")
	# shellcheck disable=SC2064
	[ "${SBX_VM_KEEP:-0}" = 1 ] || trap "rm -rf '$scratch'" EXIT
	accel=$(qemu_accel)
	# Under TCG on a busy host the guest's clocks jump (no steal time): a process is charged the
	# time its vCPU waited, so CPU-limit overshoots reach seconds.
	case $accel in *kvm*) scale=${SBX_TEST_TIME_SCALE:-1} ;; *) scale=${SBX_TEST_TIME_SCALE:-6} ;; esac
	make_job_tar "$scratch/in.tar" "$scale" "$scratch/stage"
	truncate -s 256M "$scratch/out.tar"
	log=$scratch/console.log
	say "booting the guest (${accel%% -cpu*}, ${SBX_VM_CPUS:-2} CPUs, ${SBX_VM_MEMORY:-3072} MiB," \
		"time scale $scale); console: $log"
	local start=$SECONDS rc=0
	# The console (the guest's test output) is shown here as it comes, and kept in $log.
	set +e
	# shellcheck disable=SC2086
	timeout --kill-after=10 "${SBX_VM_TIMEOUT:-3600}" \
		qemu-system-x86_64 -nodefaults -no-user-config -machine q35 $accel \
		-smp "${SBX_VM_CPUS:-2}" -m "${SBX_VM_MEMORY:-3072}" \
		-display none -serial stdio -nic none -no-reboot \
		-kernel "$kernel" -initrd "$initrd" \
		-append "root=LABEL=sbxroot rw console=ttyS0 fsck.mode=skip systemd.unified_cgroup_hierarchy=1 panic=-1 quiet" \
		-drive "file=$image,if=virtio,format=qcow2,snapshot=on" \
		-drive "file=$scratch/in.tar,if=none,id=in,format=raw,readonly=on" \
		-device virtio-blk-pci,drive=in,serial=sbxin \
		-drive "file=$scratch/out.tar,if=none,id=out,format=raw" \
		-device virtio-blk-pci,drive=out,serial=sbxout </dev/null 2>&1 |
		tr -d '\r' | tee "$log" | sed -u 's/^/  vm| /'
	rc=${PIPESTATUS[0]}
	set -e
	say "the guest ran for $((SECONDS - start)) s"
	[ $rc -eq 124 ] && say "killed after SBX_VM_TIMEOUT=${SBX_VM_TIMEOUT:-3600} s"
	rm -rf "$build/vm-results"
	mkdir -p "$build/vm-results"
	cp "$log" "$build/vm-results/console.log"
	if ! tar -C "$build/vm-results" -xf "$scratch/out.tar" 2>/dev/null ||
		[ ! -f "$build/vm-results/status" ]; then
		tail -n 60 "$log" >&2
		die "the guest wrote no results (console above, full log: $build/vm-results/console.log)"
	fi
	[ -f "$build/vm-results/summary" ] && cat "$build/vm-results/summary"
	status=$(cat "$build/vm-results/status")
	say "results in $build/vm-results (JUnit reports, logs, console.log)"
	return "$status"
}

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is missing: run scripts/install-deps.sh"
if ! image_ready; then
	image_build
fi
[ "$mode" = image ] && exit 0
if [ "${SBX_SKIP_BUILD:-0}" != 1 ]; then
	say "building $build"
	cmake -S "$src" -B "$build" -DSBX_WERROR=ON >/dev/null && cmake --build "$build" -j"$(nproc)" >/dev/null ||
		die "the build failed"
fi
run_vm
