// SPDX-License-Identifier: GPL-2.0-only
/* opt_table.c - looking options up in their tables (opt_table.h). */
#include <string.h>

#include "core/opt_table.h"

const struct opt_def *opt_find_name(const struct opt_group *const *groups, const char *name)
{
	for (; *groups; groups++)
		for (const struct opt_def *d = (*groups)->opts; d->name; d++)
			if (!strcmp(d->name, name))
				return d;
	return NULL;
}

const struct opt_def *opt_find_val(const struct opt_group *const *groups, int val)
{
	for (; *groups; groups++)
		for (const struct opt_def *d = (*groups)->opts; d->name; d++)
			if (d->val == val)
				return d;
	return NULL;
}
