/* The legacy 8259 interrupt controllers, which the hypervisor does not use. */
#ifndef HV_HOST_PIC_H
#define HV_HOST_PIC_H

/*
 * Moves the 8259s off the exception vectors (the BIOS leaves IRQ 0 on
 * vector 8, #DF) and masks every line.
 */
void pic_disable(void);

#endif
