#!/usr/bin/env bash
# Install everything sandboxrt needs to build, test and run its languages on Debian 12.
#
#   scripts/install-deps.sh           install what is missing (apt-get; as root, or through sudo)
#   scripts/install-deps.sh --check   list what is missing; exit 1 if anything is
#   scripts/install-deps.sh --list    print the package list
#
# Debian packages with apt-get, and the few npm packages the tests need that Debian lacks (into
# /usr/local/lib/sandboxrt-test). Idempotent and quick when nothing is missing: dpkg-query and
# node decide, and apt and npm are not touched at all. It also compiles Debian's Go testify once
# into /usr/local/lib/sandboxrt/gopath (see below).
# Non-interactive (no prompts, no standard input needed). The Docker engine for the Docker
# backend's tests is installed separately by scripts/docker-setup.sh.
set -euo pipefail

packages=(
	# build
	build-essential gcc cmake pkg-config git
	# libraries sandboxrt links
	libseccomp-dev libcap-dev libcurl4-openssl-dev libmicrohttpd-dev libcjson-dev libyaml-dev
	libarchive-dev libssl-dev zlib1g-dev
	# man pages (converted at build time)
	scdoc
	# tests and style checks (tests/install: man-db, strace)
	libcmocka-dev clang-format passwd util-linux man-db strace
	# a fleet of serve nodes behind HAProxy (deploy/haproxy, tests/fleet), and the Kubernetes
	# manifests' check (deploy/kubernetes: YAML read by Python, the schema from npm below)
	haproxy curl python3-yaml
	# benchmark baseline (bench/overhead.sh)
	bubblewrap
	# toolchains of the sandbox's languages (runtime/languages.c): python, c, cpp, javascript,
	# java, bash, perl
	python3 g++ nodejs default-jdk-headless perl bash
	# go (and testify, which HumanEval-X's Go tests import), rust, typescript, ruby, php, lua,
	# r, csharp, scala, d, racket: about 1.4 GiB more
	golang-go golang-github-stretchr-testify-dev rustc node-typescript ruby php-cli php-mbstring
	lua5.4 r-base-core mono-mcs scala gdc racket
	# the cgroup v2 test VM (scripts/vm-test.sh): its image and the machine
	debootstrap e2fsprogs qemu-utils qemu-system-x86
	# what the benchmarks' own tests import: numpy (HumanEval-X, EvalPlus), lodash (MBXP),
	# javatuples (MultiPL-E Java), Boost (two HumanEval-X C++ tasks), Test::Deep and
	# Data::Compare (MultiPL-E and MBXP Perl), luaunit (MultiPL-E Lua)
	python3-numpy node-lodash libjavatuples-java libboost-dev libtest-deep-perl
	libdata-compare-perl lua-unit
)

# npm packages the tests need and Debian does not have, installed under npm_prefix: the
# Kubernetes OpenAPI schema, as kubernetes-models' validators and type declarations.
npm_prefix=/usr/local/lib/sandboxrt-test
npm_packages=(kubernetes-models@4.5.1)

say() { echo "install-deps: $*" >&2; }

# Debian ships Go libraries as source only: HumanEval-X's Go tests import testify, and building
# it with every test program costs 3.5 s of CPU. Compiled once into this GOPATH, which the
# sandbox's go searches first (runtime/languages.c), a test program builds in 0.6 s.
go_gopath=/usr/local/lib/sandboxrt/gopath
go_libraries=(github.com/stretchr/testify/assert github.com/stretchr/testify/require)
go_script='GOCACHE=$(mktemp -d) && trap "rm -rf \"\$GOCACHE\"" EXIT && export GOCACHE GO111MODULE=off GOFLAGS= GOPATH='$go_gopath' &&'

# The archives are there and current (go list: none of the libraries' packages is stale).
go_libraries_current() {
	[ -L "$go_gopath/src" ] || return 1
	local stale
	stale=$(sh -c "$go_script"' go list -deps -f "{{if and (not .Standard) .Stale}}x{{end}}" "$@"' \
		sh "${go_libraries[@]}" 2>/dev/null) && [ -z "$stale" ]
}

prebuild_go_libraries() {
	command -v go >/dev/null && [ -d /usr/share/gocode/src/github.com/stretchr/testify ] || return 0
	go_libraries_current && return 0
	say "compiling Debian's Go testify into $go_gopath"
	"${sudo[@]}" sh -c "$go_script"' mkdir -p "$GOPATH" && ln -sfn /usr/share/gocode/src "$GOPATH/src" &&
		go install $(go list -deps -f "{{if not .Standard}}{{.ImportPath}}{{end}}" "$@")' \
		sh "${go_libraries[@]}" </dev/null
}

# Root, or sudo for what needs it.
use_sudo() {
	sudo=()
	[ "$(id -u)" -ne 0 ] || return 0
	if ! command -v sudo >/dev/null 2>&1; then
		say "not root and sudo is not installed; run this script as root"
		exit 1
	fi
	# Without a terminal sudo cannot ask for a password: fail instead of hanging.
	if [ -t 0 ]; then sudo=(sudo); else sudo=(sudo -n); fi
}

missing_packages() {
	local p status
	local -A installed=()
	# One dpkg-query for all (36 calls take seconds on a busy machine). "ii " = installed;
	# anything else (absent, half-installed, config-files) needs apt.
	while read -r status p; do
		[ "${status:0:2}" = "ii" ] && installed[$p]=1
	done < <(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${packages[@]}" 2>/dev/null || true)
	for p in "${packages[@]}"; do
		[ -n "${installed[$p]:-}" ] || echo "$p"
	done
	# Debian's npm, unless an npm came with the installed nodejs.
	command -v npm >/dev/null 2>&1 || echo npm
}

missing_npm() {
	local p
	for p in "${npm_packages[@]}"; do
		[ "$(node -p "require('$npm_prefix/node_modules/${p%@*}/package.json').version" \
			2>/dev/null)" = "${p##*@}" ] || echo "$p"
	done
}

case "${1:-}" in
--list)
	printf '%s\n' "${packages[@]}" "${npm_packages[@]/#/npm:}"
	exit 0
	;;
--check | "") ;;
-h | --help)
	sed -n '2,13s/^# \{0,1\}//p' "$0"
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
mapfile -t missing_js < <(missing_npm)
if [ ${#missing[@]} -eq 0 ] && [ ${#missing_js[@]} -eq 0 ]; then
	say "all ${#packages[@]} packages and ${#npm_packages[@]} npm packages are installed"
	[ "${1:-}" = "--check" ] && exit 0
	if ! go_libraries_current; then
		use_sudo
		prebuild_go_libraries
	fi
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	say "missing: ${missing[*]} ${missing_js[*]/#/npm:}"
	exit 1
fi

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
	say "missing: ${missing[*]} ${missing_js[*]/#/npm:}"
	say "not root and sudo is not installed; as root run: apt-get install ${missing[*]}"
	exit 1
fi
use_sudo

if [ ${#missing[@]} -ne 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	# Wait for another apt/dpkg to finish instead of failing on its lock.
	apt=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout=600)
	say "installing: ${missing[*]}"
	"${apt[@]}" update </dev/null
	# Slim Debian images drop /usr/share/man; the JDK's postinst registers man pages there and
	# fails without the directory.
	"${sudo[@]}" mkdir -p /usr/share/man/man1
	"${apt[@]}" install --no-install-recommends "${missing[@]}" </dev/null
	mapfile -t missing < <(missing_packages)
	if [ ${#missing[@]} -ne 0 ]; then
		say "still missing after apt-get install: ${missing[*]}"
		exit 1
	fi
fi

mapfile -t missing_js < <(missing_npm)
if [ ${#missing_js[@]} -ne 0 ]; then
	say "installing from npm into $npm_prefix: ${missing_js[*]}"
	"${sudo[@]}" mkdir -p "$npm_prefix"
	"${sudo[@]}" npm install --prefix "$npm_prefix" --no-audit --no-fund --no-save \
		"${missing_js[@]}" </dev/null
	mapfile -t missing_js < <(missing_npm)
	if [ ${#missing_js[@]} -ne 0 ]; then
		say "still missing after npm install: ${missing_js[*]}"
		exit 1
	fi
fi
say "all ${#packages[@]} packages and ${#npm_packages[@]} npm packages are installed"
prebuild_go_libraries
