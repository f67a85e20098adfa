/* Choosing the virtualization backend from what the CPUs offer. */
#include "core/backend.h"
#include "core/log.h"
#include "core/percpu.h"

const struct backend *backend;
bool backend_posted_intr_off;

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
