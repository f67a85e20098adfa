/*
 * Posted interrupts (Intel SDM vol. 3, 29.6): the descriptor another CPU
 * posts a vector into, and the move of posted vectors into the virtual IRR.
 * Pure logic, unit-tested on the host: no emulator here has the feature.
 */
#ifndef HV_VMX_POSTED_INTR_H
#define HV_VMX_POSTED_INTR_H

#include "lib/types.h"

struct pi_desc {
	uint64_t pir[4];      /* 0x00: posted-interrupt requests, a bit per vector */
	uint64_t control;     /* 0x20: ON (0), SN (1), NV (23:16), NDST (63:32) */
	uint64_t reserved[3]; /* 0x28 */
} __aligned(64);
_Static_assert(sizeof(struct pi_desc) == 64, "posted-interrupt descriptor");

#define PI_ON        BIT(0)  /* outstanding notification */
#define PI_SN        BIT(1)  /* suppress notification */
#define PI_NV_SHIFT  16
#define PI_NDST_SHIFT 32

/* Notification vector nv to the physical APIC apic_id (xAPIC IDs sit in NDST[15:8]). */
void pi_desc_init(struct pi_desc *d, uint8_t nv, uint32_t apic_id, bool x2apic);

/* Posts vector; true when the caller must send the notification (ON was clear, SN clear). */
bool pi_post(struct pi_desc *d, uint8_t vector);

/*
 * Moves the posted vectors into irr, the 8 IRR registers of a virtual-APIC
 * page (32 vectors each, 16 bytes apart), and clears ON; false if none.
 */
bool pi_sync_to_irr(struct pi_desc *d, uint32_t *irr);

#endif
