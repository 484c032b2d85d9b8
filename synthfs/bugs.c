/*
 * bugs.c - the --bug switches: names and descriptions of the documented
 * misbehaviours synthfs can switch on, each modelled on a real server bug
 * (docs/synthfs.md, "Bugs"; REFERENCE section 6).  The behaviour itself
 * lives where the correct behaviour does, guarded by SFS_BUG().
 */
#include <string.h>

#include "synthfs/server.h"

static const struct { const char *name, *desc; } bugs[BUG_COUNT] = {
	[BUG_READDIR_PARTIAL_ENTRY] = { "readdir-partial-entry",
		"Rreaddir ends with the bytes of an entry that did not fit (hugelgupf/p9)" },
	[BUG_READDIR_IGNORE_OFFSET] = { "readdir-ignore-offset",
		"Treaddir offset ignored: each fid continues where its last reply ended" },
	[BUG_READDIR_LOSE_BOUNDARY] = { "readdir-lose-boundary",
		"the entry that does not fit a Rreaddir is skipped, never sent (ZeroFS)" },
	[BUG_FLUSH_RERROR] = { "flush-rerror",
		"Tflush of a pending request answered with an error (DeedleFake/p9)" },
	[BUG_FLUSH_LATE_REPLY] = { "flush-late-reply",
		"the flushed request is answered after Rflush (diod's tflush test)" },
	[BUG_WALK_LATER_ERROR] = { "walk-later-error",
		"Twalk whose later element fails gets an error, not a partial Rwalk (QEMU < 2022)" },
	[BUG_WALK_PARTIAL_FID] = { "walk-partial-fid",
		"a partial Twalk still creates newfid (at the last element reached)" },
	[BUG_MSIZE_NOT_ENFORCED] = { "msize-not-enforced",
		"Rversion echoes any msize, oversized requests are served and read/readdir counts are not clamped" },
	[BUG_QID_PATH_COLLISION] = { "qid-path-collision",
		"qid.path is the raw inode number even with --multidevs remap (QEMU multidevs)" },
	[BUG_QID_VERSION_STATIC] = { "qid-version-static",
		"qid.version never changes when a file is modified" },
	[BUG_CLUNK_LEAK] = { "clunk-leak",
		"Tclunk answers Rclunk but the fid stays held (it stays usable)" },
	[BUG_WRONG_ERRNO] = { "wrong-errno",
		"a missing file is reported as EIO instead of ENOENT" },
	[BUG_FSYNC_EIO] = { "fsync-eio",
		"Tfsync with datasync=1 fails with EIO (servers that lack the datasync field)" },
	[BUG_FLUSH_UNKNOWN_ERROR] = { "flush-unknown-error",
		"Tflush for a tag not in flight is answered with an error instead of Rflush" },
	[BUG_STAT_ZERO_LENGTH] = { "stat-zero-length",
		"Rstat carries n[2] = 0 before the stat record (QEMU's 9P2000.u Rstat)" },
	[BUG_WALK_17] = { "walk-17",
		"Twalk with more than 16 names is walked whole, Rwalk nwqid > 16 (nfs-ganesha)" },
	[BUG_QID_COLLIDE] = { "qid-collide",
		"a file's qid.path is 2^32 + node id % 64: files 64 nodes apart share it (truncated inode numbers)" },
	[BUG_READDIR_SHIFT] = { "readdir-shift",
		"directory offsets are entry indexes: an unlink between reads skips the next entry" },
	[BUG_APPEND_IGNORED] = { "append-ignored",
		"O_APPEND (Tlopen/Tlcreate) and DMAPPEND are ignored: writes land at the offset given" },
	[BUG_HOLES_NONZERO] = { "holes-nonzero",
		"a hole (a write beyond EOF, a size increase) reads 0xa5 bytes, not zeros (stale data)" },
	[BUG_VERSION_MSIZE_GROW] = { "version-msize-grow",
		"Rversion answers an msize 4096 larger than the Tversion asked" },
	[BUG_VERSION_TAG] = { "version-tag",
		"Rversion carries the Tversion's tag + 1 (NOTAG becomes 0)" },
};

int sfs_bug_parse(const char *name)
{
	for (int i = 0; i < BUG_COUNT; i++)
		if (strcmp(bugs[i].name, name) == 0)
			return i;
	return -1;
}

const char *sfs_bug_name(int bug)
{
	return bug >= 0 && bug < BUG_COUNT ? bugs[bug].name : "?";
}

void sfs_bug_opts(uint32_t bugs, struct sfs_opts *o)
{
	o->version_static = (bugs >> BUG_QID_VERSION_STATIC) & 1;
	o->path_collision = (bugs >> BUG_QID_PATH_COLLISION) & 1;
	o->qid_collide = (bugs >> BUG_QID_COLLIDE) & 1;
	o->append_ignored = (bugs >> BUG_APPEND_IGNORED) & 1;
	o->holes_nonzero = (bugs >> BUG_HOLES_NONZERO) & 1;
}

const char *sfs_bug_desc(int bug)
{
	return bug >= 0 && bug < BUG_COUNT ? bugs[bug].desc : "?";
}
