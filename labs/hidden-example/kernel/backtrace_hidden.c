/*
 * backtrace_hidden.c - a hidden Lab 0 case (GRADING_EXTRA example): a chain
 * of three frames built by hand, ending in a zero frame pointer, walks to
 * its three return addresses in order. Catches a walk that drops the last
 * frame, records the frame pointer instead of the return address, or
 * does not stop at 0.
 */
#include <mango/backtrace.h>
#include <mango/ktest.h>

void kmain(uint32_t magic, phys_addr_t mbi);

KTEST(backtrace, hidden_walks_a_chain_in_order)
{
	struct stack_frame f[3];
	uintptr_t pcs[8];

	for (int i = 0; i < 3; i++) {
		f[i].next = i < 2 ? &f[i + 1] : NULL;
		f[i].ret = (uintptr_t)kmain + 16 * (i + 1);
	}
	KT_ASSERT_EQ(backtrace_walk((uintptr_t)&f[0], pcs, 8), 3);
	for (int i = 0; i < 3; i++)
		KT_EXPECT_EQ(pcs[i], (uintptr_t)kmain + 16 * (i + 1));
}
