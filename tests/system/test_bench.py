"""The fast check `make test` keeps of `make bench` (tools/bench): one short boot of the
benchmark guest under Bochs APICv with our interrupt policy, where an ordinary EOI and the
absent EOI of an auto-EOI SINT cost no exit and a non-auto-EOI SINT's EOI costs exactly one.
A regression in the EOI-exit bitmap or the auto-EOI path fails CI here."""

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


def test_eoi_exit_counts_under_apicv(boot):
    bench = load_bench()
    result = boot('vmx', smp=2, cpu_model='corei7_skylake_x', timeout=300,
                  modules=[bench.MODULE.format(iterations=5)])
    assert_no_exception(result)
    assert_guest_passed(result)
    assert_status(result, 0)
    rows = {m.group(1): float(m.group(2))
            for m in map(bench.BENCH_LINE.search, result.lines) if m}
    expected = {'eoi-ordinary': 0.0, 'eoi-sint': 1.0, 'eoi-auto-eoi': 0.0}
    got = {op: rows.get(op) for op in expected}
    assert got == expected, f'EOI exits per operation {got}, expected {expected}\n{result.describe()}'
