/*
 * console.c - COM1 as the console: polled output (see <mango/console.h>).
 * Input, which takes an interrupt, is console_input.c's: this file stays
 * below the trap code, so that panic() and printk can use it.
 */
#include <arch/uart.h>
#include <mango/console.h>

void console_init(void)
{
	uart_init(COM1_BASE, false);
}

static uint64_t sent;          /* bytes sent since boot */
static uint64_t flood_limit;   /* 0: none */
static void (*flood_fn)(void); /* called once, past flood_limit */

void console_set_flood_limit(uint64_t limit, void (*on_flood)(void))
{
	flood_limit = limit;
	flood_fn = on_flood;
}

/* Send one byte, counting it; past the flood limit, tell the listener
 * first (it usually ends the machine). */
static void put_counted(char c)
{
	if (++sent > flood_limit && flood_limit && flood_fn) {
		void (*fn)(void) = flood_fn;
		flood_fn = NULL;
		fn();
	}
	uart_putc(COM1_BASE, c);
}

void console_putc(char c)
{
	if (c == '\n')
		put_counted('\r');
	put_counted(c);
}

void console_write(const char *s, size_t n)
{
	while (n--)
		console_putc(*s++);
}
