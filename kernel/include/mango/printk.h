/*
 * mango/printk.h - kernel messages on the console (COM1).
 *
 * A message may start with a level marker (KERN_ERR "..."), as in Linux.
 * Messages with a level above the console log level (kernel parameter
 * loglevel=N, default LOG_INFO; printk_params.c reads it) are dropped; a message without a level is
 * console output (a monitor command's answer, say) and is always printed. Errors and warnings get an "error: " /
 * "warning: " prefix so that tests and people can grep for them.
 */
#ifndef MANGO_PRINTK_H_
#define MANGO_PRINTK_H_

#include <mango/types.h>
#include <stdarg.h>

#define LOG_EMERG 0
#define LOG_ERR 3
#define LOG_WARNING 4
#define LOG_NOTICE 5
#define LOG_INFO 6
#define LOG_DEBUG 7

#define KERN_SOH "\001"
#define KERN_EMERG KERN_SOH "0"
#define KERN_ERR KERN_SOH "3"
#define KERN_WARNING KERN_SOH "4"
#define KERN_NOTICE KERN_SOH "5"
#define KERN_INFO KERN_SOH "6"
#define KERN_DEBUG KERN_SOH "7"

/* printk - format and print a message; returns the bytes printed. */
int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);

#define pr_err(fmt, ...) printk(KERN_ERR fmt, ##__VA_ARGS__)
#define pr_warn(fmt, ...) printk(KERN_WARNING fmt, ##__VA_ARGS__)
#define pr_info(fmt, ...) printk(KERN_INFO fmt, ##__VA_ARGS__)
#define pr_debug(fmt, ...) printk(KERN_DEBUG fmt, ##__VA_ARGS__)

/* printk_set_level - show messages of level <= @level (0..7). */
void printk_set_level(int level);
int printk_get_level(void);

#endif /* MANGO_PRINTK_H_ */
