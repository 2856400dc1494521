/*
 * kread.c - reads a kernel address (the kernel image, mapped without the
 * user bit): the kernel must end it, not panic.
 */
#include <ulib.h>

#define KERNEL_IMAGE 0xFFFFFFFF80100000ul

int main(int argc, char **argv)
{
	printf("kread: reading 0x%lx\n", KERNEL_IMAGE);
	printf("kread: read 0x%lx (it must not)\n", *(volatile unsigned long *)KERNEL_IMAGE);
	return 0;
}
