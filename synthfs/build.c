/*
 * build.c - builds synthfs's contract tree (docs/synthfs.md, "Tree"), or
 * with --bare only an empty writable root, and loads extra nodes from a
 * --tree description file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/p9fs.h"
#include "synthfs/tree.h"

static const char readme[] = "synthfs: a synthetic 9P test tree\n";

static struct sfs_node *add(struct sfs_tree *t, struct sfs_node *dir,
			    const char *name, uint32_t mode)
{
	struct sfs_node *n = sfs_node_new(t, mode);
	if (!n)
		return NULL;
	n->fixed = 1;
	n->dev = dir ? dir->dev : 0;
	if (dir && sfs_dent_add(t, dir, name, strlen(name), n) < 0) {
		free(n);
		return NULL;
	}
	return n;
}

static struct sfs_node *add_text(struct sfs_tree *t, struct sfs_node *dir,
				 const char *name, uint32_t mode,
				 const char *text)
{
	struct sfs_node *n = add(t, dir, name, S_IFREG | mode);
	if (n && text) {
		n->cdata = text;
		n->size = strlen(text);
	}
	return n;
}

static int build_readdir(struct sfs_tree *t, struct sfs_node *rd)
{
	static const unsigned counts[] = { 0, 1, 100, 1000, 10000 };
	char name[128];
	for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
		struct sfs_node *d;
		sprintf(name, "d%u", counts[k]);
		if (!(d = add(t, rd, name, S_IFDIR | 0555)))
			return -ENOMEM;
		unsigned n = counts[k];
		if (t->o.readdir_max && n > t->o.readdir_max)
			n = t->o.readdir_max;
		for (unsigned i = 0; i < n; i++) {
			p9_contract_name(name, sizeof name, i);
			if (!add_text(t, d, name, 0444, NULL))
				return -ENOMEM;
		}
	}
	return 0;
}

static const char *const devtext[2][4] = {
	{ "devA/f1\n", "devA/f2\n", "devA/f3\n", "devA/f4\n" },
	{ "devB/f1\n", "devB/f2\n", "devB/f3\n", "devB/f4\n" },
};

static int build_multidev(struct sfs_tree *t, struct sfs_node *md)
{
	static const char *const names[] = { "devA", "devB" };
	for (unsigned k = 0; k < 2; k++) {
		struct sfs_node *d = add(t, md, names[k], S_IFDIR | 0555);
		if (!d)
			return -ENOMEM;
		d->dev = k + 1;
		d->ino = 2;
		for (unsigned i = 0; i < 4; i++) {
			char nm[4] = { 'f', (char)('1' + i), 0 };
			struct sfs_node *f = add_text(t, d, nm, 0444, devtext[k][i]);
			if (!f)
				return -ENOMEM;
			f->ino = 3 + i;
		}
	}
	return 0;
}

static int build(struct sfs_tree *t)
{
	struct sfs_node *r = t->root, *d, *n;
	static const struct { const char *name; uint64_t size; } data[] = {
		{ "1M", 1 << 20 }, { "64M", 64 << 20 }, { "1G", 1ull << 30 } };
	static const char *const ctl[] = { "fids", "tags", "msgs", "conns",
					   "allfids", "hops" };

	if (!add_text(t, r, "README", 0444, readme))
		return -ENOMEM;
	d = add(t, r, "walk", S_IFDIR | 0555);
	for (int i = 0; d && i < 16; i++) {
		char nm[16];
		sprintf(nm, "WALK%d", i);
		d = add(t, d, nm, S_IFDIR | 0555);
	}
	if (!d || !add_text(t, d, "leaf", 0444, NULL))
		return -ENOMEM;

	if (!(d = add(t, r, "flush", S_IFDIR | 0555)))
		return -ENOMEM;
	if (!(n = add_text(t, d, "block", 0666, NULL)))
		return -ENOMEM;
	n->kind = SFS_K_BLOCK;
	if (!(n = add_text(t, d, "now", 0666, NULL)))
		return -ENOMEM;
	n->kind = SFS_K_NOW;
	n->size = 4;

	if (!(d = add(t, r, "readdir", S_IFDIR | 0555)) || build_readdir(t, d))
		return -ENOMEM;
	if (!(d = add(t, r, "multidev", S_IFDIR | 0555)) || build_multidev(t, d))
		return -ENOMEM;

	if (!(d = add(t, r, "data", S_IFDIR | 0555)))
		return -ENOMEM;
	for (int i = 0; i < 3; i++) {
		if (!(n = add_text(t, d, data[i].name, 0444, NULL)))
			return -ENOMEM;
		n->kind = SFS_K_PATTERN;
		n->size = data[i].size;
	}

	if (!add(t, r, "rw", S_IFDIR | 0777))
		return -ENOMEM;

	if (!(d = add(t, r, "misc", S_IFDIR | 0555)))
		return -ENOMEM;
	if (!(n = add(t, d, "link", S_IFLNK | 0777)) ||
	    !(n->target = strdup("../README")))
		return -ENOMEM;
	if (!(n = add_text(t, d, "append", 0666, NULL)))
		return -ENOMEM;
	n->append = n->quota = 1;
	if (!(n = add_text(t, d, "excl", 0666, NULL)))
		return -ENOMEM;
	n->excl = n->quota = 1;
	if (!add_text(t, d, "ro", 0444, "ro\n") ||
	    !add_text(t, d, "empty", 0444, NULL))
		return -ENOMEM;

	if (!(d = add(t, r, "ctl", S_IFDIR | 0555)))
		return -ENOMEM;
	for (int i = 0; i < 6; i++) {
		if (!(n = add_text(t, d, ctl[i], 0444, NULL)))
			return -ENOMEM;
		n->kind = SFS_K_CTL;
		n->ctl = (uint8_t)i;
		n->size = 0;
	}
	return 0;
}

struct sfs_tree *sfs_tree_new(const struct sfs_opts *o)
{
	struct sfs_tree *t = calloc(1, sizeof *t);
	if (!t)
		return NULL;
	t->o = *o;
	if (!t->o.quota)
		t->o.quota = 256ull << 20;
	t->nextid = 1;
	/* --bare: the root is all there is, writable like /rw */
	t->root = sfs_node_new(t, S_IFDIR | (o->bare ? 0777 : 0555));
	if (!t->root) {
		free(t);
		return NULL;
	}
	t->root->fixed = 1;
	t->root->nlink = 1;
	t->root->name = strdup("/");
	if (!o->bare && build(t) < 0) {
		sfs_tree_free(t);
		return NULL;
	}
	return t;
}

/* ---- --tree FILE ---- */

/* Decode \n, \t, \\ and \xHH in place; returns the new length. */
static size_t unescape(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (*p != '\\' || !p[1]) {
			*o++ = *p;
			continue;
		}
		p++;
		if (*p == 'n')
			*o++ = '\n';
		else if (*p == 't')
			*o++ = '\t';
		else if (*p == 'x' && p[1] && p[2]) {
			char hex[3] = { p[1], p[2], 0 };
			*o++ = (char)strtoul(hex, NULL, 16);
			p += 2;
		} else
			*o++ = *p;
	}
	*o = 0;
	return (size_t)(o - s);
}

/* Find or create the parent directories of path; returns the last one and
 * points *base at the final element. */
static struct sfs_node *parent_of(struct sfs_tree *t, char *path, char **base)
{
	struct sfs_node *d = t->root;
	char *p = path, *slash;
	while (*p == '/')
		p++;
	while ((slash = strchr(p, '/'))) {
		struct sfs_node *n;
		*slash = 0;
		if (sfs_lookup(t, d, p, strlen(p), &n) < 0) {
			if (!(n = add(t, d, p, S_IFDIR | 0555)))
				return NULL;
		} else if (!sfs_is_dir(n))
			return NULL;
		d = n;
		p = slash + 1;
	}
	*base = p;
	return *p ? d : NULL;
}

static int load_line(struct sfs_tree *t, char *line, const char **why)
{
	char *kind = strtok(line, " \t"), *path = strtok(NULL, " \t");
	char *arg = strtok(NULL, ""), *base;
	struct sfs_node *d, *n, *x;
	unsigned long mode;

	if (!kind || !path) {
		*why = "expected KIND PATH ...";
		return -EINVAL;
	}
	if (!(d = parent_of(t, path, &base))) {
		*why = "bad path";
		return -EINVAL;
	}
	if (sfs_lookup(t, d, base, strlen(base), &x) == 0) {
		*why = "path exists";
		return -EEXIST;
	}
	if (strcmp(kind, "symlink") == 0) {
		if (!arg || !(n = add(t, d, base, S_IFLNK | 0777)) ||
		    !(n->target = strdup(arg))) {
			*why = "symlink needs a target";
			return -EINVAL;
		}
		return 0;
	}
	mode = arg ? strtoul(arg, &arg, 8) : 0;
	if (arg) {
		while (*arg == ' ' || *arg == '\t')
			arg++;
	}
	if (strcmp(kind, "dir") == 0) {
		n = add(t, d, base, S_IFDIR | (uint32_t)(mode ? mode & 07777 : 0555));
		return n ? 0 : -ENOMEM;
	}
	if (strcmp(kind, "file") == 0 || strcmp(kind, "pattern") == 0) {
		n = add(t, d, base, S_IFREG | (uint32_t)(mode ? mode & 07777 : 0444));
		if (!n)
			return -ENOMEM;
		if (kind[0] == 'p') {
			n->kind = SFS_K_PATTERN;
			n->size = arg ? strtoull(arg, NULL, 0) : 0;
		} else if (arg && *arg) {
			size_t len = unescape(arg);
			if (sfs_data_write(t, n, 0, arg, len) < 0)
				return -ENOMEM;
			n->size = len;
		}
		return 0;
	}
	*why = "unknown kind (dir, file, pattern, symlink)";
	return -EINVAL;
}

int sfs_tree_load(struct sfs_tree *t, const char *path, char *err, size_t cap)
{
	FILE *f = fopen(path, "r");
	char line[8192], *p;
	int lineno = 0, rc = 0;
	if (!f) {
		snprintf(err, cap, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while ((p = p9_conf_line(f, line, sizeof line, &lineno))) {
		const char *why = "out of memory";
		if ((rc = load_line(t, p, &why)) < 0) {
			snprintf(err, cap, "%s:%d: %s", path, lineno, why);
			break;
		}
	}
	fclose(f);
	return rc;
}
