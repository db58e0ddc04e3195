# edgesim - a local, SNI-aware TLS forwarding proxy that simulates CDN edges.
#
#   make              build build/edgesim
#   make check        build, then run every test (unit, integration, fuzz replay)
#   make check-asan   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make check-tsan   unit and multi-worker tests under ThreadSanitizer
#   make demo         install missing deps, build, make the lab PKI, run the guided tour
#   make bench        side-by-side benchmark against nginx and HAProxy
#   make fuzz         build the libFuzzer harnesses (clang), run each for
#                     FUZZ_TIME seconds (default 60); see docs/fuzzing.md
#   make valgrind     run the unit tests under valgrind
#   make docs         regenerate docs/config.md (key table) and docs/errors.md's
#                     tables (error table)
#   make clean
#
# WERROR=1 turns warnings into errors (CI sets it).

CC      ?= cc
PKG     ?= pkg-config
BUILD   ?= build
PKGS    := openssl libevent libevent_openssl libevent_pthreads inih jansson \
           libnghttp2

# snprintf truncation is how this code bounds untrusted strings, on purpose:
# gcc's guess that it "may truncate" is noise here.
WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wundef -Wpointer-arith -Wwrite-strings -Wvla \
           -Wno-format-truncation
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     ?= -O2 -g
SAN     ?=
CFLAGS_ALL  = -std=c11 -D_GNU_SOURCE -Iproxy $(OPT) $(SAN) $(WARN) -MMD -MP \
              $(shell $(PKG) --cflags $(PKGS)) $(CFLAGS)
LDLIBS_ALL  = $(SAN) $(shell $(PKG) --libs $(PKGS)) -lpthread $(LDFLAGS) $(LDLIBS)
CMOCKA_CFLAGS = $(shell $(PKG) --cflags cmocka)
CMOCKA_LIBS   = $(shell $(PKG) --libs cmocka)

SRCS    := $(wildcard proxy/*.c)
# One-shot commands (import, lint) live in proxy/cli/, outside the daemon's
# rooms; they link into the same binary.
CLI_SRCS := $(wildcard proxy/cli/*.c)
OBJS    := $(patsubst proxy/%.c,$(BUILD)/obj/%.o,$(SRCS)) \
           $(patsubst proxy/cli/%.c,$(BUILD)/obj/cli/%.o,$(CLI_SRCS))
# The dashboard's files (dashboard/), built into the binary as a generated
# C file (scripts/embed-assets), so it works offline.
DASH_SRCS := dashboard/index.html dashboard/app.js dashboard/style.css
DASH_GEN := $(BUILD)/gen/dashboard_assets.c
OBJS    += $(BUILD)/obj/gen/dashboard_assets.o
LIBOBJS := $(filter-out $(BUILD)/obj/cli/main.o,$(OBJS))
BIN     := $(BUILD)/edgesim

# Each unit test links its own module plus the few it cannot live without;
# a test that needs half the proxy is testing the wrong thing.
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
deps_util       := util
deps_sni        := sni util
deps_route      := route util path authority sni http http_fields http_chunked
deps_path       := path util
deps_deadline   := deadline util
deps_relay      := relay http http_fields http_chunked util
deps_authority  := authority sni http http_fields http_chunked util
deps_http       := http http_fields http_chunked util
deps_config     := config config_check config_keys sni pin util certinfo \
                   pki pki_crl pki_files
deps_config_problems := $(deps_config)
deps_pki        := pki pki_crl pki_files certinfo util
deps_certinfo   := certinfo pki pki_crl pki_files util
deps_pin        := pin certinfo pki pki_crl pki_files util
deps_errors     := errors util
deps_log        := log util
deps_persona    := persona errors util
deps_builtin    := builtin http http_fields http_chunked util path
deps_chain      := chain $(deps_config)
deps_import     := cli/import cli/import_model cli/import_cloudfront \
                   cli/import_akamai cli/import_ini cli/json_path \
                   cli/lint cli/lint_report $(deps_config) route errors path \
                   authority http http_fields http_chunked
deps_lint       := $(deps_import)
deps_explain    := cli/explain story errors util

.PHONY: all check check-asan check-tsan tsan-run demo bench fuzz valgrind docs clean deps unit
all: $(BIN)

$(BUILD)/obj/%.o: proxy/%.c | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BUILD)/obj/cli/%.o: proxy/cli/%.c | $(BUILD)/obj/cli
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(DASH_GEN): $(DASH_SRCS) scripts/embed-assets
	@mkdir -p $(dir $@)
	bash scripts/embed-assets $@ $(DASH_SRCS)

$(BUILD)/obj/gen/dashboard_assets.o: $(DASH_GEN)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(BIN): $(OBJS)
	$(CC) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/obj $(BUILD)/obj/cli $(BUILD)/tests:
	mkdir -p $@

# $(call unit_objs,test_name) -> the module objects that test links.
unit_objs = $(patsubst %,$(BUILD)/obj/%.o,$(deps_$(patsubst test_%,%,$(1))))

.SECONDEXPANSION:
$(BUILD)/tests/test_%: tests/unit/test_%.c $$(call unit_objs,test_$$*) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) $(CMOCKA_CFLAGS) -Iproxy -o $@ $< \
	    $(call unit_objs,test_$*) $(CMOCKA_LIBS) $(LDLIBS_ALL)

unit: $(UNIT_BINS)

# Each fuzz harness (tests/fuzz/fuzz_NAME.c) also built with this compiler
# and flags as replay_NAME, linking the modules harnesses.mk lists for it:
# `make check` replays corpus/NAME through it, `make check-asan` does so
# under the sanitizers.
FUZZ_PROXY_DIR := proxy
include tests/fuzz/harnesses.mk
REPLAYS := $(patsubst %,$(BUILD)/tests/replay_%,$(FUZZ_NAMES))
replay_objs = $(patsubst %,$(BUILD)/obj/%.o,$(fuzzdeps_$(1)))
$(BUILD)/tests/replay_%: tests/fuzz/replay.c tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h \
    $$(call replay_objs,$$*) | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -Iproxy -o $@ tests/fuzz/replay.c \
	    tests/fuzz/fuzz_$*.c $(call replay_objs,$*) $(LDLIBS_ALL)

# Small programs the integration tests drive (free ports, misbehaving
# origins) and the replay of the fuzz corpora under this build.
TOOLS := $(BUILD)/tests/freeport $(BUILD)/tests/badorigin $(BUILD)/tests/dnsd \
         $(BUILD)/tests/blackhole $(BUILD)/tests/idleconns \
         $(BUILD)/tests/h2attack $(BUILD)/tests/headtrickle $(REPLAYS)
$(BUILD)/tests/freeport: tests/tools/freeport.c | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $<
$(BUILD)/tests/badorigin: tests/tools/badorigin.c | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $<
$(BUILD)/tests/dnsd: tests/tools/dnsd.c | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $<
$(BUILD)/tests/blackhole: tests/tools/blackhole.c | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $<
# A misbehaving HTTP/2 client: the attacks edgesim must refuse.
$(BUILD)/tests/h2attack: tests/tools/h2attack.c | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDLIBS_ALL)
# TLS load clients of scripts/bench (make bench): many idle connections,
# and a full handshake per request.
BENCH_TOOLS := $(BUILD)/tests/freeport $(BUILD)/tests/idleconns \
               $(BUILD)/tests/newconns $(BUILD)/tests/headtrickle
$(BUILD)/tests/idleconns: tests/tools/idleconns.c | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDLIBS_ALL)
$(BUILD)/tests/newconns: tests/tools/newconns.c | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDLIBS_ALL)
# A request head (or body) in TLS records of a chosen size (scripts/bench
# e3, and the trickled-head test).
$(BUILD)/tests/headtrickle: tests/tools/headtrickle.c | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) -o $@ $< $(LDLIBS_ALL)

# The browser tests (tests/browser, puppeteer-core: the dashboard, and h2
# in a real browser) install their locked packages from npm once; CI
# machines start without them.
BROWSER_DEPS := tests/browser/node_modules/.package-lock.json
$(BROWSER_DEPS): tests/browser/package.json tests/browser/package-lock.json
	cd tests/browser && npm ci --no-audit --no-fund

check: $(BIN) $(UNIT_BINS) $(TOOLS) $(BROWSER_DEPS)
	@EDGESIM_BUILD=$(BUILD) bash tests/run.sh

# The 30-second reload-under-load target is measured by `make check`; the
# sanitizer run does 10 of those reloads (valid and invalid alternating),
# which keeps CI short and still exercises every reload path under ASan.
check-asan:
	RELOAD_SECONDS=10 $(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" check

# The unit tests and the multi-worker integration tests (demo chain,
# forward proxy, reload and stop, reload and stop under load) under
# ThreadSanitizer; fails on any report tests/tsan.supp does not explain.
check-tsan:
	$(MAKE) BUILD=build/tsan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=thread" tsan-run

tsan-run: $(BIN) $(UNIT_BINS) $(TOOLS)
	@EDGESIM_BUILD=$(BUILD) bash tests/tsan.sh

demo: deps
	$(MAKE) $(BIN)
	@bash scripts/demo.sh

deps:
	@bash scripts/deps.sh

bench: $(BIN) $(BENCH_TOOLS)
	@EDGESIM_BUILD=$(BUILD) bash scripts/bench $(BENCH_ARGS)

FUZZ_TIME ?= 60
fuzz:
	$(MAKE) -C tests/fuzz run FUZZ_TIME=$(FUZZ_TIME)

valgrind: $(UNIT_BINS)
	@for t in $(UNIT_BINS); do valgrind -q --error-exitcode=1 --leak-check=full $$t || exit 1; done

# docs/config.md is the key table; docs/errors.md's tables are the error
# table, between their markers (the prose around them is written by hand).
docs: $(BIN)
	$(BIN) config-doc > docs/config.md
	$(BIN) errors-doc > $(BUILD)/errors-doc.md
	awk -v gen=$(BUILD)/errors-doc.md 'BEGIN { while ((getline l < gen) > 0) g = g l "\n" } \
	    /^<!-- BEGIN generated by `edgesim errors-doc`/ { printf "%s", g; skip = 1; next } \
	    /^@@GENERATED@@$$/ { printf "%s", g; next } \
	    /^<!-- END generated by `edgesim errors-doc`/ { skip = 0; next } \
	    !skip { print }' docs/errors.md > $(BUILD)/errors.md.new
	mv $(BUILD)/errors.md.new docs/errors.md

clean:
	rm -rf build

-include $(OBJS:.o=.d) $(UNIT_BINS:=.d) $(REPLAYS:=.d)
