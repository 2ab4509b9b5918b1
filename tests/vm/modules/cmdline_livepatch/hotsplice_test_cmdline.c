// SPDX-License-Identifier: GPL-2.0
/*
 * The smallest useful livepatch: replaces cmdline_proc_show so that /proc/cmdline reads
 * "hotsplice-test-livepatch". The VM tests build it against each test kernel's headers at
 * test time and check that the running kernel changes, and changes back after disabling.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hotsplice_cmdline_proc_show(struct seq_file *m, void *v)
{
	seq_puts(m, "hotsplice-test-livepatch\n");
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "cmdline_proc_show",
		.new_func = hotsplice_cmdline_proc_show,
	},
	{}
};

static struct klp_object objs[] = {
	{
		/* name == NULL: the function lives in vmlinux */
		.funcs = funcs,
	},
	{}
};

static struct klp_patch patch = {
	.mod = THIS_MODULE,
	.objs = objs,
};

static int hotsplice_test_cmdline_init(void)
{
	return klp_enable_patch(&patch);
}

static void hotsplice_test_cmdline_exit(void)
{
}

module_init(hotsplice_test_cmdline_init);
module_exit(hotsplice_test_cmdline_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotsplice VM test: livepatch of cmdline_proc_show");
MODULE_INFO(livepatch, "Y");
