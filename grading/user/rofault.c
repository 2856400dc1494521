/*
 * rofault.c - writes to its own read-only data: the kernel must end it
 * with the fault's message and go on.
 */
#include <ulib.h>

static const int answer = 42;

int main(int argc, char **argv)
{
	volatile int *p = (volatile int *)&answer;

	printf("rofault: writing to read-only %p\n", (void *)p);
	*p = 43;
	printf("rofault: the write went through (it must not)\n");
	return 0;
}
