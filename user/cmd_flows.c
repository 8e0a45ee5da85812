// SPDX-License-Identifier: GPL-2.0-only
#include "commands.h"
#include "output.h"
int cmd_flows(int argc, char **argv)
{
	err("flows: not implemented yet");
	return 1;
}
