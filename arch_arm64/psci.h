/* PSCI (Arm DEN 0022) function IDs and return codes, for the guests' calls
 * the hypervisor answers and for its own calls to the machine's firmware. */
#pragma once
#include "types.h"

#define PSCI_VERSION		0x84000000
#define PSCI_CPU_OFF		0x84000002
#define PSCI_CPU_ON		0xc4000003	/* SMC64 */
#define PSCI_CPU_ON_32		0x84000003
#define PSCI_AFFINITY_INFO	0xc4000004	/* SMC64 */
#define PSCI_AFFINITY_INFO_32	0x84000004
#define PSCI_SYSTEM_OFF		0x84000008
#define PSCI_SYSTEM_RESET	0x84000009
#define PSCI_FEATURES		0x8400000a
#define PSCI_VERSION_1_0	0x00010000

#define PSCI_SUCCESS		0
#define PSCI_NOT_SUPPORTED	(-1)
#define PSCI_INVALID_PARAMETERS	(-2)
#define PSCI_ALREADY_ON		(-4)
#define PSCI_AFFINITY_ON	0	/* AFFINITY_INFO results */
#define PSCI_AFFINITY_OFF	1

u64 psci_firmware_call(u64 function, u64 a1, u64 a2, u64 a3);
