/* Intel VT-x, part 1: entering VMX root operation (SDM Vol. 3C, 24.7),
 * the one helper that fits every VMCS control to the CPU's capability
 * MSRs, and VMREAD/VMWRITE that explain their failures. The back-end table
 * at the bottom is what arch_x86_64/ calls. */
#include "arch.h"
#include "backend.h"
#include "console.h"
#include "vm.h"
#include "vmx.h"
#include "x86.h"

u64 vmx_basic;
u64 vmx_ept_vpid_cap;
static u8 vmxon_region[PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));

static const char *const instruction_errors[] = {	/* SDM 31.4 */
	[1] = "VMCALL executed in VMX root operation",
	[2] = "VMCLEAR with invalid physical address",
	[3] = "VMCLEAR with VMXON pointer",
	[4] = "VMLAUNCH with non-clear VMCS",
	[5] = "VMRESUME with non-launched VMCS",
	[6] = "VMRESUME after VMXOFF",
	[7] = "VM entry with invalid control field(s)",
	[8] = "VM entry with invalid host-state field(s)",
	[9] = "VMPTRLD with invalid physical address",
	[10] = "VMPTRLD with VMXON pointer",
	[11] = "VMPTRLD with incorrect VMCS revision identifier",
	[12] = "VMREAD/VMWRITE from/to unsupported VMCS component",
	[13] = "VMWRITE to read-only VMCS component",
	[15] = "VMXON executed in VMX root operation",
	[26] = "VM entry with events blocked by MOV SS",
	[28] = "invalid operand to INVEPT/INVVPID",
};

const char *vm_instruction_error_name(u64 error)
{
	if (error < ARRAY_SIZE(instruction_errors) && instruction_errors[error])
		return instruction_errors[error];
	return "(not named here)";
}

_Noreturn void vmx_fatal(const char *what, enum vmx_result r)
{
	if (r == VMX_FAIL_VALID) {
		u64 error = vmread(VMCS_VM_INSTRUCTION_ERROR);
		panic("%s failed: VM-instruction error %lu: %s", what, error,
		      vm_instruction_error_name(error));
	}
	panic("%s failed: VMfailInvalid (no current VMCS)", what);
}

/* A VMCS field's name, from the generated table (vmcs_fields.toml). */
static const char *vmcs_field_name(u64 encoding)
{
#define FIELD_NAME(name) { VMCS_##name, #name },
	static const struct { u64 encoding; const char *name; } names[] = { VMCS_FIELDS(FIELD_NAME) };
#undef FIELD_NAME
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
		if (names[i].encoding == encoding)
			return names[i].name;
	return "(not in vmcs_fields.toml)";
}

u64 vmread(u64 field)
{
	u64 value;
	enum vmx_result r = vmread_checked(field, &value);

	if (r != VMX_SUCCEED) {
		printf("hv: VMREAD of field 0x%04lx (%s)\n", field, vmcs_field_name(field));
		vmx_fatal("VMREAD", r);
	}
	return value;
}

void vmwrite(u64 field, u64 value)
{
	enum vmx_result r = vmwrite_checked(field, value);

	if (r != VMX_SUCCEED) {
		printf("hv: VMWRITE of field 0x%04lx (%s) = 0x%lx\n", field, vmcs_field_name(field), value);
		vmx_fatal("VMWRITE", r);
	}
}

/* A bit set in FIXED0 must be 1; a bit clear in FIXED1 must be 0 (A.7, A.8). */
u64 vmx_apply_fixed_bits(u64 value, u32 fixed0_msr, u32 fixed1_msr)
{
	return (value | rdmsr(fixed0_msr)) & rdmsr(fixed1_msr);
}

/* Every VMCS control passes through here (vmx_controls.h); stops when a
 * wanted bit is missing. */
u32 vmx_adjust_controls(enum vmx_control which, u32 wanted)
{
	u32 msr = vmx_control_msr(which, vmx_basic);
	u64 cap = rdmsr(msr);

	if (vmx_controls_missing(cap, wanted))
		panic("%s controls 0x%x not supported by this CPU (MSR 0x%x)",
		      vmx_control_msrs[which].name, vmx_controls_missing(cap, wanted), msr);
	return vmx_controls_adjusted(cap, wanted);
}

static bool vmx_probe(void)
{
	if (!(cpuid(CPUID_LEAF_FEATURES, 0).ecx & CPUID_1_ECX_VMX)) {
		printf("hv: no VT-x: CPUID.1:ECX.VMX[bit 5] = 0\n");
		return false;
	}
	u64 fc = rdmsr(IA32_FEATURE_CONTROL);
	if (!(fc & FEATURE_CONTROL_LOCK))	/* firmware left it open: enable and lock */
		wrmsr(IA32_FEATURE_CONTROL, fc | FEATURE_CONTROL_VMX_OUTSIDE_SMX | FEATURE_CONTROL_LOCK);
	else if (!(fc & FEATURE_CONTROL_VMX_OUTSIDE_SMX)) {
		printf("hv: VT-x disabled by firmware (IA32_FEATURE_CONTROL locked)\n");
		return false;
	}
	return true;
}

/* VMXON: CR0/CR4 fitted to the fixed bits, CR4.VMXE set, and a 4 KiB
 * region that starts with the VMCS revision identifier. */
static void vmx_enable(void)
{
	vmx_basic = rdmsr(IA32_VMX_BASIC);
	vmx_ept_vpid_cap = rdmsr(IA32_VMX_EPT_VPID_CAP);
	write_cr0(vmx_apply_fixed_bits(read_cr0(), IA32_VMX_CR0_FIXED0, IA32_VMX_CR0_FIXED1));
	write_cr4(vmx_apply_fixed_bits(read_cr4() | CR4_VMXE, IA32_VMX_CR4_FIXED0,
				       IA32_VMX_CR4_FIXED1));
	*(u32 *)vmxon_region = vmx_basic & VMX_BASIC_REVISION_ID_MASK;
	enum vmx_result r = vmxon((u64)vmxon_region);
	if (r != VMX_SUCCEED)
		vmx_fatal("VMXON", r);
	printf("hv: VMXON done: VMCS revision 0x%lx, EPT/VPID capabilities 0x%lx\n",
	       vmx_basic & VMX_BASIC_REVISION_ID_MASK, vmx_ept_vpid_cap);
}

const struct x86_backend vmx_backend = {
	.name = "Intel VT-x",
	.probe = vmx_probe,
	.enable = vmx_enable,
	.stage2 = &ept_format,
	.vcpu_init = vmx_vcpu_init,
	.load = vmx_load,
	.run = vmx_run,
	.read_state = vmx_read_state,
	.advance_rip = vmx_advance_rip,
	.set_efer = vmx_set_efer,
	.inject_exception = vmx_inject_exception,
	.cpl = vmx_cpl,
	.set_timer = vmx_set_timer,
	.report = vmx_report,
};
