/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * version.h - mapce's version: `mapce -V`, the man pages (the Makefile
 * reads it from here), and what the CE tells an HB46PP server.
 */
#ifndef MAPCE_VERSION_H
#define MAPCE_VERSION_H

#define MAPCE_VERSION "0.1.0"

#endif
