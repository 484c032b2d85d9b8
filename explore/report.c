/*
 * report.c - what an explore run says: TAP like 9psuite's (one test point
 * for the run, the shrunk reproducer as comments under a failure), the
 * choices the server made where the model accepts several, the coverage
 * table (message x flag variant x errno exercised), and the same in JSON
 * (--json) and JUnit XML (--junit).
 */
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "lflags.h"

const char *xop_name(int op)
{
	static const char *const n[XO_COUNT] = {
		"Twalk", "Tlcreate", "Tlopen", "Tread", "Twrite", "Tsetattr.size",
		"Tsetattr.mode", "Tgetattr", "Tmkdir", "Tsymlink", "Treadlink", "Tlink",
		"Trenameat", "Tunlinkat", "Treaddir", "Tfsync", "Tstatfs", "Tclunk",
	};
	return op >= 0 && op < XO_COUNT ? n[op] : "?";
}

static void errlist(char *out, size_t cap, uint64_t bits)
{
	size_t n = 0;
	out[0] = 0;
	for (int e = 1; e < 64 && n < cap; e++)
		if ((bits >> e) & 1)
			n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "," : "",
					      p9_errno_name((uint32_t)e) ? p9_errno_name((uint32_t)e) : "?");
}

static void coverage(FILE *o, const struct xtarget *tg)
{
	static const char *const acc[4] = { "RDONLY", "WRONLY", "RDWR", "ACC3" };
	int covered = 0;
	char el[400];
	fprintf(o, "# coverage: %-14s %8s %8s  errnos\n", "message", "ok", "error");
	for (int op = 0; op < XO_COUNT; op++) {
		covered += tg->cover[op][0] + tg->cover[op][1] > 0;
		errlist(el, sizeof el, tg->errseen[op]);
		fprintf(o, "# coverage: %-14s %8lu %8lu  %s%s\n", xop_name(op), tg->cover[op][0],
			tg->cover[op][1], el, tg->cover[op][2] ? " (+O_EXCL)" : "");
	}
	fprintf(o, "# coverage: open flags (Tlcreate+Tlopen):");
	for (int k = 0; k < 16; k++)
		if (tg->flagseen[k])
			fprintf(o, " %s%s%s=%lu", acc[k & 3], k & 4 ? "|APPEND" : "",
				k & 8 ? "|TRUNC" : "", tg->flagseen[k]);
	fprintf(o, "\n# coverage: %d of %d operations exercised\n", covered, XO_COUNT);
}

static void choices(FILE *o, const struct xtarget *tg)
{
	for (int c = 0; c < XC_COUNT; c++)
		if (tg->choice[c])
			fprintf(o, "# server choice: %s (%u times)\n", model_choice_name(c),
				tg->choice[c]);
	if (tg->naccepted)
		fprintf(o, "# accepted deviations (--accept): %lu mismatches of:%s\n", tg->naccepted,
			tg->acceptseen);
	if (tg->no_renameat)
		fprintf(o, "# disabled: Trenameat (the server answered EOPNOTSUPP)\n");
	if (tg->no_unlinkat)
		fprintf(o, "# fallback: Tunlinkat answered EOPNOTSUPP, unlinks use walk + Tremove\n");
}

void report_tap(FILE *o, const struct xreport *rp, const struct xtarget *tg)
{
	fprintf(o, "1..1\n");
	if (!rp->found) {
		fprintf(o, "ok 1 - explore: %lu steps in %.1fs, no mismatch (seed %llu)\n",
			rp->steps, rp->secs, (unsigned long long)rp->seed);
	} else {
		fprintf(o, "not ok 1 - explore: %s at step %zu (%s): %s\n", xop_name(rp->fail.op),
			rp->fail.step + 1, rp->fail.check, rp->fail.why);
		fprintf(o, "# found after %.2fs and %lu steps\n", rp->found_secs, rp->found_steps);
		fprintf(o, "# shrunk from %zu to %zu steps in %u runs%s%s\n", rp->orig_steps,
			rp->shrunk_steps, rp->shrink_runs, rp->casepath ? "; reproducer: " : "",
			rp->casepath ? rp->casepath : "");
		for (const char *p = rp->casetext; p && *p;) {
			const char *e = strchr(p, '\n');
			int n = e ? (int)(e - p) : (int)strlen(p);
			fprintf(o, "#   %.*s\n", n > 400 ? 400 : n, p);
			p = e ? e + 1 : p + n;
		}
	}
	choices(o, tg);
	coverage(o, tg);
	fprintf(o, "# model %.1f%%, server %.1f%% of the time (%.3fs model, %.3fs waiting)\n",
		100.0 * (double)tg->model_ns / (double)(tg->model_ns + tg->wait_ns + 1),
		100.0 * (double)tg->wait_ns / (double)(tg->model_ns + tg->wait_ns + 1),
		(double)tg->model_ns / 1e9, (double)tg->wait_ns / 1e9);
	fprintf(o, "# %d passed, %d failed (%.1fs, %lu steps, %.0f steps/s, seed %llu, %s)\n",
		!rp->found, rp->found, rp->secs, rp->steps,
		rp->secs > 0 ? (double)rp->steps / rp->secs : 0.0,
		(unsigned long long)rp->seed, rp->target);
	fflush(o);
}

int report_json(const char *path, const struct xreport *rp, const struct xtarget *tg)
{
	FILE *o = fopen(path, "w");
	char el[400];
	if (!o)
		return -1;
	fprintf(o, "{\"tool\":\"9psuite explore\",\"seed\":%llu,\"target\":",
		(unsigned long long)rp->seed);
	p9_json_fquote(o, rp->target, 0);
	fprintf(o, ",\"dialect\":\"9P2000.L\",\"steps\":%lu,\"secs\":%.3f,\"found\":%s",
		rp->steps, rp->secs, rp->found ? "true" : "false");
	if (rp->found) {
		fprintf(o, ",\"step\":%zu,\"op\":\"%s\",\"check\":", rp->fail.step + 1,
			xop_name(rp->fail.op));
		p9_json_fquote(o, rp->fail.check, 0);
		fprintf(o, ",\"why\":");
		p9_json_fquote(o, rp->fail.why, 0);
		fprintf(o, ",\"found_secs\":%.3f,\"shrunk_steps\":%zu,\"reproducer\":", rp->found_secs,
			rp->shrunk_steps);
		p9_json_fquote(o, rp->casetext, P9_JQ_SHORTNL);
	}
	fprintf(o, ",\"model_secs\":%.3f,\"server_secs\":%.3f,\"coverage\":{",
		(double)tg->model_ns / 1e9, (double)tg->wait_ns / 1e9);
	for (int op = 0; op < XO_COUNT; op++) {
		errlist(el, sizeof el, tg->errseen[op]);
		fprintf(o, "%s\"%s\":{\"ok\":%lu,\"error\":%lu,\"errnos\":\"%s\"}", op ? "," : "",
			xop_name(op), tg->cover[op][0], tg->cover[op][1], el);
	}
	fprintf(o, "},\"choices\":{");
	for (int c = 0, n = 0; c < XC_COUNT; c++)
		if (tg->choice[c])
			fprintf(o, "%s\"%s\":%u", n++ ? "," : "", model_choice_name(c), tg->choice[c]);
	fprintf(o, "}}\n");
	return fclose(o);
}

int report_junit(const char *path, const struct xreport *rp, const struct xtarget *tg)
{
	(void)tg;
	FILE *o = fopen(path, "w");
	if (!o)
		return -1;
	fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
		"<testsuite name=\"9psuite explore\" tests=\"1\" failures=\"%d\" time=\"%.3f\">\n"
		"<testcase classname=\"explore\" name=\"seed %llu\" time=\"%.3f\">",
		rp->found, rp->secs, (unsigned long long)rp->seed, rp->secs);
	if (rp->found) {
		fprintf(o, "<failure message=\"");
		for (const char *p = rp->fail.why; *p; p++)
			fputs(*p == '"' ? "&quot;" : *p == '<' ? "&lt;" : *p == '&' ? "&amp;" :
			      *p == '>' ? "&gt;" : (char[]){ *p, 0 }, o);
		fprintf(o, "\"/>");
	}
	fprintf(o, "</testcase>\n</testsuite>\n</testsuites>\n");
	return fclose(o);
}
