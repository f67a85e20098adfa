"""The boot and feature-detection milestone: every CPU comes online, the hypervisor reports
the virtualization features it found, and with no guest module it halts (status 126)."""


import pytest

from conftest import (PLATFORMS, assert_line, assert_line_starting, assert_no_exception,
                      assert_status, boot_once, words_after)

NO_GUEST_RAN = 126
BOCHS_TIMEOUT = 180     # Bochs takes about 6 s to reach the hypervisor with 2 CPUs

VOCABULARY = set('vmx svm ept npt vpid asid unrestricted-guest apic-access apic-reg-virt '
                 'virt-intr-delivery posted-intr x2apic-virt avic x2avic nrip-save '
                 'decode-assists vgif preempt-timer x2apic tsc-deadline invariant-tsc tsc-aux xsaves'.split())

# What QEMU TCG's -cpu max offers and lacks.
QEMU_SVM_FEATURES = {'svm', 'npt', 'asid', 'vgif'}
QEMU_SVM_MISSING = {'avic', 'nrip-save', 'decode-assists'}

# What each Bochs 3.0 model offers and lacks (the test_apic.py boots check what the
# hypervisor makes of it: which local-APIC delivery the backend chose).
APICV_POSTED = {'vmx', 'ept', 'vpid', 'unrestricted-guest', 'apic-access', 'apic-reg-virt',
                'virt-intr-delivery', 'posted-intr', 'x2apic-virt', 'preempt-timer'}
BOCHS = {
    'bochs-skylake': ('intel', APICV_POSTED, set()),
    'bochs-sapphire-rapids': ('intel', APICV_POSTED, set()),
    'bochs-sandy-bridge': ('intel', {'vmx', 'ept', 'vpid', 'unrestricted-guest'},
                           {'virt-intr-delivery', 'posted-intr'}),
    'bochs-ryzen': ('amd', {'svm', 'npt', 'asid', 'nrip-save'}, {'avic', 'decode-assists'}),
}

qemu_bios_smp1 = boot_once('svm', smp=1)
qemu_bios_smp2 = boot_once('svm', smp=2)
qemu_uefi_smp2 = boot_once('svm', smp=2, uefi=True)


def assert_halts_without_guest(result, cpus):
    assert_no_exception(result)
    assert_line(result, f'hv: cpus online: {cpus}')
    assert_line(result, 'hv: no guest modules, nothing to run')
    assert_status(result, NO_GUEST_RAN)


def assert_features(result, vendor, present, missing):
    """The vendor line, and the features and missing lines: known words, none in both,
    the expected ones in each."""
    assert_line(result, f'hv: cpu vendor: {vendor}')
    found = words_after(result, 'hv: features:')
    lacking = words_after(result, 'hv: missing:')
    assert found <= VOCABULARY, f'unknown features {found - VOCABULARY}\n{result.describe()}'
    assert lacking <= VOCABULARY, f'unknown missing {lacking - VOCABULARY}\n{result.describe()}'
    assert not found & lacking, f'both found and missing: {found & lacking}\n{result.describe()}'
    assert present <= found, f'features not found: {present - found}\n{result.describe()}'
    assert missing <= lacking, f'not reported missing: {missing - lacking}\n{result.describe()}'


def test_qemu_bios_one_cpu_boots(qemu_bios_smp1):
    assert_halts_without_guest(qemu_bios_smp1, cpus=1)


def test_qemu_bios_one_cpu_detects_svm(qemu_bios_smp1):
    assert_features(qemu_bios_smp1, 'amd', QEMU_SVM_FEATURES, QEMU_SVM_MISSING)


def test_qemu_bios_two_cpus_boot(qemu_bios_smp2):
    assert_halts_without_guest(qemu_bios_smp2, cpus=2)


def test_qemu_bios_two_cpus_detect_svm(qemu_bios_smp2):
    assert_features(qemu_bios_smp2, 'amd', QEMU_SVM_FEATURES, QEMU_SVM_MISSING)


def test_qemu_uefi_two_cpus_boot(qemu_uefi_smp2):
    assert_halts_without_guest(qemu_uefi_smp2, cpus=2)


@pytest.mark.parametrize('platform', BOCHS)
def test_bochs_two_cpus_boot_and_detect(boot, platform):
    vendor, present, missing = BOCHS[platform]
    result = boot(smp=2, timeout=BOCHS_TIMEOUT, **PLATFORMS[platform])
    assert_halts_without_guest(result, cpus=2)
    assert_features(result, vendor, present, missing)


def test_bad_options_are_reported_and_ignored(boot):
    result = boot('svm', hv_args='loglevel=banana frobnicate=1')
    assert_no_exception(result)
    assert_line_starting(result, "hv: bad option 'loglevel': ")
    assert_line_starting(result, "hv: bad option 'frobnicate': ")
    assert_line(result, 'hv: cpus online: 1')
