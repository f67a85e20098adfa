/*
 * Host unit tests of the guest's NMI blocking under SVM (svm/svm_nmi.c):
 * an injected NMI blocks the next until its handler's IRET has retired, the
 * IRET intercept and a single step past it give the NMI window, and the
 * guest's own RFLAGS.TF survives the step.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "svm/svm_nmi.h"

#define TF       (1ULL << 8)
#define EXIT_DB  (SVM_EXIT_EXCEPTION_BASE + 1)
#define IRET_RIP 0x1000
#define AFTER    0x2000

static struct vmcb vmcb;
static struct svm_nmi nmi;

static int setup(void **state)
{
	(void)state;
	memset(&vmcb, 0, sizeof(vmcb));
	memset(&nmi, 0, sizeof(nmi));
	vmcb.save.rflags = 2;
	return 0;
}

/* A #VMEXIT with this code at this RIP; true if svm_nmi took it */
static bool vmexit(uint64_t code, uint64_t rip)
{
	vmcb.control.exit_code = code;
	vmcb.save.rip = rip;
	return svm_nmi_after_exit(&nmi, &vmcb);
}

/* The NMI went in at the last entry: the event was delivered */
static void inject_and_deliver(void)
{
	svm_nmi_inject(&nmi, &vmcb);
	vmcb.control.event_inj = 0;
}

static void test_inject_blocks_and_intercepts_iret(void **state)
{
	(void)state;
	assert_true(svm_nmi_allowed(&nmi, &vmcb));
	inject_and_deliver();
	assert_false(svm_nmi_allowed(&nmi, &vmcb));
	assert_true(vmcb.control.intercept_misc1 & INTERCEPT_IRET);
	assert_false(vmexit(SVM_EXIT_CPUID, 0x500)); /* other exits: still blocked */
	assert_false(svm_nmi_allowed(&nmi, &vmcb));
}

/* No NMI waits: the IRET passes, and the next exit elsewhere unblocks without a step. */
static void test_iret_unblocks_once_retired(void **state)
{
	(void)state;
	inject_and_deliver();
	assert_true(vmexit(SVM_EXIT_IRET, IRET_RIP));
	assert_false(vmcb.control.intercept_misc1 & INTERCEPT_IRET);
	assert_false(vmcb.save.rflags & TF);
	assert_false(svm_nmi_allowed(&nmi, &vmcb)); /* the IRET has not run yet */
	assert_false(vmexit(SVM_EXIT_INTR, IRET_RIP));
	assert_false(svm_nmi_allowed(&nmi, &vmcb));
	assert_false(vmexit(SVM_EXIT_HLT, AFTER));
	assert_true(svm_nmi_allowed(&nmi, &vmcb));
}

/* An NMI waits: the window is the IRET's exit, then one step past it. */
static void test_window_steps_over_iret(void **state)
{
	(void)state;
	inject_and_deliver();
	svm_nmi_request_window(&nmi, &vmcb, true);
	assert_false(vmcb.save.rflags & TF); /* nothing to step before the IRET exits */
	assert_true(vmexit(SVM_EXIT_IRET, IRET_RIP));
	assert_true(vmcb.save.rflags & TF);
	assert_false(svm_nmi_allowed(&nmi, &vmcb));
	assert_true(vmexit(EXIT_DB, AFTER));
	assert_false(vmcb.save.rflags & TF);
	assert_true(svm_nmi_allowed(&nmi, &vmcb));
}

static void test_guest_tf_survives_the_step(void **state)
{
	(void)state;
	vmcb.save.rflags |= TF;
	inject_and_deliver();
	svm_nmi_request_window(&nmi, &vmcb, true);
	vmexit(SVM_EXIT_IRET, IRET_RIP);
	vmexit(EXIT_DB, AFTER);
	assert_true(vmcb.save.rflags & TF);
}

/* Not masked, but an event is queued: step past its delivery (and handler). */
static void test_window_behind_a_queued_event(void **state)
{
	(void)state;
	vmcb.control.event_inj = 0x30 | EVENT_VALID;
	assert_false(svm_nmi_allowed(&nmi, &vmcb));
	svm_nmi_request_window(&nmi, &vmcb, true);
	assert_true(vmcb.save.rflags & TF);
	vmcb.control.event_inj = 0;
	assert_true(vmexit(EXIT_DB, AFTER));
	assert_true(svm_nmi_allowed(&nmi, &vmcb));
}

/* A #DB exit when no step is ours goes to the guest as before. */
static void test_guest_db_is_not_ours(void **state)
{
	(void)state;
	assert_false(vmexit(EXIT_DB, AFTER));
	inject_and_deliver();
	assert_false(vmexit(EXIT_DB, AFTER)); /* masked, but no step yet */
	assert_false(svm_nmi_allowed(&nmi, &vmcb));
}

static void test_reset_unblocks(void **state)
{
	(void)state;
	inject_and_deliver();
	svm_nmi_reset(&nmi, &vmcb);
	assert_true(svm_nmi_allowed(&nmi, &vmcb));
	assert_false(vmcb.control.intercept_misc1 & INTERCEPT_IRET);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_inject_blocks_and_intercepts_iret, setup),
		cmocka_unit_test_setup(test_iret_unblocks_once_retired, setup),
		cmocka_unit_test_setup(test_window_steps_over_iret, setup),
		cmocka_unit_test_setup(test_guest_tf_survives_the_step, setup),
		cmocka_unit_test_setup(test_window_behind_a_queued_event, setup),
		cmocka_unit_test_setup(test_guest_db_is_not_ours, setup),
		cmocka_unit_test_setup(test_reset_unblocks, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
