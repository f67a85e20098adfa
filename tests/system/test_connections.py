"""Two partitions talking through the hypervisor (guest-tests/pingpong.c): messages and
event flags through connections declared on their module command lines, a synthetic-timer
heartbeat on each side, and private connections closed to the other side; on QEMU SVM,
Bochs ryzen, Bochs skylake (APICv, posted interrupts) and Bochs sandy bridge. Bad declarations are refused at boot, and a
guest with send=off is denied both calls."""

import pytest

from conftest import (GUESTS, PLATFORMS as ALL, assert_console, assert_guest_passed,
                      assert_no_exception, assert_status)

PLATFORMS = {name: ALL[name] for name in
             ('qemu-svm', 'bochs-ryzen', 'bochs-skylake', 'bochs-sandy-bridge')}
PING = ('name=ping msg=0x10:vp=0:sint=2:from=pong event=0x11:vp=0:sint=3:flag=1:from=pong '
        'msg=0x12:vp=0:sint=2')
PONG = 'name=pong msg=0x20:vp=0:sint=2:from=ping event=0x21:vp=0:sint=3:flag=1'
ROUNDS = 20


@pytest.mark.parametrize('platform', PLATFORMS)
def test_two_partitions_exchange_messages(boot, platform):
    modules = [f'{GUESTS}/pingpong.elf {PING} -- ping rounds={ROUNDS} heartbeat-ms=20',
               f'{GUESTS}/pingpong.elf {PONG} -- pong heartbeat-ms=20']
    result = boot(smp=2, timeout=300, modules=modules, **PLATFORMS[platform])
    assert_no_exception(result)
    for name in ('ping', 'pong'):
        assert_guest_passed(result, name)
    assert_console(result, rf'^\[pong\] pong: got .ping {ROUNDS}., answered .pong {ROUNDS}.')
    assert_console(result, rf'^\[ping\] ping: got .pong {ROUNDS}., event flag set')
    assert_status(result, 0)


def test_bad_connections_are_refused_and_send_off_denied(boot):
    modules = [f'{GUESTS}/hello.elf name=lonely msg=5:vp=0:sint=1:from=nobody',
               f'{GUESTS}/hello.elf name=first msg=7:vp=0:sint=1',
               f'{GUESTS}/hello.elf name=second msg=7:vp=0:sint=1:from=first',
               f'{GUESTS}/pingpong.elf name=mute send=off -- mute']
    result = boot('svm', smp=2, modules=modules)
    assert_no_exception(result)
    assert_console(result, r'^hv: guest lonely refused: connection 0x5: from=nobody names no other guest$')
    assert_console(result, r'^hv: guest second refused: connection 0x7: guest first already has it for first$')
    assert_guest_passed(result, 'first')
    assert_guest_passed(result, 'mute')
    assert_status(result, 0)
