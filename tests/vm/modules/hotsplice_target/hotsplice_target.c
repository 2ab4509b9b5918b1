// SPDX-License-Identifier: GPL-2.0
/*
 * Target of the live-patch tests: /proc/hotsplice_target prints a line built from a static
 * local counter, a non-exported static helper, an exported kernel function (seq_printf,
 * scnprintf), string literals and a switch large enough for a jump table. The tests patch
 * target_show and check that the counter keeps counting across the patch.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

static int target_base = 40;

static noinline int target_scale(int value)
{
	return value * 2 + target_base;
}

/* Enough dense cases for gcc to use a jump table (case-values-threshold is 20). */
static noinline void target_describe(struct seq_file *m, unsigned long n)
{
	switch (n % 24) {
	case 0: seq_puts(m, "kind=zero\n"); break;
	case 1: seq_puts(m, "kind=one\n"); break;
	case 2: seq_printf(m, "kind=two %lu\n", n); break;
	case 3: seq_puts(m, "kind=three\n"); break;
	case 4: seq_printf(m, "kind=four %lu\n", n * 4); break;
	case 5: seq_puts(m, "kind=five\n"); break;
	case 6: seq_printf(m, "kind=six %lu\n", n + 6); break;
	case 7: seq_puts(m, "kind=seven\n"); break;
	case 8: seq_printf(m, "kind=eight %lu\n", n ^ 8); break;
	case 9: seq_puts(m, "kind=nine\n"); break;
	case 10: seq_printf(m, "kind=ten %lu\n", n - 10); break;
	case 11: seq_puts(m, "kind=eleven\n"); break;
	case 12: seq_printf(m, "kind=twelve %lu\n", n / 12); break;
	case 13: seq_puts(m, "kind=thirteen\n"); break;
	case 14: seq_printf(m, "kind=fourteen %lu\n", n % 14); break;
	case 15: seq_puts(m, "kind=fifteen\n"); break;
	case 16: seq_printf(m, "kind=sixteen %lu\n", n << 1); break;
	case 17: seq_puts(m, "kind=seventeen\n"); break;
	case 18: seq_printf(m, "kind=eighteen %lu\n", n >> 1); break;
	case 19: seq_puts(m, "kind=nineteen\n"); break;
	case 20: seq_printf(m, "kind=twenty %lu\n", n + 20); break;
	case 21: seq_puts(m, "kind=twentyone\n"); break;
	case 22: seq_printf(m, "kind=twentytwo %lu\n", n * 22); break;
	default: seq_puts(m, "kind=other\n"); break;
	}
}

static int target_show(struct seq_file *m, void *v)
{
	static unsigned long calls;
	char label[32];

	calls++;
	scnprintf(label, sizeof(label), "v%d", 1);
	seq_printf(m, "version=%s calls=%lu scaled=%d\n", label, calls, target_scale(calls));
	target_describe(m, calls);
	return 0;
}

static int __init target_init(void)
{
	if (!proc_create_single("hotsplice_target", 0444, NULL, target_show))
		return -ENOMEM;
	return 0;
}

static void __exit target_exit(void)
{
	remove_proc_entry("hotsplice_target", NULL);
}

module_init(target_init);
module_exit(target_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotsplice live-patch test target");
