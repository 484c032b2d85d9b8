/*
 * fsclient.c - the client file layer (p9fs.h): dialect-adaptive file
 * operations on one struct p9_client, each a few requests that must
 * succeed, with fids from a small private range.
 *
 * Owns: the layer's fid range and the text of its errors.  Directory
 * listing and tree removal are in fslist.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "p9fs.h"

void p9_fs_init(struct p9_fs *fs, struct p9_client *cl, int timeout_ms, uint32_t fidlo)
{
	memset(fs, 0, sizeof *fs);
	fs->cl = cl;
	fs->dialect = cl->dialect;
	fs->timeout_ms = timeout_ms;
	fs->fidlo = fidlo;
}

static int fs_fail(struct p9_fs *fs, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fs_fail(struct p9_fs *fs, int rc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fs->err, sizeof fs->err, fmt, ap);
	va_end(ap);
	return rc;
}

uint32_t p9_fs_fid(struct p9_fs *fs)
{
	for (unsigned i = 0; i < P9FS_MAXFIDS; i++)
		if (!(fs->fidused & (1ull << i))) {
			fs->fidused |= 1ull << i;
			return fs->fidlo + i;
		}
	fs_fail(fs, -EMFILE, "all %d fids of the file layer are in use", P9FS_MAXFIDS);
	return P9_NOFID;
}

static void fid_free(struct p9_fs *fs, uint32_t fid)
{
	if (fid >= fs->fidlo && fid - fs->fidlo < P9FS_MAXFIDS)
		fs->fidused &= ~(1ull << (fid - fs->fidlo));
}

static const char *rc_text(int rc)
{
	return rc == -ETIMEDOUT ? "no reply (timeout)" :
	       rc == -ECONNRESET ? "the server closed the connection" : strerror(-rc);
}

int p9_fs_rpc(struct p9_fs *fs, struct p9_msg *m, int want, struct p9_reply **out,
	      const char *what)
{
	struct p9_reply *r;
	char line[200];
	int rc;
	fs->rtype = 0;
	rc = p9_client_rpc(fs->cl, m, fs->timeout_ms, &r);
	if (rc)
		return fs_fail(fs, rc, "%s: %s", what, rc_text(rc));
	fs->rtype = r->m.type;
	if (r->decode_rc) {
		p9_decode_err_str(&r->derr, line, sizeof line);
		p9_reply_free(r);
		return fs_fail(fs, -EPROTO, "%s: malformed reply: %s", what, line);
	}
	if (r->m.type != want) {
		int e = p9_reply_errno(r);
		if (e) {
			const char *n = p9_errno_name((uint32_t)e);
			fs_fail(fs, -e, "%s: %s", what, n ? n : strerror(e));
		} else {
			p9_fmt(line, sizeof line, &r->m, fs->dialect);
			fs_fail(fs, -EPROTO, "%s: unexpected reply %s", what, line);
		}
		p9_reply_free(r);
		return e ? -e : -EPROTO;
	}
	if (out)
		*out = r;
	else
		p9_reply_free(r);
	return 0;
}

void p9_fs_clunk_forget(struct p9_fs *fs, uint32_t fid)
{
	fid_free(fs, fid);
}

int p9_fs_clunk(struct p9_fs *fs, uint32_t fid)
{
	struct p9_msg m = { .type = P9_TCLUNK, .fid = fid };
	fid_free(fs, fid);
	return p9_fs_rpc(fs, &m, P9_RCLUNK, NULL, "clunk");
}

/* Clunk after a failure: the failure's text stays in fs->err. */
static void clunk_quiet(struct p9_fs *fs, uint32_t fid)
{
	char keep[sizeof fs->err];
	memcpy(keep, fs->err, sizeof keep);
	p9_fs_clunk(fs, fid);
	memcpy(fs->err, keep, sizeof keep);
}

/* One Twalk of at most 16 names; all must be walked. */
static int walk_piece(struct p9_fs *fs, uint32_t from, uint32_t to, char **names, int n,
		      const char *path, struct p9_qid *qid)
{
	struct p9_msg m = { .type = P9_TWALK, .fid = from, .newfid = to, .nwname = (uint16_t)n };
	struct p9_reply *r;
	char what[300];
	snprintf(what, sizeof what, "walk %s", path);
	for (int i = 0; i < n; i++)
		m.wname[i] = p9_s(names[i]);
	int rc = p9_fs_rpc(fs, &m, P9_RWALK, &r, what);
	if (rc)
		return rc;
	if (r->m.nwqid != n) {
		int walked = r->m.nwqid < n ? r->m.nwqid : 0;
		p9_reply_free(r);
		return fs_fail(fs, -ENOENT, "%s: %s not found", what, names[walked]);
	}
	if (qid && n)
		*qid = r->m.wqid[n - 1];
	p9_reply_free(r);
	return 0;
}

int p9_fs_walk_fid(struct p9_fs *fs, uint32_t from, const char *path, uint32_t fid,
		   struct p9_qid *qid)
{
	char buf[1024], *names[256], *save = NULL;
	int n = 0, rc = 0, i = 0;
	if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
		return fs_fail(fs, -ENAMETOOLONG, "walk: path too long");
	for (char *t = strtok_r(buf, "/", &save); t && n < 256; t = strtok_r(NULL, "/", &save))
		names[n++] = t;
	do {
		int k = n - i > P9_MAXWELEM ? P9_MAXWELEM : n - i;
		rc = walk_piece(fs, i ? fid : from, fid, names + i, k, path, qid);
		if (rc) {
			/* some servers make newfid even on a partial walk */
			if (rc != -ECONNRESET && rc != -ETIMEDOUT)
				clunk_quiet(fs, fid);
			return rc;
		}
		i += k;
	} while (i < n);
	return 0;
}

int p9_fs_walk(struct p9_fs *fs, uint32_t from, const char *path, uint32_t *newfid,
	       struct p9_qid *qid)
{
	uint32_t fid = p9_fs_fid(fs);
	int rc;
	if (fid == P9_NOFID)
		return -EMFILE;
	if ((rc = p9_fs_walk_fid(fs, from, path, fid, qid))) {
		fid_free(fs, fid);
		return rc;
	}
	*newfid = fid;
	return 0;
}

int p9_fs_open(struct p9_fs *fs, uint32_t fid, uint32_t lflags)
{
	struct p9_msg m = { .fid = fid };
	if (fs->dialect == P9_DL) {
		m.type = P9_TLOPEN;
		m.flags = lflags;
		return p9_fs_rpc(fs, &m, P9_RLOPEN, NULL, "lopen");
	}
	m.type = P9_TOPEN;
	m.mode = (uint8_t)((lflags & 3) | (lflags & P9_L_O_TRUNC ? P9_OTRUNC : 0));
	return p9_fs_rpc(fs, &m, P9_ROPEN, NULL, "open");
}

/* Tcreate on a clone of dirfid; the clone becomes the created node's fid. */
static int create_u(struct p9_fs *fs, uint32_t dirfid, const char *name, uint32_t perm,
		    uint8_t mode, const char *ext, uint32_t *out)
{
	uint32_t fid;
	char what[300];
	int rc = p9_fs_walk(fs, dirfid, "", &fid, NULL);
	if (rc)
		return rc;
	struct p9_msg m = { .type = P9_TCREATE, .fid = fid, .perm = perm, .mode = mode };
	m.name = p9_s(name);
	m.extension = p9_s(ext);
	snprintf(what, sizeof what, "create %s", name);
	rc = p9_fs_rpc(fs, &m, P9_RCREATE, NULL, what);
	if (rc || !out) {
		if (rc)
			clunk_quiet(fs, fid);
		else
			rc = p9_fs_clunk(fs, fid);
		return rc;
	}
	*out = fid;
	return 0;
}

int p9_fs_create(struct p9_fs *fs, uint32_t dirfid, const char *name, uint32_t perm,
		 uint32_t *out)
{
	uint32_t fid;
	char what[300];
	int rc;
	if (fs->dialect != P9_DL)
		return create_u(fs, dirfid, name, perm, P9_ORDWR, "", out);
	if ((rc = p9_fs_walk(fs, dirfid, "", &fid, NULL)))
		return rc;
	struct p9_msg m = { .type = P9_TLCREATE, .fid = fid, .flags = P9_L_O_RDWR,
			    .lmode = perm, .gid = fs->gid };
	m.name = p9_s(name);
	snprintf(what, sizeof what, "lcreate %s", name);
	if ((rc = p9_fs_rpc(fs, &m, P9_RLCREATE, NULL, what))) {
		clunk_quiet(fs, fid);
		return rc;
	}
	*out = fid;
	return 0;
}

int p9_fs_mkdir(struct p9_fs *fs, uint32_t dirfid, const char *name, uint32_t perm)
{
	char what[300];
	if (fs->dialect != P9_DL)
		return create_u(fs, dirfid, name, P9_DMDIR | perm, P9_OREAD, "", NULL);
	struct p9_msg m = { .type = P9_TMKDIR, .dfid = dirfid, .lmode = perm, .gid = fs->gid };
	m.name = p9_s(name);
	snprintf(what, sizeof what, "mkdir %s", name);
	return p9_fs_rpc(fs, &m, P9_RMKDIR, NULL, what);
}

int p9_fs_symlink(struct p9_fs *fs, uint32_t dirfid, const char *name, const char *target)
{
	char what[300];
	if (fs->dialect == P9_D2000)
		return fs_fail(fs, -EOPNOTSUPP, "symlink %s: 9P2000 has no symbolic links", name);
	if (fs->dialect == P9_DU)
		return create_u(fs, dirfid, name, P9_DMSYMLINK | 0777, P9_OREAD, target, NULL);
	struct p9_msg m = { .type = P9_TSYMLINK, .fid = dirfid, .gid = fs->gid };
	m.name = p9_s(name);
	m.symtgt = p9_s(target);
	snprintf(what, sizeof what, "symlink %s", name);
	return p9_fs_rpc(fs, &m, P9_RSYMLINK, NULL, what);
}

int p9_fs_link(struct p9_fs *fs, uint32_t dirfid, uint32_t fid, const char *name)
{
	char what[300];
	if (fs->dialect != P9_DL)
		return fs_fail(fs, -EOPNOTSUPP, "link %s: only 9P2000.L has Tlink", name);
	struct p9_msg m = { .type = P9_TLINK, .dfid = dirfid, .fid = fid };
	m.name = p9_s(name);
	snprintf(what, sizeof what, "link %s", name);
	return p9_fs_rpc(fs, &m, P9_RLINK, NULL, what);
}

int p9_fs_chmod(struct p9_fs *fs, uint32_t fid, uint32_t perm)
{
	if (fs->dialect == P9_DL) {
		struct p9_msg m = { .type = P9_TSETATTR, .fid = fid, .valid32 = P9_SETATTR_MODE,
				    .lmode = perm };
		return p9_fs_rpc(fs, &m, P9_RSETATTR, NULL, "setattr mode");
	}
	struct p9_msg m = { .type = P9_TWSTAT, .fid = fid };
	/* "don't touch" everything but the mode (stat(5)) */
	memset(&m.stat, 0xFF, sizeof m.stat);
	m.stat.name = m.stat.uid = m.stat.gid = m.stat.muid = m.stat.extension = p9_s("");
	m.stat.mode = perm;
	return p9_fs_rpc(fs, &m, P9_RWSTAT, NULL, "wstat mode");
}

static uint32_t io_max(const struct p9_fs *fs)
{
	return fs->cl->msize > P9_IOHDRSZ ? fs->cl->msize - P9_IOHDRSZ : 1;
}

int p9_fs_write(struct p9_fs *fs, uint32_t fid, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	while (len) {
		uint32_t n = len > io_max(fs) ? io_max(fs) : (uint32_t)len;
		struct p9_msg m = { .type = P9_TWRITE, .fid = fid, .offset = off, .data = p,
				    .count = n };
		struct p9_reply *r;
		int rc = p9_fs_rpc(fs, &m, P9_RWRITE, &r, "write");
		if (rc)
			return rc;
		uint32_t got = r->m.count;
		p9_reply_free(r);
		if (got == 0 || got > n)
			return fs_fail(fs, -EIO, "write at %llu: Rwrite count %u of %u",
				       (unsigned long long)off, got, n);
		p += got;
		off += got;
		len -= got;
	}
	return 0;
}

long p9_fs_pread(struct p9_fs *fs, uint32_t fid, uint64_t off, void *buf, size_t len)
{
	struct p9_msg m = { .type = P9_TREAD, .fid = fid, .offset = off,
			    .count = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len };
	struct p9_reply *r;
	int rc = p9_fs_rpc(fs, &m, P9_RREAD, &r, "read");
	if (rc)
		return rc;
	uint32_t got = r->m.count > m.count ? m.count : r->m.count;
	if (got)
		memcpy(buf, r->m.data, got);
	p9_reply_free(r);
	return (long)got;
}

long p9_fs_read(struct p9_fs *fs, uint32_t fid, uint64_t off, void *buf, size_t len)
{
	uint8_t *p = buf;
	size_t done = 0;
	while (done < len) {
		uint32_t n = len - done > io_max(fs) ? io_max(fs) : (uint32_t)(len - done);
		struct p9_msg m = { .type = P9_TREAD, .fid = fid, .offset = off + done,
				    .count = n };
		struct p9_reply *r;
		int rc = p9_fs_rpc(fs, &m, P9_RREAD, &r, "read");
		if (rc)
			return rc;
		uint32_t got = r->m.count > n ? n : r->m.count;
		memcpy(p + done, r->m.data, got);
		p9_reply_free(r);
		if (got == 0)
			break;
		done += got;
	}
	return (long)done;
}
