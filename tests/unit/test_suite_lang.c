/*
 * test_suite_lang.c - 9psuite's case language without a target: the
 * tokenizer, the parser's syntax tree and its file:line:col errors, and the
 * named constants.
 */
#include <check.h>

#include "unit.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite/suite.h"

static char dir[64];

/* Write text to DIR/NAME.case and parse it. */
static int parse_tmp(const char *text, struct catalogue *cat, char *err, size_t cap)
{
	char path[128];
	FILE *f;
	if (!dir[0]) {
		snprintf(dir, sizeof dir, "/tmp/test_suite_lang.XXXXXX");
		ck_assert_ptr_nonnull(mkdtemp(dir));
	}
	snprintf(path, sizeof path, "%s/t.case", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	memset(cat, 0, sizeof *cat);
	int rc = parse_file(path, cat, err, cap);
	unlink(path);
	return rc;
}

START_TEST(lex_tokens)
{
	struct toklines tl;
	char err[256];
	ck_assert_int_eq(lex_file("x", "send Twalk fid=$q.path wname=[a,..] # c\n"
				  "expect none within 200ms 0644 0x1f \"a\\x41\\n\"\n", &tl,
				  err, sizeof err), 0);
	ck_assert_int_eq(tl.nline, 2);
	struct tok *t = tl.line[0];
	ck_assert_int_eq(t[0].kind, T_WORD);
	ck_assert_str_eq(t[1].s, "Twalk");
	ck_assert_int_eq(t[3].kind, T_OP);
	ck_assert_int_eq(t[4].kind, T_VAR);
	ck_assert_str_eq(t[4].s, "q.path");
	ck_assert_int_eq(t[7].kind, T_LBRACK);
	ck_assert_int_eq(t[10].kind, T_DOTDOT);
	t = tl.line[1];
	ck_assert_int_eq(t[3].kind, T_DUR);
	ck_assert_int_eq(t[3].n, 200);
	ck_assert_int_eq(t[4].n, 0644);
	ck_assert_int_eq(t[5].n, 0x1f);
	ck_assert_int_eq(t[6].kind, T_STR);
	ck_assert_str_eq(t[6].s, "aA\n");
	ck_assert_int_eq(t[7].kind, T_EOL);
	toklines_free(&tl);
	ck_assert_int_eq(lex_file("f.case", "\n  send \"open", &tl, err, sizeof err), -1);
	ck_assert_str_eq(err, "f.case:2:8: unterminated string");
}
END_TEST

START_TEST(parse_case)
{
	struct catalogue cat;
	char err[512];
	ck_assert_int_eq(parse_tmp(
		"# comment\n"
		"case WALK4 \"walk: second element missing\"\n"
		"flags walk qid\n"
		"dialects 2000 L\n"
		"level must \"walk(5)\"\n"
		"needs synthfs writable\n"
		"deps WALK2\n"
		"timeout 7s\n"
		"send @w Twalk fid=$root newfid=1 wname=[walk,nope]\n"
		"expect @w Rwalk nwqid=1 wqid[0] -> $q\n"
		"for i in 1..3 step 2\n"
		"  if dialect L\n"
		"    expect error ENOENT|ENOTDIR\n"
		"  else\n"
		"    expect error or close within 2s\n"
		"  end\n"
		"end\n"
		"end\n", &cat, err, sizeof err), 0);
	ck_assert_int_eq(cat.n, 1);
	struct scase *c = &cat.c[0];
	ck_assert_str_eq(c->code, "WALK4");
	ck_assert_int_eq(c->nflags, 2);
	ck_assert(case_has_flag(c, "qid"));
	ck_assert_int_eq(c->dialects, P9_D2000 | P9_DL);
	ck_assert_int_eq(c->needs, NEED_SYNTHFS | NEED_WRITABLE);
	ck_assert_int_eq(c->ndeps, 1);
	ck_assert_int_eq(c->timeout_ms, 7000);
	ck_assert_int_eq(c->nbody, 3);
	ck_assert_int_eq(c->body[0].kind, S_SEND);
	ck_assert_str_eq(c->body[0].handle, "w");
	ck_assert_int_eq(c->body[0].nas, 3);
	ck_assert_int_eq(c->body[1].kind, S_EXPECT);
	ck_assert_int_eq(c->body[1].npr, 2);
	ck_assert_int_eq(c->body[1].pr[1].op, P_CAPTURE);
	ck_assert_int_eq(c->body[2].kind, S_FOR);
	ck_assert_int_eq(c->body[2].nbody, 1);
	struct stmt *ifs = &c->body[2].body[0];
	ck_assert_int_eq(ifs->kind, S_IF);
	ck_assert_int_eq(ifs->body[0].nerrno, 2);
	ck_assert_int_eq(ifs->elsebody[0].xkind, X_ERROR_OR_CLOSE);
	ck_assert_int_eq(ifs->elsebody[0].within_ms, 2000);
	catalogue_free(&cat);
}
END_TEST

static void want_error(const char *text, const char *msg)
{
	struct catalogue cat;
	char err[512];
	ck_assert_int_eq(parse_tmp(text, &cat, err, sizeof err), -1);
	ck_assert_msg(strstr(err, msg) != NULL, "got '%s', want '%s'", err, msg);
	catalogue_free(&cat);
}

START_TEST(parse_errors)
{
	want_error("case A1 \"t\"\nlevel should\nsend Twalk fid=1 bogus=2\nend\n",
		   "t.case:3:18: no field 'bogus' in this message");
	want_error("case A1 \"t\"\nlevel must\nend\n",
		   "t.case:2:11: a 'must' case cites its source");
	want_error("case A1 \"t\"\nlevel should\nfrobnicate 1\nend\n",
		   "t.case:3:1: unknown statement 'frobnicate'");
	want_error("case A1 \"t\"\nlevel should\nrepeat 3\nclunk 1\n",
		   "t.case:3:1: block is not closed with 'end'");
	want_error("case A1 \"t\"\nlevel should\nexpect Rbogus\nend\n",
		   "t.case:3:8: expected an R-message name");
	want_error("case A1 \"t\"\nlevel should\nend\ncase A1 \"u\"\nlevel should\nend\n",
		   "t.case:4:6: duplicate case code A1");
	want_error("case A1 \"t\"\nlevel should\nexpect error ENOPE\nend\n",
		   "t.case:3:14: unknown errno name 'ENOPE'");
	want_error("case A1 \"t\"\nlevel should\nwalk 1\nend\n",
		   "t.case:3:6: wrong number of arguments to walk");
	want_error("case A1 \"t\"\nlevel should\ngetqid 1\nend\n",
		   "t.case:3:8: getqid needs '-> $variable'");
}
END_TEST

START_TEST(constants)
{
	uint64_t v;
	ck_assert(const_lookup("NOFID", &v) && v == 0xFFFFFFFFu);
	ck_assert(const_lookup("ENOENT", &v) && v == 2);
	ck_assert(const_lookup("O_TRUNC", &v) && v == 01000);
	ck_assert(const_lookup("DMDIR", &v) && v == 0x80000000u);
	ck_assert(!const_lookup("walk", &v));
	struct value a = val_str("ab", 2), b = val_str("ab", 2), c = val_int(3);
	ck_assert(val_eq(&a, &b));
	ck_assert(!val_eq(&a, &c));
	val_free(&a);
	val_free(&b);
}
END_TEST

static const struct runopts one_second = { .case_ms = 1000 };
static const struct caps no_caps = { 0 };

/* An interpreter on the first case of cat (1 s per case, no caps). */
static void interp_on(struct interp *in, struct catalogue *cat)
{
	ck_assert_int_ge(cat->n, 1);
	interp_init(in, &one_second, &no_caps, &cat->c[0], P9_DL);
}

/* Parse text as v.case, then interp_on. */
static void interp_text(struct interp *in, struct catalogue *cat, char *text)
{
	char err[512];
	memset(cat, 0, sizeof *cat);
	ck_assert_msg(parse_text("v.case", text, cat, err, sizeof err) == 0, "%s", err);
	interp_on(in, cat);
}

static void interp_off(struct interp *in, struct catalogue *cat)
{
	interp_done(in);
	catalogue_free(cat);
}

/* Found by fuzz/fuzz_caseparse: str() of a 32 MiB string 16 Mi times
 * asked malloc for 2^49 bytes (an abort); cat() could double a string
 * without bound.  Both now fail the case with a reason. */
START_TEST(eval_string_limit)
{
	static const char text[] =
		"case V1 \"v\"\nlevel should\n"
		"set $a = str(str(\"ab\", 16777216), 16777216)\n"
		"set $b = str(\"ab\", 3)\n"
		"set $c = cat(str(\"x\", 16777216), \"y\")\n"
		"end\n";
	struct catalogue cat;
	struct interp in;
	struct value v;
	char buf[sizeof text];
	memcpy(buf, text, sizeof text);
	interp_text(&in, &cat, buf);
	ck_assert_int_eq(cat.n, 1);
	ck_assert_int_eq(cat.c[0].nbody, 3);
	ck_assert_int_eq(eval(&in, cat.c[0].body[0].arg[0], &v), -1);
	ck_assert_msg(strstr(in.failmsg, "v.case:3: str(): the string would exceed 16 MiB"),
		      "%s", in.failmsg);
	in.failmsg[0] = 0;
	ck_assert_int_eq(eval(&in, cat.c[0].body[1].arg[0], &v), 0);
	ck_assert_int_eq(v.len, 6);
	ck_assert_mem_eq(v.s, "ababab", 6);
	val_free(&v);
	ck_assert_int_eq(eval(&in, cat.c[0].body[2].arg[0], &v), -1);
	ck_assert_ptr_nonnull(strstr(in.failmsg, "cat(): the string would exceed"));
	interp_off(&in, &cat);
}
END_TEST

/* A case's variables hold at most EVAL_MAXVARS (64 MiB) in all: many
 * 16 MiB strings under different names cannot exhaust memory; setting a
 * name again replaces its share. */
START_TEST(vars_total_limit)
{
	struct catalogue cat;
	struct interp in;
	char text[] = "case V1 \"v\"\nlevel should\nend\n";
	size_t mib16 = 16u << 20;
	char *big = malloc(mib16);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', mib16);
	struct value v16 = val_str(big, mib16), v1 = val_str("y", 1);
	interp_text(&in, &cat, text);
	var_set(&in, "a", &v16);
	var_set(&in, "b", &v16);
	var_set(&in, "c", &v16);
	ck_assert(var_fits(&in, "d", &v16));     /* 64 MiB exactly */
	var_set(&in, "d", &v16);
	ck_assert(!var_fits(&in, "e", &v1));     /* one byte more */
	ck_assert(var_fits(&in, "a", &v16));     /* a replaced, not added */
	ck_assert(var_fits(&in, "$a", &v1));
	val_free(&v16);
	val_free(&v1);
	free(big);
	interp_off(&in, &cat);
}
END_TEST

/* if A OP B: a comparison like assert's, with else; skip "reason"; and
 * value_test, the comparison that does not fail the case. */
START_TEST(parse_if_compare_skip)
{
	struct catalogue cat;
	struct interp in;
	char err[512];
	ck_assert_int_eq(parse_tmp("case A1 \"t\"\nlevel should\n"
				   "if $e != 0\n  skip \"no fifo\"\nelse\n  assert $e = 0\nend\n"
				   "if answered(r, 300ms) = 1\n  fail \"x\"\nend\nend\n",
				   &cat, err, sizeof err), 0);
	const struct stmt *b = cat.c[0].body;
	ck_assert_int_eq(cat.c[0].nbody, 2);
	ck_assert_int_eq(b[0].kind, S_IF);
	ck_assert_int_eq(b[0].narg, 2);
	ck_assert_int_eq(b[0].op, P_NE);
	ck_assert_int_eq(b[0].body[0].kind, S_SKIP);
	ck_assert_int_eq(b[0].nelse, 1);
	ck_assert_int_eq(b[0].elsebody[0].kind, S_ASSERT);
	ck_assert_int_eq(b[1].arg[0]->kind, E_CALL);
	ck_assert_str_eq(b[1].arg[0]->s, "answered");
	interp_on(&in, &cat);
	struct value two = val_int(2), three = val_int(3), s = val_str("ab", 2);
	ck_assert_int_eq(value_test(&in, NULL, "x", &two, P_LT, &three), 1);
	ck_assert_int_eq(value_test(&in, NULL, "x", &two, P_EQ, &three), 0);
	ck_assert_str_eq(in.failmsg, "");
	ck_assert_int_eq(value_test(&in, NULL, "x", &two, P_LT, &s), -1);
	ck_assert_ptr_nonnull(strstr(in.failmsg, "compare numbers"));
	val_free(&s);
	interp_off(&in, &cat);
	want_error("case A1 \"t\"\nlevel should\nif $e\nend\nend\n",
		   "t.case:3:6: expected a comparison");
	want_error("case A1 \"t\"\nlevel should\nif $e = 1 x\nend\nend\n",
		   "t.case:3:11: unexpected text at end of line");
}
END_TEST

int main(void)
{
	TCase *tc = unit_case("lang", 0, UNIT_TESTS(lex_tokens, parse_case,
		parse_errors, constants, eval_string_limit, vars_total_limit,
		parse_if_compare_skip));
	int rc = unit_run_case("suite language", tc, CK_NOFORK);
	if (dir[0])
		rmdir(dir);
	return rc;
}
