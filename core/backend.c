/* Choosing the virtualization backend from what the CPUs offer. */
#include "core/backend.h"
#include "console/log.h"
#include "lib/x86.h"
#include "host/percpu.h"

const struct backend *backend;
bool backend_posted_intr_off;

const uint32_t msr_guest_owned[] = {
	0x00000174, 0x00000175, 0x00000176,             /* SYSENTER_CS/ESP/EIP */
	0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, /* STAR, LSTAR, CSTAR, SFMASK */
	MSR_FS_BASE, MSR_GS_BASE, 0xc0000102,           /* FS/GS base, KERNEL_GS_BASE */
};
const unsigned int nr_msr_guest_owned = ARRAY_SIZE(msr_guest_owned);

static const struct backend *use(const struct backend *b)
{
	log_info("backend: %s; local APICs: %s", b->name, b->apic_mode());
	return backend = b;
}

const struct backend *backend_select(void)
{
	const struct cpu_features *f = &this_cpu()->features;

	if (cpu_has(f, FEAT_SVM) && cpu_has(f, FEAT_NPT))
		return use(&svm_backend);
	if (cpu_has(f, FEAT_VMX) && cpu_has(f, FEAT_EPT) && cpu_has(f, FEAT_UNRESTRICTED_GUEST))
		return use(&vmx_backend);
	if (cpu_has(f, FEAT_SVM))
		log_err("svm: this CPU has no nested paging (NPT), which the hypervisor needs");
	else if (cpu_has(f, FEAT_VMX))
		log_err("vmx: this CPU lacks %s, which the hypervisor needs",
			!cpu_has(f, FEAT_EPT) && !cpu_has(f, FEAT_UNRESTRICTED_GUEST)
				? "extended page tables (EPT) and unrestricted guest"
			: !cpu_has(f, FEAT_EPT) ? "extended page tables (EPT)"
						: "unrestricted guest");
	else
		log_err("this CPU has neither usable VMX nor SVM");
	return NULL;
}
