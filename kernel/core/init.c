/*
 * init.c - running the initcalls (see <mango/init.h>).
 */
#include <mango/init.h>

extern const struct initcall __initcalls_start[], __initcalls_end[];

void initcall_run(int level)
{
	for (const struct initcall *c = __initcalls_start; c < __initcalls_end; c++)
		if (c->level == level)
			c->fn();
}
