# What the install tests share (sourced): the jail tests' helpers, and a fresh install.
. "$(dirname "${BASH_SOURCE[0]}")/../jail/lib.sh"
: "${SBX_SOURCE_DIR:?}" "${SBX_BUILD_DIR:?}"

# install_prefix: `cmake --install` the build into a new temporary prefix ($prefix, under $tmp,
# removed on exit); $src and $build are the trees it must not need.
install_prefix() {
        tmp=$(mktemp -d /tmp/sandboxrt-install.XXXXXX)
        trap 'rm -rf "$tmp"' EXIT
        chmod 755 "$tmp"
        prefix=$tmp/prefix
        src=$(realpath "$SBX_SOURCE_DIR")
        build=$(realpath "$SBX_BUILD_DIR")
        cmake --install "$SBX_BUILD_DIR" --prefix "$prefix" >"$tmp/install.log" 2>&1 ||
                fail "cmake --install failed: $(tail -5 "$tmp/install.log")"
}

# traced NAME CMD...: run CMD under strace (files and execs of every process), output in
# $tmp/NAME.out, status in STATUS; fail if anything under the source or build dir was touched.
traced() {
        local name=$1
        shift
        STATUS=0
        # LeakSanitizer (a sanitizer build) cannot run under ptrace: the untraced runs check leaks.
        ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
                strace -f -qq -o "$tmp/$name.trace" -e trace=%file,%process "$@" \
                >"$tmp/$name.out" 2>"$tmp/$name.err" || STATUS=$?
        if grep -F -e "$src/" -e "$build/" -e "\"$src\"" -e "\"$build\"" "$tmp/$name.trace" \
                >"$tmp/$name.leaks"; then
                fail "$name touched the source or build tree: $(head -5 "$tmp/$name.leaks")"
        fi
}

