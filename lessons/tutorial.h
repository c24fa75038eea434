/* tutorial.h -- what the asyncio chapters (4 to 10) share: the notes' example
 * coroutine do_some_work(x), and the way their programs print numbers,
 * results and uncaught errors. */
#ifndef CORO_TUTORIAL_H
#define CORO_TUTORIAL_H

#include "lesson.h"

/* async def do_some_work(x):
 *     print('Waiting: ', x)
 *     await asyncio.sleep(x)
 *     return 'Done after {}s'.format(x)
 * Its lines are found below the program's `async def do_some_work`. */
extern const struct gen_code do_some_work;

/* A number of the program as Python holds it: an int when whole (1), else a
 * float (0.5), so print() and str.format() spell it as Python does. */
struct value py_number(double x);
/* Seconds from an int or a float. */
double py_seconds(struct value v);
/* print(label, v): label, print's separating space, str(v). */
void print_args(struct interp *I, const char *label, struct value v);
/* 'Done after {}s'.format(x); returns a new reference. */
struct value done_after(struct value x);
/* An exception the program does not catch: Python would print a traceback
 * and stop; the lesson reports it and fails (returns 1).  Steals e. */
int uncaught(struct interp *I, struct value e);

#endif
