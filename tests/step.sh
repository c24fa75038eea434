# step.sh -- step mode driven from a script (stdin not a terminal), the JSON
# export and its replay, and the Chrome trace.  What the state should be comes
# from CPython itself (step_oracle.py runs each lesson's Python program under
# pyvirt.py and asks CPython's objects at every print), and what the program
# prints from python3; the rest checks the documented formats and the
# one-line errors.  Drives the real binary named by $CORO_LEARN.

. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

SRC=${TESTS_SRCDIR:-$(dirname "$0")}
PY=${PYTHON3:-python3}
command -v "$PY" >/dev/null 2>&1 || PY=
export LC_ALL=C LANGUAGE=

# session COMMANDS ARG...: coro-learn ARG... with COMMANDS (printf %b: \n
# separates them) on stdin; sets RC, OUT and ERR like run.
session() {
	lib_cmds=$1
	shift
	printf '%b' "$lib_cmds" | "$CORO_LEARN" --lang en "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

# has TEXT: stdout of the last run contains the fixed string TEXT.
has() {
	grep -qF -e "$1" "$OUT"
}

# --- scripted sessions ---
session 'step 3\ntasks\nquit\n' lesson 9 --step
check_ok "a scripted session runs and exits 0" '#3 '
check "no prompt is printed when stdin is not a terminal" sh -c '! grep -q "coro-learn #" "$1"' sh "$OUT"
check "tasks before any task exists says so" has "No task has been created yet."

session 'help\n' lesson 3 --step
check_ok "help works"
for c in step back next continue goto break tasks ready timers where frame py out help quit; do
	check "help lists $c" grep -q "^  $c " "$OUT"
done

session 'frobnicate\nstep\n' lesson 3 --step
check_ok "an unknown command does not end the session" '#1 '
check "an unknown command gets a hint" has 'unknown command "frobnicate": type help'
session 'ste\nhelp bogus\n' lesson 3 --step
check "an unambiguous prefix is the command" grep -q '#1 ' "$OUT"
check "help for an unknown command says so" has 'help: no command "bogus"'
for bad in 'step x' 'step 0' 'back -1' 'goto 99999999' 'goto' 'break nosuchname' 'delete 5' \
	   'break t=abc' 'break line 0' 'tasks a b c' 'frame nosuchframe' 'where nosuchtask'; do
	session "$bad\\nstep\\nquit\\n" lesson 3 --step
	check "'$bad' gets a message and the session goes on" sh -c \
		'[ "$1" = 0 ] && [ ! -s "$2" ] && [ "$(grep -c "#1 " "$3")" = 1 ] && [ "$(wc -l <"$3")" -ge 2 ]' \
		sh "$RC" "$ERR" "$OUT"
done
session '' lesson 3 --step
check "end of input quits with status 0" test "$RC" = 0

# moving around
session 'goto 10\nback 3\n' lesson 3 --step
check "goto N then back K lands on N-K" sh -c 'tail -3 "$1" | grep -q "#7 "' sh "$OUT"
session 'step 2\nback 100\n' lesson 3 --step
check "back past the start stops at the start" has "At the start: no event has happened yet."
session 'step 2\n\n\n' lesson 3 --step
check "an empty line repeats the last step" sh -c 'grep -q "#6 " "$1" && ! grep -q "#7 " "$1"' sh "$OUT"
session 'continue\nstep\n' lesson 3 --step
check "continue without breakpoints goes to the end" has "End of the trace"
session 'next\n' lesson 9 --step
check "next stops at the next loop iteration" sh -c 'tail -1 "$1" | grep -q "iteration begins"' sh "$OUT"

# breakpoints
session 'break print\ncontinue\npy\n' lesson 3 --step
check "break print stops at a print" sh -c 'grep -q "^Breakpoint 1 (print) at #" "$1"' sh "$OUT"
check "py marks a print() line at a print event" sh -c 'grep "^→" "$1" | grep -q "print("' sh "$OUT"
session 'break gen.yield\ncontinue\nframe\n' lesson 3 --step
check "break gen.yield stops at a yield" sh -c 'grep -B1 "^Breakpoint 1" "$1" | grep -q "yield"' sh "$OUT"
check "frame at a yield shows GEN_SUSPENDED" grep -q 'state  *GEN_SUSPENDED' "$OUT"
session 'break Task-2\ncontinue\n' lesson 9 --step
check "break TASK stops at an event about the task" sh -c 'grep -B1 "^Breakpoint 1 (Task-2)" "$1" | grep -q "Task-2"' sh "$OUT"
session 'break t=2\ncontinue\n' lesson 9 --step
check "break t=2 stops when the clock reaches 2 s" sh -c 'grep -B1 "^Breakpoint 1 (t=2)" "$1" | grep -q "→ 2 s"' sh "$OUT"
sleep_line=$("$CORO_LEARN" lesson 9 --python | grep -n 'await asyncio.sleep' | head -1 | cut -d: -f1)
session "break line $sleep_line\\ncontinue\\n" lesson 9 --step
check "break line N stops on reaching line N" sh -c 'grep -q "^ *$2 │" "$1" && grep -q "^Breakpoint 1 (line $2)" "$1"' \
	sh "$OUT" "$sleep_line"
session 'break print\nbreak print\nbreak\ndelete 1\nbreak\ndelete\n' lesson 3 --step
check "a breakpoint is not set twice" has "Breakpoint 1 is already print."
check "delete removes breakpoints" has "All breakpoints deleted."

# the views
session 'next\nnext\ntasks\nready\ntimers\nwhere\nframe Task-1\n' lesson 9 --step
check_ok "tasks, ready, timers, where and frame run"
check "tasks has a header row" grep -q '^  task  *state  *now  *coroutine' "$OUT"
check "ready lists handles in order" grep -q '^  1\.  #' "$OUT"
check "timers lists deadlines" grep -q '^  #[0-9]*  *t=[0-9.]* s' "$OUT"
check "where draws await chains" grep -q '└─ do_some_work()' "$OUT"
check "frame TASK shows the task's coroutine" grep -q '^do_some_work()  coroutine' "$OUT"

if [ -n "$PY" ]; then
	# out: what the program printed, as python3 prints it (under pyvirt's
	# virtual clock, so that time.time() agrees)
	for n in 3 9; do
		"$CORO_LEARN" lesson $n --python >"$lib_tmp/p.py"
		"$PY" "$SRC/pyvirt.py" "$lib_tmp/p.py" >"$lib_tmp/want" 2>/dev/null
		session 'continue\nout\n' lesson $n --step
		sed -n '/^End of the trace/,$p' "$OUT" | sed 1d >"$lib_tmp/got"
		check "out at the end of lesson $n is what python3 prints" cmp -s "$lib_tmp/want" "$lib_tmp/got"
	done
	# the state at every print, against CPython's own objects
	for args in 1 2 3 4 5 6 7 8 9 10 "9 --set delays=3,1,2,1" "9 --set tasks=12" \
		    "10 --set delays=2,1,2"; do
		# shellcheck disable=SC2086
		if "$PY" "$SRC/step_oracle.py" "$CORO_LEARN" "$SRC/pyvirt.py" $args >"$lib_tmp/oracle" 2>&1; then
			pass "step mode's tasks, ready queue, timers and frames match CPython at each print (lesson $args)"
		else
			fail "step mode's tasks, ready queue, timers and frames match CPython at each print (lesson $args)" \
				"$(head -5 "$lib_tmp/oracle")"
		fi
	done
else
	skip "python3 checks of step mode (no python3)"
fi

# --- the JSON export ---
J=$lib_tmp/t.json
run --lang en lesson 3 --json "$J"
check "--json FILE exits 0" test "$RC" = 0
check "--json FILE writes nothing on stdout or stderr" sh -c '[ ! -s "$1" ] && [ ! -s "$2" ]' sh "$OUT" "$ERR"
if [ -n "$PY" ]; then
	"$CORO_LEARN" lesson 3 --python >"$lib_tmp/p3.py"
	"$PY" "$lib_tmp/p3.py" >"$lib_tmp/p3.out"
	check "the trace has the schema, the program, every event and python3's output" "$PY" - "$J" \
		"$lib_tmp/p3.py" "$lib_tmp/p3.out" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "coro-learn-trace/1", d["schema"]
assert d["lesson"]["number"] == 3 and d["language"] == "en"
assert d["python"] == open(sys.argv[2]).read(), "python differs from --python"
assert d["knobs"] == {"n": 5}, d["knobs"]
ev = d["events"]
assert len(ev) == d["summary"]["events"] > 0
kinds = {"say", "print", "warning", "note", "gen.create", "gen.resume", "gen.yield", "gen.return",
         "gen.raise", "gen.error", "gen.await", "future.create", "future.result", "future.exception",
         "future.cancel", "task.cancel", "callback.add", "callback.remove", "task.create", "task.step",
         "task.step-end", "task.wait", "task.wakeup", "loop.start", "loop.iteration", "loop.clock",
         "loop.stop", "loop.end", "handle.schedule", "handle.run", "timer.add", "timer.fire",
         "timer.cancel"}
actors = {"none", "main", "generator", "coroutine", "future", "task", "loop", "callback"}
states = {"GEN_CREATED", "GEN_RUNNING", "GEN_SUSPENDED", "GEN_CLOSED", "CORO_CREATED",
          "CORO_RUNNING", "CORO_SUSPENDED", "CORO_CLOSED", "PENDING", "CANCELLED", "FINISHED"}
allowed = {"seq", "time", "iteration", "kind", "actor", "other", "line", "state_from", "state_to",
           "handle", "when", "value", "value_actor", "exception", "text", "frame", "order", "library"}
for i, e in enumerate(ev, 1):
    assert e["seq"] == i, (i, e)
    assert set(e) <= allowed, set(e) - allowed
    assert e["kind"] in kinds, e
    assert isinstance(e["time"], (int, float)) and isinstance(e["iteration"], int)
    for a in ("actor", "other", "value_actor"):
        if a in e:
            assert set(e[a]) == {"kind", "id", "name"} and e[a]["kind"] in actors, e
    for s in ("state_from", "state_to"):
        if s in e:
            assert e[s] in states, e
    if e["kind"] == "gen.yield":
        assert "value" in e and "frame" in e and "line" in e, e
    if "order" in e:
        assert e["order"] == "set"
prints = [e["text"] for e in ev if e["kind"] == "print"]
assert prints == open(sys.argv[3]).read().splitlines(), "print events differ from python3"
assert d["summary"]["prints"] == len(prints)
EOF
	run lesson 9 --set delays=3,1 --json -
	check "--json - writes the trace on stdout" "$PY" -c \
		'import json,sys; d=json.load(open(sys.argv[1])); assert d["knobs"]["delays"] == [3, 1]' "$OUT"
	run lesson 9 --json "$lib_tmp/t9.json"
	check "lesson 9's trace has tasks, timers, set-order and library events" "$PY" -c '
import json, sys
ev = json.load(open(sys.argv[1]))["events"]
k = {e["kind"] for e in ev}
assert {"task.create", "task.step", "task.wait", "timer.add", "timer.fire", "handle.run"} <= k
assert any(e.get("order") == "set" for e in ev) and any(e.get("library") for e in ev)
assert any("value_actor" in e for e in ev) and any("exception" in e for e in ev)' "$lib_tmp/t9.json"
fi

# replay equals the live session
cmds='next\nnext\ntasks\nready\ntimers\nwhere\nframe\nstep 40\nback 7\ntasks\nwhere\nout\npy\nbreak print\ncontinue\ncontinue\ngoto 5\nquit\n'
for n in 3 9 10; do
	"$CORO_LEARN" --lang en lesson $n --json "$lib_tmp/r.json"
	# shellcheck disable=SC2059
	printf "$cmds" | "$CORO_LEARN" --lang en lesson $n --step >"$lib_tmp/live" 2>&1
	# shellcheck disable=SC2059
	printf "$cmds" | "$CORO_LEARN" --lang en replay "$lib_tmp/r.json" >"$lib_tmp/replay" 2>&1
	check "replay of lesson $n shows exactly what the live session shows" cmp -s "$lib_tmp/live" "$lib_tmp/replay"
done
"$CORO_LEARN" --lang zh lesson 9 --json "$lib_tmp/zh.json"
printf 'help\n' | "$CORO_LEARN" --lang zh replay "$lib_tmp/zh.json" >"$OUT" 2>"$ERR"
RC=$?
check "replay works in Chinese" has_cjk "$OUT"

# files that are not traces: one line, exit 1, never a crash
"$CORO_LEARN" lesson 9 --json "$lib_tmp/good.json"
run replay "$lib_tmp/does-not-exist.json"
check_error_line "replay of a missing file" 1 'No such file'
head -c 3000 "$lib_tmp/good.json" >"$lib_tmp/trunc.json"
run replay "$lib_tmp/trunc.json"
check_error_line "replay of a truncated file" 1 'truncated'
: >"$lib_tmp/empty.json"
run replay "$lib_tmp/empty.json"
check_error_line "replay of an empty file" 1 'empty'
if truncate -s 2G "$lib_tmp/huge.json" 2>/dev/null; then
	run replay "$lib_tmp/huge.json"
	check_error_line "replay of a huge file" 1 'too big'
	rm -f "$lib_tmp/huge.json"
else
	skip "replay of a huge file (no sparse files here)"
fi
awk 'BEGIN { s = "{\"schema\":\"coro-learn-trace/1\",\"events\":[]"; for (i = 0; i < 100000; i++) s = s ",\"x\":["; print s }' \
	>"$lib_tmp/deep.json"
run replay "$lib_tmp/deep.json"
check_error_line "replay of a deeply nested file" 1 'nested'
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "["; for (i = 0; i < 200000; i++) printf "]"; print "" }' \
	>"$lib_tmp/deep2.json"
run replay "$lib_tmp/deep2.json"
check_error_line "replay of a deeply nested array" 1
sed 's/"schema":"coro-learn-trace\/1"/"schema":"coro-learn-trace\/9"/' "$lib_tmp/good.json" >"$lib_tmp/wrong.json"
run replay "$lib_tmp/wrong.json"
check_error_line "replay of a file of another schema" 1 'coro-learn-trace/9'
printf '{"events":[]}\n' >"$lib_tmp/noschema.json"
run replay "$lib_tmp/noschema.json"
check_error_line "replay of a file without a schema" 1 'schema'
sed 's/"kind":"task.step"/"kind":"task.jump"/' "$lib_tmp/good.json" >"$lib_tmp/badkind.json"
run replay "$lib_tmp/badkind.json"
check_error_line "replay of a file with an unknown event kind" 1 'event [0-9]*: "kind"'
sed 's/"seq":5,/"seq":55,/' "$lib_tmp/good.json" >"$lib_tmp/badseq.json"
run replay "$lib_tmp/badseq.json"
check_error_line "replay of a file with events out of order" 1 'event 5'
printf '{"schema":"coro-learn-trace/1","events":[{"seq":1}]}\n' >"$lib_tmp/partial.json"
run replay "$lib_tmp/partial.json"
check_error_line "replay of an event without its fields" 1 'missing'
head -c 20000 /dev/urandom >"$lib_tmp/noise.json"
run replay "$lib_tmp/noise.json"
check_error_line "replay of random bytes" 1
run replay "$lib_tmp"
check_error_line "replay of a directory" 1
printf '{"schema":"coro-learn-trace/1","events":[]}\n' >"$lib_tmp/none.json"
printf 'step\ntasks\nquit\n' | "$CORO_LEARN" --lang en replay "$lib_tmp/none.json" >"$OUT" 2>"$ERR"
RC=$?
check_ok "replay of a trace with no events works" 'End of the trace (0 events)'

# export errors
run lesson 3 --json "$lib_tmp/no/such/dir/t.json"
check_error_line "--json into a missing directory" 1 'cannot write'
run lesson 3 --json "$lib_tmp"
check_error_line "--json onto a directory" 1
run lesson 3 --json - --step
check_usage_error "--json - with --step"
run lesson 3 --json - --chrome -
check_usage_error "--json - with --chrome -"
run lesson 3 --python --json "$J"
check_usage_error "--python with --json"
mkdir "$lib_tmp/atomic"
echo 'the old file' >"$lib_tmp/atomic/t.json"
(
	ulimit -f 200 2>/dev/null || exit 3
	trap '' XFSZ
	exec "$CORO_LEARN" lesson 9 --set tasks=500 --json "$lib_tmp/atomic/t.json"
) >"$OUT" 2>"$ERR"
RC=$?
if [ "$RC" = 3 ]; then
	skip "a failed export leaves the old file (no ulimit -f)"
else
	check_error_line "an export that cannot be written fails with one line" 1 'cannot write'
	check "a failed export leaves the old file whole" grep -qx 'the old file' "$lib_tmp/atomic/t.json"
	check "a failed export leaves no temporary file" test "$(ls -A "$lib_tmp/atomic")" = t.json
fi

# a million events in constant memory
if grep -q __asan_init "$CORO_LEARN" 2>/dev/null; then
	skip "peak memory of a big export (AddressSanitizer's shadow memory counts too)"
elif [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
	/usr/bin/time -f '%M' -o "$lib_tmp/rss" "$CORO_LEARN" lesson 9 --set tasks=30500 --json - \
		2>/dev/null | tail -c 400 >"$lib_tmp/tail"
	kb=$(tail -1 "$lib_tmp/rss")
	n=$(sed -n 's/.*"summary":{"events":\([0-9]*\).*/\1/p' "$lib_tmp/tail")
	check "the big export has a million events (got ${n:-none})" test "${n:-0}" -ge 1000000
	check "exporting a million events peaks under 64 MB (${kb} KB)" test "${kb:-999999}" -lt 65536
else
	skip "peak memory of a big export (no GNU time)"
fi

# --- the Chrome trace ---
if [ -n "$PY" ]; then
	for args in "3" "9" "10" "7" "9 --set tasks=200"; do
		# shellcheck disable=SC2086
		"$CORO_LEARN" lesson $args --chrome "$lib_tmp/c.json" >"$OUT" 2>"$ERR"
		RC=$?
		check "--chrome for lesson $args exits 0 quietly" sh -c '[ "$1" = 0 ] && [ ! -s "$2" ]' sh "$RC" "$ERR"
		# shellcheck disable=SC2086
		ntasks=$("$CORO_LEARN" lesson $args --json - | "$PY" -c \
			'import json,sys; print(json.load(sys.stdin)["summary"]["tasks"]["created"])')
		check "the Chrome trace of lesson $args parses, has a lane per task, and its slices nest" \
			"$PY" - "$lib_tmp/c.json" "$ntasks" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
names = {e["tid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
tasks = [n for n in names.values() if n.startswith("Task-")]
assert len(tasks) == int(sys.argv[2]), (len(tasks), sys.argv[2])
assert "event loop" in names.values() and "<module>" in names.values()
lanes = {}
for e in ev:
    assert e["ph"] in "MXisf", e
    if e["ph"] != "M":
        assert e["ts"] >= 0 and e["tid"] in names, e
    if e["ph"] in "Xi":
        assert e["ts"] >= e["args"]["t"] * 1e6 - 1e-3, e  # never before virtual time
    if e["ph"] == "X":
        assert e["dur"] > 0, e
        lanes.setdefault(e["tid"], []).append((e["ts"], e["ts"] + e["dur"], e["name"]))
for tid, xs in lanes.items():
    xs.sort(key=lambda x: (x[0], -x[1]))
    stack = []
    for s, t, n in xs:
        while stack and stack[-1][1] <= s:
            stack.pop()
        assert not stack or t <= stack[-1][1], ("slices overlap", names[tid], n, stack[-1])
        stack.append((s, t, n))
starts = {e["id"]: e for e in ev if e["ph"] == "s"}
for f in (e for e in ev if e["ph"] == "f"):
    s = starts[f["id"]]
    assert s["ts"] < f["ts"] and f.get("bp") == "e"
    for fl in (s, f):
        assert any(a <= fl["ts"] <= b for a, b, _ in lanes.get(fl["tid"], [])), ("unbound flow", fl)
EOF
	done
fi

finish
