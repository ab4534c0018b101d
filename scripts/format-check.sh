#!/usr/bin/env bash
# Check that every .c/.h file is formatted as .clang-format says (docs/style.md rule 1).
#
#   scripts/format-check.sh [SRCDIR]        report files that clang-format would change
#   scripts/format-check.sh --fix [SRCDIR]  reformat them in place
#
# Files: the project's .c/.h files (see scripts/list-files.sh). $CLANG_FORMAT picks the binary
# (default clang-format; the check is pinned to the version Debian 12 ships, 14, since other
# versions format some constructs differently).
# Exit status: 0 clean, 1 files need formatting, 77 clang-format is not installed.
set -euo pipefail

fix=0
if [ "${1:-}" = "--fix" ]; then
	fix=1
	shift
fi
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${1:-$(cd "$here/.." && pwd)}
cf=${CLANG_FORMAT:-clang-format}

if ! command -v "$cf" >/dev/null 2>&1; then
	echo "format-check: $cf is not installed (scripts/install-deps.sh installs it)" >&2
	exit 77
fi
cd "$src"

files=()
while IFS= read -r -d '' f; do
	case $f in
	*.c | *.h) files+=("$f") ;;
	esac
done < <("$here/list-files.sh" "$src")
if [ ${#files[@]} -eq 0 ]; then
	echo "format-check: no C sources found under $src" >&2
	exit 1
fi

if [ $fix -eq 1 ]; then
	"$cf" -i --style=file "${files[@]}"
	echo "format-check: formatted ${#files[@]} files"
	exit 0
fi

bad=()
for f in "${files[@]}"; do
	if ! "$cf" --dry-run -Werror --style=file "$f" >/dev/null 2>&1; then
		bad+=("$f")
	fi
done
if [ ${#bad[@]} -ne 0 ]; then
	echo "format-check: ${#bad[@]} of ${#files[@]} files are not formatted ($($cf --version | head -n1)):" >&2
	for f in "${bad[@]}"; do
		echo "  $f" >&2
		# Show the first few offending spots so a CI log alone says what is wrong.
		"$cf" --dry-run -Werror --style=file "$f" 2>&1 | head -n 12 | sed 's/^/    /' >&2 || true
	done
	echo "format-check: fix with: scripts/format-check.sh --fix (or clang-format -i FILE)" >&2
	exit 1
fi
echo "format-check: ${#files[@]} files clean"
