"""The virtual local APIC and SMP guests on every platform here, each guest with 2 vCPUs:
QEMU SVM, Bochs skylake (VMX) and Bochs sandy bridge (VMX without virtual-interrupt
delivery). All use software delivery today; the exit statistics show it."""

import re

import pytest

from conftest import GUESTS, assert_console, assert_guest_passed, assert_no_exception, assert_status

PLATFORMS = {
    'qemu-svm': dict(arch='svm'),
    'bochs-skylake': dict(arch='vmx', cpu_model='corei7_skylake_x'),
    'bochs-sandy-bridge': dict(arch='vmx', cpu_model='corei7_sandy_bridge_2600k'),
}
PROGRAMS = {
    'apic': 'apic.elf cpus=2',
    'smp': 'smp.elf cpus=2 -- cpus=2',
}
TIMEOUT = 300


@pytest.mark.parametrize('program', PROGRAMS)
@pytest.mark.parametrize('platform', PLATFORMS)
def test_apic_program_passes(boot, platform, program):
    result = boot(smp=2, timeout=TIMEOUT, modules=[f'{GUESTS}/{PROGRAMS[program]}'],
                  **PLATFORMS[platform])
    assert_no_exception(result)
    assert_console(result, r'^hv: backend: (svm|vmx); local APICs: software delivery')
    assert_guest_passed(result)
    assert_status(result, 0)
    # Software delivery: every xAPIC access exits, and EOIs and IPIs are counted on their own.
    assert_console(result, rf'^hv: guest {program} vcpu 0: \d+ exits:.* apic-access [1-9]\d* '
                           r'eoi [1-9]\d* ipi [1-9]')
