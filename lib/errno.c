/*
 * errno.c - Linux errno numbers and their names.  9P2000.L's Rlerror and
 * 9P2000.u's Rerror carry Linux numbers whatever the host, so the numbers
 * are spelled out here rather than taken from <errno.h>.
 */
#include <stddef.h>
#include <string.h>

#include "p9.h"

static const char *const names[] = {
	[1] = "EPERM", [2] = "ENOENT", [3] = "ESRCH", [4] = "EINTR", [5] = "EIO",
	[6] = "ENXIO", [7] = "E2BIG", [8] = "ENOEXEC", [9] = "EBADF",
	[10] = "ECHILD", [11] = "EAGAIN", [12] = "ENOMEM", [13] = "EACCES",
	[14] = "EFAULT", [15] = "ENOTBLK", [16] = "EBUSY", [17] = "EEXIST",
	[18] = "EXDEV", [19] = "ENODEV", [20] = "ENOTDIR", [21] = "EISDIR",
	[22] = "EINVAL", [23] = "ENFILE", [24] = "EMFILE", [25] = "ENOTTY",
	[26] = "ETXTBSY", [27] = "EFBIG", [28] = "ENOSPC", [29] = "ESPIPE",
	[30] = "EROFS", [31] = "EMLINK", [32] = "EPIPE", [33] = "EDOM",
	[34] = "ERANGE", [35] = "EDEADLK", [36] = "ENAMETOOLONG", [37] = "ENOLCK",
	[38] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP", [42] = "ENOMSG",
	[61] = "ENODATA", [62] = "ETIME", [71] = "EPROTO", [74] = "EBADMSG",
	[75] = "EOVERFLOW", [84] = "EILSEQ", [90] = "EMSGSIZE",
	[95] = "EOPNOTSUPP", [103] = "ECONNABORTED", [104] = "ECONNRESET",
	[105] = "ENOBUFS", [110] = "ETIMEDOUT", [111] = "ECONNREFUSED",
	[116] = "ESTALE", [121] = "EREMOTEIO", [122] = "EDQUOT",
	[125] = "ECANCELED",
};
enum { NNAMES = sizeof names / sizeof names[0] };

const char *p9_errno_name(uint32_t e)
{
	return e < NNAMES ? names[e] : NULL;
}

int p9_errno_parse(const char *name)
{
	for (int i = 0; i < NNAMES; i++)
		if (names[i] && strcmp(names[i], name) == 0)
			return i;
	if (strcmp(name, "ENOTSUP") == 0)
		return 95;
	if (strcmp(name, "EWOULDBLOCK") == 0)
		return 11;
	return -1;
}
