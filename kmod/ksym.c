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
 *
 * The kprobes of attrib.c read an argument of static kernel functions,
 * whose parameters are no ABI (evict_folios() gained one in front by
 * 7.2): where an argument is, is read from the running kernel's BTF, the
 * prototypes it was built with.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/static_call.h>
#include <linux/string.h>

#include "ksym.h"

DEFINE_STATIC_CALL_RET0(mq_kallsyms_lookup_name, kallsyms_lookup_name);

static bool mq_ksym_ready;

#ifdef MQ_HAVE_BTF
DEFINE_STATIC_CALL_RET0(mq_btf_vmlinux_call, bpf_get_btf_vmlinux);
DEFINE_STATIC_CALL_RET0(mq_btf_find_call, btf_find_by_name_kind);
DEFINE_STATIC_CALL_RET0(mq_btf_name_call, btf_name_by_offset);
static bool mq_btf_ready;

/* Points the BTF static calls at the kernel's functions, if found. */
static void mq_btf_bind(void)
{
	unsigned long vmlinux = mq_ksym_lookup("bpf_get_btf_vmlinux");
	unsigned long find = mq_ksym_lookup("btf_find_by_name_kind");
	unsigned long name = mq_ksym_lookup("btf_name_by_offset");

	if (!vmlinux || !find || !name)
		return;
	static_call_update(mq_btf_vmlinux_call,
			   (typeof(bpf_get_btf_vmlinux) *)vmlinux);
	static_call_update(mq_btf_find_call,
			   (typeof(btf_find_by_name_kind) *)find);
	static_call_update(mq_btf_name_call, (typeof(btf_name_by_offset) *)name);
	mq_btf_ready = true;
}

int mq_ksym_arg_index(const char *func, const char *arg)
{
	const struct btf_type *t, *proto;
	const struct btf_param *params;
	const struct btf *btf;
	unsigned int i;
	const char *name;
	s32 id;

	if (!mq_btf_ready)
		return -ENODATA;
	btf = static_call(mq_btf_vmlinux_call)();
	if (IS_ERR_OR_NULL(btf))
		return -ENODATA;
	id = static_call(mq_btf_find_call)(btf, func, BTF_KIND_FUNC);
	if (id < 0)
		return -ENOENT;
	t = btf_type_by_id(btf, id);
	proto = t ? btf_type_by_id(btf, t->type) : NULL;
	if (!proto || BTF_INFO_KIND(proto->info) != BTF_KIND_FUNC_PROTO)
		return -ENOENT;
	params = (const struct btf_param *)(proto + 1);
	for (i = 0; i < BTF_INFO_VLEN(proto->info); i++) {
		name = static_call(mq_btf_name_call)(btf, params[i].name_off);
		if (name && !strcmp(name, arg))
			return i;
	}
	return -ENOENT;
}
#else
int mq_ksym_arg_index(const char *func, const char *arg)
{
	return -ENODATA;
}
#endif

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
#ifdef MQ_HAVE_BTF
	mq_btf_bind();
#endif
	return 0;
}

unsigned long mq_ksym_lookup(const char *name)
{
	return mq_ksym_ready ? static_call(mq_kallsyms_lookup_name)(name) : 0;
}
