// SPDX-License-Identifier: GPL-2.0
/*
 * A deliberately bad livepatch for the crash-loop tests: it replaces version_proc_show, so
 * that the first read of /proc/version after the patch is live panics the kernel. Loading
 * it is harmless (nothing calls the function until someone reads /proc/version), which is
 * exactly the bug the crash-loop guard exists for: the apply succeeds, the kernel dies
 * later, and the next boot must not load the patch again. Unpatched, /proc/version reads
 * "Linux version ..."; the guard's tests check that after the reboot.
 */
#include <linux/kernel.h>
#include <linux/livepatch.h>
#include <linux/module.h>
#include <linux/seq_file.h>

static int hotsplice_panicking_version_proc_show(struct seq_file *m, void *v)
{
	panic("hotsplice-test-panic: the replaced version_proc_show was called");
	return 0;
}

static struct klp_func funcs[] = {
	{
		.old_name = "version_proc_show",
		.new_func = hotsplice_panicking_version_proc_show,
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

static int hotsplice_test_panic_init(void)
{
	return klp_enable_patch(&patch);
}

static void hotsplice_test_panic_exit(void)
{
}

module_init(hotsplice_test_panic_init);
module_exit(hotsplice_test_panic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotsplice VM test: livepatch whose version_proc_show panics");
MODULE_INFO(livepatch, "Y");
