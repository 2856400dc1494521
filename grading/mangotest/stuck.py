"""Where a stuck kernel is: QEMU's registers (over QMP) and the frame-pointer
chain, named with the kernel's own symbols.

    where(machine, Symbols.load())     # machine started with qmp=True
    -> "the CPU is spinning in buddy_alloc+0x4b (vm/vm_page.c:123) called
        from vm_page_alloc <- ktest_fn_pages_every_order <- run_case"
"""
from mangotest.machine import MachineError
from mangotest.qmp import QMPError

KERNEL_HALF = 0xFFFF800000000000
MAX_CALLERS = 5


def frame_chain(qmp, rbp, limit=MAX_CALLERS):
    """Return addresses of up to @limit callers, walking saved %rbp from
    @rbp (each frame: [rbp] = caller's rbp, [rbp+8] = return address)."""
    rets = []
    while rbp >= KERNEL_HALF and rbp % 8 == 0 and len(rets) < limit:
        words = qmp.read_virt(rbp, 2)
        if not words or words[1] < KERNEL_HALF:
            break
        rets.append(words[1])
        if words[0] <= rbp:  # frames go up the stack; anything else is not a frame
            break
        rbp = words[0]
    return rets


def where(machine, symbols):
    """One sentence: where @machine's CPU is (halted or spinning), the
    source line and the callers; or why that could not be found."""
    try:
        qmp = machine.qmp()
        regs = qmp.registers()
        rip, rbp = regs["RIP"], regs.get("RBP", 0)
        callers = frame_chain(qmp, rbp)
    except (MachineError, QMPError, OSError, KeyError, ValueError) as exc:
        return "(QEMU could not say where the CPU was: %s)" % exc
    state = "halted (hlt, waiting for an interrupt)" if regs.get("HLT") else "spinning"
    name = symbols.name(rip) or "0x%x (no kernel function)" % rip
    line = symbols.lines([rip])[0]
    names = [(symbols.name(a - 1) or "0x%x" % a).split("+")[0] for a in callers]
    text = "the CPU is %s in %s (%s)" % (state, name, line)
    if names:
        text += " called from " + " <- ".join(names)
    return text
