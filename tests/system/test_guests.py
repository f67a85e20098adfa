"""Guest programs (guest-tests/) run on the SVM backend under QEMU TCG: each checks the
guest environment from inside and prints PASS/FAIL lines and a summary; crashes and
refusals are checked from the console."""

import pytest

from conftest import (CRASHED, GUESTS, assert_console, assert_guest_passed, assert_no_exception,
                      assert_status)

# Each program with the command line it needs; all must pass.
PROGRAMS = {
    'hello': 'name=hello mem=32M -- greetings',
    'hello-mb2': 'name=hello-mb2 mem=32M -- via multiboot2',
    'cpuid': 'name=cpuid',
    'msr': 'name=msr',
    'memory': 'name=memory mem=48M',
    'fwcfg': 'name=fwcfg mem=40M',
    'stringio': '',  # no name=: the guest is named after its file
    'xsetbv': 'name=xsetbv exit-counters=on',  # QEMU's TCG lets XSETBV through unintercepted
}


@pytest.mark.parametrize('smp', [1, 2])
@pytest.mark.parametrize('program', PROGRAMS)
def test_program_passes(boot, program, smp):
    result = boot('svm', smp=smp, modules=[f'{GUESTS}/{program}.elf {PROGRAMS[program]}'])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert_console(result, rf'^hv: guest {program} exited with code 0$')
    assert_console(result, rf'^hv: guest {program} vcpu 0: \d+ exits:')
    assert_status(result, 0)


def test_exit_code_reaches_the_runner(boot):
    result = boot('svm', modules=[f'{GUESTS}/exitcode.elf name=exitcode -- code=42'])
    assert_no_exception(result)
    assert_console(result, r'^hv: guest exitcode exited with code 42$')
    assert_console(result, r'^hv: all guests ended, exit code 42$')
    assert_status(result, 42)


def test_fw_cfg_counts_a_guests_vcpus(boot):
    result = boot('svm', smp=2, modules=[f'{GUESTS}/fwcfg.elf name=fwcfg cpus=2 -- cpus=2'])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert_status(result, 0)


def test_two_guests_run_at_once_on_their_own_cpus(boot):
    result = boot('svm', smp=2, modules=[f'{GUESTS}/hello.elf name=left -- from the left',
                                         f'{GUESTS}/cpuid.elf name=right'])
    assert_no_exception(result)
    assert_console(result, r'^hv: guest left: 1 vcpu on cpu 0')
    assert_console(result, r'^hv: guest right: 1 vcpu on cpu 1')
    assert_guest_passed(result, 'left')
    assert_guest_passed(result, 'right')
    assert_status(result, 0)


def test_touch_past_memory_crashes_only_that_guest(boot):
    result = boot('svm', smp=2, modules=[f'{GUESTS}/memory.elf name=toucher mem=32M unbacked=crash '
                                         '-- touch-beyond',
                                         f'{GUESTS}/hello.elf name=bystander'])
    assert_no_exception(result)
    assert_console(result, r'^hv: guest toucher crashed on vcpu 0: read outside guest memory$')
    assert_console(result, r'guest-physical address 0x2000000, guest memory is 0-0x1ffffff')
    assert_console(result, r'^hv:   rip [0-9a-f]{16}  rsp')
    assert_console(result, rf'^hv: guest toucher exited with code {CRASHED} \(crashed\)$')
    assert not any('FAIL touch-beyond' in line for line in result.lines), result.describe()
    assert_guest_passed(result, 'bystander')
    assert_console(result, r'^hv: guest bystander exited with code 0$')


def test_triple_fault_crashes_only_that_guest(boot):
    """Also a guest whose int3 is delivered onto a stack outside its RAM: the exit comes
    during the delivery, and that guest ends rather than the instruction at RIP being
    emulated."""
    result = boot('svm', smp=3, modules=[f'{GUESTS}/triplefault.elf name=faulty',
                                         f'{GUESTS}/triplefault.elf name=stackless '
                                         '-- delivery-outside-ram',
                                         f'{GUESTS}/hello.elf name=bystander'])
    assert_no_exception(result)
    assert_console(result, r'^hv: guest faulty crashed on vcpu 0: triple fault$')
    assert_console(result, r'^hv:   exit: shutdown \(SVM exit code 0x7f')
    assert_console(result, rf'^hv: guest faulty exited with code {CRASHED} \(crashed\)$')
    assert_console(result, r"^hv: guest stackless crashed on vcpu 0: an event's delivery wrote "
                           r'outside guest RAM$')
    assert_console(result, rf'^hv: guest stackless exited with code {CRASHED} \(crashed\)$')
    assert_guest_passed(result, 'bystander')


def test_requests_that_do_not_fit_are_refused(boot):
    result = boot('svm', smp=1, mem='256M',
                  modules=[f'{GUESTS}/hello.elf name=greedy-cpus cpus=2',
                           f'{GUESTS}/hello.elf name=greedy-mem mem=1G',
                           f'{GUESTS}/hello.elf name=bad mem=12Q',
                           f'{GUESTS}/hello.elf name=modest mem=16M'])
    assert_no_exception(result)
    assert_console(result, r'^hv: guest greedy-cpus refused: it asks for 2 cpus but only 1 are free$')
    assert_console(result, r'^hv: guest greedy-mem refused: not enough free memory$')
    assert_console(result, r"^hv: module 2 refused: .*mem=12Q")
    assert_guest_passed(result)  # the only guest left: its lines carry no prefix
    assert_status(result, 0)


def test_malformed_image_is_refused(boot):
    result = boot('svm', modules=['README.md name=text', f'{GUESTS}/hello.elf name=fine'])
    assert_no_exception(result)
    assert_console(result, r'^hv: guest text refused: ')
    assert_guest_passed(result)
    assert_status(result, 0)


def test_guests_run_after_a_uefi_boot(boot):
    result = boot('svm', smp=2, uefi=True, modules=[f'{GUESTS}/hello.elf',
                                                    f'{GUESTS}/memory.elf'])
    assert_no_exception(result)
    assert_guest_passed(result, 'hello')
    assert_guest_passed(result, 'memory')
    assert_status(result, 0)
