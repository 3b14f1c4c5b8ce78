/* The hosted hypervisor's VT-x back end (SDM Vol. 3C): not written yet;
 * the module refuses to load on a VT-x CPU, naming the reason. */
#include "hosted.h"

static int vmx_probe(const char **why)
{
	*why = "the VT-x back end is not written yet";
	return -ENODEV;
}

const struct hosted_backend hosted_vmx_backend = {
	.name = "VT-x",
	.probe = vmx_probe,
};
