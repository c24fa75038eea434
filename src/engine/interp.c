/* interp.c -- one run of a program: counters, the frame stack and emitting. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "gen.h"
#include "interp.h"
#include "loop.h"

struct interp *interp_new(const struct trace_sink *sink)
{
	struct interp *I = xcalloc(1, sizeof *I);
	if (sink) I->sink = *sink;
	I->top.who.kind = ACT_MAIN;
	I->top.who.name = "<module>";
	I->cur = &I->top;
	I->want_frames = 1;
	return I;
}

void interp_free(struct interp *I)
{
	if (!I) return;
	if (I->loop) loop_free(I->loop);
	gen_drop_spare(I);
	free(I);
	obj_pool_trim();
}

void interp_enter(struct interp *I, struct frame *f, enum actor_kind k, const char *name)
{
	f->line = 0;
	f->library = 0;
	f->who.kind = k;
	f->who.id = interp_new_id(I, k);
	f->who.name = name;
	f->back = I->cur;
	I->cur = f;
}

void interp_leave(struct interp *I, struct frame *f)
{
	I->cur = f->back;
	f->back = NULL;
}

void interp_emit(struct interp *I, struct trace_event *ev)
{
	if (!I->sink.emit) return;
	ev->seq = ++I->seq;
	if (I->loop) {
		const struct loop_clock *c = loop_clock_(I->loop);
		ev->time = c->realtime ? loop_time(I->loop) : c->now;
		ev->iteration = c->iteration;
	} else {
		ev->time = 0.0;
		ev->iteration = 0;
	}
	if (!ev->line) ev->line = I->cur->line;
	if (I->set_order) ev->flags |= TRACE_SET_ORDER;
	if (interp_in_library(I)) ev->flags |= TRACE_LIBRARY;
	I->sink.emit(I->sink.ud, ev);
}

static void text_event(struct interp *I, enum ev_kind k, const char *text)
{
	if (!trace_on(I)) return;
	struct trace_event ev;
	trace_event_init(&ev, k);
	ev.actor = I->cur->who;
	ev.state_from = ev.state_to = -1;
	ev.text = text;
	interp_emit(I, &ev);
}

void interp_event(struct interp *I, enum ev_kind k, struct trace_actor who)
{
	if (!trace_on(I)) return;
	struct trace_event ev;
	trace_event_init(&ev, k);
	ev.actor = who;
	ev.state_from = ev.state_to = -1;
	interp_emit(I, &ev);
}

void interp_say(struct interp *I, const char *text) { text_event(I, EV_SAY, text); }
void interp_print(struct interp *I, const char *text) { text_event(I, EV_PRINT, text); }
void interp_warn(struct interp *I, const char *text) { text_event(I, EV_WARN, text); }
void interp_note(struct interp *I, const char *text) { text_event(I, EV_NOTE, text); }

double interp_time(struct interp *I)
{
	return loop_time(loop_get(I));
}

void interp_sleep(struct interp *I, double d)
{
	if (d <= 0) return;
	struct loop *L = loop_get(I);
	if (I->realtime) {
		struct timespec ts = {(time_t)d, (long)((d - (double)(time_t)d) * 1e9)};
		while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
	} else {
		/* The program blocks; only the clock moves. */
		double before = loop_time(L);
		loop_advance(L, d);
		if (trace_on(I)) {
			struct trace_event ev;
			trace_event_init(&ev, EV_LOOP_CLOCK);
			ev.actor = I->cur->who;
			ev.state_from = ev.state_to = -1;
			ev.when = before;
			ev.text = "time.sleep";
			interp_emit(I, &ev);
		}
	}
}
