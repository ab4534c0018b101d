#!/usr/bin/env bash
# Refuse banned C functions (docs/style.md rule 14) in the project's C sources.
#
#   scripts/checksrc.sh [SRCDIR]
#
# Checks every .c/.h file (see scripts/list-files.sh) outside tests/ and fuzz/ for calls to
# functions that overflow buffers or hide parse errors. Comments and string literals are ignored.
# strtol and its siblings are allowed only in base/util.c, which wraps them in checked parsers
# (sbx_parse_u64 and friends); everyone else calls those.
# Prints file:line: message for each hit; exit status 0 clean, 1 hits found.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${1:-$(cd "$here/.." && pwd)}
cd "$src"

files=()
while IFS= read -r -d '' f; do
	case $f in
	tests/* | fuzz/*) ;;
	*.c | *.h) files+=("$f") ;;
	esac
done < <("$here/list-files.sh" "$src")

if [ ${#files[@]} -eq 0 ]; then
	echo "checksrc: no C sources found under $src" >&2
	exit 1
fi

# The awk program blanks out comments and string/char literals (keeping line numbers), then looks
# for calls. Block comments may span lines; literals may not.
status=0
awk '
function strip(line,    out, i, c, n, q) {
	out = ""; n = length(line); i = 1
	while (i <= n) {
		c = substr(line, i, 1)
		if (in_comment) {
			if (substr(line, i, 2) == "*/") { in_comment = 0; i += 2 } else i++
			continue
		}
		if (substr(line, i, 2) == "/*") { in_comment = 1; out = out " "; i += 2; continue }
		if (substr(line, i, 2) == "//") break
		if (c == "\"" || c == "\047") {
			q = c; i++
			while (i <= n && substr(line, i, 1) != q) i += (substr(line, i, 1) == "\\") ? 2 : 1
			out = out q q; i++
			continue
		}
		out = out c; i++
	}
	return out
}
FNR == 1 { in_comment = 0 }
{
	code = strip($0)
	rest = code
	while (match(rest, /(^|[^A-Za-z0-9_])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|atoll|atof|gets|system|strtol|strtoul|strtoll|strtoull|strtoimax|strtoumax)[ \t]*\(/)) {
		call = substr(rest, RSTART, RLENGTH)
		sub(/^[^A-Za-z_]/, "", call); sub(/[ \t]*\($/, "", call)
		rest = substr(rest, RSTART + RLENGTH)
		if (call ~ /^strto/ && FILENAME == "base/util.c") continue
		printf "%s:%d: banned %s(): %s\n", FILENAME, FNR, call, advice[call]
		hits++
	}
}
END { exit hits ? 1 : 0 }
BEGIN {
	advice["sprintf"] = "use snprintf or sbx_strdup_printf"
	advice["vsprintf"] = "use vsnprintf"
	advice["strcpy"] = "use snprintf, memcpy with a checked length, or strdup"
	advice["strcat"] = "use snprintf or sbx_strdup_printf"
	advice["strtok"] = "use strsep or strtok_r"
	advice["gets"] = "use fgets or getline"
	advice["system"] = "use posix_spawn with an argv"
	advice["atoi"] = advice["atol"] = advice["atoll"] = advice["atof"] = "use the checked parsers in base/util.h"
	advice["strtol"] = advice["strtoul"] = advice["strtoll"] = advice["strtoull"] = "use the checked parsers in base/util.h (only base/util.c calls strto*)"
	advice["strtoimax"] = advice["strtoumax"] = advice["strtol"]
}
' "${files[@]}" || status=$?

if [ "$status" -eq 0 ]; then
	echo "checksrc: ${#files[@]} files clean"
fi
exit "$status"
