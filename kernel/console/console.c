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

void console_putc(char c)
{
	if (c == '\n')
		uart_putc(COM1_BASE, '\r');
	uart_putc(COM1_BASE, c);
}

void console_write(const char *s, size_t n)
{
	while (n--)
		console_putc(*s++);
}
