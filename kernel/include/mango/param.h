/*
 * mango/param.h - kernel parameters: "key=value" and bare "flag" words.
 *
 * The command line is GRUB's (grub.cfg) followed by QEMU's fw_cfg file
 * opt/mango/cmdline (make qemu CMDLINE="..."), so a later word overrides
 * an earlier one. Every accepted name is declared once with KERNEL_PARAM
 * next to the code that reads it; a word with an unknown name, or one that
 * is not of the form key[=value], is reported with a warning naming the
 * valid parameters and otherwise ignored. Parsing never fails the boot.
 */
#ifndef MANGO_PARAM_H_
#define MANGO_PARAM_H_

#include <mango/types.h>

struct kparam {
	const char *name;
	const char *help;
};

#define KERNEL_PARAM(id, pname, phelp)                                      \
	static const struct kparam __kparam_##id __section("mango_params." #id) \
		__used __aligned(8) = { .name = pname, .help = phelp }

/* param_parse - add the words of @cmdline (a later word wins). */
void param_parse(const char *cmdline);

/* param_get - the value of @name: "" for a bare flag, NULL if absent. */
const char *param_get(const char *name);

/*
 * param_get_u64 - the value of @name as a number (decimal, 0x hex, K/M/G).
 * Returns false if absent; false with a warning if malformed or above @max.
 */
bool param_get_u64(const char *name, uint64_t max, uint64_t *out);

/* param_cmdline - the whole command line as received. */
const char *param_cmdline(void);

/* param_dump - print each accepted word and each known parameter. */
void param_dump(void);

#endif /* MANGO_PARAM_H_ */
