/*
 * commands.c - the monitor's built-in commands: inspection (mem,
 * uptime, cmdline; bt is in kernel/core/backtrace_cmds.c), deliberate
 * failures for testing a kernel's error paths (panic, fault, crash), and
 * poweroff.
 */
#include <arch/memlayout.h>
#include <mango/bootinfo.h>
#include <mango/early_alloc.h>
#include <mango/format.h>
#include <mango/machine.h>
#include <mango/monitor.h>
#include <mango/panic.h>
#include <mango/param.h>
#include <mango/printk.h>
#include <mango/string.h>
#include <mango/time.h>

extern char __kernel_phys_start[], __kernel_end[];

static int cmd_mem(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	boot_mmap_print();
	printk("kernel image: [%lx-%lx) %lu KiB\n",
	       (unsigned long)(uintptr_t)__kernel_phys_start,
	       (unsigned long)virt_to_phys(__kernel_end),
	       (unsigned long)((virt_to_phys(__kernel_end) -
				(uintptr_t)__kernel_phys_start) / KiB));
	printk("early allocator: %lu of %lu KiB used\n",
	       (unsigned long)(early_alloc_used() / KiB),
	       (unsigned long)(EARLY_POOL_SIZE / KiB));
	return 0;
}
MONITOR_COMMAND(mem, "", "memory map summary and boot-time allocations", cmd_mem);

static int cmd_uptime(int argc, char **argv)
{
	uint64_t ms = uptime_ms();
	(void)argc;
	(void)argv;
	printk("up %lu.%03lu s (%lu ticks at %u Hz)\n", (unsigned long)(ms / 1000),
	       (unsigned long)(ms % 1000), (unsigned long)timer_ticks(), timer_hz());
	return 0;
}
MONITOR_COMMAND(uptime, "", "time since boot", cmd_uptime);

static int cmd_cmdline(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	param_dump();
	return 0;
}
MONITOR_COMMAND(cmdline, "", "kernel command line and known parameters", cmd_cmdline);

static int cmd_panic(int argc, char **argv)
{
	char msg[MONITOR_LINE_MAX] = "";
	size_t n = 0;

	for (int i = 1; i < argc; i++)
		n += (size_t)snprintf(msg + n, sizeof(msg) - MIN(n, sizeof(msg)),
				      "%s%s", i > 1 ? " " : "", argv[i]);
	panic("%s", argc > 1 ? msg : "requested from the monitor");
}
MONITOR_COMMAND(panic, "[message]", "panic on purpose (tests the panic path)", cmd_panic);

static int cmd_fault(int argc, char **argv)
{
	uint64_t addr;
	const char *how = argc > 2 ? argv[2] : "r";

	if (argc < 2 || argc > 3 || !parse_u64(argv[1], &addr, false) ||
	    strlen(how) != 1 || !strchr("rwx", how[0]))
		return monitor_usage(argv[0]);
	printk("%s 0x%lx ...\n", how[0] == 'w' ? "writing" : how[0] == 'x' ? "jumping to" : "reading",
	       (unsigned long)addr);
	if (how[0] == 'r')
		printk("read 0x%x\n", *(volatile uint8_t *)(uintptr_t)addr);
	else if (how[0] == 'w')
		*(volatile uint8_t *)(uintptr_t)addr = 0;
	else
		((void (*)(void))(uintptr_t)addr)();
	printk("no fault\n");
	return 0;
}
MONITOR_COMMAND(fault, "<addr> [r|w|x]", "read, write or jump to addr (tests the page-fault path)", cmd_fault);

static volatile bool keep_recursing = true;

/* Recurse until the boot stack runs into its guard page. */
static int overflow(int depth)
{
	volatile char frame[512];
	frame[0] = (char)depth;
	if (keep_recursing)
		return overflow(depth + 1) + frame[0];
	return frame[0];
}

static int cmd_crash(int argc, char **argv)
{
	const char *kind = argc == 2 ? argv[1] : "";

	if (!strcmp(kind, "triple")) {
		printk("triple fault: the CPU resets; QEMU (-no-reboot) ends\n");
		machine_triple_fault();
	} else if (!strcmp(kind, "stack")) {
		printk("recursing into the stack guard page...\n");
		return overflow(0);
	} else if (!strcmp(kind, "ud")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(kind, "div0")) {
		/* in asm: the compiler turns 1 / x into compares, never a #DE */
		__asm__ volatile("divl %0" : : "r"(0), "a"(1), "d"(0));
	} else if (!strcmp(kind, "gp")) {
		/* a non-canonical address: #GP, not #PF */
		return *(volatile int *)(uintptr_t)0x8000000000000000ull;
	}
	printk("usage: crash triple|stack|ud|div0|gp\n");
	return 1;
}
MONITOR_COMMAND(crash, "<kind>", "triple|stack|ud|div0|gp: fail in one of the ways a kernel can", cmd_crash);

static int cmd_poweroff(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	printk("powering off\n");
	machine_poweroff();
}
MONITOR_COMMAND(poweroff, "", "turn the machine off (QEMU exits with status 0)", cmd_poweroff);
