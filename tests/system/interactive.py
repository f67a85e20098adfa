"""Boots driven through the serial console: tools/run --console-socket, a Console that
reads what the hypervisor and its guests print and types into it, and the run's end."""

import re
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from conftest import HV, LOG_DIR, RUN


class Console:
    """The serial console through a socket: what came so far, and typing."""

    def __init__(self, path, timeout, run=None):
        self.timeout = timeout  # seconds for any one answer
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX)
                self.sock.connect(path)
                break
            except OSError:
                if run is not None and run.poll() is not None:
                    run.reader.join(timeout=5)
                    pytest.fail('tools/run ended before its console came up:\n' +
                                ''.join(run.output)[-3000:], pytrace=False)
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.text = ''
        self.seen = 0  # what expect() has consumed
        self.lock = threading.Lock()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        while True:
            data = self.sock.recv(4096)
            if not data:
                return
            with self.lock:
                self.text += data.decode(errors='replace').replace('\r', '')

    def type(self, keys):
        for key in keys:  # one at a time: the hypervisor polls the UART every 20 ms
            self.sock.sendall(key.encode())
            time.sleep(0.005)

    def expect(self, pattern, timeout=None):
        """Waits for pattern after what was consumed; returns the text up to its end."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            with self.lock:
                match = re.search(pattern, self.text[self.seen:], re.M)
                if match:
                    start = self.seen
                    self.seen += match.end()
                    return self.text[start:self.seen]
            time.sleep(0.1)
        pytest.fail(f'no {pattern!r} on the console; it shows:\n{self.text[self.seen:][-3000:]}')

    def command(self, line, pattern):
        self.type(line + '\r')
        return self.expect(pattern)


def start(run_args, modules, hv_args='', timeout=60, run_timeout=300):
    """tools/run with the console on a socket, and the Console; answers within timeout."""
    path = str(Path(tempfile.mkdtemp(prefix='hv-console-')) / 'console')
    run = subprocess.Popen([str(RUN), *run_args, '--timeout', str(run_timeout), '--hv', str(HV),
                            '--hv-args', hv_args, '--console-socket', path, *modules],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, errors='replace')
    # Read tools/run's output as it comes: a full pipe would stop it, and with it the
    # console proxy it runs for Bochs.
    run.output = []
    run.reader = threading.Thread(target=lambda: run.output.extend(run.stdout), daemon=True)
    run.reader.start()
    return run, Console(path, timeout, run)


def finish(run, log_name, timeout=30):
    """tools/run's status once it has ended (or been ended); its output kept as a log."""
    try:
        run.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        run.terminate()
        run.wait(timeout=30)
    run.reader.join(timeout=30)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    (LOG_DIR / f'{log_name}.log').write_text(''.join(run.output))
    return run.returncode
