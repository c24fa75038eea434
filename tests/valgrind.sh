# valgrind.sh -- every lesson under valgrind's memcheck, in each way the
# tool runs one: the text timeline, the JSON trace (--json -) and a scripted
# step-mode session (--step).  Each run must report 0 errors and 0 bytes
# definitely lost.  A way the binary does not have yet is skipped with a
# visible SKIP line.
#
# Not part of `make check` (it takes minutes): .ci/run runs it on the plain
# build, and by hand:
#   CORO_LEARN=./coro-learn sh tests/valgrind.sh
# VALGRIND_LESSONS="1 9" limits it to some lessons.

. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind.sh: valgrind is not installed" >&2
	exit 77
fi

LC_ALL=C
export LC_ALL
NO_COLOR=1
export NO_COLOR

VG="valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite
	--errors-for-leak-kinds=definite --track-origins=yes --error-exitcode=99"
STEP_SCRIPT='step 5\ntasks\nquit\n'
runs=0
errors=0
lost=0

# vg NAME STDIN ARG...: one run of coro-learn under memcheck, stdin from the
# file STDIN.  The log must show no error, and the run must end as it does
# without valgrind: exit $want (0 unless set).
vg() {
	vg_name=$1
	vg_in=$2
	shift 2
	# shellcheck disable=SC2086
	$VG --log-file="$lib_tmp/vg.log" "$CORO_LEARN" "$@" <"$vg_in" >"$OUT" 2>"$ERR"
	RC=$?
	runs=$((runs + 1))
	vg_err=$(sed -n 's/.*ERROR SUMMARY: \([0-9][0-9]*\) errors.*/\1/p' "$lib_tmp/vg.log" | tail -1)
	vg_lost=$(sed -n 's/.*definitely lost: \([0-9,][0-9,]*\) bytes.*/\1/p' "$lib_tmp/vg.log" |
		tr -d , | tail -1)
	# No leak summary: every block was freed.
	vg_err=${vg_err:-unknown}
	vg_lost=${vg_lost:-0}
	[ "$vg_err" = unknown ] || errors=$((errors + vg_err))
	lost=$((lost + vg_lost))
	if [ "$RC" = "${want:-0}" ] && [ "$vg_err" = 0 ] && [ "$vg_lost" = 0 ]; then
		pass "$vg_name: 0 errors, 0 bytes definitely lost"
	else
		fail "$vg_name: exit $RC, $vg_err errors, $vg_lost bytes definitely lost" \
			"$(head -40 "$lib_tmp/vg.log")" "$(head -3 "$ERR")"
	fi
}

printf '' >"$lib_tmp/empty"
printf "$STEP_SCRIPT" >"$lib_tmp/step"

# Which ways exist: a way that is not there yet says "not available".
has() {
	"$CORO_LEARN" "$@" <"$lib_tmp/step" >/dev/null 2>"$ERR" && ! grep -q 'not available' "$ERR"
}
have_json=no
have_step=no
has lesson 1 --json - && have_json=yes
has lesson 1 --step && have_step=yes

lessons=${VALGRIND_LESSONS:-$("$CORO_LEARN" --lang en list </dev/null |
	awk '/^ *[0-9]+  / && !/not available yet/ { print $1 }')}

for n in $lessons; do
	vg "lesson $n (text)" "$lib_tmp/empty" lesson "$n"
	vg "lesson $n (text, --verbose, --lang zh)" "$lib_tmp/empty" --lang zh lesson "$n" --verbose
	if [ "$have_json" = yes ]; then
		vg "lesson $n (--json -)" "$lib_tmp/empty" lesson "$n" --json -
		cp "$OUT" "$lib_tmp/trace.json"
	else
		skip "lesson $n (--json -): --json is not available yet"
	fi
	if [ "$have_step" = yes ]; then
		vg "lesson $n (--step)" "$lib_tmp/step" lesson "$n" --step
	else
		skip "lesson $n (--step): --step is not available yet"
	fi
done
# The paths that free what a failure leaves: a refused --set, a trace
# file that does not load, a closed pipe.
want=2
vg "a refused --set" "$lib_tmp/empty" lesson 10 --set delays=1,2,x
want=1
if [ "$have_json" = yes ]; then
	vg "--json to a missing directory" "$lib_tmp/empty" lesson 3 --json "$lib_tmp/no/t.json"
fi
if [ "$have_json" = yes ] && [ "$have_step" = yes ]; then
	head -c 3000 "$lib_tmp/trace.json" >"$lib_tmp/cut.json"
	vg "replay of a truncated trace" "$lib_tmp/empty" replay "$lib_tmp/cut.json"
	want=0
	vg "replay of lesson $n's trace" "$lib_tmp/step" replay "$lib_tmp/trace.json"
fi
want=0

printf 'valgrind: %d runs, %d errors, %d bytes definitely lost\n' "$runs" "$errors" "$lost"
finish
