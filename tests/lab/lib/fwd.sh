# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The CE's port forwards as `portmap list -j` shows them, and reaching them
# from the internet side, for the tests of the programs that open ports at
# run time (test_lab_upnp.sh, test_lab_pcp.sh).  Needs lab.sh (LAB_NS_CE, LAB_IF_WAN, LAB_DIR, MAPCE).

# fwd_json: `portmap list -j` into $LAB_DIR/fwd.json
fwd_json() {
	NS_T=${T:-60} ns_nsenter "$LAB_NS_CE" "$MAPCE" -j portmap list --wan "$LAB_IF_WAN" \
		>"$LAB_DIR/fwd.json" 2>&1
}

# has_fwd PROTO PORT IP IPORT DYNAMIC: the list has that forward, installed
# (dynamic: 1, never saved; 0: saved in the config file)
has_fwd() {
	fwd_json && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
p, port, ip, ip_port, dyn = sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5]), sys.argv[6] == "1"
sys.exit(0 if any(f["proto"] == p and f["outside_port"] == port and f["inside_ip"] == ip and
    f["inside_port"] == ip_port and f["dynamic"] == dyn and (dyn or f["saved"])
    and f["installed"] for f in d["forwards"]) else 1)' "$LAB_DIR/fwd.json" "$@"
}

# no_port PORT: no forward of that outside port
no_port() {
	fwd_json && python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(1 if any(f["outside_port"] <= int(sys.argv[2]) <= f["outside_last"]
    for f in d["forwards"]) else 0)' "$LAB_DIR/fwd.json" "$1"
}

# inet_reach PORT N TIMEOUT: N TCP connections from the internet host to the
# CE's address and PORT all reach a server (why not in $LAB_DIR/why)
inet_reach() {
	local out
	out=$(ns_exec_t "${T:-60}" "$LAB_NS_INET" "$LAB_PY" "$LAB_TOOLS/tcp_client.py" \
		--to "$LAB_MAP_IPV4:$1=$2" --timeout "$3" 2>&1)
	lab_query tcp-check --expect "$2" <<<"$out" >"$LAB_DIR/why" 2>&1
}
