/*
 * mango/status.h - kern_status_t: how kernel calls report an error that
 * is not a broken invariant (bad argument, no memory, already there...).
 */
#ifndef MANGO_STATUS_H_
#define MANGO_STATUS_H_

typedef enum kern_status {
	KERN_OK = 0,
	KERN_NO_MEMORY,        /* out of a resource: try again later */
	KERN_INVALID_ARGUMENT, /* the caller passed something wrong */
	KERN_UNIMPLEMENTED,    /* a lab stub */
	KERN_EXISTS,           /* already there (a duplicate key, a name in use) */
	KERN_NOT_FOUND,        /* no such thing */
	KERN_OUT_OF_RANGE,     /* an offset or address past the end */
	KERN_ACCESS_DENIED,    /* more rights asked than the object grants */
	KERN_MEMORY_FAULT,     /* an access to an address faulted (probe.h) */
	KERN_NR_STATUS,
} kern_status_t;

/* kern_status_name - "KERN_NO_MEMORY", ... ("KERN_?" for a bad value). */
const char *kern_status_name(kern_status_t s);

#endif /* MANGO_STATUS_H_ */
