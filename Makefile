# cairn: one Makefile for the core library, the `cairn` binary, the
# PostgreSQL extension (through PGXS), tests and benchmarks.
#
#   make run            install runtime deps, build, start the node
#   make check          install all deps, build, run every test
#   make check SANITIZE=1   the same under ASan + UBSan (separate build dir)
#   make bench          benchmarks, printed as ratios against peers
#   make fuzz           every fuzz target for FUZZ_SECONDS (libFuzzer, clang)
#   make                build only

CC      ?= cc
SANITIZE ?= 0
BUILD   ?= build
ifeq ($(SANITIZE),1)
BUILD   := build/sanitize
SANFLAGS = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

# The user's CFLAGS, CPPFLAGS and LDFLAGS are honoured everywhere (make
# CFLAGS='-O0 -g'); what the code needs to compile at all is in CAIRN_*.
CFLAGS  ?= -O2 -g
# Taken now: including PGXS (below) redefines CFLAGS, CPPFLAGS and LDFLAGS
# for the extension, unless they were given on the command line.
USER_CFLAGS   := $(CFLAGS)
USER_CPPFLAGS := $(CPPFLAGS)
USER_LDFLAGS  := $(LDFLAGS)
WARN     = -Wall -Wextra -Werror -Wpedantic
CAIRN_CFLAGS = -std=c11 $(WARN) -fPIC -D_POSIX_C_SOURCE=200809L $(SANFLAGS)
CAIRN_LDFLAGS = $(SANFLAGS)
# Every object also writes the headers it read (-MMD), with an empty rule
# for each (-MP) so a deleted header is no error: touching a header
# rebuilds exactly what includes it, directly or not.
DEPFLAGS = -MMD -MP
COMPILE  = $(CC) $(USER_CPPFLAGS) $(CAIRN_CFLAGS) $(USER_CFLAGS) $(DEPFLAGS)

# --- BLAKE3 -------------------------------------------------------------
# Prefer a system libblake3; otherwise compile the official C sources that
# Debian's librust-blake3-dev ships (never copied into this repository),
# with every x86-64 SIMD back end and BLAKE3's own run-time dispatch.
HAVE_LIBBLAKE3 := $(shell pkg-config --exists libblake3 2>/dev/null && echo 1)
ifeq ($(HAVE_LIBBLAKE3),1)
B3_CFLAGS := $(shell pkg-config --cflags libblake3)
B3_LIBS   := $(shell pkg-config --libs libblake3)
B3_OBJS   :=
else
B3_DIR    := $(lastword $(sort $(wildcard /usr/share/cargo/registry/blake3-*/c)))
B3_CFLAGS := -I$(B3_DIR)
B3_LIBS   :=
ARCH      := $(shell uname -m)
ifeq ($(ARCH),x86_64)
B3_SRCS   := blake3.c blake3_dispatch.c blake3_portable.c \
             blake3_sse2_x86-64_unix.S blake3_sse41_x86-64_unix.S \
             blake3_avx2_x86-64_unix.S blake3_avx512_x86-64_unix.S
B3_DEFS   :=
else ifeq ($(ARCH),aarch64)
B3_SRCS   := blake3.c blake3_dispatch.c blake3_portable.c blake3_neon.c
B3_DEFS   := -DBLAKE3_USE_NEON=1
else
B3_SRCS   := blake3.c blake3_dispatch.c blake3_portable.c
B3_DEFS   := -DBLAKE3_NO_SSE2 -DBLAKE3_NO_SSE41 -DBLAKE3_NO_AVX2 -DBLAKE3_NO_AVX512
endif
B3_OBJS   := $(patsubst %,$(BUILD)/blake3/%.o,$(B3_SRCS))
endif

# --- llhttp -------------------------------------------------------------
# The HTTP/1.1 parser: Debian's node-llhttp ships its C sources (never
# copied into this repository); they are compiled here, like BLAKE3's.
LLHTTP_DIR    := /usr/share/llhttp
LLHTTP_CFLAGS := -I/usr/share/include/llhttp
LLHTTP_OBJS   := $(patsubst %,$(BUILD)/llhttp/%.o,llhttp api http)
$(BUILD)/llhttp/%.o: $(LLHTTP_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CPPFLAGS) $(USER_CFLAGS) -fPIC $(SANFLAGS) $(LLHTTP_CFLAGS) -c $< -o $@

# --- core ---------------------------------------------------------------
CORE_SRCS := $(wildcard core/*.c)
CORE_OBJS := $(patsubst core/%.c,$(BUILD)/core/%.o,$(CORE_SRCS))
CORE_LIB  := $(BUILD)/libcairn_core.a
CORE_LIBS := $(B3_LIBS) -lcrypto

# --- the cairn binary ---------------------------------------------------
# storage-node/ is in layers, one folder each (docs/architecture.md). A
# folder's sources compile with the -I paths of that folder and of the
# folders below it, and nothing else, so an include that points up does not
# compile. common/ (the log) is under everything; dag/ and anchor/ both
# stand on repo/ and do not see each other; http/ stands on common/ alone.
NODE     := storage-node
INC_common   := core/include $(NODE)/common
INC_repo     := $(INC_common) $(NODE)/repo
INC_dag      := $(INC_repo) $(NODE)/dag
INC_anchor   := $(INC_repo) $(NODE)/anchor
INC_http     := $(INC_common) $(NODE)/http
INC_net      := $(INC_dag) $(NODE)/anchor $(NODE)/http $(NODE)/net
INC_handlers := $(INC_net) $(NODE)/daemon/handlers
INC_daemon   := $(INC_handlers) $(NODE)/daemon
INC_cli      := $(INC_daemon) $(NODE)/cli
INC_main     := $(INC_cli)
NODE_LAYERS  := common repo dag anchor http net handlers daemon cli main
DIR_handlers := daemon/handlers
DIR_main     := .
$(foreach l,$(NODE_LAYERS),$(eval DIR_$(l) ?= $(l)))
$(foreach l,$(NODE_LAYERS),$(eval OBJS_$(l) := \
    $(patsubst $(NODE)/%.c,$(BUILD)/node/%.o,$(wildcard $(NODE)/$(DIR_$(l))/*.c))))
NODE_OBJS := $(foreach l,$(NODE_LAYERS),$(OBJS_$(l)))
CAIRN     := $(BUILD)/cairn

# -Wno-format-truncation: error messages are clipped by snprintf on purpose;
# paths cannot be (repo.c caps the repo path so every derived path fits).
# (gcc only: clang has no such warning, and the fuzz build empties this.)
NODE_WFLAGS ?= -Wno-format-truncation
# libpq: the PostgreSQL mirror (net/pgmirror.c) and cairn audit --pg.
PQ_CFLAGS := -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
NODE_LIBS := -lzstd -lrados -llmdb -ljansson -levent -levent_pthreads -lcurl -lpq -lsecp256k1 -lcrypto -pthread
define node_layer_rule
$$(OBJS_$(1)): $$(BUILD)/node/%.o: $$(NODE)/%.c
	@mkdir -p $$(@D)
	$$(COMPILE) $$(NODE_WFLAGS) $$(B3_CFLAGS) $$(PQ_CFLAGS) $$(LLHTTP_CFLAGS) $$(addprefix -I,$$(INC_$(1))) -I$$(BUILD)/gen -c $$< -o $$@
endef
$(foreach l,$(NODE_LAYERS),$(eval $(call node_layer_rule,$(l))))

# The commit built, for `cairn version` and api/v0/version: a header that
# is rewritten only when the commit changes, so only its users rebuild.
# Empty outside a git checkout.
CAIRN_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
$(BUILD)/gen/cairn_commit.h: FORCE
	@mkdir -p $(@D)
	@printf '#define CAIRN_COMMIT "%s"\n' "$(CAIRN_COMMIT)" >$@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@
$(BUILD)/node/daemon/handlers/kubo.o $(BUILD)/node/./main.o: $(BUILD)/gen/cairn_commit.h
.PHONY: FORCE
FORCE:

# Each header must also compile alone with its own layer's paths: a
# header that includes one from above fails here even if no source of its
# layer includes it yet.
$(foreach l,$(NODE_LAYERS),$(eval HDRS_$(l) := \
    $(patsubst $(NODE)/%.h,$(BUILD)/hdr/%.ok,$(wildcard $(NODE)/$(DIR_$(l))/*.h))))
define node_header_rule
$$(HDRS_$(1)): $$(BUILD)/hdr/%.ok: $$(NODE)/%.h
	@mkdir -p $$(@D)
	@echo '#include "$$(notdir $$<)"' | $$(CC) $$(USER_CPPFLAGS) $$(CAIRN_CFLAGS) $$(DEPFLAGS) -MT $$@ -MF $$(@:.ok=.d) \
	    $$(B3_CFLAGS) $$(PQ_CFLAGS) $$(LLHTTP_CFLAGS) $$(addprefix -I,$$(INC_$(1))) -fsyntax-only -x c - && touch $$@
endef
$(foreach l,$(NODE_LAYERS),$(eval $(call node_header_rule,$(l))))
NODE_HDR_CHECKS := $(foreach l,$(NODE_LAYERS),$(HDRS_$(l)))

$(CAIRN): $(NODE_OBJS) $(LLHTTP_OBJS) $(CORE_LIB) $(NODE_HDR_CHECKS)
	$(CC) $(CAIRN_LDFLAGS) $(USER_LDFLAGS) -o $@ $(NODE_OBJS) $(LLHTTP_OBJS) $(CORE_LIB) $(CORE_LIBS) $(NODE_LIBS)

# --- tests --------------------------------------------------------------
UNIT_SRCS := $(wildcard test/unit/test_*.c)
UNIT_BINS := $(patsubst test/unit/%.c,$(BUILD)/test/%,$(UNIT_SRCS))

.PHONY: all deps deps-runtime run check test-build bench fuzz fuzz-bins
all: $(CAIRN)

deps:
	@.ci/install-deps
deps-runtime:
	@.ci/install-deps --runtime

$(BUILD)/blake3/%.c.o: $(B3_DIR)/%.c
	@mkdir -p $(@D)
	$(CC) $(USER_CPPFLAGS) $(USER_CFLAGS) -fPIC $(B3_DEFS) $(SANFLAGS) -c $< -o $@
$(BUILD)/blake3/%.S.o: $(B3_DIR)/%.S
	@mkdir -p $(@D)
	$(CC) -fPIC -c $< -o $@

$(BUILD)/core/%.o: core/%.c
	@mkdir -p $(@D)
	$(COMPILE) $(B3_CFLAGS) -Icore/include -Icore -c $< -o $@

$(CORE_LIB): $(CORE_OBJS) $(B3_OBJS)
	@rm -f $@
	ar rcs $@ $^

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# --- fuzz targets (test/fuzz) -------------------------------------------
# Each target is built twice: as a replayer (gcc, part of the test build:
# make check runs every committed input through it), and by `make fuzz` as
# a libFuzzer binary (clang, ASan + UBSan) in build/fuzz.
FUZZ_TARGETS := varint multibase multihash cid_binary cid_text dagpb unixfs car \
                range multipart note proof pg_input h1parse mpart server car_import keystore \
                proof_input routing_filter dagcbor dagjson http_host tile tlog_proof witness
# http_util.o answers requests too: it links the server under it
HTTP_SERVER_OBJS := $(BUILD)/node/http/http_util.o $(BUILD)/node/http/server.o \
                    $(BUILD)/node/http/h1parse.o $(LLHTTP_OBJS)
FUZZ_OBJS_range     := $(HTTP_SERVER_OBJS)
FUZZ_OBJS_multipart := $(BUILD)/node/http/multipart.o
FUZZ_OBJS_note      := $(BUILD)/node/anchor/note.o
FUZZ_OBJS_proof     := $(BUILD)/node/anchor/proof_check.o $(BUILD)/node/anchor/note.o
FUZZ_OBJS_h1parse   := $(BUILD)/node/http/h1parse.o $(LLHTTP_OBJS)
FUZZ_OBJS_mpart     := $(BUILD)/node/http/mpart.o $(BUILD)/node/http/multipart.o
FUZZ_OBJS_server    := $(BUILD)/node/http/server.o $(BUILD)/node/http/h1parse.o $(LLHTTP_OBJS)
FUZZ_OBJS_car_import := $(OBJS_dag) $(OBJS_repo)
FUZZ_OBJS_keystore  := $(BUILD)/node/anchor/ethtx.o
FUZZ_OBJS_proof_input := $(BUILD)/node/anchor/proof_input.o $(BUILD)/node/anchor/proof_bundle.o \
                         $(BUILD)/node/anchor/proof_check.o $(BUILD)/node/anchor/note.o
FUZZ_OBJS_routing_filter := $(BUILD)/node/daemon/handlers/routing_filter.o
FUZZ_OBJS_http_host := $(BUILD)/node/http/host.o
FUZZ_OBJS_tile      := $(BUILD)/node/anchor/tile.o
FUZZ_OBJS_witness   := $(BUILD)/node/anchor/witness.o $(BUILD)/node/anchor/note.o $(OBJS_repo)
FUZZ_CFLAGS = $(COMPILE) $(B3_CFLAGS) $(PQ_CFLAGS) $(LLHTTP_CFLAGS) \
              -Icore/include -I$(NODE)/common -I$(NODE)/repo -I$(NODE)/dag -I$(NODE)/http \
              -I$(NODE)/anchor -I$(NODE)/daemon/handlers -Itest/fuzz
REPLAY_BINS := $(patsubst %,$(BUILD)/fuzz/replay_%,$(FUZZ_TARGETS))
FUZZ_BINS   := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
.SECONDEXPANSION:

# Unit tests (test/unit/test_*.c, cmocka): the core's link the library;
# those of node modules link the objects they test, too.
# the blockstore and its backends
BS_OBJS := repo/blockstore repo/bs_backend repo/bs_flatfs repo/bs_rados repo/prefetch repo/bcache repo/mhset
UNIT_NODE_test_note      := anchor/note
UNIT_NODE_test_tile      := anchor/tile
UNIT_NODE_test_log       := common/log
UNIT_NODE_test_http_util := http/http_util http/server http/h1parse
UNIT_NODE_test_multipart := http/multipart
UNIT_NODE_test_mhset     := repo/mhset
UNIT_NODE_test_dirbuild  := dag/dirbuild
UNIT_NODE_test_pinstore  := repo/pinstore repo/repo repo/pgindex $(BS_OBJS)
UNIT_NODE_test_h1parse   := http/h1parse
UNIT_NODE_test_mpart     := http/mpart http/multipart
UNIT_NODE_test_parfor    := dag/parfor
UNIT_NODE_test_bcache    := repo/bcache
UNIT_NODE_test_bs_writer := repo/bs_writer $(BS_OBJS)
UNIT_NODE_test_ethtx     := anchor/ethtx
UNIT_NODE_test_keystore  := anchor/keystore anchor/ethtx
UNIT_NODE_test_http_client := http/client http/server http/h1parse
UNIT_EXTRA_test_http_client := $(LLHTTP_OBJS)
UNIT_EXTRA_test_h1parse  := $(LLHTTP_OBJS)
UNIT_EXTRA_test_http_util := $(LLHTTP_OBJS)
unit_objs = $(sort $(foreach o,$(UNIT_NODE_$(1)),$(BUILD)/node/$(o).o) \
                  $(if $(UNIT_NODE_$(1)),$(OBJS_common))) $(UNIT_EXTRA_$(1))
$(BUILD)/test/%: test/unit/%.c $(CORE_LIB) $$(call unit_objs,$$*)
	@mkdir -p $(@D)
	$(COMPILE) $(B3_CFLAGS) $(PQ_CFLAGS) $(LLHTTP_CFLAGS) $(addprefix -I,$(INC_cli)) -Icore $< $(call unit_objs,$*) -o $@ \
	    $(CAIRN_LDFLAGS) $(USER_LDFLAGS) $(CORE_LIB) $(CORE_LIBS) $(NODE_LIBS) -lcmocka

$(BUILD)/fuzz/replay_%: test/fuzz/fuzz_%.c test/fuzz/replay.c $(CORE_LIB) $$(FUZZ_OBJS_$$*) $(OBJS_common)
	@mkdir -p $(@D)
	$(FUZZ_CFLAGS) $< test/fuzz/replay.c $(FUZZ_OBJS_$*) $(OBJS_common) -o $@ $(CAIRN_LDFLAGS) $(USER_LDFLAGS) $(CORE_LIB) $(CORE_LIBS) $(NODE_LIBS)
# Only with CC=clang and SANFLAGS=-fsanitize=fuzzer-no-link,... (test/fuzz/run).
$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c $(CORE_LIB) $$(FUZZ_OBJS_$$*) $(OBJS_common)
	@mkdir -p $(@D)
	$(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS_$*) $(OBJS_common) -o $@ $(CAIRN_LDFLAGS) $(USER_LDFLAGS) $(CORE_LIB) $(CORE_LIBS) $(NODE_LIBS)
fuzz-bins: $(FUZZ_BINS)

# --- the PostgreSQL extension (PGXS) -----------------------------------
# Included whenever pg_config exists, except for the goals that first
# install dependencies (pg_config may not exist yet: they re-enter make),
# and in sanitizer builds (a backend cannot load an ASan-built module).
TOP_GOALS := check run bench fuzz deps deps-runtime
ifeq ($(filter $(TOP_GOALS),$(MAKECMDGOALS))$(SANITIZE),0)
PG_CONFIG ?= pg_config
# (libpq-dev alone has a pg_config whose pgxs.mk does not exist)
PGXS := $(wildcard $(shell $(PG_CONFIG) --pgxs 2>/dev/null))
endif

ifneq ($(PGXS),)
MODULE_big  = cairn
EXTENSION   = cairn
EXT_SRCS   := $(wildcard extension/*.c)
OBJS        = $(EXT_SRCS:.c=.o)
DATA        = extension/cairn--0.1.0.sql
PG_CPPFLAGS = -Icore/include $(B3_CFLAGS)
# -Wno-sign-compare: postgres.h macros (VARATT_EXTERNAL_IS_COMPRESSED) trip it.
PG_CFLAGS   = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wno-sign-compare
# CFLAGS given on the command line replace PGXS's own (-O2, -fwrapv, …),
# which the backend's code needs: put them back in front of the user's.
ifeq ($(origin CFLAGS),command line)
PG_CFLAGS  := $(shell $(PG_CONFIG) --cflags) $(PG_CFLAGS)
endif
SHLIB_LINK  = $(CORE_LIB) -lcrypto
EXTRA_CLEAN = build results regression.diffs regression.out
REGRESS     = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
$(OBJS): $(wildcard core/*.h core/include/cairn/*.h) $(wildcard extension/*.h)
include $(PGXS)
# After the include: PGXS defines $(shlib).
$(shlib): $(CORE_LIB)

# Everything the tests need: binary, unit tests, extension built and installed.
test-build: $(CAIRN) $(UNIT_BINS) $(REPLAY_BINS) all install
# make install: the extension (PGXS's own rule) and the cairn binary.
install: install-cairn
else
install: install-cairn
# The goals below first install dependencies, then re-enter make, which
# includes PGXS for the build (so they are only defined when it is not).
test-build: $(CAIRN) $(UNIT_BINS) $(REPLAY_BINS)

clean:
	rm -rf build

# Start the node on its embedded defaults, creating the repo on first use.
run: deps-runtime
	@$(MAKE) --no-print-directory $(CAIRN)
	@repo=$${CAIRN_PATH:-$$HOME/.cairn}; [ -f "$$repo/version" ] || $(CAIRN) init
	exec $(CAIRN) daemon

check: deps
	@$(MAKE) --no-print-directory test-build
	@BUILD=$(BUILD) SANITIZE=$(SANITIZE) test/run-all

# Each fuzz target for FUZZ_SECONDS (default 30) under libFuzzer with ASan
# and UBSan, from its committed corpus; crashes land in build/fuzz/crashes.
FUZZ_SECONDS ?= 30
fuzz: deps
	@$(MAKE) --no-print-directory test-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) test/fuzz/run

bench:
	@.ci/install-deps --bench
	@$(MAKE) --no-print-directory test-build
	@BUILD=$(BUILD) bench/run
	@bench/pg
	@BUILD=$(BUILD) bench/node
	@BUILD=$(BUILD) bench/anchor
	@BUILD=$(BUILD) bench/tiles
	@BUILD=$(BUILD) bench/publish
	@BUILD=$(BUILD) bench/auth
	@BUILD=$(BUILD) bench/peers
	@BUILD=$(BUILD) bench/soak
endif

# The cairn binary into $(DESTDIR)$(PREFIX)/bin (PREFIX default /usr/local).
PREFIX ?= /usr/local
.PHONY: install-cairn
install-cairn: $(CAIRN)
	install -D -m 755 $(CAIRN) $(DESTDIR)$(PREFIX)/bin/cairn

# make -s print-VAR: a variable's value, for scripts and tests.
print-%:
	@echo $($*)
