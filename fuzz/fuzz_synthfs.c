/*
 * fuzz_synthfs.c - libFuzzer target: synthfs request handling.
 *
 * Input: the bytes a client sends on one connection (size-framed 9P
 * requests, usually starting with Tversion).  Each input gets a fresh
 * server and tree, in memory (sfs_server_init_mem, sfs_add_mem): the real
 * framing, dispatch, fid, flush and tree code of synthfs/ runs inline, with
 * no descriptors or threads.  The input is fed one message at a time (a
 * bad or partial tail as it is); /flush/block waits 0 s, so requests still
 * parked at the end are answered (EINTR) by sfs_expire without sleeping.
 * The tree is the standard one except that /readdir/d1000 and d10000 hold
 * 120 files (readdir_max), so that building it per input stays cheap.
 *
 * Checked: every reply decodes with p9_decode in the connection's dialect
 * at that point, is an R-message, fits the negotiated msize (Rversion
 * aside), and carries a tag some request had; once the connection is
 * closed no fid is held anywhere (LeakSanitizer checks the memory).
 */
/* fuzz-modules: synthfs */
#include <stdlib.h>
#include <string.h>

#include "synthfs/server.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
	struct sfs_conn *c;
	uint8_t tags[65536 / 8];      /* tags the input used */
};

static void check_replies(void *arg, const uint8_t *p, size_t n)
{
	struct run *r = arg;
	int d = r->c->dialect ? r->c->dialect : P9_D2000;
	while (n) {
		struct p9_msg m;
		uint32_t len;
		uint16_t tag;
		if (n < P9_HDRSZ || (len = p9_get32(p)) < P9_HDRSZ || len > n)
			abort(); /* replies are queued whole */
		tag = p9_get16(p + 5);
		if (!(r->tags[tag / 8] & (1u << (tag % 8))))
			abort(); /* a tag no request had */
		if (!p9_is_reply(p[4]) || p9_decode(p, len, d, &m, NULL) < 0)
			abort(); /* malformed reply */
		if (p[4] != P9_RVERSION && r->c->dialect && len > r->c->msize)
			abort(); /* larger than the msize */
		p += len;
		n -= len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sfs_server s;
	struct sfs_opts o = { .quota = 1 << 20, .readdir_max = 120 };
	struct run r;
	size_t off = 0;

	memset(&s, 0, sizeof s);
	s.msize = 65536;              /* like --msize 64K: less to allocate */
	s.block_timeout = 0;
	s.max_fids = 4096;
	s.max_allfids = 4096;
	if (!(s.tree = sfs_tree_new(&o)))
		abort();
	sfs_server_init_mem(&s);
	memset(&r, 0, sizeof r);
	if (!(r.c = sfs_add_mem(&s)))
		abort();
	while (off < size) {
		size_t n = size - off;
		if (n >= P9_HDRSZ) {
			uint32_t len = p9_get32(data + off);
			uint16_t tag = p9_get16(data + off + 5);
			r.tags[tag / 8] |= (uint8_t)(1u << (tag % 8));
			if (len >= P9_HDRSZ && len <= n)
				n = len; /* one whole message */
		}
		if (sfs_mem_input(r.c, data + off, n, check_replies, &r) < 0)
			break;
		off += n;
	}
	sfs_expire(&s); /* blocked reads time out now */
	sfs_mem_output(r.c, check_replies, &r);
	sfs_mem_close(r.c);
	if (s.allfids || s.nconns)
		abort(); /* a fid or the connection outlived it */
	sfs_server_fini(&s);
	sfs_tree_free(s.tree);
	return 0;
}
