// SPDX-License-Identifier: GPL-2.0-only
#include "commands.h"
#include "output.h"
int cmd_br(int argc, char **argv)
{
	err("br: not implemented yet");
	return 1;
}
