/*
 * status.c - names for kern_status_t values, for messages.
 */
#include <mango/status.h>

static const char *const names[KERN_NR_STATUS] = {
	[KERN_OK] = "KERN_OK",
	[KERN_NO_MEMORY] = "KERN_NO_MEMORY",
	[KERN_INVALID_ARGUMENT] = "KERN_INVALID_ARGUMENT",
	[KERN_UNIMPLEMENTED] = "KERN_UNIMPLEMENTED",
	[KERN_EXISTS] = "KERN_EXISTS",
	[KERN_NOT_FOUND] = "KERN_NOT_FOUND",
	[KERN_OUT_OF_RANGE] = "KERN_OUT_OF_RANGE",
	[KERN_ACCESS_DENIED] = "KERN_ACCESS_DENIED",
	[KERN_MEMORY_FAULT] = "KERN_MEMORY_FAULT",
};

const char *kern_status_name(kern_status_t s)
{
	return (unsigned)s < KERN_NR_STATUS && names[s] ? names[s] : "KERN_?";
}
