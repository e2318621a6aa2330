# okrd — build, run and test.
#
#   make            build okrd and okr into build/
#   make run        install deps, build, start okrd on ./okrd-data, open okr
#   make test       install deps, build, run every test (prints "N passed, N failed")
#   make test SANITIZE=1   the same under AddressSanitizer + UBSan (build-asan/)
#   make fuzz       libFuzzer on the request and shell harnesses (FUZZ_SECONDS=60)
#   make bench      benchmarks against the machine's floors, Redis and PostgreSQL (QUICK=1: ~2 min)
#   make soak       the crash test long: 1000 SIGKILLs of okrd under load (SOAK_KILLS=N)
#   make verify     okrd --verify on ./okrd-data
#   make man        the manual pages okr(1), okrd(8), okrd.conf(5) into build/man (scdoc)
#   make install    okrd, okr, manuals, the systemd unit, okr.proto and the example
#                   okrd.conf under $(DESTDIR)$(PREFIX) (PREFIX=/usr/local); make uninstall
#   make clean
#
# Dependencies are Debian packages; `make deps` installs the missing ones with
# apt-get when run as root (CI and fresh machines), and only says what is
# missing otherwise.

DEB_PACKAGES := gcc make pkg-config tmux libzmq3-dev libprotobuf-c-dev protobuf-c-compiler \
                liblmdb-dev libreadline-dev libcmocka-dev libjson-c-dev libinih-dev libsodium-dev \
                scdoc mandoc uthash-dev faketime \
                python3-zmq python3-protobuf protobuf-compiler

ifeq ($(SANITIZE),1)
BUILD    ?= build-asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
OPT      := -O1 -g
else
BUILD    ?= build
SANFLAGS :=
OPT      := -O2 -g
endif

CC      ?= cc
PKGS    := libzmq libprotobuf-c lmdb json-c inih libsodium
CFLAGS  += -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -D_GNU_SOURCE \
           $(OPT) $(SANFLAGS) -Icommon -I$(BUILD)/gen -MMD -MP
LDFLAGS += $(SANFLAGS)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm

GEN_C   := $(BUILD)/gen/okr.pb-c.c
GEN_H   := $(BUILD)/gen/okr.pb-c.h

COMMON_SRC := $(wildcard common/*.c)
SERVER_SRC := $(filter-out server/main.c,$(wildcard server/*.c))
CLIENT_SRC := $(filter-out client/main.c,$(wildcard client/*.c))

COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/okr.pb-c.o
SERVER_OBJ := $(SERVER_SRC:%.c=$(BUILD)/%.o)
CLIENT_OBJ := $(CLIENT_SRC:%.c=$(BUILD)/%.o)

UNIT_SRC   := $(wildcard tests/unit/test_*.c)
E2E_SRC    := $(wildcard tests/e2e/test_*.c)
TESTLIB_SRC := $(wildcard tests/lib/*.c)
UNIT_BIN   := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
E2E_BIN    := $(E2E_SRC:tests/e2e/%.c=$(BUILD)/tests/%)
TESTLIB_OBJ := $(TESTLIB_SRC:%.c=$(BUILD)/%.o)

OKRD := $(BUILD)/okrd
OKR  := $(BUILD)/okr

.PHONY: all deps run test unit e2e verify clean bench fuzz soak man install uninstall \
        test-optional-deps
.DEFAULT_GOAL := all

all: $(OKRD) $(OKR)

deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null \
	      || { echo "apt-get install failed:$$missing"; exit 1; }; \
	  else \
	    echo "missing Debian packages:$$missing (run as root, or: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

$(GEN_C) $(GEN_H): proto/okr.proto
	@mkdir -p $(BUILD)/gen
	protoc-c --c_out=$(BUILD)/gen -Iproto proto/okr.proto

$(BUILD)/gen/okr.pb-c.o: $(GEN_C)
	$(CC) $(filter-out -Wshadow -Wstrict-prototypes,$(CFLAGS)) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(BUILD)/libcommon.a: $(COMMON_OBJ)
	$(AR) rcs $@ $^
$(BUILD)/libserver.a: $(SERVER_OBJ)
	$(AR) rcs $@ $^
$(BUILD)/libclient.a: $(CLIENT_OBJ)
	$(AR) rcs $@ $^

$(OKRD): $(BUILD)/server/main.o $(BUILD)/libserver.a $(BUILD)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(OKR): $(BUILD)/client/main.o $(BUILD)/libclient.a $(BUILD)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lreadline

$(BUILD)/tests/%: tests/unit/%.c $(TESTLIB_OBJ) $(BUILD)/libserver.a $(BUILD)/libclient.a $(BUILD)/libcommon.a $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Iserver -Iclient -Itests/lib -o $@ $< $(TESTLIB_OBJ) \
	  $(BUILD)/libserver.a $(BUILD)/libclient.a $(BUILD)/libcommon.a $(LDFLAGS) $(PKG_LIBS) -lcmocka -lreadline

$(BUILD)/tests/%: tests/e2e/%.c $(TESTLIB_OBJ) $(BUILD)/libclient.a $(BUILD)/libcommon.a $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Iclient -Itests/lib -o $@ $< $(TESTLIB_OBJ) \
	  $(BUILD)/libclient.a $(BUILD)/libcommon.a $(LDFLAGS) $(PKG_LIBS) -lcmocka -lreadline

$(BUILD)/tests/lib/%.o: tests/lib/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -Itests/lib -c $< -o $@

# Packages only some tests need (chromium: the HTML report's test renders the
# page). `make test` installs the missing ones as root; when that fails, or
# without root, those tests skip and say why.
TEST_OPTIONAL_PACKAGES := chromium

test-optional-deps:
	@missing=""; for p in $(TEST_OPTIONAL_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing (for the HTML report's test)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing) >/dev/null \
	      || echo "could not install$$missing: the tests that need it will skip"; \
	  else \
	    echo "not installed:$$missing (the tests that need it will skip; apt-get install$$missing)"; \
	  fi; \
	fi

# The build itself needs the packages; `deps` runs first in the two user-facing targets.
test: deps
	@$(MAKE) --no-print-directory test-optional-deps
	@$(MAKE) --no-print-directory all man $(OKR_BENCH) $(UNIT_BIN) $(E2E_BIN)
	@OKRD=$(OKRD) OKR=$(OKR) tests/run.sh $(UNIT_BIN) $(E2E_BIN)

unit: all $(UNIT_BIN)
	@tests/run.sh $(UNIT_BIN)

e2e: all $(E2E_BIN)
	@OKRD=$(OKRD) OKR=$(OKR) tests/run.sh $(E2E_BIN)

# Start okrd on ./okrd-data in the background (log: okrd-data/okrd.log), wait
# for its ready line, open the okr shell, and stop okrd when the shell exits.
RUN_DATA ?= okrd-data
run: deps
	@$(MAKE) --no-print-directory all
	@mkdir -p $(RUN_DATA)
	@$(OKRD) --data $(RUN_DATA) 2>$(RUN_DATA)/okrd.log & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' EXIT INT TERM; \
	for i in $$(seq 200); do \
	  grep -q '^okrd: ready' $(RUN_DATA)/okrd.log && break; \
	  kill -0 $$pid 2>/dev/null || break; sleep 0.05; \
	done; \
	if ! grep -q '^okrd: ready' $(RUN_DATA)/okrd.log; then cat $(RUN_DATA)/okrd.log; exit 1; fi; \
	echo "okrd is running on $(RUN_DATA) (log: $(RUN_DATA)/okrd.log). Type help; Ctrl-D quits and stops okrd."; \
	$(OKR)

# ------------------------------------------------------------ benchmarks
# `make bench` builds bench/okr-bench and runs the whole suite (about 10 min);
# `make bench QUICK=1` runs it small (about two minutes). BENCH_ARGS passes more
# options (see `build/okr-bench --help` and docs/performance.md). As root it
# installs redis-server + redis-tools for the Redis comparison and postgresql
# for the PostgreSQL peers when missing; otherwise those figures are skipped
# with a note.
BENCH_SRC := $(wildcard bench/*.c)
BENCH_OBJ := $(BENCH_SRC:%.c=$(BUILD)/%.o)
OKR_BENCH := $(BUILD)/okr-bench

$(BENCH_OBJ): CFLAGS += -Iclient

$(OKR_BENCH): $(BENCH_OBJ) $(BUILD)/libclient.a $(BUILD)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) -lpthread

bench: deps
	@if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-benchmark >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing redis-server redis-tools (for the Redis comparison)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools) >/dev/null \
	      || echo "could not install redis-server: the Redis figure will be skipped"; \
	  else \
	    echo "redis-server not installed: the Redis figure will be skipped (apt-get install redis-server redis-tools)"; \
	  fi; \
	fi
	@if ! ls /usr/lib/postgresql/*/bin/pgbench >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing postgresql (for the PostgreSQL peers)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >/dev/null \
	      || echo "could not install postgresql: the PostgreSQL peers will be skipped"; \
	  else \
	    echo "postgresql not installed: the PostgreSQL peers will be skipped (apt-get install postgresql)"; \
	  fi; \
	fi
	@$(MAKE) --no-print-directory all $(OKR_BENCH)
	$(OKR_BENCH) --okrd $(OKRD) $(if $(filter 1,$(QUICK)),--quick) $(BENCH_ARGS)

# ------------------------------------------------------------ soak
# `make soak` runs the crash test of `make test` (tests/e2e/test_crash.c) long:
# SOAK_KILLS SIGKILLs of okrd under concurrent writers (default 1000), within
# SOAK_SECONDS (default 3600). It prints its seed; OKR_SEED=S replays a run's
# kill moments and requests. See docs/testing.md.
SOAK_KILLS   ?= 1000
SOAK_SECONDS ?= 3600

soak: deps
	@$(MAKE) --no-print-directory all $(BUILD)/tests/test_crash
	@OKR_CRASH_KILLS=$(SOAK_KILLS) OKR_CRASH_SECONDS=$(SOAK_SECONDS) OKRD=$(OKRD) OKR=$(OKR) \
	  TEST_TIMEOUT=$$(( $(SOAK_SECONDS) + 600 )) tests/run.sh $(BUILD)/tests/test_crash

# ------------------------------------------------------------ fuzzing
# `make fuzz` builds the libFuzzer harnesses of tests/fuzz/ with clang
# (ASan + UBSan) and runs each for FUZZ_SECONDS on build-fuzz/corpus/NAME, a
# copy of the committed corpus that keeps what earlier runs found. Crashes go
# to build-fuzz/crashes/NAME/. `make test` replays the committed corpus (plus
# mutations) through the same harnesses, built with gcc: test_fuzz_replay.
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build-fuzz
FUZZ_FLAGS   := -std=c11 -g -O1 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
                -fno-sanitize-recover=all -fno-omit-frame-pointer \
                -Icommon -Iserver -Iclient -Itests/lib -Itests/fuzz -I$(FUZZ_DIR)/gen
FUZZ_SRC     := $(COMMON_SRC) $(SERVER_SRC) $(CLIENT_SRC) $(FUZZ_DIR)/gen/okr.pb-c.c

fuzz: deps
	@command -v clang >/dev/null 2>&1 && dpkg-query -W -f='$${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "ok installed" || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing clang libclang-rt-14-dev (for libFuzzer)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang libclang-rt-14-dev) >/dev/null \
	      || { echo "cannot install clang"; exit 1; }; \
	  else echo "make fuzz needs clang and libclang-rt-14-dev"; exit 1; fi; }
	@mkdir -p $(FUZZ_DIR)/gen
	protoc-c --c_out=$(FUZZ_DIR)/gen -Iproto proto/okr.proto
	@for h in request shell; do \
	  echo "building $(FUZZ_DIR)/fuzz_$$h"; \
	  clang $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $(FUZZ_DIR)/fuzz_$$h tests/fuzz/fuzz_$$h.c $(FUZZ_SRC) \
	    $(PKG_LIBS) -lreadline || exit 1; \
	done
	@mkdir -p $(FUZZ_DIR)/tmp
	@status=0; for h in request shell; do \
	  mkdir -p $(FUZZ_DIR)/corpus/$$h $(FUZZ_DIR)/crashes/$$h; \
	  cp -n tests/fuzz/corpus/$$h/* $(FUZZ_DIR)/corpus/$$h/; \
	  TMPDIR=$(CURDIR)/$(FUZZ_DIR)/tmp $(FUZZ_DIR)/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) \
	    -timeout=20 -print_final_stats=1 -dict=tests/fuzz/$$h.dict \
	    -artifact_prefix=$(FUZZ_DIR)/crashes/$$h/ $(FUZZ_ARGS) $(FUZZ_DIR)/corpus/$$h \
	    || { status=1; echo "fuzz_$$h failed: input saved in $(FUZZ_DIR)/crashes/$$h/"; }; \
	done; exit $$status

verify: all
	$(OKRD) --verify --data okrd-data

# ------------------------------------------------------------ manuals, install
# The manuals are scdoc sources in docs/man; okr(1)'s COMMANDS section is
# generated from the command table (tools/mancommands.c), so `okr help CMD`
# and the manual say the same thing.
MAN_PAGES := $(BUILD)/man/okr.1 $(BUILD)/man/okrd.8 $(BUILD)/man/okrd.conf.5
MANCOMMANDS := $(BUILD)/tools/mancommands

man: $(MAN_PAGES)

$(MANCOMMANDS): $(BUILD)/tools/mancommands.o $(BUILD)/libcommon.a
	$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/man/okr.1: docs/man/okr.1.scd $(MANCOMMANDS)
	@mkdir -p $(dir $@)
	$(MANCOMMANDS) > $@.commands
	awk -v f=$@.commands '/^@COMMANDS@$$/ { while ((getline l < f) > 0) print l; next } { print }' \
	  docs/man/okr.1.scd | scdoc > $@
	@rm -f $@.commands

$(BUILD)/man/%: docs/man/%.scd
	@mkdir -p $(dir $@)
	scdoc < $< > $@

PREFIX  ?= /usr/local
BINDIR  := $(PREFIX)/bin
MANDIR  := $(PREFIX)/share/man
UNITDIR := $(PREFIX)/lib/systemd/system
DATADIR := $(PREFIX)/share/okrd
DOCDIR  := $(PREFIX)/share/doc/okrd
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  := $(PREFIX)/share/zsh/site-functions
INSTALLED := $(BINDIR)/okrd $(BINDIR)/okr $(MANDIR)/man1/okr.1 $(MANDIR)/man8/okrd.8 \
             $(UNITDIR)/okrd.service $(DATADIR)/okr.proto $(MANDIR)/man5/okrd.conf.5 \
             $(DOCDIR)/okrd.conf.example $(BASHCOMPDIR)/okr $(ZSHCOMPDIR)/_okr

install: all man
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
	  $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	install -m 0755 $(OKRD) $(OKR) $(DESTDIR)$(BINDIR)/
	install -m 0644 $(BUILD)/man/okr.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 $(BUILD)/man/okrd.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 $(BUILD)/man/okrd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 docs/okrd.conf.example $(DESTDIR)$(DOCDIR)/
	sed 's|@BINDIR@|$(BINDIR)|g' docs/okrd.service > $(DESTDIR)$(UNITDIR)/okrd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/okrd.service
	install -m 0644 proto/okr.proto $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	$(OKR) completion bash > $(DESTDIR)$(BASHCOMPDIR)/okr
	$(OKR) completion zsh > $(DESTDIR)$(ZSHCOMPDIR)/_okr
	chmod 0644 $(DESTDIR)$(BASHCOMPDIR)/okr $(DESTDIR)$(ZSHCOMPDIR)/_okr

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) 2>/dev/null

clean:
	rm -rf build build-asan build-fuzz

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
