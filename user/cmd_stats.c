// SPDX-License-Identifier: GPL-2.0-only
#include "commands.h"
#include "output.h"
int cmd_stats(int argc, char **argv)
{
	err("stats: not implemented yet");
	return 1;
}
