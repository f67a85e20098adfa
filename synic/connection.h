/*
 * HvPostMessage and HvSignalEvent (TLFS 11.10): a connection id names the
 * SINT of a vCPU that a receiving guest declared on its module command line
 * (msg=, event=); from=NAME lets guest NAME use it, else only the guest itself.
 */
#ifndef HV_SYNIC_CONNECTION_H
#define HV_SYNIC_CONNECTION_H

#include "core/partition.h"
#include "synic/hv_state.h"

enum hv_status hv_post_message(struct partition *sender,
			       const struct hv_post_message_input *in);
enum hv_status hv_signal_event(struct partition *sender, const union hv_signal_event_input *in);

#endif
