# Shared helpers for the evaluator's integration tests (sourced).
. "$(dirname "${BASH_SOURCE[0]}")/../common.sh"
SRC=${SBX_SOURCE_DIR:?}

# Programs run in the native jail: skip (with doctor's report) where it cannot run.
require_jail() {
        "$SBX" run --backend native -- /usr/bin/python3 -c 'print(1)' >/dev/null 2>&1 ||
                skip "the native jail does not run here: $("$SBX" doctor 2>&1 | tr '\n' ';')"
}

# A scratch directory removed on exit.
scratch() {
        WORK=$(mktemp -d /tmp/sbx-eval-test.XXXXXX)
        trap 'rm -rf "$WORK"' EXIT
}

# json FILE EXPR: evaluate a Python expression over the JSON document d in FILE.
json() {
        "$PY" -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# expect_json FILE EXPR VALUE
expect_json() {
        local got
        got=$(json "$1" "$2") || fail "cannot read $2 from $1"
        [ "$got" = "$3" ] || fail "$1: $2 = $got, expected $3"
}

# eval_config NAME: `sandboxrt eval -q` of $WORK/NAME.yaml; its report goes to $WORK/NAME.out,
# its stderr to $WORK/NAME.err.
eval_config() {
        "$SBX" eval --config "$WORK/$1.yaml" -q >"$WORK/$1.out" 2>"$WORK/$1.err" ||
                fail "eval of $1.yaml exited $?: $(tail -5 "$WORK/$1.err")"
}

# expect_row NAME ROW WHAT: the report $WORK/NAME.out has the line ROW in it, else fail on WHAT.
expect_row() {
        grep -qF "$2" "$WORK/$1.out" || fail "$3: $(cat "$WORK/$1.out")"
}
