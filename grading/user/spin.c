/*
 * spin.c - never ends on its own: the kernel's time limit must. `spin
 * yield` loops on the yield system call instead (interrupts are off in
 * system calls: the limit is checked on the way back too).
 */
#include <ulib.h>

int main(int argc, char **argv)
{
	bool yielding = argc > 1 && argv[1][0] == 'y';

	printf("spin: looping forever%s\n", yielding ? " on yield()" : "");
	for (;;)
		if (yielding)
			yield();
}
