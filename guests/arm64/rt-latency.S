/* rt-latency's assembly: the EL1 vectors, whose second instruction reads
 * the counter the guest measures against (irq/vectors.S). */
#include "irq/vectors.S"
