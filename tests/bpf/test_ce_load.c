// SPDX-License-Identifier: GPL-2.0-only
/* test_ce_load.c - the CE object loads and verifies on this kernel. */
#include "harness.h"
#include "bpf/fixture.h"

int main(void)
{
	TCASE_BEGIN("ce_object_loads_and_verifies");
	CHECK(fx_open_ce(0) == 0, "load failed (run with root; see verifier log above)");
	TCASE_END();
	return fx_finish();
}
