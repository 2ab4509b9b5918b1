/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared between the trampoline template and the tables hotsplice-build generates for
 * each patch (hotsplice_tables.c): the run-pre images of the replaced functions, and the
 * callbacks every klp_object of the patch uses.
 */
#ifndef HOTSPLICE_TRAMPOLINE_H
#define HOTSPLICE_TRAMPOLINE_H

#include <linux/livepatch.h>

/*
 * What compare[i] says about byte i of a replaced function (hotsplice-build writes these
 * values: kmod/patchobj/run_pre_image.h RunPreCheck, same numbers).
 */
#define HOTSPLICE_RUN_PRE_SKIP 0 /* written by a relocation or rewritten by the kernel */
#define HOTSPLICE_RUN_PRE_EQUAL 1 /* must equal the before build */
/*
 * The opcode of `jmp __x86_return_thunk` (e9 rel32): boot leaves a jmp (to this or another
 * return thunk: the rel32 is relocated) or writes `ret; int3 x4` (apply_returns).
 */
#define HOTSPLICE_RUN_PRE_RETURN_THUNK 2
/* An endbr64 at the function's entry: boot may seal it to `osp nopl (%rax)` (IBT). */
#define HOTSPLICE_RUN_PRE_ENDBR 3

/* The code a replaced function must have in the running kernel (see run_pre_image.h). */
struct hotsplice_run_pre {
	const unsigned char *bytes;
	const unsigned char *compare; /* HOTSPLICE_RUN_PRE_* per byte */
	unsigned long size;
};

/* Per klp_object: funcs[i] is checked against images[i]. */
struct hotsplice_object_check {
	struct klp_func *funcs;
	const struct hotsplice_run_pre *images;
};

extern struct klp_object hotsplice_objects[];
extern const struct hotsplice_object_check hotsplice_object_checks[];

int hotsplice_pre_patch(struct klp_object *obj);
void hotsplice_post_patch(struct klp_object *obj);
void hotsplice_pre_unpatch(struct klp_object *obj);
void hotsplice_post_unpatch(struct klp_object *obj);

#define HOTSPLICE_CALLBACKS                                                    \
	{                                                                      \
		.pre_patch = hotsplice_pre_patch,                              \
		.post_patch = hotsplice_post_patch,                            \
		.pre_unpatch = hotsplice_pre_unpatch,                          \
		.post_unpatch = hotsplice_post_unpatch,                        \
	}

/*
 * Hooks for patch authors (hotsplice-build --hooks FILE.c): define any of these to run
 * code around the transition, e.g. to set up shadow variables (klp_shadow_get_or_alloc)
 * for data the fix adds to existing structures. A non-zero pre-patch return refuses the
 * patch. The defaults do nothing.
 */
int hotsplice_hook_pre_patch(struct klp_object *obj);
void hotsplice_hook_post_patch(struct klp_object *obj);
void hotsplice_hook_pre_unpatch(struct klp_object *obj);
void hotsplice_hook_post_unpatch(struct klp_object *obj);

#endif
