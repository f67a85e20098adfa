/* The VMCB (AMD APM vol. 2, appendix B): control area, then state save area. */
#ifndef HV_SVM_VMCB_H
#define HV_SVM_VMCB_H

#include "lib/types.h"

/* CR intercepts (APM B-1, offset 0x00): reads of CRn in bit n, writes in bit 16 + n */
#define INTERCEPT_CR_WRITE(n) BIT(16 + (n))

/* DR intercepts (offset 0x04): reads of DRn in bit n, writes in bit 16 + n */
#define INTERCEPT_DR_RW(mask) ((uint32_t)(mask) | (uint32_t)(mask) << 16)

/* Intercept vector 3 (APM B-1, offset 0x0c) */
#define INTERCEPT_INTR      BIT(0)
#define INTERCEPT_VINTR     BIT(4)
#define INTERCEPT_NMI       BIT(1)
#define INTERCEPT_SMI       BIT(2)
#define INTERCEPT_INIT      BIT(3)
#define INTERCEPT_CPUID     BIT(18)
#define INTERCEPT_IRET      BIT(20)
#define INTERCEPT_HLT       BIT(24)
#define INTERCEPT_INVLPGA   BIT(26)
#define INTERCEPT_IOIO_PROT BIT(27)
#define INTERCEPT_MSR_PROT  BIT(28)
#define INTERCEPT_SHUTDOWN  BIT(31)

/* Intercept vector 4 (offset 0x10) */
#define INTERCEPT_VMRUN     BIT(0)
#define INTERCEPT_VMMCALL   BIT(1)
#define INTERCEPT_VMLOAD    BIT(2)
#define INTERCEPT_VMSAVE    BIT(3)
#define INTERCEPT_STGI      BIT(4)
#define INTERCEPT_CLGI      BIT(5)
#define INTERCEPT_SKINIT    BIT(6)
#define INTERCEPT_MONITOR   BIT(10)
#define INTERCEPT_MWAIT     BIT(11)
#define INTERCEPT_XSETBV    BIT(13)

/* TLB_CONTROL (APM 15.16.1): the whole TLB, or the guest's ASID (CPUID 8000000A:EDX[6]) */
#define TLB_CONTROL_FLUSH_ALL  1
#define TLB_CONTROL_FLUSH_ASID 3

/* V_INTR fields of int_control (APM 15.21.4) */
#define V_TPR_MASK       0xfu
#define V_IRQ            BIT(8)
#define V_INTR_PRIO_MAX  (0xfu << 16)
#define V_IGN_TPR        BIT(20)
#define V_INTR_MASKING   BIT(24)
#define AVIC_ENABLE      BIT(31)
#define NP_ENABLE             BIT(0)

/* EVENTINJ and EXITINTINFO (APM 15.20) */
#define EVENT_VECTOR_MASK   0xff
#define EVENT_TYPE_INTR     (0u << 8)
#define EVENT_TYPE_NMI      (2u << 8)
#define EVENT_TYPE_EXCEPTION (3u << 8)
#define EVENT_ERROR_VALID   BIT(11)
#define EVENT_VALID         BIT(31)

/* Exit codes (APM appendix C) */
enum svm_exit_code {
	SVM_EXIT_CR0_WRITE = 0x10,
	SVM_EXIT_CR4_WRITE = 0x14,
	SVM_EXIT_DR0_READ = 0x20,  /* 0x20 + n: MOV from DRn */
	SVM_EXIT_DR0_WRITE = 0x30, /* 0x30 + n: MOV to DRn */
	SVM_EXIT_EXCEPTION_BASE = 0x40,
	SVM_EXIT_INTR = 0x60,
	SVM_EXIT_NMI = 0x61,
	SVM_EXIT_SMI = 0x62,
	SVM_EXIT_INIT = 0x63,
	SVM_EXIT_VINTR = 0x64,
	SVM_EXIT_CPUID = 0x72,
	SVM_EXIT_IRET = 0x74,
	SVM_EXIT_HLT = 0x78,
	SVM_EXIT_INVLPGA = 0x7a,
	SVM_EXIT_IOIO = 0x7b,
	SVM_EXIT_MSR = 0x7c,
	SVM_EXIT_SHUTDOWN = 0x7f,
	SVM_EXIT_VMRUN = 0x80,
	SVM_EXIT_VMMCALL = 0x81,
	SVM_EXIT_VMLOAD = 0x82,
	SVM_EXIT_VMSAVE = 0x83,
	SVM_EXIT_STGI = 0x84,
	SVM_EXIT_CLGI = 0x85,
	SVM_EXIT_SKINIT = 0x86,
	SVM_EXIT_MONITOR = 0x8a,
	SVM_EXIT_MWAIT = 0x8b,
	SVM_EXIT_XSETBV = 0x8d,
	SVM_EXIT_NPF = 0x400,
	SVM_EXIT_AVIC_INCOMPLETE_IPI = 0x401,
	SVM_EXIT_AVIC_NOACCEL = 0x402,
};

/* IOIO EXITINFO1 (APM 15.10.2) */
#define IOIO_IN       BIT(0)
#define IOIO_STRING   BIT(2)
#define IOIO_REP      BIT(3)
#define IOIO_SIZE8    BIT(4)
#define IOIO_SIZE16   BIT(5)
#define IOIO_SIZE32   BIT(6)
#define IOIO_ADDR16   BIT(7)
#define IOIO_ADDR32   BIT(8)
#define IOIO_SEG_SHIFT 10 /* 0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS */

/*
 * CR write EXITINFO1 with decode assists (APM vol. 2, chapter 15, "Decode
 * Assists", MOV CRx): bit 63 set for a MOV to CRn, bits 3:0 its source
 * register; clear for LMSW and CLTS.
 */
#define CR_EXITINFO_MOV      BIT(63)
#define CR_EXITINFO_GPR_MASK 0xfu

/* NPF EXITINFO1: a #PF error code (APM 15.25.6) */
#define NPF_PRESENT   BIT(0)
#define NPF_WRITE     BIT(1)
#define NPF_FETCH     BIT(4)

struct vmcb_segment {
	uint16_t selector; /* +0x0 */
	uint16_t attrib;   /* +0x2: descriptor bits 8-15 and 20-23, packed */
	uint32_t limit;    /* +0x4 */
	uint64_t base;     /* +0x8 */
} __packed;
_Static_assert(sizeof(struct vmcb_segment) == 16, "vmcb segment");

struct vmcb_control {
	uint32_t intercept_cr;      /* 0x000: reads 0-15, writes 16-31 */
	uint32_t intercept_dr;      /* 0x004 */
	uint32_t intercept_exceptions; /* 0x008 */
	uint32_t intercept_misc1;   /* 0x00c */
	uint32_t intercept_misc2;   /* 0x010 */
	uint32_t intercept_misc3;   /* 0x014 */
	uint8_t reserved1[0x3c - 0x18]; /* 0x018 */
	uint16_t pause_filter_threshold; /* 0x03c */
	uint16_t pause_filter_count;     /* 0x03e */
	uint64_t iopm_base_pa;      /* 0x040 */
	uint64_t msrpm_base_pa;     /* 0x048 */
	uint64_t tsc_offset;        /* 0x050 */
	uint32_t guest_asid;        /* 0x058 */
	uint8_t tlb_control;        /* 0x05c */
	uint8_t reserved2[3];       /* 0x05d */
	uint32_t int_control;       /* 0x060: V_TPR, V_IRQ, V_INTR_PRIO, V_INTR_MASKING, ... */
	uint32_t int_vector;        /* 0x064 */
	uint64_t int_state;         /* 0x068: bit 0 interrupt shadow */
	uint64_t exit_code;         /* 0x070 */
	uint64_t exit_info1;        /* 0x078 */
	uint64_t exit_info2;        /* 0x080 */
	uint64_t exit_int_info;     /* 0x088 */
	uint64_t nested_control;    /* 0x090: bit 0 NP_ENABLE */
	uint64_t avic_apic_bar;     /* 0x098 */
	uint64_t ghcb_pa;           /* 0x0a0 */
	uint64_t event_inj;         /* 0x0a8 */
	uint64_t nested_cr3;        /* 0x0b0 */
	uint64_t virt_ext;          /* 0x0b8: LBR virtualization, VMSAVE/VMLOAD virtualization */
	uint32_t clean_bits;        /* 0x0c0 */
	uint32_t reserved3;         /* 0x0c4 */
	uint64_t next_rip;          /* 0x0c8: with NRIP save */
	uint8_t insn_bytes_fetched; /* 0x0d0: with decode assists */
	uint8_t insn_bytes[15];     /* 0x0d1 */
	uint64_t avic_backing_page; /* 0x0e0 */
	uint8_t reserved4[8];       /* 0x0e8 */
	uint64_t avic_logical_table;  /* 0x0f0 */
	uint64_t avic_physical_table; /* 0x0f8 */
	uint8_t reserved5[8];       /* 0x100 */
	uint64_t vmsa_pa;           /* 0x108 */
	uint8_t reserved6[0x400 - 0x110]; /* 0x110 */
} __packed;
_Static_assert(sizeof(struct vmcb_control) == 0x400, "vmcb control area");

struct vmcb_save {
	struct vmcb_segment es;     /* 0x400 */
	struct vmcb_segment cs;     /* 0x410 */
	struct vmcb_segment ss;     /* 0x420 */
	struct vmcb_segment ds;     /* 0x430 */
	struct vmcb_segment fs;     /* 0x440 */
	struct vmcb_segment gs;     /* 0x450 */
	struct vmcb_segment gdtr;   /* 0x460 */
	struct vmcb_segment ldtr;   /* 0x470 */
	struct vmcb_segment idtr;   /* 0x480 */
	struct vmcb_segment tr;     /* 0x490 */
	uint8_t reserved1[0xcb - 0xa0]; /* 0x4a0 */
	uint8_t cpl;                /* 0x4cb */
	uint32_t reserved2;         /* 0x4cc */
	uint64_t efer;              /* 0x4d0 */
	uint8_t reserved3[0x548 - 0x4d8]; /* 0x4d8 */
	uint64_t cr4;               /* 0x548 */
	uint64_t cr3;               /* 0x550 */
	uint64_t cr0;               /* 0x558 */
	uint64_t dr7;               /* 0x560 */
	uint64_t dr6;               /* 0x568 */
	uint64_t rflags;            /* 0x570 */
	uint64_t rip;               /* 0x578 */
	uint8_t reserved4[0x5d8 - 0x580]; /* 0x580 */
	uint64_t rsp;               /* 0x5d8 */
	uint64_t s_cet;             /* 0x5e0 */
	uint64_t ssp;               /* 0x5e8 */
	uint64_t isst_addr;         /* 0x5f0 */
	uint64_t rax;               /* 0x5f8 */
	uint64_t star;              /* 0x600 */
	uint64_t lstar;             /* 0x608 */
	uint64_t cstar;             /* 0x610 */
	uint64_t sfmask;            /* 0x618 */
	uint64_t kernel_gs_base;    /* 0x620 */
	uint64_t sysenter_cs;       /* 0x628 */
	uint64_t sysenter_esp;      /* 0x630 */
	uint64_t sysenter_eip;      /* 0x638 */
	uint64_t cr2;               /* 0x640 */
	uint8_t reserved5[0x668 - 0x648]; /* 0x648 */
	uint64_t g_pat;             /* 0x668 */
	uint64_t dbgctl;            /* 0x670 */
	uint64_t br_from;           /* 0x678 */
	uint64_t br_to;             /* 0x680 */
	uint64_t last_excp_from;    /* 0x688 */
	uint64_t last_excp_to;      /* 0x690 */
	uint8_t reserved6[0x1000 - 0x698]; /* 0x698 */
} __packed;
_Static_assert(sizeof(struct vmcb_save) == 0xc00, "vmcb save area");

struct vmcb {
	struct vmcb_control control; /* 0x000 */
	struct vmcb_save save;       /* 0x400 */
} __packed;
_Static_assert(sizeof(struct vmcb) == PAGE_SIZE, "vmcb");
_Static_assert(__builtin_offsetof(struct vmcb, control.exit_code) == 0x070, "exit_code");
_Static_assert(__builtin_offsetof(struct vmcb, control.nested_cr3) == 0x0b0, "nested_cr3");
_Static_assert(__builtin_offsetof(struct vmcb, control.next_rip) == 0x0c8, "next_rip");
_Static_assert(__builtin_offsetof(struct vmcb, save.efer) == 0x4d0, "efer");
_Static_assert(__builtin_offsetof(struct vmcb, save.rax) == 0x5f8, "rax");
_Static_assert(__builtin_offsetof(struct vmcb, save.g_pat) == 0x668, "g_pat");

#endif
