/*
 * gdt.c - the long-mode GDT and the TSS.
 *
 * Segmentation is flat in long mode; the GDT exists for the code/data
 * selectors (kernel and user, in the order SYSCALL/SYSRET need: see
 * user.c) and to point at the TSS, which has two jobs: rsp0, the stack an
 * interrupt or exception from user mode switches to (SDM vol. 3A 7.7,
 * 6.14.2), and the IST: a double fault (for instance a kernel stack
 * overflow into the guard page) and an NMI switch to stacks of their own,
 * so they can still report.
 */
#include <arch/memlayout.h>
#include <arch/x86.h>
#include <mango/trap.h>
#include <mango/user.h>

struct tss {
	uint32_t reserved0;
	uint64_t rsp[3];
	uint64_t reserved1;
	uint64_t ist[7];
	uint64_t reserved2;
	uint16_t reserved3;
	uint16_t iomap_base;
} __packed;

#define TSS_TYPE_AVAILABLE_64 (0x9ull << 40)
#define GDT_ENTRIES 7 /* null, 4 segments, TSS (two slots) */

static uint64_t gdt[GDT_ENTRIES] __aligned(16);
static struct tss tss __aligned(16);

/* Stacks for the IST slots; referenced by backtrace's stack bounds. */
uint8_t ist_df_stack[IST_STACK_SIZE] __aligned(16);
uint8_t ist_nmi_stack[IST_STACK_SIZE] __aligned(16);

static uint64_t tss_low(uintptr_t base, uint32_t limit)
{
	return (limit & 0xFFFFull) | ((base & 0xFFFFFFull) << 16) |
	       TSS_TYPE_AVAILABLE_64 | SEG_P |
	       ((uint64_t)(limit >> 16 & 0xF) << 48) |
	       ((uint64_t)(base >> 24 & 0xFF) << 56);
}

/*
 * gdt_init - install the kernel GDT, reload every segment register and
 * load the task register. Assumes it runs once, on the boot CPU.
 */
void gdt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed gdtr = { sizeof(gdt) - 1, (uint64_t)(uintptr_t)gdt };
	uintptr_t tss_base = (uintptr_t)&tss;

	gdt[GDT_KERNEL_CODE / 8] = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_L | SEG_ACCESSED;
	gdt[GDT_KERNEL_DATA / 8] = SEG_P | SEG_S | SEG_RW | SEG_ACCESSED;
	gdt[GDT_USER_DATA / 8] = SEG_P | SEG_S | SEG_RW | SEG_DPL3 | SEG_ACCESSED;
	gdt[GDT_USER_CODE / 8] = SEG_P | SEG_S | SEG_CODE | SEG_RW | SEG_L | SEG_DPL3 | SEG_ACCESSED;
	gdt[GDT_TSS / 8] = tss_low(tss_base, sizeof(tss) - 1);
	gdt[GDT_TSS / 8 + 1] = tss_base >> 32;

	tss.ist[IST_DOUBLE_FAULT - 1] = (uintptr_t)(ist_df_stack + sizeof(ist_df_stack));
	tss.ist[IST_NMI - 1] = (uintptr_t)(ist_nmi_stack + sizeof(ist_nmi_stack));
	tss.iomap_base = sizeof(tss); /* no I/O permission bitmap */

	__asm__ volatile(
		"lgdt %0\n\t"
		"movw %w1, %%ds\n\t"
		"movw %w1, %%es\n\t"
		"movw %w1, %%ss\n\t"
		"pushq %2\n\t"
		"leaq 1f(%%rip), %%rax\n\t"
		"pushq %%rax\n\t"
		"lretq\n"
		"1:\n\t"
		"ltr %w3"
		:
		: "m"(gdtr), "r"(GDT_KERNEL_DATA), "i"(GDT_KERNEL_CODE), "r"(GDT_TSS)
		: "rax", "memory");
}

void tss_set_kernel_stack(uintptr_t top)
{
	tss.rsp[0] = top;
}
