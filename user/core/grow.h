/* SPDX-License-Identifier: GPL-2.0-only */
/* grow.h - a malloc'd array that doubles when full (map walks collect
 * entries of unknown number this way). */
#ifndef MAPCE_GROW_H
#define MAPCE_GROW_H

#include <stddef.h>
#include <stdlib.h>

/* arr (*cap slots of size bytes), with room for element n: arr itself,
 * or a bigger copy (first slots when there was none; *cap updated).  NULL
 * when out of memory: arr is still valid then. */
static inline void *grow(void *arr, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t c = *cap ? *cap * 2 : first;
	void *p;

	if (n < *cap)
		return arr;
	p = realloc(arr, c * size);
	if (p)
		*cap = c;
	return p;
}

#endif
