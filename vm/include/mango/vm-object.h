/*
 * mango/vm-object.h - the seed's include path for the vm_object API.
 *
 * The module's own header is <mango/vm_object.h> (file, header and
 * functions share the vm_object prefix); code written against the seed's
 * <mango/vm-object.h> keeps compiling through this one line.
 */
#include <mango/vm_object.h>
