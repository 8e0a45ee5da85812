// SPDX-License-Identifier: GPL-2.0-only
#include "commands.h"
#include "output.h"
int cmd_status(int argc, char **argv)
{
	err("status: not implemented yet");
	return 1;
}
