# Makefile: builds build/qonnxc and runs the test suite.
#
#   make                 build the compiler
#   make check           install missing packages, build, run every test
#   make check SANITIZE=1  the same with ASan and UBSan
#   make examples        compile and run the shipped example model
#
# Every .c file under compiler/, ir/, backends/ and runtime/ is part of the compiler;
# the ONNX schema is compiled with protoc-c into the build directory.

SANITIZE ?=
BUILD ?= build$(if $(SANITIZE),-san,)
CC ?= cc
PYTHON := /usr/bin/python3
LLVM_CONFIG ?= llvm-config-19
ONNX_PROTO ?= /usr/include/onnx/onnx.proto

LLVM_CFLAGS := $(shell $(LLVM_CONFIG) --cflags 2>/dev/null)
LLVM_LIBS := $(shell $(LLVM_CONFIG) --ldflags --libs core 2>/dev/null)
# qonnxc itself links LLVM statically and as a position-dependent program: a
# process then starts without relocating libLLVM's tables (about 50 ms on
# every run, a quarter of `qonnxc run` on a small model).
LLVM_STATIC_LIBS := $(shell $(LLVM_CONFIG) --link-static --ldflags \
	--libs core orcjit passes all-targets 2>/dev/null) \
	$(shell $(LLVM_CONFIG) --link-static --system-libs 2>/dev/null) -lstdc++

CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror -O2 -g \
	-I. -I$(BUILD)/gen -MMD -MP
ifdef SANITIZE
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS_RT := $(filter-out -fsanitize% -fno-sanitize%,$(CFLAGS_BASE))
CFLAGS += $(CFLAGS_BASE)
LDLIBS += -lprotobuf-c $(LLVM_LIBS) -lm -pthread

SRCS := $(sort $(wildcard compiler/*.c compiler/*/*.c ir/*.c ir/*/*.c backends/*/*.c runtime/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/onnx.pb-c.o
LIB_OBJS := $(filter-out $(BUILD)/compiler/main.o,$(OBJS))

# The run-time library for programs around generated objects (npy I/O, model
# description, float <-> integer conversions); generated code never needs it.
# Built apart from the compiler's objects and never with the sanitizers,
# so that programs linking it need no sanitizer run time (SANITIZE=1 too).
RT_SRCS := $(sort $(wildcard runtime/*.c))
RT_OBJS := $(RT_SRCS:%.c=$(BUILD)/rt/%.o)

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check unit e2e llvm-check memcheck bad-san deps examples clean bench
all: $(BUILD)/qonnxc $(BUILD)/libqonnxrt.a

$(BUILD)/qonnxc: $(OBJS)
	$(CC) $(LDFLAGS) -no-pie -o $@ $^ -lprotobuf-c $(LLVM_STATIC_LIBS) -lm -pthread

$(BUILD)/libqonnxrt.a: $(RT_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/libqonnxc.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/gen/onnx.pb-c.c $(BUILD)/gen/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/gen
	cp $(ONNX_PROTO) $(BUILD)/gen/onnx.proto
	cd $(BUILD)/gen && protoc-c --c_out=. onnx.proto

# protoc-c's output is not ours to keep warning-free under -Wpedantic.
$(BUILD)/gen/onnx.pb-c.o: $(BUILD)/gen/onnx.pb-c.c
	$(CC) -std=c11 -O2 -g $(if $(SANITIZE),-fsanitize=address$(,)undefined) -c -o $@ $<

$(BUILD)/rt/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_RT) -c -o $@ $<

# Every object may include the generated header, so generate it first.
$(BUILD)/%.o: %.c | $(BUILD)/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(if $(findstring backends/llvm,$<),$(LLVM_CFLAGS)) -c -o $@ $<

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libqonnxc.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libqonnxc.a -lcmocka $(LDFLAGS) $(LDLIBS)

deps:
	@scripts/install-deps.sh

unit: $(UNIT_BINS)
	@tests/run-unit.sh $(UNIT_BINS)

# End-to-end suites: the front-end and interpreter, then each pass's tests,
# then the LLVM backend's (compiled models linked with a C harness), then the
# firmware built for Cortex-M4, Cortex-M0 and AArch64 and run under QEMU.
PYTEST_DIRS := $(wildcard tests/e2e tests/passes tests/channels_last tests/lowering tests/bad/found \
	tests/llvm tests/hls tests/firmware tests/reliability tests/tools tests/perf)
e2e: $(BUILD)/qonnxc $(BUILD)/libqonnxrt.a
	QONNXC=$(abspath $(BUILD)/qonnxc) $(PYTHON) -m pytest -q $(PYTEST_DIRS)

# Only the LLVM backend's suite (also part of e2e).
llvm-check: $(BUILD)/qonnxc $(BUILD)/libqonnxrt.a
	QONNXC=$(abspath $(BUILD)/qonnxc) $(PYTHON) -m pytest -q tests/llvm

memcheck: $(BUILD)/qonnxc
	tests/memcheck.sh $(BUILD)/qonnxc

# The bad-input suite once more, on a build with ASan and UBSan.
bad-san:
	$(MAKE) SANITIZE=1 all
	QONNXC=$(abspath build-san/qonnxc) $(PYTHON) -m pytest -q tests/e2e/test_bad_inputs.py tests/bad/found

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) examples
	$(MAKE) e2e
ifndef SANITIZE
	$(MAKE) memcheck
	$(MAKE) bad-san
	$(MAKE) fuzz-check
endif

# The example model run by the JIT, then compiled to an object and called
# from examples/classify.c through its header.
examples: $(BUILD)/qonnxc
	$(BUILD)/qonnxc run examples/mlp_w2a2.onnx --input examples/mlp_w2a2_input.npy
	@mkdir -p $(BUILD)/examples
	$(BUILD)/qonnxc examples/mlp_w2a2.onnx -o $(BUILD)/examples/mlp.o
	$(CC) -std=c11 -Wall -Wextra -Werror -pedantic -I$(BUILD)/examples examples/classify.c \
		$(BUILD)/examples/mlp.o -o $(BUILD)/examples/classify
	$(BUILD)/examples/classify

clean:
	rm -rf build build-san

# make install [PREFIX=/usr/local] [DESTDIR=]: the compiler, the run-time
# library with its headers and pkg-config file (runtime/qonnxrt.pc.in), and
# the man page, written by qonnxc itself from its option table (qonnxc --man).
PREFIX ?= /usr/local
.PHONY: install
install: $(BUILD)/qonnxc $(BUILD)/libqonnxrt.a
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig \
		$(DESTDIR)$(PREFIX)/include/qonnxc $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/qonnxc $(DESTDIR)$(PREFIX)/bin/qonnxc
	install -m 644 $(BUILD)/libqonnxrt.a $(DESTDIR)$(PREFIX)/lib/libqonnxrt.a
	install -m 644 runtime/qonnx_runtime.h runtime/npy.h $(DESTDIR)$(PREFIX)/include/qonnxc/
	$(BUILD)/qonnxc --man > $(DESTDIR)$(PREFIX)/share/man/man1/qonnxc.1
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e "s|@VERSION@|$$($(BUILD)/qonnxc --version | cut -d' ' -f2)|" \
		runtime/qonnxrt.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/qonnxrt.pc

# qonnxc against ONNX Runtime on every shared model and the example, batch 1
# and 64, compile time, sizes, peak MAC rate; table and benches/results.json
# (benches/bench.sh; RUNS=, ROUNDS=, MODELS= to narrow it). Not part of check.
bench: $(BUILD)/qonnxc $(BUILD)/libqonnxrt.a
	benches/bench.sh $(BUILD)/qonnxc

, := ,
-include $(OBJS:.o=.d) $(RT_OBJS:.o=.d) $(UNIT_BINS:%=%.d)

# ---- fuzzing (fuzz/) ----------------------------------------------------------
#
#   make fuzz [FUZZ_SECONDS=N]  build the fuzz targets into build-fuzz/ and run
#                               each for N seconds (default 60) from the seed corpus
#   make fuzz-check             the run `make check` uses: 60 seconds per target from
#                               the seed corpus alone (the kept corpus can take longer
#                               than that just to load), 30 s allowed per input (inputs
#                               take under a second, but the machine may be busy)
#   make fuzz-build             only build them
#
# The compiler is built once more with clang, libFuzzer's coverage
# instrumentation, ASan and UBSan (build-fuzz/libqonnxc.a). Each target keeps
# the inputs it found in build-fuzz/corpus-TARGET/ across runs, reading the
# seeds of build/fuzz-corpus/ (fuzz/make_corpus.sh) as well. A crash, hang,
# leak or sanitizer report ends the run with a non-zero status and leaves the
# input in build-fuzz/artifacts/; fuzz/run.sh prints the statistics.

FUZZ_CC ?= clang-19
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CORPUS ?= build/fuzz-corpus
FUZZ_TARGETS := fuzz_model fuzz_mutate
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -O1 -g \
	-I. -I$(BUILD)/gen -MMD -MP $(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_LIB_OBJS := $(LIB_OBJS:$(BUILD)/%.o=$(FUZZ_BUILD)/obj/%.o)
FUZZ_COMMON := $(FUZZ_BUILD)/obj/fuzz/target.o $(FUZZ_BUILD)/obj/fuzz/backends.o
FUZZ_MUTATE_OBJS := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(wildcard fuzz/mutate*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/%)

.PHONY: fuzz fuzz-check fuzz-build fuzz-corpus
fuzz-build: $(FUZZ_BINS)

fuzz-corpus:
	fuzz/make_corpus.sh $(FUZZ_CORPUS)

fuzz: fuzz-build fuzz-corpus
	@status=0; for t in $(FUZZ_TARGETS); do \
		FUZZ_BUILD=$(FUZZ_BUILD) fuzz/run.sh $(FUZZ_BUILD)/$$t $(FUZZ_SECONDS) $(FUZZ_CORPUS) || status=1; \
	done; exit $$status

fuzz-check: fuzz-build fuzz-corpus
	@status=0; for t in $(FUZZ_TARGETS); do \
		rm -rf $(FUZZ_BUILD)/check-corpus-$$t; \
		FUZZ_WORK_CORPUS=$(FUZZ_BUILD)/check-corpus-$$t FUZZ_LOG=$(FUZZ_BUILD)/check-$$t.log \
			FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_TIMEOUT=30 \
			fuzz/run.sh $(FUZZ_BUILD)/$$t 60 $(FUZZ_CORPUS) || status=1; \
	done; exit $$status

# The compiler's sources: warnings shown, not fatal (gcc's -Werror build is the gate).
$(FUZZ_BUILD)/obj/%.o: %.c | $(BUILD)/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(if $(findstring backends/llvm,$<),$(LLVM_CFLAGS)) -c -o $@ $<

$(FUZZ_BUILD)/obj/fuzz/%.o: fuzz/%.c | $(BUILD)/gen/onnx.pb-c.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -c -o $@ $<

$(FUZZ_BUILD)/obj/gen/onnx.pb-c.o: $(BUILD)/gen/onnx.pb-c.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -std=c11 -O1 -g $(FUZZ_SAN) -fsanitize=fuzzer-no-link -I$(BUILD)/gen -c -o $@ $<

$(FUZZ_BUILD)/libqonnxc.a: $(FUZZ_LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_model: $(FUZZ_BUILD)/obj/fuzz/fuzz_model.o $(FUZZ_COMMON) $(FUZZ_BUILD)/libqonnxc.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lprotobuf-c $(LLVM_LIBS) -lm

$(FUZZ_BUILD)/fuzz_mutate: $(FUZZ_BUILD)/obj/fuzz/fuzz_mutate.o $(FUZZ_MUTATE_OBJS) $(FUZZ_COMMON) \
		$(FUZZ_BUILD)/libqonnxc.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lprotobuf-c $(LLVM_LIBS) -lm

-include $(FUZZ_LIB_OBJS:.o=.d) $(wildcard $(FUZZ_BUILD)/obj/fuzz/*.d)
