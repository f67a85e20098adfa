/* Posted-interrupt descriptors: every update atomic, as the CPU also writes them. */
#include "vmx/posted_intr.h"

#define IRR_STRIDE_WORDS 4 /* 16 bytes between the 32-bit IRR registers */

void pi_desc_init(struct pi_desc *d, uint8_t nv, uint32_t apic_id, bool x2apic)
{
	uint64_t ndst = x2apic ? apic_id : (uint64_t)(apic_id & 0xff) << 8;

	*d = (struct pi_desc){ .control = ((uint64_t)nv << PI_NV_SHIFT) | (ndst << PI_NDST_SHIFT) };
}

bool pi_post(struct pi_desc *d, uint8_t vector)
{
	uint64_t old;

	__atomic_fetch_or(&d->pir[vector / 64], BIT(vector % 64), __ATOMIC_SEQ_CST);
	old = __atomic_fetch_or(&d->control, PI_ON, __ATOMIC_SEQ_CST);
	return !(old & (PI_ON | PI_SN));
}

/* ON is cleared first: a post racing with the move then notifies again (SDM 29.6). */
bool pi_sync_to_irr(struct pi_desc *d, uint32_t *irr)
{
	bool moved = false;

	if (!(__atomic_load_n(&d->control, __ATOMIC_ACQUIRE) & PI_ON))
		return false;
	__atomic_fetch_and(&d->control, ~PI_ON, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t bits = __atomic_exchange_n(&d->pir[i], 0, __ATOMIC_SEQ_CST);
		if (!bits)
			continue;
		__atomic_fetch_or(&irr[(2 * i) * IRR_STRIDE_WORDS], (uint32_t)bits, __ATOMIC_SEQ_CST);
		__atomic_fetch_or(&irr[(2 * i + 1) * IRR_STRIDE_WORDS], (uint32_t)(bits >> 32),
				  __ATOMIC_SEQ_CST);
		moved = true;
	}
	return moved;
}
