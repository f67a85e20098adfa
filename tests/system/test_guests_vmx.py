"""The same guest programs on the VMX backend, under Bochs (corei7_skylake_x): EPT, VPID,
unrestricted guest. Bochs is slow to boot, so each boot runs two guests on two CPUs."""

import pytest

from conftest import (CRASHED, GUESTS, assert_console, assert_guest_passed, assert_no_exception,
                      assert_status, boot_once)

BOCHS_TIMEOUT = 300

PAIRS = {
    'hello_cpuid': ('hello.elf -- greetings', 'cpuid.elf'),
    'msr_fwcfg': ('msr.elf', 'fwcfg.elf mem=40M'),
    'memory_stringio': ('memory.elf mem=48M', 'stringio.elf'),
}


def vmx_pair(first, second):
    return boot_once('vmx', smp=2, timeout=BOCHS_TIMEOUT,
                     modules=[f'{GUESTS}/{first}', f'{GUESTS}/{second}'])


hello_cpuid = vmx_pair(*PAIRS['hello_cpuid'])
msr_fwcfg = vmx_pair(*PAIRS['msr_fwcfg'])
memory_stringio = vmx_pair(*PAIRS['memory_stringio'])
toucher_and_bystander = vmx_pair('memory.elf name=toucher mem=32M -- touch-beyond', 'hello.elf')
faulty_and_bystander = vmx_pair('triplefault.elf name=faulty', 'hello.elf')
one_cpu_mb2 = boot_once('vmx', smp=1, timeout=BOCHS_TIMEOUT,
                        modules=[f'{GUESTS}/hello-mb2.elf -- one cpu'])


@pytest.mark.parametrize('pair', PAIRS)
def test_programs_pass(request, pair):
    result = request.getfixturevalue(pair)
    assert_no_exception(result)
    for module in PAIRS[pair]:
        assert_guest_passed(result, module.split('.')[0])
    assert_status(result, 0)


@pytest.mark.parametrize('program', ['hello', 'cpuid', 'msr', 'memory', 'fwcfg', 'stringio'])
def test_program_passes_on_one_cpu(boot, program):
    result = boot('vmx', smp=1, timeout=BOCHS_TIMEOUT, modules=[f'{GUESTS}/{program}.elf'])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert_status(result, 0)


def test_multiboot2_guest_on_one_cpu(one_cpu_mb2):
    assert_no_exception(one_cpu_mb2)
    assert_guest_passed(one_cpu_mb2)
    assert_status(one_cpu_mb2, 0)


def test_touch_past_memory_crashes_only_that_guest(toucher_and_bystander):
    result = toucher_and_bystander
    assert_no_exception(result)
    assert_console(result, r'^hv: guest toucher crashed on vcpu 0: read outside guest memory$')
    assert_console(result, r'EPT violation')
    assert_console(result, rf'^hv: guest toucher exited with code {CRASHED} \(crashed\)$')
    assert_guest_passed(result, 'hello')


def test_triple_fault_crashes_only_that_guest(faulty_and_bystander):
    result = faulty_and_bystander
    assert_no_exception(result)
    assert_console(result, r'^hv: guest faulty crashed on vcpu 0: triple fault$')
    assert_console(result, rf'^hv: guest faulty exited with code {CRASHED} \(crashed\)$')
    assert_guest_passed(result, 'hello')


def test_xsetbv_checked_by_the_hypervisor(boot):
    """Every XSETBV exits and gets the architectural answer from the hypervisor's check."""
    result = boot('vmx', smp=1, timeout=BOCHS_TIMEOUT,
                  modules=[f'{GUESTS}/xsetbv.elf exit-counters=on -- expect-exits'])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert not any('faulted on the host' in line for line in result.lines), result.describe()
    assert_status(result, 0)


def test_xsetbv_host_fault_is_fixed_up_for_the_guest(boot):
    """test-fixup=on skips the check: the invalid values fault on the host CPU, where the
    exception table turns each fault into the guest's #GP, said once on the console."""
    result = boot('vmx', smp=1, timeout=BOCHS_TIMEOUT, hv_args='test-fixup=on',
                  modules=[f'{GUESTS}/xsetbv.elf exit-counters=on -- expect-exits'])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert_console(result, r'^hv: guest xsetbv: xsetbv 0x\w+ on vcpu 0 faulted on the host '
                           r'\(#GP general protection, error code 0x0\)')
    assert sum('faulted on the host' in line for line in result.lines) == 1, result.describe()
    assert_status(result, 0)
