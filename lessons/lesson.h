/* lesson.h -- what a lesson is, and the few helpers it uses to tell its story.
 *
 * One file per chapter (lessons/NN-topic.c) exports one const struct lesson,
 * built with designated initialisers; registry.c lists the ten.  A lesson
 * declares its Python program (the text --python prints), its knobs as data,
 * and a run function that builds the same program on the engine, in the same
 * order, narrating with say() and marking the Python line with AT().
 */
#ifndef CORO_LESSON_H
#define CORO_LESSON_H

#include <stddef.h>
#include "../src/engine/aio.h"
#include "../src/i18n.h"

enum knob_type {
	KNOB_INT,     /* one whole number */
	KNOB_LIST     /* a comma-separated list of numbers (delays) */
};

struct knob {
	const char *name;   /* as given to --set: "n", "delays" */
	enum knob_type type;
	const char *def;    /* default, as the user would type it: "5", "1,2,4" */
	double min, max;    /* bounds of each number */
	int integral;       /* numbers must be whole */
	size_t max_items;   /* KNOB_LIST: at most this many numbers */
	const char *pyvar;  /* the Python line "PYVAR = ..." that carries it */
	const char *help;   /* N_("...") */
};

struct knob_value {
	double *v;          /* the numbers (1 for KNOB_INT) */
	size_t n;
};

struct lesson_run;

struct lesson {
	int number;
	const char *slug;       /* "yield" */
	const char *title;      /* N_("yield, next() and send()") */
	const char *chapter;    /* the notes' heading, in Chinese, as written */
	const struct knob *knobs;
	size_t nknobs;
	const char *python;     /* the program, with the default knob lines */
	/* Builds and runs the program on r's interp.  Returns 0, or 1 if the
	 * run failed for a reason the tool must report (a bug, not a Python
	 * exception: those are part of the lesson). */
	int (*run)(struct lesson_run *r);
};

/* One run of a lesson: its knobs, its filled-in program and its interp. */
struct lesson_run {
	const struct lesson *lesson;
	struct interp *I;
	struct knob_value kv[8];
	char *python;           /* the program with the knob values filled in */
	const char **lines;     /* python split into lines; lines[1] is line 1 */
	int nlines;
	unsigned epoch;         /* changes with every run (line cache key) */
	int condensed;          /* the text view shows a summary for big runs */
};

extern const struct lesson *const lesson_registry[];
extern const size_t lesson_count;
const struct lesson *lesson_find(int number);

/* --- knobs --- */
/* Parse "key=value" for lesson l into r (r->kv defaults filled first by
 * lesson_run_init).  Returns 0, or 1 with a message (caller frees) in *msg. */
int lesson_set_knob(struct lesson_run *r, const char *assignment, char **msg);
/* Prepare a run with defaults; then lesson_set_knob for each --set; then
 * lesson_run_python fills the program text. */
void lesson_run_init(struct lesson_run *r, const struct lesson *l);
void lesson_run_python(struct lesson_run *r);
void lesson_run_fini(struct lesson_run *r);
/* The value of knob `name` (NULL if the lesson has none by that name). */
const struct knob_value *lesson_knob(const struct lesson_run *r, const char *name);
/* "[1, 2, 4]", "5", "0.5": a knob value as Python source. */
char *knob_python(const struct knob *k, const struct knob_value *v);

/* --- telling the story (all go through the trace) --- */
struct lesson_run *lesson_of(struct interp *I);
/* The first line of the program containing `text` (0 if none: the run then
 * emits a warning, which the tests treat as a failure). */
int lesson_line(struct lesson_run *r, const char *text);
struct line_cache { unsigned epoch; int line; };
int lesson_line_cached(struct line_cache *c, struct interp *I, const char *text);
/* Mark the Python line the running frame is at. */
#define AT(I, text)                                                        \
	do {                                                                   \
		static struct line_cache lc_;                                      \
		interp_set_line((I), lesson_line_cached(&lc_, (I), (text)));       \
	} while (0)
/* AT_AFTER(I, anchor, text): for a statement whose text appears more than
 * once (two identical print lines): the first line containing `text` below
 * the first line containing `anchor`. */
int lesson_line_after(struct line_cache *c, struct interp *I, const char *anchor, const char *text);
#define AT_AFTER(I, anchor, text)                                                     \
	do {                                                                          \
		static struct line_cache lc_;                                         \
		interp_set_line((I), lesson_line_after(&lc_, (I), (anchor), (text)));  \
	} while (0)
void say(struct interp *I, const char *text);               /* narration (already translated) */
void sayf(struct interp *I, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* print(...): one line of the program's output. */
void out(struct interp *I, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A plain function's call and return, as timeline notes: the engine traces
 * generators itself, these make "who runs" visible for ordinary calls. */
void note_call(struct interp *I, const char *call);   /* "calls produce(c)" */
void note_return(struct interp *I, struct value v);   /* "returns 'done'" */
/* What next() raises when a generator returns ret (G4): StopIteration(ret),
 * or a bare StopIteration for None.  Steals ret. */
struct value stop_iteration(struct value ret);
/* str(v) as print() shows it; caller frees (use with out()). */
char *pystr(struct value v);
/* repr(round(x, ndigits)) as Python prints it ("7.0", "0.3"); caller frees. */
char *py_round(double x, int ndigits);

#endif
