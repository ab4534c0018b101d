# bash completion for sandboxrt (installed as share/bash-completion/completions/sandboxrt).
# Options are read from `sandboxrt COMMAND --help`, so they never fall out of step with the
# program; policy names come from `sandboxrt policy list`.

_sandboxrt_options() {
	"$1" "$2" --help 2>/dev/null | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9-]*' | tr -d ' ,' | sort -u
}

_sandboxrt_policies() {
	"$1" policy list 2>/dev/null | cut -d' ' -f1
}

_sandboxrt() {
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*)
			cmd=${COMP_WORDS[i]}
			break
			;;
		esac
	done
	if [ -z "${cmd:-}" ]; then
		mapfile -t COMPREPLY < <(compgen -W 'run doctor policy serve eval --help --version' -- "$cur")
		return
	fi
	# After `--` comes the program and its arguments: complete commands, then files.
	for ((i = i + 1; i < COMP_CWORD; i++)); do
		if [ "${COMP_WORDS[i]}" = -- ]; then
			if [ $((i + 1)) -eq "$COMP_CWORD" ]; then
				mapfile -t COMPREPLY < <(compgen -c -- "$cur")
			else
				mapfile -t COMPREPLY < <(compgen -f -- "$cur")
			fi
			return
		fi
	done
	case $prev in
	--policy)
		mapfile -t COMPREPLY < <(compgen -W "$(_sandboxrt_policies "${COMP_WORDS[0]}")" -- "$cur")
		return
		;;
	--ceiling) # a policy name or file
		mapfile -t COMPREPLY < <(compgen -W "$(_sandboxrt_policies "${COMP_WORDS[0]}")" -f -- "$cur")
		return
		;;
	--backend)
		mapfile -t COMPREPLY < <(compgen -W 'auto native docker remote' -- "$cur")
		return
		;;
	--language) # as `sandboxrt run --help` lists them
		mapfile -t COMPREPLY < <(compgen -W 'python c cpp javascript java bash perl go rust
			typescript ruby php lua r csharp scala d racket' -- "$cur")
		return
		;;
	--datasets) # as `sandboxrt eval --help` lists them
		mapfile -t COMPREPLY < <(compgen -W 'humaneval mbpp live_code_bench humaneval_plus
			mbpp_plus humaneval_x mbxp multiple multiple_humaneval multiple_mbpp' -- "$cur")
		return
		;;
	--log-level)
		mapfile -t COMPREPLY < <(compgen -W 'error warn info debug' -- "$cur")
		return
		;;
	--policy-dir | --work-dir | --use-cache)
		mapfile -t COMPREPLY < <(compgen -d -- "$cur")
		return
		;;
	--stdin | --source | --config | --samples | --tenants | --file)
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
		;;
	--delegate-cgroup)
		mapfile -t COMPREPLY < <(compgen -u -- "$cur")
		return
		;;
	esac
	case $cur in
	-*)
		mapfile -t COMPREPLY < <(compgen -W "$(_sandboxrt_options "${COMP_WORDS[0]}" "$cmd")" -- "$cur")
		;;
	*)
		if [ "$cmd" = policy ]; then
			mapfile -t COMPREPLY < <(compgen -W 'list show check' -f -- "$cur")
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		fi
		;;
	esac
}
complete -F _sandboxrt sandboxrt
