/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config_internal.h - what the config files share among themselves
 * (config_settings.c, config_file.c, config_edit.c).  Not for other files.
 */
#ifndef MAPCE_CONFIG_INTERNAL_H
#define MAPCE_CONFIG_INTERNAL_H

/* In a file, keys have no leading dashes: "missing --ea-len" becomes
 * "missing ea-len" (no address or number contains "--").  In place. */
void config_undash(char *m);
/* Split line (modified) into at most max words; comments cut.  Returns
 * the word count, max + 1 when there are more. */
int config_split_words(char *line, char **w, int max);

#endif
