/* The arm64 Linux boot protocol (Documentation/arch/arm64/booting.rst), as
 * QEMU's loader applies it to whatever `-kernel` names (hw/arm/boot.c,
 * load_aarch64_image): a kernel Image's 64-byte header says where in RAM it
 * wants to be (text_offset from a 2 MiB aligned base) and how much room it
 * needs (image_size); a file with no such header (a raw binary, or an Image
 * older than 3.17 whose image_size is 0) goes to RAM base + 0x80000. Either
 * is entered at its first byte with x0 holding the device tree's address
 * and x1-x3 zero. */
#include "arch.h"
#include "console.h"
#include "vm.h"

#define IMAGE_MAGIC		0x644d5241	/* "ARM\x64", little-endian */
#define IMAGE_BASE_ALIGN	(2 * MiB)
#define RAW_LOAD_OFFSET		0x80000		/* QEMU's KERNEL64_LOAD_ADDR */

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

/* A header QEMU follows: the magic and a non-zero image_size (kernels
 * before 3.17 leave it 0, and are loaded like a raw binary). */
static bool has_image_header(const u8 *file, u64 file_size)
{
	const struct image_header *h = (const struct image_header *)file;

	return file_size >= sizeof(*h) && h->magic == IMAGE_MAGIC && h->image_size != 0;
}

void linux_boot_load(struct vm *vm, const struct vm_config *cfg)
{
	const struct image_header *h = (const struct image_header *)cfg->image;
	const struct linux_blobs *l = &cfg->boot;
	u64 file_size = (u64)(cfg->image_end - cfg->image);
	bool image = has_image_header(cfg->image, file_size);
	u64 entry = ALIGN_UP(vm->ram.gpa, IMAGE_BASE_ALIGN) + (image ? h->text_offset : RAW_LOAD_OFFSET);
	u64 room = image && h->image_size > file_size ? h->image_size : file_size;

	if (entry + room > l->initrd_gpa)
		panic("vm %s: the kernel (%lu bytes at gpa 0x%lx) would overlap its initramfs",
		      vm->name, room, entry);
	copy_to_guest(vm, entry, cfg->image, file_size, "kernel");
	copy_to_guest(vm, l->initrd_gpa, l->initrd, (u64)(l->initrd_end - l->initrd), "initramfs");
	copy_to_guest(vm, l->dtb_gpa, l->dtb, (u64)(l->dtb_end - l->dtb), "device tree");
	arch_vcpu_init(&vm->vcpus[0], entry);
	arch_vcpu_set_boot_arg(&vm->vcpus[0], l->dtb_gpa);
	if (image)
		printf("hv: vm '%s': Linux Image at gpa 0x%lx (text_offset 0x%lx, image_size %lu), "
		       "initramfs at 0x%lx, DTB at 0x%lx\n", vm->name, entry, h->text_offset,
		       h->image_size, l->initrd_gpa, l->dtb_gpa);
	else
		printf("hv: vm '%s': raw binary at gpa 0x%lx (%lu bytes, no Image header: entered at "
		       "its first byte), initramfs at 0x%lx, DTB at 0x%lx\n", vm->name, entry,
		       file_size, l->initrd_gpa, l->dtb_gpa);
}
