/* The guest's time-stamp counter: the host's plus a per-vCPU offset. */
#include "core/vcpu.h"
#include "core/backend.h"
#include "core/enlightenment.h"
#include "core/guest_apic.h"
#include "lib/x86.h"

uint64_t guest_tsc_now(const struct vcpu *v)
{
	return rdtsc() + v->msrs.tsc_offset;
}

uint64_t guest_tsc_to_host(const struct vcpu *v, uint64_t guest_tsc)
{
	uint64_t host = rdtsc(), now = host + v->msrs.tsc_offset;
	uint64_t ahead = guest_tsc - now;

	if (guest_tsc <= now)
		return host;
	return ahead > UINT64_MAX - host ? UINT64_MAX : host + ahead;
}

void guest_tsc_set_offset(struct vcpu *v, uint64_t offset)
{
	v->msrs.tsc_offset = offset;
	backend->vcpu_write_tsc_offset(v, offset);
	guest_apic_tsc_moved(v);
	enlightenment->tsc_moved(v);
}
