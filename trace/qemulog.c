/*
 * qemulog.c - --qemu-log: QEMU's -trace 'v9fs_*' output as a timeline.
 */
#include <stdio.h>

#include "capture.h"

int tr_qemu_log(struct tr *t, const char *file)
{
	(void)t;
	fprintf(stderr, "9ptrace: %s: --qemu-log is not implemented yet\n", file);
	return 2;
}
