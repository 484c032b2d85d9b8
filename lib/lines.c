/*
 * lines.c - the line format of 9pkit's small text files (synthfs --tree,
 * 9psuite target and --expect files).
 *
 * Owns: reading the next line that says something: blank lines and '#'
 * comments are skipped, the newline and leading blanks dropped, and lines
 * counted for the error messages that name them.
 */
#include <string.h>

#include "p9.h"

char *p9_conf_line(FILE *f, char *line, size_t cap, int *lineno)
{
	while (fgets(line, (int)cap, f)) {
		char *p = line;
		(*lineno)++;
		line[strcspn(line, "\n")] = 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p && *p != '#')
			return p;
	}
	return NULL;
}
