#!/bin/sh
# Fidelity: for each lesson and knob setting below, what the lesson prints
# with --output-only must equal what python3 prints when it runs the lesson's
# own program (--python), byte for byte.  python3 runs it under a virtual
# clock (tests/pyvirt.py) so sleeps are instant and exact.  In a case marked
# "set:REGEX", the program iterates a set (asyncio.wait's done), whose order
# CPython leaves to object addresses: each run of consecutive lines matching
# REGEX is compared as a multiset; every other line must match in order.
srcdir=${TESTS_SRCDIR:-$(dirname "$0")}
bin=${CORO_LEARN:-./coro-learn}
py=${PYTHON3:-python3}
if ! command -v "$py" >/dev/null 2>&1; then
	echo "SKIP: python3 not found; the fidelity tests need it as the oracle"
	exit 77
fi
LC_ALL=C.UTF-8
export LC_ALL

# lesson | compare | --set arguments
cases='
1|exact|
2|exact|
3|exact|
3|exact|n=0
3|exact|n=1
3|exact|n=12
3|exact|n=1000
4|exact|
4|exact|delays=2,2,2
4|exact|delays=0,1
4|exact|delays=0.5,0.1,0.3,0.2,0.4,0.1,0.5,0.3
5|exact|
6|exact|
6|exact|delays=2,2,2
6|exact|delays=0,1
6|exact|delays=0.5,0.1,0.3,0.2,0.4,0.1,0.5,0.3
7|exact|
7|exact|delays=2,2,2
7|exact|delays=0,1
7|exact|delays=0.5,0.1,0.3,0.2,0.4,0.1,0.5,0.3
8|exact|
8|exact|delays=2,2,2
8|exact|delays=0,1
8|exact|delays=4,1
9|exact|
9|exact|delays=2,2,2
9|exact|delays=0,1
9|exact|tasks=5
9|exact|tasks=1000 seed=7
9|exact|tasks=20000 seed=3
10|set:^Task ret:  Done after|
10|exact|method=2
10|exact|method=3
10|exact|method=5
10|set:^Task ret:  Done after|method=1 delays=2,2,2,0
10|set:^Task ret:  Done after|method=4 delays=0,1
10|exact|method=5 delays=0.5,0.1,0.3
'
pass=0 fail=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
echo "$cases" | while IFS='|' read -r n mode sets; do
	[ -n "$n" ] || continue
	args=""
	for s in $sets; do args="$args --set $s"; done
	label="lesson $n${sets:+ ($sets)}"
	# shellcheck disable=SC2086
	if ! "$bin" lesson "$n" --python $args >"$tmp/prog.py" 2>"$tmp/err"; then
		echo "FAIL $label: --python failed: $(cat "$tmp/err")"; echo F >>"$tmp/results"; continue
	fi
	if ! "$py" "$srcdir/pyvirt.py" "$tmp/prog.py" >"$tmp/py.out" 2>"$tmp/py.err"; then
		echo "FAIL $label: python3 failed on the lesson's program:"; cat "$tmp/py.err"; echo F >>"$tmp/results"; continue
	fi
	# shellcheck disable=SC2086
	if ! "$bin" lesson "$n" --output-only $args >"$tmp/c.out" 2>"$tmp/err"; then
		echo "FAIL $label: --output-only failed: $(cat "$tmp/err")"; echo F >>"$tmp/results"; continue
	fi
	case $mode in
	set:*)
		re=${mode#set:}
		for f in py c; do
			"$py" -c 'import re, sys
pat, out, run = re.compile(sys.argv[1]), [], []
for line in open(sys.argv[2], encoding="utf-8"):
    if pat.search(line):
        run.append(line)
        continue
    out += sorted(run) + [line]
    run = []
sys.stdout.write("".join(out + sorted(run)))' "$re" "$tmp/$f.out" >"$tmp/$f.norm"
		done
		cp "$tmp/py.norm" "$tmp/a"; cp "$tmp/c.norm" "$tmp/b"
		;;
	*)
		cp "$tmp/py.out" "$tmp/a"; cp "$tmp/c.out" "$tmp/b"
		;;
	esac
	if diff -u "$tmp/a" "$tmp/b" >"$tmp/diff"; then
		echo "PASS $label ($(wc -l <"$tmp/py.out") lines)"; echo P >>"$tmp/results"
	else
		echo "FAIL $label: differs from python3 (- python3, + coro-learn)"; cat "$tmp/diff"; echo F >>"$tmp/results"
	fi
done
pass=$(grep -c P "$tmp/results" 2>/dev/null || true)
fail=$(grep -c F "$tmp/results" 2>/dev/null || true)
echo "${pass:-0} passed, ${fail:-0} failed"
[ "${fail:-0}" -eq 0 ] && [ "${pass:-0}" -gt 0 ]
