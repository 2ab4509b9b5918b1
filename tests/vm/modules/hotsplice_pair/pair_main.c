// SPDX-License-Identifier: GPL-2.0
/*
 * Target of the cross-object live-patch test: /proc/hotsplice_pair prints what
 * pair_helper() (another object of this module, not exported) answers. The test patches
 * pair_show; the patched code must call the running module's pair_helper and read its
 * counter.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

int pair_helper(int value);
extern int pair_helper_calls;

static int pair_show(struct seq_file *m, void *v)
{
	int answer = pair_helper(1);

	seq_printf(m, "pair=v1 answer=%d calls=%d\n", answer, pair_helper_calls);
	return 0;
}

static int __init pair_init(void)
{
	if (!proc_create_single("hotsplice_pair", 0444, NULL, pair_show))
		return -ENOMEM;
	return 0;
}

static void __exit pair_exit(void)
{
	remove_proc_entry("hotsplice_pair", NULL);
}

module_init(pair_init);
module_exit(pair_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotsplice cross-object live-patch test target");
