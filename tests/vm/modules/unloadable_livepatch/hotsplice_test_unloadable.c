// SPDX-License-Identifier: GPL-2.0
/*
 * A livepatch that the kernel refuses for real: it replaces a function that does not exist
 * in vmlinux, so klp_enable_patch() fails ("symbol ... not found") and the module's init
 * returns the error. The host agent's VM tests sign it as a bundle for the right kernel and
 * use it as the canary that fails: the bundle verifies, transfers and is applied, and the
 * kernel says no.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hotsplice_replacement(struct seq_file *m, void *v)
{
	seq_puts(m, "never reached\n");
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "hotsplice_no_such_function",
		.new_func = hotsplice_replacement,
	},
	{}
};

static struct klp_object objs[] = {
	{
		.funcs = funcs,
	},
	{}
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int hotsplice_test_unloadable_init(void)
{
	return klp_enable_patch(&patch);
}

static void hotsplice_test_unloadable_exit(void)
{
}

module_init(hotsplice_test_unloadable_init);
module_exit(hotsplice_test_unloadable_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotsplice VM test: a livepatch the kernel refuses (unknown function)");
MODULE_INFO(livepatch, "Y");
