"""An unmodified Debian kernel (linux-image-cloud-amd64) with a busybox initramfs and the
kernel's own hv_vmbus.ko (tools/linux-kernel builds them from Debian packages), booted as a
guest. The kernel's log shows each stage: Hyper-V detected with the privileges CPUID
offers, the TSC-page clocksource, the synthetic timer as clock-event device, the VMBus
control channel answered by the hypervisor, every vCPU up. The busybox shell is then driven
over the serial line.

With 1 vCPU the shell comes first (vmbus=later): the test loads hv_vmbus itself and sees the
VMBus interrupts appear, then crashes the kernel on purpose, whose panic path unloads VMBus
(UNLOAD, UNLOAD_RESPONSE) and reports the crash with its log's tail through the Hyper-V
crash MSRs, which ends the guest. With 2 vCPUs /init loads hv_vmbus and the guest
powers off through ACPI S5; before that, gdb attaches to the running kernel through the
hypervisor's gdb stub (gdb=linux) and, where the emulator raises #BP (not QEMU's SVM, see
test_gdb.py), stops at uname's system call, its address from the guest's /proc/kallsyms.
Both run on QEMU SVM, Bochs ryzen (SVM with NRIP save), Bochs skylake (VMX, APICv with
posted interrupts) and Bochs sapphire_rapids."""

import re
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

import interactive
from conftest import PLATFORMS as ALL, assert_no_exception, assert_status, platform_args

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / 'tools'))
import linux_bench  # noqa: E402  (tools/, shared with make bench)

KERNEL = 'build/linux/vmlinuz'
INITRD = 'build/linux/initrd.img'
CMDLINE = 'console=ttyS0 nokaslr no5lvl reboot=a panic=-1'
PROMPT = r'/ # '
BOOT_SECONDS = 240
PLATFORMS = ('qemu-svm', 'bochs-ryzen', 'bochs-skylake', 'bochs-sapphire-rapids')
# Where the hypervisor recommends the APIC MSRs (for the VP assist page's lazy EOI), the IPI
# and the TLB-flush hypercalls; with APICv native IPIs cost less, and Linux uses them.
SOFTWARE_APIC = ('qemu-svm', 'bochs-ryzen')
# Where a software breakpoint reaches the gdb stub (QEMU 7.2's SVM: see test_gdb.py).
BREAKPOINTS = ('bochs-ryzen', 'bochs-skylake', 'bochs-sapphire-rapids')
VMBUS_VERSION = r'\] hv_vmbus: Vmbus version:5\.3$'


def boot_linux(platform, cpus, extra='', gdb=False):
    """Linux on platform; with gdb, the hypervisor's gdb stub for it on con.gdb_socket."""
    modules = [f'{KERNEL} name=linux mem=256M cpus={cpus} -- {CMDLINE} {extra}',
               f'{INITRD} for=linux']
    sock = str(Path(tempfile.mkdtemp(prefix='hv-gdb-')) / 'gdb') if gdb else None
    run, con = interactive.start([*platform_args(platform), '--smp', str(cpus),
                                  *(['--gdb-socket', sock] if gdb else [])], modules,
                                 hv_args='console-input=linux' + (' gdb=linux' if gdb else ''),
                                 timeout=BOOT_SECONDS, run_timeout=BOOT_SECONDS + 300)
    con.cpus = cpus
    con.software_apic = platform in SOFTWARE_APIC
    con.gdb_socket = sock
    con.breakpoints = platform in BREAKPOINTS
    return run, con


def shell(con, line, pattern=''):
    """Types line into the busybox shell; its output up to the next prompt, which must
    contain pattern."""
    con.type(line + '\r')
    text = con.expect(pattern) if pattern else ''
    return text + con.expect(PROMPT)


def interrupt_counts(con, name):
    """The per-CPU counts of one /proc/interrupts line."""
    text = shell(con, 'cat /proc/interrupts')
    match = re.search(rf'^ *{name}:((?: +\d+){{{con.cpus}}})', text, re.M)
    assert match, f'no {name} line in:\n{text}'
    return [int(n) for n in match.group(1).split()]


def expect_boot(con, vmbus_at_boot):
    """The kernel's log up to the shell prompt."""
    con.expect(r'\] Hypervisor detected: Microsoft Hyper-V$')
    con.expect(r'\] Hyper-V: privilege flags low 0xa7e, high 0x30, hints 0x\w+, misc 0xa0500$')
    if con.software_apic:
        con.expect(r'\] Hyper-V: Using hypercall for remote TLB flush$')
    con.expect(r'\] ACPI: Using ACPI \(MADT\) for SMP configuration information$')
    if con.software_apic:
        con.expect(r'\] Hyper-V: Using IPI hypercalls$')
        con.expect(r'\] Hyper-V: Using enlightened APIC \(x2apic mode\)$')
    if con.cpus > 1:
        con.expect(rf'\] smp: Brought up 1 node, {con.cpus} CPUs$')
    con.expect(r'\] clocksource: Switched to clocksource hyperv_clocksource_tsc_page$')
    con.expect(r'ttyS0 at I/O 0x3f8 \(irq = \d+, base_baud = 115200\) is a 16550A$')
    if vmbus_at_boot:
        expect_vmbus(con)
    con.expect(rf'^init: hyperv_clocksource_tsc_page clocksource, Hyper-V clockevent clockevent,'
               rf' {con.cpus} CPUs$')
    con.expect(PROMPT)


def expect_vmbus(con):
    """SynIC on every vCPU, then the handshake with the hypervisor's VMBus host."""
    for _ in range(con.cpus):
        con.expect(r'^hv: guest linux vcpu \d: SynIC enabled')
    con.expect(r'^hv: guest linux: VMBus 5\.3 connected, its messages to vp 0 SINT 2$')
    con.expect(VMBUS_VERSION)


def expect_clock_devices(con):
    shell(con, 'uname -r', r'^6\.\S+-cloud-amd64$')
    shell(con, 'cat /sys/devices/system/clocksource/clocksource0/current_clocksource',
          r'^hyperv_clocksource_tsc_page$')
    for cpu in range(con.cpus):
        shell(con, f'cat /sys/devices/system/clockevents/clockevent{cpu}/current_device',
              r'^Hyper-V clockevent$')


# The kernel's log is clean: no MSR it touches unchecked is missing, and no WARN() splat.
UNCHECKED_MSR = re.compile(r'unchecked MSR access error: [^\n]*')
KERNEL_WARNING = re.compile(r'^\[ *[\d.]+\] WARNING: ', re.M)


def run_test(run, con, log_name, steps, status):
    try:
        steps(con)
    finally:
        code = interactive.finish(run, log_name)
    assert code == status, con.text[-2000:]
    assert 'hv: PANIC' not in con.text and 'hv: EXCEPTION' not in con.text
    assert not UNCHECKED_MSR.search(con.text), UNCHECKED_MSR.search(con.text).group(0)
    assert not KERNEL_WARNING.search(con.text), KERNEL_WARNING.search(con.text).group(0)


def vmbus_loaded_by_hand(con):
    expect_boot(con, vmbus_at_boot=False)
    expect_clock_devices(con)
    stimer, vmbus = interrupt_counts(con, 'HVS'), interrupt_counts(con, 'HYP')
    assert vmbus == [0], vmbus
    con.type('insmod /lib/modules/hv_vmbus.ko\r')
    expect_vmbus(con)
    con.expect(PROMPT)
    later_stimer, later_vmbus = interrupt_counts(con, 'HVS'), interrupt_counts(con, 'HYP')
    assert later_stimer[0] > stimer[0], f'{stimer} -> {later_stimer}'
    assert later_vmbus == [2], f'VERSION_RESPONSE and ALLOFFERS_DELIVERED: {later_vmbus}'
    # The panic path unloads VMBus and polls for UNLOAD_RESPONSE, then reports the crash
    # through the crash MSRs with the tail of the kernel's log, which ends the guest.
    con.command('echo c > /proc/sysrq-trigger', r'\] Kernel panic - not syncing: sysrq')
    con.expect(r'^hv: guest linux: VMBus unloaded$')
    con.expect(r'^hv: guest linux panicked on vcpu 0: CRASH_P0-P4 ')
    con.expect(r'^hv: guest linux panic: .*Kernel panic - not syncing: sysrq triggered crash')
    con.expect(r'^hv: guest linux exited with code 255 \(the guest reported a crash\)$')
    assert 'VMBus UNLOAD did not complete' not in con.text


def kernel_symbol(con, name):
    """A kernel symbol's address, from the guest's own /proc/kallsyms (Debian's System.map
    is a placeholder; the symbols are in the -dbg package, README)."""
    pattern = rf'^([0-9a-f]{{16}}) T {name}$'
    return int(re.search(pattern, shell(con, f'grep -w {name} /proc/kallsyms', pattern),
                         re.M).group(1), 16)


def debug_with_gdb(con):
    """gdb (no symbols) attached to the running kernel: both vCPUs are threads, their PCs
    in the kernel; where #BP reaches the stub, a breakpoint at uname's system call stops
    the kernel when the shell runs uname, then detach lets it finish."""
    uname = kernel_symbol(con, '__x64_sys_newuname')
    commands = ['target remote ' + con.gdb_socket, 'info threads', 'p/x $pc', 'thread 2',
                'p/x $pc', 'p/x $cr3', 'x/i $pc']
    if con.breakpoints:
        commands += [f'break *{uname:#x}', 'continue', 'p/x $pc', 'delete']
    gdb = subprocess.Popen(['gdb', '-batch', '-nx', *(x for c in commands + ['detach']
                                                      for x in ('-ex', c))],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    con.expect(r'hv: gdb: connected; guest linux stopped$')
    if con.breakpoints:
        con.type('uname -r\r')  # kept by the guest's UART while it is stopped
    out = gdb.communicate(timeout=BOOT_SECONDS)[0]
    con.expect(r'hv: gdb: detached; guest linux runs on$')
    values = re.findall(r'^\$\d+ = (0x[0-9a-f]+)$', out, re.M)
    assert re.search(r'^\* 1 +Thread 1 .*\n +2 +Thread 2 ', out, re.M), out
    assert all(int(pc, 16) >= 0xffffffff80000000 for pc in values[:2]), out
    if con.breakpoints:
        assert f'Breakpoint 1, {uname:#018x} in ?? ()' in out, out
        assert int(values[3], 16) == uname, out
        con.expect(r'^6\.\S+-cloud-amd64$')
        con.expect(PROMPT)


def vmbus_at_boot_then_power_off(con):
    expect_boot(con, vmbus_at_boot=True)
    expect_clock_devices(con)
    debug_with_gdb(con)
    stimer, vmbus = interrupt_counts(con, 'HVS'), interrupt_counts(con, 'HYP')
    later_stimer = interrupt_counts(con, 'HVS')
    assert all(b > a for a, b in zip(stimer, later_stimer)), f'{stimer} -> {later_stimer}'
    assert sum(vmbus) == 2, f'VERSION_RESPONSE and ALLOFFERS_DELIVERED: {vmbus}'
    # The debug shell's view of the I/O APIC: COM1's pin, unmasked, edge-triggered.
    con.type('\x01\x01\x01')
    con.expect(r'console input goes to the hypervisor shell')
    con.command('ioapic linux', r'^  pin 4  0x[0-9a-f]{16} vector 0x[0-9a-f]{2} dest \d edge, line \w+\n'
                r'  COM1 \(pin 4\): IER 0x0[0-9a-f] MCR 0x[0-9a-f]{2}')
    con.type('\x01\x01\x01')
    con.expect(r'console input goes to guest linux')
    con.type('\r')
    con.expect(PROMPT)
    con.command('poweroff -f', r'\] reboot: Power down$')
    con.expect(r'^hv: guest linux exited with code 0 \(the guest powered off\)$')
    con.expect(r'^hv: all guests ended, exit code 0$')


@pytest.mark.parametrize('platform', PLATFORMS)
def test_linux_one_vcpu(platform):
    run, con = boot_linux(platform, 1, 'vmbus=later')
    run_test(run, con, f'test_linux[{platform}-1]', vmbus_loaded_by_hand, 255)


@pytest.mark.parametrize('platform', PLATFORMS)
def test_linux_two_vcpus(platform):
    run, con = boot_linux(platform, 2, gdb=True)
    run_test(run, con, f'test_linux[{platform}-2]', vmbus_at_boot_then_power_off, 0)


def test_linux_workload_meets_the_goals(boot):
    """The benchmark workload of make bench (guest-tests/linux/hvbench.c, 3 vCPUs) on QEMU SVM
    with every enlightenment on: with the software APIC, APIC assist leaves at most 0.1 EOI
    exits per timer interrupt (1 without it), a multicast IPI costs its sender one exit, and
    TLB flushes for halted vCPUs do not wake them."""
    modules = [m.format(switches='') for m in linux_bench.MODULES]
    result = boot(smp=linux_bench.LINUX_CPUS, timeout=BOOT_SECONDS, modules=modules,
                  **ALL['qemu-svm'])
    assert_no_exception(result)
    assert 'hvbench: done' in result.lines, result.describe()
    assert_status(result, 0)
    root = Path(__file__).resolve().parents[2]
    metrics = linux_bench.linux_metrics(linux_bench.phases_of(result.lines),
                                        linux_bench.exit_reasons(root))
    for metric, goal in linux_bench.LINUX_GOALS:
        assert metrics[metric] <= goal, f'{metric}: {metrics[metric]:.3f}, goal {goal}\n' \
                                        f'{result.describe()}'
