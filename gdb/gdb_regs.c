/* The register file gdb sees (gdb/gdb_regs.h): one table for the `g` packet and the target description. */
#include "gdb/gdb_regs.h"
#include "core/backend.h"
#include "gdb/rsp.h"
#include "lib/fmt.h"
#include "lib/string.h"

enum feature { CORE, SEGMENTS, SYSTEM };

static const char *const feature_names[] = {
	[CORE] = "org.gnu.gdb.i386.core",
	[SEGMENTS] = "org.gnu.gdb.i386.segments",
	[SYSTEM] = "org.hv.x86-64.system",
};

struct reg_desc {
	const char *name;
	const char *type;  /* the target description's type */
	uint8_t bytes;     /* in the packets */
	int16_t offset;    /* in struct gdb_frame; -1: not available (the x87 state) */
	uint8_t field;     /* the field's size there: 8 or 2 */
	bool writable;
	uint8_t feature;
};

#define AT(f) ((int16_t)__builtin_offsetof(struct gdb_frame, f))
#define GPR(n, f, t) { n, t, 8, AT(gpr.f), 8, true, CORE }
#define SEL(n, f)    { n, "int32", 4, AT(s.f), 2, false, CORE }
#define X87(n, b, t) { n, t, b, -1, 0, false, CORE }
#define SYS(n, f, t) { n, t, 8, AT(f), 8, false, SYSTEM }

static const struct reg_desc regs[GDB_REG_COUNT] = {
	GPR("rax", rax, "int64"), GPR("rbx", rbx, "int64"), GPR("rcx", rcx, "int64"),
	GPR("rdx", rdx, "int64"), GPR("rsi", rsi, "int64"), GPR("rdi", rdi, "int64"),
	GPR("rbp", rbp, "data_ptr"), { "rsp", "data_ptr", 8, AT(c.rsp), 8, true, CORE },
	GPR("r8", r8, "int64"), GPR("r9", r9, "int64"), GPR("r10", r10, "int64"),
	GPR("r11", r11, "int64"), GPR("r12", r12, "int64"), GPR("r13", r13, "int64"),
	GPR("r14", r14, "int64"), GPR("r15", r15, "int64"),
	{ "rip", "code_ptr", 8, AT(c.rip), 8, true, CORE },
	{ "eflags", "int32", 4, AT(c.rflags), 8, true, CORE },
	SEL("cs", cs), SEL("ss", ss), SEL("ds", ds), SEL("es", es), SEL("fs", fs), SEL("gs", gs),
	X87("st0", 10, "i387_ext"), X87("st1", 10, "i387_ext"), X87("st2", 10, "i387_ext"),
	X87("st3", 10, "i387_ext"), X87("st4", 10, "i387_ext"), X87("st5", 10, "i387_ext"),
	X87("st6", 10, "i387_ext"), X87("st7", 10, "i387_ext"),
	X87("fctrl", 4, "int"), X87("fstat", 4, "int"), X87("ftag", 4, "int"),
	X87("fiseg", 4, "int"), X87("fioff", 4, "int"), X87("foseg", 4, "int"),
	X87("fooff", 4, "int"), X87("fop", 4, "int"),
	{ "fs_base", "int64", 8, AT(s.fs_base), 8, false, SEGMENTS },
	{ "gs_base", "int64", 8, AT(s.gs_base), 8, false, SEGMENTS },
	SYS("cr0", c.cr0, "int64"), SYS("cr2", c.cr2, "int64"), SYS("cr3", c.cr3, "int64"),
	SYS("cr4", c.cr4, "int64"), SYS("efer", c.efer, "int64"),
};

/* The RFLAGS bits a debugger may set: all defined ones but VM (VM entry would refuse it). */
#define RFLAGS_SETTABLE 0x3d7fd5ULL
#define RFLAGS_FIXED1   0x2ULL

void gdb_frame_read(struct vcpu *v, struct gdb_frame *f)
{
	f->gpr = v->regs;
	backend->vcpu_read_control(v, &f->c);
	backend->vcpu_read_segments(v, &f->s);
}

void gdb_frame_write(struct vcpu *v, const struct gdb_frame *f)
{
	v->regs = f->gpr;
	backend->vcpu_write_frame(v, f->c.rip, f->c.rsp, f->c.rflags);
}

static uint64_t field_of(const struct gdb_frame *f, const struct reg_desc *r)
{
	const uint8_t *at = (const uint8_t *)f + r->offset;

	return r->field == 2 ? *(const uint16_t *)at : *(const uint64_t *)at;
}

static void encode_one(const struct gdb_frame *f, const struct reg_desc *r, char *out)
{
	uint64_t val = r->offset < 0 ? 0 : field_of(f, r);

	if (r->offset < 0) {
		memset(out, 'x', 2u * r->bytes);
		out[2u * r->bytes] = '\0';
		return;
	}
	rsp_hex_encode(out, &val, r->bytes);
}

size_t gdb_regs_encode(const struct gdb_frame *f, char *out, size_t size)
{
	size_t n = 0;

	for (unsigned int i = 0; i < GDB_REG_COUNT; i++) {
		if (n + 2u * regs[i].bytes + 1 > size)
			return 0;
		encode_one(f, &regs[i], out + n);
		n += 2u * regs[i].bytes;
	}
	return n;
}

bool gdb_reg_encode(const struct gdb_frame *f, unsigned int n, char *out, size_t size)
{
	if (n >= GDB_REG_COUNT || size < 2u * regs[n].bytes + 1)
		return false;
	encode_one(f, &regs[n], out);
	return true;
}

/* RIP must be canonical in 64-bit code and fit 32 bits otherwise: VM entry checks it. */
static bool rip_valid(const struct gdb_frame *f, uint64_t rip)
{
	if (!f->c.cs_long)
		return rip >> 32 == 0;
	return (uint64_t)((int64_t)(rip << 16) >> 16) == rip;
}

static bool store(struct gdb_frame *f, const struct reg_desc *r, uint64_t val)
{
	uint64_t *at = (uint64_t *)((uint8_t *)f + r->offset);

	if (!r->writable)
		return false;
	if (at == &f->c.rip && !rip_valid(f, val))
		return false;
	if (at == &f->c.rflags)
		val = (val & RFLAGS_SETTABLE) | RFLAGS_FIXED1;
	*at = val;
	return true;
}

bool gdb_reg_decode(struct gdb_frame *f, unsigned int n, const char *hex)
{
	uint64_t val = 0;

	if (n >= GDB_REG_COUNT || strlen(hex) != 2u * regs[n].bytes ||
	    !rsp_hex_decode(hex, 2u * regs[n].bytes, &val))
		return false;
	return store(f, &regs[n], val);
}

static bool unchanged(const struct gdb_frame *f, const struct reg_desc *r, const char *hex)
{
	char now[2 * 10 + 1];

	encode_one(f, r, now);
	return !strcmp(now, hex);
}

/* The registers it cannot write must come back unchanged (or unavailable, as `x`). */
bool gdb_regs_decode(struct gdb_frame *f, const char *hex)
{
	struct gdb_frame new = *f;
	char now[2 * 10 + 1];

	for (unsigned int i = 0; i < GDB_REG_COUNT; i++) {
		size_t digits = 2u * regs[i].bytes;

		if (strlen(hex) < digits)
			return false;
		memcpy(now, hex, digits);
		now[digits] = '\0';
		hex += digits;
		if (regs[i].writable ? !gdb_reg_decode(&new, i, now) : !unchanged(f, &regs[i], now))
			return false;
	}
	*f = new;
	return *hex == '\0';
}

static size_t xml_reg(char *out, size_t size, unsigned int i)
{
	return (size_t)fmt_snprintf(out, size, "<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"/>\n",
				    regs[i].name, 8u * regs[i].bytes, regs[i].type, i);
}

/* Built once from the table, so that it and the packets cannot disagree. */
const char *gdb_target_xml(void)
{
	static char xml[8192];
	size_t n = 0;
	int open = -1;

	if (xml[0])
		return xml;
	n += (size_t)fmt_snprintf(xml, sizeof(xml), "<?xml version=\"1.0\"?>\n"
				  "<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target>\n"
				  "<architecture>i386:x86-64</architecture>\n");
	for (unsigned int i = 0; i < GDB_REG_COUNT && n < sizeof(xml); i++) {
		if (regs[i].feature != open) {
			n += (size_t)fmt_snprintf(xml + n, sizeof(xml) - n, "%s<feature name=\"%s\">\n",
						  open < 0 ? "" : "</feature>\n",
						  feature_names[regs[i].feature]);
			open = regs[i].feature;
		}
		n += xml_reg(xml + n, sizeof(xml) - n, i);
	}
	if (n < sizeof(xml))
		fmt_snprintf(xml + n, sizeof(xml) - n, "</feature>\n</target>\n");
	return xml;
}
