# options.sh -- the options and environment that change how a run looks,
# where tests/cli.sh does not go: colour on a terminal (and the three ways
# to turn it off: --no-color, NO_COLOR, TERM=dumb), --realtime, the forms
# of --lang (--lang=zh, an abbreviation), help N, --verbose to the end of
# every lesson, big runs that the timeline folds, and --json, --chrome and
# --output-only in one run.

. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

LC_ALL=C
export LC_ALL
unset LANGUAGE LANG LC_MESSAGES

# on_tty OUT ENV... -- ARG...: runs coro-learn with its stdout and stderr on
# a pseudo-terminal (stdin from /dev/null) in a changed environment; what
# the terminal showed goes to OUT, the exit status to RC.
on_tty() {
	tty_out=$1
	shift
	"$PYTHON3" - "$tty_out" "$CORO_LEARN" "$@" <<'EOF'
import os, subprocess, sys
out, prog, args = sys.argv[1], sys.argv[2], sys.argv[3:]
env = dict(os.environ)
while args and args[0] != "--":
    k, _, v = args.pop(0).partition("=")
    if v:
        env[k] = v
    else:
        env.pop(k, None)
args = args[1:]
master, slave = os.openpty()
p = subprocess.Popen([prog] + args, stdin=subprocess.DEVNULL, stdout=slave,
                     stderr=slave, env=env)
os.close(slave)
data = b""
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:
        break
    if not chunk:
        break
    data += chunk
open(out, "wb").write(data)
sys.exit(p.wait())
EOF
	RC=$?
}

if [ -z "${PYTHON3:-}" ] || ! "$PYTHON3" -c 'import os; os.openpty()' 2>/dev/null; then
	skip "colour on a terminal (no python3 or no pseudo-terminal)"
else
	lessons=$("$CORO_LEARN" --lang en list </dev/null |
		awk '/^ *[0-9]+  / && !/not available yet/ { print $1 }')
	for n in $lessons; do
		on_tty "$OUT" NO_COLOR= TERM=xterm -- lesson "$n"
		check "lesson $n on a terminal is in colour" \
			sh -c '[ "$1" = 0 ] && grep -q "$(printf "\033\\[")" "$2"' sh "$RC" "$OUT"
	done
	on_tty "$OUT" NO_COLOR= TERM=xterm -- --lang zh lesson 10 --verbose
	check "lesson 10 --verbose --lang zh on a terminal is in colour" \
		sh -c '[ "$1" = 0 ] && grep -q "$(printf "\033\\[")" "$2"' sh "$RC" "$OUT"
	on_tty "$OUT" NO_COLOR= TERM=xterm -- lesson 9 --set tasks=300
	check "a condensed run on a terminal is in colour" \
		sh -c '[ "$1" = 0 ] && grep -q "$(printf "\033\\[")" "$2"' sh "$RC" "$OUT"
	for way in "NO_COLOR=1 TERM=xterm --" "NO_COLOR= TERM=dumb --" "NO_COLOR= TERM=xterm -- --no-color"; do
		# shellcheck disable=SC2086
		on_tty "$OUT" $way lesson 2
		check "lesson 2 on a terminal with $way: no colour" \
			sh -c '[ "$1" = 0 ] && ! grep -q "$(printf "\033")" "$2"' sh "$RC" "$OUT"
	done
	on_tty "$OUT" NO_COLOR= TERM=xterm -- lesson 3 --set n=abc
	check "an error on a terminal has no colour" \
		sh -c '[ "$1" = 2 ] && ! grep -q "$(printf "\033")" "$2"' sh "$RC" "$OUT"
fi

# --- --realtime: the same run, waiting for real ---
run lesson 4 --set delays=0,0.3 --output-only
cp "$OUT" "$lib_tmp/virtual"
start=$(date +%s%N)
run lesson 4 --set delays=0,0.3 --output-only --realtime
end=$(date +%s%N)
check_status "--realtime runs" 0
check "--realtime prints what the virtual clock prints" cmp -s "$OUT" "$lib_tmp/virtual"
check "--realtime really waits (0.3 s twice: once blocking, once on the loop)" \
	test $(((end - start) / 1000000)) -ge 550
run lesson 8 --set delays=0.05 --realtime
check_ok "lesson 8 --realtime shows the timeline"

# --- --lang forms and help N ---
run --lang=zh list
check "--lang=zh" has_cjk "$OUT"
run --la zh list
check "--la zh (an abbreviation of --lang)" has_cjk "$OUT"
run --lang=en --lang zh list
check "the last --lang wins" has_cjk "$OUT"
run help 3
check_ok "help 3 describes lesson 3" "^Lesson 3"
run --lang zh lesson 9 --help
check_ok "lesson 9 --help in Chinese"
check "lesson 9 --help in Chinese is in Chinese" has_cjk "$OUT"
run help 3 4
check_error_line "help with two lessons" 2 'help: unexpected argument "4"'
run list 3
check_error_line "list with an argument" 2 'list: unexpected argument "3"'
run --help list
check_ok "--help list shows the help" "^Usage: coro-learn"
run list --help
check_ok "list --help shows the help" "^Usage: coro-learn"
run lesson 3 --verbose --set n=2 --python
check_ok "--python ignores --verbose" "^N = 2"

# --- every lesson to its end with --verbose, in both languages ---
for n in $("$CORO_LEARN" --lang en list </dev/null | awk '/^ *[0-9]+  / && !/not available yet/ { print $1 }'); do
	run lesson "$n" --verbose
	check_ok "lesson $n --verbose"
	run --lang zh lesson "$n" --verbose
	check_ok "lesson $n --verbose --lang zh"
done

# --- big runs: the timeline folds, the summary counts ---
run lesson 3 --set n=10000
check_ok "lesson 3 n=10000 folds its timeline" "events folded"
run lesson 9 --set tasks=2000 --verbose
check_ok "lesson 9 tasks=2000 --verbose" "more"
run lesson 10 --set delays=0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0
check_ok "lesson 10 with 32 equal delays"
run lesson 6 --set delays=3600,0.001 --output-only
check_status "lesson 6 with an hour and a millisecond" 0

# --- one run, three outputs ---
run lesson 10 --json "$lib_tmp/t.json" --chrome "$lib_tmp/c.json" --output-only
check_ok "--json, --chrome and --output-only together"
check "--json wrote the trace" grep -q '"schema":"coro-learn-trace/1"' "$lib_tmp/t.json"
check "--chrome wrote a trace" grep -q '"traceEvents"' "$lib_tmp/c.json"
"$CORO_LEARN" lesson 10 --output-only </dev/null >"$lib_tmp/plain" 2>/dev/null
check "--output-only with --json prints what it prints alone" cmp -s "$OUT" "$lib_tmp/plain"
run --lang zh lesson 7 --json - --verbose
check_ok "--json - --lang zh" '"language":"zh"'

finish
