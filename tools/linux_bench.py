"""The Linux guest's benchmark (guest-tests/linux/hvbench.c): how to boot it and what its
lines say, for tools/bench (make bench) and tests/system/test_linux.py."""

import re
from pathlib import Path

LINUX_CPUS = 3
SECONDS = 2  # hvbench.c's idle and spin phases
MODULES = [f'build/linux/vmlinuz name=linux mem=256M cpus={LINUX_CPUS} exit-counters=on '
           '{switches} -- console=ttyS0 nokaslr no5lvl reboot=a panic=-1 hvbench=1',
           'build/linux/initrd.img for=linux']
LINE = re.compile(r'^hvbench: phase=(\S+) ops=(\d+) cpu=(\d+) exits=([\d,]+) irqs=(\S+)')
LINUX_METHOD = ("exits: the hypervisor's per-vCPU exit counters, read by the guest through "
                '/dev/cpu/N/msr around each phase; timer interrupts: /proc/interrupts (LOC, HVS); '
                'IPI sends: ICR writes and hypercalls')
# The goals of the enlightenments on the software-APIC platform with all of them on.
LINUX_GOALS = [('EOI exits per timer interrupt', 0.1),
               ('IPI-send exits per multicast IPI (2 targets)', 1.05),  # 2 if one per target
               ('spurious wake-ups of halted vCPUs per munmap', 0.01)]


def linux_command(run_args, switches='', timeout=1500):
    """tools/run's command line for one boot; switches: hv-*=off options of the guest."""
    root = Path(__file__).resolve().parent.parent
    return [str(root / 'tools' / 'run'), *run_args, '--smp', str(LINUX_CPUS),
            '--timeout', str(timeout), *(m.format(switches=switches) for m in MODULES)]


def exit_reasons(repo):
    """enum exit_reason of core/exit.h: {name: number}."""
    text = (Path(repo) / 'core' / 'exit.h').read_text()
    return {m.group(1).lower(): int(m.group(2))
            for m in re.finditer(r'^\s*EXIT_(\w+) = (\d+),', text, re.M)}


def phases_of(lines):
    """{phase: (ops, [per CPU: (exit counts, {interrupt: count})])}."""
    phases = {}
    for m in filter(None, map(LINE.search, lines)):
        irqs = {name: int(n) for name, n in (kv.split(':') for kv in m.group(5).split(','))}
        exits = [int(n) for n in m.group(4).split(',')]
        phases.setdefault(m.group(1), (int(m.group(2)), []))[1].append((exits, irqs))
    return phases


def linux_metrics(phases, reason):
    """The figures of one boot, by name."""
    every, first, others = slice(None), slice(0, 1), slice(1, None)

    def total(phase, cpus, what):
        return sum(what(exits, irqs) for exits, irqs in phases[phase][1][cpus])

    def per_op(phase, cpus, what):
        return total(phase, cpus, what) / max(1, phases[phase][0])

    def exits(e, _):
        return sum(e)

    def sends(e, _):
        return e[reason['apic_ipi']] + e[reason['hypercall']]

    def eois(e, _):
        return e[reason['apic_eoi']]

    def spurious_wakeups(e, i):
        """A halted vCPU leaves HLT for each interrupt it takes; beyond those the
        hypervisor woke it for nothing the guest sees (a recorded flush must not)."""
        return max(0, e[reason['hlt']] - sum(i.values()))

    timer = total('spin', every, lambda _, i: i['LOC'] + i['HVS']) or 1
    return {
        'EOI exits per timer interrupt': total('spin', every, eois) / timer,
        'exits per timer interrupt': total('spin', every, exits) / timer,
        'exits per second, idle': total('idle', every, exits) / SECONDS,
        'exits per futex round trip': per_op('futex', every, exits),
        'IPI-send exits per futex round trip': per_op('futex', every, sends),
        'exits per multicast IPI (membarrier)': per_op('membarrier', every, exits),
        'IPI-send exits per multicast IPI (2 targets)': per_op('membarrier', first, sends),
        'exits per munmap (TLB shootdown)': per_op('shootdown', every, exits),
        'exits of the running targets per munmap': per_op('shootdown', others, exits),
        'exits per munmap, targets halted': per_op('shootdown-idle', every, exits),
        'spurious wake-ups of halted vCPUs per munmap':
            per_op('shootdown-idle', others, spurious_wakeups),
    }
