#!/usr/bin/env python3
"""pty_session: drive step mode through a real pseudo-terminal.

Usage: pty_session.py CORO_LEARN

Runs `coro-learn lesson 9 --step` on a pty, as a learner at a terminal
would, and checks what the terminal shows:

  prompt     the prompt appears, with the position (#0/N)
  complete   TAB completes "ta" to "tasks"
  history    the up arrow recalls the last line
  repeat     Enter on an empty line repeats the last step
  interrupt  Ctrl-C abandons the line and prompts again
  eof        Ctrl-D leaves with exit status 0

Prints one "PASS: ..." or "FAIL: ..." line per check; exits 1 if any failed,
77 (skip) when no pseudo-terminal can be made.
"""

import os
import re
import select
import signal
import sys
import time

TIMEOUT = 10.0


class Session:
    def __init__(self, argv):
        import pty
        env = dict(os.environ, TERM="xterm", NO_COLOR="1", LC_ALL="C.UTF-8", LANGUAGE="")
        env.pop("COLUMNS", None)
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.buf = b""

    def read_until(self, pattern, timeout=TIMEOUT):
        """Reads until the text seen since the last call matches pattern;
        returns that text, or None after timeout."""
        start = len(self.buf)
        deadline = time.time() + timeout
        rx = re.compile(pattern)
        while True:
            seen = self.buf[start:].decode("utf-8", "replace")
            if rx.search(seen):
                return seen
            left = deadline - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.fd], [], [], left)
            if not r:
                continue
            try:
                data = os.read(self.fd, 4096)
            except OSError:
                data = b""
            if not data:
                seen = self.buf[start:].decode("utf-8", "replace")
                return seen if rx.search(seen) else None
            self.buf += data

    def send(self, s):
        # A person types after seeing the prompt, not within microseconds.
        time.sleep(0.05)
        os.write(self.fd, s.encode())

    def wait(self, timeout=TIMEOUT):
        deadline = time.time() + timeout
        while time.time() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            try:
                r, _, _ = select.select([self.fd], [], [], 0.1)
                if r:
                    os.read(self.fd, 4096)
            except OSError:
                time.sleep(0.05)
        os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)
        return None


def screen_line(raw):
    """The last line of raw terminal output as the screen shows it: a
    carriage return, cursor moves (ESC [ n G, ESC [ n C/D), erasing (ESC [ K)
    and backspaces are applied; other escape sequences are dropped."""
    text = raw.split("\n")[-1]
    line, col, i = [], 0, 0
    while i < len(text):
        c = text[i]
        m = re.match(r"\x1b\[(\d*)([A-Za-z])", text[i:])
        if m:
            n = int(m.group(1) or 1)
            op = m.group(2)
            if op == "G":
                col = n - 1
            elif op == "C":
                col += n
            elif op == "D":
                col = max(0, col - n)
            elif op == "K":
                del line[col:]
            i += m.end()
            continue
        if c == "\x1b":
            i += 2
            continue
        if c == "\r":
            col = 0
        elif c == "\b":
            col = max(0, col - 1)
        elif c >= " ":
            while len(line) < col:
                line.append(" ")
            if col < len(line):
                line[col] = c
            else:
                line.append(c)
            col += 1
        i += 1
    return "".join(line)


failed = 0


def check(name, ok, detail=""):
    global failed
    if ok:
        print("PASS: " + name)
    else:
        failed += 1
        print("FAIL: " + name)
        if detail:
            print("      " + repr(detail)[:400])


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        s = Session([sys.argv[1], "--lang", "en", "lesson", "9", "--step"])
    except OSError as e:
        print("SKIP: no pseudo-terminal:", e)
        return 77

    seen = s.read_until(r"coro-learn #0/\d+> ")
    check("step mode shows its prompt on a terminal", seen is not None, s.buf[-300:])
    if seen is None:
        s.wait(1)
        return 1
    check("the banner says how to get help", seen is not None and "help" in seen, seen)

    s.send("ta\t")
    s.read_until(r"sks", 3)
    shown = screen_line(s.buf.decode("utf-8", "replace"))
    check("TAB completes 'ta' to 'tasks'", shown.endswith("> tasks "), shown)
    s.send("\r")
    seen = s.read_until(r"No task has been created yet\.[\s\S]*coro-learn #0/")
    check("the completed command runs", seen is not None, s.buf[-300:])

    s.send("step 3\r")
    seen = s.read_until(r"#3 [\s\S]*coro-learn #3/")
    check("step 3 moves to event #3", seen is not None, s.buf[-300:])

    s.send("\x1b[A")
    s.read_until(r"3", 3)
    shown = screen_line(s.buf.decode("utf-8", "replace"))
    check("the up arrow recalls the last command", shown.endswith("> step 3"), shown)
    s.send("\r")
    seen = s.read_until(r"coro-learn #6/")
    check("the recalled command runs again", seen is not None, s.buf[-300:])

    s.send("\r")
    seen = s.read_until(r"coro-learn #9/")
    check("Enter on an empty line repeats the last step", seen is not None, s.buf[-300:])

    s.send("garbage")
    s.read_until(r"garbage")
    s.send("\x03")
    seen = s.read_until(r"\^C\s*\r?\n?coro-learn #9/")
    check("Ctrl-C abandons the line and prompts again", seen is not None, s.buf[-300:])
    s.send("tasks\r")
    seen = s.read_until(r"Task-1[\s\S]*coro-learn #9/")
    check("the prompt still works after Ctrl-C", seen is not None and "garbage" not in seen, s.buf[-400:])

    s.send("\x03")
    seen = s.read_until(r"\^C\s*\r?\n?coro-learn #9/")
    check("Ctrl-C on an empty line prompts again", seen is not None, s.buf[-300:])

    s.send("frobnicate\r")
    seen = s.read_until(r"unknown command[\s\S]*coro-learn #9/")
    check("an unknown command gets a hint", seen is not None and "help" in seen, s.buf[-300:])

    s.send("\x04")
    rc = s.wait()
    check("Ctrl-D leaves with exit status 0", rc == 0, "exit status %r" % rc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
