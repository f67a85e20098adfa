/* A guest operand that faulted on the host becomes the guest's fault. */
#include "cpumodel/host_fault.h"
#include "host/extable.h"
#include "host/traps.h"
#include "core/backend.h"
#include "console/log.h"
#include "core/partition.h"

void host_fault_reflect(struct vcpu *v, const char *insn, uint64_t operand)
{
	struct host_fault f = extable_last_fault();
	struct partition *p = v->partition;

	backend->vcpu_inject_exception(v, f.vector, f.has_error_code, f.error_code);
	if (__atomic_exchange_n(&p->host_fault_logged, true, __ATOMIC_RELAXED))
		return;
	log_warn("guest %s: %s 0x%lx on vcpu %u faulted on the host (%s, error code 0x%x), "
		 "which the hypervisor's check should have refused; the guest gets that fault "
		 "(said once)", p->name, insn, operand, v->index, exception_name(f.vector),
		 f.error_code);
}
