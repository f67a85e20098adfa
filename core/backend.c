/* Choosing the virtualization backend from what the CPUs offer. */
#include "core/backend.h"
#include "core/log.h"
#include "core/percpu.h"

const struct backend *backend;

const struct backend *backend_select(void)
{
	const struct cpu_features *f = &this_cpu()->features;

	if (cpu_has(f, FEAT_SVM) && cpu_has(f, FEAT_NPT))
		return backend = &svm_backend;
	if (cpu_has(f, FEAT_SVM))
		log_err("svm: this CPU has no nested paging (NPT), which the hypervisor needs");
	else if (cpu_has(f, FEAT_VMX))
		log_err("vmx: the VMX backend is not built yet; guests run on AMD SVM only");
	else
		log_err("this CPU has neither usable VMX nor SVM");
	return NULL;
}
