/*
 * crt0.S - where a user program starts: the kernel enters here with
 * rdi = argc, rsi = argv and a 16-byte aligned stack (vm/proc.c);
 * exit(main(argc, argv)).
 */
	.section .text.start, "ax"
	.globl _start
	.type _start, @function
_start:
	xorl %ebp, %ebp		/* the end of every backtrace */
	call main
	movl %eax, %edi
	call exit
	ud2
	.size _start, . - _start
