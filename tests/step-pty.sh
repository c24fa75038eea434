# step-pty.sh -- step mode at a real terminal: the prompt, TAB completion,
# history on the up arrow, Enter repeating the last step, Ctrl-C and Ctrl-D,
# checked through a pseudo-terminal by pty_session.py (what the screen shows,
# not what the program meant to write).  Drives the real binary named by
# $CORO_LEARN.

. "${TESTS_SRCDIR:-$(dirname "$0")}/lib.sh"

PY=${PYTHON3:-python3}
if ! command -v "$PY" >/dev/null 2>&1; then
	skip "step mode at a terminal (no python3 to drive a pseudo-terminal)"
	exit 77
fi
"$PY" "${TESTS_SRCDIR:-$(dirname "$0")}/pty_session.py" "$CORO_LEARN"
