/* The arm64 Linux boot protocol (Documentation/arch/arm64/booting.rst): the
 * kernel Image's 64-byte header says where in RAM it wants to be
 * (text_offset from a 2 MiB aligned base) and how much room it needs
 * (image_size); x0 carries the device tree's address at entry. */
#include "arch.h"
#include "console.h"
#include "vm.h"

#define IMAGE_MAGIC		0x644d5241	/* "ARM\x64", little-endian */
#define IMAGE_BASE_ALIGN	(2 * MiB)

struct image_header {		/* little-endian, at the Image's first byte */
	u32 code0, code1;
	u64 text_offset;	/* where to load it, from a 2 MiB aligned base */
	u64 image_size;		/* bytes the kernel needs, .bss included */
	u64 flags;
	u64 res2, res3, res4;
	u32 magic;
	u32 res5;
};

/* Copy `len` bytes to guest-physical `gpa`, or stop the build's mistake here. */
static void copy_to_guest(struct vm *vm, u64 gpa, const u8 *src, u64 len, const char *what)
{
	void *dst = vm_guest_ptr(vm, gpa, len);

	if (!dst)
		panic("vm %s: %s (%lu bytes at gpa 0x%lx) outside its RAM", vm->name, what, len, gpa);
	memcpy(dst, src, len);
}

void linux_boot_load(struct vm *vm, const struct vm_config *cfg)
{
	const struct image_header *h = (const struct image_header *)cfg->image;
	const struct linux_blobs *l = &cfg->boot;
	u64 file_size = (u64)(cfg->image_end - cfg->image);

	if (file_size < sizeof(*h) || h->magic != IMAGE_MAGIC)
		panic("vm %s: not an arm64 Linux Image (no \"ARM\\x64\" magic)", vm->name);
	u64 entry = ALIGN_UP(vm->ram.gpa, IMAGE_BASE_ALIGN) + h->text_offset;
	if (entry + h->image_size > l->initrd_gpa)
		panic("vm %s: the kernel (%lu bytes) would overlap its initramfs", vm->name,
		      h->image_size);

	copy_to_guest(vm, entry, cfg->image, file_size, "kernel Image");
	copy_to_guest(vm, l->initrd_gpa, l->initrd, (u64)(l->initrd_end - l->initrd), "initramfs");
	copy_to_guest(vm, l->dtb_gpa, l->dtb, (u64)(l->dtb_end - l->dtb), "device tree");
	arch_vcpu_init(&vm->vcpus[0], entry);
	arch_vcpu_set_boot_arg(&vm->vcpus[0], l->dtb_gpa);
	printf("hv: vm '%s': Linux Image at gpa 0x%lx (text_offset 0x%lx, image_size %lu), "
	       "initramfs at 0x%lx, DTB at 0x%lx\n", vm->name, entry, h->text_offset,
	       h->image_size, l->initrd_gpa, l->dtb_gpa);
}
