/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * rule_maps.h - the rule tables the CE and the BR both pin: an array of
 * MAPCE_MAX_RULES struct mapce_rule (unused slots zero) and an IPv4 LPM
 * (struct mapce_lpm_v4_key -> rule index).  Written while the datapath
 * is disabled (deploy.h's config last).
 */
#ifndef MAPCE_RULE_MAPS_H
#define MAPCE_RULE_MAPS_H

#include <stdbool.h>
#include "mapce_abi.h"

/* Every slot: rules[0..n), zero after.  0, or -errno with *failed the slot. */
int rule_array_write(int fd, const struct mapce_rule *rules, int n, __u32 *failed);
/* Does the array hold exactly that? */
bool rule_array_equal(int fd, const struct mapce_rule *rules, int n);

/* Empty the LPM, then each rule's IPv4 prefix -> its index (only the FMRs
 * when fmr_only).  0, or -errno with *failed the rule. */
int rule_lpm_write(int fd, const struct mapce_rule *rules, int n, bool fmr_only, __u32 *failed);
/* Does the LPM map every rule's IPv4 prefix to its index? */
bool rule_lpm_equal(int fd, const struct mapce_rule *rules, int n);

#endif
