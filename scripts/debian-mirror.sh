#!/usr/bin/env bash
# Print the first plain Debian mirror apt is configured with (one-line or deb822 sources; not the
# security or updates archives), e.g. http://deb.debian.org/debian. Exit 1 when there is none.
# Used by scripts/docker-setup.sh and scripts/vm-test.sh to debootstrap from the mirror this
# machine already uses. $SBX_DEBIAN_MIRROR overrides it.
set -euo pipefail

if [ -n "${SBX_DEBIAN_MIRROR:-}" ]; then
	echo "$SBX_DEBIAN_MIRROR"
	exit 0
fi
files=()
[ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && files+=("$f")
done
[ ${#files[@]} -gt 0 ] || exit 1
mapfile -t uris < <(awk '
	/^[[:space:]]*#/ { next }
	$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^https?:\/\//) { print $i; break } }
	$1 == "URIs:" { for (i = 2; i <= NF; i++) print $i }
' "${files[@]}" | grep -v -e security -e updates)
[ ${#uris[@]} -gt 0 ] || exit 1
# Third-party repositories (nodesource, ...) may come first: prefer a path ending in /debian.
for u in "${uris[@]}"; do
	case ${u%/} in */debian) echo "$u" && exit 0 ;; esac
done
echo "${uris[0]}"
