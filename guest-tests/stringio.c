/*
 * String port I/O (INS/OUTS, with and without REP, both directions of
 * RFLAGS.DF): a line written to COM1 with REP OUTSB, the fw_cfg signature
 * read with REP INSB, and the registers left as the SDM says.
 */
#include "guest-tests/lib/guest.h"

#define COM1 0x3f8
#define FW_CFG_SEL 0x510
#define FW_CFG_DATA 0x511

static void rep_outsb(uint16_t port, const void *src, uint64_t count, const void **src_after,
		      uint64_t *count_after)
{
	asm volatile("rep outsb" : "+S"(src), "+c"(count) : "d"(port) : "memory");
	*src_after = src;
	*count_after = count;
}

static void rep_insb(uint16_t port, void *dst, uint64_t count, void **dst_after)
{
	asm volatile("rep insb" : "+D"(dst), "+c"(count) : "d"(port) : "memory");
	*dst_after = dst;
}

static void check_rep_outsb(void)
{
	static const char line[] = "stringio: written with rep outsb\n";
	const void *src_after;
	uint64_t count_after;

	rep_outsb(COM1, line, sizeof(line) - 1, &src_after, &count_after);
	check("rep-outsb-registers", src_after == line + sizeof(line) - 1 && count_after == 0,
	      "RSI advanced by %ld, RCX left %lu", (const char *)src_after - line, count_after);
}

static void check_rep_insb(void)
{
	char sig[5] = { 0 };
	void *dst_after;

	outw(FW_CFG_SEL, 0);
	rep_insb(FW_CFG_DATA, sig, 4, &dst_after);
	check("rep-insb-data", sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U',
	      "read '%s'", sig);
	check("rep-insb-registers", dst_after == sig + 4, "RDI advanced by %ld",
	      (char *)dst_after - sig);
}

/* With DF set, OUTSB walks backwards: the bytes come out reversed. */
static void check_outsb_backwards(void)
{
	static const char reversed[] = "\nsdrawkcab sbstuo :oignirts";
	const void *src = reversed + sizeof(reversed) - 2;
	uint64_t count = sizeof(reversed) - 1;

	asm volatile("std; rep outsb; cld" : "+S"(src), "+c"(count) : "d"(COM1) : "memory");
	/* RSI ends one byte below the string */
	check("outsb-backwards", (uintptr_t)src + 1 == (uintptr_t)reversed && count == 0,
	      "RSI ended at %p, the string starts at %p", src, (const void *)reversed);
}

void test_main(const char *cmdline)
{
	(void)cmdline;
	check_rep_outsb();
	check_rep_insb();
	check_outsb_backwards();
}
