"""An unmodified Debian kernel (linux-image-cloud-amd64's bzImage, fetched by
tools/linux-kernel) as a guest, under QEMU SVM: loaded through the 32-bit boot protocol,
it detects Hyper-V, reads the privileges CPUID offers, and switches to the Hyper-V TSC-page
clocksource. It has no root file system yet (no initramfs, no ACPI tables, no I/O APIC),
so it panics, and with panic=-1 it resets through the keyboard controller, which ends the
guest with code 253."""

from conftest import assert_console, assert_no_exception, assert_status

KERNEL = 'build/linux/vmlinuz'
CMDLINE = 'console=ttyS0 nokaslr no5lvl panic=-1'


def test_debian_kernel_uses_the_hyperv_enlightenments(boot):
    result = boot('svm', smp=1, timeout=240,
                  modules=[f'{KERNEL} name=linux mem=256M -- {CMDLINE}'])
    assert_no_exception(result)
    for pattern in (r'\] Linux version 6\.\S+-cloud-amd64',
                    r'\] Hypervisor detected: Microsoft Hyper-V$',
                    r'\] Hyper-V: privilege flags low 0xa6e, high 0x30',
                    r'\] clocksource: Switched to clocksource hyperv_clocksource_tsc_page$',
                    r'\] Kernel panic - not syncing: VFS: Unable to mount root fs',
                    r'^hv: guest linux exited with code 253 \(the guest asked for a reset\)$'):
        assert_console(result, pattern)
    assert_status(result, 253)
