/*
 * report.c - the three result formats: TAP 14 lines (with a YAML block
 * holding the failing exchange), JUnit XML and JSON.
 *
 * Owns: escaping for YAML, XML and JSON, and how each status reads in
 * each format.  Should-level failures are TAP "# TODO should:" (not a
 * failure) unless --strict; xfail is "not ok ... # TODO", xpass is
 * "ok ... # TODO xpass".
 */
#include <stdlib.h>
#include <string.h>

#include "suite.h"
#include "xalloc.h"

const char *status_name(int st)
{
	static const char *n[] = { "pass", "fail", "skip", "xfail", "xpass", "warn", "error" };
	return st >= 0 && st < ST_COUNT ? n[st] : "?";
}

/* What tolerated replies were, joined: for the summary and JUnit. */
const char *tolerated_kinds(unsigned kinds, char *out, size_t cap)
{
	static const struct { unsigned k; const char *what; } t[] = {
		{ TOL_STATLEN, "an Rstat/Twstat n[2] that disagrees with the stat record "
			       "(STAT13 reports it)" },
		{ TOL_RLERROR, "an Rerror (type 107) with Rlerror's body in 9P2000.L "
			       "(ERR5 reports it)" },
		{ TOL_RVERSION, "an Rversion that breaks version(5) (VER11-VER13 report it)" },
	};
	out[0] = 0;
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
		if (kinds & t[i].k) {
			size_t n = strlen(out);
			snprintf(out + n, cap - n, "%s%s", n ? "; " : "", t[i].what);
		}
	return out;
}

static void case_name(const struct run *r, const struct result *res, char *out, size_t cap)
{
	if (r->multi && res->status != ST_SKIP)
		snprintf(out, cap, "%s %s [%s]", res->sc->code, res->sc->title,
			 p9_dialect_name(res->dialect));
	else if (r->multi && (res->sc->dialects & r->dialects))
		snprintf(out, cap, "%s %s [%s]", res->sc->code, res->sc->title,
			 p9_dialect_name(res->dialect));
	else
		snprintf(out, cap, "%s %s", res->sc->code, res->sc->title);
}

/* One line: no newlines or '#' that would confuse a TAP reader. */
static void oneline(const char *s, char *out, size_t cap)
{
	size_t n = 0;
	for (; s && *s && n + 1 < cap; s++)
		out[n++] = (*s == '\n' || *s == '#') ? ' ' : *s;
	out[n] = 0;
}

static void yaml_block(const struct result *res)
{
	char m[1200];
	oneline(res->msg, m, sizeof m);
	printf("  ---\n");
	printf("  message: '");
	for (const char *p = m; *p; p++)
		fputs(*p == '\'' ? "''" : (char[]){ *p, 0 }, stdout);
	printf("'\n  severity: %s\n", res->status == ST_FAIL ? "fail" : res->status == ST_ERROR ?
	       "setup error" : status_name(res->status));
	printf("  at: %s:%d\n", res->sc->pos.file, res->sc->pos.line);
	if (res->sc->level == LV_MUST && res->sc->cite)
		printf("  cite: '%s'\n", res->sc->cite);
	if (res->exchange && *res->exchange) {
		printf("  exchange: |-\n");
		const char *p = res->exchange;
		int lines = 0;
		while (*p && lines < 200) {
			const char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			printf("    %.*s\n", (int)l, p);
			lines++;
			p += l + (e ? 1 : 0);
		}
		if (*p)
			printf("    (transcript cut)\n");
	}
	printf("  ...\n");
}

void tap_result(const struct run *r, int n, const struct result *res)
{
	char name[600], m[1200];
	case_name(r, res, name, sizeof name);
	oneline(name, name, sizeof name);
	oneline(res->msg, m, sizeof m);
	switch (res->status) {
	case ST_PASS:
		printf("ok %d - %s\n", n, name);
		break;
	case ST_SKIP:
		printf("ok %d - %s # SKIP %s\n", n, name, m);
		break;
	case ST_XFAIL:
		printf("not ok %d - %s # TODO known deviation: %s\n", n, name, m);
		if (r->o.verbose)
			yaml_block(res);
		break;
	case ST_XPASS:
		if (r->strict)
			printf("not ok %d - %s (xpass: %s)\n", n, name, m);
		else
			printf("ok %d - %s # TODO xpass: %s\n", n, name, m);
		break;
	case ST_WARN:
		if (r->strict)
			printf("not ok %d - %s (should)\n", n, name);
		else
			printf("not ok %d - %s # TODO should: %s\n", n, name, m);
		if (r->strict || r->o.verbose)
			yaml_block(res);
		break;
	case ST_FAIL:
		printf("not ok %d - %s\n", n, name);
		yaml_block(res);
		break;
	case ST_ERROR: /* the case's setup failed, not its subject */
		printf("not ok %d - %s # setup error\n", n, name);
		yaml_block(res);
		break;
	}
	if (res->cleanup) {
		char c[1300];
		oneline(res->cleanup, c, sizeof c);
		printf("# cleanup failed after %s: %s\n", res->sc->code, c);
	}
	if (r->o.verbose && (res->status == ST_PASS || res->status == ST_XPASS) && res->exchange) {
		const char *p = res->exchange;
		while (*p) {
			const char *e = strchr(p, '\n');
			size_t l = e ? (size_t)(e - p) : strlen(p);
			printf("# %.*s\n", (int)l, p);
			p += l + (e ? 1 : 0);
		}
	}
	fflush(stdout);
}

/* ---- JUnit XML ---- */

static void xml(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		switch (c) {
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '&': fputs("&amp;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\n': case '\t': fputc(c, f); break;
		default:
			if (c < 32)
				fprintf(f, "&#x%x;", 0xFFFD);
			else
				fputc(c, f);
		}
	}
}

/* A testcase's <system-out>: a warning or unexpected pass, and the replies
 * its decode tolerated (QEMU's Rstat n[2], nfs-ganesha's Rerror for
 * Rlerror, a bad Rversion), so neither is silent in CI. */
static void junit_out(FILE *f, const struct result *res)
{
	int note = !res->is_fail && (res->status == ST_WARN || res->status == ST_XPASS);
	if (!note && !res->tolerated)
		return;
	fprintf(f, "<system-out>");
	if (note) {
		xml(f, status_name(res->status));
		xml(f, ": ");
		xml(f, res->msg);
	}
	if (res->tolerated) {
		char k[600];
		fprintf(f, "%stolerated: %d %s: ", note ? "\n" : "", res->tolerated,
			res->tolerated == 1 ? "reply" : "replies");
		xml(f, tolerated_kinds(res->tolkinds, k, sizeof k));
	}
	fprintf(f, "</system-out>");
}

int write_junit(const struct run *r, const char *file)
{
	FILE *f = fopen(file, "w");
	int fails = 0, skips = 0, tolerated = 0, errors = 0;
	if (!f)
		return -1;
	for (int i = 0; i < r->nres; i++) {
		tolerated += r->res[i].tolerated;
		errors += r->res[i].status == ST_ERROR;
		fails += r->res[i].is_fail && r->res[i].status != ST_ERROR;
		skips += r->res[i].status == ST_SKIP || r->res[i].status == ST_XFAIL;
	}
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	fprintf(f, "<testsuites name=\"9psuite\" tests=\"%d\" failures=\"%d\" errors=\"%d\" "
		"skipped=\"%d\" time=\"%.3f\">\n", r->nres, fails, errors, skips, r->secs);
	fprintf(f, "  <testsuite name=\"9psuite ");
	xml(f, r->o.target);
	fprintf(f, "\" tests=\"%d\" failures=\"%d\" errors=\"%d\" skipped=\"%d\" time=\"%.3f\">\n",
		r->nres, fails, errors, skips, r->secs);
	fprintf(f, "    <properties><property name=\"tolerated\" value=\"%d\"/></properties>\n",
		tolerated);
	for (int i = 0; i < r->nres; i++) {
		const struct result *res = &r->res[i];
		char name[600];
		case_name(r, res, name, sizeof name);
		fprintf(f, "    <testcase classname=\"9psuite.%s\" name=\"",
			res->sc->nflags ? res->sc->flags[0] : "misc");
		xml(f, name);
		fprintf(f, "\" time=\"%.3f\">", res->secs);
		if (res->status == ST_SKIP || res->status == ST_XFAIL) {
			fprintf(f, "<skipped message=\"");
			xml(f, res->status == ST_XFAIL ? "xfail: " : "");
			xml(f, res->msg);
			fprintf(f, "\"/>");
		} else if (res->is_fail) {
			const char *el = res->status == ST_ERROR ? "error" : "failure";
			fprintf(f, "\n      <%s message=\"", el);
			xml(f, res->msg);
			fprintf(f, "\" type=\"%s\">", status_name(res->status));
			xml(f, res->exchange);
			fprintf(f, "</%s>\n    ", el);
		}
		junit_out(f, res);
		fprintf(f, "</testcase>\n");
	}
	fprintf(f, "  </testsuite>\n</testsuites>\n");
	return fclose(f) ? -1 : 0;
}

/* ---- JSON ---- */

static void js(FILE *f, const char *s)
{
	p9_json_fquote(f, s, P9_JQ_SHORTNL);
}

/* A JSON array of the lines of text (a case's exchange). */
static void js_lines(FILE *f, const char *p)
{
	int first = 1;
	fprintf(f, "[");
	while (*p) {
		const char *e = strchr(p, '\n');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		char *line = xstrndup(p, l);
		fprintf(f, "%s", first ? "" : ",");
		js(f, line);
		free(line);
		first = 0;
		p += l + (e ? 1 : 0);
	}
	fprintf(f, "]");
}

/* "summary": the count per status and the run's cleanup totals. */
static void json_summary(FILE *f, const struct run *r)
{
	int count[ST_COUNT] = { 0 }, ntol = 0, ncleanup = 0;
	for (int i = 0; i < r->nres; i++) {
		count[r->res[i].status]++;
		ntol += r->res[i].tolerated;
		ncleanup += r->res[i].cleanup != NULL;
	}
	fprintf(f, ",\"summary\":{");
	for (int s = 0; s < ST_COUNT; s++)
		fprintf(f, "%s\"%s\":%d", s ? "," : "", status_name(s), count[s]);
	fprintf(f, ",\"tolerated\":%d,\"cleanup_failed\":%d,\"swept\":%d,\"left_behind\":%d",
		ntol, ncleanup, r->swept, r->unswept);
	if (r->unreachable[0]) {
		fprintf(f, ",\"unreachable\":");
		js(f, r->unreachable);
	}
	fprintf(f, "}");
}

/* One element of "cases". */
static void json_case(FILE *f, const struct result *res)
{
	fprintf(f, "{\"code\":");
	js(f, res->sc->code);
	fprintf(f, ",\"title\":");
	js(f, res->sc->title);
	fprintf(f, ",\"dialect\":");
	js(f, p9_dialect_name(res->dialect));
	fprintf(f, ",\"level\":\"%s\",\"status\":\"%s\",\"failed\":%s,\"time\":%.3f",
		res->sc->level == LV_MUST ? "must" : "should", status_name(res->status),
		res->is_fail ? "true" : "false", res->secs);
	fprintf(f, ",\"flags\":[");
	for (int k = 0; k < res->sc->nflags; k++) {
		fprintf(f, "%s", k ? "," : "");
		js(f, res->sc->flags[k]);
	}
	fprintf(f, "]");
	if (res->tolerated)
		fprintf(f, ",\"tolerated\":%d", res->tolerated);
	if (res->msg) {
		fprintf(f, ",\"message\":");
		js(f, res->msg);
	}
	if (res->cleanup) {
		fprintf(f, ",\"cleanup\":");
		js(f, res->cleanup);
	}
	if (res->exchange && res->status != ST_PASS) {
		fprintf(f, ",\"exchange\":");
		js_lines(f, res->exchange);
	}
	fprintf(f, "}");
}

int write_json(const struct run *r, const char *file)
{
	FILE *f = fopen(file, "w");
	if (!f)
		return -1;
	fprintf(f, "{\"tool\":\"9psuite\",\"target\":");
	js(f, r->o.target);
	fprintf(f, ",\"strict\":%s,\"time\":%.3f", r->strict ? "true" : "false", r->secs);
	json_summary(f, r);
	if (r->nexits) { /* a QEMU that exited unasked between cases */
		fprintf(f, ",\"target_exits\":[");
		for (int i = 0; i < r->nexits; i++) {
			fprintf(f, "%s", i ? "," : "");
			js(f, r->exitmsg[i]);
		}
		fprintf(f, "]");
	}
	fprintf(f, ",\"cases\":[");
	for (int i = 0; i < r->nres; i++) {
		fprintf(f, "%s\n", i ? "," : "");
		json_case(f, &r->res[i]);
	}
	fprintf(f, "\n]}\n");
	return fclose(f) ? -1 : 0;
}
