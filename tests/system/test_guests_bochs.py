"""The same guest programs under Bochs 3.0: on the VMX backend (corei7_skylake_x: EPT, VPID,
unrestricted guest, APICv) and on the SVM backend with NRIP save (ryzen), two guests per
boot on two CPUs; crash reports on VMX; XSETBV on skylake, ryzen and sapphire_rapids."""

import pytest

from conftest import (CRASHED, GUESTS, PLATFORMS, assert_console, assert_guest_passed,
                      assert_no_exception, assert_status, boot_once)

BOCHS_TIMEOUT = 300

PAIRS = {
    'hello_cpuid': ('hello.elf -- greetings', 'cpuid.elf'),
    'msr_fwcfg': ('msr.elf', 'fwcfg.elf mem=40M'),
    'memory_stringio': ('memory.elf mem=48M', 'stringio.elf'),
}


XSETBV_PLATFORMS = ('bochs-skylake', 'bochs-ryzen', 'bochs-sapphire-rapids')
XSETBV = f'{GUESTS}/xsetbv.elf exit-counters=on -- expect-exits'


def vmx_pair(first, second):
    return boot_once('vmx', smp=2, timeout=BOCHS_TIMEOUT,
                     modules=[f'{GUESTS}/{first}', f'{GUESTS}/{second}'])


toucher_and_bystander = vmx_pair('memory.elf name=toucher mem=32M unbacked=crash -- touch-beyond', 'hello.elf')
faulty_and_bystander = boot_once('vmx', smp=3, timeout=BOCHS_TIMEOUT,
                                 modules=[f'{GUESTS}/triplefault.elf name=faulty',
                                          f'{GUESTS}/triplefault.elf name=stackless '
                                          '-- delivery-outside-ram',
                                          f'{GUESTS}/hello.elf'])
one_cpu_mb2 = boot_once('vmx', smp=1, timeout=BOCHS_TIMEOUT,
                        modules=[f'{GUESTS}/hello-mb2.elf -- one cpu'])


@pytest.mark.parametrize('pair', PAIRS)
@pytest.mark.parametrize('platform', ['bochs-skylake', 'bochs-ryzen'])
def test_programs_pass(boot, platform, pair):
    result = boot(smp=2, timeout=BOCHS_TIMEOUT, **PLATFORMS[platform],
                  modules=[f'{GUESTS}/{module}' for module in PAIRS[pair]])
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
    assert_console(result, r"^hv: guest stackless crashed on vcpu 0: an event's delivery wrote "
                           r'outside guest RAM$')
    assert_guest_passed(result, 'hello')


@pytest.mark.parametrize('platform', XSETBV_PLATFORMS)
def test_xsetbv_checked_by_the_hypervisor(boot, platform):
    """Every XSETBV exits and gets the architectural answer from the hypervisor's check."""
    result = boot(smp=1, timeout=BOCHS_TIMEOUT, modules=[XSETBV], **PLATFORMS[platform])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert not any('faulted on the host' in line for line in result.lines), result.describe()
    assert_status(result, 0)


@pytest.mark.parametrize('platform', XSETBV_PLATFORMS)
def test_xsetbv_host_fault_is_fixed_up_for_the_guest(boot, platform):
    """test-fixup=on skips the check: the invalid values fault on the host CPU, where the
    exception table turns each fault into the guest's #GP, said once on the console."""
    result = boot(smp=1, timeout=BOCHS_TIMEOUT, hv_args='test-fixup=on', modules=[XSETBV],
                  **PLATFORMS[platform])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert_console(result, r'^hv: guest xsetbv: xsetbv 0x\w+ on vcpu 0 faulted on the host '
                           r'\(#GP general protection, error code 0x0\)')
    assert sum('faulted on the host' in line for line in result.lines) == 1, result.describe()
    assert_status(result, 0)
