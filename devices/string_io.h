/* INS and OUTS, with or without REP, emulated element by element. */
#ifndef HV_DEVICES_STRING_IO_H
#define HV_DEVICES_STRING_IO_H

#include "core/vcpu.h"

enum string_io_result {
	STRING_IO_DONE,  /* all elements moved: skip the instruction */
	STRING_IO_MORE,  /* a batch moved: run it again for the rest */
	STRING_IO_FAULT, /* the memory operand is not mapped */
};

enum string_io_result string_io(struct vcpu *v, const struct exit_io *io);

#endif
