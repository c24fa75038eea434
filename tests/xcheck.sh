#!/bin/sh
# Ordering cross-check: every tests/ordering/NAME.py, run by python3 under a
# virtual clock (tests/pyvirt.py), must print exactly what the engine's
# version of the same program (tests/xcheck NAME) prints.
srcdir=${TESTS_SRCDIR:-$(dirname "$0")}
bin=${XCHECK:-./tests/xcheck}
py=${PYTHON3:-python3}
if ! command -v "$py" >/dev/null 2>&1; then
	echo "SKIP: python3 not found; the ordering cross-check needs it as the oracle"
	exit 77
fi
pass=0 fail=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
for prog in "$srcdir"/ordering/*.py; do
	name=$(basename "$prog" .py)
	"$py" "$srcdir/pyvirt.py" "$prog" >"$tmp/py.out" 2>"$tmp/py.err" || {
		echo "FAIL $name: python3 failed"; cat "$tmp/py.err"; fail=$((fail + 1)); continue; }
	"$bin" "$name" >"$tmp/c.out" 2>"$tmp/c.err" || {
		echo "FAIL $name: engine run failed"; cat "$tmp/c.err"; fail=$((fail + 1)); continue; }
	if diff -u "$tmp/py.out" "$tmp/c.out" >"$tmp/diff"; then
		echo "PASS $name ($(wc -l <"$tmp/py.out") lines)"
		pass=$((pass + 1))
	else
		echo "FAIL $name: output differs from python3 (- python3, + engine)"
		cat "$tmp/diff"
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
