/*
 * arch/pic.h - the two legacy 8259 interrupt controllers and the 8254 timer.
 */
#ifndef ARCH_PIC_H_
#define ARCH_PIC_H_

#include <mango/types.h>

/* pic_init - remap IRQ 0-15 to vectors T_IRQ_BASE.., all masked. */
void pic_init(void);
void pic_unmask(unsigned irq);
void pic_mask(unsigned irq);
/* pic_eoi - acknowledge @irq. */
void pic_eoi(unsigned irq);
/* pic_is_spurious - true for a spurious IRQ 7/15 (nothing in service). */
bool pic_is_spurious(unsigned irq);

#endif /* ARCH_PIC_H_ */
