// SPDX-License-Identifier: GPL-2.0-only
#include "commands.h"
#include "output.h"
int cmd_calc(int argc, char **argv)
{
	err("calc: not implemented yet");
	return 1;
}
