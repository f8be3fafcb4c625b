// SPDX-License-Identifier: GPL-2.0
/*
 * Kernel functions that are global but not exported, found by name.
 *
 * kallsyms_lookup_name() itself is not exported since v5.7; a kprobe
 * registered on it reports its address (as lttng-modules' wrapper/kallsyms
 * does). Only functions declared in a public header are ever called this
 * way, so their prototype is checked at build time and their calling
 * convention is the standard one (the compiler may change a static
 * function's).
 *
 * Every call goes through a static call: on x86 that is a direct call or
 * jump to the target, patched in once. An indirect call would trap on
 * kernels with IBT enforced, where functions never called indirectly lose
 * their ENDBR ("sealed"), and turning IBT off around each call (as
 * lttng-modules does) costs two MSR writes per call on the probe path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/static_call.h>

#include "memqos.h"

DEFINE_STATIC_CALL_RET0(mq_kallsyms_lookup_name, kallsyms_lookup_name);

static bool mq_ksym_ready;

static int mq_ksym_noop(struct kprobe *kp, struct pt_regs *regs)
{
	return 0;
}

int mq_ksym_init(void)
{
	struct kprobe kp = {
		.symbol_name = "kallsyms_lookup_name",
		.pre_handler = mq_ksym_noop,
	};
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("cannot find kallsyms_lookup_name (kprobe: %d)\n", ret);
		return ret;
	}
	/*
	 * The address may be past the function's ENDBR: a direct jump
	 * there is fine, and that is all a static call makes.
	 */
	static_call_update(mq_kallsyms_lookup_name,
			   (typeof(kallsyms_lookup_name) *)kp.addr);
	unregister_kprobe(&kp);
	mq_ksym_ready = true;
	return 0;
}

unsigned long mq_ksym_lookup(const char *name)
{
	return mq_ksym_ready ? static_call(mq_kallsyms_lookup_name)(name) : 0;
}
