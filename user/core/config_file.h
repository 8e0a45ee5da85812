/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * config_file.h - the settings of `mapce up`, from the command line and
 * from a config file, with one validation path for both.
 *
 * File format (one setting per line):
 *
 *   # comment (also after a value)
 *   KEY VALUE          KEY is a long option of `mapce up` without "--":
 *                      the entries of up_key_groups below (every option
 *                      of up but config and no-config)
 *   FLAG [yes|no]      the keys that take no value (fmr, legacy-iid, mesh,
 *                      allow-short-timeouts); alone = yes; also
 *                      true/false, on/off, 1/0
 *   portmap tcp|udp PORT[-PORT] INSIDE_IP[:PORT]     repeatable
 *
 * Words are separated by blanks; no quoting.  Rule keys behave like the
 * options: a rule-ipv6 (or rule) line starts a rule, the per-rule keys
 * after it belong to it.  Every other key may appear once.
 *
 * Merging with the command line: a flag given on the command line wins
 * over the file's value of the same key; when the command line has any
 * rule source (a rule option: rule-ipv6, rule-ipv4, ea-len, psid-offset,
 * psid-len, fmr, rule, ipv4, psid; or isp, dhcpv6-option,
 * dhcpv6-option-file) the file's rule sources are ignored as a whole.
 * One file or command line gives one kind of rule source.  Flags are
 * or-ed (the command line cannot switch off a file's `mesh`).  Port
 * forwards only come from the file (and `mapce portmap`).
 *
 * Which file: `--config FILE`; otherwise MAPCE_CONF_DIR/<wan>.conf when it
 * exists (the directory can be moved with $MAPCE_CONF_DIR); `--no-config`
 * reads none.  `up` records the file it used (sys/config_record.h) so that
 * `mapce portmap add|del` keep it in step.
 */
#ifndef MAPCE_CONFIG_FILE_H
#define MAPCE_CONFIG_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include "mapce_abi.h"
#include "core/parse.h"
#include "core/policy.h"
#include "core/portmap.h"
#include "core/rule_config.h"
#include "core/isp.h"
#include "core/s46.h"
#include "core/update_url.h"

#define CONFIG_LINE_MAX 1024			    /* longer lines are an error */
#define CONFIG_LINES_MAX 4096			    /* a bigger file is an error */
#define CONFIG_FILE_BYTES_MAX ((size_t)1024 * 1024) /* and a file over 1 MiB */

/* Scalar settings (everything but the rule options and the forwards). */
enum up_key {
	UK_WAN,
	UK_MTU,
	UK_HOP_LIMIT,
	UK_TIMEOUT_UDP,
	UK_TIMEOUT_TCP_EST,
	UK_TIMEOUT_TCP_TRANS,
	UK_TIMEOUT_ICMP,
	UK_XDP_MODE,
	UK_MAX_FLOWS,
	UK_MSS_CLAMP, /* 0 = off, UP_MSS_AUTO = MTU - 40 */
	UK_ENCAP_LIMIT,
	UK_FILTERING,
	UK_MAX_PER_HOST,
	UK_ALLOW_SHORT_TIMEOUTS,
	UK_ISP,		       /* a rule source: the ISP table (isp.h) */
	UK_DHCPV6_OPTION,      /* a rule source: RFC 7598 option 94/96, hex (s46.h) */
	UK_DHCPV6_OPTION_FILE, /* the same, read from a file (a DHCPv6 client hook's) */
	UK_PREFIX_FROM,	       /* the CE prefix from this interface's addresses (PD on a LAN) */
	UK_PROMETHEUS_FILE,    /* mapce run only: the node_exporter textfile it keeps */
	UK_UPNP_LEASES,	       /* mapce run only: miniupnpd's lease file it mirrors */
	UK_PCP,		       /* mapce run only: the LAN interface of its NAT-PMP/PCP server */
	/* the update call (core/update_url.h); config file only, never argv */
	UK_UPDATE_URL,	     /* the URL template */
	UK_UPDATE_USER,	     /* {user}, or the Basic auth user */
	UK_UPDATE_PASSWORD,  /* {password}, or the Basic auth password */
	UK_UPDATE_INSECURE,  /* flag: an http:// update-url is taken */
	UK_UPDATE_CA,	     /* the CA bundle the https server is checked against */
	UK_UPDATE_RETRY_MIN, /* seconds before the first retry (doubled up to 1 h) */
	UK_BINDING_LOG,	     /* mapce run only: the file it appends binding events to */
	UK_MODE,	     /* MAPCE_MODE_* (core/mode.h); default map-e */
	UK_AFTR,	     /* dslite: the AFTR, an IPv6 address or a name (aftr[]) */
	UK_IID,		     /* ipip6: the tunnel address's interface identifier */
	UK_DNS,		     /* the resolver --aftr NAME is asked of (dns[]) */
	UK_FASTPATH,	     /* the LAN interface of the XDP fast path (fastpath[]) */
	UK_HAIRPIN,	     /* ipip6: the LAN interface its hairpin hook goes on (hairpin[]) */
	/* mode auto: the HB46PP server (core/hb46pp.h, sys/hb46pp_ask.h) */
	UK_PROVISION_URL,      /* its URL (else the DNS TXT record 4over6.info) */
	UK_PROVISION_CA,       /* the CA file its certificate is checked against */
	UK_PROVISION_INSECURE, /* flag: an http:// provision-url is taken */
	UK_PROVISION_TTL_MIN,  /* seconds: the answer's ttl is asked again no sooner */
	UK_PROVISION_VENDORID, /* the vendorid it is told (else the WAN MAC's OUI-mapce) */
	UK__N
};

/* Option values of the scalar keys: UP_OPT_BASE + enum up_key (the rule
 * keys keep rule_config.h's MAPCE_OPT_* values). */
#define UP_OPT_BASE 0x100

struct up_settings {
	struct mapce_opts rule;			  /* the rule options, as rule_config parses them */
	bool rule_given;			  /* any rule option (see the merge rule above) */
	unsigned int rule_line;			  /* file: line of the first rule option */
	unsigned int rule_lines[MAPCE_MAX_RULES]; /* file: line starting each rule */
	bool set[UK__N];
	unsigned long val[UK__N]; /* numbers; xdp-mode as enum attach_xdp_mode,
				   * filtering as MAPCE_FILTER_*, flags 0/1 */
	unsigned int line[UK__N]; /* file line of each key, 0: command line */
	char wan[IF_NAMESIZE];
	char prefix_from[IF_NAMESIZE];	       /* UK_PREFIX_FROM */
	char prometheus_file[PATH_MAX];	       /* UK_PROMETHEUS_FILE */
	char upnp_leases[PATH_MAX];	       /* UK_UPNP_LEASES */
	char pcp[IF_NAMESIZE];		       /* UK_PCP */
	char fastpath[IF_NAMESIZE];	       /* UK_FASTPATH */
	char hairpin[IF_NAMESIZE];	       /* UK_HAIRPIN */
	char update_url[UPDATE_URL_MAX];       /* UK_UPDATE_URL, the template */
	char update_user[UPDATE_CRED_MAX];     /* UK_UPDATE_USER */
	char update_password[UPDATE_CRED_MAX]; /* UK_UPDATE_PASSWORD: never shown */
	char update_ca[PATH_MAX];	       /* UK_UPDATE_CA */
	char binding_log[PATH_MAX];	       /* UK_BINDING_LOG */
	char aftr[256];			       /* UK_AFTR, as given */
	__u8 iid[8];			       /* UK_IID, network order */
	char dns[64];			       /* UK_DNS: an IPv6 or IPv4 address */
	char provision_url[1025];	       /* UK_PROVISION_URL (HB46PP_URL_MAX) */
	char provision_ca[PATH_MAX];	       /* UK_PROVISION_CA */
	char provision_vendorid[32];	       /* UK_PROVISION_VENDORID (HB46PP_VENDORID_MAX) */
	/* The rule sources besides the rule options (one source a file or
	 * command line; they are merged with the rules, as a whole). */
	char isp[ISP_NAME_MAX];	      /* ISP table name, or "auto" */
	char dhcpv6[S46_HEX_MAX + 1]; /* the option's hex text */
	char dhcpv6_file[PATH_MAX];   /* where it came from, when a file */
	struct portmap portmaps[PORTMAP_MAX];
	int n_portmaps;
	char path[PATH_MAX]; /* the file, "" when none */
	bool usage_err;	     /* last failure was a usage error (exit 2) */
};

/* The scalar keys (names, values, help: opt_table.h entries with val
 * UP_OPT_BASE + enum up_key), and every key a file or `mapce up` takes:
 * those and the rule keys (rule_config.h), NULL-terminated. */
extern const struct opt_group up_settings_group;
extern const struct opt_group up_source_group;	  /* isp, dhcpv6-option, dhcpv6-option-file */
extern const struct opt_group up_run_group;	  /* mapce run's own: prometheus-file */
extern const struct opt_group up_provision_group; /* mode auto's: provision-url, ... */
/* The update call's keys: config file only (cli_spec.file_only refuses
 * them on the command line, where every user sees them in ps). */
extern const struct opt_group up_update_group;
extern const struct opt_group *const up_key_groups[];

void up_settings_init(struct up_settings *s);
/* Apply one setting given by its option value opt.  0 ok, -1 with a message
 * naming the value (s->usage_err set for a misplaced/repeated option).
 * line: file line, 0 for the command line (messages then say "--key"). */
int up_settings_apply(struct up_settings *s, int opt, const char *arg, unsigned int line, char *err,
		      size_t errlen);

/* Parse a config file into s (initialized here).  0 ok; -1 with
 * "FILE:LINE: message" in err (-ENOENT-like failures name the file). */
int config_file_parse(const char *path, struct up_settings *s, char *err, size_t errlen);

/* One config line split into its n words (w[0] the key), applied to s
 * as a file's line number line would be (0: as the command line; a flag
 * takes yes/no).  0, or -1 with a message naming the key in err.  `mode
 * auto` applies the HB46PP answer's lines (core/hb46pp_config.h) so. */
int config_line_apply(struct up_settings *s, char **w, int n, unsigned int line, char *err,
		      size_t errlen);

/* out = file overridden by cli (see the merge rule above). */
void up_settings_merge(struct up_settings *out, const struct up_settings *file,
		       const struct up_settings *cli);
/* Checks on the merged settings that no single line can make: timeouts
 * below the RFC minimums without allow-short-timeouts.  0 / -1 + message
 * naming the file line or the option. */
int up_settings_check(const struct up_settings *s, char *err, size_t errlen);
/* "--mtu" or "FILE:LINE: mtu", for messages about key k of s. */
const char *up_settings_where(const struct up_settings *s, enum up_key k, char *buf, size_t len);

const char *filtering_str(__u8 mode);
int filtering_parse(const char *s, __u8 *mode);

/* The default file of wan (MAPCE_CONF_DIR/<wan>.conf) into buf. */
int config_default_path(const char *wan, char *buf, size_t len);

/* Edit the file in place (atomic rewrite, mode kept): append a portmap
 * line / drop the portmap lines whose range lies within pm's (same
 * protocol).  The file is parsed first: a broken file is not touched.
 * 0, or -1 + message.  *dropped: lines removed. */
int config_file_add_portmap(const char *path, const struct portmap *pm, char *err, size_t errlen);
int config_file_del_portmaps(const char *path, const struct portmap *range, int *dropped, char *err,
			     size_t errlen);

/* A new config file for wan at path (the WAN's default file, when
 * `mapce portmap add` has no file to keep a forward in): "wan WAN" and a
 * comment, mode 0600, written atomically, its directory created when
 * missing.  An existing file is never replaced.  0, or -1 + message. */
int config_file_create(const char *path, const char *wan, char *err, size_t errlen);

/* mode auto: the answer's ttl clamped to [provision-ttl-min, HB46PP's 7
 * days]; a failed question asked again after provision-ttl-min, doubled
 * at each failure up to PROVISION_RETRY_MAX_S (the running config kept). */
#define PROVISION_TTL_MIN_S 300
#define PROVISION_RETRY_MAX_S 3600

/* --mss-clamp auto */
#define UP_MSS_AUTO 0x7fffffffUL

#endif
