/*
 * crash.c - fails in one of the ways a user program can (argv[1]); the
 * kernel must end it with the reason and go on:
 *   ud     an undefined instruction         int3   a breakpoint (its gate is DPL 0)
 *   gp     a privileged instruction (hlt)   div0   a division by zero
 *   cr3    reading a control register       null   reading address 0
 *   nx     jumping to its stack (NX)        kjump  jumping into the kernel
 *   stack  recursing without end (the stack's guard: nothing mapped below)
 */
#include <ulib.h>

#define KERNEL_TEXT 0xFFFFFFFF80100000ul

/* streq - are @a and @b the same string? */
static bool streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

/* recurse - each frame keeps 1 KiB of stack alive; stops only at a
 * depth no 256 KiB stack reaches. */
static long recurse(long n)
{
	volatile char frame[1024];

	frame[0] = (char)n;
	return n > (1l << 40) ? 0 : recurse(n + 1) + frame[0];
}

int main(int argc, char **argv)
{
	const char *kind = argc > 1 ? argv[1] : "";
	volatile int zero = 0;
	unsigned char code[4]; /* on the stack (written at run time, so no
				* compiler can move it to rodata) */

	printf("crash: %s\n", kind);
	if (streq(kind, "ud"))
		__asm__ volatile("ud2");
	else if (streq(kind, "int3"))
		__asm__ volatile("int3");
	else if (streq(kind, "gp"))
		__asm__ volatile("hlt");
	else if (streq(kind, "div0"))
		__asm__ volatile("divl %0" : : "r"(zero), "a"(1), "d"(0)); /* edx:eax / 0 */
	else if (streq(kind, "cr3")) {
		unsigned long cr3;

		__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
		printf("crash: cr3 = 0x%lx\n", cr3);
	} else if (streq(kind, "null"))
		printf("%d\n", *(volatile int *)0);
	else if (streq(kind, "nx")) {
		*(volatile unsigned char *)code = 0xC3; /* ret */
		((void (*)(void))code)();
	}
	else if (streq(kind, "kjump"))
		((void (*)(void))KERNEL_TEXT)();
	else if (streq(kind, "stack"))
		printf("%ld\n", recurse(0));
	else {
		printf("crash: unknown kind '%s'\n", kind);
		return 2;
	}
	printf("crash: survived %s (it must not)\n", kind);
	return 1;
}
