/*
 * mango/init.h - initcalls: code above kernel/ joins the boot without
 * kmain naming it.
 *
 *     static void vm_page_boot(void) { ... }
 *     INITCALL(INIT_PAGES, vm_page_boot);
 *
 * The linker collects the entries (section mango_init.<level>.<name>,
 * sorted), and kmain runs each level at its step of the bring-up (see
 * kernel/core/main.c); inside a level, functions run in name order. This
 * is how vm/ (the labs) starts: kernel/ never calls a lab function.
 */
#ifndef MANGO_INIT_H_
#define MANGO_INIT_H_

#include <mango/types.h>

/* Levels, in the order kmain runs them (a level's number names its section). */
#define INIT_CORE 1  /* parameters are parsed; no memory, no interrupts yet */
#define INIT_PAGES 2 /* kernel page tables are up: physical memory */
#define INIT_TYPES 3 /* kmalloc has its pages: object types and the like */

struct initcall {
	void (*fn)(void);
	int level;
};

#define INIT_STR_(x) #x
#define INIT_STR(x) INIT_STR_(x)
#define INITCALL(level_, fn_)                                                \
	static const struct initcall __initcall_##fn_                        \
		__section("mango_init." INIT_STR(level_) "." #fn_) __used    \
		__aligned(8) = { .fn = fn_, .level = level_ }

/* initcall_run - run every initcall of @level, in name order. */
void initcall_run(int level);

#endif /* MANGO_INIT_H_ */
