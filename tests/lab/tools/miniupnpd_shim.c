// SPDX-License-Identifier: GPL-2.0-only
/*
 * miniupnpd_shim.c - LD_PRELOAD for the UPnP lab (test_lab_upnp.sh).
 * Debian's miniupnpd 2.3.1 refuses an ext_ip in a reserved block, and
 * RFC 5737's documentation blocks, the only ones the lab may use, are on
 * its list; it has no option to accept one.  This library makes the
 * address MAPCE_SHIM_FROM parse as MAPCE_SHIM_TO, an address off that list,
 * where miniupnpd parses it (inet_aton, inet_pton).  miniupnpd keeps the
 * option's text, so what clients are told (GetExternalIPAddress) and the
 * lease file still carry FROM; TO is never a packet's address.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static const char *swap(const char *cp)
{
	const char *from = getenv("MAPCE_SHIM_FROM"), *to = getenv("MAPCE_SHIM_TO");

	return from && to && cp && !strcmp(cp, from) ? to : cp;
}

int inet_aton(const char *cp, struct in_addr *inp)
{
	int (*real)(const char *, struct in_addr *);

	*(void **)&real = dlsym(RTLD_NEXT, "inet_aton");
	return real ? real(swap(cp), inp) : 0;
}

int inet_pton(int af, const char *src, void *dst)
{
	int (*real)(int, const char *, void *);

	*(void **)&real = dlsym(RTLD_NEXT, "inet_pton");
	return real ? real(af, af == AF_INET ? swap(src) : src, dst) : -1;
}
