/*
 * backtrace.c - frame-pointer stack walk and symbolized printing
 * (see <mango/backtrace.h>).
 */
#include <arch/mmu.h>
#include <mango/backtrace.h>
#include <mango/ksyms.h>
#include <mango/printk.h>

// LAB 0 SOLUTION BEGIN
/* A frame pointer we may dereference: aligned, in the kernel half, and
 * both words of the frame mapped. */
static bool frame_readable(uintptr_t fp)
{
	if (fp % sizeof(uintptr_t) || fp < KERNEL_HALF_BASE)
		return false;
	return mmu_is_mapped((const void *)fp) &&
	       mmu_is_mapped((const void *)(fp + sizeof(struct stack_frame) - 1));
}
// LAB 0 SOLUTION END

int backtrace_walk(uintptr_t fp, uintptr_t *pcs, int max)
{
	// LAB 0 SOLUTION BEGIN
	int n = 0;
	uintptr_t prev = 0;

	while (n < max && fp != 0) {
		const struct stack_frame *f;
		/* stacks grow down, so callers' frames are at higher addresses */
		if (fp <= prev || !frame_readable(fp))
			break;
		f = (const struct stack_frame *)fp;
		if (f->ret == 0)
			break;
		pcs[n++] = f->ret;
		prev = fp;
		fp = (uintptr_t)f->next;
	}
	return n;
	// LAB 0 STUB: /* Lab 0, Exercises 4 and 5: walk the chain of saved frame
	// LAB 0 STUB:  * pointers from fp and store return addresses in pcs. */
	// LAB 0 STUB: return 0;
	// LAB 0 SOLUTION END
}

/* Print one frame; a return address is looked up at ret-1, the call
 * instruction, so a call at the very end of a function names it. */
static void print_frame(int i, uintptr_t pc, bool is_return)
{
	uintptr_t off;
	const char *name = ksym_lookup(is_return ? pc - 1 : pc, &off);

	if (name)
		printk("  #%-2d 0x%016lx %s+0x%lx\n", i, (unsigned long)pc, name,
		       (unsigned long)(off + (is_return ? 1 : 0)));
	else
		printk("  #%-2d 0x%016lx ?\n", i, (unsigned long)pc);
}

void backtrace_print_from(uintptr_t pc, uintptr_t fp)
{
	uintptr_t pcs[BACKTRACE_MAX];
	int i = 0, n;

	printk("backtrace:\n");
	if (pc != BACKTRACE_NO_PC)
		print_frame(i++, pc, false);
	n = backtrace_walk(fp, pcs, BACKTRACE_MAX);
	for (int k = 0; k < n; k++)
		print_frame(i++, pcs[k], true);
	if (i == 0)
		printk("  (no frames)\n");
}

void backtrace_print(void)
{
	backtrace_print_from(BACKTRACE_NO_PC, (uintptr_t)__builtin_frame_address(0));
}
