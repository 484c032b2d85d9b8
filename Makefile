# Makefile - 9pkit's one entry point (GNU make).
#
#   make            build lib/ and every program into bin/
#   make check      install what is missing, build with ASan+UBSan, run all tests
#   make check-quick  unit tests and the fast integration tests only
#   make run        the main job (see README.md)
#   make bench | report | fuzz | install PREFIX=... | clean
#   make VARIANT=san integration T="70 fuzz"   only the tests whose names match
#
# Each directory (or subdirectory, e.g. targets/guest/) describes itself in a
# module.mk fragment included below:
#   LIB_SRCS  += sources of libp9kit.a (linked into everything)
#   PROGS     += NAME, with NAME_SRCS (sources) and NAME_LDLIBS
#   MODLIBS   += NAME, with NAME_LIBSRCS: a static library of that module's
#                code, linked by its program and by every unit test
#   EXTRA_LDLIBS += system libraries every program and test may need
# Unit tests are tests/unit/test_*.c (one binary each, Check framework);
# integration tests are tests/integration/*.sh (see scripts/run-tests).

SHELL   := /bin/bash
CC      ?= cc
VARIANT ?= rel
BUILD   := build/$(VARIANT)
ifeq ($(VARIANT),san)
BINDIR  := $(BUILD)/bin
OPT     := -O1 -g -fno-omit-frame-pointer \
           -fsanitize=address,undefined -fno-sanitize-recover=all
else
BINDIR  := bin
OPT     := -O2 -g
endif
PREFIX  ?= /usr/local

CPPFLAGS += -D_GNU_SOURCE -Ilib -I.
CFLAGS   += -std=c11 $(OPT) -Wall -Wextra -Werror -Wno-missing-field-initializers \
            -MMD -MP
LDFLAGS  += $(if $(filter san,$(VARIANT)),-fsanitize=address$(comma)undefined)
comma := ,
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)

LIB_SRCS :=
PROGS :=
MODLIBS :=
EXTRA_LDLIBS := -lpthread -lm
# `all` is the default goal whatever rules the fragments define.
.DEFAULT_GOAL := all
include $(sort $(wildcard */module.mk */*/module.mk))

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
LIBP9 := $(BUILD)/libp9kit.a
MODLIB_FILES := $(foreach m,$(MODLIBS),$(BUILD)/lib$(m).a)
PROG_FILES := $(foreach p,$(PROGS),$(BINDIR)/$(p))
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.PHONY: all check check-quick unit integration run bench report fuzz install clean bootstrap list-progs
all: $(PROG_FILES)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $($(firstword $(subst /, ,$<))_CFLAGS) -c -o $@ $<

$(LIBP9): $(call obj,$(LIB_SRCS))
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

define modlib_rule
$(BUILD)/lib$(1).a: $(call obj,$($(1)_LIBSRCS))
	@mkdir -p $$(dir $$@)
	rm -f $$@ && ar rcs $$@ $$^
endef
$(foreach m,$(MODLIBS),$(eval $(call modlib_rule,$(m))))

define prog_rule
$(BINDIR)/$(1): $(call obj,$($(1)_SRCS)) $(MODLIB_FILES) $(LIBP9)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(LDFLAGS) -o $$@ $(call obj,$($(1)_SRCS)) $(MODLIB_FILES) $(LIBP9) $($(1)_LDLIBS) $$(EXTRA_LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

$(BUILD)/obj/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(CHECK_CFLAGS) -c -o $@ $<

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(MODLIB_FILES) $(LIBP9)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $< $(MODLIB_FILES) $(LIBP9) $(CHECK_LIBS) $(EXTRA_LDLIBS)

unit: $(UNIT_BINS) $(PROG_FILES)
	@scripts/run-unit $(UNIT_BINS)

integration: $(PROG_FILES)
	@P9BIN=$(abspath $(BINDIR)) scripts/run-tests $(if $(QUICK),--quick) $(T)

# The README's test command: set up, build both variants, run everything.
check: bootstrap
	$(MAKE) all
	$(MAKE) VARIANT=san unit
	$(MAKE) VARIANT=san integration

check-quick:
	$(MAKE) all
	$(MAKE) VARIANT=san unit
	$(MAKE) VARIANT=san integration QUICK=1

# The main job: build, run the whole catalogue against the built-in synthfs
# (all three dialects) and keep the results in build/run/.
run: bootstrap
	$(MAKE) all
	@mkdir -p build/run
	@$(BINDIR)/9psuite --junit build/run/results.xml --json build/run/results.json \
		>build/run/results.tap; st=$$?; \
	grep -v '^ok' build/run/results.tap | grep -v '^TAP\|^1\.\.' || true; \
	echo "results: build/run/results.xml (JUnit), build/run/results.json (JSON)," \
	     "build/run/results.tap (TAP)"; exit $$st

bootstrap:
	@scripts/bootstrap

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	$(if $(PROG_FILES),install -m 755 $(PROG_FILES) $(DESTDIR)$(PREFIX)/bin/)
	$(if $(wildcard docs/man/*.1),install -m 644 $(wildcard docs/man/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/)

# The programs this checkout builds (tests/integration/00-build-install.sh).
list-progs:
	@echo $(PROGS)

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)

# The standard benchmark set and its report (scripts/bench-standard,
# docs/bench.md); `make report` redraws reports/out/ from its JSON files.
bench: all
	@scripts/bench-standard
report: all
	bin/9pbench report --gp reports -o reports/out $(addprefix --suite ,$(wildcard reports/out/suite-*.json)) \
	  $(filter-out reports/out/suite-%,$(wildcard reports/out/*.json))
