/* 03-producer-consumer.c -- chapter 3: producer and consumer with send(). */
#include "config.h"

#include <stdlib.h>

#include "lesson.h"

static const char python[] =
	"# Chapter 3: producer and consumer with yield/send.\n"
	"# The consumer (who moves second) is the generator;\n"
	"# the producer (who moves first) takes the generator as its argument.\n"
	"\n"
	"N = 5\n"
	"\n"
	"\n"
	"def consumer():\n"
	"    r = ''\n"
	"    while True:\n"
	"        n = yield r\n"
	"        if not n:\n"
	"            return\n"
	"        print('[CONSUMER] Consuming %s...' % n)\n"
	"        r = '200 OK'\n"
	"\n"
	"\n"
	"def produce(c):\n"
	"    c.send(None)\n"
	"    n = 0\n"
	"    while n < N:\n"
	"        n = n + 1\n"
	"        print('[PRODUCER] Producing %s...' % n)\n"
	"        r = c.send(n)\n"
	"        print('[PRODUCER] Consumer return: %s' % r)\n"
	"    c.close()\n"
	"\n"
	"\n"
	"c = consumer()\n"
	"produce(c)  # the producer drives the whole exchange\n";

/* Past this many items the run is marked condensed: the text view folds the
 * timeline early and summarises the rest. */
enum { N_CONDENSED = 20 };

/* def consumer(): its locals are slots (r must survive the yield), so a
 * trace shows the frame as gi_frame does. */
enum { CONS_R, CONS_N, CONS_NLOCALS };
static const char *const consumer_vars[] = {"r", "n"};

static GEN_BODY(def_consumer_body)
{
	struct interp *I = g->I;
	struct value *L = g->locals;
	char *s;

	GEN_BEGIN(g);
	AT(I, "r = ''");
	value_set(&L[CONS_R], value_str(""));
	AT(I, "while True:");
	for (;;) {
		/* r goes out now; n is what the next send() brings (G2).
		 * close() raises GeneratorExit here, which ends the body. */
		AT(I, "n = yield r");
		GEN_YIELD(g, value_ref(L[CONS_R]), &L[CONS_N]);
		AT(I, "if not n:");
		if (!value_truthy(L[CONS_N])) {
			AT(I, "            return");
			GEN_RETURN(g, value_none());
		}
		AT(I, "print('[CONSUMER] Consuming %s...' % n)");
		s = pystr(L[CONS_N]);
		out(I, "[CONSUMER] Consuming %s...", s);
		free(s);
		AT(I, "r = '200 OK'");
		value_set(&L[CONS_R], value_str("200 OK"));
	}
	GEN_END(g);
}

static const struct gen_code def_consumer = {
	.name = "consumer", .kind = GEN_KIND_GENERATOR, .body = def_consumer_body,
	.nlocals = CONS_NLOCALS, .varnames = consumer_vars,
	.firstlineno = 8, /* def consumer(): */
};

/* def produce(c): a plain function, run in a frame of its own so the trace
 * shows it as the one who drives the consumer.  c is borrowed.  Returns 0,
 * or 1 if the consumer did not behave as the program says it does (an
 * engine bug). */
static int produce(struct interp *I, struct value c, long long items)
{
	struct frame fr;
	struct gen *cg = value_gen(c);
	struct value r;
	long long n;
	char *s;
	int rc = 1;

	note_call(I, "produce(c)");
	interp_enter(I, &fr, ACT_MAIN, "produce");
	AT(I, "c.send(None)");
	say(I, _("c.send(None) activates (激活) the consumer, as next(c) would: it runs to `n = yield r` and "
		 "yields r, still ''. The producer throws that first value away; now the consumer waits for an item."));
	if (gen_send(cg, value_none(), &r) != GEN_YIELDED)
		goto fail;
	value_unref(r);
	AT(I, "n = 0");
	n = 0;
	if (items == 0)
		say(I, _("N is 0, so the while loop never runs: the consumer is activated and closed, "
			 "and consumes nothing."));
	for (;;) {
		AT(I, "while n < N:");
		if (n >= items)
			break;
		AT(I, "n = n + 1");
		n = n + 1;
		AT(I, "print('[PRODUCER] Producing %s...' % n)");
		out(I, "[PRODUCER] Producing %lld...", n);
		AT(I, "r = c.send(n)");
		if (n == 1)
			say(I, _("r = c.send(n) hands the item to the consumer and waits. In the consumer, "
				 "`n = yield r` receives it; the consumer prints, sets r = '200 OK' and loops back to "
				 "the yield, which hands r back as the result of send(). Control goes back and forth "
				 "like this once per item, without threads."));
		if (gen_send(cg, value_int(n), &r) != GEN_YIELDED)
			goto fail;
		AT(I, "print('[PRODUCER] Consumer return: %s' % r)");
		s = pystr(r);
		out(I, "[PRODUCER] Consumer return: %s", s);
		free(s);
		value_unref(r);
	}
	AT(I, "c.close()");
	say(I, _("c.close() raises GeneratorExit inside the consumer, at the yield where it waits. "
		 "The consumer does not catch it, so it ends (GEN_CLOSED) and close() returns None. "
		 "(A falsy item such as 0 would end it too, through `if not n: return`, "
		 "but then send() would raise StopIteration.)"));
	if (gen_close(cg, &r) != GEN_RETURNED)
		goto fail;
	value_unref(r);
	note_return(I, value_none());
	rc = 0;
	goto done;
fail:
	value_unref(r);
done:
	interp_leave(I, &fr);
	return rc;
}

static int run(struct lesson_run *r)
{
	struct interp *I = r->I;
	long long items = (long long)lesson_knob(r, "n")->v[0];
	struct value c;
	int rc;

	r->condensed = items > N_CONDENSED;
	say(I, _("Producer and consumer take turns. The side that moves second, the consumer, is the generator; "
		 "the side that moves first, the producer, is a plain function that takes the generator as its "
		 "argument (后手设定为生成器函数，先手设定为带生成器参数的函数). "
		 "send() carries each item in, and yield carries each answer out."));
	AT(I, "c = consumer()");
	say(I, _("consumer() only creates the generator; none of its body runs yet."));
	c = gen_new(I, &def_consumer, 0);
	AT(I, "produce(c)  # the producer");
	say(I, _("produce(c) is a plain function: it runs in its own frame, moves first and drives the consumer."));
	rc = produce(I, c, items);
	value_unref(c);
	return rc;
}

static const struct knob knobs[] = {
	{ .name = "n", .type = KNOB_INT, .def = "5", .min = 0, .max = 10000, .integral = 1,
	  .pyvar = "N", .help = N_("how many items the producer sends to the consumer: the program's N") },
};

const struct lesson lesson_03 = {
	.number = 3,
	.slug = "producer-consumer",
	.title = N_("Producer and consumer with send()"),
	.chapter = "3.yield实现生产者和消费者",
	.knobs = knobs,
	.nknobs = sizeof knobs / sizeof knobs[0],
	.python = python,
	.run = run,
};
