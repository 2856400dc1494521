/*
 * spin.c - never ends on its own: the kernel's time limit must.
 */
#include <ulib.h>

int main(int argc, char **argv)
{
	printf("spin: looping forever\n");
	for (;;)
		__asm__ volatile("" ::: "memory");
}
