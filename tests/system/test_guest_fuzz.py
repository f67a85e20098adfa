"""The hostile-guest fuzzer (guest-tests/fuzz/): short runs on QEMU SVM, with 1 vCPU
(2 vCPUs beside the sentinel: test_fuzz.py), end with no mismatch and no hypervisor exception; with `unmapped` its last read of
memory the partition does not have is the one crash it expects (with unbacked=crash the
hypervisor ends such a guest, exit code 255). Longer runs and other seeds: see the fuzzer's main.c."""

import pytest

from conftest import CRASHED, GUESTS, assert_console, assert_no_exception, assert_status

CONNECTIONS = {
    1: 'msg=0x10:vp=0:sint=2 event=0x11:vp=0:sint=3:flag=5',
    2: 'msg=0x10:vp=0:sint=2 event=0x11:vp=1:sint=3:flag=5',
}
OPS = 3000
TIMEOUT = 300


def fuzz_module(cpus, args, options=''):
    return (f'{GUESTS}/fuzz.elf name=fuzz cpus={cpus} mem=64M exit-counters=on {options} '
            f'{CONNECTIONS[cpus]} -- {args}')


@pytest.mark.parametrize('cpus', [1])  # 2 vCPUs: the campaign of test_fuzz.py
def test_fuzzer_finds_no_mismatch(boot, cpus):
    result = boot('svm', smp=2, timeout=TIMEOUT, modules=[fuzz_module(cpus, f'seed=1 ops={OPS}')])
    assert_no_exception(result)
    assert_console(result, rf'\bfuzz: done seed=1 ops={OPS} mismatches=0\b')
    assert_status(result, 0)


def test_fuzzer_unmapped_read_ends_the_guest(boot):
    result = boot('svm', smp=2, timeout=TIMEOUT,
                  modules=[fuzz_module(2, 'seed=7 ops=300 unmapped', 'unbacked=crash')])
    assert_no_exception(result)
    assert_console(result, r'\bfuzz: done seed=7 ops=300 mismatches=0\b')
    assert_console(result, r'guest fuzz crashed on vcpu 0: read outside guest memory')
    assert_status(result, CRASHED)
