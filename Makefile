# Makefile: builds build/qonnxc and runs the test suite.
#
#   make                 build the compiler
#   make check           install missing packages, build, run every test
#   make check SANITIZE=1  the same with ASan and UBSan
#   make examples        compile and run the shipped example model
#
# Every .c file under compiler/, ir/ and runtime/ is part of the compiler;
# the ONNX schema is compiled with protoc-c into the build directory.

SANITIZE ?=
BUILD ?= build$(if $(SANITIZE),-san,)
CC ?= cc
PYTHON := /usr/bin/python3
LLVM_CONFIG ?= llvm-config-19
ONNX_PROTO ?= /usr/include/onnx/onnx.proto

LLVM_CFLAGS := $(shell $(LLVM_CONFIG) --cflags 2>/dev/null)
LLVM_LIBS := $(shell $(LLVM_CONFIG) --ldflags --libs core 2>/dev/null)

CFLAGS_BASE := -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Wpedantic -Werror -O2 -g \
	-I. -I$(BUILD)/gen -MMD -MP
ifdef SANITIZE
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
CFLAGS += $(CFLAGS_BASE)
LDLIBS += -lprotobuf-c $(LLVM_LIBS) -lm

SRCS := $(sort $(wildcard compiler/*.c compiler/*/*.c ir/*.c ir/*/*.c runtime/*.c))
OBJS := $(SRCS:%.c=$(BUILD)/%.o) $(BUILD)/gen/onnx.pb-c.o
LIB_OBJS := $(filter-out $(BUILD)/compiler/main.o,$(OBJS))

UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all check unit e2e memcheck bad-san deps examples clean
all: $(BUILD)/qonnxc

$(BUILD)/qonnxc: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/libqonnxc.a: $(LIB_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/gen/onnx.pb-c.c $(BUILD)/gen/onnx.pb-c.h: $(ONNX_PROTO)
	@mkdir -p $(BUILD)/gen
	cp $(ONNX_PROTO) $(BUILD)/gen/onnx.proto
	cd $(BUILD)/gen && protoc-c --c_out=. onnx.proto

# protoc-c's output is not ours to keep warning-free under -Wpedantic.
$(BUILD)/gen/onnx.pb-c.o: $(BUILD)/gen/onnx.pb-c.c
	$(CC) -std=c11 -O2 -g $(if $(SANITIZE),-fsanitize=address$(,)undefined) -c -o $@ $<

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

e2e: $(BUILD)/qonnxc
	QONNXC=$(abspath $(BUILD)/qonnxc) $(PYTHON) -m pytest -q tests/e2e

memcheck: $(BUILD)/qonnxc
	tests/memcheck.sh $(BUILD)/qonnxc

# The bad-input suite once more, on a build with ASan and UBSan.
bad-san:
	$(MAKE) SANITIZE=1 all
	QONNXC=$(abspath build-san/qonnxc) $(PYTHON) -m pytest -q tests/e2e/test_bad_inputs.py

check: deps
	$(MAKE) all
	$(MAKE) unit
	$(MAKE) e2e
ifndef SANITIZE
	$(MAKE) memcheck
	$(MAKE) bad-san
endif

examples: $(BUILD)/qonnxc
	$(BUILD)/qonnxc run examples/mlp_w2a2.onnx --input examples/mlp_w2a2_input.npy

clean:
	rm -rf build build-san

, := ,
-include $(OBJS:.o=.d) $(UNIT_BINS:%=%.d)
