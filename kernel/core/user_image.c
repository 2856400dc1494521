/*
 * user_image.c - the table of user programs linked into the kernel
 * (<mango/user_image.h>; the Makefile generates the table with
 * kernel/tools/mkuserimages.py).
 */
#include <mango/string.h>
#include <mango/user_image.h>

extern const struct user_image user_images[];
extern const size_t user_images_count;

size_t user_image_count(void)
{
	return user_images_count;
}

const struct user_image *user_image_at(size_t i)
{
	return i < user_images_count ? &user_images[i] : NULL;
}

const struct user_image *user_image_find(const char *name)
{
	for (size_t i = 0; i < user_images_count; i++)
		if (!strcmp(user_images[i].ui_name, name))
			return &user_images[i];
	return NULL;
}
