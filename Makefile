# Mango - an x86-64 teaching kernel.
#
#   make qemu        build and boot with the console on this terminal (Ctrl-A X quits)
#   make test        run the test suite
#   make help        everything else
#
# Variables (on the command line: make qemu MEM=256M):
#   V=1              show the commands
#   CC=gcc|clang     compiler (default gcc)
#   ACCEL=tcg|kvm    QEMU accelerator (default tcg)
#   MEM=128M         guest RAM (at least 4M)
#   CMDLINE="..."    kernel parameters for this boot (fw_cfg, no ISO rebuild)
#   GDBPORT=n        gdb stub port (default derived from your uid)
#   DEBUG=1          compile DEBUG_ASSERT()s in

.DEFAULT_GOAL := all
SHELL := /bin/bash

BUILD := build
TOP := $(CURDIR)

# ---------------------------------------------------------------------------
# Checking the variables a user may set: a bad value stops with a message
# naming the valid ones, before anything is built.

ifeq ($(origin CC),default)
CC := gcc
endif
V ?= 0
ACCEL ?= tcg
MEM ?= 128M
CMDLINE ?=
DEBUG ?= 0

ifeq ($(filter $(V),0 1),)
$(error V=$(V) is not valid; use V=0 (quiet) or V=1 (show commands))
endif
ifeq ($(filter $(ACCEL),tcg kvm),)
$(error ACCEL=$(ACCEL) is not valid; use ACCEL=tcg (default) or ACCEL=kvm)
endif
ifeq ($(shell [[ "$(MEM)" =~ ^[0-9]+[MG]$$ ]] && echo ok),)
$(error MEM=$(MEM) is not valid; use a size such as MEM=128M or MEM=1G)
endif
# Below this GRUB runs out of memory loading the kernel, and says so only
# on the screen that -display none hides: the boot would hang silently.
MEM_MIN_MIB := 4
ifeq ($(shell m='$(MEM)'; n=$${m%?}; [ "$${m#$$n}" = G ] && n=$$((n * 1024)); \
	[ $$n -ge $(MEM_MIN_MIB) ] && echo ok),)
$(error MEM=$(MEM) is too small; Mango needs at least MEM=$(MEM_MIN_MIB)M)
endif
ifeq ($(filter $(DEBUG),0 1),)
$(error DEBUG=$(DEBUG) is not valid; use DEBUG=0 or DEBUG=1)
endif
CC_VERSION := $(shell $(CC) --version 2>/dev/null | head -n 1)
ifneq ($(findstring clang,$(CC_VERSION)),)
CC_FAMILY := clang
else ifneq ($(findstring gcc,$(CC_VERSION))$(findstring GCC,$(CC_VERSION)),)
CC_FAMILY := gcc
else
$(error CC=$(CC) is not a compiler this Makefile knows; use CC=gcc or CC=clang)
endif

ifeq ($(V),1)
Q :=
say = @true
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
Q := @
say = @true
else
Q := @
say = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

# ---------------------------------------------------------------------------
# Compiling the kernel

ARCH := x86_64
ARCHDIR := kernel/arch/$(ARCH)

# Code generation: every kernel object gets all of these.
CODEGEN := -ffreestanding -mno-red-zone -mcmodel=kernel -mno-sse -mno-sse2 \
	-mno-mmx -mno-avx -fno-pic -fno-pie -fno-omit-frame-pointer \
	-fno-stack-protector -fno-asynchronous-unwind-tables -fno-common \
	-fno-strict-aliasing
WARN := -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes \
	-Wshadow -Wno-unused-parameter
ifeq ($(CC_FAMILY),clang)
CC_INCLUDE := $(shell $(CC) -print-resource-dir)/include
CODEGEN += --target=x86_64-unknown-none-elf -mno-80387
else
CC_INCLUDE := $(shell $(CC) -print-file-name=include)
CODEGEN += -mgeneral-regs-only
endif
# Layering: vm/ may use kernel/, kernel/ never sees vm/'s headers (it
# reaches vm/ only through initcalls and kmalloc's page provider), so a
# vm/ include in kernel/ does not build (grading/tests/test_layering.py).
INCLUDES := -nostdinc -isystem $(CC_INCLUDE) -Ikernel/include -I$(ARCHDIR)/include
VM_INCLUDES := -Ivm/include
CPPFLAGS := $(INCLUDES) -D__mango__ $(if $(filter 1,$(DEBUG)),-DMANGO_DEBUG)
$(BUILD)/vm/%.o: CPPFLAGS += $(VM_INCLUDES)
CFLAGS := -std=gnu11 -O2 -g $(CODEGEN) $(WARN)
ASFLAGS := $(CODEGEN) -D__ASSEMBLER__
DEPFLAGS = -MMD -MP -MF $(@:.o=.d)
LD := ld
LDFLAGS := -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 \
	-z noexecstack --no-warn-rwx-segments -T $(ARCHDIR)/kernel.ld

# Sources: every .c and .S under kernel/ and vm/ (tools excluded).
SRCS := $(sort $(shell find kernel vm -name '*.[cS]' -not -path '*/tools/*' \
	-not -path '*/host/*' -not -path 'kernel/user/*' 2>/dev/null))
OBJS := $(patsubst %,$(BUILD)/%.o,$(basename $(SRCS)))

# What students write and debug - vm/ (their files, and the tests and
# commands that call into them) and Lab 0's backtrace.c and ksyms.c - is
# built so that every function a handout names is a real frame: gdb can
# `break` on it and see its arguments, and the kernel's own backtrace
# shows it. -Og keeps variables where the source has them, -fno-inline
# makes static and `inline` functions (buddy_alloc, btree_find, ...)
# out-of-line, -fno-optimize-sibling-calls keeps a tail-calling function
# on the stack. This is the build students run and are graded with; it
# costs a few ns per call in these files only. `make bench-pages` measures
# this build and the -O2 one and says which is which.
# grading/tests/test_gdb.py checks the handouts' functions are symbols.
LAB_SRCS := $(filter vm/%,$(SRCS)) kernel/core/backtrace.c kernel/core/ksyms.c
LAB_CFLAGS := -Og -fno-inline -fno-optimize-sibling-calls
ifeq ($(CC_FAMILY),gcc)
# A stub such as `(void)p;` has no side effects: without this gcc drops
# the calls to it, then the function, and `break buddy_free` finds nothing.
LAB_CFLAGS += -fno-ipa-pure-const
endif
$(patsubst %,$(BUILD)/%.o,$(basename $(LAB_SRCS))): CFLAGS += $(LAB_CFLAGS)

# Rebuild everything when the compiler or its flags change.
FLAGS_STAMP := $(BUILD)/flags.txt
FLAGS_NOW := $(CC) $(CPPFLAGS) $(VM_INCLUDES) $(CFLAGS) $(ASFLAGS) $(LAB_SRCS): $(LAB_CFLAGS)
$(FLAGS_STAMP): FORCE
	@mkdir -p $(@D)
	@echo '$(FLAGS_NOW)' | cmp -s - $@ || echo '$(FLAGS_NOW)' > $@

$(BUILD)/%.o: %.c $(FLAGS_STAMP)
	$(call say,CC,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(BUILD)/%.o: %.S $(FLAGS_STAMP)
	$(call say,AS,$<)
	@mkdir -p $(@D)
	$(Q)$(CC) $(CPPFLAGS) $(ASFLAGS) $(DEPFLAGS) -c $< -o $@

# User programs: grading/user/*.c with the runtime in kernel/user/ (and
# the kernel's printf and string code, built again for ring 3), each a
# static ELF file (build/user/<prog>.elf, stripped; <prog>.full keeps the
# debug information for gdb), packed into the kernel by
# kernel/tools/mkuserimages.py (<mango/user_image.h>).
USER_CFLAGS := -std=gnu11 -O2 -g $(filter-out -mcmodel=kernel,$(CODEGEN)) $(WARN) \
	-nostdinc -isystem $(CC_INCLUDE) -Ikernel/include -Ikernel/user -D__mango_user__
USER_RT := $(patsubst %,$(BUILD)/user/rt/%.o,crt0 ulib format string status)
USER_PROGS := $(sort $(basename $(notdir $(wildcard grading/user/*.c))))
USER_ELFS := $(patsubst %,$(BUILD)/user/%.elf,$(USER_PROGS))
USER_IMAGES := $(BUILD)/user/images.o

$(BUILD)/user/rt/%.o: kernel/user/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$< (user))
	$(Q)$(CC) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/user/rt/%.o: kernel/user/%.S $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) -D__ASSEMBLER__ $(DEPFLAGS) -c $< -o $@
$(BUILD)/user/rt/%.o: kernel/lib/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(Q)$(CC) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/user/%.o: grading/user/%.c $(FLAGS_STAMP)
	@mkdir -p $(@D)
	$(call say,CC,$< (user))
	$(Q)$(CC) $(USER_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BUILD)/user/%.full: $(BUILD)/user/%.o $(USER_RT) kernel/user/user.ld
	$(Q)$(LD) -m elf_x86_64 -nostdlib -static -z max-page-size=0x1000 -z noexecstack \
		-T kernel/user/user.ld -o $@ $< $(USER_RT)
$(BUILD)/user/%.elf: $(BUILD)/user/%.full
	$(Q)objcopy --strip-all $< $@
$(BUILD)/user/images.S: $(USER_ELFS) kernel/tools/mkuserimages.py
	$(call say,IMAGES,$@)
	$(Q)/usr/bin/python3 kernel/tools/mkuserimages.py $@ $(BUILD)/user $(USER_PROGS)
$(USER_IMAGES): $(BUILD)/user/images.S $(USER_ELFS)
	$(Q)$(CC) $(CPPFLAGS) $(ASFLAGS) -c $< -o $@
.SECONDARY: $(USER_RT) $(USER_ELFS:.elf=.o) $(USER_ELFS:.elf=.full)
-include $(USER_RT:.o=.d) $(patsubst %,$(BUILD)/user/%.d,$(USER_PROGS))

# Linking twice embeds the symbol table (kernel/tools/mksyms.py): the
# first link has an empty .ksyms; its `nm` becomes the second link's.
MKSYMS := python3 kernel/tools/mksyms.py
NM := nm -n -S --defined-only

$(BUILD)/ksyms-empty.S: kernel/tools/mksyms.py
	@mkdir -p $(@D)
	$(Q)$(MKSYMS) --empty > $@

$(BUILD)/ksyms-empty.o $(BUILD)/ksyms.o: $(BUILD)/%.o: $(BUILD)/%.S
	$(Q)$(CC) $(CPPFLAGS) $(ASFLAGS) -c $< -o $@

$(BUILD)/kernel.pass1.elf: $(OBJS) $(USER_IMAGES) $(BUILD)/ksyms-empty.o $(ARCHDIR)/kernel.ld
	$(call say,LD,$@ (pass 1))
	$(Q)$(LD) $(LDFLAGS) -o $@ $(OBJS) $(USER_IMAGES) $(BUILD)/ksyms-empty.o

$(BUILD)/ksyms.S: $(BUILD)/kernel.pass1.elf kernel/tools/mksyms.py
	$(call say,SYMS,$@)
	$(Q)$(NM) $< > $(BUILD)/kernel.pass1.nm
	$(Q)$(MKSYMS) < $(BUILD)/kernel.pass1.nm > $@

$(BUILD)/kernel.elf: $(OBJS) $(USER_IMAGES) $(BUILD)/ksyms.o $(ARCHDIR)/kernel.ld
	$(call say,LD,$@)
	$(Q)$(LD) $(LDFLAGS) -o $@ $(OBJS) $(USER_IMAGES) $(BUILD)/ksyms.o
	$(Q)$(NM) $@ > $(BUILD)/kernel.nm
	$(Q)$(MKSYMS) --verify $(BUILD)/kernel.pass1.nm $(BUILD)/kernel.nm
	$(Q)grub-file --is-x86-multiboot2 $@ 2>/dev/null || \
		{ command -v grub-file >/dev/null || exit 0; \
		  echo "error: $@ has no valid multiboot2 header" >&2; rm -f $@; exit 1; }

$(BUILD)/kernel.sym: $(BUILD)/kernel.elf
	$(call say,SYM,$@)
	$(Q)nm -n $< > $@

$(BUILD)/kernel.asm: $(BUILD)/kernel.elf
	$(call say,OBJDUMP,$@)
	$(Q)objdump -d -S --no-show-raw-insn $< > $@

# The boot ISO: GRUB (BIOS) plus the kernel.
ISO := $(BUILD)/mango.iso
$(ISO): $(BUILD)/kernel.elf $(ARCHDIR)/grub.cfg
	$(call say,ISO,$@)
	$(Q)rm -rf $(BUILD)/iso && mkdir -p $(BUILD)/iso/boot/grub
	$(Q)objcopy --strip-debug $(BUILD)/kernel.elf $(BUILD)/iso/boot/kernel.elf
	$(Q)cp $(ARCHDIR)/grub.cfg $(BUILD)/iso/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ $(BUILD)/iso --locales= --fonts= --themes= \
		--install-modules="multiboot2 normal iso9660 biosdisk" \
		>$(BUILD)/grub-mkrescue.log 2>&1 || \
		{ cat $(BUILD)/grub-mkrescue.log; exit 1; }

-include $(OBJS:.o=.d)

# ---------------------------------------------------------------------------
# Running

QEMU := qemu-system-x86_64
GDBPORT ?= $(shell expr `id -u` % 5000 + 25000)
comma := ,
QEMU_LOG := $(BUILD)/qemu.log
# What every boot shares (the grader adds its own serial ports):
QEMUARGS := -machine pc,accel=$(ACCEL) -m $(MEM) -cdrom $(abspath $(ISO)) -boot d \
	-no-reboot -display none -vga none -net none \
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
# Per-boot kernel parameters: fw_cfg file opt/mango/cmdline (a ',' in a
# QEMU option value is written ',,').
ifneq ($(strip $(CMDLINE)),)
QEMU_CMDLINE := -fw_cfg name=opt/mango/cmdline,string="$(subst $(comma),$(comma)$(comma),$(CMDLINE))"
endif
# Console on this terminal, multiplexed with QEMU's monitor (Ctrl-A X
# quits, Ctrl-A C switches; Ctrl-C goes to Mango, not to QEMU); COM2, the
# test channel, into a file.
QEMU_INTERACTIVE := $(QEMUARGS) $(QEMU_CMDLINE) \
	-chardev stdio,id=console,mux=on,signal=off -serial chardev:console \
	-mon chardev=console -serial file:$(BUILD)/com2.log
RUN_QEMU := kernel/tools/run-qemu.sh $(QEMU_LOG) $(QEMU)

.PHONY: all qemu qemu-gdb gdb print-gdbport print-gdbinit print-qemu-args deps test grade \
	print-host-cc clean compdb help transcripts bench bench-boot bench-pages bench-btree bench-map bench-fault test-host fuzz-btree fuzz-syscalls labs check-labs handin FORCE

all: $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/kernel.asm $(ISO) .gdbinit

deps:
	@kernel/tools/deps.sh

qemu: deps all
	@echo "*** Booting Mango ($(ACCEL), $(MEM)). Ctrl-A X quits QEMU."
	$(Q)$(RUN_QEMU) $(QEMU_INTERACTIVE)

qemu-gdb: deps all
	@echo "*** Mango is halted waiting for gdb on port $(GDBPORT)."
	@echo "*** In another terminal, in this directory, run: make gdb"
	$(Q)$(RUN_QEMU) $(QEMU_INTERACTIVE) -S -gdb tcp::$(GDBPORT)

GDBINIT_GEN = sed -e 's|@PORT@|$(GDBPORT)|g' -e 's|@TOP@|$(TOP)|g' \
	-e 's|@BUILD@|$(BUILD)|g' kernel/tools/gdbinit.in
.gdbinit: kernel/tools/gdbinit.in FORCE
	@$(GDBINIT_GEN) > $@.$$$$.tmp; \
	cmp -s $@.$$$$.tmp $@ && rm -f $@.$$$$.tmp || mv -f $@.$$$$.tmp $@

# The .gdbinit for GDBPORT on stdout (for scripts and the tests).
print-gdbinit:
	@$(GDBINIT_GEN)

gdb: .gdbinit
	gdb -q -nx -x .gdbinit

print-gdbport:
	@echo $(GDBPORT)

# For the grader: the QEMU arguments every boot shares, one per line.
print-qemu-args:
	@printf '%s\n' $(QEMUARGS)

# ---------------------------------------------------------------------------
# Tests

PYTEST := /usr/bin/python3 -m pytest -c grading/pytest.ini
PYTEST_ARGS ?=
# Parallel grading with pytest-xdist (kernel/tools/deps.sh installs it);
# XDIST= runs serially, with the same results.
XDIST := -n 2 --dist loadgroup
LAB ?=
TEST ?=
GRADING_EXTRA ?=
export GRADING_EXTRA

# make test: the host tests (grading/tests/test_host.py), the foundation
# tests and, on main, the harness's self-tests; then a grade of every
# finished lab, which must score full marks; then (on main) the last two lab
# branches generated and checked and the last two labs' mutants graded
# (make mutants runs them all). On the student branch labN (N in
# grading/branch.toml) lab N is the student's: its tests are skipped with a
# message and only labs before N are graded. Each part is timed.
BRANCH_LAB := $(shell sed -n 's/^lab = \([0-9][0-9]*\)$$/\1/p' grading/branch.toml 2>/dev/null)
LAST_LAB = $(shell /usr/bin/python3 -c "import tomllib; l = tomllib.load(open('labs/labs.toml', 'rb'))['lab']; print(*[x['id'] for x in l][-1:])" 2>/dev/null)
test: deps all
	@t0=$$(date +%s); \
	$(PYTEST) grading/tests $(wildcard grading/selftests) $(XDIST) $(PYTEST_ARGS) || exit 1; \
	t1=$$(date +%s); \
	if [ -z "$(BRANCH_LAB)" ]; then \
		$(MAKE) --no-print-directory grade || exit 1; \
	else \
		for lab in $$(seq 0 $$(($(BRANCH_LAB) - 1))); do \
			$(MAKE) --no-print-directory grade LAB=$$lab || exit 1; \
		done; \
	fi; \
	t2=$$(date +%s); \
	if [ -f labs/check.py ]; then \
		$(MAKE) --no-print-directory check-labs LABS="$(LAST_LAB)" || exit 1; \
	fi; \
	t3=$$(date +%s); \
	if [ -f labs/mutants.py ]; then \
		$(MAKE) --no-print-directory mutants LAB="$(LAST_LAB)" MUTANT= FIRST_KILL=1 || exit 1; \
	fi; \
	t4=$$(date +%s); \
	echo "make test: tests $$((t1 - t0)) s, grade $$((t2 - t1)) s, check-labs $$((t3 - t2)) s, mutants $$((t4 - t3)) s"; \
	$(if $(BRANCH_LAB),echo "make test: passed. Lab $(BRANCH_LAB) is yours to write: run \`make grade LAB=$(BRANCH_LAB)\` (its tests were skipped)")

# make transcripts: run the sessions quoted in docs/ and labs/ (blocks marked
# <!-- transcript: NAME -->) against this build and rewrite the blocks;
# grading/tests/test_transcripts.py fails when one is stale.
transcripts: deps all
	$(Q)/usr/bin/python3 kernel/tools/transcripts.py update

# make grade [LAB=n] [TEST=pattern] [GRADING_EXTRA=dir]: score table,
# build/grade/results.json (Gradescope) and build/grade/junit.xml. Not on
# `all`: the grader builds, and a build that fails is NO BUILD on every test.
# SUBMISSION=dir (instructors): grade a student's submission instead of this
# tree, with the pristine overlay (make grade-class with one submission,
# into build/submission/).
SUBMISSION ?=
grade: deps
	@mkdir -p $(BUILD)/grade
ifneq ($(SUBMISSION),)
	@test -f labs/grade_class.py || { echo "make grade SUBMISSION=: instructors run it on main" >&2; exit 1; }
	@test -n "$(LAB)" || { echo "make grade SUBMISSION=...: say which lab: LAB=n" >&2; exit 2; }
	$(Q)/usr/bin/python3 labs/grade_class.py --one '$(SUBMISSION)' --lab $(LAB) --out $(BUILD)/submission
else
	$(Q)$(PYTEST) grading/labs $(GRADING_EXTRA) --grade -q -p no:cacheprovider \
		$(if $(LAB),--lab=$(LAB)) $(if $(TEST),--grade-test='$(TEST)') \
		--junitxml=$(BUILD)/grade/junit.xml $(XDIST) $(PYTEST_ARGS)
endif

# make grade-class SUBMISSIONS=dir LAB=n [JOBS=j] [GRADING_EXTRA=dir]: grade
# every submission in dir (archives, bundles, clones, folders), JOBS at a
# time (default: the cores), into build/class/ (gradebook.csv, summary.txt,
# one folder per submission). docs/instructors.md, "Grading a class".
.PHONY: grade-class
SUBMISSIONS ?=
JOBS ?=
grade-class: deps all
	@test -f labs/grade_class.py || { echo "make grade-class: instructors run it on main" >&2; exit 1; }
	@test -n "$(SUBMISSIONS)" -a -n "$(LAB)" || \
		{ echo "usage: make grade-class SUBMISSIONS=<folder> LAB=<n> [JOBS=j]" >&2; exit 2; }
	$(Q)/usr/bin/python3 labs/grade_class.py '$(SUBMISSIONS)' --lab $(LAB) $(if $(JOBS),-j $(JOBS))

# make autograder-zip LAB=n [GRADING_EXTRA=dir]: build/autograder-labn.zip,
# Gradescope's autograder (setup.sh, run_autograder; labs/autograder/).
.PHONY: autograder-zip
autograder-zip:
	@test -f labs/autograder/make_zip.py || { echo "make autograder-zip: instructors run it on main" >&2; exit 1; }
	@test -n "$(LAB)" || { echo "usage: make autograder-zip LAB=<n> [GRADING_EXTRA=dir]" >&2; exit 2; }
	$(Q)/usr/bin/python3 labs/autograder/make_zip.py $(LAB) $(BUILD)/autograder-lab$(LAB).zip '$(GRADING_EXTRA)'

# make mutants [LAB=n] [MUTANT=glob] [FIRST_KILL=1]: plausible wrong
# solutions (labs/mutants/lab<n>/*.patch), each graded in a copy of this
# tree; every one must fail a graded test (docs/instructors.md).
# FIRST_KILL=1 stops each grading at its first failing test.
.PHONY: mutants
MUTANT ?=
mutants: deps all
	@test -f labs/mutants.py || { echo "make mutants: the mutants are the instructors' (main only)"; exit 1; }
	$(Q)/usr/bin/python3 labs/mutants.py $(foreach l,$(LAB),--lab $(l)) \
		$(if $(MUTANT),--mutant '$(MUTANT)') $(if $(filter 1,$(FIRST_KILL)),--first-kill)

# ---------------------------------------------------------------------------
# Labs: student branches cut from this tree (docs/instructors.md)

OUT ?= $(BUILD)/labs-repo
LABS ?=
ifneq ($(wildcard labs/generate.py),)
labs:
	$(Q)python3 labs/generate.py check
	$(Q)python3 labs/generate.py build $(OUT)

check-labs: deps labs
	$(Q)/usr/bin/python3 labs/check.py $(OUT) $(LABS)
else
labs check-labs:
	@echo "make $@: this is a student branch; instructors run it on main" >&2; exit 1
endif

handin:
	$(Q)python3 labs/handin.py

# ---------------------------------------------------------------------------
# Benchmarks (figures, not pass/fail; not part of make test)

FLOOR_ISO := $(BUILD)/floor.iso
$(BUILD)/floor/floor.elf: kernel/tools/floor/floor.S kernel/tools/floor/floor.ld
	@mkdir -p $(@D)
	$(Q)$(CC) -m32 -c $< -o $(@D)/floor.o
	$(Q)$(LD) -m elf_i386 -z noexecstack -T kernel/tools/floor/floor.ld -o $@ $(@D)/floor.o

$(FLOOR_ISO): $(BUILD)/floor/floor.elf $(ARCHDIR)/grub.cfg
	$(Q)rm -rf $(BUILD)/floor/iso && mkdir -p $(BUILD)/floor/iso/boot/grub
	$(Q)cp $< $(BUILD)/floor/iso/boot/kernel.elf
	$(Q)cp $(ARCHDIR)/grub.cfg $(BUILD)/floor/iso/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $@ $(BUILD)/floor/iso --locales= --fonts= --themes= \
		--install-modules="multiboot2 normal iso9660 biosdisk" >/dev/null 2>&1

RUNS ?= 5
bench-boot: deps all $(FLOOR_ISO)
	$(Q)/usr/bin/python3 kernel/tools/bench_boot.py $(FLOOR_ISO) $(RUNS)

# Demand faults (Lab 5), measured in the guest: the monitor's faultbench
# (vm/vm_fault_bench.c), TSC calibrated against the PIT. MEM=512M adds the
# 256 MiB row.
bench-fault: deps all
	$(Q)/usr/bin/python3 kernel/tools/bench_monitor.py faultbench

bench: bench-boot $(if $(wildcard vm/host/vm_page_bench.c),bench-pages) \
	$(if $(wildcard vm/host/btree_bench.c),bench-btree) \
	$(if $(wildcard vm/host/vm_region_bench.c),bench-map) \
	$(if $(wildcard vm/vm_fault_bench.c),bench-fault)

# ---------------------------------------------------------------------------
# Host builds of vm/: tests under ASan/UBSan, and benchmarks

HOSTCC ?= gcc
# $(ARCHDIR)/include: for the machine's portable pmap, built on the host too.
HOST_CFLAGS := -std=gnu11 -g -Wall -Wextra -Werror -Wno-unused-parameter -DMANGO_HOST \
	-Ikernel/include -Ivm/include -I$(ARCHDIR)/include
HOST_SAN := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
HOST_TESTS := $(patsubst vm/host/%.c,$(BUILD)/host/%,$(wildcard vm/host/*_host_test.c))
VM_HOST_SRCS := $(wildcard vm/host/host.c vm/host/pmap_host.c vm/vm_page.c vm/btree.c vm/vm_object.c vm/vm_region.c vm/vm_fault.c \
	kernel/host/host.c kernel/core/object.c kernel/lib/status.c kernel/lib/strlcpy.c \
	$(ARCHDIR)/pmap.c)

$(BUILD)/host/%_host_test: vm/host/%_host_test.c $(VM_HOST_SRCS) $(wildcard vm/host/*.h vm/include/mango/*.h kernel/include/mango/*.h $(ARCHDIR)/include/arch/*.h)
	@mkdir -p $(@D)
	$(call say,HOSTCC,$@)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) $(HOST_SAN) $(VM_HOST_SRCS) $< -o $@

# For the tests: the command that builds a host test, one word per line
# (append the test's source and -o).
print-host-cc:
	@printf '%s\n' $(HOSTCC) $(HOST_CFLAGS) $(HOST_SAN) $(VM_HOST_SRCS)

$(BUILD)/host/vm_page_bench: vm/host/vm_page_bench.c $(VM_HOST_SRCS)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 $(VM_HOST_SRCS) $< -o $@

# The same with vm/vm_page.c built as the kernel builds it (LAB_CFLAGS,
# the last -O wins); the floor and the loop stay -O2.
$(BUILD)/host/vm_page_bench-lab: vm/host/vm_page_bench.c $(VM_HOST_SRCS)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 $(LAB_CFLAGS) -c vm/vm_page.c -o $@-vm_page.o
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 $(filter-out vm/vm_page.c,$(VM_HOST_SRCS)) \
		$@-vm_page.o $< -o $@

# Lab 6's system calls from ring 3, longer than make test runs them:
# make fuzz-syscalls CALLS=1000000 (grading/user/vmfuzz.c; a fresh seed each run)
CALLS ?= 200000
fuzz-syscalls: all
	$(Q)test -f grading/labs/test_lab6.py || { echo "fuzz-syscalls: Lab 6 is not on this branch"; exit 1; }
	$(Q)FUZZ_CALLS=$(CALLS) /usr/bin/python3 -m pytest -c grading/pytest.ini -q \
		grading/labs/test_lab6.py::test_syscall_fuzz

# libFuzzer (clang): make fuzz-btree SECONDS=60
SECONDS ?= 60
FUZZ_DIR := $(BUILD)/fuzz
$(FUZZ_DIR)/btree_fuzz: vm/host/btree_fuzz.c vm/btree.c $(wildcard vm/host/*.h vm/include/mango/*.h)
	@mkdir -p $(@D)/btree-corpus
	$(Q)clang $(HOST_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all vm/btree.c $< -o $@

fuzz-btree: $(FUZZ_DIR)/btree_fuzz
	$(Q)cd $(FUZZ_DIR) && ./btree_fuzz -max_total_time=$(SECONDS) -print_final_stats=1 \
		btree-corpus 2>&1 | tail -n 25

test-host: $(HOST_TESTS)
	$(Q)for t in $(HOST_TESTS); do $$t || exit 1; done

bench-pages: $(BUILD)/host/vm_page_bench $(BUILD)/host/vm_page_bench-lab
	@echo "build 1: vm_page.c at -O2 (the figure of the <= 2x floor target)"
	$(Q)$(BUILD)/host/vm_page_bench
	@echo "build 2: vm_page.c with $(LAB_CFLAGS), as the kernel students run builds it"
	$(Q)$(BUILD)/host/vm_page_bench-lab

# Against BSD's sys/tree.h (Debian's libbsd-dev, installed on demand).
$(BUILD)/host/btree_bench: vm/host/btree_bench.c vm/btree.c $(wildcard vm/include/mango/*.h)
	@MANGO_EXTRA_DEPS=libbsd-dev kernel/tools/deps.sh
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 vm/btree.c $< -o $@

bench-btree: $(BUILD)/host/btree_bench
	$(Q)$<

# Mapping (Lab 4): vm_region_map + vm_region_unmap against bare pmap calls.
# Build 2 compiles vm/'s files as the kernel does (LAB_CFLAGS), the pmap
# and the rest -O2, as in the kernel.
MAP_BENCH_LAB := $(filter-out vm/host/%,$(filter vm/%,$(VM_HOST_SRCS)))
$(BUILD)/host/vm_region_bench: vm/host/vm_region_bench.c $(VM_HOST_SRCS)
	@mkdir -p $(@D)
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 $(VM_HOST_SRCS) $< -o $@

$(BUILD)/host/vm_region_bench-lab: vm/host/vm_region_bench.c $(VM_HOST_SRCS)
	@mkdir -p $(@D)/map-lab
	$(Q)for f in $(MAP_BENCH_LAB); do \
		$(HOSTCC) $(HOST_CFLAGS) -O2 $(LAB_CFLAGS) -c $$f -o $(@D)/map-lab/$$(basename $$f .c).o \
			|| exit 1; done
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -O2 $(filter-out $(MAP_BENCH_LAB),$(VM_HOST_SRCS)) \
		$(patsubst vm/%.c,$(@D)/map-lab/%.o,$(MAP_BENCH_LAB)) $< -o $@

bench-map: $(BUILD)/host/vm_region_bench $(BUILD)/host/vm_region_bench-lab
	@echo "build 1: vm/ at -O2"
	$(Q)$(BUILD)/host/vm_region_bench
	@echo "build 2: vm/ with $(LAB_CFLAGS), as the kernel students run builds it"
	$(Q)$(BUILD)/host/vm_region_bench-lab

# ---------------------------------------------------------------------------
# Tooling

compdb: $(FLAGS_STAMP)
	$(Q)python3 kernel/tools/compdb.py "$(TOP)" "$(BUILD)" \
		"$(CC) $(CPPFLAGS) $(VM_INCLUDES) $(CFLAGS)" "$(CC) $(CPPFLAGS) $(ASFLAGS)" \
		$(SRCS) > compile_commands.json
	@echo "wrote compile_commands.json ($(words $(SRCS)) files)"

clean:
	rm -rf $(BUILD) .gdbinit compile_commands.json

help:
	@sed -n '2,/^$$/p' Makefile | sed 's/^# \{0,1\}//'
	@echo "Other targets: deps qemu-gdb gdb print-gdbport compdb transcripts clean"
	@echo "Outputs: $(BUILD)/kernel.elf $(BUILD)/kernel.sym $(BUILD)/kernel.asm $(ISO)"
