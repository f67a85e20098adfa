# Guest programs: each guest-tests/NAME.c becomes $(BUILD)/guest-tests/NAME.elf, a
# freestanding x86-64 ELF with a multiboot (v1) header, linked at 1 MiB with the
# library in guest-tests/lib/ (and lib/fmt.c and lib/number.c, the hypervisor's pure
# formatter and number parser).
# hello is also built with a multiboot2 header, as hello-mb2.elf. The files of
# guest-tests/fuzz/ make one program, $(BUILD)/guest-tests/fuzz.elf.
#
# Included by the top-level Makefile above its `all` rule, which stays the default goal.
.DEFAULT_GOAL := all

GUEST_BUILD   := $(BUILD)/guest-tests
GUEST_CFLAGS  := -std=gnu11 -O2 -g -Wall -Wextra -Werror -I. \
	-ffreestanding -nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-fno-pic -fno-pie -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns \
	-mno-red-zone -mgeneral-regs-only -MMD -MP
GUEST_ASFLAGS := -I. -D__ASSEMBLY__ -MMD -MP
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,guest-tests/lib/guest.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -Wl,-z,noexecstack

GUEST_HV_LIB_OBJS := $(GUEST_BUILD)/hvlib/fmt.o $(GUEST_BUILD)/hvlib/number.o
GUEST_LIB_OBJS := $(patsubst guest-tests/lib/%.c,$(GUEST_BUILD)/lib/%.o,$(wildcard guest-tests/lib/*.c)) \
	$(GUEST_BUILD)/lib/trap_entry.o $(GUEST_BUILD)/lib/ap_boot.o $(GUEST_HV_LIB_OBJS)
GUEST_ENTRY     := $(GUEST_BUILD)/lib/entry.o
GUEST_ENTRY_MB2 := $(GUEST_BUILD)/lib/entry-mb2.o
GUEST_PROG_OBJS := $(patsubst guest-tests/%.c,$(GUEST_BUILD)/%.o,$(wildcard guest-tests/*.c))
GUEST_FUZZ_OBJS := $(patsubst guest-tests/%.c,$(GUEST_BUILD)/%.o,$(wildcard guest-tests/fuzz/*.c))
GUEST_ELFS      := $(GUEST_PROG_OBJS:.o=.elf) $(GUEST_BUILD)/hello-mb2.elf $(GUEST_BUILD)/fuzz.elf \
		   $(GUEST_BUILD)/taskswitch.elf

# The 32-bit programs of guest-tests/ia32/: protected mode throughout, their own entry.
IA32_CFLAGS := -m32 -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-pic -fno-pie \
	-fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-mgeneral-regs-only -MMD -MP
IA32_LDFLAGS := -m32 -nostdlib -static -no-pie -Wl,-T,guest-tests/ia32/ia32.ld \
	-Wl,-z,max-page-size=0x1000 -Wl,--build-id=none -Wl,-z,noexecstack
IA32_OBJS := $(GUEST_BUILD)/ia32/entry.o $(GUEST_BUILD)/ia32/taskswitch.o

.PHONY: guests
.SECONDARY: $(GUEST_PROG_OBJS) $(GUEST_FUZZ_OBJS) $(GUEST_ENTRY) $(IA32_OBJS)
guests: $(GUEST_ELFS)

$(GUEST_BUILD)/ia32/%.o: guest-tests/ia32/%.c
	$(say) "  GCC32   $<"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(IA32_CFLAGS) -c -o $@ $<

$(GUEST_BUILD)/ia32/%.o: guest-tests/ia32/%.S
	$(say) "  AS32    $<"
	@mkdir -p $(dir $@)
	$(Q)$(CC) -m32 -D__ASSEMBLY__ -MMD -MP -c -o $@ $<

$(GUEST_BUILD)/%.o: guest-tests/%.c
	$(say) "  GCC     $<"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_HV_LIB_OBJS): $(GUEST_BUILD)/hvlib/%.o: lib/%.c
	$(say) "  GCC     $< (guest)"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_CFLAGS) -c -o $@ $<

$(GUEST_BUILD)/%.o: guest-tests/%.S
	$(say) "  AS      $<"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_ASFLAGS) -c -o $@ $<

$(GUEST_ENTRY_MB2): guest-tests/lib/entry.S
	$(say) "  AS      $< (multiboot2)"
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(GUEST_ASFLAGS) -DMULTIBOOT2 -c -o $@ $<

# $(1): the image, $(2): the grub-file check its header must pass
define guest_link
	$(say) "  LD      $(1)"
	$(Q)$(CC) $(GUEST_LDFLAGS) -o $(1) $(filter %.o,$^)
	$(Q)if command -v grub-file >/dev/null; then \
		grub-file $(2) $(1) || { echo "$(1): not a $(2:--is-x86-%=%) image"; rm -f $(1); exit 1; }; fi
endef

$(GUEST_BUILD)/%.elf: $(GUEST_BUILD)/%.o $(GUEST_ENTRY) $(GUEST_LIB_OBJS) guest-tests/lib/guest.ld
	$(call guest_link,$@,--is-x86-multiboot)

$(GUEST_BUILD)/hello-mb2.elf: $(GUEST_BUILD)/hello.o $(GUEST_ENTRY_MB2) $(GUEST_LIB_OBJS) guest-tests/lib/guest.ld
	$(call guest_link,$@,--is-x86-multiboot2)

$(GUEST_BUILD)/fuzz.elf: $(GUEST_FUZZ_OBJS) $(GUEST_ENTRY) $(GUEST_LIB_OBJS) guest-tests/lib/guest.ld
	$(call guest_link,$@,--is-x86-multiboot)

$(GUEST_BUILD)/taskswitch.elf: $(IA32_OBJS) guest-tests/ia32/ia32.ld
	$(say) "  LD      $@"
	$(Q)$(CC) $(IA32_LDFLAGS) -o $@ $(filter %.o,$^)
	$(Q)if command -v grub-file >/dev/null; then \
		grub-file --is-x86-multiboot $@ || { echo "$@: not a multiboot image"; rm -f $@; exit 1; }; fi

-include $(IA32_OBJS:.o=.d) $(GUEST_PROG_OBJS:.o=.d) $(GUEST_FUZZ_OBJS:.o=.d) $(GUEST_LIB_OBJS:.o=.d) $(GUEST_ENTRY:.o=.d) $(GUEST_ENTRY_MB2:.o=.d)
