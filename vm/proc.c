/*
 * proc.c - loading a program into a new address space, and running it
 * (<mango/proc.h>).
 */
#include <mango/elf.h>
#include <mango/format.h>
#include <mango/kmalloc.h>
#include <mango/proc.h>
#include <mango/string.h>
#include <mango/vm_object.h>
#include <mango/vm_page.h>
#include <mango/vm_region.h>

/* segment_kind - a segment's name from its rights: text, rodata, data. */
static const char *segment_kind(uint32_t flags)
{
	return (flags & ELF_PF_X) ? "text" : (flags & ELF_PF_W) ? "data" : "rodata";
}

/* segment_prot - the rights of a segment with ELF flags @flags. */
static enum vm_prot segment_prot(uint32_t flags)
{
	return VM_PROT_USER | VM_PROT_READ | ((flags & ELF_PF_W) ? VM_PROT_WRITE : 0) |
	       ((flags & ELF_PF_X) ? VM_PROT_EXEC : 0);
}

/* new_object - a new object "<prog>.<kind>" of @len bytes with @prot,
 * no page yet; NULL when out of memory. */
static struct vm_object *new_object(struct proc *p, const char *kind, size_t len,
				    enum vm_prot prot)
{
	char name[VM_OBJECT_NAME_MAX];

	snprintf(name, sizeof(name), "%s.%s", p->p_thread.ut_name, kind);
	return vm_object_create(name, len, prot);
}

/* map_object - map all of @vo at @base of @p's region with @prot; the
 * mapping takes over the caller's reference (dropped whatever happens).
 * The pages @vo has already are entered now; the rest come on demand. */
static kern_status_t map_object(struct proc *p, struct vm_object *vo, uintptr_t base, size_t len,
				enum vm_prot prot)
{
	uintptr_t where = base;
	kern_status_t s = vm_region_map(p->p_region, vo, 0, len, prot, &where);

	vm_object_put(vo);
	return s;
}

/*
 * object_page - the kernel address of @vo's 4 KiB page at @offset,
 * allocated (zeroed) now; NULL when out of memory. The loader writes the
 * program's bytes there before the object is mapped.
 */
static uint8_t *object_page(struct vm_object *vo, off_t offset)
{
	struct vm_page *page;

	if (vm_object_alloc_page_status(vo, offset, VM_PAGE_4K, &page) != KERN_OK)
		return NULL;
	return vm_page_to_virt(page);
}

/* load_segment - map checked PT_LOAD @ph of @image into @p: the pages
 * holding file bytes filled in first (so they are mapped at once, and the
 * program's code runs without a fault), the rest (bss) on demand. */
static kern_status_t load_segment(struct proc *p, const uint8_t *image,
				  const struct elf64_phdr *ph)
{
	uintptr_t base = ALIGN_DOWN(ph->p_vaddr, PAGE_SIZE);
	uintptr_t file_end = ph->p_vaddr + ph->p_filesz;
	size_t len = ALIGN_UP(ph->p_vaddr + ph->p_memsz, PAGE_SIZE) - base;
	enum vm_prot prot = segment_prot(ph->p_flags);
	struct vm_object *vo = new_object(p, segment_kind(ph->p_flags), len, prot);

	if (!vo)
		return KERN_NO_MEMORY;
	for (uintptr_t va = base; va < file_end; va += PAGE_SIZE) {
		uintptr_t lo = MAX(va, (uintptr_t)ph->p_vaddr);
		uintptr_t hi = MIN(va + PAGE_SIZE, file_end);
		uint8_t *page = object_page(vo, (off_t)(va - base));

		if (!page) {
			vm_object_put(vo);
			return KERN_NO_MEMORY;
		}
		memcpy(page + (lo - va), image + ph->p_offset + (lo - ph->p_vaddr), hi - lo);
	}
	return map_object(p, vo, base, len, prot);
}

/*
 * load_stack - map the stack and write the arguments into its top page:
 * the strings at the top, below them argv[0..argc] (NULL-terminated), and
 * the initial rsp below that, 16-byte aligned; rdi = argc, rsi = argv.
 */
static kern_status_t load_stack(struct proc *p, int argc, char *const argv[])
{
	uintptr_t base = PROC_STACK_TOP - PROC_STACK_SIZE;
	uintptr_t page_va = PROC_STACK_TOP - PAGE_SIZE, sp = PROC_STACK_TOP;
	enum vm_prot prot = VM_PROT_USER | VM_PROT_READ | VM_PROT_WRITE;
	uintptr_t uargv[PROC_ARGS_MAX + 1];
	struct vm_object *vo = new_object(p, "stack", PROC_STACK_SIZE, prot);
	uint8_t *page;

	if (!vo)
		return KERN_NO_MEMORY;
	page = object_page(vo, (off_t)(page_va - base));
	if (!page) {
		vm_object_put(vo);
		return KERN_NO_MEMORY;
	}
	for (int i = argc - 1; i >= 0; i--) {
		size_t n = strlen(argv[i]) + 1;

		sp -= n;
		memcpy(page + (sp - page_va), argv[i], n);
		uargv[i] = sp;
	}
	uargv[argc] = 0;
	sp = ALIGN_DOWN(sp - sizeof(uintptr_t) * (size_t)(argc + 1), 16);
	memcpy(page + (sp - page_va), uargv, sizeof(uintptr_t) * (size_t)(argc + 1));
	p->p_thread.ut_arg[0] = (uint64_t)argc;
	p->p_thread.ut_arg[1] = sp;
	p->p_thread.ut_stack_top = ALIGN_DOWN(sp - sizeof(uintptr_t), 16);
	return map_object(p, vo, base, PROC_STACK_SIZE, prot);
}

/* args_fit - do @argc arguments fit the stack's top page, with room to spare? */
static bool args_fit(int argc, char *const argv[])
{
	size_t bytes = sizeof(uintptr_t) * (size_t)(argc + 2);

	if (argc < 0 || argc > PROC_ARGS_MAX)
		return false;
	for (int i = 0; i < argc; i++)
		bytes += strlen(argv[i]) + 1;
	return bytes <= PAGE_SIZE / 2;
}

kern_status_t proc_create(const char *name, const void *image, size_t size, int argc,
			  char *const argv[], struct proc **out, char *why, size_t why_len)
{
	const struct elf64_ehdr *eh = image;
	struct proc *p;
	kern_status_t s;

	why[0] = '\0';
	if (!args_fit(argc, argv)) {
		snprintf(why, why_len, "at most %d arguments, %lu bytes in all", PROC_ARGS_MAX,
			 (unsigned long)PAGE_SIZE / 2);
		return KERN_INVALID_ARGUMENT;
	}
	s = elf_check(image, size, PROC_LOW, PROC_STACK_TOP - PROC_STACK_SIZE, why, why_len);
	if (s != KERN_OK)
		return s;
	p = kmalloc(sizeof(*p));
	if (!p)
		return KERN_NO_MEMORY;
	memset(p, 0, sizeof(*p));
	strlcpy(p->p_thread.ut_name, name, sizeof(p->p_thread.ut_name));
	handle_table_init(&p->p_thread.ut_handles);
	s = vm_region_create(name, PROC_LOW, PROC_STACK_TOP - PROC_LOW, &p->p_region);
	if (s != KERN_OK) {
		snprintf(why, why_len, "no address space: vm_region_create() returned %s",
			 kern_status_name(s));
		kfree(p);
		return s;
	}
	for (unsigned i = 0; s == KERN_OK && i < eh->e_phnum; i++)
		if (elf_loadable(elf_phdr(image, i)))
			s = load_segment(p, image, elf_phdr(image, i));
	if (s == KERN_OK)
		s = load_stack(p, argc, argv);
	if (s != KERN_OK) {
		snprintf(why, why_len, "loading failed: %s", kern_status_name(s));
		proc_destroy(p);
		return s;
	}
	p->p_thread.ut_entry = eh->e_entry;
	*out = p;
	return KERN_OK;
}

kern_status_t proc_run(struct proc *p, uint64_t time_limit_ms)
{
	kern_status_t s;

	p->p_thread.ut_time_limit_ms = time_limit_ms;
	vm_region_activate(p->p_region);
	s = user_run(&p->p_thread);
	vm_region_activate(NULL);
	return s;
}

void proc_destroy(struct proc *p)
{
	handle_table_close_all(&p->p_thread.ut_handles);
	vm_region_put(p->p_region);
	kfree(p);
}
