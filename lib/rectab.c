/*
 * rectab.c - the record tables: the fields of the records that travel inside
 * messages (a stat record, a 9P2000.L directory entry), one row per field
 * in wire order, in the style of the message table (msgtab.c).  Also the
 * generic access to a record's member through its row, for the case
 * language's stat and entry fields.
 *
 * Each row also says how the two printers show the field: the fcall text
 * puts a stat's names first ("name uid gid muid q (...) m 0644 at ...") and
 * a dirent as "name@offset"; JSON prints every field in wire order under
 * its name (a dirent's type as "dtype").
 */
#include <stddef.h>
#include <string.h>

#include "p9.h"
#include "buf.h"

#define SOFF(m) ((uint16_t)offsetof(struct p9_stat, m))
#define DOFF(m) ((uint16_t)offsetof(struct p9_dirent, m))
/* name, kind, dialects, show, member, fcall text prefix and place */
#define S(n, k, d, sh, m, tx, pos) \
	{ n, P9K_##k, d, P9S_##sh, P9R_NONE, SOFF(m), tx, pos, NULL }

static const struct p9_recfield stat_fields[] = {
	{ "size", P9K_U16, P9_DALL, P9S_DEC, P9R_RECSIZE, SOFF(size), NULL, 0, NULL },
	S("type", U16, P9_DALL, DEC, type, " t ", 9),
	S("dev", U32, P9_DALL, DEC, dev, " d ", 10),
	S("qid", QID, P9_DALL, DEC, qid, " q ", 4),
	S("mode", U32, P9_DALL, OCT, mode, " m ", 5),
	S("atime", U32, P9_DALL, DEC, atime, " at ", 6),
	S("mtime", U32, P9_DALL, DEC, mtime, " mt ", 7),
	S("length", U64, P9_DALL, DEC, length, " l ", 8),
	S("name", STR, P9_DALL, DEC, name, " ", 0),
	S("uid", STR, P9_DALL, DEC, uid, " ", 1),
	S("gid", STR, P9_DALL, DEC, gid, " ", 2),
	S("muid", STR, P9_DALL, DEC, muid, " ", 3),
	/* 9P2000.u */
	S("extension", STR, P9_DU, DEC, extension, " ext ", 11),
	S("n_uid", U32, P9_DU, DEC, n_uid, " uid ", 12),
	S("n_gid", U32, P9_DU, DEC, n_gid, " gid ", 13),
	S("n_muid", U32, P9_DU, DEC, n_muid, " muid ", 14),
};

static const struct p9_recfield dirent_fields[] = {
	{ "qid", P9K_QID, P9_DALL, P9S_DEC, P9R_NONE, DOFF(qid), NULL, 0, NULL },
	{ "offset", P9K_U64, P9_DALL, P9S_DEC, P9R_NONE, DOFF(offset), "@", 1, NULL },
	{ "type", P9K_U8, P9_DALL, P9S_DEC, P9R_NONE, DOFF(type), NULL, 0, "dtype" },
	{ "name", P9K_STR, P9_DALL, P9S_DEC, P9R_NONE, DOFF(name), "", 0, NULL },
};

#define NF(a) ((uint8_t)(sizeof a / sizeof a[0]))

static const struct p9_recdef stat_def = {
	"stat", sizeof(struct p9_stat), NF(stat_fields), stat_fields
};
static const struct p9_recdef dirent_def = {
	"dirent", sizeof(struct p9_dirent), NF(dirent_fields), dirent_fields
};

const struct p9_recdef *p9_stat_def(void)
{
	return &stat_def;
}

const struct p9_recdef *p9_dirent_def(void)
{
	return &dirent_def;
}

const struct p9_recfield *p9_recfield_byname(const struct p9_recdef *d,
					     const char *name)
{
	for (unsigned i = 0; i < d->nfield; i++)
		if (strcmp(d->field[i].name, name) == 0)
			return &d->field[i];
	return NULL;
}

uint64_t p9_rec_uint(const void *rec, const struct p9_recfield *f)
{
	return p9_kind_uint((const char *)rec + f->off, f->kind);
}

void p9_rec_set_uint(void *rec, const struct p9_recfield *f, uint64_t v)
{
	p9_kind_set_uint((char *)rec + f->off, f->kind, v);
}

struct p9_str p9_rec_str(const void *rec, const struct p9_recfield *f)
{
	struct p9_str none = { "", 0 };
	if (f->kind != P9K_STR)
		return none;
	return *(const struct p9_str *)((const char *)rec + f->off);
}

void p9_rec_set_str(void *rec, const struct p9_recfield *f, struct p9_str s)
{
	if (f->kind == P9K_STR)
		*(struct p9_str *)((char *)rec + f->off) = s;
}

void *p9_rec_ptr(void *rec, const struct p9_recfield *f)
{
	return (char *)rec + f->off;
}
