# When no engine answers, the Docker backend says why and what to do: a stopped daemon (no
# socket, or nobody listening) is not a socket this user may not open. No engine needed.
. "$(dirname "$0")/../common.sh"

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 755 "$dir"
# docker_error SOCKET [PREFIX...]: the error `run --backend docker` prints with DOCKER_HOST=SOCKET.
docker_error() {
	local sock=$1
	shift
	"$@" env DOCKER_HOST="unix://$sock" "$SBX" run --backend docker -- /bin/true 2>&1 >/dev/null
}

err=$(docker_error "$dir/none.sock")
case $err in *"no Docker daemon listens on $dir/none.sock: start dockerd"*) ;;
*) fail "no socket: $err" ;; esac
# The cause found, the transport's own words would only repeat it.
case $err in *"Couldn't connect"*) fail "libcurl's words after the cause: $err" ;; esac

"$PY" -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$dir/closed.sock"
err=$(docker_error "$dir/closed.sock")
case $err in *"no Docker daemon listens on $dir/closed.sock"*) ;;
*) fail "a socket nobody listens on: $err" ;; esac

# A socket this user may not open: mode 000 (root ignores modes: it tries as nobody).
chmod 000 "$dir/closed.sock"
as=()
if [ "$(id -u)" = 0 ]; then
	# nobody keeps its state in a directory of its own, not the test run's (root's).
	install -d -o 65534 -g 65534 "$dir/nobody-state"
	as=(setpriv --reuid=65534 --regid=65534 --clear-groups env SANDBOXRT_STATE_DIR="$dir/nobody-state")
fi
err=$(docker_error "$dir/closed.sock" "${as[@]}")
case $err in *"may not use $dir/closed.sock: add it to the socket's group"*) ;;
*) fail "a socket without permission: $err" ;; esac
case $err in *"start dockerd"*) fail "a permission problem blamed on the daemon: $err" ;; esac
echo "docker messages: ok"
