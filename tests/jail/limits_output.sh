# An output flood stops at the cap with the head of the output kept.
. "$(dirname "$0")/lib.sh"
require_jail

sbx --limit output=64k -- /usr/bin/yes
expect_verdict OUTPUT_LIMIT
expect stdout_truncated true
[ "$STATUS" -eq 6 ] || fail "exit status $STATUS, expected 6"
len=$("$PY" -c 'import json,sys; d=json.loads(sys.argv[1]); print(len(d["stdout"]), d["stdout"][:4]=="y\ny\n")' "$RESULT")
[ "$len" = "65536 True" ] || fail "kept stdout: $len (want 65536 bytes starting with y)"
expect_within "$(scaled 5000)"

# stderr has its own cap.
sbx --limit output=1k -- /bin/sh -c 'head -c 5000 /dev/zero | tr "\0" e >&2'
expect_verdict OUTPUT_LIMIT
expect stderr_truncated true
