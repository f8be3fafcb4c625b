/* SPDX-License-Identifier: GPL-2.0 */
/* ksym.c: global kernel functions that are not exported */
#ifndef MQ_KSYM_H
#define MQ_KSYM_H

#include <linux/types.h>

int mq_ksym_init(void);
/* The address of global function @name, 0 if not found. */
unsigned long mq_ksym_lookup(const char *name);
/*
 * Which parameter of kernel function @func is named @arg, from the
 * kernel's BTF: -ENOENT if it has none of that name, -ENODATA without BTF.
 */
int mq_ksym_arg_index(const char *func, const char *arg);

#endif /* MQ_KSYM_H */
