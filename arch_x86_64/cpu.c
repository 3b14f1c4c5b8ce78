/* The host's own CPU tables: a TSS (VM entry wants a non-null host TR) and
 * an IDT whose 32 exception vectors report a hypervisor bug and stop. */
#include "cpu.h"
#include "console.h"
#include "segments.h"
#include "x86.h"

/* 64-bit Task-State Segment (SDM Vol. 3A, 8.7, figure 8-11) */
struct __attribute__((packed)) tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
};

/* 64-bit IDT gate descriptor (SDM Vol. 3A, 6.14.1, figure 6-8) */
struct __attribute__((packed)) idt_gate {
	u16 offset_low;
	u16 selector;
	u8  ist;
	u8  type_attr;
	u16 offset_mid;
	u32 offset_high;
	u32 reserved;
};

#define EXCEPTION_VECTORS        32
#define IDT_TYPE_INTERRUPT_GATE  0x0e
#define DESC_PRESENT             0x80
#define TSS_STACK_SIZE           8192

extern u64 gdt[];                          /* boot.S */
extern const u64 exception_stubs[EXCEPTION_VECTORS]; /* isr.S */

static struct tss64 host_tss __attribute__((aligned(16)));
#define IDT_VECTORS              48	/* the exceptions, then the PIC's 16 lines */
static struct idt_gate idt[IDT_VECTORS] __attribute__((aligned(16)));
static u8 double_fault_stack[TSS_STACK_SIZE] __attribute__((aligned(16)));

#define TSS_IST_DOUBLE_FAULT 1 /* #DF runs on its own known-good stack */
#define VECTOR_DOUBLE_FAULT  8
#define VECTOR_PAGE_FAULT    14

u64 host_tss_base(void) { return (u64)&host_tss; }

/* TSS.RSP0: the stack the CPU switches to on an exception from ring 3. */
void host_tss_set_rsp0(u64 rsp) { host_tss.rsp[0] = rsp; }

/* 16-byte system descriptor (SDM Vol. 3A, 8.2.3, figure 8-4) */
void make_tss_descriptor(u64 desc[2], u64 base, u32 limit, u8 type)
{
	desc[0] = (limit & 0xffff)
		| ((base & 0xffffff) << 16)
		| ((u64)(DESC_PRESENT | type) << 40)
		| ((u64)((limit >> 16) & 0xf) << 48)
		| (((base >> 24) & 0xff) << 56);
	desc[1] = base >> 32;
}

static void gdt_install_tss(void)
{
	u64 base = (u64)&host_tss;
	u64 limit = sizeof(host_tss) - 1;

	host_tss.ist[TSS_IST_DOUBLE_FAULT - 1] =
		(u64)double_fault_stack + sizeof(double_fault_stack);
	host_tss.iomap_base = sizeof(host_tss); /* no I/O permission bitmap */

	make_tss_descriptor(&gdt[KERNEL_TSS / 8], base, limit, TSS_TYPE_AVAILABLE_64);

	asm volatile("ltr %w0" : : "r"((u16)KERNEL_TSS));
}

static void idt_set_gate(unsigned v, u64 handler, u8 ist)
{
	idt[v] = (struct idt_gate){
		.offset_low = handler & 0xffff,
		.selector = KERNEL_CS64,
		.ist = ist,
		.type_attr = DESC_PRESENT | IDT_TYPE_INTERRUPT_GATE,
		.offset_mid = (handler >> 16) & 0xffff,
		.offset_high = handler >> 32,
	};
}

void idt_set_interrupt_handler(unsigned vector, void (*entry)(void))
{
	idt_set_gate(vector, (u64)entry, 0);
}

static void idt_init(void)
{
	for (unsigned v = 0; v < EXCEPTION_VECTORS; v++)
		idt_set_gate(v, exception_stubs[v], v == VECTOR_DOUBLE_FAULT ? TSS_IST_DOUBLE_FAULT : 0);
	struct descriptor_table_ptr p = { sizeof(idt) - 1, (u64)idt };
	asm volatile("lidt %0" : : "m"(p));
}

void cpu_init(void)
{
	gdt_install_tss();
	idt_init();
}

/* Pushed by isr.S: GPRs (last pushed first), vector, error code, then
 * the CPU's interrupt frame. */
struct exception_frame {
	u64 r15, r14, r13, r12, r11, r10, r9, r8;
	u64 rbp, rdi, rsi, rdx, rcx, rbx, rax;
	u64 vector, error_code;
	u64 rip, cs, rflags, rsp, ss;
};

_Noreturn void exception_handler(struct exception_frame *f)
{
	panic("host exception %lu (error code 0x%lx) at rip 0x%lx, rsp 0x%lx, cr2 0x%lx",
	      f->vector, f->error_code, f->rip, f->rsp, read_cr2());
}
