"""Boot the hypervisor with tools/run and check what it prints on the serial console."""

import dataclasses
import functools
import re
import shlex
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUN = REPO / 'tools' / 'run'
HV = REPO / 'build' / 'hv.elf'
LOG_DIR = REPO / 'build' / 'test-logs'
BOOT_TIMEOUT = 120          # seconds tools/run waits for the hypervisor
RUNNER_GRACE = 60           # extra seconds before the test gives up on tools/run itself
SHOWN_LINES = 30            # console lines a failure message quotes

GUESTS = 'build/guest-tests'  # the guest programs, relative to the repository
CRASHED = 255                 # the exit code of a guest the hypervisor ended for a fault
SUMMARY = re.compile(r'SUMMARY: (\d+) passed, (\d+) failed')

# The platform matrix: each emulated machine, named in the test ids, as run_boot() options.
PLATFORMS = {
    # QEMU 7.2 TCG: SVM with NPT, no NRIP save, no AVIC: the software APIC
    'qemu-svm': dict(arch='svm'),
    # Bochs 3.0 ryzen: SVM with NPT and NRIP save, no AVIC: the software APIC
    'bochs-ryzen': dict(arch='svm', emulator='bochs', cpu_model='ryzen'),
    # Bochs 3.0 skylake: VMX with EPT and APICv, posted interrupts included
    'bochs-skylake': dict(arch='vmx', cpu_model='corei7_skylake_x'),
    # Bochs 3.0 sandy bridge: VMX with EPT, no virtual-interrupt delivery: the software APIC
    'bochs-sandy-bridge': dict(arch='vmx', cpu_model='corei7_sandy_bridge_2600k'),
    # Bochs 3.0 sapphire rapids: the same VMX as skylake, and a CPU with far more features
    'bochs-sapphire-rapids': dict(arch='vmx', cpu_model='sapphire_rapids'),
}


def platform_args(name):
    """A platform as tools/run arguments."""
    options = PLATFORMS[name]
    args = ['--arch', options['arch']]
    if 'emulator' in options:
        args += ['--emulator', options['emulator']]
    if 'cpu_model' in options:
        args += ['--cpu-model', options['cpu_model']]
    return args


RUN_STATUS_MEANINGS = {124: 'timeout', 125: 'hypervisor panic', 126: 'no guest ran',
                       127: 'emulator exited early', 2: 'usage error or missing file'}


@dataclasses.dataclass
class BootResult:
    """One boot: tools/run's exit status, the console (stdout) and tools/run's own messages."""
    command: list
    status: int
    out: str
    err: str
    log: Path

    def __repr__(self):
        return f'BootResult(status={self.status}, log={str(self.log)!r})'

    @property
    def lines(self):
        return self.out.splitlines()

    def describe(self):
        """Status, log path, runner messages and the console's last lines, for failures."""
        meaning = RUN_STATUS_MEANINGS.get(self.status, "the guest's exit code")
        tail = '\n'.join(f'  | {line}' for line in self.lines[-SHOWN_LINES:])
        return (f'tools/run exited {self.status} ({meaning}); full log: {self.log}\n'
                f'{self.err.rstrip()}\nlast console lines:\n{tail}')


def run_boot(log_name, arch, smp=1, uefi=False, hv_args='', modules=(), timeout=BOOT_TIMEOUT,
             mem=None, cpu_model=None, emulator=None):
    """Boot build/hv.elf under tools/run; the console goes to build/test-logs/LOG_NAME.log."""
    if not HV.is_file():
        pytest.fail(f'{HV} does not exist: run make first', pytrace=False)
    command = [str(RUN), '--arch', arch, '--smp', str(smp),
               '--timeout', str(timeout), '--hv', str(HV)]
    if emulator:
        command += ['--emulator', emulator]
    if uefi:
        command.append('--uefi')
    if mem:
        command += ['--mem', mem]
    if cpu_model:
        command += ['--cpu-model', cpu_model]
    if hv_args:
        command += ['--hv-args', hv_args]
    command += list(modules)
    done = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          errors='replace', timeout=timeout + RUNNER_GRACE)
    result = BootResult(command, done.returncode, done.stdout, done.stderr,
                        LOG_DIR / f'{log_name}.log')
    save_log(result)
    return result


def save_log(result):
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    result.log.write_text(f'$ {shlex.join(result.command)}\n{result.out}'
                          f'{result.err}[tools/run exit status {result.status}]\n')


@pytest.fixture
def boot(request):
    """boot(arch, smp=1, uefi=False, hv_args='', modules=(), timeout=..., mem=None, cpu_model=None,
    emulator=None): run_boot() with the log named after the test."""
    return functools.partial(run_boot, request.node.name)


def boot_once(arch, **options):
    """A module-scoped fixture that boots once for all the tests that read it;
    its log is named after the fixture."""
    @pytest.fixture(scope='module')
    def booted(request):
        return run_boot(request.fixturename, arch, **options)
    return booted


def assert_no_exception(result):
    bad = [line for line in result.lines if 'hv: EXCEPTION' in line or 'hv: PANIC' in line]
    assert not bad, 'the hypervisor panicked:\n' + '\n'.join(bad) + '\n' + result.describe()


def assert_status(result, expected):
    assert result.status == expected, f'expected status {expected}\n{result.describe()}'


def assert_line(result, expected):
    """The console has the line expected (surrounding blanks ignored)."""
    assert expected in (line.strip() for line in result.lines), \
        f'no console line {expected!r}\n{result.describe()}'


def assert_line_starting(result, prefix):
    assert any(line.startswith(prefix) for line in result.lines), \
        f'no console line starting {prefix!r}\n{result.describe()}'


def words_after(result, prefix):
    """The words of the first console line starting with prefix, after it."""
    for line in result.lines:
        if line.startswith(prefix):
            return set(line[len(prefix):].split())
    pytest.fail(f'no console line starting {prefix!r}\n{result.describe()}', pytrace=False)


def guest_lines(result, name=None):
    """The guest's console lines, without the '[name] ' prefix several guests get."""
    prefix = f'[{name}] '
    lines = [line.strip() for line in result.lines]
    if name is None:
        return lines
    return [line[len(prefix):] for line in lines if line.startswith(prefix)]


def assert_guest_passed(result, name=None):
    """No FAIL line, and a summary with checks passed and none failed."""
    lines = guest_lines(result, name)
    failed = [line for line in lines if line.startswith('FAIL')]
    assert not failed, f'guest {name} failed:\n' + '\n'.join(failed) + '\n' + result.describe()
    summaries = [SUMMARY.fullmatch(line) for line in lines if SUMMARY.fullmatch(line)]
    assert summaries, f'guest {name}: no summary line\n{result.describe()}'
    passed, failed_count = map(int, summaries[-1].groups())
    assert passed > 0 and failed_count == 0, result.describe()


def assert_console(result, pattern):
    assert any(re.search(pattern, line) for line in result.lines), \
        f'no console line matching {pattern!r}\n{result.describe()}'
