/* The guest's port I/O devices: COM1, the CMOS clock, reset, ACPI sleep, the exit port, fw_cfg. */
#ifndef HV_DEVICES_GUEST_IO_H
#define HV_DEVICES_GUEST_IO_H

#include "devices/devices.h"

#define EXIT_PORT 0xf4

/* An IN of `size` bytes from port; a port with no device reads all ones. */
uint32_t guest_io_in(struct vcpu *v, uint16_t port, unsigned int size);
void guest_io_out(struct vcpu *v, uint16_t port, unsigned int size, uint32_t value);

/* COM1 (devices/vuart.c) */
uint8_t vuart_read(struct partition *p, unsigned int reg);
void vuart_write(struct partition *p, unsigned int reg, uint8_t value);
void vuart_flush(struct partition *p);
/* What the guest wrote since its last newline (a shell prompt) to the console now. */
void vuart_flush_unfinished(struct partition *p);
/* A character typed on the console for the guest (any CPU; takes p->io_lock). */
void vuart_receive(struct partition *p, char c);

/* QEMU's fw_cfg, the traditional I/O interface (devices/fw_cfg.c) */
uint8_t fw_cfg_read(struct partition *p);
void fw_cfg_select(struct partition *p, uint16_t key);

#endif
