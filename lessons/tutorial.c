/* tutorial.c -- the notes' example coroutine and printing helpers. */
#include "config.h"

#include <math.h>
#include <stdlib.h>

#include "tutorial.h"

struct value py_number(double x)
{
	if (x == floor(x) && fabs(x) < 1e15) return value_int((long long)x);
	return value_float(x);
}

double py_seconds(struct value v)
{
	return v.kind == VAL_INT ? (double)v.u.i : v.u.f;
}

void print_args(struct interp *I, const char *label, struct value v)
{
	char *s = pystr(v);
	out(I, "%s %s", label, s);
	free(s);
}

struct value done_after(struct value x)
{
	char *s = pystr(x);
	struct value v = value_strf("Done after %ss", s);
	free(s);
	return v;
}

int uncaught(struct interp *I, struct value e)
{
	char *s = value_exc(e) ? exc_format(value_exc(e)) : value_repr(e);
	interp_warn(I, s);
	free(s);
	value_unref(e);
	return 1;
}

enum { W_X, W_N };
static const char *const work_vars[] = {"x"};

static GEN_BODY(do_some_work_body)
{
	struct interp *I = g->I;
	struct value *L = g->locals;
	GEN_BEGIN(g);
	AT_AFTER(I, "async def do_some_work", "print('Waiting: ', x)");
	print_args(I, "Waiting: ", L[W_X]);
	AT_AFTER(I, "async def do_some_work", "await asyncio.sleep(x)");
	GEN_AWAIT(g, aio_sleep(I, py_seconds(L[W_X]), value_none()), NULL);
	AT_AFTER(I, "async def do_some_work", "return 'Done after {}s'.format(x)");
	GEN_RETURN(g, done_after(L[W_X]));
	GEN_END(g);
}

const struct gen_code do_some_work = {
	.name = "do_some_work",
	.kind = GEN_KIND_COROUTINE,
	.body = do_some_work_body,
	.nlocals = W_N,
	.varnames = work_vars,
};
