/*
 * Port I/O: random ports, sizes and values, string I/O (INS/OUTS with REP,
 * forwards and backwards, 64- and 32-bit addresses), and the devices of the
 * guest environment (DESIGN.md): COM1's scratch register, fw_cfg, the CMOS.
 * What is checked is what devices/guest_io.c documents: a port no device
 * answers reads as all ones (the first port of the access decides), writes
 * to it vanish; fw_cfg gives its signature, RAM size and CPU count.
 */
#include "guest-tests/fuzz/fuzz.h"

#define COM1_SCR     0x3ff
#define FW_CFG_CTL   0x510
#define FW_CFG_DATA  0x511
#define CMOS_INDEX   0x70
#define CMOS_DATA    0x71
#define STRING_MAX   64

static const uint16_t known_ports[] = {
	0x20, 0x21, 0xa0, 0xa1, 0x40, 0x41, 0x42, 0x43, 0x60, 0x61, 0x64, 0x70, 0x71, 0x80,
	0x92, 0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, 0x402, 0x510, 0x511,
	0x600, 0x601, 0x604, 0xcf8, 0xcf9, 0xcfc, 0xb000, 0xf4, 0xffff,
};

static uint8_t io_buf[2 * PAGE] __attribute__((aligned(PAGE)));

/* The ports devices/guest_io.c answers on IN (by the access's first port). */
static bool port_answered(uint16_t port)
{
	return (port >= 0x3f8 && port <= 0x3ff) || port == FW_CFG_DATA || port == CMOS_DATA ||
	       port == 0x64 || port == 0x600 || port == 0x601;
}

static uint32_t port_in(uint16_t port, unsigned int size)
{
	return size == 1 ? inb(port) : size == 2 ? inw(port) : inl(port);
}

static void port_out(uint16_t port, unsigned int size, uint32_t v)
{
	if (size == 1)
		outb(port, (uint8_t)v);
	else if (size == 2)
		outw(port, (uint16_t)v);
	else
		outl(port, v);
}

static bool write_allowed(uint16_t port, unsigned int size)
{
	for (unsigned int i = 0; i < size; i++)
		if (deny_port_write((uint16_t)(port + i)))
			return false;
	return true;
}

static uint16_t pick_port(void)
{
	return rng_percent(40) ? RNG_PICK(known_ports) : (uint16_t)rng_u64();
}

static unsigned int pick_size(void)
{
	static const uint8_t sizes[] = { 1, 2, 4 };

	return RNG_PICK(sizes);
}

static uint32_t all_ones(unsigned int size)
{
	return 0xffffffffu >> (32 - 8 * size);
}

static void plain_op(void)
{
	uint16_t port = pick_port();
	unsigned int size = pick_size();
	uint32_t v;

	if (rng_percent(50) && write_allowed(port, size)) {
		port_out(port, size, (uint32_t)rng_value());
		return;
	}
	v = port_in(port, size);
	if (!port_answered(port) && v != all_ones(size))
		mismatch("in%c from port 0x%x (no device) read 0x%x, expected all ones",
			 "bwl"[size / 2], port, v);
}

/* fw_cfg (docs/specs/fw_cfg.rst): a selector write rewinds; reads past an item give 0. */
static uint64_t fw_cfg_read(uint16_t key, unsigned int bytes)
{
	uint64_t v = 0;

	outw(FW_CFG_CTL, key);
	for (unsigned int i = 0; i < bytes; i++)
		v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

static void fw_cfg_op(void)
{
	uint16_t key = (uint16_t)rng_u64();
	uint64_t sig = fw_cfg_read(0, 4), ram = fw_cfg_read(3, 8), cpus = fw_cfg_read(5, 2);
	uint64_t other = fw_cfg_read(key, 8);

	if (sig != 0x554d4551 || ram != fz.mem_size || cpus != fz.cpus)
		mismatch("fw_cfg: signature 0x%lx, RAM 0x%lx, cpus %lu", sig, ram, cpus);
	if ((key > 5 || key == 2 || key == 4) && other)
		mismatch("fw_cfg: item 0x%x (none) reads 0x%lx", key, other);
	if (rng_percent(30))
		outb(FW_CFG_CTL, (uint8_t)rng_u64()); /* a byte write selects nothing */
}

static void com1_scratch_op(void)
{
	uint8_t v = (uint8_t)rng_u64();

	outb(COM1_SCR, v);
	if (inb(COM1_SCR) != v)
		mismatch("COM1 scratch register reads 0x%x after 0x%x", inb(COM1_SCR), v);
}

static void cmos_op(void)
{
	outb(CMOS_INDEX, (uint8_t)rng_u64());
	if (rng_percent(30))
		outb(CMOS_DATA, (uint8_t)rng_u64());
	else
		inb(CMOS_DATA);
}

/* ---- string I/O (SDM vol. 2, INS/OUTS and REP) ---- */

struct string_io {
	uint16_t port;
	unsigned int size;
	bool out, down, addr32;
	uint64_t count, rdi, rsi, rcx;
};

/* DF as asked for the one instruction, then as it was */
#define STRING_INSN(insn)                                                               \
	asm volatile("pushfq; test %[down], %[down]; jz 1f; std; 1: " insn "; popfq"       \
		     : "+D"(s->rdi), "+S"(s->rsi), "+c"(s->rcx)                                \
		     : "d"(s->port), [down] "r"((uint64_t)s->down)                              \
		     : "memory", "cc")

/* The instruction's form: element size and address size (with 0x67, 32-bit) */
enum { INS_B, INS_W, INS_L, INS_B32, INS_W32, INS_L32 };

static unsigned int form_of(const struct string_io *s)
{
	return (s->size == 1 ? INS_B : s->size == 2 ? INS_W : INS_L) + (s->addr32 ? INS_B32 : 0);
}

static void string_ins(struct string_io *s)
{
	switch (form_of(s)) {
	case INS_B: STRING_INSN("rep insb"); break;
	case INS_W: STRING_INSN("rep insw"); break;
	case INS_L: STRING_INSN("rep insl"); break;
	case INS_B32: STRING_INSN("addr32 rep insb"); break;
	case INS_W32: STRING_INSN("addr32 rep insw"); break;
	default: STRING_INSN("addr32 rep insl"); break;
	}
}

static void string_outs(struct string_io *s)
{
	switch (form_of(s)) {
	case INS_B: STRING_INSN("rep outsb"); break;
	case INS_W: STRING_INSN("rep outsw"); break;
	case INS_L: STRING_INSN("rep outsl"); break;
	case INS_B32: STRING_INSN("addr32 rep outsb"); break;
	case INS_W32: STRING_INSN("addr32 rep outsw"); break;
	default: STRING_INSN("addr32 rep outsl"); break;
	}
}

/* The buffer end the string starts from, so that it stays inside io_buf either way */
static uint64_t string_start(const struct string_io *s)
{
	uint64_t span = s->count * s->size, base = (uint64_t)(uintptr_t)io_buf;

	if (s->down)
		return base + sizeof(io_buf) - s->size - rng_below(sizeof(io_buf) - span);
	return base + rng_below(sizeof(io_buf) - span);
}

static void check_string(const struct string_io *s, uint64_t start)
{
	uint64_t moved = s->count * s->size;
	uint64_t want = s->down ? start - moved : start + moved;
	uint64_t index = s->out ? s->rsi : s->rdi;

	if (s->rcx || index != want)
		mismatch("rep %s%c port 0x%x count %lu%s%s: RCX 0x%lx, index 0x%lx, expected 0x%lx",
			 s->out ? "outs" : "ins", "bwl"[s->size / 2], s->port, s->count,
			 s->down ? " backwards" : "", s->addr32 ? " addr32" : "", s->rcx, index, want);
	if (s->out || port_answered(s->port))
		return;
	for (uint64_t i = 0; i < moved; i++) {
		uint64_t at = s->down ? start + s->size - 1 - i : start + i;

		if (*(volatile uint8_t *)(uintptr_t)at != 0xff) {
			mismatch("rep ins from port 0x%x (no device): byte %lu is not 0xff", s->port, i);
			return;
		}
	}
}

static void string_op(void)
{
	struct string_io s = { .port = pick_port(), .size = pick_size(), .down = rng_percent(30),
			       .addr32 = rng_percent(30), .count = rng_below(STRING_MAX + 1) };
	uint64_t start;

	s.out = rng_percent(50) && write_allowed(s.port, s.size);
	start = string_start(&s);
	s.rdi = s.rsi = start;
	s.rcx = s.count;
	if (s.out)
		string_outs(&s);
	else
		string_ins(&s);
	check_string(&s, start);
}

void op_io(void)
{
	switch (rng_below(10)) {
	case 0:
		fw_cfg_op();
		break;
	case 1:
		com1_scratch_op();
		break;
	case 2:
		cmos_op();
		break;
	case 3:
	case 4:
		string_op();
		break;
	default:
		plain_op();
	}
}
