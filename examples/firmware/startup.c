/* startup.c: reset and fault handling of the example firmware on QEMU's
 * MPS2 boards (mps2-an386: Cortex-M4 with FPU; mps2-an385: Cortex-M3, here
 * running Cortex-M0 code). The vector table sits at address 0, where the
 * core reads the initial stack pointer and the reset handler; the reset
 * handler copies .data from flash, clears .bss, enables the FPU when the
 * code uses it, opens newlib's semihosting console and calls main; exit
 * ends the emulation (semihosting SYS_EXIT). A fault prints one line over
 * semihosting and stops QEMU with an error. Linker symbols: firmware.ld.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

extern uint32_t __stack_top[], __data_load[], __data_start[], __data_end[], __bss_start__[],
	__bss_end__[];
extern void initialise_monitor_handles(void);
extern int main(void);

/* Semihosting call op with argument arg (ARM semihosting: BKPT 0xAB). */
static int semihost(int op, const void *arg)
{
	register int r0 __asm__("r0") = op;
	register const void *r1 __asm__("r1") = arg;
	__asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
	return r0;
}

#define SYS_WRITE0 0x04
#define SYS_EXIT 0x18
#define ADP_STOPPED_RUN_TIME_ERROR 0x20023

static void fault(void)
{
	semihost(SYS_WRITE0, "firmware: fault\n");
	semihost(SYS_EXIT, (const void *)ADP_STOPPED_RUN_TIME_ERROR);
	for (;;)
		;
}

void reset(void)
{
	memcpy(__data_start, __data_load, (size_t)((char *)__data_end - (char *)__data_start));
	memset(__bss_start__, 0, (size_t)((char *)__bss_end__ - (char *)__bss_start__));
#if defined(__ARM_FP)
	/* CPACR: full access to coprocessors 10 and 11 (the FPU) */
	*(volatile uint32_t *)0xE000ED88 |= 0xFu << 20;
	__asm__ volatile("dsb\n\tisb" ::: "memory");
#endif
	initialise_monitor_handles();
	exit(main());
}

/* newlib's exit runs the .fini_array and calls _fini, which crti.o would
 * define; this firmware has nothing to finalize. */
void _init(void) {}
void _fini(void) {}

/* Initial stack pointer, then reset, NMI, hard fault, memory management,
 * bus and usage fault handlers (ARMv7-M; ARMv6-M leaves the last three
 * reserved). */
__attribute__((section(".vectors"), used)) static const void *const vectors[] = {
	__stack_top, (const void *)reset, (const void *)fault, (const void *)fault,
	(const void *)fault, (const void *)fault, (const void *)fault,
};
