/*
 * test_lib_json.c - the JSON printer.
 *
 * Owns: exact output for a few messages, and validity for any content:
 * every table row filled with random values and random string bytes must
 * print as one valid JSON object (checked by a small strict RFC 8259
 * validator below), and strings must come back byte for byte.
 */
#include <check.h>

#include "unit.h"
#include <stdlib.h>
#include <string.h>

#include "p9.h"

#define S(x) { x, sizeof(x) - 1 }
#define Q(t, v, p) { .type = (t), .version = (v), .path = (p) }

/* ---- a strict JSON validator (ASCII output only) ---- */

struct js {
	const char *p, *end;
	char *str;      /* decoded bytes of the last string, if not NULL */
	size_t slen, scap;
	int depth;
};

static int js_value(struct js *j);

static void js_ws(struct js *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' ||
				 *j->p == '\r'))
		j->p++;
}

static int js_hex4(const char *p, unsigned *v)
{
	*v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		*v <<= 4;
		if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
		else return -1;
	}
	return 0;
}

static void js_keep(struct js *j, unsigned c)
{
	if (j->str && j->slen < j->scap)
		j->str[j->slen] = (char)c;
	j->slen++;
}

static int js_string(struct js *j)
{
	j->slen = 0;
	if (j->p >= j->end || *j->p != '"')
		return -1;
	j->p++;
	while (j->p < j->end && *j->p != '"') {
		unsigned char c = (unsigned char)*j->p;
		if (c < 0x20 || c >= 0x80)
			return -1; /* raw control byte, or non-ASCII */
		if (c != '\\') {
			js_keep(j, c);
			j->p++;
			continue;
		}
		if (j->end - j->p < 2)
			return -1;
		c = (unsigned char)j->p[1];
		j->p += 2;
		switch (c) {
		case '"': case '\\': case '/': js_keep(j, c); break;
		case 'b': js_keep(j, '\b'); break;
		case 'f': js_keep(j, '\f'); break;
		case 'n': js_keep(j, '\n'); break;
		case 'r': js_keep(j, '\r'); break;
		case 't': js_keep(j, '\t'); break;
		case 'u': {
			unsigned v;
			if (j->end - j->p < 4 || js_hex4(j->p, &v))
				return -1;
			if (v >= 0xd800 && v <= 0xdfff)
				return -1; /* the printer never needs surrogates */
			j->p += 4;
			js_keep(j, v);
			break;
		}
		default: return -1;
		}
	}
	if (j->p >= j->end)
		return -1;
	j->p++;
	return 0;
}

static int js_number(struct js *j)
{
	const char *s = j->p;
	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end)
		return -1;
	if (*j->p == '0')
		j->p++;
	else if (*j->p >= '1' && *j->p <= '9')
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	else
		return -1;
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return -1;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return -1;
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return j->p > s ? 0 : -1;
}

static int js_lit(struct js *j, const char *w)
{
	size_t n = strlen(w);
	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return -1;
	j->p += n;
	return 0;
}

static int js_container(struct js *j, char open, char close)
{
	if (++j->depth > 64)
		return -1;
	j->p++; /* open */
	(void)open;
	js_ws(j);
	if (j->p < j->end && *j->p == close) {
		j->p++;
		j->depth--;
		return 0;
	}
	for (;;) {
		js_ws(j);
		if (close == '}') {
			if (js_string(j))
				return -1;
			js_ws(j);
			if (j->p >= j->end || *j->p++ != ':')
				return -1;
		}
		if (js_value(j))
			return -1;
		js_ws(j);
		if (j->p >= j->end)
			return -1;
		if (*j->p == ',') {
			j->p++;
			continue;
		}
		if (*j->p++ != close)
			return -1;
		j->depth--;
		return 0;
	}
}

static int js_value(struct js *j)
{
	js_ws(j);
	if (j->p >= j->end)
		return -1;
	switch (*j->p) {
	case '{': return js_container(j, '{', '}');
	case '[': return js_container(j, '[', ']');
	case '"': return js_string(j);
	case 't': return js_lit(j, "true");
	case 'f': return js_lit(j, "false");
	case 'n': return js_lit(j, "null");
	default: return js_number(j);
	}
}

/* 0 if s is exactly one JSON object (and nothing else). */
static int json_valid_object(const char *s)
{
	struct js j = { s, s + strlen(s), NULL, 0, 0, 0 };
	js_ws(&j);
	if (j.p >= j.end || *j.p != '{' || js_value(&j))
		return -1;
	js_ws(&j);
	return j.p == j.end ? 0 : -1;
}

/* Decode the string value following "key": in s into out; its length or -1. */
static long json_string_at(const char *s, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *at;
	struct js j;
	snprintf(pat, sizeof pat, "\"%s\":", key);
	at = strstr(s, pat);
	if (!at)
		return -1;
	j = (struct js){ at + strlen(pat), s + strlen(s), out, 0, cap, 0 };
	return js_string(&j) ? -1 : (long)j.slen;
}

START_TEST(validator_self_test)
{
	ck_assert_int_eq(json_valid_object("{}"), 0);
	ck_assert_int_eq(json_valid_object("{\"a\":[1,-2.5e3,true,null,\"x\\u0001\"]}"), 0);
	ck_assert_int_eq(json_valid_object("{\"a\":1,}"), -1);
	ck_assert_int_eq(json_valid_object("{\"a\":01}"), -1);
	ck_assert_int_eq(json_valid_object("{\"a\":\"\x01\"}"), -1);
	ck_assert_int_eq(json_valid_object("{\"a\":\"\\x41\"}"), -1);
	ck_assert_int_eq(json_valid_object("{\"a\":\"\xc3\xa9\"}"), -1);
	ck_assert_int_eq(json_valid_object("{\"a\":1} x"), -1);
	ck_assert_int_eq(json_valid_object("{\"a\" 1}"), -1);
	ck_assert_int_eq(json_valid_object("[1]"), -1);
}
END_TEST

/* ---- exact output ---- */

static void want_json(const struct p9_msg *m, int d, size_t maxdata, const char *want)
{
	char s[2048];
	int n = p9_json(s, sizeof s, m, d, maxdata);
	ck_assert_str_eq(s, want);
	ck_assert_int_eq(n, (int)strlen(want));
	ck_assert_int_eq(json_valid_object(s), 0);
}

static const uint8_t rd_data[] = {
	0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 4, 1, 0, 'a',
	0x00, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 'b', '"',
};

START_TEST(exact_strings)
{
	struct p9_msg m = { .type = P9_TWALK, .tag = 1, .fid = 0, .newfid = 1,
			    .nwname = 2, .wname = { S("a"), S("b") } };
	want_json(&m, P9_DL, 64,
		  "{\"type\":\"Twalk\",\"typenum\":110,\"tag\":1,\"fid\":0,\"newfid\":1,"
		  "\"nwname\":2,\"wname\":[\"a\",\"b\"]}");
	m = (struct p9_msg){ .type = P9_RLERROR, .tag = 2, .errnum = 2 };
	want_json(&m, P9_DL, 64,
		  "{\"type\":\"Rlerror\",\"typenum\":7,\"tag\":2,\"ecode\":2,"
		  "\"ecode_name\":\"ENOENT\"}");
	m.errnum = 4000;
	want_json(&m, P9_DL, 64, "{\"type\":\"Rlerror\",\"typenum\":7,\"tag\":2,\"ecode\":4000}");
	m = (struct p9_msg){ .type = P9_RERROR, .tag = 1, .ename = S("x"), .errnum = 13 };
	want_json(&m, P9_DU, 64,
		  "{\"type\":\"Rerror\",\"typenum\":107,\"tag\":1,\"ename\":\"x\","
		  "\"errno\":13,\"errno_name\":\"EACCES\"}");
	want_json(&m, P9_D2000, 64,
		  "{\"type\":\"Rerror\",\"typenum\":107,\"tag\":1,\"ename\":\"x\"}");
	m = (struct p9_msg){ .type = P9_TATTACH, .tag = 1, .fid = 0, .afid = P9_NOFID,
			     .uname = S("u"), .aname = S(""), .n_uname = 7 };
	want_json(&m, P9_DL, 64,
		  "{\"type\":\"Tattach\",\"typenum\":104,\"tag\":1,\"fid\":0,"
		  "\"afid\":4294967295,\"uname\":\"u\",\"aname\":\"\",\"n_uname\":7}");
	m = (struct p9_msg){ .type = P9_RATTACH, .tag = 1, .qid = Q(P9_QTDIR, 3, 1) };
	want_json(&m, P9_DL, 64,
		  "{\"type\":\"Rattach\",\"typenum\":105,\"tag\":1,"
		  "\"qid\":{\"type\":128,\"version\":3,\"path\":1}}");
	m = (struct p9_msg){ .type = P9_RREAD, .tag = 1, .count = 5,
			     .data = (const uint8_t *)"hello" };
	want_json(&m, P9_DL, 64,
		  "{\"type\":\"Rread\",\"typenum\":117,\"tag\":1,\"count\":5,"
		  "\"data\":\"68656c6c6f\"}");
	want_json(&m, P9_DL, 3,
		  "{\"type\":\"Rread\",\"typenum\":117,\"tag\":1,\"count\":5,"
		  "\"data\":\"68656c\",\"data_truncated\":true}");
	m = (struct p9_msg){ .type = P9_RREADDIR, .tag = 15, .count = sizeof rd_data,
			     .data = rd_data };
	want_json(&m, P9_DL, 64,
		  "{\"type\":\"Rreaddir\",\"typenum\":41,\"tag\":15,\"count\":51,\"entries\":["
		  "{\"qid\":{\"type\":128,\"version\":0,\"path\":1},\"offset\":1,\"dtype\":4,"
		  "\"name\":\"a\"},"
		  "{\"qid\":{\"type\":0,\"version\":0,\"path\":2},\"offset\":2,\"dtype\":8,"
		  "\"name\":\"b\\\"\"}]}");
	m.count = 30;
	want_json(&m, P9_DL, 64,
		  "{\"type\":\"Rreaddir\",\"typenum\":41,\"tag\":15,\"count\":30,\"entries\":["
		  "{\"qid\":{\"type\":128,\"version\":0,\"path\":1},\"offset\":1,\"dtype\":4,"
		  "\"name\":\"a\"}],\"entries_error\":\"partial entry at 25\"}");
	m = (struct p9_msg){ .type = P9_RSTAT, .tag = 1 };
	m.stat = (struct p9_stat){ .size = 61, .type = 1, .dev = 2, .qid = Q(0, 3, 4),
				   .mode = 0644, .atime = 5, .mtime = 6, .length = 7,
				   .name = S("f"), .uid = S("u"), .gid = S("g"),
				   .muid = S("m\\"), .extension = S("e"), .n_uid = 8,
				   .n_gid = 9, .n_muid = 10 };
	want_json(&m, P9_DU, 64,
		  "{\"type\":\"Rstat\",\"typenum\":125,\"tag\":1,\"stat\":{\"size\":61,"
		  "\"type\":1,\"dev\":2,\"qid\":{\"type\":0,\"version\":3,\"path\":4},"
		  "\"mode\":420,\"atime\":5,\"mtime\":6,\"length\":7,\"name\":\"f\","
		  "\"uid\":\"u\",\"gid\":\"g\",\"muid\":\"m\\\\\",\"extension\":\"e\","
		  "\"n_uid\":8,\"n_gid\":9,\"n_muid\":10}}");
	m = (struct p9_msg){ .type = P9_RREADLINK, .tag = 1,
			     .target = { "a\x01\n\x7f\xff\"/", 7 } };
	want_json(&m, P9_DL, 64,
		  "{\"type\":\"Rreadlink\",\"typenum\":23,\"tag\":1,"
		  "\"target\":\"a\\u0001\\u000a\\u007f\\u00ff\\\"/\"}");
	m = (struct p9_msg){ .type = 200, .tag = 9 };
	want_json(&m, P9_DL, 64, "{\"type\":\"unknown\",\"typenum\":200,\"tag\":9}");
	m = (struct p9_msg){ .type = P9_NOREPLY, .tag = 9 };
	want_json(&m, P9_DL, 64, "{\"type\":\"NOREPLY\",\"typenum\":0,\"tag\":9}");
}
END_TEST

/* ---- random content ---- */

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Random bytes, biased towards the ones that need escaping. */
static struct p9_str rnd_str(char *pool, size_t cap)
{
	static const char tricky[] = "\"\\/\b\f\n\r\t\x01\x1f\x7f\x80\xc3\xff";
	size_t n = rnd() % (cap < 40 ? cap : 40);
	for (size_t i = 0; i < n; i++)
		pool[i] = rnd() % 3 ? (char)(rnd() & 0xff) :
			  tricky[rnd() % (sizeof tricky - 1)];
	return (struct p9_str){ pool, (uint16_t)n };
}

static void rnd_qid(struct p9_qid *q)
{
	q->type = (uint8_t)rnd();
	q->version = (uint32_t)rnd();
	q->path = rnd();
}

/* Fill every field of row d with random values; strings live in pool. */
static void fill(struct p9_msg *m, const struct p9_msgdef *d, char *pool,
		 uint8_t *data, size_t datacap)
{
	size_t used = 0;
	memset(m, 0, sizeof *m);
	m->type = d->type;
	m->tag = (uint16_t)rnd();
	for (unsigned i = 0; i < d->nfield; i++) {
		const struct p9_field *f = &d->field[i];
		void *p = p9_field_ptr(m, f);
		switch (f->kind) {
		case P9K_U8: case P9K_U16: case P9K_U32: case P9K_U64:
			p9_field_set_uint(m, f, rnd() % 4 ? rnd() : rnd() % 200);
			break;
		case P9K_STR:
			*(struct p9_str *)p = rnd_str(pool + used, 40);
			used += 40;
			break;
		case P9K_QID: rnd_qid(p); break;
		case P9K_DATA: case P9K_DIRENTS:
			m->count = (uint32_t)(rnd() % datacap);
			for (size_t k = 0; k < m->count; k++)
				data[k] = (uint8_t)rnd();
			m->data = data;
			break;
		case P9K_STAT:
			rnd_qid(&m->stat.qid);
			m->stat.mode = (uint32_t)rnd();
			m->stat.length = rnd();
			m->stat.name = rnd_str(pool + used, 40);
			m->stat.uid = rnd_str(pool + used + 40, 40);
			m->stat.gid = rnd_str(pool + used + 80, 40);
			m->stat.muid = rnd_str(pool + used + 120, 40);
			m->stat.extension = rnd_str(pool + used + 160, 40);
			used += 200;
			break;
		case P9K_WNAMES:
			m->nwname = (uint16_t)(rnd() % 17);
			for (unsigned k = 0; k < m->nwname; k++, used += 20)
				m->wname[k] = rnd_str(pool + used, 20);
			break;
		case P9K_WQIDS:
			m->nwqid = (uint16_t)(rnd() % 17);
			for (unsigned k = 0; k < m->nwqid; k++)
				rnd_qid(&m->wqid[k]);
			break;
		}
	}
}

START_TEST(random_messages_are_valid_json)
{
	static const int dialects[] = { P9_D2000, P9_DU, P9_DL };
	char pool[2048], out[8192], small[64];
	uint8_t data[300];
	unsigned checked = 0;
	for (int round = 0; round < 300; round++) {
		unsigned i = 0;
		const struct p9_msgdef *d;
		while ((d = p9_msgdef_next(&i))) {
			struct p9_msg m;
			int d0 = dialects[rnd() % 3], n;
			size_t maxdata = rnd() % 200;
			fill(&m, d, pool, data, sizeof data);
			n = p9_json(out, sizeof out, &m, d0, maxdata);
			ck_assert_int_lt(n, (int)sizeof out);
			ck_assert_msg(json_valid_object(out) == 0, "invalid JSON: %s", out);
			/* a short buffer holds a NUL-terminated prefix */
			ck_assert_int_eq(p9_json(small, sizeof small, &m, d0, maxdata), n);
			ck_assert_uint_eq(strlen(small), n < (int)sizeof small ? (size_t)n : sizeof small - 1);
			ck_assert(memcmp(small, out, strlen(small)) == 0);
			checked++;
		}
	}
	ck_assert_uint_eq(checked, 300 * 68);
}
END_TEST

START_TEST(strings_survive_escaping)
{
	char pool[64], back[64], out[1024];
	for (int round = 0; round < 5000; round++) {
		struct p9_msg m = { .type = P9_RREADLINK, .tag = 1 };
		long n;
		m.target = rnd_str(pool, sizeof pool);
		p9_json(out, sizeof out, &m, P9_DL, 0);
		ck_assert_int_eq(json_valid_object(out), 0);
		n = json_string_at(out, "target", back, sizeof back);
		ck_assert_int_eq(n, m.target.len);
		ck_assert(memcmp(back, m.target.p, m.target.len) == 0);
	}
}
END_TEST

/* Decoding random bytes then printing must stay valid too. */
START_TEST(decoded_garbage_prints_valid_json)
{
	uint8_t buf[64];
	char out[8192];
	unsigned decoded = 0;
	for (int round = 0; round < 100000; round++) {
		struct p9_msg m;
		size_t len = P9_HDRSZ + rnd() % (sizeof buf - P9_HDRSZ);
		for (size_t k = 0; k < len; k++)
			buf[k] = (uint8_t)rnd();
		p9_put32(buf, (uint32_t)len);
		buf[4] = (uint8_t)(rnd() % 2 ? 6 + rnd() % 72 : 100 + rnd() % 28);
		if (p9_decode(buf, len, P9_DL, &m, NULL))
			continue;
		decoded++;
		p9_json(out, sizeof out, &m, P9_DL, 32);
		ck_assert_msg(json_valid_object(out) == 0, "invalid JSON: %s", out);
	}
	ck_assert_uint_gt(decoded, 10);
}
END_TEST

int main(void)
{
	return unit_main("lib_json", "json", 0, UNIT_TESTS(
		validator_self_test, exact_strings,
		random_messages_are_valid_json, strings_survive_escaping,
		decoded_garbage_prints_valid_json));
}
