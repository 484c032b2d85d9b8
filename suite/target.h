/*
 * target.h - where 9psuite's target comes from (target.c): target files,
 * their %t %b %d expansions, data files of the checkout or an install, and
 * the built-in synthfs.
 */
#ifndef SUITE_TARGET_H
#define SUITE_TARGET_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

/* A targets/NAME.target file: each key=value (NULL/0 when absent). */
struct tfile {
	char *target, *dialect, *expect, *aname, *uname, *multidev;
	char dir[PATH_MAX];  /* the file's directory (%d) */
	uint64_t msize, timeout;
};

/* Learn the running binary's directory (%b); call first. */
void target_init(void);
const char *target_exedir(void);
/* s with %t (a private temporary directory, made on first use and removed
 * at exit), %b and %d expanded; the caller frees. */
char *target_expand(const char *s);
int target_exists(const char *path);
/* rel (e.g. "suite/cases") under the checkout (from cwd, bin/ or
 * build/VARIANT/bin/) or an install (share/9pkit); 0 and out set, or -1. */
int target_find(const char *rel, char *out, size_t cap);
/* Read targets/NAME.target into tf; -1 with err on a missing file or a
 * bad line. */
int target_file_load(const char *name, struct tfile *tf, char *err, size_t cap);
void target_file_free(struct tfile *tf);
/* Start prog (a synthfs) on a unix socket in %t, stopped at exit; *target
 * is its address (the caller frees). */
int target_start_synthfs(const char *prog, char **target, char *err, size_t cap);

#endif
