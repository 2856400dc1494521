/*
 * printk_params.c - the console log level from the kernel parameters
 * loglevel=N and quiet, applied as soon as they are parsed (an initcall
 * of INIT_CORE), so that printk itself stays below the parameter code.
 */
#include <mango/init.h>
#include <mango/param.h>
#include <mango/printk.h>

KERNEL_PARAM(loglevel, "loglevel", "console log level 0-7 (default 6; 7 adds debug messages)");
KERNEL_PARAM(quiet, "quiet", "only warnings and errors at boot (loglevel=4)");

static void printk_params_apply(void)
{
	uint64_t level;

	if (param_get("quiet"))
		printk_set_level(LOG_WARNING);
	if (param_get_u64("loglevel", LOG_DEBUG, &level))
		printk_set_level((int)level);
}
INITCALL(INIT_CORE, printk_params_apply);
