// SPDX-License-Identifier: GPL-2.0-only
/* test_ce_load.c - the CE object loads and verifies on this kernel. */
#include "harness.h"
#include "bpf/ce_fixture.h"

int main(void)
{
	struct ce_fx fx;

	TCASE_BEGIN("ce_object_loads_and_verifies");
	CHECK(ce_fx_open(&fx) == 0, "load failed (run with root; see verifier log above)");
	TCASE_END();
	ce_fx_close(&fx);
	return t_exit();
}
