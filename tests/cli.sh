# cli.sh -- the command line as a user meets it: exit statuses, the one-line
# error messages, list and help, both languages (also under LC_ALL=C), the
# Python text, knobs given with --set, and output errors (closed pipe, full
# disk).  Drives the real binary named by $CORO_LEARN.

. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

# --- help and version ---
for args in "--help" "-h" "help"; do
	run $args
	check_ok "coro-learn $args prints the help" '^Usage: coro-learn'
done
run --help
check "--help names every command" grep -q 'lesson N' "$OUT"
run --version
check_ok "--version prints the name and version" '^coro-learn [0-9][0-9]*\.[0-9]'
check "--version prints one line" test "$(lines "$OUT")" = 1

# --- list ---
run --lang en list
check_ok "list runs" '^ *1  '
nlessons=0
for n in 1 2 3 4 5 6 7 8 9 10; do
	grep -q "^ *$n  " "$OUT" && nlessons=$((nlessons + 1))
done
check "list shows the ten lessons" test "$nlessons" = 10
check "list shows the notes' chapter headings" has_cjk "$OUT"
AVAILABLE=$(awk '/^ *[0-9]+  / && !/not available yet/ { print $1 }' "$OUT")
UNAVAILABLE=$(awk '/^ *[0-9]+  / && /not available yet/ { print $1 }' "$OUT")
check "list shows at least one available lesson" test -n "$AVAILABLE"
run_env LC_ALL=C -- --lang zh list
check_ok "list --lang zh runs under LC_ALL=C"
check "list --lang zh is in Chinese" grep -q "$(printf '\350\257\276')" "$OUT"

# --- usage errors: exit 2, one line on stderr ---
run
check_usage_error "no command is a usage error"
run lesson
check_usage_error "lesson without a number is a usage error"
for n in 0 11 -1 abc "" 1.5 99999999999; do
	run lesson "$n"
	check_usage_error "lesson '$n' is a usage error"
done
run lesson 1 2
check_usage_error "lesson with an extra argument is a usage error"
run --bogus
check_usage_error "an unknown long option is a usage error" 'bogus'
run -x list
check_usage_error "an unknown short option is a usage error" '-x'
run bogus
check_usage_error "an unknown command is a usage error" 'bogus'
run lesson 1 --set
check_usage_error "--set without a value is a usage error"
run lesson 1 --python=yes
check_usage_error "a value for --python is a usage error"
run lesson 1 --lang fr
check_usage_error "--lang fr is a usage error" 'en or zh'
run list --python
check_usage_error "--python with list is a usage error"
run lesson 1 --python --output-only
check_usage_error "--python with --output-only is a usage error"
run replay
check_usage_error "replay without a file is a usage error"
# Every message the program can print has its Chinese translation: a new
# _("...") without one would show up in English in the middle of a lesson.
srcroot=$TESTS_SRCDIR/..
if command -v xgettext >/dev/null 2>&1 && command -v msgcmp >/dev/null 2>&1; then
	(cd "$srcroot" && xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 -o "$lib_tmp/all.pot" \
		$(grep -v '^#' po/POTFILES.in)) 2>"$ERR"
	if msgcmp "$srcroot/po/zh_CN.po" "$lib_tmp/all.pot" >"$OUT" 2>&1; then
		pass "po/zh_CN.po translates every message in po/POTFILES.in's files"
	else
		fail "po/zh_CN.po translates every message in po/POTFILES.in's files" "$(grep 'not defined' "$OUT" | head -3)"
	fi
else
	skip "catalog completeness (xgettext/msgcmp not installed)"
fi

run_env LC_ALL=C -- --lang zh lesson 11
check_usage_error "errors are translated under --lang zh"
check "a --lang zh error is in Chinese" has_cjk "$ERR"
run_env LC_ALL= LANGUAGE= LANG=zh_CN.UTF-8 -- --lang en lesson 11
check "--lang en wins over LANG=zh_CN.UTF-8" test "$RC" = 2
check "a --lang en error has no Chinese" sh -c '! LC_ALL=C grep -q "$1" "$2"' sh "$CJK_ANY" "$ERR"

# --- trace files and step mode, as the command line sees them ---
json_ok() {
	"$PYTHON3" -c 'import json, sys; json.load(open(sys.argv[1]))' "$1"
}
run lesson 1 --json "$lib_tmp/t.json"
check_status "lesson 1 --json FILE succeeds" 0
check "lesson 1 --json FILE writes the file" test -s "$lib_tmp/t.json"
run lesson 1 --chrome "$lib_tmp/c.json"
check_status "lesson 1 --chrome FILE succeeds" 0
if [ -n "${PYTHON3:-}" ] && [ -x "$PYTHON3" ]; then
	check "the --json file is JSON for python3" json_ok "$lib_tmp/t.json"
	check "the --chrome file is JSON for python3" json_ok "$lib_tmp/c.json"
fi
run replay "$lib_tmp/t.json"
check_status "replay of a saved trace succeeds (stdin closed)" 0
run lesson 1 --json "$lib_tmp/no/such/dir/t.json"
check_error_line "--json into a missing directory fails with one line" 1
check "--json into a missing directory leaves no file" test ! -e "$lib_tmp/no/such/dir/t.json"
run replay "$lib_tmp/missing.json"
check_error_line "replay of a missing file fails with one line" 1
printf 'not json\n' >"$lib_tmp/bad.json"
run replay "$lib_tmp/bad.json"
check_error_line "replay of a file that is not a trace fails with one line" 1
run lesson 1 --python --step
check_usage_error "--python with --step is a usage error"
run lesson 1 --step --output-only
check_usage_error "--output-only with --step is a usage error"
run lesson 1 --json - --chrome -
check_usage_error "--json - with --chrome - is a usage error"
run replay a b
check_usage_error "replay with two files is a usage error"

# --- lessons not written yet, if any: exit 1, one line ---
for n in $UNAVAILABLE; do
	run lesson "$n"
	check_error_line "lesson $n says it is not available yet" 1 'not available yet'
	run lesson "$n" --help
	check_ok "lesson $n --help describes it" "Lesson $n"
done

# --- each available lesson ---
python_ok() {
	first=$(grep -v '^[[:space:]]*$' "$OUT" | head -1)
	case $first in
	'#'* | 'import '* | 'from '* | 'def '* | 'async def '* | 'class '* | 'print('*) return 0 ;;
	esac
	printf '%s\n' "$first" | grep -q '^[A-Za-z_][A-Za-z_0-9]* *= '
}

python_compiles() {
	"$PYTHON3" -c 'import sys; compile(open(sys.argv[1]).read(), sys.argv[1], "exec")' "$OUT"
}

# English output may quote the notes in Chinese in two places only: the
# chapter's heading, and a term glossed in parentheses, "a coroutine (协程)".
# Anything else in Chinese is a translation leaking into English.
english_only() {
	LC_ALL=C grep -v -F "$chapter" "$1" | tr '\n' ' ' | LC_ALL=C sed 's/([^()]*)//g' |
		LC_ALL=C grep -q "$CJK_ANY" && return 1
	return 0
}

for n in $AVAILABLE; do
	chapter=$("$CORO_LEARN" --lang en lesson "$n" --help </dev/null | sed -n 's/^Chapter of the notes: //p')
	run_env LC_ALL=C -- --lang en lesson "$n"
	check_ok "lesson $n runs in English under LC_ALL=C"
	check "lesson $n in English has no Chinese but the notes' heading and glosses" english_only "$OUT"
	check "lesson $n writes no colour to a file" sh -c '! grep -q "$1" "$2"' sh "$ESC" "$OUT"

	run_env LC_ALL=C -- --lang zh lesson "$n"
	check_ok "lesson $n runs in Chinese under LC_ALL=C"
	check "lesson $n --lang zh shows Chinese" has_cjk "$OUT"

	run_env LC_ALL= LANGUAGE= LANG=zh_CN.UTF-8 -- lesson "$n"
	check_ok "lesson $n follows LANG=zh_CN.UTF-8"
	check "lesson $n under LANG=zh_CN.UTF-8 shows Chinese" has_cjk "$OUT"

	run_env LC_ALL= LANGUAGE= LANG=zh_CN.UTF-8 -- --lang en lesson "$n"
	check_ok "lesson $n --lang en runs under LANG=zh_CN.UTF-8"
	check "lesson $n --lang en under LANG=zh_CN.UTF-8 stays English" english_only "$OUT"

	run lesson "$n" --python
	check_ok "lesson $n --python prints a program"
	cp "$OUT" "$lib_tmp/python.en"
	check "lesson $n --python starts like a Python program" python_ok
	if [ -n "${PYTHON3:-}" ] && [ -x "$PYTHON3" ]; then
		check "lesson $n --python is valid Python for python3" python_compiles
	else
		skip "lesson $n --python is valid Python (no python3)"
	fi
	run_env LC_ALL=C -- --lang zh lesson "$n" --python
	check "lesson $n --python is the same in both languages" cmp -s "$OUT" "$lib_tmp/python.en"

	run lesson "$n" --output-only
	check_status "lesson $n --output-only runs" 0

	run lesson "$n" --help
	check_ok "lesson $n --help describes it" "Lesson $n"

	# A reader that goes away early: no message, no signal death.
	{
		"$CORO_LEARN" lesson "$n" --verbose 2>"$ERR"
		echo $? >"$lib_tmp/rc"
	} | head -1 >/dev/null
	RC=$(cat "$lib_tmp/rc")
	check "lesson $n | head -1 exits quietly" sh -c '[ ! -s "$1" ] && [ "$2" -le 1 ]' sh "$ERR" "$RC"

	if [ -w /dev/full ]; then
		"$CORO_LEARN" lesson "$n" >/dev/full 2>"$ERR" </dev/null
		RC=$?
		: >"$OUT"
		check_error_line "lesson $n > /dev/full reports the write error" 1
	fi
done

# --- knobs: --set, checked against what lesson N --help declares ---
# knobs_of N prints "name kind integral lo hi max_items" per knob.
knobs_of() {
	"$CORO_LEARN" --lang en lesson "$1" --help </dev/null | awk '
	/^  [a-z_][a-z_0-9]*  +whole number from / { print $1, "int", 1, $5, $7, 1; next }
	/^  [a-z_][a-z_0-9]*  +number from / { print $1, "int", 0, $4, $6, 1; next }
	/^  [a-z_][a-z_0-9]*  +list of 1 to [0-9]+ whole numbers from / {
		print $1, "list", 1, $10, $12, $6; next }
	/^  [a-z_][a-z_0-9]*  +list of 1 to [0-9]+ numbers from / {
		print $1, "list", 0, $9, $11, $6; next }'
}

nknobs=0
for n in $AVAILABLE; do
	knobs_of "$n" >"$lib_tmp/knobs"
	run lesson "$n" --set no_such_knob=1
	check_usage_error "lesson $n --set of an unknown knob is a usage error" 'no_such_knob'
	while read -r name kind integral lo hi max; do
		nknobs=$((nknobs + 1))
		if [ "$integral" = 1 ]; then
			rule="$name must be a .*whole number.* from $lo to $hi"
		else
			rule="$name must be a .*number.* from $lo to $hi"
		fi
		for bad in abc nan inf -inf 1e999 "" 0x10; do
			run lesson "$n" --set "$name=$bad"
			check_usage_error "lesson $n --set $name='$bad' is refused with the rule" "$rule"
		done
		run lesson "$n" --set "$name"
		check_usage_error "lesson $n --set $name without '=' is a usage error" "$name"
		above=$(awk -v h="$hi" 'BEGIN { printf "%.15g\n", h + 1 }')
		run lesson "$n" --set "$name=$above"
		check_usage_error "lesson $n --set $name=$above (too large) is refused" "too large"
		if awk -v l="$lo" 'BEGIN { exit !(l >= 0) }'; then
			run lesson "$n" --set "$name=-1"
			check_usage_error "lesson $n --set $name=-1 (negative) is refused" "negative"
		fi
		if [ "$integral" = 1 ]; then
			half=$(awk -v l="$lo" 'BEGIN { printf "%.15g\n", l + 0.5 }')
			run lesson "$n" --set "$name=$half"
			check_usage_error "lesson $n --set $name=$half (not whole) is refused" "whole number"
		fi
		if [ "$kind" = list ]; then
			many=$(awk -v m="$max" -v l="$lo" 'BEGIN { s = l; for (i = 1; i <= m; i++) s = s "," l; print s }')
			run lesson "$n" --set "$name=$many"
			check_usage_error "lesson $n --set $name with $((max + 1)) numbers is refused" "too many"
		fi
		run lesson "$n" --set "$name=$lo" --output-only
		check_status "lesson $n --set $name=$lo (the minimum) runs" 0
		run lesson "$n" --set "$name=$lo" --python
		check "lesson $n --set $name=$lo shows in the Python program" \
			grep -q "= \\[*$(printf '%s' "$lo" | sed 's/\./\\./g')" "$OUT"
	done <"$lib_tmp/knobs"
done
if [ "$nknobs" = 0 ]; then
	skip "--set range checks (no available lesson has knobs)"
fi

finish
