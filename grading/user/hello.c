/*
 * hello.c - the first user program: prints its arguments and exits with
 * status 3 (grading/tests/test_user.py checks both).
 */
#include <ulib.h>

int main(int argc, char **argv)
{
	printf("hello, world from ring 3 (%d arguments)\n", argc);
	for (int i = 0; i < argc; i++)
		printf("  argv[%d] = \"%s\"\n", i, argv[i]);
	return 3;
}
