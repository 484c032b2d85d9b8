/*
 * lflags.h - the Linux constants 9P2000.L carries on the wire, named once.
 *
 * Owns: the open(2) flags of Tlopen/Tlcreate (P9_L_O_*), the Tunlinkat
 * flag (P9_L_AT_REMOVEDIR), the file type bits of Rgetattr's mode
 * (P9_L_S_IF*), the Txattrcreate flags (P9_L_XATTR_*), the lock types,
 * lock statuses and lock flags of Tlock/Rlock/Tgetlock (P9_LOCK_*) and
 * Rstatfs's type for a 9P mount (P9_L_V9FS_MAGIC).  The values are Linux's
 * (x86 and most architectures), as diod and QEMU read them; they need not
 * match the host's <fcntl.h>.  Header only: no code.
 */
#ifndef P9_LFLAGS_H
#define P9_LFLAGS_H

/* Linux open(2) flags as 9P2000.L's Tlopen/Tlcreate carry them. */
enum {
	P9_L_O_RDONLY = 0,
	P9_L_O_WRONLY = 01,
	P9_L_O_RDWR = 02,
	P9_L_O_ACCMODE = 03,
	P9_L_O_CREAT = 0100,
	P9_L_O_EXCL = 0200,
	P9_L_O_TRUNC = 01000,
	P9_L_O_APPEND = 02000,
	P9_L_O_DIRECTORY = 0200000,
	P9_L_O_NOFOLLOW = 0400000,
};

/* Tunlinkat flags (Linux AT_REMOVEDIR). */
enum { P9_L_AT_REMOVEDIR = 0x200 };

/* The file type bits of a Linux mode (Rgetattr, Tlcreate, Tmknod). */
enum {
	P9_L_S_IFMT = 0170000,
	P9_L_S_IFSOCK = 0140000,
	P9_L_S_IFLNK = 0120000,
	P9_L_S_IFREG = 0100000,
	P9_L_S_IFBLK = 060000,
	P9_L_S_IFDIR = 040000,
	P9_L_S_IFCHR = 020000,
	P9_L_S_IFIFO = 010000,
};

/* Txattrcreate flags (Linux setxattr's). */
enum { P9_L_XATTR_CREATE = 1, P9_L_XATTR_REPLACE = 2 };

/* Rstatfs type of a 9P file system (Linux V9FS_MAGIC). */
enum { P9_L_V9FS_MAGIC = 0x01021997 };

/* Tlock/Tgetlock lock types (Linux F_RDLCK, F_WRLCK, F_UNLCK). */
enum p9_lock_type {
	P9_LOCK_TYPE_RDLCK = 0,
	P9_LOCK_TYPE_WRLCK = 1,
	P9_LOCK_TYPE_UNLCK = 2,
};

/* Rlock status. */
enum p9_lock_status {
	P9_LOCK_SUCCESS = 0,
	P9_LOCK_BLOCKED = 1,
	P9_LOCK_ERROR = 2,
	P9_LOCK_GRACE = 3,
};

/* Tlock flags. */
enum {
	P9_LOCK_FLAGS_BLOCK = 1,
	P9_LOCK_FLAGS_RECLAIM = 2,
};

#endif
