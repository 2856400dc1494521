/*
 * mango/fwcfg.h - QEMU's firmware configuration device (fw_cfg).
 *
 * QEMU passes named blobs to the guest through two I/O ports; Mango reads
 * the file "opt/mango/cmdline" (QEMU option
 *   -fw_cfg name=opt/mango/cmdline,string=...)
 * to take per-boot kernel parameters without rebuilding the ISO.
 */
#ifndef MANGO_FWCFG_H_
#define MANGO_FWCFG_H_

#include <mango/types.h>

#define FWCFG_CMDLINE_FILE "opt/mango/cmdline"

/*
 * fwcfg_read_file - copy up to @size bytes of fw_cfg file @name into @buf.
 * Returns the file's full size (which may exceed @size), or -1 if there is
 * no fw_cfg device or no such file.
 */
ssize_t fwcfg_read_file(const char *name, void *buf, size_t size);

#endif /* MANGO_FWCFG_H_ */
