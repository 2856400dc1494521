/*
 * arch/uart.h - 16550 UART on the PC's legacy COM ports.
 *
 * COM1 carries the console (printk and the monitor); COM2 is reserved for
 * the test channel (KTAP results), so nothing printed on the console can
 * be mistaken for a test result.
 */
#ifndef ARCH_UART_H_
#define ARCH_UART_H_

#include <mango/types.h>

#define COM1_BASE 0x3F8
#define COM2_BASE 0x2F8

/* uart_init - 115200 8N1, FIFOs on; RX interrupts enabled when @rx_irq.
 * Returns false if no UART answers at @base (its scratch register does not
 * hold a value), in which case output to it is dropped. */
bool uart_init(uint16_t base, bool rx_irq);

/* uart_putc - write one byte, waiting for room in the transmitter. */
void uart_putc(uint16_t base, char c);

/* uart_getc - the next received byte, or -1 if none is waiting. */
int uart_getc(uint16_t base);

#endif /* ARCH_UART_H_ */
