/*
 * uart.c - polled 16550 output and input (see <arch/uart.h>).
 */
#include <arch/io.h>
#include <arch/uart.h>

/* Register offsets from the port base */
#define UART_DATA 0     /* RX/TX buffer (DLAB=0), divisor low (DLAB=1) */
#define UART_IER 1      /* interrupt enable (DLAB=0), divisor high (DLAB=1) */
#define UART_FCR 2      /* FIFO control */
#define UART_LCR 3      /* line control */
#define UART_MCR 4      /* modem control */
#define UART_LSR 5      /* line status */
#define UART_SCRATCH 7

#define IER_RX_AVAILABLE 0x01
#define FCR_ENABLE 0x01
#define FCR_CLEAR_RX 0x02
#define FCR_CLEAR_TX 0x04
#define LCR_8N1 0x03
#define LCR_DLAB 0x80
#define MCR_DTR 0x01
#define MCR_RTS 0x02
#define MCR_OUT2 0x08   /* gates the UART's IRQ line on a PC */
#define LSR_DATA_READY 0x01
#define LSR_THR_EMPTY 0x20

#define UART_CLOCK 115200
#define UART_BAUD 115200
#define UART_TX_SPINS 100000 /* give up on a wedged transmitter */

static uint16_t present_mask; /* bit per port base we found, see port_bit() */

static unsigned port_bit(uint16_t base)
{
	return base == COM1_BASE ? 1u : base == COM2_BASE ? 2u : 0u;
}

bool uart_init(uint16_t base, bool rx_irq)
{
	uint16_t div = UART_CLOCK / UART_BAUD;

	outb(base + UART_SCRATCH, 0x5A);
	if (inb(base + UART_SCRATCH) != 0x5A)
		return false;
	outb(base + UART_IER, 0);
	outb(base + UART_LCR, LCR_DLAB);
	outb(base + UART_DATA, div & 0xFF);
	outb(base + UART_IER, div >> 8);
	outb(base + UART_LCR, LCR_8N1);
	outb(base + UART_FCR, FCR_ENABLE | FCR_CLEAR_RX | FCR_CLEAR_TX);
	outb(base + UART_MCR, MCR_DTR | MCR_RTS | MCR_OUT2);
	outb(base + UART_IER, rx_irq ? IER_RX_AVAILABLE : 0);
	present_mask |= port_bit(base);
	return true;
}

void uart_putc(uint16_t base, char c)
{
	unsigned spins = UART_TX_SPINS;

	if (!(present_mask & port_bit(base)))
		return;
	while (!(inb(base + UART_LSR) & LSR_THR_EMPTY) && --spins)
		cpu_relax();
	outb(base + UART_DATA, (uint8_t)c);
}

int uart_getc(uint16_t base)
{
	if (!(present_mask & port_bit(base)))
		return -1;
	if (!(inb(base + UART_LSR) & LSR_DATA_READY))
		return -1;
	return inb(base + UART_DATA);
}
