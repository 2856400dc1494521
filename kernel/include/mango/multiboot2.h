/*
 * mango/multiboot2.h - the parts of the Multiboot2 specification Mango uses.
 *
 * Header constants are shared with boot.S; the structures describe the boot
 * information GRUB leaves in memory. Parsing lives in core/multiboot.c.
 */
#ifndef MANGO_MULTIBOOT2_H_
#define MANGO_MULTIBOOT2_H_

#define MB2_HEADER_MAGIC 0xE85250D6
#define MB2_BOOTLOADER_MAGIC 0x36D76289
#define MB2_ARCH_I386 0
#define MB2_HEADER_TAG_END 0
#define MB2_HEADER_TAG_MODULE_ALIGN 6

#define MB2_TAG_END 0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_LOADER_NAME 2
#define MB2_TAG_MODULE 3
#define MB2_TAG_BASIC_MEMINFO 4
#define MB2_TAG_MMAP 6
#define MB2_TAG_ALIGN 8

#define MB2_MEMORY_AVAILABLE 1
#define MB2_MEMORY_RESERVED 2
#define MB2_MEMORY_ACPI_RECLAIMABLE 3
#define MB2_MEMORY_NVS 4
#define MB2_MEMORY_BADRAM 5

#ifndef __ASSEMBLER__
#include <mango/types.h>

struct mb2_info {
	uint32_t total_size;
	uint32_t reserved;
};

struct mb2_tag {
	uint32_t type;
	uint32_t size;
};

struct mb2_tag_string {
	uint32_t type;
	uint32_t size;
	char string[];
};

struct mb2_tag_module {
	uint32_t type;
	uint32_t size;
	uint32_t mod_start;
	uint32_t mod_end;
	char cmdline[];
};

struct mb2_mmap_entry {
	uint64_t base;
	uint64_t len;
	uint32_t type;
	uint32_t reserved;
};

struct mb2_tag_mmap {
	uint32_t type;
	uint32_t size;
	uint32_t entry_size;
	uint32_t entry_version;
	struct mb2_mmap_entry entries[];
};
#endif

#endif /* MANGO_MULTIBOOT2_H_ */
