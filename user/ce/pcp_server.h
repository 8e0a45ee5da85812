/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * pcp_server.h - `mapce run --pcp LAN_IF`: a NAT-PMP (RFC 6886) and PCP
 * (RFC 6887) server for the LAN.  It listens on UDP port 5351 of each
 * IPv4 address LAN_IF has when run starts, answers only datagrams that
 * came in on LAN_IF, and opens each mapping as a dynamic forward of the
 * CE (ce/pcp_table.h: a port of the set, lifetimes, limits).
 *
 * NAT-PMP: the public address (the CE's IPv4), UDP and TCP mappings.
 * PCP: ANNOUNCE and MAP (TCP, UDP; PREFER_FAILURE); PEER is refused with
 * UNSUPP_OPCODE, THIRD_PARTY with NOT_AUTHORIZED (a host maps only its
 * own address), FILTER with UNSUPP_OPTION (a forward lets every remote
 * in), the client address field must be the datagram's source
 * (ADDRESS_MISMATCH).  The epoch is the seconds since the server's
 * mappings began: since start, and again from 0 when a new address or
 * port set dropped them; then the server multicasts both protocols'
 * announcements to 224.0.0.1:5350 (once; RFC 6886 §3.2.1 asks for up to
 * ten, and clients also see the epoch in every answer).
 */
#ifndef MAPCE_CE_PCP_SERVER_H
#define MAPCE_CE_PCP_SERVER_H

#include "ce/run_service.h"

#define PCP_SERVER_SOCKS 4 /* IPv4 addresses of the LAN interface listened on */

/* The service for wan and the LAN interface (checked by the settings);
 * one per run. */
struct run_service *pcp_server_service(const char *wan, const char *lan);

#endif
