/*
 * cpio.c - a writer for the "newc" cpio format the kernel unpacks as an
 * initramfs.
 *
 * Owns: the per-run overlay archive (parameters, user scripts) that
 * 9pguest appends to the prebuilt initramfs.  Header: "070701" and 13
 * eight-digit hex fields; name and data are each padded to 4 bytes.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "guest.h"

/* Inode numbers only matter for hard links (regular files with nlink > 1,
 * which we never write); a hash of the name keeps them distinct anyway. */
static unsigned name_ino(const char *name)
{
	unsigned h = 2166136261u;
	while (*name)
		h = (h ^ (unsigned char)*name++) * 16777619u;
	return h | 0x80000000u;
}

static int pad4(FILE *f, size_t n)
{
	static const char zeros[4];
	size_t p = (4 - n % 4) % 4;
	return fwrite(zeros, 1, p, f) == p ? 0 : -EIO;
}

static int entry(FILE *f, const char *name, unsigned mode, const void *data,
		 size_t len)
{
	size_t nlen = strlen(name) + 1;
	if (len > 0xffffffffu || nlen > 4096)
		return -EFBIG;
	if (fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
		    name_ino(name), mode, 0u, 0u, S_ISDIR(mode) ? 2u : 1u, 0u, len,
		    0u, 0u, 0u, 0u, nlen, 0u) < 0)
		return -EIO;
	if (fwrite(name, 1, nlen, f) != nlen || pad4(f, 110 + nlen))
		return -EIO;
	if (len && fwrite(data, 1, len, f) != len)
		return -EIO;
	return pad4(f, len);
}

int g_cpio_dir(FILE *f, const char *name, unsigned mode)
{
	return entry(f, name, S_IFDIR | (mode & 07777), NULL, 0);
}

int g_cpio_file(FILE *f, const char *name, unsigned mode, const void *data,
		size_t len)
{
	return entry(f, name, S_IFREG | (mode & 07777), data, len);
}

int g_cpio_trailer(FILE *f)
{
	return entry(f, "TRAILER!!!", 0, NULL, 0);
}
