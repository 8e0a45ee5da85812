// SPDX-License-Identifier: GPL-2.0-only
#include "commands.h"
#include "output.h"
int cmd_up(int argc, char **argv)
{
	err("up: not implemented yet");
	return 1;
}
