/* The hosted hypervisor's interface to software running on the kernel it
 * hosts: a CPUID leaf in the range reserved for hypervisors (0x40000000)
 * and a VMCALL/VMMCALL ABI. Shared by the module and the user-space probe
 * (hosted/probe.c), so it uses only plain C types. */
#pragma once

#define HOSTED_CPUID_LEAF	0x40000000u	/* EAX: highest hypervisor leaf; EBX,ECX,EDX: signature */
#define HOSTED_CPUID_INFO	0x40000001u	/* EAX: back end; EBX: exits on this CPU (low 32 bits) */
#define HOSTED_SIGNATURE	"LabHostedHV!"	/* 12 bytes, EBX-ECX-EDX */
#define HOSTED_BACKEND_VMX	1
#define HOSTED_BACKEND_SVM	2

/* VMCALL (VT-x) / VMMCALL (AMD-V): function in RAX, result in RAX. */
#define HOSTED_HC_PING		0	/* RAX = HOSTED_HC_MAGIC: the cheapest round trip */
#define HOSTED_HC_STATS		1	/* RAX = exits on this CPU, RBX = CPUID exits, RCX = VMCALLs */
#define HOSTED_HC_LEAVE		2	/* CPL 0 only: this CPU leaves non-root mode */
#define HOSTED_HC_MAGIC		0x486f73746564ull	/* "Hosted" */
#define HOSTED_HC_DENIED	((unsigned long long)-1)	/* unknown, or LEAVE from CPL 3 */
