#!/usr/bin/env python3
"""step_oracle: check step mode's state against CPython's own.

Usage: step_oracle.py CORO_LEARN PYVIRT LESSON [--set KEY=VALUE]...

The lesson's Python program (coro-learn lesson N --python) runs under
pyvirt.py (virtual time) with print() replaced by a probe that, before each
line is printed, records what CPython's objects say at that moment:

  ready    loop._ready, in order: "Task-2.__step", "task name.task_wakeup",
           or the callback's function name
  timers   loop._scheduled not cancelled: (seconds from now, callback name)
  tasks    each pending task: running, waits (a _fut_waiter) or ready (a
           handle in _ready)
  gens     each generator bound to a global name, and the coroutine of
           each pending task whose code is the program's: its state and,
           when suspended, its line and locals

Then, for the k-th print, step mode is run to the k-th print event
(`break print`, `continue` k times) and asked `ready all`, `timers all`,
`tasks all` and `frame NAME` (`frame Task-N` for a task's coroutine).  Reprs
are compared without what the engine leaves out on purpose: source
locations (" at FILE:LINE") and the order of a set's items.  Every
difference is reported; the exit status
is 0 when there is none, 1 otherwise, 2 when the check cannot run.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

PRELUDE = r'''
import builtins as _b, json as _json, os as _os, sys as _sys, inspect as _inspect
import asyncio as _asyncio
from asyncio import events as _events

_real_print = _b.print
_oracle = open(_os.environ["ORACLE_OUT"], "w")


def _cb_name(cb):
    owner = getattr(cb, "__self__", None)
    name = getattr(cb, "__name__", None)
    if name is None and type(cb).__name__ == "TaskStepMethWrapper":
        name = "__step"
    name = {"_Task__step": "__step", "_Task__wakeup": "task_wakeup",
            "__wakeup": "task_wakeup"}.get(name, name)
    if isinstance(owner, _asyncio.Task):
        return owner.get_name() + "." + name
    return name


def _loop():
    try:
        return _asyncio.get_running_loop()
    except RuntimeError:
        return getattr(_events.get_event_loop_policy()._local, "_loop", None)


def _probe(*args, **kw):
    snap = {"ready": None, "timers": None, "tasks": None, "gens": {}}
    loop = _loop()
    if loop is not None and not loop.is_closed():
        snap["ready"] = [_cb_name(h._callback) for h in loop._ready if not h.cancelled()]
        now = loop.time()
        snap["timers"] = sorted((round(h.when() - now, 1), _cb_name(h._callback))
                                for h in loop._scheduled if not h.cancelled())
        ready_tasks = set(getattr(h._callback, "__self__", None) for h in loop._ready)
        try:
            cur = _asyncio.current_task(loop)
        except RuntimeError:
            cur = None
        tasks = {}
        for t in _asyncio.all_tasks(loop):
            if t is cur:
                tasks[t.get_name()] = "running"
            elif t._fut_waiter is not None:
                tasks[t.get_name()] = "waits"
            elif t in ready_tasks:
                tasks[t.get_name()] = "ready"
            else:
                tasks[t.get_name()] = "-"
        snap["tasks"] = tasks
    for v in list(_sys.modules["__main__"].__dict__.values()):
        if _inspect.isgenerator(v):
            st = _inspect.getgeneratorstate(v)
            g = {"state": st, "func": v.__name__}
            if st == "GEN_SUSPENDED":
                g["line"] = v.gi_frame.f_lineno
                g["locals"] = {k: repr(x) for k, x in v.gi_frame.f_locals.items()}
            snap["gens"][v.__name__] = g
    if loop is not None and not loop.is_closed():
        for t in _asyncio.all_tasks(loop):
            c = t.get_coro()
            if not _inspect.iscoroutine(c) or c.cr_code.co_filename != __file__:
                continue
            st = _inspect.getcoroutinestate(c)
            g = {"state": st, "func": c.__qualname__}
            if st == "CORO_SUSPENDED":
                g["line"] = c.cr_frame.f_lineno
                g["locals"] = {k: repr(x) for k, x in c.cr_frame.f_locals.items()}
            snap["gens"][t.get_name()] = g
    _oracle.write(_json.dumps(snap) + "\n")
    _oracle.flush()
    _real_print(*args, **kw)


_b.print = _probe
'''


def run(cmd, stdin=None):
    env = dict(os.environ, LC_ALL="C", LANGUAGE="", NO_COLOR="1")
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, env=env)


def section(lines, starts):
    """The lines from the first one starting with one of starts up to the
    next line that starts a section."""
    heads = ("Ready queue (", "The ready queue is empty.", "Timers:", "No timer is pending.",
             "  task ", "No task has been created yet.", "FRAME ")
    out, on = [], False
    for ln in lines:
        if ln.startswith(starts):
            on = True
            out.append(ln)
            continue
        if on and ln.startswith(heads):
            break
        if on:
            out.append(ln)
    return out


def norm_call(call):
    """'Task-2.task_wakeup(Future-1)' -> 'Task-2.task_wakeup';
    'Future-1._set_result_unless_cancelled()' -> '_set_result_unless_cancelled'."""
    head = call.split("(", 1)[0]
    if "." in head:
        owner, name = head.rsplit(".", 1)
        return owner + "." + name if re.match(r"Task-\d+$", owner) else name
    return head


def split_top(s):
    """'a=1, b=[2, 3]' -> ['a=1', 'b=[2, 3]']: split at the commas outside
    brackets and quotes."""
    items, depth, quote, cur, i = [], 0, None, "", 0
    while i < len(s):
        ch = s[i]
        if quote:
            if ch == "\\":
                cur += s[i:i + 2]
                i += 2
                continue
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch in "([{<":
            depth += 1
        elif ch in ")]}>":
            depth -= 1
        elif ch == "," and depth == 0 and s[i + 1:i + 2] == " ":
            items.append(cur)
            cur, i = "", i + 2
            continue
        cur += ch
        i += 1
    if cur:
        items.append(cur)
    return items


def norm_objects(r):
    """<Task pending name='Task-2' coro=<...> wait_for=<...>> -> <Task 'Task-2'>,
    <Future ...> -> <Future>: a frame's locals are written down when it
    suspends, so a task or future it holds shows the state it had then, where
    Python's f_locals show it now.  What is compared is which object it is."""
    out, i = "", 0
    while i < len(r):
        m = re.match(r"<(Task|Future|_GatheringFuture) ", r[i:])
        if not m:
            out += r[i]
            i += 1
            continue
        depth, j = 0, i
        while j < len(r):
            depth += {"<": 1, ">": -1}.get(r[j], 0)
            j += 1
            if depth == 0:
                break
        name = re.search(r"name='([^']*)'", r[i:j])
        out += f"<{m.group(1)} '{name.group(1)}'>" if name and m.group(1) == "Task" else f"<{m.group(1)}>"
        i = j
    return out


def norm_repr(r):
    """A repr as the engine writes it: no addresses or source locations, a
    set's items in a fixed order (CPython's follows addresses), tasks and
    futures by identity (norm_objects)."""
    r = re.sub(r" at /[^>\]]*?:\d+", "", r)
    r = re.sub(r" at 0x[0-9a-f]+", "", r)
    r = norm_objects(r)
    if r.startswith("{") and r.endswith("}") and ":" not in r:
        r = "{" + ", ".join(sorted(norm_repr(x) for x in split_top(r[1:-1]))) + "}"
    return r


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    coro, pyvirt, lesson, sets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    opts = ["--lang", "en"] + sets
    prog = run([coro, "lesson", lesson, "--python"] + opts)
    if prog.returncode:
        print("cannot get the program:", prog.stderr, file=sys.stderr)
        return 2
    offset = PRELUDE.count("\n") + 1  # the program's lines come after the prelude
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "prog.py")
        out = os.path.join(tmp, "oracle.jsonl")
        with open(src, "w") as f:
            f.write(PRELUDE + "\n" + prog.stdout)
        env = dict(os.environ, ORACLE_OUT=out, PYTHONWARNINGS="ignore")
        py = subprocess.run([sys.executable, pyvirt, src], capture_output=True, text=True, env=env)
        with open(out) as f:
            snaps = [json.loads(ln) for ln in f]
    if not snaps:
        print("the program printed nothing", file=sys.stderr)
        return 2
    problems = 0
    for k, snap in enumerate(snaps, 1):
        cmds = ["break print"] + ["continue"] * k + ["ready all", "timers all", "tasks all"]
        for name in snap["gens"]:
            cmds += ["help frame", "frame " + name]
        res = run([coro, "lesson", lesson, "--step"] + opts, "\n".join(cmds) + "\nquit\n")
        lines = res.stdout.splitlines()
        marks = [i for i, ln in enumerate(lines) if ln.startswith("Breakpoint 1 (print) at #")]
        if len(marks) < k:
            print(f"print {k}: step mode reached only {len(marks)} prints")
            problems += 1
            continue
        # "help frame" prints "frame [NAME] ...": a marker before each frame
        rest = [("FRAME " + ln if ln.startswith("frame [NAME]") else ln) for ln in lines[marks[k - 1] + 1:]]
        where = f"print {k} ({py.stdout.splitlines()[k - 1] if k <= len(py.stdout.splitlines()) else '?'})"

        if snap["ready"] is not None:
            sec = section(rest, ("Ready queue (", "The ready queue is empty."))
            got = [norm_call(re.split(r"\s{2,}", ln.strip())[-1]) for ln in sec
                   if re.match(r"\s+\d+\.\s", ln)]
            if got != snap["ready"]:
                print(f"{where}: ready queue {got}, Python has {snap['ready']}")
                problems += 1
            sec = section(rest, ("Timers:", "No timer is pending."))
            got = []
            for ln in sec:
                m = re.match(r"\s+#\d+\s+t=\S+ s\s+(\S+) s\s+(.*)$", ln)
                if m:
                    got.append((round(float(m.group(1)), 1), norm_call(m.group(2))))
            want = [tuple(t) for t in snap["timers"]]
            if sorted(got) != sorted(want):
                print(f"{where}: timers {sorted(got)}, Python has {sorted(want)}")
                problems += 1
            sec = section(rest, ("  task ", "No task has been created yet."))
            got = {}
            for ln in sec[1:]:
                cells = re.split(r"\s{2,}", ln.strip())
                if len(cells) >= 3 and cells[1] == "PENDING":
                    now = cells[2]
                    got[cells[0]] = ("running" if now.startswith("running") else
                                     "waits" if now.startswith("waits for") else
                                     "ready" if now.startswith("ready") else "-")
            if got != snap["tasks"]:
                print(f"{where}: pending tasks {got}, Python has {snap['tasks']}")
                problems += 1
        frames = [i for i, ln in enumerate(rest) if ln.startswith("FRAME ")]
        for (name, g), i in zip(snap["gens"].items(), frames):
            body = rest[i + 1:]
            while body and not body[0].startswith(g["func"] + "()"):
                body = body[1:]
            body = body[1:]
            info, key = {}, None
            for ln in body:
                m = re.match(r"  (\S+(?: \S+)?)\s{2,}(.*)$", ln)
                if m:
                    key = m.group(1)
                    info[key] = m.group(2)
                elif key and ln.startswith("    "):
                    info[key] += " " + ln.strip()  # a long line, wrapped
                elif not ln.startswith("  "):
                    break
            info["state"] = info.get("state", "").split(" ")[0]
            if info.get("state") != g["state"]:
                print(f"{where}: {name} is {info.get('state')}, Python says {g['state']}")
                problems += 1
                continue
            if g["state"] not in ("GEN_SUSPENDED", "CORO_SUSPENDED"):
                continue
            m = re.match(r"line (\d+)", info.get("resumes at", ""))
            pyline = g["line"] - offset
            if not m or int(m.group(1)) != pyline:
                print(f"{where}: {name} resumes at {info.get('resumes at')}, Python: line {pyline}")
                problems += 1
            ours = dict(item.split("=", 1) for item in split_top(info.get("locals", "")) if "=" in item)
            ours = {var: norm_repr(rep) for var, rep in ours.items()}
            for var, rep in g["locals"].items():
                rep = norm_repr(rep)
                if ours.get(var) != rep:
                    print(f"{where}: {name} local {var} = {ours.get(var)}, Python: {rep}")
                    problems += 1
            for var in set(ours) - set(g["locals"]):
                print(f"{where}: {name} local {var} = {ours[var]} is unbound in Python")
                problems += 1
    print(f"{len(snaps)} prints checked, {problems} differences")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
