"""The debug shell over the serial console, driven interactively through the emulator's
serial port on a Unix socket (tools/run --console-socket), a two-vCPU guest
(guest-tests/pingpong.c, "listen") waiting for what the shell does to it; on QEMU SVM and
on Bochs VMX (skylake, APICv). Each command's output is checked, bad arguments get a usage
line, Ctrl-A three times moves input to the guest and back."""

import re

import pytest

import interactive
from conftest import GUESTS, platform_args

TIMEOUT = 60  # seconds for any one answer (QEMU TCG)

PLATFORMS = {name: platform_args(name) for name in ('qemu-svm', 'bochs-skylake')}


def start(platform, hv_args=''):
    """The listen guest with 2 vCPUs on 2 CPUs; tools/run and the console."""
    module = f'{GUESTS}/pingpong.elf name=listen cpus=2 -- listen heartbeat-ms=50'
    run, con = interactive.start([*PLATFORMS[platform], '--smp', '2'], [module], hv_args,
                                 timeout=TIMEOUT)
    con.expect(r'listen: ready')
    return run, con


@pytest.fixture(scope='module', params=PLATFORMS)
def console(request):
    """One boot per platform for the commands below, in order."""
    run, con = start(request.param)
    con.platform = request.param
    yield con
    interactive.finish(run, f'test_shell[{request.param}]')


def test_prompt_and_help(console):
    console.command('', r'^hv> ')
    text = console.command('help', r'^  gdb .*\n')
    for name in ('cpus', 'guests', 'vcpus', 'stats', 'trace', 'regs', 'vmcb', 'lapic', 'synic',
                 'post', 'signal', 'inject', 'pause', 'resume', 'kill', 'loglevel', 'mem', 'poke',
                 'gdb'):
        assert re.search(rf'^  {name} ', text, re.M), text


def test_what_runs_where(console):
    console.command('cpus', r'^cpu 1 \(APIC ID \d+\): listen:1, running$')
    console.command('guests', r'^listen: running, 2 vcpus, 64 MiB at 0x[0-9a-f]+$')
    console.command('vcpus', r'^listen:1 on cpu 1: running, \d+ exits$')


def test_exits(console):
    console.command('stats listen:0', r'^listen:0: \d+ exits\n(  \S+ +\d+\n)+')
    console.command('trace listen', r'the last exits, newest first[^\n]*\n  -0 +\S+ +hw 0x')


def test_state_of_a_vcpu_on_another_cpu(console):
    console.command('regs listen:1', r'hv:   rip [0-9a-f]{16}  rsp')
    mine, other = ('vmcb', 'vmcs') if console.platform == 'qemu-svm' else ('vmcs', 'vmcb')
    console.command(f'{mine} listen:1', rf'hv:   {mine.upper()} exit: .*\n(.*\n)*hv:   cs ')
    console.command(f'{other} listen', rf'{other}: this machine runs')
    console.command('lapic listen', r'^listen:0: APIC ID 0, base 0xfee00900 \(xAPIC\)')
    console.command('synic listen', r'^  sint 2  0x00000052 vector 0x52, 0 waiting$')


def test_bad_arguments(console):
    console.command('regs nobody', r"^no guest 'nobody' \(guests lists them\)$")
    console.command('trace', r'^usage: trace VCPU$')
    console.command('post listen 16 7 00', r"^'16': expected a number from 0 to 15$")
    console.command('post listen 2 7 xyz', r'^usage: post VCPU SINT TYPE HEXPAYLOAD')
    console.command('inject listen 3', r'^vector 0x3: fixed interrupts use 16 to 255$')
    console.command('stats listen:7', r"^'7': expected a number from 0 to 1$")
    console.command('frobnicate', r"^unknown command 'frobnicate' \(help lists them\)$")


def test_signal_and_loglevel(console):
    console.command('signal listen 3 5', r'^status 0x0$')
    console.command('signal listen:1 3 5', r'^status 0x18$')  # its SynIC is off: INVALID_SYNIC_STATE
    console.command('signal listen 3 2048', r"^'2048': expected a number from 0 to 2047$")
    console.command('loglevel 9', r"^'9': expected a number from 0 to 4$")
    console.command('loglevel 3', r'^loglevel 3$')


def test_pause_and_resume(console):
    console.command('pause listen', r'^listen paused$')
    console.command('guests', r'^listen: running \(paused\)')
    console.command('resume listen', r'^listen resumed$')


def test_drive_the_guest(console):
    console.command('inject listen 0x66', r'^vector 0x66 raised on listen:0$')
    console.command('post listen 2 7 eeffc000', r'^delivered$')
    console.type('\x01\x01\x01')
    console.expect(r'console input goes to guest listen')
    console.type('hello\r')
    console.expect(r"listen: got input 'hello'")
    console.expect(r'PASS listen-injected-vector')
    console.expect(r'PASS listen-posted-message')
    console.type('\x01\x01\x01')
    console.expect(r'console input goes to the hypervisor shell')


def test_poke(console):
    """Guest-physical memory written (low memory the guest does not use), read back."""
    console.command('poke listen 0x600 5aa50f', r'^3 bytes written at 0x600$')
    console.command('mem listen 0x600 3', r'^5a a5 0f$')
    console.command('poke listen 0x4000000 00', r"^0x4000000\+1 is not all in guest listen's RAM")
    console.command('poke listen 0x600 xyz', r'^usage: poke GUEST GPA HEXBYTES \(1 to 64 bytes\)$')


def test_gdb_command_refusals(console):
    """The gdb stub from the shell: none yet, and why it cannot start where asked (this
    machine has no COM2: tools/run adds it only with --gdb-socket; test_gdb.py starts one)."""
    console.command('gdb', r'^no gdb stub \(gdb GUEST \[PORT\] starts one\)$')
    console.command('gdb nobody', r'^gdb nobody: no such guest$')
    console.command('gdb listen com1', r"^gdb listen: that port is the console's$")
    console.command('gdb listen', r'^gdb listen: no UART answers at that port$')
    console.command('gdb listen com5', r'^gdb listen: expected com1\.\.com4 or an I/O port')
    console.command('gdb off', r'^gdb stub off$')


def test_panic_needs_the_option(console):
    console.command('panic', r'^panic: only with test-panic=on')


def test_integrity(console):
    """Nothing changed in the hypervisor's code, stacks or guard frames; corrupting one
    for the test needs test-panic=on."""
    console.command('integrity', r'^text\+rodata: 0 of \d+ bytes changed')
    console.expect(r'^stacks: \d+, 0 canary zones reached, deepest use \d+ bytes')
    console.expect(r'^guard frames: 1, 0 bytes changed')
    console.command('integrity corrupt', r'^integrity: .corrupt. only, and only with test-panic=on')


def test_kill(console):
    console.command('kill listen', r'guest listen exited with code 255 \(killed from the console\)')
    console.expect(r'all guests ended')


def test_panic_report():
    """test-panic=on: the integrity check sees a guard frame changed on purpose; the panic
    report names each CPU's vCPU and its last exits, then all halt."""
    run, con = start('qemu-svm', hv_args='test-panic=on')
    con.command('integrity corrupt', r'^guard frames: 1, 1 bytes changed')
    con.command('panic', r'hv: PANIC on cpu 0: requested from the debug shell')
    con.expect(r'hv: cpu 1: guest listen vcpu 1, \d+ exits')
    con.expect(r'hv: cpu 1:   exit -0: ')
    status = interactive.finish(run, 'test_shell_panic')
    assert status == 125, con.text[-2000:]
    assert re.search(r'hv: cpu 0: guest listen vcpu 0', con.text), con.text[-2000:]
