/* The report printed when a VM is stopped: the vendor's own account of the
 * exit (reason by name, qualification or EXITINFO), then the guest's
 * registers, which look the same under VT-x and AMD-V. */
#include "arch.h"
#include "backend.h"
#include "console.h"
#include "exit.h"
#include "vm.h"
#include "x86_exit.h"

static const char *const gpr_names[16] = {
	"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

void arch_report_exit(struct vcpu *vcpu, const struct exit *e)
{
	struct x86_guest_state s;
	const u64 *r = (const u64 *)&vcpu->arch.regs;

	backend->report(vcpu, e);
	if (e->kind == EXIT_SYSREG && (e->addr & X86_SYSREG_MSR))
		printf("hv:   %s MSR 0x%x%s0x%lx\n", e->write ? "WRMSR to" : "RDMSR from",
		       (u32)e->addr, e->write ? ", value " : ", RAX ", e->write ? e->value : 0);
	backend->read_state(vcpu, &s);
	printf("hv:   rip=0x%lx rsp=0x%lx rflags=0x%lx\n", s.rip, s.rsp, s.rflags);
	printf("hv:   cr0=0x%lx cr3=0x%lx cr4=0x%lx efer=0x%lx\n", s.cr0, s.cr3, s.cr4, s.efer);
	for (unsigned i = 0; i < 16; i++)
		printf("%s%-3s=0x%016lx%s", i % 4 == 0 ? "hv:   " : " ", gpr_names[i],
		       i == 4 ? s.rsp : r[i], i % 4 == 3 ? "\n" : "");
}
