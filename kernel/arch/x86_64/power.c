/*
 * power.c - how the machine ends (the table is in <mango/machine.h>).
 *
 * Power off uses ACPI sleep state S5: write SLP_TYP|SLP_EN to the PM1a
 * control register. On QEMU's pc (PIIX4) and q35 (ICH9) machines SeaBIOS
 * puts the PM block at 0x600, so PM1a_CNT is 0x604, and QEMU's DSDT gives
 * S5 the SLP_TYP value 0; older Bochs/QEMU used 0xB004. A real kernel
 * would read both from the FADT and DSDT; Mango only runs on QEMU.
 */
#include <arch/io.h>
#include <mango/machine.h>
#include <mango/printk.h>

#define QEMU_PM1A_CNT 0x604
#define BOCHS_PM1A_CNT 0xB004
#define ACPI_SLP_EN (1u << 13)
#define ACPI_SLP_TYP_S5_QEMU (0u << 10)
/* Pause-loop iterations to wait for QEMU to act on the ACPI write: on the
 * order of 100 ms under TCG; QEMU normally stops the CPU within microseconds. */
#define POWEROFF_WAIT_SPINS 10000000u
#define QEMU_DEBUG_EXIT_PORT 0xF4 /* -device isa-debug-exit,iobase=0xf4 */

void machine_halt(void)
{
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

void machine_exit(uint32_t code)
{
	outl(QEMU_DEBUG_EXIT_PORT, code);
	/* no debug-exit device (a hand-made QEMU command line): just stop */
	machine_halt();
}

/*
 * machine_poweroff - QEMU handles the ACPI request in its main loop, not
 * at the port write, so the CPU keeps running for a moment: wait (about a
 * second, by the PIT when it is running) before trying the next way, or
 * isa-debug-exit would win the race.
 */
void machine_poweroff(void)
{
	static const uint16_t ports[] = { QEMU_PM1A_CNT, BOCHS_PM1A_CNT };

	for (unsigned i = 0; i < ARRAY_SIZE(ports); i++) {
		outw(ports[i], ACPI_SLP_EN | ACPI_SLP_TYP_S5_QEMU);
		for (unsigned spin = 0; spin < POWEROFF_WAIT_SPINS; spin++)
			cpu_relax();
	}
	printk("power off failed: no ACPI PM1a control register answered\n");
	machine_exit(MANGO_EXIT_HALT);
}

void machine_triple_fault(void)
{
	static const struct {
		uint16_t limit;
		uint64_t base;
	} __packed empty_idt = { 0, 0 };

	/* With no IDT, the breakpoint cannot be delivered (#GP), neither can
	 * the #GP (#DF), nor the #DF: the CPU shuts down. */
	__asm__ volatile("lidt %0; int3" : : "m"(empty_idt));
	machine_halt();
}
