"""The gdb stub (gdb/): a guest debugged over its own serial port (tools/run --gdb-socket,
the hypervisor's gdb=GUEST) while a second guest on another CPU runs on, on QEMU SVM and
Bochs skylake (VMX). First the protocol by hand: line noise, then `?`, `c` and Ctrl-C (a
stop reply with SIGINT), `D`. Then Debian's gdb in batch mode against the guest's ELF
(guest-tests/gdbtarget.c): the stop at `target remote`, threads, a backtrace through the
guest's functions, a variable and registers read (CR3, EFER, CS), single steps (the PC
moves, TF stays hidden), `monitor` commands answered by the debug shell (guest-physical
memory by `monitor mem`, the same bytes as gdb's read through the page tables), under
Bochs a breakpoint hit twice with one call between, a hardware watchpoint hit by two
consecutive writes and a hardware breakpoint (see BREAKPOINTS), a variable written that
the guest acts on, and `detach`: the guest then passes
and exits 0. Last, a guest that crashes while gdb is attached stops in gdb."""

import random
import re
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

import interactive
from conftest import GUESTS, HV, PLATFORMS as ALL, RUN

PLATFORMS = {'qemu-svm': ALL['qemu-svm'], 'bochs-skylake': ALL['bochs-skylake'],
             'bochs-ryzen': ALL['bochs-ryzen']}
# QEMU 7.2's TCG checks an SVM guest's INT3 against the INTn intercept, not the #BP
# exception intercept (real AMD CPUs raise #BP), and does not arm the DR7 a VMRUN loads:
# software and hardware breakpoints and watchpoints are checked under Bochs.
BREAKPOINTS = {'bochs-skylake', 'bochs-ryzen'}
ELF = f'{GUESTS}/gdbtarget.elf'
TIMEOUT = 240


def platform_args(platform):
    options = PLATFORMS[platform]
    return ['--arch', options['arch'], *(['--cpu-model', options['cpu_model']]
                                         if 'cpu_model' in options else []),
            *(['--emulator', options['emulator']] if 'emulator' in options else [])]


def start(platform, sock):
    """gdbtarget with 2 vCPUs (the AP started while gdb is attached), other beside it."""
    run = subprocess.Popen([str(RUN), *platform_args(platform), '--smp', '3', '--timeout',
                            str(TIMEOUT), '--hv', str(HV), '--hv-args', 'gdb=gdbtarget',
                            '--gdb-socket', sock, f'{ELF} cpus=2', f'{ELF} name=other -- alone'],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors='replace')
    run.output = []
    run.reader = threading.Thread(target=lambda: run.output.extend(run.stdout), daemon=True)
    run.reader.start()
    return run


def wait_for(run, pattern, timeout=120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if re.search(pattern, ''.join(run.output), re.M):
            return
        time.sleep(0.2)
    pytest.fail(f'no {pattern!r} on the console:\n' + ''.join(run.output)[-3000:])


class Rsp:
    """A bare remote-protocol client on the stub's socket."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.sock.settimeout(60)
        self.buf = b''

    def send(self, payload):
        self.sock.sendall(b'$%s#%02x' % (payload, sum(payload) % 256))

    def packet(self):
        """The next packet's payload (acks skipped)."""
        while not re.search(rb'\$([^#]*)#[0-9a-f]{2}', self.buf):
            self.buf += self.sock.recv(4096)
        match = re.search(rb'\$([^#]*)#[0-9a-f]{2}', self.buf)
        self.buf = self.buf[match.end():]
        return match.group(1)

    def ask(self, payload):
        self.send(payload)
        return self.packet()


def symbol(name):
    nm = subprocess.run(['nm', ELF], capture_output=True, text=True, check=True).stdout
    return int(re.search(rf'^([0-9a-f]+) \S {name}$', nm, re.M).group(1), 16)


def debug_regs_owned(rsp, run, watch_fires):
    """With a write watch of ours in DR0, the guest checks its own debug registers
    (gdbtarget.c, DR_CHECK): its MOV DR must see its values, never ours; then its next
    count is our watch's hit (where the emulator arms it), or Ctrl-C stops it. Stopped
    within count_once, the guest hits the watch once before it sees DR_CHECK."""
    counter = symbol('gdb_counter')
    assert rsp.ask(b'Z2,%x,8' % counter) == b'OK'
    assert rsp.ask(b'M%x,4:03000000' % symbol('gdb_release')) == b'OK'
    rsp.send(b'c')
    if watch_fires:
        stop = rsp.packet()
        if 'debug registers checked' not in ''.join(run.output):
            assert stop.startswith(b'T05watch:%x;' % counter), stop
            rsp.send(b'c')
            stop = rsp.packet()
    wait_for(run, r'gdbtarget: debug registers checked')
    if not watch_fires:
        rsp.sock.sendall(b'\x03')
        stop = rsp.packet()
    assert stop.startswith(b'T05watch:%x;' % counter if watch_fires else b'T02'), stop
    assert rsp.ask(b'z2,%x,8' % counter) == b'OK'
    assert rsp.ask(b'qfThreadInfo') == b'm1,2'           # the AP it started meanwhile


def by_hand(path, run, watch_fires):
    """Noise first (it must not hurt), then a session of its own: stop, run, Ctrl-C, the
    guest's own debug registers, detach."""
    rsp = Rsp(path)
    noise = random.Random(23)
    rsp.sock.sendall(bytes(noise.randrange(256) for _ in range(4000)).replace(b'\x03', b'.'))
    rsp.sock.sendall(b'$bad#00')
    assert rsp.ask(b'?').startswith(b'T05thread:1;')
    assert rsp.ask(b'qfThreadInfo') == b'm1'
    assert rsp.ask(b'm0,0') == b''
    assert rsp.ask(b'mffff800000000000,8') == b'E14'     # not mapped: an error, no fault
    assert rsp.ask(b'Hg7') == b'E01'                     # no such thread
    rsp.send(b'c')
    time.sleep(1)
    rsp.sock.sendall(b'\x03')
    assert rsp.packet().startswith(b'T02thread:1;')      # SIGINT
    debug_regs_owned(rsp, run, watch_fires)
    assert rsp.ask(b'D') == b'OK'
    rsp.sock.close()


GDB_COMMANDS = ['set pagination off', 'target remote {sock}', 'info threads', 'bt',
                'p gdb_counter', 'p/x $cr3', 'p/x $efer', 'p/x $cs', 'info symbol $pc',
                'p/x $pc', 'stepi', 'p/x $pc', 'stepi 4', 'p/x $pc', 'p/x $eflags & 0x100',
                'monitor vcpus', 'monitor regs gdbtarget', 'monitor mem gdbtarget 0x100000 8',
                'x/8xb 0x100000']
BREAKPOINT_COMMANDS = ['break count_once', 'continue', 'p gdb_counter', 'continue',
                       'p gdb_counter', 'delete', 'watch gdb_counter', 'continue', 'continue',
                       'delete', 'hbreak count_once', 'continue', 'delete']
# gdb_release written by guest-physical address (the guest's are its virtual ones)
END_COMMANDS = ['monitor gdb', 'monitor gdb other', 'monitor poke gdbtarget {release:#x} 2a000000',
                'p gdb_release', 'detach']


def with_gdb(path, breakpoints):
    command = ['gdb', '-batch', '-nx', ELF]
    lines = GDB_COMMANDS + (BREAKPOINT_COMMANDS if breakpoints else []) + END_COMMANDS
    for line in lines:
        command += ['-ex', line.format(sock=path, release=symbol('gdb_release'))]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    return done.stdout + done.stderr


@pytest.mark.parametrize('platform', PLATFORMS)
def test_gdb_session(platform):
    sock = str(Path(tempfile.mkdtemp(prefix='hv-gdb-')) / 'gdb')
    run = start(platform, sock)
    try:
        wait_for(run, r'gdbtarget: counting until gdb_release is 42')
        by_hand(sock, run, platform in BREAKPOINTS)
        out = with_gdb(sock, platform in BREAKPOINTS)
        wait_for(run, r'^hv: all guests ended, exit code 0$')
    finally:
        interactive.finish(run, f'test_gdb_session[{platform}]', timeout=60)
    console = ''.join(run.output)
    assert 'hv: EXCEPTION' not in console and 'hv: PANIC' not in console, console
    assert re.search(r'^\* 1 +Thread 1 ', out, re.M), out
    assert re.search(r'^#\d .*spin_until_released \(end=', out, re.M), out
    assert re.search(r'^#\d .* in test_main .* at guest-tests/gdbtarget\.c', out, re.M), out
    values = dict(re.findall(r'^\$(\d+) = (.*)$', out, re.M))
    assert int(values['1']) > 0, out                                # gdb_counter
    assert re.fullmatch(r'0x[0-9a-f]+000', values['2']), out         # CR3: a page
    assert re.fullmatch(r'0x5[0-9a-f]{2}', values['3']), out         # EFER: LME, LMA
    assert re.search(r'^(spin_until_released|count_once)( \+ \d+)? in section \.text$',
                     out, re.M), out
    pcs = [values['5'], values['6'], values['7']]                    # before, 1 and 5 steps
    assert len(set(pcs)) == 3, out
    assert values['8'] == '0x0', out                                 # TF hidden from gdb
    if platform in BREAKPOINTS:
        assert out.count('Breakpoint 1, count_once') == 2, out
        assert int(values['10']) == int(values['9']) + 1, out        # one call between hits
        hits = re.findall(r'^Old value = (\d+)\nNew value = (\d+)$', out, re.M)
        assert len(hits) == 2 and all(int(b) == int(a) + 1 for a, b in hits), out
        assert int(hits[1][0]) == int(hits[0][1]), out               # the next write
        assert re.search(r'^(Thread 1 hit )?Breakpoint 3, count_once', out, re.M), out  # DR0
    assert values[str(len(values))] == '42', out
    assert re.search(r'^gdbtarget:0 on cpu 0: ', out, re.M), out    # monitor: the shell's
    assert re.search(r'^hv: +rip [0-9a-f]{16}', out, re.M), out     # logged on the vCPU's CPU
    physical = re.search(r'^((?:[0-9a-f]{2} ){7}[0-9a-f]{2})$', out, re.M)  # monitor mem
    virtual = re.search(r'^0x100000 <[^>]*>:((?:\s+0x[0-9a-f]{2}){8})$', out, re.M)
    assert physical and virtual, out
    assert physical.group(1).split() == [b[2:] for b in virtual.group(1).split()], out
    assert 'detached' in out, out
    assert re.search(r'^gdb stub: guest gdbtarget on the UART at 0x2f8, gdb attached$', out,
                     re.M), out
    assert re.search(r'^gdb other: gdb is attached: detach it first$', out, re.M), out
    assert re.search(r'^4 bytes written at 0x[0-9a-f]+$', out, re.M), out
    assert 'FAIL ' not in console, console
    for line in ('hv: gdb: connected; guest gdbtarget stopped',
                 'hv: gdb: detached; guest gdbtarget runs on', 'PASS released-by-the-debugger',
                 'PASS dr-reads-its-own-before-written', 'PASS dr-reads-back-what-it-wrote',
                 'PASS dr7-high-bits-gp', 'PASS dr7-gd-db', 'PASS ap-started-while-debugged',
                 'PASS ap-dr-its-own-from-its-start',
                 'PASS ran-beside-the-debugged-guest', 'hv: guest other exited with code 0',
                 'hv: guest gdbtarget exited with code 0'):
        assert line in console, console
    # the other guest ended while gdbtarget was still held or waiting for its release
    assert console.index('hv: guest other exited') < console.index('PASS released-by')


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def test_make_gdb_stops_at_hv_main():
    """make gdb's way: QEMU's gdbstub (tools/run --qemu-gdb), build/hv.elf's symbols, a
    hardware breakpoint at hv_main reached with the multiboot2 information's address."""
    port = free_port()
    run = subprocess.Popen([str(RUN), '--arch', 'svm', '--timeout', '120', '--hv', str(HV),
                            '--qemu-gdb', str(port), f'{GUESTS}/hello.elf'],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run(['ss', '-ltn'], capture_output=True, text=True).stdout.find(
                f'127.0.0.1:{port} ') < 0:
            assert time.monotonic() < deadline, 'QEMU did not open its gdb port'
            time.sleep(0.2)
        done = subprocess.run(['gdb', '-batch', '-nx', str(HV), '-ex',
                               f'target remote 127.0.0.1:{port}', '-ex', 'hbreak hv_main',
                               '-ex', 'continue', '-ex', 'bt 1', '-ex', 'kill'],
                              capture_output=True, text=True, timeout=120)
    finally:
        run.terminate()
        run.wait(timeout=30)
    out = done.stdout + done.stderr
    assert re.search(r'^#0 +hv_main \(mbi=\d+\) at boot/main\.c:\d+', out, re.M), out


CRASH_COMMANDS = ['target remote {sock}', 'set var gdb_release = 7', 'continue',
                  'info symbol $pc', 'detach']


@pytest.mark.parametrize('platform', ['qemu-svm', 'bochs-skylake'])
def test_gdb_stops_at_a_crash(platform):
    """The stub started from the debug shell (`gdb GUEST`, no gdb= option); a guest that
    crashes (a triple fault) while gdb is attached stops in gdb with SIGSEGV where it
    crashed; detach then ends it as the crash would have."""
    sock = str(Path(tempfile.mkdtemp(prefix='hv-gdb-')) / 'gdb')
    run, con = interactive.start([*platform_args(platform), '--smp', '2', '--gdb-socket', sock],
                                 [ELF, f'{ELF} name=other -- alone'], timeout=120,
                                 run_timeout=TIMEOUT)
    try:
        con.expect(r'gdbtarget: counting until gdb_release is 42')
        con.command('gdb', r'^no gdb stub \(gdb GUEST \[PORT\] starts one\)$')
        con.command('gdb gdbtarget', r'^gdb stub: guest gdbtarget on the UART at 0x2f8, '
                                     r'waiting for gdb$')
        command = ['gdb', '-batch', '-nx', ELF]
        for line in CRASH_COMMANDS:
            command += ['-ex', line.format(sock=sock)]
        out = subprocess.run(command, capture_output=True, text=True, timeout=120)
        out = out.stdout + out.stderr
        con.expect(r'hv: all guests ended')
    finally:
        interactive.finish(run, f'test_gdb_stops_at_a_crash[{platform}]', timeout=60)
    console = con.text
    assert 'received signal SIGSEGV' in out, out
    assert re.search(r'^crash_now \+ \d+ in section \.text$', out, re.M), out
    assert 'hv: guest gdbtarget crashed on vcpu 0' in console, console
    assert 'hv: guest gdbtarget exited with code 255 (crashed, then the debugger detached)' \
        in console, console
