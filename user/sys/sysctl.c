// SPDX-License-Identifier: GPL-2.0-only
/* sysctl.c - reading a sysctl (sysctl.h). */
#include <stdio.h>

#include "sys/sysctl.h"

bool sysctl_is_off(const char *path)
{
	char c = '1';
	FILE *f = fopen(path, "re");

	if (!f)
		return false;
	if (fread(&c, 1, 1, f) != 1)
		c = '1';
	fclose(f);
	return c == '0';
}
