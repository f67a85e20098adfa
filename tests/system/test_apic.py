"""The virtual local APIC and SMP guests on every platform here, each guest with 2 vCPUs:
QEMU SVM and Bochs ryzen (SVM, software delivery), Bochs skylake (VMX with APICv and posted
interrupts) and Bochs sandy bridge (VMX without virtual-interrupt delivery: software
delivery). The exit statistics show which path ran."""

import re

import pytest

from conftest import (GUESTS, PLATFORMS as ALL, assert_console, assert_guest_passed,
                      assert_no_exception, assert_status)

SOFTWARE = 'software delivery'
APICV = 'APICv'
PLATFORMS = {
    'qemu-svm': (ALL['qemu-svm'], SOFTWARE),
    'bochs-ryzen': (ALL['bochs-ryzen'], SOFTWARE),
    'bochs-skylake': (ALL['bochs-skylake'], APICV),
    'bochs-sandy-bridge': (ALL['bochs-sandy-bridge'], SOFTWARE),
}
PROGRAMS = {
    'apic': 'apic.elf cpus=2',
    # hv-ipi=on hv-tlbflush=on: the hypercalls are offered with APICv too, where by
    # default they are not recommended (native IPIs cost less there).
    'smp': 'smp.elf cpus=2 hv-ipi=on hv-tlbflush=on -- cpus=2',
}
# QEMU 7.2's TCG aborts when an SVM guest writes CR8: the CR8 checks run on Bochs only.
CR8_ON = {'bochs-ryzen', 'bochs-skylake', 'bochs-sandy-bridge'}
TIMEOUT = 300


def stats_of(result, guest, vcpu=0):
    """The exit counts the hypervisor printed for a vCPU, as {reason: count}."""
    for line in result.lines:
        match = re.match(rf'hv: guest {guest} vcpu {vcpu}: \d+ exits:([^;]*)', line)
        if match:
            words = match.group(1).split()
            return {words[i]: int(words[i + 1]) for i in range(0, len(words) - 1, 2)}
    pytest.fail(f'no exit statistics for guest {guest} vcpu {vcpu}\n{result.describe()}')


def boot_on(boot, platform, module):
    options, _ = PLATFORMS[platform]
    return boot(smp=2, timeout=TIMEOUT, modules=[f'{GUESTS}/{module}'], **options)


@pytest.mark.parametrize('program', PROGRAMS)
@pytest.mark.parametrize('platform', PLATFORMS)
def test_apic_program_passes(boot, platform, program):
    module = PROGRAMS[program]
    if program == 'apic' and platform in CR8_ON:
        module += ' -- cr8'
    result = boot_on(boot, platform, module)
    mode = PLATFORMS[platform][1]
    assert_no_exception(result)
    assert_console(result, rf'^hv: backend: (svm|vmx); local APICs: {mode}')
    assert_guest_passed(result)
    assert_status(result, 0)
    stats = stats_of(result, program)
    if program == 'smp':
        assert stats.get('ipi', 0) > 0, stats  # IPIs to another vCPU always exit
    if program == 'apic' and mode == SOFTWARE:
        assert stats.get('interrupt-window', 0) > 0 and stats.get('eoi', 0) > 0, stats
    if program == 'apic' and mode == APICV:
        # The CPU delivers (no interrupt window), and virtualizes EOIs and self-IPIs in
        # both xAPIC and x2APIC mode; the ICR writes that send NMIs exit (SDM 30.5): three
        # in each mode's NMI check.
        assert not {'interrupt-window', 'eoi'} & stats.keys(), stats
        assert stats.get('ipi', 0) == 6, stats
    if program == 'apic':
        assert stats.get('nmi-window', 0) > 0, stats  # the NMIs sent during an NMI handler


@pytest.mark.parametrize('platform', ['bochs-skylake', 'qemu-svm'])
def test_xapic_eoi_exits_only_without_apicv(boot, platform):
    """Under APICv an EOI of a vector outside the EOI-exit bitmap causes no exit (SDM 29.1.2);
    on the software path every xAPIC EOI exits."""
    result = boot_on(boot, platform, 'apic.elf cpus=2 -- xapic-only')
    assert_no_exception(result)
    assert_guest_passed(result)
    eois = stats_of(result, 'apic').get('eoi', 0)
    if PLATFORMS[platform][1] == APICV:
        assert eois == 0, f'{eois} EOI exits under APICv\n{result.describe()}'
    else:
        assert eois > 0, result.describe()
