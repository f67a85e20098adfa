/*
 * The subset of QEMU's fw_cfg (docs/specs/fw_cfg.rst) a guest may rely on:
 * the signature, the interface ID, the RAM size and the CPU count. A
 * selector write rewinds; each data read returns the next byte, then zeros.
 */
#include "devices/guest_io.h"

enum fw_cfg_key {
	FW_CFG_SIGNATURE = 0x00,
	FW_CFG_ID = 0x01,
	FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NB_CPUS = 0x05,
};

#define FW_CFG_ID_TRADITIONAL 1

void fw_cfg_select(struct partition *p, uint16_t key)
{
	p->devices->fw_cfg.selector = key;
	p->devices->fw_cfg.offset = 0;
}

/* The item's value, little-endian, and its size in bytes (0: no such item). */
static unsigned int fw_cfg_item(const struct partition *p, uint64_t *value)
{
	switch (p->devices->fw_cfg.selector) {
	case FW_CFG_SIGNATURE:
		*value = 'Q' | 'E' << 8 | 'M' << 16 | (uint64_t)'U' << 24;
		return 4;
	case FW_CFG_ID:
		*value = FW_CFG_ID_TRADITIONAL;
		return 4;
	case FW_CFG_RAM_SIZE:
		*value = p->mem_size;
		return 8;
	case FW_CFG_NB_CPUS:
		*value = p->nr_vcpus;
		return 2;
	default:
		return 0;
	}
}

uint8_t fw_cfg_read(struct partition *p)
{
	uint64_t value = 0;
	unsigned int size = fw_cfg_item(p, &value);

	if (p->devices->fw_cfg.offset >= size)
		return 0;
	return (uint8_t)(value >> (8 * p->devices->fw_cfg.offset++));
}
