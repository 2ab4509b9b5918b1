// SPDX-License-Identifier: GPL-2.0
/*
 * Live-patch call overhead benchmark target: reading /proc/hotsplice_bench calls
 * bench_work() in a tight loop and reports the time per call. Once a live patch replaces
 * bench_work, every call goes through the ftrace trampoline and the livepatch handler to
 * the new copy: the difference is the cost of being patched.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>

#define BENCH_CALLS 200000UL

static unsigned long bench_sink;

/* noipa: the loop must really call this function, not a clone or a folded constant. */
static noinline __attribute__((__noipa__)) unsigned long bench_work(unsigned long x)
{
	return x * 3 + 1;
}

static int bench_show(struct seq_file *m, void *v)
{
	unsigned long i, acc = 0;
	u64 start, elapsed;

	start = ktime_get_ns();
	for (i = 0; i < BENCH_CALLS; i++)
		acc += bench_work(i);
	elapsed = ktime_get_ns() - start;
	WRITE_ONCE(bench_sink, acc);
	seq_printf(m, "calls=%lu ns=%llu ps_per_call=%llu check=%lu\n", BENCH_CALLS, elapsed,
		   elapsed * 1000 / BENCH_CALLS, acc % 1009);
	return 0;
}

static int __init bench_init(void)
{
	return proc_create_single("hotsplice_bench", 0444, NULL, bench_show) ? 0 : -ENOMEM;
}

static void __exit bench_exit(void)
{
	remove_proc_entry("hotsplice_bench", NULL);
}

module_init(bench_init);
module_exit(bench_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("hotsplice live-patch call overhead benchmark");
