// SPDX-License-Identifier: GPL-2.0
/* The other object of hotsplice_pair: a global, non-exported function and its state. */
#include <linux/compiler.h>

int pair_helper_calls;

noinline int pair_helper(int value)
{
	pair_helper_calls++;
	return value * 3 + pair_helper_calls;
}
