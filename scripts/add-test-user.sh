#!/usr/bin/env bash
# Create the unprivileged user that scripts/test.sh runs the jail tests as (idempotent).
#
#   scripts/add-test-user.sh [NAME]     default NAME: sbxtest
#
# A system user with its own group and home directory and no password (it cannot log in; root
# reaches it with runuser). Prints "NAME uid=UID gid=GID". Must run as root.
set -euo pipefail

name=${1:-sbxtest}
if ! id -u "$name" >/dev/null 2>&1; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "add-test-user: user $name does not exist and only root can create it" >&2
		exit 1
	fi
	useradd --system --user-group --create-home --shell /bin/bash "$name"
	echo "add-test-user: created user $name" >&2
fi
echo "$name uid=$(id -u "$name") gid=$(id -g "$name")"
