/*
 * mango/setjmp.h - non-local return for the test framework (a KT_ASSERT
 * that fails ends its case from any depth). Callee-saved registers only.
 */
#ifndef MANGO_SETJMP_H_
#define MANGO_SETJMP_H_

/* rbx, rbp, r12-r15, rsp, rip */
typedef unsigned long jmp_buf[8];

int setjmp(jmp_buf env) __attribute__((returns_twice));
void longjmp(jmp_buf env, int val) __attribute__((noreturn));

#endif /* MANGO_SETJMP_H_ */
