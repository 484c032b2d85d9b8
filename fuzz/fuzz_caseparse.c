/*
 * fuzz_caseparse.c - libFuzzer target: the case language of 9psuite.
 *
 * Input: the text of a .case file.  parse_text (suite/lex.c, parse.c)
 * must never crash, leak or loop; on failure it gives one line
 * "fuzz.case:LINE:COL: message" with LINE inside the input.  When the text
 * parses, every expression of every case is evaluated as far as that is
 * possible without a connection (suite/eval.c: set, str(), bytes(), cat(),
 * arithmetic, variables; loop bodies once): each either gives a value or
 * fails with a one-line reason.
 */
/* fuzz-modules: suite */
#include <stdlib.h>
#include <string.h>

#include "suite/suite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int one_line(const char *s)
{
	return s[0] && !strchr(s, '\n');
}

/* Evaluate e; a failure must leave a one-line reason. */
static void try_eval(struct interp *in, const struct expr *e, const char *var)
{
	struct value v;
	if (!e)
		return;
	if (eval(in, e, &v) == 0) {
		if (var)
			var_set(in, var, &v);
		val_free(&v);
		return;
	}
	if (!one_line(in->failmsg))
		abort();
	in->failmsg[0] = 0;
}

static void walk(struct interp *in, const struct stmt *s, int n, int depth)
{
	if (depth > 64)
		return;
	for (int i = 0; i < n; i++, s++) {
		for (int j = 0; j < s->narg; j++)
			try_eval(in, s->arg[j], s->kind == S_SET ? s->var : NULL);
		for (int j = 0; j < s->nas; j++)
			try_eval(in, s->as[j].val, NULL);
		for (int j = 0; j < s->npr; j++)
			try_eval(in, s->pr[j].val, NULL);
		if ((s->kind == S_FOR || s->kind == S_REPEAT) && s->var)
			var_int(in, s->var, 1);
		walk(in, s->body, s->nbody, depth + 1);
		walk(in, s->elsebody, s->nelse, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalogue cat = { 0 };
	char *text = malloc(size + 1), err[512];
	int nlines = 1;
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	for (size_t i = 0; i < size && data[i]; i++)
		nlines += data[i] == '\n';
	err[0] = 0;
	if (parse_text("fuzz.case", text, &cat, err, sizeof err) < 0) {
		/* one line naming a line of the input */
		char *end;
		long line;
		if (!one_line(err) || strncmp(err, "fuzz.case:", 10))
			abort();
		line = strtol(err + 10, &end, 10);
		if (end == err + 10 || *end != ':' || line < 1 || line > nlines)
			abort();
	} else {
		static const struct runopts o = { .case_ms = 1000 };
		static const struct caps caps = { 0 };
		for (int i = 0; i < cat.n; i++) {
			struct interp in;
			interp_init(&in, &o, &caps, &cat.c[i], P9_DL);
			walk(&in, cat.c[i].body, cat.c[i].nbody, 0);
			interp_done(&in);
		}
	}
	catalogue_free(&cat);
	free(text);
	return 0;
}
