// SPDX-License-Identifier: GPL-2.0-only
#include "commands.h"
#include "output.h"
int cmd_down(int argc, char **argv)
{
	err("down: not implemented yet");
	return 1;
}
