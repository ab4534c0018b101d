#!/usr/bin/env bash
# List the project's own files, NUL-separated, relative to the source root.
#
#   scripts/list-files.sh [SRCDIR]
#
# In a git checkout: tracked files plus untracked files that .gitignore does not exclude (so a new
# file is checked before it is committed, and build dirs never are). Outside git (a tarball, or the
# copy scripts/test.sh makes for the unprivileged pass): every file except .git and build*/out*.
# Files deleted from the working tree but still tracked are left out.
set -euo pipefail

src=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
cd "$src"

if command -v git >/dev/null 2>&1 && git rev-parse --is-inside-work-tree >/dev/null 2>&1 &&
	[ "$(git rev-parse --show-toplevel)" = "$(pwd -P)" ]; then
	git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
		[ -f "$f" ] && printf '%s\0' "$f"
	done
else
	find . \( -name .git -o -path './build*' -o -path './out*' \) -prune -o -type f -print0 |
		sed -z 's|^\./||'
fi
