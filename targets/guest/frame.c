/*
 * frame.c - the guest's console protocol, host side.
 *
 * Owns: parsing "@@9PG" lines printed by the guest's /init and workloads
 * (targets/guest/init, lib9pg.sh) and tallying them into a verdict.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest.h"

#define MAGIC "@@9PG "

/* Copy the next space-separated word of *s into out; advance *s past it and
 * the blanks that follow.  Returns the word's length. */
static size_t word(const char **s, char *out, size_t cap)
{
	size_t n = 0;
	while (**s && **s != ' ') {
		if (n + 1 < cap)
			out[n++] = **s;
		(*s)++;
	}
	out[n < cap ? n : cap - 1] = 0;
	while (**s == ' ')
		(*s)++;
	return n;
}

static void rest(const char *s, char *out, size_t cap)
{
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	if (n >= cap)
		n = cap - 1;
	memcpy(out, s, n);
	out[n] = 0;
}

/* "ok" -> 1, "fail" -> 0, else -1 */
static int verdict(const char *w)
{
	if (!strcmp(w, "ok"))
		return 1;
	if (!strcmp(w, "fail"))
		return 0;
	return -1;
}

/* The frames with a text: after the kind word, a NAME (has_name), an
 * ok|fail verdict (has_verdict), then the text to the end of the line. */
static const struct {
	const char *word;
	enum g_kind kind;
	int has_name, has_verdict;
} text_frames[] = {
	{ "boot", GF_BOOT, 0, 0 },  { "info", GF_INFO, 0, 0 },
	{ "dmesg", GF_DMESG, 0, 0 }, { "mount", GF_MOUNT, 0, 1 },
	{ "step", GF_STEP, 1, 1 },
};

void g_frame_parse(const char *line, struct g_frame *f)
{
	const char *s = strstr(line, MAGIC);
	char kind[16], v[16];
	char *end;
	memset(f, 0, sizeof *f);
	if (!s)
		return;
	s += strlen(MAGIC);
	f->kind = GF_BAD;
	word(&s, kind, sizeof kind);
	if (!strcmp(kind, "end")) {
		f->nfail = strtol(s, &end, 10);
		if (end != s && f->nfail >= 0)
			f->kind = GF_END;
		return;
	}
	for (size_t i = 0; i < sizeof text_frames / sizeof text_frames[0]; i++) {
		if (strcmp(kind, text_frames[i].word))
			continue;
		if (text_frames[i].has_name && !word(&s, f->name, sizeof f->name))
			return;
		if (text_frames[i].has_verdict) {
			word(&s, v, sizeof v);
			if ((f->ok = verdict(v)) < 0)
				return;
		}
		f->kind = text_frames[i].kind;
		rest(s, f->text, sizeof f->text);
		return;
	}
}

/* Kernel lines that mean the kernel itself went wrong. */
static int kernel_bad(const char *line)
{
	return strstr(line, "BUG:") || strstr(line, "Oops") ||
	       strstr(line, "WARNING:") || strstr(line, "Call Trace");
}

int g_tally_add(struct g_tally *t, const struct g_frame *f)
{
	switch (f->kind) {
	case GF_BOOT:
		t->booted = 1;
		{
			const char *sp = strrchr(f->text, ' ');
			t->boot_uptime = sp ? strtod(sp + 1, NULL) : 0;
		}
		return 0;
	case GF_MOUNT:
		if (f->ok)
			t->mounted = 1;
		else
			t->mount_failed = 1;
		return !f->ok;
	case GF_STEP:
		t->steps++;
		if (!f->ok)
			t->failed++;
		return !f->ok;
	case GF_DMESG:
		if (kernel_bad(f->text)) {
			t->kernel_bad++;
			return 1;
		}
		return 0;
	case GF_END:
		t->ended = 1;
		t->guest_nfail = f->nfail;
		return 0;
	default:
		return 0;
	}
}

int g_tally_passed(const struct g_tally *t)
{
	return t->booted && t->mounted && !t->mount_failed && t->ended &&
	       t->steps > 0 && t->failed == 0 && t->guest_nfail == 0 &&
	       t->kernel_bad == 0;
}
