/*
 * badptr.c - hostile arguments to the system calls: each must come back
 * as an error status, never a panic. Exits with the number of answers
 * that were not the expected ones (0: all right).
 */
#include <ulib.h>

#define UNMAPPED 0x10000000l             /* nothing mapped there */
#define KERNEL_HALF 0xFFFF800000000000l  /* the direct map */
#define USER_TOP 0x00007FFFFFFFF000l     /* the guard page below the end */

static int wrong;

/* expect - compare @got with @want, say so. */
static void expect(const char *what, long got, long want)
{
	bool ok = got == want;

	printf("badptr: %s = %ld (%s) %s\n", what, got, status_name(got), ok ? "ok" : "WRONG");
	wrong += !ok;
}

int main(int argc, char **argv)
{
	static const char msg[] = "badptr: a good write\n";

	expect("write(NULL, 8)", write(0, 8), -KERN_MEMORY_FAULT);
	expect("write(unmapped, 8)", write((void *)UNMAPPED, 8), -KERN_MEMORY_FAULT);
	expect("write(kernel half, 8)", write((void *)KERNEL_HALF, 8), -KERN_INVALID_ARGUMENT);
	expect("write(wrapping length)", write(msg, (size_t)-1), -KERN_INVALID_ARGUMENT);
	expect("write(past the user half)", write((void *)USER_TOP, 0x2000), -KERN_INVALID_ARGUMENT);
	expect("write(guard page, 1)", write((void *)USER_TOP, 1), -KERN_MEMORY_FAULT);
	expect("write(msg, 0)", write(msg, 0), 0);
	expect("write(msg)", write(msg, sizeof(msg) - 1), (long)sizeof(msg) - 1);
	expect("syscall 63", syscall6(63, 0, 0, 0, 0, 0, 0), -KERN_INVALID_ARGUMENT);
	expect("syscall -1", syscall6(-1, 0, 0, 0, 0, 0, 0), -KERN_INVALID_ARGUMENT);
	expect("yield()", yield(), 0);
	printf("badptr: %d wrong\n", wrong);
	return wrong;
}
