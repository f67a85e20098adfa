/*
 * QEMU's firmware configuration interface, the I/O-port variant
 * (QEMU docs/specs/fw_cfg.txt): write a 16-bit key to the selector port,
 * then read the item byte by byte from the data port. Numbers are little-endian.
 */
#include "guest-tests/lib/internal.h"

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511

enum fw_cfg_key {
	FW_CFG_SIGNATURE = 0x0000,
	FW_CFG_RAM_SIZE  = 0x0003,
	FW_CFG_NB_CPUS   = 0x0005,
};

static void fw_cfg_read(enum fw_cfg_key key, uint8_t *buf, size_t len)
{
	outw(FW_CFG_PORT_SEL, key);
	for (size_t i = 0; i < len; i++)
		buf[i] = inb(FW_CFG_PORT_DATA);
}

static uint64_t fw_cfg_read_le(enum fw_cfg_key key, size_t len)
{
	uint8_t buf[8];
	uint64_t v = 0;

	fw_cfg_read(key, buf, len);
	while (len--)
		v = (v << 8) | buf[len];
	return v;
}

bool fw_cfg_present(void)
{
	uint8_t sig[4];

	fw_cfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	return sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U';
}

uint16_t fw_cfg_cpu_count(void)
{
	return fw_cfg_read_le(FW_CFG_NB_CPUS, 2);
}

uint64_t fw_cfg_ram_size(void)
{
	return fw_cfg_read_le(FW_CFG_RAM_SIZE, 8);
}
