"""The Hyper-V SynIC from inside a guest with 2 vCPUs (guest-tests/synic.c), beside the
synthetic APIC MSRs, the VP assist page and the crash MSRs (guest-tests/hvmsr.c), and a
guest with those and the IPI and TLB-flush hypercalls withheld (hv-apic=off hv-crash=off
hv-ipi=off hv-tlbflush=off), on QEMU SVM and Bochs ryzen (software APIC), Bochs skylake
(VMX with APICv and posted interrupts, where the EOI-exit counts are checked too) and Bochs
sandy bridge (VMX, software APIC)."""

import pytest

from conftest import (GUESTS, PLATFORMS as ALL, assert_console, assert_guest_passed,
                      assert_no_exception, assert_status)

PLATFORMS = {
    'qemu-svm': (ALL['qemu-svm'], 'software delivery', ''),
    'bochs-ryzen': (ALL['bochs-ryzen'], 'software delivery', ''),
    'bochs-skylake': (ALL['bochs-skylake'], 'APICv', 'apicv'),
    'bochs-sandy-bridge': (ALL['bochs-sandy-bridge'], 'software delivery', ''),
}
TIMEOUT = 300


def connections():
    """For each vCPU c and SINT n, as guest-tests/synic.c expects them."""
    words = []
    for c in range(2):
        for n in range(16):
            words.append(f'msg={0x100 + 16 * c + n}:vp={c}:sint={n}')
            words.append(f'event={0x200 + 16 * c + n}:vp={c}:sint={n}:flag={64 * n + 7 * c}')
    return ' '.join(words)


@pytest.mark.parametrize('platform', PLATFORMS)
def test_synic_guest_passes(boot, platform):
    options, mode, guest_args = PLATFORMS[platform]
    module = f'{GUESTS}/synic.elf cpus=2 exit-counters=on {connections()} -- {guest_args}'
    withheld = (f'{GUESTS}/hvmsr.elf name=withheld hv-apic=off hv-crash=off hv-ipi=off '
                'hv-tlbflush=off -- withheld')
    hvmsr = f'{GUESTS}/hvmsr.elf exit-counters=on -- {guest_args}'
    result = boot(smp=4, timeout=TIMEOUT, modules=[module, hvmsr, withheld],
                  **options)
    assert_no_exception(result)
    assert_console(result, rf'^hv: backend: (svm|vmx); local APICs: {mode}')
    hint = 'deprecates' if mode == 'APICv' else 'recommends'
    assert_console(result, rf'^hv: guest synic: Hyper-V: SynIC {hint} auto-EOI')
    accel = 'APIC acceleration stays on' if mode == 'APICv' else 'software APIC'
    for vcpu in (0, 1):
        assert_console(result, rf'^hv: guest synic vcpu {vcpu}: SynIC enabled, {accel}')
    assert_guest_passed(result, 'synic')
    assert_guest_passed(result, 'hvmsr')
    assert_guest_passed(result, 'withheld')
    assert_status(result, 0)
