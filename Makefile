# SPDX-License-Identifier: GPL-2.0-only
# mapce build: BPF objects -> skeletons -> one binary, build/mapce.
#   make          build everything (V=1 shows the commands)
#   make test     install missing packages, build, run every test
#   make demo     install missing packages, build, run the lab demo
#                 (MODE=ipip6|dslite|lw4o6: another mode; default MAP-E)
#   make bench    the datapath benchmark, then end to end (BENCH_ARGS=-j: JSON)
#   make profile ONLY="fast path out"
#                 where the BPF time of the bench's paths named so goes, by
#                 source line (perf; PROFILE_FRAMES=N live frames a series,
#                 PROFILE_CALLS=N calls of one packet for the TC paths)
#   make fuzz-bpf the BPF packet fuzzers, 10 million frames per program
#   make soak     the lab soak (tests/lab/test_soak.sh) for SOAK_SECONDS (600)
#   make check    static analysis: cppcheck, clang-tidy, clang-format, no pipe
#                 into grep -q in the shell scripts (all gating)
#   make install  the binary, the systemd unit, man pages, bash completion,
#                 ISP tables, docs
#                 (PREFIX=/usr/local, DESTDIR=); make uninstall removes them

OUTPUT    ?= build
CLANG     ?= clang
CC        ?= cc
BPFTOOL   ?= bpftool
LLVM_STRIP ?= llvm-strip
ARCH      := $(shell uname -m | sed 's/x86_64/x86/; s/aarch64/arm64/')

ifeq ($(V),1)
Q =
msg =
else
Q = @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# bookworm's clang -target bpf misses the multiarch include dirs (asm/types.h)
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

INCLUDES   := -Iinclude -Ibpf -Ivmlinux -I$(OUTPUT)
BPF_CFLAGS := -O2 -g -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -std=gnu11 \
	-Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-Wno-compare-distinct-pointer-types -Werror=pass-failed -fno-stack-protector \
	-MMD -MP $(INCLUDES) $(CLANG_BPF_SYS_INCLUDES) $(EXTRA_BPF_CFLAGS)
CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-Wno-missing-field-initializers -D_GNU_SOURCE -MMD -MP $(INCLUDES) -Iuser $(EXTRA_CFLAGS)
# EXTRA_BPF_CFLAGS / EXTRA_CFLAGS: more flags for the BPF / userspace code;
# tests/lab/test_upgrade.sh builds other versions of the tree with them
# into another OUTPUT (-DMAPCE_BUILD_VARIANT=N: other program bytes, the
# same layout; -DMAPCE_TEST_LAYOUT_BUMP on both: another layout)
LDLIBS     := -lbpf -lelf -lz -lcap -lmnl -lsystemd
LDLIBS     += $(shell pkg-config --libs libcurl json-c) -lresolv # HB46PP: HTTPS, its JSON, DNS

BPF_PROGS  := mapce_ce mapce_br
BPF_OBJS   := $(patsubst %,$(OUTPUT)/%.bpf.o,$(BPF_PROGS))
SKELS      := $(patsubst %,$(OUTPUT)/%.skel.h,$(BPF_PROGS))

USER_SRCS  := $(wildcard user/*/*.c)
USER_OBJS  := $(patsubst user/%.c,$(OUTPUT)/user/%.o,$(USER_SRCS))
# the ISP rule tables, carried in the binary (user/core/isp.h)
ISP_TABLES := $(sort $(wildcard data/isp/*.rules))
USER_OBJS  += $(OUTPUT)/user/core/isp_builtin.o
# objects the tests link against (everything but main)
LIB_OBJS   := $(filter-out $(OUTPUT)/user/cli/main.o,$(USER_OBJS))

UNIT_SRCS  := $(wildcard tests/unit/*.c)
UNIT_BINS  := $(patsubst tests/unit/%.c,$(OUTPUT)/tests/%,$(UNIT_SRCS))
BPFT_SRCS  := $(wildcard tests/bpf/test_*.c)
BPFT_BINS  := $(patsubst tests/bpf/%.c,$(OUTPUT)/tests/%,$(BPFT_SRCS))
BENCH_SRCS := $(wildcard tests/bench/*.c)
BENCH_BINS := $(patsubst tests/bench/%.c,$(OUTPUT)/tests/%,$(BENCH_SRCS))

.PHONY: all mapce clean test demo bench profile check deps install uninstall fuzz-bpf soak FORCE
.DELETE_ON_ERROR:
.SECONDARY:

all: mapce $(UNIT_BINS) $(BPFT_BINS) $(BENCH_BINS)

# what install needs, without the tests (debian/rules builds this)
mapce: $(OUTPUT)/mapce $(OUTPUT)/man/.stamp $(OUTPUT)/mapce@.service $(OUTPUT)/completion/mapce

$(OUTPUT) $(OUTPUT)/tests:
	$(Q)mkdir -p $@

# BPF: .bpf.c -> .tmp.bpf.o -> (bpftool gen object: BTF dedup, link) .bpf.o
# each program's entry points live in bpf/<side>/<name>.bpf.c
vpath %.bpf.c bpf/ce bpf/br
$(OUTPUT)/%.tmp.bpf.o: %.bpf.c Makefile | $(OUTPUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUTPUT)/%.bpf.o: $(OUTPUT)/%.tmp.bpf.o
	$(call msg,GEN-OBJ,$@)
	$(Q)$(BPFTOOL) gen object $@ $<

$(OUTPUT)/%.skel.h: $(OUTPUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $* > $@

# userspace objects depend on the skeletons (they embed the BPF objects)
$(OUTPUT)/user/%.o: user/%.c Makefile $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(OUTPUT)/user/core/isp_builtin.c: $(ISP_TABLES) scripts/gen_isp_builtin.sh
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)scripts/gen_isp_builtin.sh $@ $(ISP_TABLES)

$(OUTPUT)/user/core/isp_builtin.o: $(OUTPUT)/user/core/isp_builtin.c
	$(call msg,CC,$@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(OUTPUT)/mapce: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(OUTPUT)/tests/%: tests/unit/%.c $(LIB_OBJS) Makefile | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIB_OBJS) -o $@ $(LDLIBS)

$(OUTPUT)/tests/%: tests/bpf/%.c $(LIB_OBJS) $(SKELS) Makefile | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIB_OBJS) -o $@ $(LDLIBS)

$(OUTPUT)/tests/%: tests/bench/%.c $(LIB_OBJS) $(SKELS) Makefile | $(OUTPUT)/tests
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests $< $(LIB_OBJS) -o $@ $(LDLIBS)

# ---- man pages, the systemd unit, install --------------------------------
# Where install puts things.  mapce reads its settings from /etc/mapce
# whatever the prefix (core/policy.h: MAPCE_CONF_DIR).  systemd reads units
# from /usr/lib/systemd/system and /usr/local/lib/systemd/system, so for
# other prefixes the unit goes to /etc/systemd/system.
PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
DOCDIR     ?= $(DATADIR)/doc/mapce
ISPDIR     ?= $(DATADIR)/mapce/isp
COMPLETIONDIR ?= $(DATADIR)/bash-completion/completions
UNITDIR    ?= $(if $(filter /usr /usr/local,$(PREFIX)),$(PREFIX)/lib/systemd/system,/etc/systemd/system)
CONFDIR    := /etc/mapce
MAPCE_VERSION := $(shell sed -n 's/^\#define MAPCE_VERSION "\(.*\)"/\1/p' user/core/version.h)
ISP_FILES  := $(wildcard data/isp/*.rules data/isp/README.md)
# miniupnpd beside mapce run --upnp-leases: its table and an example config
UPNP_FILES := data/miniupnpd/mapce-upnp.nft data/miniupnpd/miniupnpd.conf.example
DOC_FILES  := README.md $(wildcard docs/*.md)

# The directories the generated files name: rewritten only when they
# change, so the pages and the unit follow a new PREFIX and nothing else.
$(OUTPUT)/install-dirs: FORCE | $(OUTPUT)
	$(Q)printf 'SBINDIR=%s\nDATADIR=%s\nVERSION=%s\n' '$(SBINDIR)' '$(DATADIR)' \
		'$(MAPCE_VERSION)' >$@.new
	$(Q)if cmp -s $@.new $@; then rm -f $@.new; else mv $@.new $@; fi

# The man page generator links the binary's objects: the command tables
# -h prints are the ones it writes (tools/gen_man.c).
$(OUTPUT)/tools/gen_man: tools/gen_man.c $(LIB_OBJS) Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS)

$(OUTPUT)/man/.stamp: $(OUTPUT)/tools/gen_man $(OUTPUT)/install-dirs
	$(call msg,GEN-MAN,$(@D))
	$(Q)rm -rf $(@D) && mkdir -p $(@D)
	$(Q)$(OUTPUT)/tools/gen_man $(@D) '$(MAPCE_VERSION)' '$(DATADIR)'
	$(Q)touch $@

# Bash completion, from the same tables (tools/gen_completion.c).
$(OUTPUT)/tools/gen_completion: tools/gen_completion.c $(LIB_OBJS) Makefile
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $< $(LIB_OBJS) -o $@ $(LDLIBS)

$(OUTPUT)/completion/mapce: $(OUTPUT)/tools/gen_completion
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(OUTPUT)/tools/gen_completion $@

$(OUTPUT)/mapce@.service: systemd/mapce@.service.in $(OUTPUT)/install-dirs
	$(call msg,GEN,$@)
	$(Q)sed 's|@SBINDIR@|$(SBINDIR)|g' $< >$@

install: $(OUTPUT)/mapce $(OUTPUT)/man/.stamp $(OUTPUT)/mapce@.service $(OUTPUT)/completion/mapce
	$(call msg,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(UNITDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(DOCDIR) $(DESTDIR)$(ISPDIR) $(DESTDIR)$(CONFDIR) \
		$(DESTDIR)$(COMPLETIONDIR)
	$(Q)install -m 0644 $(OUTPUT)/completion/mapce $(DESTDIR)$(COMPLETIONDIR)/mapce
	$(Q)install -m 0755 $(OUTPUT)/mapce $(DESTDIR)$(SBINDIR)/mapce
	$(Q)install -m 0644 $(OUTPUT)/mapce@.service $(DESTDIR)$(UNITDIR)/mapce@.service
	$(Q)install -m 0644 $(OUTPUT)/man/*.8 $(DESTDIR)$(MANDIR)/man8/
	$(Q)install -m 0644 $(DOC_FILES) $(DESTDIR)$(DOCDIR)/
	$(Q)$(if $(ISP_FILES),install -m 0644 $(ISP_FILES) $(DESTDIR)$(ISPDIR)/,:)
	$(Q)install -m 0755 scripts/mapce-dhcpv6-hook $(DESTDIR)$(DATADIR)/mapce/mapce-dhcpv6-hook
	$(Q)install -d $(DESTDIR)$(DATADIR)/mapce/miniupnpd
	$(Q)install -m 0644 $(UPNP_FILES) $(DESTDIR)$(DATADIR)/mapce/miniupnpd/
	$(Q)$(call systemd_reload)

# Exactly what install put there; directories only when empty (a user's
# /etc/mapce/IF.conf stays).
uninstall:
	$(call msg,UNINSTALL,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(SBINDIR)/mapce $(DESTDIR)$(UNITDIR)/mapce@.service \
		$(DESTDIR)$(MANDIR)/man8/mapce.8 $(DESTDIR)$(MANDIR)/man8/mapce-*.8 \
		$(addprefix $(DESTDIR)$(DOCDIR)/,$(notdir $(DOC_FILES))) \
		$(addprefix $(DESTDIR)$(ISPDIR)/,$(notdir $(ISP_FILES))) \
		$(DESTDIR)$(DATADIR)/mapce/mapce-dhcpv6-hook $(DESTDIR)$(COMPLETIONDIR)/mapce \
		$(addprefix $(DESTDIR)$(DATADIR)/mapce/miniupnpd/,$(notdir $(UPNP_FILES)))
	$(Q)for d in $(DESTDIR)$(ISPDIR) $(DESTDIR)$(DATADIR)/mapce/miniupnpd \
		$(DESTDIR)$(DATADIR)/mapce $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(CONFDIR); do [ ! -d $$d ] || rmdir --ignore-fail-on-non-empty $$d; done
	$(Q)$(call systemd_reload)

# A live system (no DESTDIR, systemd running) learns of the unit at once.
systemd_reload = if [ -z '$(DESTDIR)' ] && [ -d /run/systemd/system ]; then \
	systemctl daemon-reload; fi

deps:
	$(Q)scripts/deps.sh

# The BPF packet fuzzers at scale (tests/bpf/fuzz.h): FUZZ_PACKETS frames
# through each program (`make test` runs a short run of the same
# binaries); FUZZ_SEED picks another stream.
FUZZ_PACKETS ?= 10000000
fuzz-bpf: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)set -e; for t in $(OUTPUT)/tests/test_*_fuzz; do \
		echo "# $$t"; FUZZ_PACKETS=$(FUZZ_PACKETS) $$t; done

test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/run.sh

# The soak of `make test` (45 s of churn there) for SOAK_SECONDS.
SOAK_SECONDS ?= 600
soak: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)SOAK_SECONDS=$(SOAK_SECONDS) tests/lab/test_soak.sh

# make demo MODE=ipip6|dslite|lw4o6: the other modes against their far end
demo: deps
	$(Q)$(MAKE) --no-print-directory $(OUTPUT)/mapce
	$(Q)scripts/demo.sh $(MODE)

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/run.sh

profile: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)tests/bench/profile.sh "$(ONLY)"

# Static analysis; every step fails the build on a finding:
#   cppcheck     the userspace code (user/, tools/)
#   clang-tidy   the userspace code, checks in .clang-tidy (findings in the
#                generated skeletons are libbpf's, not ours: left out)
#   clang-format every C file of the tree against .clang-format
#   pipes        no shell script pipes a command into grep -q: under
#                pipefail, grep leaving at its first match can kill the
#                command with SIGPIPE and fail the check at random (match
#                the output after the command ends: grep -q PAT <<<"$(CMD)")
CHECK_C    := $(wildcard bpf/*/*.c bpf/*/*.h include/*.h user/*/*.c user/*/*.h \
		tests/*.h tests/*/*.c tests/*/*.h tools/*.c)
TIDY_FLAGS := -std=gnu11 -D_GNU_SOURCE $(INCLUDES) -Iuser
check: deps $(SKELS)
	$(call msg,CPPCHECK,user/)
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,performance --inline-suppr \
		-D__x86_64__ -DLIBBPF_OPTS\(...\)= --suppress=missingIncludeSystem \
		-Iinclude -Iuser -I$(OUTPUT) user/ tools/
	$(call msg,TIDY,user/)
	$(Q)clang-tidy --quiet $(USER_SRCS) $(wildcard tools/*.c) -- $(TIDY_FLAGS) >$(OUTPUT)/clang-tidy.log 2>&1; \
		grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' $(OUTPUT)/clang-tidy.log \
		| grep -v '^$(OUTPUT)/' >$(OUTPUT)/clang-tidy.findings; \
		if [ -s $(OUTPUT)/clang-tidy.findings ]; then \
			cat $(OUTPUT)/clang-tidy.findings; exit 1; fi
	$(call msg,FORMAT,$(words $(CHECK_C)) files)
	$(Q)clang-format --dry-run --Werror $(CHECK_C)
	$(call msg,PIPES,tests/ scripts/ .ci/)
	$(Q)if grep -rnIE '(^|[^|])[|][[:space:]]*grep[[:space:]]+-[[:alpha:]]*q' tests scripts .ci \
		| grep -vE '^[^:]+:[0-9]+:[[:space:]]*#'; then \
		echo 'a pipe into grep -q: match the output after the command ends instead'; exit 1; fi

clean:
	$(Q)rm -rf $(OUTPUT)

-include $(wildcard $(OUTPUT)/*.d $(OUTPUT)/user/*/*.d $(OUTPUT)/tests/*.d)

# ---- fuzzing (tests/fuzz/README.md) ---------------------------------------
#   make fuzz         build the libFuzzer harnesses, run each FUZZ_SECONDS
#                     (default 60), then the BPF fuzzers with FUZZ_PACKETS
#   make fuzz-build   only build them
# The harnesses link the user sources compiled again, with ASan and UBSan,
# into $(FUZZ_OUT) (never the objects of the normal build); `make test`
# runs each briefly (tests/lab/test_fuzz_smoke.sh), so it builds them too
# unless clang's fuzzer runtime is missing (the smoke test then skips).
FUZZ_CC     ?= clang-14
FUZZ_OUT    := $(OUTPUT)/fuzz
FUZZ_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS := -g -O1 -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
	-Wno-missing-field-initializers -D_GNU_SOURCE -MMD -MP $(INCLUDES) -Iuser $(FUZZ_SAN)
FUZZ_SRCS   := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,$(FUZZ_OUT)/%,$(FUZZ_SRCS))
FUZZ_OBJS   := $(patsubst $(OUTPUT)/%,$(FUZZ_OUT)/obj/%,$(LIB_OBJS))

.PHONY: fuzz fuzz-build fuzz-test-build

$(FUZZ_OUT)/obj/user/%.o: user/%.c Makefile $(SKELS)
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_OUT)/obj/user/core/isp_builtin.o: $(OUTPUT)/user/core/isp_builtin.c Makefile
	$(call msg,CC-FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

# an archive: each harness links only the objects it reaches
$(FUZZ_OUT)/libmapce.a: $(FUZZ_OBJS)
	$(call msg,AR,$@)
	$(Q)rm -f $@
	$(Q)ar rcs $@ $^

$(FUZZ_OUT)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_OUT)/libmapce.a Makefile
	$(call msg,FUZZ,$@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -Itests -fsanitize=fuzzer $< $(FUZZ_OUT)/libmapce.a \
		-o $@ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)OUTPUT=$(OUTPUT) tests/fuzz/run.sh

# For `make test`: the harnesses when the compiler can build one, else a
# note the smoke test reads (and skips with).
test: fuzz-test-build
fuzz-test-build: deps
	$(Q)mkdir -p $(FUZZ_OUT)
	$(Q)rm -f $(FUZZ_OUT)/SKIPPED
	$(Q)if printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }\n' \
		| $(FUZZ_CC) -fsanitize=fuzzer,address,undefined -x c - -o $(FUZZ_OUT)/probe \
		>$(FUZZ_OUT)/probe.log 2>&1; then \
		$(MAKE) --no-print-directory fuzz-build; \
	else \
		echo "$(FUZZ_CC) cannot link a libFuzzer harness (clang's fuzzer runtime," \
			"libclang-rt-14-dev, missing?): $$(tail -n 1 $(FUZZ_OUT)/probe.log)" \
			>$(FUZZ_OUT)/SKIPPED; \
		cat $(FUZZ_OUT)/SKIPPED; \
	fi; rm -f $(FUZZ_OUT)/probe

-include $(wildcard $(FUZZ_OUT)/obj/user/*/*.d $(FUZZ_OUT)/*.d)
