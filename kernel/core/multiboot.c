/*
 * multiboot.c - read the multiboot2 boot information (see <mango/bootinfo.h>).
 */
#include <arch/memlayout.h>
#include <mango/bootinfo.h>
#include <mango/multiboot2.h>
#include <mango/panic.h>
#include <mango/printk.h>
#include <mango/string.h>

struct boot_info boot_info;

const char *boot_region_type_name(uint32_t type)
{
	switch (type) {
	case MB2_MEMORY_AVAILABLE: return "available";
	case MB2_MEMORY_ACPI_RECLAIMABLE: return "ACPI reclaimable";
	case MB2_MEMORY_NVS: return "ACPI NVS";
	case MB2_MEMORY_BADRAM: return "bad RAM";
	default: return "reserved";
	}
}

static void copy_string(char *dst, size_t size, const struct mb2_tag *tag)
{
	const struct mb2_tag_string *s = (const void *)tag;
	size_t max = tag->size - sizeof(*tag);
	size_t n = strnlen(s->string, max);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s->string, n);
	dst[n] = '\0';
}

static void parse_mmap(const struct mb2_tag *tag)
{
	const struct mb2_tag_mmap *m = (const void *)tag;
	const uint8_t *p = (const uint8_t *)m->entries;
	const uint8_t *end = (const uint8_t *)tag + tag->size;

	if (m->entry_size < sizeof(struct mb2_mmap_entry)) {
		pr_warn("multiboot: memory map entry size %u too small, map ignored\n",
			m->entry_size);
		return;
	}
	for (; p + m->entry_size <= end; p += m->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;
		if (boot_info.nr_mmap == BOOT_MMAP_MAX) {
			pr_warn("multiboot: more than %d memory regions, rest ignored\n",
				BOOT_MMAP_MAX);
			return;
		}
		boot_info.mmap[boot_info.nr_mmap++] = (struct boot_region){
			.base = e->base, .len = e->len, .type = e->type,
		};
	}
}

static void parse_module(const struct mb2_tag *tag)
{
	const struct mb2_tag_module *m = (const void *)tag;
	struct boot_module *bm;
	size_t max = tag->size - sizeof(*m), n;

	if (boot_info.nr_modules == BOOT_MODULES_MAX) {
		pr_warn("multiboot: more than %d modules, rest ignored\n", BOOT_MODULES_MAX);
		return;
	}
	bm = &boot_info.modules[boot_info.nr_modules++];
	bm->start = m->mod_start;
	bm->end = m->mod_end;
	n = MIN(strnlen(m->cmdline, max), sizeof(bm->cmdline) - 1);
	memcpy(bm->cmdline, m->cmdline, n);
	bm->cmdline[n] = '\0';
}

void multiboot_parse(uint32_t magic, phys_addr_t mbi)
{
	const struct mb2_info *info;
	const uint8_t *p, *end;

	if (magic != MB2_BOOTLOADER_MAGIC)
		panic("not started by a multiboot2 boot loader (magic 0x%x, expected 0x%x)",
		      magic, MB2_BOOTLOADER_MAGIC);
	if (mbi == 0 || mbi + sizeof(*info) > BOOT_MAP_SIZE)
		panic("multiboot2 information at 0x%lx is outside the boot mapping",
		      (unsigned long)mbi);
	info = boot_phys_to_virt(mbi);
	if (mbi + info->total_size > BOOT_MAP_SIZE)
		panic("multiboot2 information (%u bytes at 0x%lx) is outside the boot mapping",
		      info->total_size, (unsigned long)mbi);
	boot_info.mbi_start = mbi;
	boot_info.mbi_end = mbi + info->total_size;

	p = (const uint8_t *)(info + 1);
	end = (const uint8_t *)info + info->total_size;
	while (p + sizeof(struct mb2_tag) <= end) {
		const struct mb2_tag *tag = (const void *)p;
		if (tag->type == MB2_TAG_END)
			break;
		if (tag->size < sizeof(*tag) || p + tag->size > end) {
			pr_warn("multiboot: malformed tag (type %u, size %u), rest ignored\n",
				tag->type, tag->size);
			break;
		}
		switch (tag->type) {
		case MB2_TAG_CMDLINE:
			copy_string(boot_info.cmdline, sizeof(boot_info.cmdline), tag);
			break;
		case MB2_TAG_LOADER_NAME:
			copy_string(boot_info.loader, sizeof(boot_info.loader), tag);
			break;
		case MB2_TAG_MODULE:
			parse_module(tag);
			break;
		case MB2_TAG_MMAP:
			parse_mmap(tag);
			break;
		default:
			break;
		}
		p += ALIGN_UP(tag->size, MB2_TAG_ALIGN);
	}
	if (boot_info.nr_mmap == 0)
		pr_warn("multiboot: no memory map from the boot loader\n");
}

uint64_t boot_mem_usable(void)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < boot_info.nr_mmap; i++)
		if (boot_info.mmap[i].type == MB2_MEMORY_AVAILABLE)
			total += boot_info.mmap[i].len;
	return total;
}

phys_addr_t boot_mem_top(void)
{
	phys_addr_t top = 0;
	for (unsigned i = 0; i < boot_info.nr_mmap; i++) {
		const struct boot_region *r = &boot_info.mmap[i];
		if (r->type == MB2_MEMORY_AVAILABLE && r->base + r->len > top)
			top = r->base + r->len;
	}
	return top;
}

void boot_mmap_print(void)
{
	printk("memory map (%u regions, from %s):\n", boot_info.nr_mmap,
	       boot_info.loader[0] ? boot_info.loader : "the boot loader");
	for (unsigned i = 0; i < boot_info.nr_mmap; i++) {
		const struct boot_region *r = &boot_info.mmap[i];
		printk("  [%016lx-%016lx] %8lu KiB  %s\n", (unsigned long)r->base,
		       (unsigned long)(r->base + r->len - 1),
		       (unsigned long)(r->len / KiB), boot_region_type_name(r->type));
	}
	printk("usable RAM: %lu KiB (%lu MiB)\n", (unsigned long)(boot_mem_usable() / KiB),
	       (unsigned long)(boot_mem_usable() / MiB));
	for (unsigned i = 0; i < boot_info.nr_modules; i++)
		printk("module %u: [%lx-%lx) %s\n", i,
		       (unsigned long)boot_info.modules[i].start,
		       (unsigned long)boot_info.modules[i].end,
		       boot_info.modules[i].cmdline);
}
