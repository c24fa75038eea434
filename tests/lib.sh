# lib.sh -- helpers for the script tests (POSIX sh): run the real binary,
# check one thing at a time, print a line per check and a closing count.
#
# A test sources this file, calls check_* functions, and ends with `finish`,
# which prints "N passed, N failed" and sets the exit status.

: "${CORO_LEARN:?CORO_LEARN must name the coro-learn binary to test}"

# Before `make install` the catalogs are only in the build tree; an older
# installed copy must not answer for this build.
if [ -z "${CORO_LEARN_LOCALEDIR:-}" ] && [ -d "$(dirname "$CORO_LEARN")/locale" ]; then
	CORO_LEARN_LOCALEDIR=$(cd "$(dirname "$CORO_LEARN")/locale" && pwd)
	export CORO_LEARN_LOCALEDIR
fi

lib_pass=0
lib_fail=0
lib_tmp=$(mktemp -d "${TMPDIR:-/tmp}/coro-learn-test.XXXXXX")
trap 'rm -rf "$lib_tmp"' EXIT
OUT=$lib_tmp/out
ERR=$lib_tmp/err

# UTF-8 byte patterns, matched with LC_ALL=C so no locale is needed:
# CJK ideographs (U+4E00-U+9FFF) start with bytes E4-E9; anything from
# U+3000 (CJK punctuation) on starts with E3-E9.
CJK_CHAR=$(printf '[\344-\351][\200-\277][\200-\277]')
CJK_ANY=$(printf '[\343-\351][\200-\277][\200-\277]')
ESC=$(printf '\033')

pass() {
	lib_pass=$((lib_pass + 1))
	printf 'PASS: %s\n' "$1"
}

fail() {
	lib_fail=$((lib_fail + 1))
	printf 'FAIL: %s\n' "$1"
	shift
	for line in "$@"; do
		printf '      %s\n' "$line"
	done
}

skip() {
	printf 'SKIP: %s\n' "$1"
}

# run ARG...: runs coro-learn with stdin closed; sets RC, and OUT / ERR name
# the files with its stdout and stderr.
run() {
	"$CORO_LEARN" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

# run_env VAR=VALUE... -- ARG...: the same, in a changed environment.
run_env() {
	lib_envs=
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do
		lib_envs="$lib_envs $1"
		shift
	done
	shift
	# shellcheck disable=SC2086
	env $lib_envs "$CORO_LEARN" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}

lines() {
	wc -l <"$1" | tr -d ' '
}

has_cjk() {
	LC_ALL=C grep -q "$CJK_CHAR" "$1"
}

has_any_cjk() {
	LC_ALL=C grep -q "$CJK_ANY" "$1"
}

# What the last run left, for a failure report.
show_last() {
	printf 'exit status %s; stderr: %s; stdout (first line): %s' "$RC" \
		"$(head -2 "$ERR" | tr '\n' '|')" "$(head -1 "$OUT")"
}

# check_status NAME WANT: the last run exited with WANT.
check_status() {
	if [ "$RC" = "$2" ]; then
		pass "$1"
	else
		fail "$1" "expected exit status $2" "$(show_last)"
	fi
}

# check_usage_error NAME: exit 2, nothing on stdout, exactly one line on
# stderr and it starts with "coro-learn: ".
check_usage_error() {
	check_error_line "$1" 2
}

# check_error_line NAME STATUS [PATTERN]: exit STATUS, nothing on stdout,
# one line on stderr starting "coro-learn: " (and matching PATTERN).
check_error_line() {
	if [ "$RC" != "$2" ]; then
		fail "$1" "expected exit status $2" "$(show_last)"
	elif [ -s "$OUT" ]; then
		fail "$1" "expected nothing on stdout" "$(show_last)"
	elif [ "$(lines "$ERR")" != 1 ]; then
		fail "$1" "expected exactly one line on stderr, got $(lines "$ERR")" "$(show_last)"
	elif ! grep -q '^coro-learn: ' "$ERR"; then
		fail "$1" "expected the line to start with 'coro-learn: '" "$(show_last)"
	elif [ -n "${3:-}" ] && ! grep -q -e "$3" "$ERR"; then
		fail "$1" "expected stderr to match: $3" "$(show_last)"
	else
		pass "$1"
	fi
}

# check_ok NAME [PATTERN]: exit 0, empty stderr, stdout not empty (and
# matching PATTERN).
check_ok() {
	if [ "$RC" != 0 ]; then
		fail "$1" "expected exit status 0" "$(show_last)"
	elif [ -s "$ERR" ]; then
		fail "$1" "expected nothing on stderr" "$(show_last)"
	elif [ ! -s "$OUT" ]; then
		fail "$1" "expected output on stdout" "$(show_last)"
	elif [ -n "${2:-}" ] && ! grep -q -e "$2" "$OUT"; then
		fail "$1" "expected stdout to match: $2" "$(show_last)"
	else
		pass "$1"
	fi
}

# check NAME COMMAND...: passes when COMMAND succeeds.  A failure shows
# what the last run of coro-learn left, if there was one.
check() {
	lib_name=$1
	shift
	if "$@"; then
		pass "$lib_name"
	elif [ -n "${RC+set}" ]; then
		fail "$lib_name" "$(show_last)"
	else
		fail "$lib_name"
	fi
}

finish() {
	printf '%d passed, %d failed\n' "$lib_pass" "$lib_fail"
	[ "$lib_fail" -eq 0 ]
	exit $?
}
