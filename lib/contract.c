/*
 * contract.c - the contract tree (p9fs.h): the one description of the
 * fixtures the suite's cases, the benches and the guest workloads rely
 * on, and its two builders for trees that are not synthfs's own: over 9P
 * into any writable server (with the client file layer), and into a host
 * directory (for QEMU's local export or a read-only server's export).
 *
 * Owns: the node table, the readdir names, the data pattern and the stamp
 * that marks a complete tree of this version.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "p9fs.h"

enum { FILL_CHUNK = 65536, PROGRESS_EVERY = 500 };

static const struct p9_cnode nodes[] = {
	{ "README", P9C_TEXT, 0444, P9_CONTRACT_README, 0, 0, 0 },
	{ "walk", P9C_CHAIN, 0755, NULL, 0, 0, 16 },
	{ "readdir", P9C_DIR, 0755, NULL, 0, 0, 0 },
	{ "readdir/d0", P9C_MANY, 0755, NULL, 0, 0, 0 },
	{ "readdir/d1", P9C_MANY, 0755, NULL, 0, 0, 1 },
	{ "readdir/d100", P9C_MANY, 0755, NULL, 0, 0, 100 },
	{ "readdir/d1000", P9C_MANY, 0755, NULL, 0, 0, 1000 },
	{ "readdir/d10000", P9C_MANY, 0755, NULL, 0, 0, 10000 },
	{ "data", P9C_DIR, 0755, NULL, 0, 0, 0 },
	{ "data/1M", P9C_PATTERN, 0444, NULL, 1 << 20, 0, 0 },
	{ "flush", P9C_DIR, 0755, NULL, 0, 0, 0 },
	{ "flush/now", P9C_TEXT, 0666, "now\n", 0, 0, 0 },
	{ "misc", P9C_DIR, 0755, NULL, 0, 0, 0 },
	{ "misc/link", P9C_SYMLINK, 0777, "../README", 0, 0, 0 },
	{ "misc/ro", P9C_TEXT, 0444, "ro\n", 0, 0, 0 },
	{ "misc/empty", P9C_TEXT, 0444, "", 0, 0, 0 },
};
enum { NNODES = sizeof nodes / sizeof nodes[0] };

const struct p9_cnode *p9_contract_nodes(int *n)
{
	*n = NNODES;
	return nodes;
}

unsigned p9_contract_size(void)
{
	unsigned total = 0;
	for (int i = 0; i < NNODES; i++)
		total += 1 + (nodes[i].kind == P9C_MANY || nodes[i].kind == P9C_CHAIN ?
			      nodes[i].count + (nodes[i].kind == P9C_CHAIN) : 0);
	return total;
}

void p9_contract_name(char *out, size_t cap, unsigned i)
{
	int n = snprintf(out, cap, "f%u_", i);
	size_t x = i % P9_CONTRACT_NAMEVAR;
	if (n < 0 || (size_t)n + x + 1 > cap) {
		if (cap)
			out[0] = 0;
		return;
	}
	memset(out + n, 'x', x);
	out[n + x] = 0;
}

int p9_contract_name_index(const char *name, size_t len, unsigned n, unsigned *i)
{
	size_t pos = 1;
	uint64_t v = 0;
	if (len < 3 || name[0] != 'f' || name[1] < '0' || name[1] > '9')
		return 0;
	while (pos < len && name[pos] >= '0' && name[pos] <= '9' && v < n)
		v = v * 10 + (uint64_t)(name[pos++] - '0');
	if (v >= n || pos >= len || name[pos] != '_' || (pos > 2 && name[1] == '0'))
		return 0;
	if (len - pos - 1 != v % P9_CONTRACT_NAMEVAR)
		return 0;
	for (pos++; pos < len; pos++)
		if (name[pos] != 'x')
			return 0;
	*i = (unsigned)v;
	return 1;
}

size_t p9_contract_mismatch(const uint8_t *buf, size_t len, uint64_t off)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != p9_contract_byte(off + i))
			return i;
	return len;
}

/* The pattern repeats every P9_CONTRACT_PERIOD bytes: one period is
 * computed, the rest copied from the start of buf in doubling pieces (each
 * copy starts at a multiple of the period), fast enough for synthfs's /data
 * reads. */
void p9_contract_fill(uint8_t *buf, size_t len, uint64_t off)
{
	size_t have = len < P9_CONTRACT_PERIOD ? len : P9_CONTRACT_PERIOD;
	for (size_t i = 0; i < have; i++)
		buf[i] = p9_contract_byte(off + i);
	while (have < len) {
		size_t n = len - have < have ? len - have : have;
		memcpy(buf + have, buf, n);
		have += n;
	}
}

/* ---- over 9P ---- */

struct build {
	struct p9_fs *fs;
	p9_contract_progress_fn fn;
	void *arg;
	unsigned done, total;
};

static void tick(struct build *b)
{
	if (++b->done % PROGRESS_EVERY == 0 && b->fn)
		b->fn(b->arg, b->done, b->total);
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

/* Where a piece of the pattern goes: 0 or -errno. */
typedef int (*fill_sink)(void *arg, uint64_t off, const uint8_t *buf, size_t n);

/* Write [off, off+len) of the pattern in chunks through sink. */
static int fill_pattern(fill_sink sink, void *arg, uint64_t off, uint64_t len)
{
	uint8_t *buf = malloc(FILL_CHUNK);
	int rc = 0;
	if (!buf)
		return -ENOMEM;
	while (rc == 0 && len) {
		size_t n = len > FILL_CHUNK ? FILL_CHUNK : (size_t)len;
		p9_contract_fill(buf, n, off);
		rc = sink(arg, off, buf, n);
		off += n;
		len -= n;
	}
	free(buf);
	return rc;
}

struct sink_9p {
	struct p9_fs *fs;
	uint32_t fid;
};

static int sink_9p(void *arg, uint64_t off, const uint8_t *buf, size_t n)
{
	struct sink_9p *k = arg;
	return p9_fs_write(k->fs, k->fid, off, buf, n);
}

static int fill_9p(struct p9_fs *fs, uint32_t fid, uint64_t off, uint64_t len)
{
	struct sink_9p k = { fs, fid };
	return fill_pattern(sink_9p, &k, off, len);
}

static int file_9p(struct build *b, uint32_t dir, const struct p9_cnode *c)
{
	struct p9_fs *fs = b->fs;
	uint32_t fid;
	int rc = p9_fs_create(fs, dir, base(c->path), 0644, &fid);
	if (rc)
		return rc;
	if (c->kind == P9C_TEXT && c->text[0])
		rc = p9_fs_write(fs, fid, 0, c->text, strlen(c->text));
	else if (c->kind == P9C_PATTERN)
		rc = fill_9p(fs, fid, 0, c->size);
	else if (c->kind == P9C_SPARSE)
		rc = fill_9p(fs, fid, c->size - c->tail, c->tail);
	if (rc == 0 && c->mode != 0644)
		rc = p9_fs_chmod(fs, fid, c->mode);
	int crc = p9_fs_clunk(fs, fid);
	return rc ? rc : crc;
}

static int many_9p(struct build *b, uint32_t dir, unsigned count)
{
	char name[128];
	int rc = 0;
	for (unsigned i = 0; rc == 0 && i < count; i++) {
		uint32_t fid;
		p9_contract_name(name, sizeof name, i);
		if ((rc = p9_fs_create(b->fs, dir, name, 0644, &fid)) == 0)
			rc = p9_fs_clunk(b->fs, fid);
		tick(b);
	}
	return rc;
}

/* count nested directories WALK0.. in dir, and a file "leaf" in the last */
static int chain_9p(struct build *b, uint32_t dir, unsigned count, uint32_t mode)
{
	struct p9_fs *fs = b->fs;
	char name[32];
	uint32_t cur, next, leaf;
	int rc = p9_fs_walk(fs, dir, "", &cur, NULL);
	for (unsigned i = 0; rc == 0 && i < count; i++) {
		snprintf(name, sizeof name, "WALK%u", i);
		if ((rc = p9_fs_mkdir(fs, cur, name, mode)) == 0 &&
		    (rc = p9_fs_walk(fs, cur, name, &next, NULL)) == 0) {
			p9_fs_clunk(fs, cur);
			cur = next;
		}
		tick(b);
	}
	if (rc == 0 && (rc = p9_fs_create(fs, cur, "leaf", 0644, &leaf)) == 0)
		rc = p9_fs_clunk(fs, leaf);
	p9_fs_clunk(fs, cur);
	return rc;
}

static int dir_node_9p(struct build *b, uint32_t parent, const struct p9_cnode *c)
{
	uint32_t dir;
	int rc = p9_fs_mkdir(b->fs, parent, base(c->path), c->mode);
	if (rc || (c->kind != P9C_MANY && c->kind != P9C_CHAIN))
		return rc;
	if ((rc = p9_fs_walk(b->fs, parent, base(c->path), &dir, NULL)))
		return rc;
	rc = c->kind == P9C_MANY ? many_9p(b, dir, c->count) :
				   chain_9p(b, dir, c->count, c->mode);
	p9_fs_clunk(b->fs, dir);
	return rc;
}

static int node_9p(struct build *b, uint32_t root, const struct p9_cnode *c)
{
	char parent[256];
	uint32_t dir;
	int rc;
	snprintf(parent, sizeof parent, "%.*s", (int)(base(c->path) - c->path), c->path);
	if ((rc = p9_fs_walk(b->fs, root, parent, &dir, NULL)))
		return rc;
	switch (c->kind) {
	case P9C_DIR: case P9C_MANY: case P9C_CHAIN:
		rc = dir_node_9p(b, dir, c);
		break;
	case P9C_SYMLINK:
		rc = p9_fs_symlink(b->fs, dir, base(c->path), c->text);
		if (rc == -EOPNOTSUPP)
			rc = 0; /* 9P2000 has none: the tree goes without */
		break;
	default:
		rc = file_9p(b, dir, c);
	}
	p9_fs_clunk(b->fs, dir);
	tick(b);
	return rc;
}

static int stamp_9p(struct p9_fs *fs, uint32_t root)
{
	uint32_t fid;
	int rc = p9_fs_create(fs, root, P9_CONTRACT_STAMP, 0644, &fid);
	if (rc)
		return rc;
	rc = p9_fs_write(fs, fid, 0, P9_CONTRACT_VERSION, strlen(P9_CONTRACT_VERSION));
	int crc = p9_fs_clunk(fs, fid);
	return rc ? rc : crc;
}

int p9_contract_build_9p(struct p9_fs *fs, uint32_t dirfid, p9_contract_progress_fn fn,
			 void *arg)
{
	struct build b = { fs, fn, arg, 0, p9_contract_size() };
	int rc = 0;
	for (int i = 0; rc == 0 && i < NNODES; i++)
		if ((rc = node_9p(&b, dirfid, &nodes[i]))) {
			size_t n = strlen(fs->err);
			snprintf(fs->err + n, sizeof fs->err - n, " (building %s)", nodes[i].path);
		}
	return rc ? rc : stamp_9p(fs, dirfid);
}

int p9_contract_check_9p(struct p9_fs *fs, uint32_t dirfid)
{
	char buf[64] = "";
	uint32_t fid;
	long n = -1;
	if (p9_fs_walk(fs, dirfid, P9_CONTRACT_STAMP, &fid, NULL))
		return 0;
	if (p9_fs_open(fs, fid, P9_L_O_RDONLY) == 0)
		n = p9_fs_read(fs, fid, 0, buf, sizeof buf - 1);
	p9_fs_clunk(fs, fid);
	if (n < 0)
		return 0;
	buf[n] = 0;
	return strcmp(buf, P9_CONTRACT_VERSION) == 0;
}

/* ---- finding or building a tree on a target ---- */

static void join(char *out, size_t cap, const char *base, const char *name)
{
	snprintf(out, cap, "%s%s%s", base, *base ? "/" : "", name);
}

static int stamped(struct p9_fs *fs, uint32_t rootfid, const char *path)
{
	uint32_t fid;
	int ok;
	if (p9_fs_walk(fs, rootfid, path, &fid, NULL))
		return 0;
	ok = p9_contract_check_9p(fs, fid);
	p9_fs_clunk(fs, fid);
	return ok;
}

static int build_named(struct p9_fs *fs, uint32_t rootfid, const char *base,
		       const char *name, p9_contract_progress_fn fn, void *arg)
{
	uint32_t dir, tree;
	int rc = p9_fs_walk(fs, rootfid, base, &dir, NULL);
	if (rc)
		return rc;
	p9_fs_rmtree(fs, dir, name); /* a partial tree of an earlier run */
	if ((rc = p9_fs_mkdir(fs, dir, name, 0755)) == 0 &&
	    (rc = p9_fs_walk(fs, dir, name, &tree, NULL)) == 0) {
		rc = p9_contract_build_9p(fs, tree, fn, arg);
		p9_fs_clunk(fs, tree);
		if (rc) {
			char keep[sizeof fs->err];
			memcpy(keep, fs->err, sizeof keep);
			p9_fs_rmtree(fs, dir, name);
			memcpy(fs->err, keep, sizeof keep);
		}
	}
	p9_fs_clunk(fs, dir);
	return rc;
}

int p9_contract_provide(struct p9_fs *fs, uint32_t rootfid, const char *base,
			const char *keep, const char *build, p9_contract_progress_fn fn,
			void *arg, char *path, size_t cap)
{
	path[0] = 0;
	if (stamped(fs, rootfid, ""))
		return 0;
	join(path, cap, base, keep);
	if (stamped(fs, rootfid, path))
		return 0;
	if (!build) {
		snprintf(fs->err, sizeof fs->err, "no fixture tree at the root or at /%s", path);
		return -ENOENT;
	}
	join(path, cap, base, build);
	int rc = build_named(fs, rootfid, base, build, fn, arg);
	return rc ? rc : 1;
}

int p9_contract_remove(struct p9_fs *fs, uint32_t rootfid, const char *path)
{
	char base[512];
	const char *name = strrchr(path, '/');
	uint32_t dir;
	snprintf(base, sizeof base, "%.*s", name ? (int)(name - path) : 0, path);
	name = name ? name + 1 : path;
	int rc = p9_fs_walk(fs, rootfid, base, &dir, NULL);
	if (rc)
		return rc;
	rc = p9_fs_rmtree(fs, dir, name);
	p9_fs_clunk(fs, dir);
	return rc;
}

/* ---- in a host directory ---- */

static int sink_host(void *arg, uint64_t off, const uint8_t *buf, size_t n)
{
	int fd = *(int *)arg;
	return pwrite(fd, buf, n, (off_t)off) == (ssize_t)n ? 0 : -EIO;
}

static int host_fill(int fd, uint64_t off, uint64_t len)
{
	return fill_pattern(sink_host, &fd, off, len);
}

static int host_file(const char *p, const struct p9_cnode *c)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), rc = 0;
	if (fd < 0)
		return -errno;
	if (c->kind == P9C_TEXT && c->text[0])
		rc = write(fd, c->text, strlen(c->text)) == (ssize_t)strlen(c->text) ? 0 : -EIO;
	else if (c->kind == P9C_PATTERN)
		rc = host_fill(fd, 0, c->size);
	else if (c->kind == P9C_SPARSE)
		rc = ftruncate(fd, (off_t)c->size) ? -errno :
		     host_fill(fd, c->size - c->tail, c->tail);
	if (rc == 0 && fchmod(fd, c->mode))
		rc = -errno;
	close(fd);
	return rc;
}

static int host_mkdir(const char *p, uint32_t mode)
{
	return mkdir(p, mode) && errno != EEXIST ? -errno : 0;
}

static int host_many(const char *dir, const struct p9_cnode *c)
{
	char p[4096], name[128];
	int rc = 0;
	for (unsigned i = 0; rc == 0 && i < c->count; i++) {
		p9_contract_name(name, sizeof name, i);
		if (snprintf(p, sizeof p, "%s/%s", dir, name) >= (int)sizeof p)
			return -ENAMETOOLONG;
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		rc = fd < 0 ? -errno : close(fd);
	}
	return rc;
}

static int host_chain(char *p, size_t cap, const struct p9_cnode *c)
{
	int rc = 0;
	for (unsigned i = 0; rc == 0 && i < c->count; i++) {
		size_t n = strlen(p);
		snprintf(p + n, cap - n, "/WALK%u", i);
		rc = host_mkdir(p, c->mode);
	}
	if (rc == 0) {
		size_t n = strlen(p);
		snprintf(p + n, cap - n, "/leaf");
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
		rc = fd < 0 ? -errno : close(fd);
	}
	return rc;
}

static int host_node(const char *root, const struct p9_cnode *c)
{
	char p[4096];
	if (snprintf(p, sizeof p, "%s/%s", root, c->path) >= (int)sizeof p)
		return -ENAMETOOLONG;
	switch (c->kind) {
	case P9C_DIR:
		return host_mkdir(p, c->mode);
	case P9C_MANY:
		return host_mkdir(p, c->mode) ? -errno : host_many(p, c);
	case P9C_CHAIN:
		return host_mkdir(p, c->mode) ? -errno : host_chain(p, sizeof p, c);
	case P9C_SYMLINK:
		return symlink(c->text, p) && errno != EEXIST ? -errno : 0;
	default:
		return host_file(p, c);
	}
}

int p9_contract_build_host(const char *root, char *err, size_t cap)
{
	const struct p9_cnode stamp = { P9_CONTRACT_STAMP, P9C_TEXT, 0644,
					P9_CONTRACT_VERSION, 0, 0, 0 };
	int rc = host_mkdir(root, 0755);
	for (int i = 0; rc == 0 && i <= NNODES; i++) {
		const struct p9_cnode *c = i < NNODES ? &nodes[i] : &stamp;
		if ((rc = host_node(root, c)))
			snprintf(err, cap, "%s/%s: %s", root, c->path, strerror(-rc));
	}
	if (rc && !strstr(err, root))
		snprintf(err, cap, "%s: %s", root, strerror(-rc));
	return rc;
}
