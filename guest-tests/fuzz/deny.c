/*
 * What the fuzzer must not do to itself: the operations that would end or
 * wreck the guest legitimately (the architecture or the guest environment
 * says they do), kept in one place, each with the reason. Everything else
 * is fair game.
 */
#include "guest-tests/lib/ap_boot.h"
#include "guest-tests/fuzz/fuzz.h"

/*
 * MSRs a random value is never written to (they are still read, and tried
 * with values chosen to be safe elsewhere). SYSENTER_*, STAR/LSTAR/CSTAR/
 * SFMASK and the FS/GS bases are not here: the fuzzer and its library use
 * neither SYSCALL/SYSENTER nor FS/GS-relative addressing.
 */
static const struct {
	uint32_t first, last;
} msr_deny[] = {
	{ MSR_EFER, MSR_EFER },               /* LME/NXE under the running page tables */
	{ MSR_IA32_APIC_BASE, MSR_IA32_APIC_BASE }, /* a moved xAPIC covers RAM; ops_apic.c flips */
	{ 0x40000001, 0x40000001 },           /* HYPERCALL: ops_pages.c keeps it off the image */
	{ 0x40000003, 0x40000003 },           /* RESET, were it offered */
	{ 0x40000070, 0x40000072 },           /* EOI, ICR, TPR: the APIC's (ops_apic.c); an ICR
						 could send INIT or SIPI to itself */
	{ 0x40000021, 0x40000021 },           /* REFERENCE_TSC: as HYPERCALL */
	{ 0x40000082, 0x40000083 },           /* SIEFP, SIMP: the hypervisor writes that page */
	{ 0x400000b0, 0x400000b7 },           /* the synthetic timers: ops_timer.c keeps epochs */
	{ 0x40000100, 0x40000105 },           /* CRASH_P0-4/CTL: CrashNotify ends the guest */
	{ 0x830, 0x830 },                     /* x2APIC ICR: INIT or SIPI to itself */
	{ MSR_IA32_TSC_DEADLINE, MSR_IA32_TSC_DEADLINE }, /* ops_timer.c arms it */
};

bool deny_msr_write(uint32_t msr)
{
	for (unsigned int i = 0; i < sizeof(msr_deny) / sizeof(msr_deny[0]); i++)
		if (msr >= msr_deny[i].first && msr <= msr_deny[i].last)
			return true;
	return false;
}

/* Ports never written (reads are all allowed): */
static const struct {
	uint16_t first, last;
} port_deny[] = {
	{ 0xf4, 0xf7 },     /* the exit port (DESIGN.md), any size */
	{ 0x64, 0x64 },     /* 8042 command 0xfe: reset */
	{ 0x92, 0x92 },     /* fast A20 and reset (bit 0) of a PC, were it emulated */
	{ 0xcf9, 0xcf9 },   /* PIIX reset control */
	{ 0x600, 0x601 },   /* ACPI sleep control/status: S5 ends the guest */
	{ 0x3f8, 0x3fe },   /* COM1 but its scratch: DLAB, loopback or IER take the console */
};

/* A write of size bytes at port touches [port, port + size): any denied byte refuses it. */
bool deny_port_write(uint16_t port)
{
	for (unsigned int i = 0; i < sizeof(port_deny) / sizeof(port_deny[0]); i++)
		if (port >= port_deny[i].first && port <= port_deny[i].last)
			return true;
	return false;
}

/* xAPIC registers not written with random values: ICR low sends (INIT or SIPI to itself). */
bool deny_xapic_write(uint32_t offset)
{
	return (offset & ~0xfu) == APIC_ICR;
}

/*
 * Vectors no interrupt source is given: the library's SMP call vector (an
 * interrupt there runs whatever call is pending) and 16-31, which the
 * guest's IDT gives to exceptions (an interrupt there looks like one and
 * ends the guest). 0-15 are kept: the APIC refuses them (SDM 11.5.2).
 */
bool deny_ipi_vector(uint8_t vector)
{
	return vector == SMP_CALL_VECTOR || (vector >= 16 && vector < 32);
}

uint8_t deny_fix_vector(uint8_t vector)
{
	if (vector == SMP_CALL_VECTOR)
		return vector + 1;
	if (vector == EVENT_VECTOR)
		return vector - 1;
	return vector >= 16 && vector < 32 ? vector + 32 : vector;
}

/*
 * A SIPI starts the AP in real mode at vector << 12. Only vectors whose page
 * holds code the fuzzer knows are used: the pages 0x1000-0xf000 of the
 * first 64 KiB (free for AP start-up code, DESIGN.md), where the fuzzer puts
 * HLT with interrupts off (the AP parks), and the library's trampoline at
 * 0x8000 among them (the AP starts the fuzzer's AP code again). Any other
 * page would run whatever lies there, with the image at 1 MiB within reach.
 */
#define PARK_FIRST 0x01
#define PARK_LAST  0x0f
static const uint8_t park_code[] = { 0xf4, 0xeb, 0xfd }; /* hlt; jmp .-1 */

uint8_t deny_safe_sipi_vector(void)
{
	return (uint8_t)rng_range(PARK_FIRST, PARK_LAST);
}

void deny_prepare_low_memory(void)
{
	for (unsigned int v = PARK_FIRST; v <= PARK_LAST; v++) {
		volatile uint8_t *page = (volatile uint8_t *)((uintptr_t)v << 12);

		if (v == (AP_TRAMPOLINE >> 12))
			continue;
		for (unsigned int i = 0; i < sizeof(park_code); i++)
			page[i] = park_code[i];
	}
}
