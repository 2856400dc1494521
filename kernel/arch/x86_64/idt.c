/*
 * idt.c - the interrupt descriptor table: every one of the 256 vectors
 * points at its stub in trap_entry.S, so nothing can arrive unhandled.
 */
#include <arch/x86.h>
#include <mango/trap.h>

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;       /* IST slot, 0 = stay on the current stack */
	uint8_t type_attr; /* P, DPL, gate type */
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
} __packed;

#define GATE_INTERRUPT 0x8E /* present, DPL 0, 64-bit interrupt gate */

extern const uint64_t trap_stub_table[T_NUM_VECTORS];
static struct idt_gate idt[T_NUM_VECTORS] __aligned(16);

static void set_gate(unsigned vec, uint64_t handler, unsigned ist)
{
	idt[vec] = (struct idt_gate){
		.offset_low = handler & 0xFFFF,
		.selector = GDT_KERNEL_CODE,
		.ist = (uint8_t)ist,
		.type_attr = GATE_INTERRUPT,
		.offset_mid = (handler >> 16) & 0xFFFF,
		.offset_high = (uint32_t)(handler >> 32),
	};
}

/*
 * idt_init - fill and load the IDT. Interrupt gates (IF cleared on entry)
 * everywhere; the double fault and NMI use IST stacks set up by gdt_init(),
 * which must run first.
 */
void idt_init(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __packed idtr = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	for (unsigned v = 0; v < T_NUM_VECTORS; v++)
		set_gate(v, trap_stub_table[v], 0);
	set_gate(T_DOUBLE_FAULT, trap_stub_table[T_DOUBLE_FAULT], IST_DOUBLE_FAULT);
	set_gate(T_NMI, trap_stub_table[T_NMI], IST_NMI);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}
