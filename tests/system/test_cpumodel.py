"""The CPU model's conformance guests on every platform of the matrix, side by side:
guest-tests/cpumodel.c (faults pushed with RF, unbacked addresses reading all ones, the
xAPIC page's edges, CPUID.1:EDX.APIC following IA32_APIC_BASE.EN, no PMU),
guest-tests/crstate.c (CR0, CR4 and EFER writes checked as the CPU checks them),
guest-tests/msrmodel.c (the MSRs as the guest's CPUID offers them: IA32_TSC and
IA32_TSC_ADJUST, the TSC-deadline timer after TSC writes, IA32_PAT, the MTRRs,
IA32_TSC_AUX with RDTSCP and RDPID, the per-vendor MSRs, #GP for hidden features) and
guest-tests/ia32/taskswitch.c (hardware task switches in 32-bit protected mode: native on
SVM, carried out by vmx/task_switch.c on VMX)."""

import pytest

from conftest import (GUESTS, PLATFORMS, assert_console, assert_guest_passed,
                      assert_no_exception, assert_status)

TIMEOUT = 300


@pytest.mark.parametrize('platform', PLATFORMS)
def test_cpu_model_conformance(boot, platform):
    result = boot(smp=4, timeout=TIMEOUT, **PLATFORMS[platform],
                  modules=[f'{GUESTS}/cpumodel.elf name=cpumodel',
                           f'{GUESTS}/crstate.elf name=crstate',
                           f'{GUESTS}/msrmodel.elf name=msrmodel',
                           f'{GUESTS}/taskswitch.elf name=taskswitch'])
    assert_no_exception(result)
    assert_guest_passed(result, 'cpumodel')
    assert_guest_passed(result, 'crstate')
    assert_guest_passed(result, 'msrmodel')
    assert_guest_passed(result, 'taskswitch')
    said = [line for line in result.lines if 'neither RAM nor a device' in line]
    assert len(said) == 1, result.describe()
    assert_console(result, r'^hv: guest cpumodel: read of 0xe0000000, neither RAM nor a device: '
                           r'reads all ones, writes are lost \(said once per page')
    assert not any('refused the guest' in line for line in result.lines), result.describe()
    assert_status(result, 0)
