/*
 * AVIC (AMD APM vol. 2, 15.29): the APIC register page of each vCPU is its
 * backing page; the CPU accelerates most register accesses, EOIs of
 * edge-triggered vectors and fixed IPIs to running vCPUs. What it does not
 * do comes back as the AVIC exits, which svm_exit.c hands to core/ as
 * APIC-write traps or as the nested page fault an access stands for. No
 * emulator here has AVIC: the rules in avic_table.c run against a model of
 * the CPU on the host (tests/avic/, tests/unit/test_avic_model.c).
 */
#include "svm/avic.h"
#include "mm/frames.h"
#include "core/nested_map.h"
#include "host/percpu.h"
#include "lib/string.h"
#include "lib/x86.h"
#include "svm/avic_table.h"
#include "svm/npt.h"

#define MSR_AVIC_DOORBELL 0xc001011b
#define AVIC_MAX_HOST_ID  0xff /* 8-bit host APIC IDs in the physical table */

struct avic_tables {
	uint64_t *physical; /* indexed by the guest APIC ID, the vCPU index */
	uint32_t *logical;
	paddr_t physical_pa, logical_pa;
};

bool avic_supported(void)
{
	return cpu_has(&this_cpu()->features, FEAT_AVIC);
}

bool avic_partition_init(struct partition *p)
{
	paddr_t pa = frames_alloc_zeroed(3, 1, FRAMES_NO_LIMIT);
	struct avic_tables *t;

	p->apic_page = frames_alloc_zeroed(1, 1, FRAMES_NO_LIMIT);
	if (!pa || !p->apic_page || p->mem_size > VLAPIC_DEFAULT_BASE ||
	    !npt_map_page(p, VLAPIC_DEFAULT_BASE, p->apic_page))
		return false;
	t = phys_to_virt(pa + 2 * PAGE_SIZE);
	*t = (struct avic_tables){ phys_to_virt(pa), phys_to_virt(pa + PAGE_SIZE), pa,
				   pa + PAGE_SIZE };
	p->arch = t;
	return true;
}

void avic_vcpu_init(struct vcpu *v, struct vmcb *vmcb)
{
	struct avic_tables *t = v->partition->arch;
	struct vmcb_control *c = &vmcb->control;

	if (this_cpu()->apic_id > AVIC_MAX_HOST_ID) {
		v->apic_accelerated = false;
		return;
	}
	t->physical[v->index] = avic_physical_entry(virt_to_phys(v->apic.regs),
						    (uint8_t)this_cpu()->apic_id, false);
	c->avic_apic_bar = VLAPIC_DEFAULT_BASE;
	c->avic_backing_page = virt_to_phys(v->apic.regs);
	c->avic_logical_table = t->logical_pa;
	c->avic_physical_table = t->physical_pa | (v->partition->nr_vcpus - 1);
	c->int_control |= AVIC_ENABLE;
}

bool avic_erratum(void)
{
	static int erratum = -1;

	if (erratum < 0) {
		struct cpuid_regs r = cpuid(0, 0);
		char vendor[12];

		memcpy(vendor, &r.ebx, 4);
		memcpy(vendor + 4, &r.edx, 4);
		memcpy(vendor + 8, &r.ecx, 4);
		erratum = avic_erratum_1235(vendor, cpuid(1, 0).eax);
	}
	return erratum;
}

void avic_set_running(struct vcpu *v, bool running)
{
	struct avic_tables *t = v->partition->arch;

	if (!avic_erratum())
		avic_entry_set_running(&t->physical[v->index], running);
}

bool avic_doorbell(struct vcpu *v)
{
	struct avic_tables *t = v->partition->arch;
	int host_apic_id = avic_doorbell_target(&t->physical[v->index]);

	if (host_apic_id < 0)
		return false;
	wrmsr(MSR_AVIC_DOORBELL, (uint64_t)host_apic_id);
	return true;
}

void avic_update_logical_table(struct partition *p)
{
	struct avic_tables *t = p->arch;
	uint32_t ldr[GUEST_MAX_CPUS], dfr[GUEST_MAX_CPUS];

	for (unsigned int i = 0; i < p->nr_vcpus; i++) {
		ldr[i] = vlapic_mmio_read(&p->vcpus[i]->apic, 0xd0);
		dfr[i] = vlapic_mmio_read(&p->vcpus[i]->apic, 0xe0);
	}
	avic_logical_table_fill(t->logical, p->nr_vcpus, ldr, dfr);
}

void avic_mode_changed(struct vcpu *v, struct vmcb *vmcb)
{
	bool xapic = vlapic_xapic_enabled(&v->apic) && this_cpu()->apic_id <= AVIC_MAX_HOST_ID;

	if (xapic)
		vmcb->control.int_control |= AVIC_ENABLE;
	else
		vmcb->control.int_control &= ~AVIC_ENABLE;
	v->apic_accelerated = xapic;
}
