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

OPT      ?= -O2
WARN     = -Wall -Wextra -Werror
CFLAGS_C = -std=c11 $(WARN) $(OPT) -g -fPIC -D_POSIX_C_SOURCE=200809L $(SANFLAGS)
LDFLAGS_C = $(SANFLAGS)

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

# --- core ---------------------------------------------------------------
CORE_SRCS := $(wildcard core/*.c)
CORE_OBJS := $(patsubst core/%.c,$(BUILD)/core/%.o,$(CORE_SRCS))
CORE_LIB  := $(BUILD)/libcairn_core.a
CORE_LIBS := $(B3_LIBS) -lcrypto

# --- the cairn binary ---------------------------------------------------
NODE_SRCS := $(wildcard storage-node/*.c)
NODE_OBJS := $(patsubst storage-node/%.c,$(BUILD)/node/%.o,$(NODE_SRCS))
CAIRN     := $(BUILD)/cairn

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
	$(CC) $(OPT) -g -fPIC $(B3_DEFS) $(SANFLAGS) -c $< -o $@
$(BUILD)/blake3/%.S.o: $(B3_DIR)/%.S
	@mkdir -p $(@D)
	$(CC) -fPIC -c $< -o $@

$(BUILD)/core/%.o: core/%.c $(wildcard core/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_C) $(B3_CFLAGS) -c $< -o $@

$(CORE_LIB): $(CORE_OBJS) $(B3_OBJS)
	@rm -f $@
	ar rcs $@ $^

# -Wno-format-truncation: error messages are clipped by snprintf on purpose;
# paths cannot be (repo.c caps the repo path so every derived path fits).
# (gcc only: clang has no such warning, and the fuzz build empties this.)
NODE_WFLAGS ?= -Wno-format-truncation
$(BUILD)/node/%.o: storage-node/%.c $(wildcard storage-node/*.h) $(wildcard core/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_C) $(NODE_WFLAGS) $(B3_CFLAGS) $(PQ_CFLAGS) -Icore -c $< -o $@

# libpq: the PostgreSQL mirror (pgmirror.c) and cairn audit --pg.
PQ_CFLAGS := -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
NODE_LIBS := -lzstd -llmdb -ljansson -levent -lpq

$(CAIRN): $(NODE_OBJS) $(CORE_LIB)
	$(CC) $(LDFLAGS_C) -o $@ $(NODE_OBJS) $(CORE_LIB) $(CORE_LIBS) $(NODE_LIBS)

# Unit tests of node modules that stand alone (no repo, no event loop).
$(BUILD)/test/test_note: test/unit/test_note.c $(BUILD)/node/note.o $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_C) $(B3_CFLAGS) -Icore -Istorage-node $< $(BUILD)/node/note.o -o $@ $(LDFLAGS_C) $(CORE_LIB) $(CORE_LIBS) -lcmocka

$(BUILD)/test/%: test/unit/%.c $(CORE_LIB) $(wildcard core/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS_C) $(B3_CFLAGS) -Icore $< -o $@ $(LDFLAGS_C) $(CORE_LIB) $(CORE_LIBS) -lcmocka

# --- fuzz targets (test/fuzz) -------------------------------------------
# Each target is built twice: as a replayer (gcc, part of the test build:
# make check runs every committed input through it), and by `make fuzz` as
# a libFuzzer binary (clang, ASan + UBSan) in build/fuzz.
FUZZ_TARGETS := varint multibase multihash cid_binary cid_text dagpb unixfs car \
                range raw_field multipart note proof pg_input
FUZZ_OBJS_range     := $(BUILD)/node/http_util.o
FUZZ_OBJS_raw_field := $(BUILD)/node/http_util.o
FUZZ_OBJS_multipart := $(BUILD)/node/multipart.o
FUZZ_OBJS_note      := $(BUILD)/node/note.o
FUZZ_OBJS_proof     := $(BUILD)/node/proof_check.o $(BUILD)/node/note.o
FUZZ_CFLAGS = $(CFLAGS_C) $(B3_CFLAGS) $(PQ_CFLAGS) -Icore -Istorage-node -Itest/fuzz
REPLAY_BINS := $(patsubst %,$(BUILD)/fuzz/replay_%,$(FUZZ_TARGETS))
FUZZ_BINS   := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
.SECONDEXPANSION:
$(BUILD)/fuzz/replay_%: test/fuzz/fuzz_%.c test/fuzz/replay.c test/fuzz/fuzz.h $(CORE_LIB) $$(FUZZ_OBJS_$$*)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) $< test/fuzz/replay.c $(FUZZ_OBJS_$*) -o $@ $(LDFLAGS_C) $(CORE_LIB) $(CORE_LIBS) $(NODE_LIBS)
# Only with CC=clang and SANFLAGS=-fsanitize=fuzzer-no-link,... (test/fuzz/run).
$(BUILD)/fuzz/fuzz_%: test/fuzz/fuzz_%.c test/fuzz/fuzz.h $(CORE_LIB) $$(FUZZ_OBJS_$$*)
	@mkdir -p $(@D)
	$(CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_OBJS_$*) -o $@ $(LDFLAGS_C) $(CORE_LIB) $(CORE_LIBS) $(NODE_LIBS)
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
PG_CPPFLAGS = -Icore $(B3_CFLAGS)
# -Wno-sign-compare: postgres.h macros (VARATT_EXTERNAL_IS_COMPRESSED) trip it.
PG_CFLAGS   = -std=c11 -D_GNU_SOURCE $(WARN) -Wno-sign-compare
SHLIB_LINK  = $(CORE_LIB) -lcrypto
EXTRA_CLEAN = build results regression.diffs regression.out
REGRESS     = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
$(OBJS): $(wildcard core/*.h) $(wildcard extension/*.h)
include $(PGXS)
# After the include: PGXS defines $(shlib).
$(shlib): $(CORE_LIB)

# Everything the tests need: binary, unit tests, extension built and installed.
test-build: $(CAIRN) $(UNIT_BINS) $(REPLAY_BINS) all install
else
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
	@BUILD=$(BUILD) bench/peers
	@BUILD=$(BUILD) bench/soak
endif
