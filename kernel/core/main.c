/*
 * main.c - kmain(), the first C function, called by boot.S.
 *
 * Bring-up order matters and is commented step by step; each step may
 * rely only on the steps above it. kmain names nothing of vm/ (the labs):
 * vm/ joins through initcalls (<mango/init.h>) run at the steps below, so
 * a branch with every lab stubbed still boots to the monitor.
 */
#include <arch/io.h>
#include <arch/mmu.h>
#include <arch/pic.h>
#include <mango/bootinfo.h>
#include <mango/console.h>
#include <mango/fwcfg.h>
#include <mango/init.h>
#include <mango/ksyms.h>
#include <mango/ktest.h>
#include <mango/monitor.h>
#include <mango/param.h>
#include <mango/printk.h>
#include <mango/time.h>
#include <mango/trap.h>

KERNEL_PARAM(timer_hz, "timer.hz", "timer interrupts per second (default 100)");

/* Per-boot parameters from QEMU (make qemu CMDLINE="..."). */
static void read_fwcfg_cmdline(void)
{
	static char buf[BOOT_CMDLINE_MAX];
	ssize_t n = fwcfg_read_file(FWCFG_CMDLINE_FILE, buf, sizeof(buf) - 1);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		pr_warn("fw_cfg command line truncated to %zu bytes\n", sizeof(buf) - 1);
	buf[MIN((size_t)n, sizeof(buf) - 1)] = '\0';
	param_parse(buf);
}

void kmain(uint32_t magic, phys_addr_t mbi) __noreturn;
void kmain(uint32_t magic, phys_addr_t mbi)
{
	uint64_t hz = TIMER_HZ_DEFAULT;

	/* 1. console output first, so every later step can report */
	console_init();
	pr_info("Mango x86-64 kernel booting\n");

	/* 2. CPU tables: from here on a fault is reported, not a reset */
	gdt_init();
	idt_init();

	/* 3. boot information and parameters (grub.cfg, then fw_cfg) */
	multiboot_parse(magic, mbi);
	param_parse(boot_info.cmdline);
	read_fwcfg_cmdline();
	initcall_run(INIT_CORE); /* the log level, panic listeners */

	/* 4. our own page tables: W^X image, guard page, direct map */
	mmu_init();

	/* 5. physical memory and what needs it: the page allocator (Lab 1's
	 * code; a stub leaves it empty, and everything above copes with
	 * that), then object types */
	initcall_run(INIT_PAGES);
	initcall_run(INIT_TYPES);

	/* 6. interrupts: timer and console input */
	pic_init();
	param_get_u64("timer.hz", 10000, &hz);
	timer_init((unsigned)hz);
	console_enable_irq();
	irq_enable();

	if (printk_get_level() >= LOG_INFO) {
		printk("boot loader: %s\n", boot_info.loader[0] ? boot_info.loader : "unknown");
		boot_mmap_print();
		printk("%zu kernel symbols; timer at %u Hz\n", ksym_count(), timer_hz());
	}

	/* 7. tests requested on the command line run now, then power off */
	ktest_boot();

	monitor_run();
}
