/*
 * bss.c - the bss and the stack come on demand (Lab 5's faults): 1 MiB of
 * bss reads as zero, takes writes, and a deep stack works.
 */
#include <ulib.h>

#define BSS_BYTES (1024 * 1024)
#define PAGE 4096

static unsigned char big[BSS_BYTES];

/* depth - recurse @n frames of 512 bytes each; the sum of their tops. */
static long depth(int n)
{
	volatile char frame[512];

	frame[0] = (char)n;
	return n == 0 ? 0 : frame[0] + depth(n - 1);
}

int main(int argc, char **argv)
{
	long bad = 0, sum = 0;

	for (long i = 0; i < BSS_BYTES; i += PAGE)
		bad += big[i] != 0;
	for (long i = 0; i < BSS_BYTES; i += PAGE)
		big[i] = (unsigned char)(i / PAGE);
	for (long i = 0; i < BSS_BYTES; i += PAGE)
		sum += big[i];
	printf("bss: %ld nonzero pages, sum %ld, stack %ld\n", bad, sum, depth(100));
	return bad == 0 && sum == 255 * 256 / 2 ? 0 : 1;
}
