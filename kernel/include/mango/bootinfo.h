/*
 * mango/bootinfo.h - what the boot loader told us, copied out of the
 * multiboot2 information so that its memory can be reused later.
 */
#ifndef MANGO_BOOTINFO_H_
#define MANGO_BOOTINFO_H_

#include <mango/types.h>

#define BOOT_MMAP_MAX 64
#define BOOT_MODULES_MAX 8
#define BOOT_CMDLINE_MAX 1024
#define BOOT_NAME_MAX 64

/* Region types are the multiboot2 ones (MB2_MEMORY_AVAILABLE, ...). */
struct boot_region {
	phys_addr_t base;
	uint64_t len;
	uint32_t type;
};

struct boot_module {
	phys_addr_t start;
	phys_addr_t end; /* exclusive */
	char cmdline[BOOT_NAME_MAX];
};

struct boot_info {
	char cmdline[BOOT_CMDLINE_MAX];
	char loader[BOOT_NAME_MAX];
	struct boot_region mmap[BOOT_MMAP_MAX];
	unsigned nr_mmap;
	struct boot_module modules[BOOT_MODULES_MAX];
	unsigned nr_modules;
	phys_addr_t mbi_start; /* the multiboot information itself */
	phys_addr_t mbi_end;
};

extern struct boot_info boot_info;

/*
 * multiboot_parse - check @magic and copy what Mango uses out of the
 * multiboot2 information at physical @mbi into boot_info. Assumes the boot
 * page tables (the information must lie in the first BOOT_MAP_SIZE bytes).
 * Panics if the kernel was not started by a multiboot2 loader; warns and
 * skips malformed tags.
 */
void multiboot_parse(uint32_t magic, phys_addr_t mbi);

/* boot_mmap_print - the memory map, one region per line, and totals. */
void boot_mmap_print(void);

/* boot_mem_usable - bytes of RAM the map marks available. */
uint64_t boot_mem_usable(void);

/* boot_mem_top - end of the highest available region. */
phys_addr_t boot_mem_top(void);

const char *boot_region_type_name(uint32_t type);

#endif /* MANGO_BOOTINFO_H_ */
