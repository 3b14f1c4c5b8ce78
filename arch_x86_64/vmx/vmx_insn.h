/*
 * C wrappers for the VMX instructions.
 *
 * VMX instructions report their outcome in RFLAGS (SDM Vol. 3C, 30.2):
 *   VMsucceed      CF = 0, ZF = 0
 *   VMfailInvalid  CF = 1           (no current VMCS to hold an error)
 *   VMfailValid    ZF = 1           (error number in VM-instruction error field)
 */
#pragma once

#include "types.h"

enum vmx_result {
	VMX_SUCCEED = 0,
	VMX_FAIL_INVALID = 1,
	VMX_FAIL_VALID = 2,
};

static inline enum vmx_result vmx_flags_to_result(u8 cf, u8 zf)
{
	return cf ? VMX_FAIL_INVALID : zf ? VMX_FAIL_VALID : VMX_SUCCEED;
}

/* VMXON, VMCLEAR and VMPTRLD take a 64-bit physical address in memory. */
#define VMX_INSN_WITH_PHYS_OPERAND(name)                                   \
	static inline enum vmx_result name(u64 phys)                        \
	{                                                                   \
		u8 cf, zf;                                                  \
		asm volatile(#name " %[pa]; setc %[cf]; setz %[zf]"         \
			     : [cf] "=r"(cf), [zf] "=r"(zf)                 \
			     : [pa] "m"(phys)                               \
			     : "cc", "memory");                             \
		return vmx_flags_to_result(cf, zf);                         \
	}
VMX_INSN_WITH_PHYS_OPERAND(vmxon)
VMX_INSN_WITH_PHYS_OPERAND(vmclear)
VMX_INSN_WITH_PHYS_OPERAND(vmptrld)

static inline void vmxoff(void)
{
	asm volatile("vmxoff" : : : "cc", "memory");
}

/* VMREAD/VMWRITE: AT&T operand order is "source, destination". */
static inline enum vmx_result vmread_checked(u64 field, u64 *value)
{
	u8 cf, zf;
	asm volatile("vmread %[field], %[value]; setc %[cf]; setz %[zf]"
		     : [value] "=r"(*value), [cf] "=r"(cf), [zf] "=r"(zf)
		     : [field] "r"(field)
		     : "cc");
	return vmx_flags_to_result(cf, zf);
}

static inline enum vmx_result vmwrite_checked(u64 field, u64 value)
{
	u8 cf, zf;
	asm volatile("vmwrite %[value], %[field]; setc %[cf]; setz %[zf]"
		     : [cf] "=r"(cf), [zf] "=r"(zf)
		     : [field] "r"(field), [value] "r"(value)
		     : "cc");
	return vmx_flags_to_result(cf, zf);
}

/* INVEPT types and descriptor (SDM Vol. 3C, 30.3 "INVEPT") */
#define INVEPT_SINGLE_CONTEXT 1
#define INVEPT_ALL_CONTEXT    2
struct invept_descriptor { u64 eptp; u64 reserved; };

static inline enum vmx_result invept(u64 type, u64 eptp)
{
	struct invept_descriptor d = { eptp, 0 };
	u8 cf, zf;
	asm volatile("invept %[desc], %[type]; setc %[cf]; setz %[zf]"
		     : [cf] "=r"(cf), [zf] "=r"(zf)
		     : [desc] "m"(d), [type] "r"(type)
		     : "cc", "memory");
	return vmx_flags_to_result(cf, zf);
}
