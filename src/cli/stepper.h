/* stepper.h -- step mode: a prompt to walk a recorded run forwards and
 * backwards and look at the program's state at any event.
 *
 * On a terminal the prompt is libedit's (emacs keys, history, TAB completes
 * commands and names; Enter repeats the last stepping command; Ctrl-C
 * abandons the line or stops a long move, Ctrl-D quits).  When standard
 * input is not a terminal, commands are read one per line with no prompt,
 * so a session can be scripted:
 *
 *   printf 'step 3\ntasks\nquit\n' | coro-learn lesson 9 --step
 *
 * The state shown is folded from the recorded events (recorder.h), so a
 * live run and the replay of its trace file show exactly the same thing.
 */
#ifndef CORO_CLI_STEPPER_H
#define CORO_CLI_STEPPER_H

#include "recorder.h"

struct stepper_opts {
	int color;      /* ANSI colours on standard output */
};

/* Runs the prompt over r (borrowed) until quit or the end of input.  m
 * describes the run (title, program).  Returns 0, or 1 when standard
 * output could not be written (errno says why; EPIPE is silent). */
int stepper_run(struct recorder *r, const struct trace_meta *m, const struct stepper_opts *o);

#endif
