# selftests/lib.sh - helpers for memqos shell selftests (bash; source it).
# shellcheck shell=bash
# Runs in the guest (see selftests/run.sh for the test conventions).
#
#   ktap_print_header [PLAN]   "KTAP version 1", and the plan "1..PLAN" if given
#   ktap_ok DESC               subtest results, numbered automatically:
#   ktap_fail DESC               "ok N - DESC" / "not ok N - DESC" /
#   ktap_skip DESC REASON        "ok N - DESC # SKIP REASON"
#   ktap_check DESC CMD...     ok if CMD succeeds, else fail (returns 0 either way)
#   ktap_print_msg MSG...      diagnostic line "# MSG"
#   ktap_exit_skip REASON      skip the whole test: "# SKIP REASON", exit 4
#   ktap_finish                exit 1 if a subtest failed, none ran, or the plan
#                              was not met; 4 if all were skipped; else 0
#   values_close A B PCT       true if |A-B| <= (A+B)*PCT/100 (integers; the
#                              kernel's tools/testing/selftests/cgroup check)
#   cg_create NAME             mkdir $CG_ROOT/NAME (NAME may be nested: a/b),
#                              enabling +memory in every parent on the way
#   cg_remove NAME             kill its processes, remove it and its children
#   cg_run NAME CMD...         run CMD (command or function) inside the
#                              cgroup, in a subshell; returns its status
#
# Cgroups made by cg_create are removed when the test exits. A test that
# exits 0 without ktap_finish fails: a script that stops early cannot pass.

CG_ROOT=${CG_ROOT:-/sys/fs/cgroup}

_KTAP_NUM=0 _KTAP_PASS=0 _KTAP_FAIL=0 _KTAP_SKIP=0 _KTAP_PLAN='' _KTAP_DONE=''
_CG_CREATED=()

ktap_print_header() {
	echo "KTAP version 1"
	if [[ -n ${1:-} ]]; then
		_KTAP_PLAN=$1
		echo "1..$1"
	fi
}

ktap_print_msg() {
	echo "# $*"
}

ktap_ok() {
	_KTAP_NUM=$((_KTAP_NUM + 1)) _KTAP_PASS=$((_KTAP_PASS + 1))
	echo "ok $_KTAP_NUM - $1"
}

ktap_fail() {
	_KTAP_NUM=$((_KTAP_NUM + 1)) _KTAP_FAIL=$((_KTAP_FAIL + 1))
	echo "not ok $_KTAP_NUM - $1"
}

ktap_skip() {
	_KTAP_NUM=$((_KTAP_NUM + 1)) _KTAP_SKIP=$((_KTAP_SKIP + 1))
	echo "ok $_KTAP_NUM - $1 # SKIP $2"
}

ktap_check() {
	local desc=$1
	shift
	if "$@"; then ktap_ok "$desc"; else ktap_fail "$desc"; fi
}

ktap_exit_skip() {
	echo "# SKIP $1"
	_KTAP_DONE=1
	exit 4
}

ktap_finish() {
	_KTAP_DONE=1
	[[ -n $_KTAP_PLAN ]] || echo "1..$_KTAP_NUM"
	if [[ -n $_KTAP_PLAN && $_KTAP_PLAN -ne $_KTAP_NUM ]]; then
		echo "# planned $_KTAP_PLAN subtests but ran $_KTAP_NUM"
		exit 1
	fi
	echo "# totals: pass:$_KTAP_PASS fail:$_KTAP_FAIL skip:$_KTAP_SKIP"
	((_KTAP_FAIL == 0)) || exit 1
	((_KTAP_NUM > 0)) || { echo "# no subtests ran"; exit 1; }
	((_KTAP_PASS > 0)) || { echo "# SKIP all subtests skipped"; exit 4; }
	exit 0
}

values_close() {
	local a=$1 b=$2 pct=$3 d=$(($1 - $2))
	((d >= 0)) || d=$((-d))
	((d * 100 <= (a + b) * pct))
}

cg_create() {
	local path=$CG_ROOT part parts
	IFS=/ read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		echo +memory >"$path/cgroup.subtree_control" || return
		path+=/$part
		# Parents may exist already; the cgroup itself must be new.
		if [[ $path != "$CG_ROOT/$1" && -d $path ]]; then continue; fi
		mkdir "$path" || return
	done
	_CG_CREATED+=("$1")
}

# Depth first: a cgroup with children cannot be removed.
_cg_rmtree() {
	local path=$1 child i
	[[ -d $path ]] || return 0
	for child in "$path"/*/; do
		[[ -d $child ]] && _cg_rmtree "${child%/}"
	done
	echo 1 >"$path/cgroup.kill"
	# Killed tasks take a moment to leave.
	for ((i = 0; i < 50; i++)); do
		rmdir "$path" 2>/dev/null && return 0
		sleep 0.1
	done
	rmdir "$path"
}

cg_remove() {
	_cg_rmtree "$CG_ROOT/$1"
}

cg_run() {
	local path=$CG_ROOT/$1
	shift
	(
		echo "$BASHPID" >"$path/cgroup.procs" || exit
		if declare -F "$1" >/dev/null; then "$@"; else exec "$@"; fi
	)
}

_ktap_on_exit() {
	local rc=$? i
	for ((i = ${#_CG_CREATED[@]} - 1; i >= 0; i--)); do
		if ! _cg_rmtree "$CG_ROOT/${_CG_CREATED[i]}"; then
			echo "# cannot remove cgroup ${_CG_CREATED[i]}"
			((rc)) || rc=1
		fi
	done
	if [[ -z $_KTAP_DONE && $rc -eq 0 ]]; then
		echo "# test exited without ktap_finish"
		rc=1
	fi
	exit "$rc"
}
trap _ktap_on_exit EXIT
