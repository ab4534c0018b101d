# `cmake --install` into a temporary prefix gives a working sandboxrt that needs nothing of the
# source or build tree: examples/embed.c builds with `pkg-config --cflags --libs sandboxrt` and
# runs real jobs (through the shared and the static library), `man -M PREFIX/share/man` shows
# the pages, and the installed binaries, traced with strace, open and execute nothing under the
# source or build dir (their launcher, waiter and data are the prefix's). As root, the run is
# repeated with both trees hidden under an empty tmpfs.
. "$(dirname "$0")/lib.sh"
require_jail
for tool in pkg-config cc nm strace man; do
        command -v "$tool" >/dev/null || skip "$tool is not installed (scripts/install-deps.sh installs it)"
done
install_prefix

for f in bin/sandboxrt bin/sandboxrt-full libexec/sandboxrt/sandboxrt-waiter \
        libexec/sandboxrt/sandboxrt-zygote.so lib/libsandboxrt.so \
        lib/libsandboxrt.a include/sandboxrt.h lib/pkgconfig/sandboxrt.pc \
        share/sandboxrt/policies/default.yaml share/sandboxrt/data/humaneval \
        share/bash-completion/completions/sandboxrt share/man/man1/sandboxrt.1; do
        [ -e "$prefix/$f" ] || fail "not installed: $f"
done
for cmd in run doctor policy serve eval; do
        [ -e "$prefix/share/man/man1/sandboxrt-$cmd.1" ] ||
                fail "no man page for sandboxrt $cmd (was scdoc installed when the build was configured?)"
done

# The library exports exactly the functions sandboxrt.h declares.
exported=$(nm -D --defined-only "$prefix/lib/libsandboxrt.so" | awk '$2 == "T" {print $3}' |
        sed 's/@.*//' | sort)
declared=$(grep -oE '^[a-z].*[ *]sbx_[a-z0-9_]+\(' "$prefix/include/sandboxrt.h" |
        grep -oE 'sbx_[a-z0-9_]+\(' | tr -d '(' | sort)
[ -n "$declared" ] || fail "no function found in sandboxrt.h"
[ "$exported" = "$declared" ] ||
        fail "libsandboxrt.so exports other symbols than sandboxrt.h declares: $(diff <(echo "$declared") <(echo "$exported") | grep '^[<>]' | tr '\n' ' ')"

# The man pages, from the prefix.
page=$(MANPAGER=cat man -M "$prefix/share/man" sandboxrt 2>&1) || fail "man sandboxrt: $page"
grep -q 'sandboxrt - run untrusted code in a hardened sandbox' <<<"$page" ||
        fail "man sandboxrt does not show the page: ${page:0:300}"
# Each command's page documents every option its --help lists (the pages are written by hand).
for cmd in run doctor policy serve eval; do
        page=$(MANWIDTH=1000 MANPAGER=cat man -M "$prefix/share/man" "sandboxrt-$cmd" 2>&1) ||
                fail "man sandboxrt-$cmd: $page"
        for opt in $("$prefix/bin/sandboxrt" "$cmd" --help | grep -oE '^ +(-[a-z], )?--[a-z][a-z0-9-]*' |
                grep -oE -- '--[a-z][a-z0-9-]*'); do
                grep -qE -- "$opt([ ,]|$)" <<<"$page" ||
                        fail "sandboxrt $cmd --help lists $opt, docs/man/sandboxrt-$cmd.1.scd does not"
        done
done

# expect_embed NAME: embed's two jobs ended as they should.
expect_embed() {
        [ "$STATUS" -eq 0 ] || fail "$1 exited $STATUS: $(cat "$tmp/$1.err" "$tmp/$1.out")"
        grep -q '"verdict":"OK".*"stdout":"42\\n"' "$tmp/$1.out" || fail "$1: no OK job: $(cat "$tmp/$1.out")"
        grep -q '"verdict":"TIME_LIMIT"' "$tmp/$1.out" || fail "$1: no TIME_LIMIT job: $(cat "$tmp/$1.out")"
        grep -q "execve(\"$prefix/bin/sandboxrt\", \[\"sandboxrt\", \"__launcher\"" "$tmp/$1.trace" ||
                fail "$1 did not spawn the installed launcher"
}

# A host program against the shared library, found with pkg-config.
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
cflags=()
[ "${SBX_SANITIZE:-0}" = 1 ] && cflags=(-fsanitize=address,undefined) # the runtime comes first
flags=$(pkg-config --cflags --libs sandboxrt) || fail "pkg-config --cflags --libs sandboxrt failed"
libdir=$(pkg-config --variable=libdir sandboxrt)
# shellcheck disable=SC2086 # pkg-config's flags are words
cc "${cflags[@]}" -Wall -Wextra -Werror "$SBX_SOURCE_DIR/examples/embed.c" $flags \
        -Wl,-rpath,"$libdir" -o "$tmp/embed" 2>"$tmp/cc.err" ||
        fail "examples/embed.c does not build against the installed library: $(cat "$tmp/cc.err")"
ldd "$tmp/embed" | grep -q "$libdir.*libsandboxrt.so.0\|$prefix/lib/libsandboxrt.so.0" ||
        fail "embed does not load the installed libsandboxrt: $(ldd "$tmp/embed")"
"$tmp/embed" >/dev/null 2>"$tmp/embed-untraced.err" ||
        fail "embed failed untraced: $(cat "$tmp/embed-untraced.err")"
traced embed "$tmp/embed"
expect_embed embed

# And against the static library (its dependencies shared: the .pc file's Requires.private),
# installed in PREFIX/bin, where it finds the launcher too.
static_libs="$(pkg-config --libs $(pkg-config --print-requires-private sandboxrt)) -lpthread -lm"
# shellcheck disable=SC2086
cc "${cflags[@]}" -Wall -Wextra -Werror "$SBX_SOURCE_DIR/examples/embed.c" \
        $(pkg-config --cflags sandboxrt) "$prefix/lib/libsandboxrt.a" $static_libs \
        -o "$prefix/bin/embed-static" 2>"$tmp/cc.err" ||
        fail "examples/embed.c does not link with libsandboxrt.a: $(cat "$tmp/cc.err")"
traced embed-static "$prefix/bin/embed-static"
expect_embed embed-static

# The installed command line: the light binary, then sandboxrt-full (whose launcher is the
# installed sandboxrt) evaluating one problem from the installed data.
traced run "$prefix/bin/sandboxrt" run --json -- /usr/bin/python3 -c 'print("installed")'
[ "$STATUS" -eq 0 ] && grep -q '"stdout":"installed\\n"' "$tmp/run.out" ||
        fail "the installed sandboxrt run failed ($STATUS): $(cat "$tmp/run.out" "$tmp/run.err")"
# Warm Python loads the installed zygote library.
echo 'print("warm" if "sandboxrt-zygote" in open("/proc/self/maps").read() else "cold")' >"$tmp/warm.py"
chmod 644 "$tmp/warm.py"
traced warm "$prefix/bin/sandboxrt" run --warm --file "$tmp/warm.py:main.py" -- /usr/bin/python3 main.py
[ "$STATUS" -eq 0 ] && [ "$(cat "$tmp/warm.out")" = warm ] ||
        fail "the installed sandboxrt run --warm did not run warm ($STATUS): $(cat "$tmp/warm.out" "$tmp/warm.err")"
grep -q "\"$prefix/libexec/sandboxrt/sandboxrt-zygote.so\"" "$tmp/warm.trace" ||
        fail "the zygote did not load the installed library"
traced eval "$prefix/bin/sandboxrt" eval --datasets humaneval --model reference --limit 1 \
        --work-dir "$tmp/outputs" --no-timestamp -q
[ "$STATUS" -eq 0 ] || fail "the installed sandboxrt eval failed ($STATUS): $(cat "$tmp/eval.err")"
grep -q "\"$prefix/share/sandboxrt/data/humaneval" "$tmp/eval.trace" ||
        fail "sandboxrt eval did not read the installed data"
grep -q "execve(\"$prefix/bin/sandboxrt\", \[\"sandboxrt\", \"__launcher\"" "$tmp/eval.trace" ||
        fail "sandboxrt-full did not spawn the installed launcher"

# As root: again with the source and build trees out of the way (an empty tmpfs over each, in a
# mount namespace of this test's own).
if [ "$(id -u)" = 0 ]; then
        out=$(unshare -m --propagation private sh -c '
                for d in "$@"; do mount -t tmpfs -o size=1m,mode=755 sbx-hidden "$d" || exit 3; done
                "$0" run -- /usr/bin/python3 -c "print(6 * 7)"' \
                "$prefix/bin/sandboxrt" "$build" "$src" 2>&1) ||
                fail "sandboxrt run from the prefix fails with the trees hidden: $out"
        [ "$out" = 42 ] || fail "with the trees hidden, sandboxrt run printed: $out"
fi
echo "installed tree works on its own: $prefix"
