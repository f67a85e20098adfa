"""The Hyper-V reference time and synthetic timers from inside a guest with 2 vCPUs
(guest-tests/stimer.c): TIME_REF_COUNT, the frequency MSRs, the reference TSC page,
one-shot, periodic, auto-enable and direct-mode timers, the CONFIG rules and a one-shot
behind a busy slot; on QEMU SVM (software APIC, no invariant TSC: the TSC page says
sequence 0 and its time checks are skipped), Bochs ryzen (SVM, software APIC), Bochs
skylake (VMX with APICv) and Bochs sandy bridge (VMX, software APIC), where the TSC is
invariant and the page is used."""

import pytest

from conftest import (GUESTS, PLATFORMS as ALL, assert_console, assert_guest_passed,
                      assert_no_exception, assert_status)

PLATFORMS = {
    'qemu-svm': (ALL['qemu-svm'], False),
    'bochs-ryzen': (ALL['bochs-ryzen'], True),
    'bochs-skylake': (ALL['bochs-skylake'], True),
    'bochs-sandy-bridge': (ALL['bochs-sandy-bridge'], True),
}
TIMEOUT = 300


@pytest.mark.parametrize('platform', PLATFORMS)
def test_stimer_guest_passes(boot, platform):
    options, invariant_tsc = PLATFORMS[platform]
    result = boot(smp=2, timeout=TIMEOUT, modules=[f'{GUESTS}/stimer.elf cpus=2'], **options)
    assert_no_exception(result)
    assert_guest_passed(result)
    # The TSC page's time is checked where the TSC is invariant, and only skipped elsewhere.
    verdict = 'PASS' if invariant_tsc else 'SKIP'
    assert_console(result, rf'^{verdict} ref-tsc-page-time-after-1s\b')
    assert_status(result, 0)
