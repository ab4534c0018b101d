# The language table as a whole. Usage:
#   languages_meta.sh table "LANG..."  doctor lists exactly these languages (the ones tested)
#   languages_meta.sh missing          (root) a language whose toolchain is missing is reported
#                                      by doctor and its jobs fail, naming the package
. "$(dirname "$0")/lib.sh"

case ${1:-} in
table)
        listed=$("$SBX" doctor 2>/dev/null | sed -n 's/^lang \([^ ]*\) .*/\1/p' | tr '\n' ' ')
        [ "$listed" = "$2 " ] ||
                fail "doctor's languages '$listed' are not the tested ones '$2' (tests/jail.cmake)"
        ;;
missing)
        require_jail
        [ "$(id -u)" -eq 0 ] || skip "hiding a toolchain needs root (a private mount namespace)"
        command -v unshare >/dev/null || skip "unshare (util-linux) is not installed"
        # In a private mount namespace, /dev/null (not executable) hides Lua's interpreter.
        unshare -m --propagation private bash -c '
                lua=$(command -v lua5.4) && mount --bind /dev/null "$lua"
                "$SANDBOXRT" doctor | grep "^lang lua "
                echo "print(1)" >/tmp/sbx-missing-$$.lua
                "$SANDBOXRT" run --language lua --source /tmp/sbx-missing-$$.lua
                echo "status $?"
                rm -f /tmp/sbx-missing-$$.lua' >"${TMPDIR:-/tmp}/missing.$$" 2>&1
        out=$(cat "${TMPDIR:-/tmp}/missing.$$")
        rm -f "${TMPDIR:-/tmp}/missing.$$"
        case $out in
        *"lang lua "*" no "*"lua5.4 not found: install the Debian package lua5.4"*) ;;
        *) fail "doctor does not report Lua missing: $out" ;;
        esac
        case $out in
        *"language 'lua' needs lua5.4, which is not installed on this host: install the Debian package lua5.4"*"status 9") ;;
        *) fail "a Lua job does not fail with exit status 9 naming the package: $out" ;;
        esac
        ;;
*)
        fail "usage: languages_meta.sh table LANGS | missing"
        ;;
esac
exit 0
