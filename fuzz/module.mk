# fuzz/module.mk - libFuzzer targets (clang, ASan+UBSan).
#
# Every fuzz/fuzz_NAME.c defining LLVMFuzzerTestOneInput is one target,
# built as build/fuzz/fuzz_NAME and linked with lib/ (and the module
# libraries it names, see fuzz_mods), so adding a target is adding that
# one file.  Seeds live in fuzz/corpus/NAME/ (read-only; new inputs go to
# the work corpus).
#
#   make fuzz [FUZZ_SECONDS=60] [FUZZ=name ...] [FUZZ_JOBS=1]   run each
#                         target (FUZZ_JOBS of them at once)
#   make fuzz-build                              build them only
# make check runs them briefly via tests/integration/90-fuzz-smoke.sh.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1
FUZZ_DIR     := build/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
# -Werror (under clang) only for lib/ and the targets: other modules are
# held to -Werror by their gcc build, and a clang-only warning there must
# not stop the fuzzers.
FUZZ_CFLAGS  := -std=c11 -O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) \
                -fsanitize=fuzzer-no-link -Wall -Wextra \
                -Wno-missing-field-initializers -MMD -MP
FUZZ_WERROR  := lib/% fuzz/%
FUZZ_NAMES   := $(patsubst fuzz/fuzz_%.c,%,$(sort $(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS    := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(if $(FUZZ),$(FUZZ),$(FUZZ_NAMES)))
# Objects of target NAME: lib/ plus the module libraries its source names
# on a line "fuzz-modules: MOD..." (e.g. "/* fuzz-modules: trace */"), so
# the smoke test compiles only what the targets use.  Deferred: modules
# included after this file add to LIB_SRCS and NAME_LIBSRCS.
fuzz_mods    = $(shell sed -n 's/.*fuzz-modules:\([a-zA-Z0-9_ -]*\).*/\1/p' fuzz/fuzz_$(1).c)
fuzz_objs    = $(patsubst %.c,$(FUZZ_DIR)/obj/%.o,$(LIB_SRCS) \
               $(foreach m,$(call fuzz_mods,$(1)),$($(m)_LIBSRCS)))
FUZZ_LDLIBS  = $(sort $(foreach p,$(PROGS),$($(p)_LDLIBS))) $(EXTRA_LDLIBS)

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	@scripts/run-fuzz --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) --work $(FUZZ_DIR)/corpus \
		--summary $(FUZZ_DIR)/summary.txt $(FUZZ_BINS)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) $(if $(filter $(FUZZ_WERROR),$<),-Werror) -c -o $@ $<

# keep the objects: a rebuild recompiles only what changed
.PRECIOUS: $(FUZZ_DIR)/obj/%.o

.SECONDEXPANSION:
$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/fuzz/fuzz_%.o $$(call fuzz_objs,$$*)
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(FUZZ_LDLIBS)
