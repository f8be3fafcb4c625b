/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The man page memqos.8, made from the commands' help texts (troff with
 * man(7) macros), so --help and the man page say the same things.
 */
#ifndef MEMQOS_MAN_H
#define MEMQOS_MAN_H

#include <stddef.h>
#include <stdio.h>

#include "cmd.h"

/* memqos.8 for the commands @cmds (hidden ones are left out). */
void man_print(FILE *fp, const struct cmd *const *cmds, size_t n);

#endif /* MEMQOS_MAN_H */
