// SPDX-License-Identifier: GPL-2.0
/*
 * Patch-author hooks for the module VM test (hotsplice-build --hooks): they run around the
 * transition and keep state in a shadow variable attached to the patched object.
 */
#include <linux/livepatch.h>
#include <linux/printk.h>

#define HOTSPLICE_TEST_SHADOW_ID 0x48530001UL

int hotsplice_hook_pre_patch(struct klp_object *obj)
{
	int *state = klp_shadow_alloc(obj, HOTSPLICE_TEST_SHADOW_ID, sizeof(*state), GFP_KERNEL,
				      NULL, NULL);

	if (!state)
		return -ENOMEM;
	*state = 42;
	pr_info("hotsplice-test-hook: pre-patch %s\n", obj->name ? obj->name : "vmlinux");
	return 0;
}

void hotsplice_hook_post_patch(struct klp_object *obj)
{
	int *state = klp_shadow_get(obj, HOTSPLICE_TEST_SHADOW_ID);

	pr_info("hotsplice-test-hook: post-patch shadow=%d\n", state ? *state : -1);
}

void hotsplice_hook_post_unpatch(struct klp_object *obj)
{
	klp_shadow_free(obj, HOTSPLICE_TEST_SHADOW_ID, NULL);
	pr_info("hotsplice-test-hook: post-unpatch\n");
}
