# The micro-hypervisor: `make` builds build/hv.elf; `make test` runs everything.
BUILD      := build
V          ?= 0
ifeq ($(V),1)
Q          :=
say        := @true
else
Q          := @
say        := @echo
endif
CC         ?= gcc
HOSTCC     ?= gcc
PYTHON     := /usr/bin/python3

HV_DIRS    := lib console loader mm host smp apic core cpumodel devices synic vmx svm shell gdb boot
HV_SRCS    := $(foreach d,$(HV_DIRS),$(wildcard $(d)/*.c) $(wildcard $(d)/*.S))
HV_OBJS    := $(patsubst %,$(BUILD)/%.o,$(basename $(HV_SRCS)))

HV_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. \
	-ffreestanding -fno-builtin -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-fno-pic -fno-pie -fno-stack-protector -fno-strict-aliasing \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-tree-loop-distribute-patterns \
	-mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx -mno-80387 \
	-mcmodel=small -MMD -MP
HV_ASFLAGS := -I. -D__ASSEMBLY__ -MMD -MP
HV_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,linker.ld -Wl,-z,max-page-size=0x1000 \
	-Wl,--build-id=none -Wl,-z,noexecstack

# Host unit tests: the pure logic, built with sanitizers against cmocka.
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
UNIT_SRCS_test_mb2     := loader/mb2.c
UNIT_SRCS_test_cmdline := boot/cmdline.c lib/number.c
UNIT_SRCS_test_memmap  := mm/memmap.c
UNIT_SRCS_test_fmt     := lib/fmt.c
UNIT_SRCS_test_guest_image  := loader/guest_image.c loader/guest_elf.c loader/guest_multiboot.c loader/guest_bzimage.c lib/fmt.c
UNIT_SRCS_test_guest_mbi    := loader/guest_mbi.c loader/mb2.c
UNIT_SRCS_test_guest_config := loader/guest_config.c lib/fmt.c lib/number.c
UNIT_SRCS_test_vmx_controls := vmx/controls.c
UNIT_SRCS_test_ept_entry    := vmx/ept_entry.c
UNIT_SRCS_test_posted_intr  := vmx/posted_intr.c
UNIT_SRCS_test_avic_table   := svm/avic_table.c
UNIT_SRCS_test_avic_model   := tests/avic/avic_model.c svm/avic_table.c svm/svm_exit.c synic/synic.c apic/vlapic.c apic/vlapic_irq.c apic/vlapic_ipi.c apic/vlapic_timer.c
UNIT_SRCS_test_svm_nmi      := svm/svm_nmi.c
UNIT_SRCS_test_vlapic       := apic/vlapic.c apic/vlapic_irq.c apic/vlapic_ipi.c apic/vlapic_timer.c
UNIT_SRCS_test_mmio_decode  := devices/mmio_decode.c
UNIT_SRCS_test_guest_bzimage := loader/guest_bzimage.c loader/guest_image.c loader/guest_elf.c loader/guest_multiboot.c lib/fmt.c
UNIT_SRCS_test_hypercall_abi  := synic/hypercall_abi.c
UNIT_SRCS_test_synic        := synic/synic.c
UNIT_SRCS_test_stimer       := synic/stimer.c
UNIT_SRCS_test_ref_clock    := synic/ref_clock.c
UNIT_SRCS_test_guest_acpi   := devices/guest_acpi.c
UNIT_SRCS_test_vioapic      := apic/vioapic.c apic/vlapic.c apic/vlapic_irq.c apic/vlapic_ipi.c apic/vlapic_timer.c
UNIT_SRCS_test_vmbus        := synic/vmbus.c
UNIT_SRCS_test_rtc_time    := lib/rtc_time.c
UNIT_SRCS_test_shell_parse  := shell/shell_parse.c lib/number.c
UNIT_SRCS_test_xcr0         := cpumodel/xcr0.c
UNIT_SRCS_test_memtype      := cpumodel/memtype.c
UNIT_SRCS_test_cr_rules     := cpumodel/cr_rules.c lib/cr_write.c
UNIT_SRCS_test_rsp          := gdb/rsp.c lib/number.c
UNIT_SRCS_test_guest_mem    := core/guest_mem.c
UNIT_SRCS_test_cpu_model    := cpumodel/cpu_model.c cpumodel/cpu_model_table.c cpumodel/cpu_model_hidden.c lib/fmt.c

include guest-tests/guest.mk

.PHONY: all deps unit systest test run run-synic-demo bench linux linux-symbols gdb clean check-layers compile_commands.json
all: $(BUILD)/hv.elf guests

$(BUILD)/hv.elf: $(HV_OBJS) linker.ld
	$(say) "  LD      $@"
	$(Q)$(CC) $(HV_LDFLAGS) -o $@ $(HV_OBJS)
	$(Q)if command -v grub-file >/dev/null; then \
		grub-file --is-x86-multiboot2 $@ || { echo "$@: not a multiboot2 image"; rm -f $@; exit 1; }; fi

$(BUILD)/%.o: %.c
	$(say) "  CC      $<"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HV_CFLAGS) -c -o $@ $<

$(BUILD)/%.o: %.S
	$(say) "  AS      $<"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(HV_ASFLAGS) -c -o $@ $<

.SECONDEXPANSION:
$(BUILD)/unit/%: tests/unit/%.c $$(UNIT_SRCS_$$*)
	$(say) "  HOSTCC  $@"
	@mkdir -p $(dir $@)
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $(UNIT_SRCS_$*) -lcmocka

deps:
	$(Q)tools/deps

unit: $(UNIT_TESTS)
	$(Q)status=0; for t in $(UNIT_TESTS); do echo "  UNIT    $$t"; $$t || status=1; done; exit $$status

systest: all
	$(Q)$(PYTHON) -m pytest -q --durations=12 tests/system

check-layers:
	$(Q)$(PYTHON) tools/check-layers

test: deps
	$(Q)$(MAKE) --no-print-directory check-layers
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory linux
	$(Q)$(MAKE) --no-print-directory unit
	$(Q)$(MAKE) --no-print-directory fuzz-host FUZZ_TIME=5
	$(Q)$(MAKE) --no-print-directory systest

# The Linux guest: Debian's kernel and a busybox initramfs (downloaded once into build/linux/).
linux:
	$(Q)tools/linux-kernel

# The Linux guest's vmlinux and System.map for gdb (Debian's -dbg package, ~280 MB, once).
linux-symbols:
	$(Q)tools/linux-symbols

# What each operation costs, in exits and instructions, per backend and interrupt policy.
bench: all
	$(Q)tools/deps gnuplot-nox
	$(Q)$(PYTHON) tools/bench

# The hypervisor itself under gdb: QEMU's gdbstub, stopped at hv_main with build/hv.elf's
# symbols (GDB_PORT; the console and the guest as make run's hello guest).
GDB_PORT ?= 1234
gdb: deps all
	$(Q)tools/run --arch svm --qemu-gdb $(GDB_PORT) --timeout 86400 \
		'$(BUILD)/guest-tests/hello.elf' > $(BUILD)/gdb-console.log 2>&1 & \
	until ss -ltn | grep -q '127.0.0.1:$(GDB_PORT) '; do sleep 0.2; done; \
	gdb -q $(BUILD)/hv.elf -ex 'target remote 127.0.0.1:$(GDB_PORT)' -ex 'hbreak hv_main' \
		-ex 'continue'; kill $$! 2>/dev/null; true

# A Debian Linux guest with 2 vCPUs, its shell on this terminal (Ctrl-] ends the emulator,
# Ctrl-A three times switches to the hypervisor's debug shell). ARCH=vmx runs it under Bochs.
ARCH       ?= svm
LINUX_ARGS := console=ttyS0 nokaslr no5lvl reboot=a panic=-1
run: deps all linux
	$(Q)tools/run --interactive --arch $(ARCH) --smp 2 --hv-args console-input=linux \
		'$(BUILD)/linux/vmlinuz name=linux mem=256M cpus=2 -- $(LINUX_ARGS)' \
		'$(BUILD)/linux/initrd.img for=linux'

# The SynIC demo: two partitions talking through the hypervisor (guest-tests/pingpong.c).
DEMO_PING := name=ping msg=0x10:vp=0:sint=2:from=pong event=0x11:vp=0:sint=3:flag=1:from=pong \
	msg=0x12:vp=0:sint=2 -- ping rounds=5 delay-ms=300 heartbeat-ms=250
DEMO_PONG := name=pong msg=0x20:vp=0:sint=2:from=ping event=0x21:vp=0:sint=3:flag=1 \
	-- pong heartbeat-ms=250

run-synic-demo: all
	$(Q)tools/run --arch svm --smp 2 '$(BUILD)/guest-tests/pingpong.elf $(DEMO_PING)' \
		'$(BUILD)/guest-tests/pingpong.elf $(DEMO_PONG)'

# For editors (clangd): one entry per hypervisor source, with the real flags.
compile_commands.json:
	$(Q)$(PYTHON) tools/compile-commands $(CC) "$(HV_CFLAGS)" "$(HV_ASFLAGS)" $(HV_SRCS) > $@

clean:
	$(Q)rm -rf $(BUILD) compile_commands.json

-include $(HV_OBJS:.o=.d)

# Host fuzzing with libFuzzer (clang, ASan, UBSan): each tests/fuzz/fuzz_NAME.c with the
# hypervisor sources of its FUZZ_SRCS_ line, as build/fuzz/fuzz_NAME (`make test`: 5 s each).
FUZZ_CC      ?= clang
FUZZ_TIME    ?= 60
# The SynIC's atomics on the message slots (members of a packed structure, naturally
# aligned) are inline with gcc, the hypervisor's compiler; clang warns and calls libatomic.
FUZZ_CFLAGS  := -std=gnu11 -O1 -g -Wall -Wextra -Werror -I. \
	-Wno-address-of-packed-member -Wno-atomic-alignment \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_LDLIBS  := -latomic
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))
FUZZ_SRCS_fuzz_mmio_decode    := devices/mmio_decode.c
FUZZ_SRCS_fuzz_mb2            := loader/mb2.c
FUZZ_SRCS_fuzz_guest_image    := loader/guest_image.c loader/guest_elf.c loader/guest_multiboot.c loader/guest_bzimage.c lib/fmt.c
FUZZ_SRCS_fuzz_guest_mbi      := loader/guest_mbi.c loader/mb2.c
FUZZ_SRCS_fuzz_synic_msr      := synic/synic.c
FUZZ_SRCS_fuzz_hypercall_input := synic/hypercall_abi.c
FUZZ_SRCS_fuzz_vmbus          := synic/vmbus.c
FUZZ_SRCS_fuzz_guest_config   := loader/guest_config.c boot/cmdline.c lib/fmt.c lib/number.c
FUZZ_SRCS_fuzz_shell_parse    := shell/shell_parse.c lib/number.c
FUZZ_SRCS_fuzz_rsp             := gdb/rsp.c lib/number.c
FUZZ_ARGS_fuzz_mmio_decode    := -max_len=32

# The target's sources and the headers beside them (expanded with the target's stem $*).
fuzz_deps     = $(FUZZ_SRCS_$*) $(wildcard $(FUZZ_SRCS_$*:.c=.h))

$(BUILD)/fuzz/%: tests/fuzz/%.c tests/fuzz/fuzz.h $$(fuzz_deps)
	$(say) "  FUZZCC  $@"
	@mkdir -p $(dir $@)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_SRCS_$*) $(FUZZ_LDLIBS)

# One target for FUZZ_TIME seconds on its own copy of the seeds (the repository's stay as
# they are), crashes into build/fuzz/NAME-*; one line: runs, runs per second, corpus.
define fuzz_run
mkdir -p $(BUILD)/fuzz/corpus/$(1) && cp tests/fuzz/corpus/$(1)/* $(BUILD)/fuzz/corpus/$(1)/; \
if $(BUILD)/fuzz/$(1) -max_total_time=$(FUZZ_TIME) -print_final_stats=1 $(FUZZ_ARGS_$(1)) \
	-artifact_prefix=$(BUILD)/fuzz/$(1)- $(BUILD)/fuzz/corpus/$(1) >$(BUILD)/fuzz/$(1).log 2>&1; \
then result=ok; else result="FAILED, see $(BUILD)/fuzz/$(1).log"; status=1; fi; \
awk -v name=$(1) -v result="$$result" '/^stat::number_of_executed_units:/ { runs = $$2 } \
	/^stat::average_exec_per_sec:/ { rate = $$2 } \
	/ corp: / { for (i = 1; i < NF; i++) if ($$i == "corp:") corp = $$(i + 1) } \
	END { printf "  FUZZ    %-22s %10s runs %7s/s  corpus %-12s %s\n", name, runs, rate, corp, result }' \
	$(BUILD)/fuzz/$(1).log;
endef

# The long campaign: FUZZ_OPS_SVM hostile-guest operations on QEMU SVM (about 300 a second
# here), FUZZ_OPS_VMX on Bochs VMX (skylake, APICv with posted interrupts) and FUZZ_OPS_RYZEN
# on Bochs SVM (ryzen, NRIP save), each about 1000 a second, tools/fuzz-campaign with seeds
# from FUZZ_SEED on, then every libFuzzer target for FUZZ_TIME seconds. `make test` runs a
# bounded one (tests/system/test_fuzz.py, and each libFuzzer target for 5 s).
FUZZ_OPS_SVM   ?= 1000000
FUZZ_OPS_VMX   ?= 1000000
FUZZ_OPS_RYZEN ?= 1000000
FUZZ_SEED      ?= 1
.PHONY: fuzz fuzz-host
fuzz: deps all
	$(Q)tools/fuzz-campaign --arch svm --ops $(FUZZ_OPS_SVM) --ops-per-boot 100000 \
		--seed $(FUZZ_SEED) --timeout 900
	$(Q)tools/fuzz-campaign --arch vmx --cpu-model corei7_skylake_x --ops $(FUZZ_OPS_VMX) \
		--ops-per-boot 100000 --seed $(FUZZ_SEED) --timeout 900
	$(Q)tools/fuzz-campaign --arch svm --emulator bochs --cpu-model ryzen --ops $(FUZZ_OPS_RYZEN) \
		--ops-per-boot 100000 --seed $(FUZZ_SEED) --timeout 900
	$(Q)$(MAKE) --no-print-directory fuzz-host

fuzz-host: $(FUZZ_BINS)
	$(Q)status=0; $(foreach t,$(FUZZ_TARGETS),$(call fuzz_run,$(t))) exit $$status
