/* aio.h -- the asyncio functions the lessons use (tasks.py, base_events.py,
 * runners.py), built on gen, loop, future and task.
 *
 * Functions that are coroutines in Python (sleep, wait, wait_for) return a
 * new coroutine object: nothing happens until it is awaited or wrapped in a
 * task, so their argument checks raise when awaited, as in CPython (5.1).
 * Functions that are plain in Python (ensure_future, gather, as_completed)
 * act at once.  Each returns a new reference; on a Python error the returned
 * value is the exception (VAL_EXC) and the function returns 1.
 */
#ifndef CORO_AIO_H
#define CORO_AIO_H

#include "task.h"

enum aio_return_when { AIO_ALL_COMPLETED, AIO_FIRST_COMPLETED, AIO_FIRST_EXCEPTION };

/* asyncio.sleep(delay, result=None) -> coroutine. */
struct value aio_sleep(struct interp *I, double delay, struct value result);
/* ensure_future(x): a future is returned as is; a coroutine becomes a task of
 * the current loop (created if needed: 3.11 gives no warning). */
int aio_ensure_future(struct interp *I, struct value x, struct value *out);
/* loop.create_task(coro) */
int aio_create_task(struct loop *L, struct value coro, const char *name, struct value *out);
/* asyncio.wait(fs, timeout=<0: none>, return_when) -> coroutine returning
 * (done, pending).  fs is borrowed (a list or tuple, or anything: checked
 * when awaited). */
struct value aio_wait(struct interp *I, struct value fs, double timeout,
		      enum aio_return_when return_when);
/* asyncio.gather(*aws, return_exceptions=...) -> _GatheringFuture.  aws is a
 * list or tuple (borrowed). */
int aio_gather(struct interp *I, struct value aws, int return_exceptions, struct value *out);
/* asyncio.as_completed(fs, timeout=<0: none>) -> a generator of coroutines. */
int aio_as_completed(struct interp *I, struct value fs, double timeout, struct value *out);
/* asyncio.wait_for(aw, timeout) -> coroutine (timeout < 0: None). */
struct value aio_wait_for(struct interp *I, struct value aw, double timeout);

/* loop.run_until_complete(x): 0 with *out = the result, or 1 with *out = the
 * exception it raises (the future's, or RuntimeError for misuse). */
int aio_run_until_complete(struct loop *L, struct value x, struct value *out);
/* asyncio.run(coro): a new loop, main task, shutdown (6.3).  */
int aio_run(struct interp *I, struct value coro, struct value *out);

/* asyncio.get_event_loop(): 3.11 creates the loop silently; after
 * asyncio.run() (set_event_loop(None)) it raises RuntimeError. */
int aio_get_event_loop(struct interp *I, struct loop **out, struct value *err);

/* asyncio.iscoroutine(x) */
int aio_iscoroutine(struct value x);

#endif
