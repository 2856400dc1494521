/*
 * vm_prot.c - protection bits as the letters the monitor reads and prints
 * (<mango/vm_prot.h>).
 */
#include <mango/vm_prot.h>

static const struct {
	char letter;
	enum vm_prot bit;
} letters[] = {
	{ 'r', VM_PROT_READ },
	{ 'w', VM_PROT_WRITE },
	{ 'x', VM_PROT_EXEC },
	{ 'u', VM_PROT_USER },
};
_Static_assert(VM_PROT_STRING_SIZE == ARRAY_SIZE(letters) + 1, "one letter per right");

const char *vm_prot_format(enum vm_prot prot, char buf[VM_PROT_STRING_SIZE])
{
	for (unsigned i = 0; i < ARRAY_SIZE(letters); i++)
		buf[i] = (prot & letters[i].bit) ? letters[i].letter : '-';
	buf[ARRAY_SIZE(letters)] = '\0';
	return buf;
}

bool vm_prot_parse(const char *s, enum vm_prot *out)
{
	unsigned p = 0;

	for (; *s; s++) {
		unsigned i;
		for (i = 0; i < ARRAY_SIZE(letters) && letters[i].letter != *s; i++)
			;
		if (i < ARRAY_SIZE(letters))
			p |= letters[i].bit;
		else if (*s != '-')
			return false;
	}
	*out = (enum vm_prot)p;
	return true;
}
