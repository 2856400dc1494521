/*
 * mango/user_image.h - the user programs packed into the kernel image.
 *
 * The Makefile builds every program (each .c file of grading/user/ with the runtime in
 * kernel/user/) as a static ELF file and links them into the kernel as
 * one table (kernel/tools/mkuserimages.py writes it), so the boot image
 * carries its programs and nothing has to be read from a disk. The bytes
 * are untrusted input all the same: the loader checks them
 * (<mango/elf.h>) before it believes a field, and some images are
 * corrupt on purpose (badmagic, truncated, ...) to prove it.
 */
#ifndef MANGO_USER_IMAGE_H_
#define MANGO_USER_IMAGE_H_

#include <mango/types.h>

struct user_image {
	const char *ui_name;
	const uint8_t *ui_data;
	size_t ui_size;
};

/* user_image_find - the image called @name, or NULL. */
const struct user_image *user_image_find(const char *name);

/* user_image_count / user_image_at - the table, for listing. */
size_t user_image_count(void);
const struct user_image *user_image_at(size_t i);

#endif /* MANGO_USER_IMAGE_H_ */
