// SPDX-License-Identifier: GPL-2.0
/*
 * The hotsplice trampoline: one livepatch that redirects each replaced function to its
 * fixed copy (linked into this module from the patch object), with the run-pre check of
 * the Ksplice paper in the pre-patch callback and atomic replace, so that a newer
 * cumulative patch takes over from this one in a single transition.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

#include "hotsplice_trampoline.h"

#define HOTSPLICE_MAX_PADDING 64

static const unsigned char hotsplice_return_thunk_ret[] = { 0xc3, 0xcc, 0xcc, 0xcc, 0xcc };
static const unsigned char hotsplice_sealed_endbr[] = { 0x66, 0x0f, 0x1f, 0x00 };

/*
 * Whether the running byte at offset (and the site it starts) is a form the before
 * build's byte may legitimately have at run time. Only the forms the kernel writes at
 * boot or module load are accepted at a rewritten site; every other byte must be equal.
 */
static bool hotsplice_byte_matches(const struct hotsplice_run_pre *image,
				   const unsigned char *running, unsigned long offset)
{
	const unsigned char *at = running + offset;
	unsigned long left = image->size - offset;

	switch (image->compare[offset]) {
	case HOTSPLICE_RUN_PRE_SKIP:
		return true;
	case HOTSPLICE_RUN_PRE_RETURN_THUNK:
		if (*at == image->bytes[offset])
			return true;
		return left >= sizeof(hotsplice_return_thunk_ret) &&
		       !memcmp(at, hotsplice_return_thunk_ret,
			       sizeof(hotsplice_return_thunk_ret));
	case HOTSPLICE_RUN_PRE_ENDBR:
		if (left < sizeof(hotsplice_sealed_endbr))
			return false;
		return !memcmp(at, image->bytes + offset, sizeof(hotsplice_sealed_endbr)) ||
		       !memcmp(at, hotsplice_sealed_endbr, sizeof(hotsplice_sealed_endbr));
	default:
		return *at == image->bytes[offset];
	}
}

/*
 * Compares the running code of every function of the object with the before build.
 * The livepatch core has resolved old_func and old_size (kallsyms) before this runs and
 * has not yet touched the code, so a difference means the patch was built from another
 * source, config or compiler than the running kernel: refuse it, naming the function.
 */
static int hotsplice_run_pre(struct klp_object *obj)
{
	const struct hotsplice_object_check *check;
	unsigned long i, offset;

	for (check = hotsplice_object_checks; check->funcs; check++) {
		if (check->funcs != obj->funcs)
			continue;
		for (i = 0; obj->funcs[i].old_name; i++) {
			const struct klp_func *func = &obj->funcs[i];
			const struct hotsplice_run_pre *image = &check->images[i];
			const unsigned char *running = func->old_func;

			/*
			 * kallsyms sizes run to the next symbol, so they include the
			 * alignment padding after the function; a bigger gap is not padding.
			 */
			if (func->old_size < image->size ||
			    func->old_size >= image->size + HOTSPLICE_MAX_PADDING) {
				pr_err("run-pre check failed: %s is %lu bytes in the running kernel, %lu in the build this patch was made from; refusing to patch\n",
				       func->old_name, func->old_size, image->size);
				return -EINVAL;
			}
			for (offset = 0; offset < image->size; offset++) {
				if (!hotsplice_byte_matches(image, running, offset)) {
					pr_err("run-pre check failed: %s differs from the build this patch was made from at byte %lu (running %02x, expected %02x); refusing to patch\n",
					       func->old_name, offset, running[offset],
					       image->bytes[offset]);
					return -EINVAL;
				}
			}
		}
		pr_info("run-pre check passed for %s\n",
			obj->name ? obj->name : "vmlinux");
		return 0;
	}
	return 0;
}

int hotsplice_pre_patch(struct klp_object *obj)
{
	int ret = hotsplice_run_pre(obj);

	return ret ? ret : hotsplice_hook_pre_patch(obj);
}

void hotsplice_post_patch(struct klp_object *obj)
{
	hotsplice_hook_post_patch(obj);
}

void hotsplice_pre_unpatch(struct klp_object *obj)
{
	hotsplice_hook_pre_unpatch(obj);
}

void hotsplice_post_unpatch(struct klp_object *obj)
{
	hotsplice_hook_post_unpatch(obj);
}

int __weak hotsplice_hook_pre_patch(struct klp_object *obj)
{
	return 0;
}

void __weak hotsplice_hook_post_patch(struct klp_object *obj)
{
}

void __weak hotsplice_hook_pre_unpatch(struct klp_object *obj)
{
}

void __weak hotsplice_hook_post_unpatch(struct klp_object *obj)
{
}

static struct klp_patch hotsplice_patch = {
	.mod = THIS_MODULE,
	.objs = hotsplice_objects,
	.replace = true,
};

static int __init hotsplice_init(void)
{
	return klp_enable_patch(&hotsplice_patch);
}

static void __exit hotsplice_exit(void)
{
}

module_init(hotsplice_init);
module_exit(hotsplice_exit);
MODULE_LICENSE("GPL");
MODULE_INFO(livepatch, "Y");
MODULE_DESCRIPTION("hotsplice live patch");
