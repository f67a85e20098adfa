"""The fast check `make test` keeps of `make bench` (tools/bench): one short boot of the
benchmark guest under Bochs APICv with posted interrupts and our interrupt policy, where an
ordinary EOI and the absent EOI of an auto-EOI SINT cost no exit and a non-auto-EOI SINT's
EOI costs exactly one; and where, with the other vCPU running (not halted), a fixed IPI
costs it no exit, a message to its normal SINT only the EOI's, each through the
posted-interrupt descriptor, and a message to its auto-EOI SINT never goes through it.
A regression in the EOI-exit bitmap, the auto-EOI path or posted delivery fails CI here."""

import importlib.machinery
import importlib.util
import re

from conftest import REPO, assert_guest_passed, assert_no_exception, assert_status


def load_bench():
    """tools/bench, a script without a .py suffix, as a module."""
    loader = importlib.machinery.SourceFileLoader('bench', str(REPO / 'tools' / 'bench'))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader('bench', loader))
    loader.exec_module(module)
    return module


def test_exit_counts_under_apicv_with_posted_interrupts(boot):
    bench = load_bench()
    result = boot('vmx', smp=2, cpu_model='corei7_skylake_x', timeout=300,
                  modules=[bench.MODULE.format(iterations=5) + ' expect-posted'])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert_status(result, 0)
    rows = {op: exits for op, (exits, _) in bench.rows_of(result.lines).items()}
    expected = {'eoi-ordinary': 0.0, 'eoi-sint': 1.0, 'eoi-auto-eoi': 0.0,
                'ipi-other-running:ap-exits': 0.0, 'ipi-other-running:ap-posted': 1.0,
                'message-other-running:ap-exits': 1.0, 'message-other-running:ap-posted': 1.0,
                'message-other-running-auto-eoi:ap-posted': 0.0}
    got = {op: rows.get(op) for op in expected}
    assert got == expected, f'per operation {got}, expected {expected}\n{result.describe()}'
