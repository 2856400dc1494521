/*
 * fwcfg.c - reading files from QEMU's fw_cfg over I/O ports
 * (see <mango/fwcfg.h>; QEMU's docs/specs/fw_cfg.rst).
 */
#include <arch/io.h>
#include <mango/fwcfg.h>
#include <mango/string.h>

#define FWCFG_PORT_SEL 0x510  /* 16-bit selector */
#define FWCFG_PORT_DATA 0x511 /* 8-bit data, auto-incrementing */
#define FWCFG_KEY_SIGNATURE 0x0000
#define FWCFG_KEY_FILE_DIR 0x0019
#define FWCFG_NAME_MAX 56

struct fwcfg_file { /* big-endian on the wire */
	uint32_t size;
	uint16_t select;
	uint16_t reserved;
	char name[FWCFG_NAME_MAX];
};

static void read_bytes(void *buf, size_t n)
{
	uint8_t *p = buf;
	while (n--)
		*p++ = inb(FWCFG_PORT_DATA);
}

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static uint16_t be16(uint16_t v)
{
	return __builtin_bswap16(v);
}

static bool present(void)
{
	char sig[4];
	outw(FWCFG_PORT_SEL, FWCFG_KEY_SIGNATURE);
	read_bytes(sig, sizeof(sig));
	return !memcmp(sig, "QEMU", sizeof(sig));
}

ssize_t fwcfg_read_file(const char *name, void *buf, size_t size)
{
	uint32_t count;
	struct fwcfg_file f;

	if (!present())
		return -1;
	outw(FWCFG_PORT_SEL, FWCFG_KEY_FILE_DIR);
	read_bytes(&count, sizeof(count));
	count = be32(count);
	for (uint32_t i = 0; i < count; i++) {
		read_bytes(&f, sizeof(f));
		f.name[FWCFG_NAME_MAX - 1] = '\0';
		if (strcmp(f.name, name))
			continue;
		outw(FWCFG_PORT_SEL, be16(f.select));
		read_bytes(buf, MIN((size_t)be32(f.size), size));
		return (ssize_t)be32(f.size);
	}
	return -1;
}
