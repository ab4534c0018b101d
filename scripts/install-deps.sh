#!/usr/bin/env bash
# Install everything sandboxrt needs to build, test and run its languages on Debian 12.
#
#   scripts/install-deps.sh           install what is missing (apt-get; as root, or through sudo)
#   scripts/install-deps.sh --check   list what is missing; exit 1 if anything is
#   scripts/install-deps.sh --list    print the package list
#
# Idempotent and quick when nothing is missing: dpkg-query decides, and apt is not touched at all.
# Non-interactive (no prompts, no standard input needed). The Docker engine for the Docker
# backend's tests is installed separately by scripts/docker-setup.sh.
set -euo pipefail

packages=(
	# build
	build-essential gcc cmake pkg-config git
	# libraries sandboxrt links
	libseccomp-dev libcap-dev libcurl4-openssl-dev libmicrohttpd-dev libcjson-dev libyaml-dev
	libarchive-dev zlib1g-dev
	# tests and style checks
	libcmocka-dev clang-format passwd util-linux
	# benchmark baseline (bench/overhead.sh)
	bubblewrap
	# toolchains of the sandbox's languages: python, c, cpp, javascript, java, bash, perl
	python3 g++ nodejs default-jdk-headless perl bash
	# what the benchmarks' own tests import: numpy (HumanEval-X, EvalPlus), lodash (MBXP),
	# javatuples (MultiPL-E Java), Boost (two HumanEval-X C++ tasks), Test::Deep and
	# Data::Compare (MultiPL-E and MBXP Perl), luaunit (MultiPL-E Lua)
	python3-numpy node-lodash libjavatuples-java libboost-dev libtest-deep-perl
	libdata-compare-perl lua-unit
)

say() { echo "install-deps: $*" >&2; }

missing_packages() {
	local p status
	for p in "${packages[@]}"; do
		status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
		# "ii " = installed; anything else (absent, half-installed, config-files) needs apt.
		[ "${status:0:2}" = "ii" ] || echo "$p"
	done
}

case "${1:-}" in
--list)
	printf '%s\n' "${packages[@]}"
	exit 0
	;;
--check | "") ;;
-h | --help)
	sed -n '2,11s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	say "unknown option '$1' (try --help)"
	exit 2
	;;
esac

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	say "this script needs Debian's dpkg and apt-get (Debian 12 is supported); install by hand:"
	say "  ${packages[*]}"
	exit 1
fi

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -eq 0 ]; then
	say "all ${#packages[@]} packages are installed"
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	say "missing: ${missing[*]}"
	exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if ! command -v sudo >/dev/null 2>&1; then
		say "missing: ${missing[*]}"
		say "not root and sudo is not installed; as root run: apt-get install ${missing[*]}"
		exit 1
	fi
	# Without a terminal sudo cannot ask for a password: fail instead of hanging.
	if [ -t 0 ]; then sudo=(sudo); else sudo=(sudo -n); fi
fi

export DEBIAN_FRONTEND=noninteractive
# Wait for another apt/dpkg to finish instead of failing on its lock.
apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)

say "installing: ${missing[*]}"
"${apt[@]}" update </dev/null
# Slim Debian images drop /usr/share/man; the JDK's postinst registers man pages there and fails
# without the directory.
"${sudo[@]}" mkdir -p /usr/share/man/man1
"${apt[@]}" install --no-install-recommends "${missing[@]}" </dev/null

mapfile -t missing < <(missing_packages)
if [ ${#missing[@]} -ne 0 ]; then
	say "still missing after apt-get install: ${missing[*]}"
	exit 1
fi
say "all ${#packages[@]} packages are installed"
