"""The bounded hostile-guest campaign of `make test` (tools/fuzz-campaign; `make fuzz` runs
the long one): the fuzzer guest (guest-tests/fuzz/) beside the sentinel guest, on each
backend. Every boot must end with no mismatch in the fuzzer's architectural checks, no
hypervisor fault, the hypervisor's integrity report intact, and the sentinel's memory,
image and SynIC traffic unchanged."""

import re
import subprocess

import pytest

from conftest import REPO, LOG_DIR, platform_args

CAMPAIGN = REPO / 'tools' / 'fuzz-campaign'
SUMMARY = re.compile(r'fuzz campaign on \w+: (\d+) boots .*, (\d+) operations in \d+ s, '
                     r'(\d+) mismatches, (\d+) guest crashes handled, (\d+) hypervisor faults, '
                     r'(\d+) bytes changed outside the fuzzing guest')

# Operations per platform and per boot (one seed per boot), and each boot's timeout.
PLATFORMS = {
    'qemu-svm': (platform_args('qemu-svm'), 10000, 10000, 300),
    'bochs-ryzen': (platform_args('bochs-ryzen'), 10000, 10000, 600),
    'bochs-skylake': (platform_args('bochs-skylake'), 10000, 10000, 600),
}


@pytest.mark.parametrize('platform', PLATFORMS)
def test_fuzz_campaign(platform):
    options, ops, per_boot, timeout = PLATFORMS[platform]
    log_dir = LOG_DIR / f'fuzz-{platform}'
    command = [str(CAMPAIGN), *options, '--ops', str(ops), '--ops-per-boot', str(per_boot),
               '--seed', '1', '--timeout', str(timeout), '--log-dir', str(log_dir)]
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout * (ops // per_boot + 1) + 300)
    (LOG_DIR / f'test_fuzz_campaign[{platform}].log').write_text(done.stdout + done.stderr)
    report = f'{done.stdout}{done.stderr}(boot logs in {log_dir})'
    match = SUMMARY.search(done.stdout)
    assert match, f'no campaign summary:\n{report}'
    boots, done_ops, mismatches, crashes, faults, changed = map(int, match.groups())
    assert faults == 0 and changed == 0, report
    assert mismatches == 0, report
    assert done_ops >= ops, report
    assert done.returncode == 0, report
