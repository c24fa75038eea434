/* render_json.c -- coro-learn-trace/1: writing it as a run goes, reading it
 * back for replay (see render_json.h and docs/trace-format.md). */
#include <config.h>

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../i18n.h"
#include "../engine/future.h"
#include "../engine/gen.h"
#include "render_json.h"

/* --- the output file --- */

int outfile_open(struct outfile *o, const char *path, char **msg)
{
	const char *slash = strrchr(path, '/');
	struct stat st;
	mode_t mask;
	int fd;

	memset(o, 0, sizeof *o);
	o->path = xstrdup(path);
	if (!strcmp(path, "-")) {
		o->f = stdout;
		return 0;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		*msg = xasprintf("%s: %s", path, strerror(EISDIR));
		goto fail;
	}
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		/* A device or a pipe (/dev/stdout, /dev/null, a fifo) is written
		 * in place: renaming over it would replace it. */
		o->f = fopen(path, "w");
		if (!o->f) {
			*msg = xasprintf(_("cannot write %s: %s"), path, strerror(errno));
			goto fail;
		}
		o->direct = 1;
		return 0;
	}
	/* The temporary file lives beside the target, so that the rename
	 * stays within one file system and is atomic. */
	if (slash)
		o->tmp = xasprintf("%.*s/.%s.XXXXXX", (int)(slash - path), path, slash + 1);
	else
		o->tmp = xasprintf(".%s.XXXXXX", path);
	fd = mkstemp(o->tmp);
	if (fd < 0) {
		*msg = xasprintf(_("cannot write %s: %s"), path, strerror(errno));
		free(o->tmp);
		o->tmp = NULL;
		goto fail;
	}
	/* mkstemp makes it 0600: give it the mode a new file would have. */
	mask = umask(0);
	umask(mask);
	if (fchmod(fd, 0666 & ~mask) != 0)
		(void)0; /* a file system without modes keeps its own */
	o->f = fdopen(fd, "w");
	if (!o->f) {
		*msg = xasprintf(_("cannot write %s: %s"), path, strerror(errno));
		close(fd);
		outfile_abort(o);
		goto fail;
	}
	return 0;
fail:
	free(o->path);
	o->path = NULL;
	return 1;
}

int outfile_commit(struct outfile *o, char **msg)
{
	int err = 0;

	if (!o->f)
		return 0;
	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		err = errno ? errno : EIO;
	if (o->direct && fclose(o->f) != 0 && !err)
		err = errno ? errno : EIO;
	if (o->tmp) {
		if (fclose(o->f) != 0 && !err)
			err = errno ? errno : EIO;
		o->f = NULL;
		if (!err && rename(o->tmp, o->path) != 0)
			err = errno;
	}
	o->f = NULL;
	if (err) {
		if (o->tmp)
			unlink(o->tmp);
		*msg = err == EPIPE ? NULL
				    : xasprintf(_("cannot write %s: %s"),
						strcmp(o->path, "-") ? o->path : _("standard output"),
						strerror(err));
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return err != 0;
}

void outfile_abort(struct outfile *o)
{
	if (o->direct && o->f)
		fclose(o->f);
	if (o->tmp) {
		if (o->f)
			fclose(o->f);
		unlink(o->tmp);
	}
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof *o);
}

/* --- names --- */

const char *trace_state_name(int kind, int actor_kind, int state)
{
	static const char *const gen[] = {"GEN_CREATED", "GEN_RUNNING", "GEN_SUSPENDED",
					  "GEN_CLOSED"};
	static const char *const coro[] = {"CORO_CREATED", "CORO_RUNNING", "CORO_SUSPENDED",
					   "CORO_CLOSED"};
	static const char *const fut[] = {[FUT_PENDING] = "PENDING",
					  [FUT_CANCELLED] = "CANCELLED",
					  [FUT_FINISHED] = "FINISHED"};

	if (state < 0)
		return NULL;
	if (kind >= EV_GEN_CREATE && kind <= EV_GEN_AWAIT)
		return state < 4 ? (actor_kind == ACT_CORO ? coro : gen)[state] : "?";
	return state < 3 ? fut[state] : "?";
}

/* "GEN_SUSPENDED" / "CORO_SUSPENDED" / "PENDING" -> the number; -2 if none. */
static int state_from_name(int kind, const char *s)
{
	static const char *const gen[] = {"CREATED", "RUNNING", "SUSPENDED", "CLOSED"};
	static const char *const fut[] = {[FUT_PENDING] = "PENDING",
					  [FUT_CANCELLED] = "CANCELLED",
					  [FUT_FINISHED] = "FINISHED"};
	int i;

	if (kind >= EV_GEN_CREATE && kind <= EV_GEN_AWAIT) {
		if (!strncmp(s, "GEN_", 4))
			s += 4;
		else if (!strncmp(s, "CORO_", 5))
			s += 5;
		else
			return -2;
		for (i = 0; i < 4; i++)
			if (!strcmp(s, gen[i]))
				return i;
		return -2;
	}
	for (i = 0; i < 3; i++)
		if (!strcmp(s, fut[i]))
			return i;
	return -2;
}

static int actor_kind_from_name(const char *s)
{
	int k;

	for (k = ACT_NONE; k <= ACT_CALLBACK; k++)
		if (!strcmp(trace_actor_kind_name((enum actor_kind)k), s))
			return k;
	return -1;
}

/* --- the writer --- */

struct render_json {
	FILE *out;
	int err;                  /* errno of the first failed write */
	uint64_t nevents;
	char *buf;                /* one printed event */
	int cap;
	struct rec_flat_buf fb;
	/* the summary */
	double tmax;
	uint64_t itmax, prints, warnings;
	uint64_t tasks, tasks_done, tasks_failed, tasks_cancelled, gens, coros, futures;
};

static void put(struct render_json *rj, const char *s)
{
	if (rj->err)
		return;
	errno = 0;
	if (fputs(s, rj->out) == EOF)
		rj->err = errno ? errno : EIO;
}

/* Prints item (and deletes it) into the event buffer, growing it. */
static void put_item(struct render_json *rj, cJSON *item)
{
	while (!cJSON_PrintPreallocated(item, rj->buf, rj->cap, 0)) {
		rj->cap *= 2;
		rj->buf = xrealloc(rj->buf, (size_t)rj->cap);
	}
	cJSON_Delete(item);
	put(rj, rj->buf);
}

/* cJSON reports a failed allocation as NULL; the tool's rule is to stop
 * loudly, as xmalloc does. */
static cJSON *must(cJSON *item)
{
	if (!item) {
		fputs("coro-learn: out of memory\n", stderr);
		abort();
	}
	return item;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
	must(cJSON_AddStringToObject(o, k, v));
}

static void add_num(cJSON *o, const char *k, double v)
{
	must(cJSON_AddNumberToObject(o, k, v));
}

static cJSON *actor_obj(const struct rec_flat_actor *a)
{
	cJSON *o = must(cJSON_CreateObject());

	add_str(o, "kind", trace_actor_kind_name((enum actor_kind)a->kind));
	add_num(o, "id", a->id);
	add_str(o, "name", a->name ? a->name : "");
	return o;
}

static void add_knobs(cJSON *parent, const struct trace_meta *m)
{
	cJSON *k = must(cJSON_AddObjectToObject(parent, "knobs"));
	size_t i, j;

	for (i = 0; i < m->nknobs; i++) {
		const struct trace_knob *kn = &m->knobs[i];
		if (kn->list) {
			cJSON *a = must(cJSON_AddArrayToObject(k, kn->name));
			for (j = 0; j < kn->n; j++)
				cJSON_AddItemToArray(a, must(cJSON_CreateNumber(kn->v[j])));
		} else {
			add_num(k, kn->name, kn->n ? kn->v[0] : 0);
		}
	}
}

struct render_json *render_json_new(FILE *out, const struct trace_meta *m)
{
	struct render_json *rj = xcalloc(1, sizeof *rj);
	cJSON *head = must(cJSON_CreateObject()), *l;
	char *s;
	size_t n;

	rj->out = out;
	rj->cap = 4096;
	rj->buf = xmalloc((size_t)rj->cap);
	/* The members before "events", as one object whose closing brace is
	 * replaced by the events array. */
	add_str(head, "schema", TRACE_SCHEMA);
	add_str(head, "generator", m->generator ? m->generator : PACKAGE_NAME " " PACKAGE_VERSION);
	l = must(cJSON_AddObjectToObject(head, "lesson"));
	add_num(l, "number", m->lesson);
	if (m->slug)
		add_str(l, "slug", m->slug);
	if (m->title)
		add_str(l, "title", m->title);
	if (m->chapter)
		add_str(l, "chapter", m->chapter);
	add_str(head, "language", m->language ? m->language : "en");
	add_knobs(head, m);
	add_str(head, "python", m->python ? m->python : "");
	s = cJSON_PrintUnformatted(head);
	cJSON_Delete(head);
	if (!s)
		must(NULL);
	n = strlen(s);
	s[n - 1] = '\0';
	put(rj, s);
	put(rj, ",\n\"events\":[\n");
	cJSON_free(s);
	return rj;
}

static void summarize(struct render_json *rj, const struct rec_flat *f)
{
	if (f->time > rj->tmax)
		rj->tmax = f->time;
	if (f->iteration > rj->itmax)
		rj->itmax = f->iteration;
	switch (f->kind) {
	case EV_PRINT:
		rj->prints++;
		break;
	case EV_WARN:
		rj->warnings++;
		break;
	case EV_TASK_CREATE:
		rj->tasks++;
		break;
	case EV_GEN_CREATE:
		if (f->actor.kind == ACT_CORO)
			rj->coros++;
		else
			rj->gens++;
		break;
	case EV_FUT_CREATE:
		rj->futures++;
		break;
	case EV_FUT_RESULT:
		rj->tasks_done += f->actor.kind == ACT_TASK;
		break;
	case EV_FUT_EXCEPTION:
		rj->tasks_failed += f->actor.kind == ACT_TASK;
		break;
	case EV_FUT_CANCEL:
		rj->tasks_cancelled += f->actor.kind == ACT_TASK;
		break;
	default:
		break;
	}
}

void render_json_flat(struct render_json *rj, const struct rec_flat *f)
{
	cJSON *o = must(cJSON_CreateObject());
	const char *s;

	summarize(rj, f);
	add_num(o, "seq", (double)f->seq);
	add_num(o, "time", f->time);
	add_num(o, "iteration", (double)f->iteration);
	add_str(o, "kind", trace_kind_name((enum ev_kind)f->kind));
	cJSON_AddItemToObject(o, "actor", actor_obj(&f->actor));
	if (f->other.kind != ACT_NONE)
		cJSON_AddItemToObject(o, "other", actor_obj(&f->other));
	if (f->line)
		add_num(o, "line", f->line);
	if ((s = trace_state_name(f->kind, f->actor.kind, f->state_from)))
		add_str(o, "state_from", s);
	if ((s = trace_state_name(f->kind, f->actor.kind, f->state_to)))
		add_str(o, "state_to", s);
	if (f->handle)
		add_num(o, "handle", f->handle);
	if (rec_when_wanted(f->kind) || f->when != 0)
		add_num(o, "when", f->when);
	if (f->value)
		add_str(o, "value", f->value);
	if (f->vactor.kind != ACT_NONE)
		cJSON_AddItemToObject(o, "value_actor", actor_obj(&f->vactor));
	if (f->exc)
		add_str(o, "exception", f->exc);
	if (f->text)
		add_str(o, "text", f->text);
	if (f->frame)
		add_str(o, "frame", f->frame);
	if (f->flags & TRACE_SET_ORDER)
		add_str(o, "order", "set");
	if (f->flags & TRACE_LIBRARY)
		must(cJSON_AddTrueToObject(o, "library"));
	if (rj->nevents++)
		put(rj, ",\n");
	put_item(rj, o);
}

static void json_emit(void *ud, const struct trace_event *ev)
{
	struct render_json *rj = ud;
	struct rec_flat f;

	if (rj->err)
		return;
	rec_flat_from_event(&f, ev, &rj->fb);
	render_json_flat(rj, &f);
}

struct trace_sink render_json_sink(struct render_json *rj)
{
	struct trace_sink s = {json_emit, rj};

	return s;
}

int render_json_finish(struct render_json *rj, int status)
{
	cJSON *s = must(cJSON_CreateObject()), *t;

	add_num(s, "events", (double)rj->nevents);
	add_num(s, "time", rj->tmax);
	add_num(s, "iterations", (double)rj->itmax);
	t = must(cJSON_AddObjectToObject(s, "tasks"));
	add_num(t, "created", (double)rj->tasks);
	add_num(t, "finished", (double)rj->tasks_done);
	add_num(t, "failed", (double)rj->tasks_failed);
	add_num(t, "cancelled", (double)rj->tasks_cancelled);
	add_num(s, "generators", (double)rj->gens);
	add_num(s, "coroutines", (double)rj->coros);
	add_num(s, "futures", (double)rj->futures);
	add_num(s, "prints", (double)rj->prints);
	add_num(s, "warnings", (double)rj->warnings);
	add_str(s, "status", status ? "error" : "ok");
	put(rj, rj->nevents ? "\n],\n\"summary\":" : "],\n\"summary\":");
	put_item(rj, s);
	put(rj, "}\n");
	if (!rj->err) {
		errno = 0;
		if (fflush(rj->out) != 0 || ferror(rj->out))
			rj->err = errno ? errno : EIO;
	}
	if (rj->err)
		errno = rj->err;
	return rj->err != 0;
}

void render_json_free(struct render_json *rj)
{
	if (!rj)
		return;
	rec_flat_buf_fini(&rj->fb);
	free(rj->buf);
	free(rj);
}

/* --- the loader --- */

/* Where a member of the top-level object lies in the file. */
struct span {
	const char *p;
	size_t n;
};

struct loader {
	const char *path;
	const char *base, *end;
	char *msg;
};

/* The message is one line of plain text whatever the file holds: control
 * characters (a newline, an escape sequence in a quoted schema) become '?'. */
static int fail(struct loader *L, char *msg)
{
	char *p;

	if (!L->msg) {
		L->msg = xasprintf("%s: %s", L->path, msg);
		for (p = L->msg; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
	free(msg);
	return 1;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

static int bad_json(struct loader *L, const char *at)
{
	if (at >= L->end)
		return fail(L, xstrdup(_("the file ends too early: truncated, or not JSON")));
	return fail(L, xasprintf(_("not valid JSON at byte %zu"), (size_t)(at - L->base)));
}

/* Skips one string starting at *pp ('"'); 0 or 1 after a message. */
static int skip_string(struct loader *L, const char **pp)
{
	const char *p = *pp + 1;

	while (p < L->end && *p != '"') {
		if (*p == '\\')
			p++;
		else if ((unsigned char)*p < 0x20)
			return bad_json(L, p);
		p++;
	}
	if (p >= L->end)
		return bad_json(L, p);
	*pp = p + 1;
	return 0;
}

/* Skips one value starting at *pp without recursion, counting the depth:
 * the shape is checked here, the details by cJSON on each piece later. */
static int skip_value(struct loader *L, const char **pp, int depth0)
{
	const char *p = *pp;
	int depth = 0;

	do {
		p = skip_ws(p, L->end);
		if (p >= L->end)
			return bad_json(L, p);
		switch (*p) {
		case '{':
		case '[':
			if (depth0 + ++depth > TRACE_DEPTH_MAX)
				return fail(L, xasprintf(_("JSON nested more than %d levels deep: not a coro-learn trace"),
							 TRACE_DEPTH_MAX));
			p++;
			break;
		case '}':
		case ']':
			if (depth == 0)
				return bad_json(L, p);
			depth--;
			p++;
			break;
		case '"':
			if (skip_string(L, &p))
				return 1;
			break;
		case ',':
		case ':':
			if (depth == 0)
				return bad_json(L, p);
			p++;
			break;
		default:
			if (!strchr("-0123456789tfn", *p))
				return bad_json(L, p);
			while (p < L->end && (strchr("+-.eE", *p) || (*p >= '0' && *p <= '9') ||
					      (*p >= 'a' && *p <= 'z')))
				p++;
			break;
		}
	} while (depth > 0);
	*pp = p;
	return 0;
}

/* cJSON on exactly [p, p+n): NULL and a message when it is not one value. */
static cJSON *parse_piece(struct loader *L, const char *p, size_t n)
{
	const char *endp = NULL;
	cJSON *j = cJSON_ParseWithLengthOpts(p, n, &endp, 0);

	if (!j || skip_ws(endp, p + n) != p + n) {
		cJSON_Delete(j);
		bad_json(L, endp ? endp : p);
		return NULL;
	}
	return j;
}

static int field_error(struct loader *L, uint64_t i, const char *field, const char *what)
{
	/* TRANSLATORS: "event 12: "kind": unknown event kind" */
	return fail(L, xasprintf(_("event %llu: \"%s\": %s"), (unsigned long long)i, field, what));
}

static int get_number(struct loader *L, uint64_t i, const cJSON *o, const char *k, int required,
		      double lo, double hi, double *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v) {
		if (required)
			return field_error(L, i, k, _("missing"));
		return 0;
	}
	if (!cJSON_IsNumber(v) || v->valuedouble < lo || v->valuedouble > hi)
		return field_error(L, i, k, _("not a number in range"));
	*out = v->valuedouble;
	return 0;
}

static int get_string(struct loader *L, uint64_t i, const cJSON *o, const char *k, int required,
		      const char **out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	if (!v) {
		if (required)
			return field_error(L, i, k, _("missing"));
		return 0;
	}
	if (!cJSON_IsString(v))
		return field_error(L, i, k, _("not a string"));
	*out = v->valuestring;
	return 0;
}

static int get_actor(struct loader *L, uint64_t i, const cJSON *o, const char *k, int required,
		     struct rec_flat_actor *a)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	const char *kind = NULL;
	double id = 0;

	if (!v) {
		if (required)
			return field_error(L, i, k, _("missing"));
		return 0;
	}
	if (!cJSON_IsObject(v))
		return field_error(L, i, k, _("not an object"));
	if (get_string(L, i, v, "kind", 1, &kind) || get_number(L, i, v, "id", 1, 0, 4294967295.0, &id) ||
	    get_string(L, i, v, "name", 1, &a->name))
		return 1;
	a->kind = actor_kind_from_name(kind);
	if (a->kind < 0)
		return field_error(L, i, k, _("unknown actor kind"));
	a->id = (unsigned)id;
	return 0;
}

static int get_state(struct loader *L, uint64_t i, const cJSON *o, const char *k, int kind, int *out)
{
	const char *s = NULL;

	*out = -1;
	if (get_string(L, i, o, k, 0, &s))
		return 1;
	if (s && (*out = state_from_name(kind, s)) < 0)
		return field_error(L, i, k, _("unknown state"));
	return 0;
}

/* One event object into r. */
static int load_event(struct loader *L, struct recorder *r, uint64_t i, const cJSON *o)
{
	struct rec_flat f;
	const char *kind = NULL, *order = NULL;
	double seq = 0, it = 0, line = 0, handle = 0;
	const cJSON *lib;

	memset(&f, 0, sizeof f);
	if (!cJSON_IsObject(o))
		return fail(L, xasprintf(_("event %llu is not an object"), (unsigned long long)i));
	if (get_number(L, i, o, "seq", 1, 0, 9007199254740992.0, &seq))
		return 1;
	if ((uint64_t)seq != i)
		return field_error(L, i, "seq", _("events must be numbered 1, 2, 3 ... in order"));
	if (get_number(L, i, o, "time", 1, -1e300, 1e300, &f.time) ||
	    get_number(L, i, o, "iteration", 1, 0, 9007199254740992.0, &it) ||
	    get_string(L, i, o, "kind", 1, &kind))
		return 1;
	f.seq = (uint64_t)seq;
	f.iteration = (uint64_t)it;
	f.kind = trace_kind_from_name(kind);
	if (f.kind < 0)
		return field_error(L, i, "kind", _("unknown event kind"));
	if (get_actor(L, i, o, "actor", 1, &f.actor) || get_actor(L, i, o, "other", 0, &f.other) ||
	    get_actor(L, i, o, "value_actor", 0, &f.vactor) ||
	    get_number(L, i, o, "line", 0, 0, 2147483647.0, &line) ||
	    get_state(L, i, o, "state_from", f.kind, &f.state_from) ||
	    get_state(L, i, o, "state_to", f.kind, &f.state_to) ||
	    get_number(L, i, o, "handle", 0, 0, 4294967295.0, &handle) ||
	    get_number(L, i, o, "when", 0, -1e300, 1e300, &f.when) ||
	    get_string(L, i, o, "value", 0, &f.value) || get_string(L, i, o, "exception", 0, &f.exc) ||
	    get_string(L, i, o, "text", 0, &f.text) || get_string(L, i, o, "frame", 0, &f.frame) ||
	    get_string(L, i, o, "order", 0, &order))
		return 1;
	f.line = (int)line;
	f.handle = (unsigned)handle;
	if (order && !strcmp(order, "set"))
		f.flags |= TRACE_SET_ORDER;
	lib = cJSON_GetObjectItemCaseSensitive(o, "library");
	if (lib && !cJSON_IsBool(lib))
		return field_error(L, i, "library", _("not true or false"));
	if (cJSON_IsTrue(lib))
		f.flags |= TRACE_LIBRARY;
	if (recorder_add(r, &f))
		return fail(L, xasprintf(_("more than %u events: too many to replay"), REC_MAX_EVENTS));
	return 0;
}

/* The events array at span s, one element at a time. */
static int load_events(struct loader *L, struct recorder *r, struct span s)
{
	const char *p = s.p, *end = s.p + s.n;
	uint64_t i = 0;

	if (*p != '[')
		return fail(L, xstrdup(_("\"events\" is not an array")));
	p = skip_ws(p + 1, end);
	if (p < end && *p == ']')
		return 0;
	for (;;) {
		const char *start = p;
		cJSON *o;
		int rc;
		if (skip_value(L, &p, 1))
			return 1;
		o = parse_piece(L, start, (size_t)(p - start));
		if (!o)
			return 1;
		rc = load_event(L, r, ++i, o);
		cJSON_Delete(o);
		if (rc)
			return 1;
		p = skip_ws(p, end);
		if (p < end && *p == ',') {
			p = skip_ws(p + 1, end);
			continue;
		}
		if (p < end && *p == ']')
			return 0;
		return bad_json(L, p);
	}
}

static char *dup_member(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? xstrdup(v->valuestring) : NULL;
}

/* lesson, language, knobs, python: what step mode shows about the run. */
static int load_meta(struct loader *L, const cJSON *lesson, const cJSON *rest, struct trace_meta *m)
{
	const cJSON *k, *num;

	if (lesson) {
		if (!cJSON_IsObject(lesson))
			return fail(L, xstrdup(_("\"lesson\" is not an object")));
		num = cJSON_GetObjectItemCaseSensitive(lesson, "number");
		if (cJSON_IsNumber(num) && num->valuedouble >= 0 && num->valuedouble <= 1000)
			m->lesson = (int)num->valuedouble;
		m->slug = dup_member(lesson, "slug");
		m->title = dup_member(lesson, "title");
		m->chapter = dup_member(lesson, "chapter");
	}
	m->language = dup_member(rest, "language");
	m->python = dup_member(rest, "python");
	m->generator = dup_member(rest, "generator");
	k = cJSON_GetObjectItemCaseSensitive(rest, "knobs");
	if (cJSON_IsObject(k)) {
		const cJSON *e;
		size_t n = 0;
		cJSON_ArrayForEach(e, k)
			n++;
		m->knobs = xcalloc(n ? n : 1, sizeof *m->knobs);
		cJSON_ArrayForEach(e, k) {
			struct trace_knob *kn = &m->knobs[m->nknobs];
			const cJSON *x;
			if (!e->string)
				continue;
			if (cJSON_IsNumber(e)) {
				kn->v = xmalloc(sizeof *kn->v);
				kn->v[0] = e->valuedouble;
				kn->n = 1;
			} else if (cJSON_IsArray(e)) {
				kn->list = 1;
				kn->v = xmalloc(((size_t)cJSON_GetArraySize(e) + 1) * sizeof *kn->v);
				cJSON_ArrayForEach(x, e)
					if (cJSON_IsNumber(x))
						kn->v[kn->n++] = x->valuedouble;
			} else {
				continue;
			}
			kn->name = xstrdup(e->string);
			m->nknobs++;
		}
	}
	return 0;
}

/* The whole file is mapped: a scan finds the members of the top object,
 * then the small ones are parsed whole and the events one by one. */
static int load_mapped(struct loader *L, struct recorder *r, struct trace_meta *m)
{
	const char *p = skip_ws(L->base, L->end);
	struct span events = {NULL, 0}, schema = {NULL, 0}, lesson = {NULL, 0};
	cJSON *rest = NULL, *j;
	int rc = 1;

	if (p >= L->end)
		return fail(L, xstrdup(_("the file is empty: not a coro-learn trace")));
	if (*p != '{')
		return fail(L, xstrdup(_("not a coro-learn trace (no JSON object)")));
	/* Everything but events and lesson goes into `rest`, an object cJSON
	 * builds from the file's own members. */
	rest = must(cJSON_CreateObject());
	p = skip_ws(p + 1, L->end);
	if (p < L->end && *p == '}')
		p++;
	else
		for (;;) {
			const char *k0, *k1, *v0;
			if (p >= L->end || *p != '"') {
				bad_json(L, p);
				goto out;
			}
			k0 = p;
			if (skip_string(L, &p))
				goto out;
			k1 = p;
			p = skip_ws(p, L->end);
			if (p >= L->end || *p != ':') {
				bad_json(L, p);
				goto out;
			}
			v0 = p = skip_ws(p + 1, L->end);
			if (skip_value(L, &p, 1))
				goto out;
#define KEY_IS(s) ((size_t)(k1 - k0) == sizeof(s) + 1 && !memcmp(k0 + 1, s, sizeof(s) - 1))
			if (KEY_IS("events")) {
				events.p = v0;
				events.n = (size_t)(p - v0);
			} else if (KEY_IS("lesson")) {
				lesson.p = v0;
				lesson.n = (size_t)(p - v0);
			} else if (KEY_IS("schema")) {
				schema.p = v0;
				schema.n = (size_t)(p - v0);
			} else if (KEY_IS("language") || KEY_IS("knobs") || KEY_IS("python") ||
				   KEY_IS("generator")) {
				char *key;
				j = parse_piece(L, v0, (size_t)(p - v0));
				if (!j)
					goto out;
				key = xasprintf("%.*s", (int)(k1 - k0 - 2), k0 + 1);
				cJSON_AddItemToObject(rest, key, j);
				free(key);
			}
#undef KEY_IS
			p = skip_ws(p, L->end);
			if (p < L->end && *p == ',') {
				p = skip_ws(p + 1, L->end);
				continue;
			}
			if (p < L->end && *p == '}') {
				p++;
				break;
			}
			bad_json(L, p);
			goto out;
		}
	if (skip_ws(p, L->end) != L->end) {
		bad_json(L, skip_ws(p, L->end));
		goto out;
	}
	if (!schema.p) {
		fail(L, xstrdup(_("not a coro-learn trace (it has no \"schema\")")));
		goto out;
	}
	j = parse_piece(L, schema.p, schema.n);
	if (!j)
		goto out;
	if (!cJSON_IsString(j) || strcmp(j->valuestring, TRACE_SCHEMA)) {
		char *got = cJSON_IsString(j) ? xstrdup(j->valuestring) : xstrdup("?");
		/* TRANSLATORS: the schema a file names, and the one this version reads */
		fail(L, xasprintf(_("schema \"%.60s\" is not %s: not a trace this version can read"),
				  got, TRACE_SCHEMA));
		free(got);
		cJSON_Delete(j);
		goto out;
	}
	cJSON_Delete(j);
	if (!events.p) {
		fail(L, xstrdup(_("the trace has no \"events\"")));
		goto out;
	}
	j = lesson.p ? parse_piece(L, lesson.p, lesson.n) : NULL;
	if (lesson.p && !j)
		goto out;
	rc = load_meta(L, j, rest, m);
	cJSON_Delete(j);
	if (!rc)
		rc = load_events(L, r, events);
out:
	cJSON_Delete(rest);
	return rc;
}

int render_json_load(const char *path, struct recorder *r, struct trace_meta *m, char **msg)
{
	struct loader L;
	struct stat st;
	void *map;
	int fd, rc;

	memset(&L, 0, sizeof L);
	L.path = path;
	*msg = NULL;
	fd = open(path, O_RDONLY);
	if (fd < 0) {
		*msg = xasprintf("%s: %s", path, strerror(errno));
		return 1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		*msg = xasprintf("%s: %s", path, S_ISDIR(st.st_mode) ? strerror(EISDIR)
								     : _("not a regular file"));
		close(fd);
		return 1;
	}
	if ((uintmax_t)st.st_size > TRACE_FILE_MAX) {
		*msg = xasprintf(_("%s: too big to replay (%.1f MB; the limit is %lu MB)"), path,
				 (double)st.st_size / (1024.0 * 1024.0), TRACE_FILE_MAX / (1024 * 1024));
		close(fd);
		return 1;
	}
	if (st.st_size == 0) {
		*msg = xasprintf("%s: %s", path, _("the file is empty: not a coro-learn trace"));
		close(fd);
		return 1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED) {
		*msg = xasprintf("%s: %s", path, strerror(errno));
		return 1;
	}
	L.base = map;
	L.end = L.base + st.st_size;
	rc = load_mapped(&L, r, m);
	munmap(map, (size_t)st.st_size);
	if (rc) {
		*msg = L.msg ? L.msg : xasprintf("%s: %s", path, _("not a coro-learn trace"));
		trace_meta_fini(m);
	} else {
		free(L.msg);
	}
	return rc;
}
