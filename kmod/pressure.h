/* SPDX-License-Identifier: GPL-2.0 */
/* pressure.c: pressure and reclaim-storm monitor */
#ifndef MQ_PRESSURE_H
#define MQ_PRESSURE_H

int mq_pressure_init(void);
void mq_pressure_exit(void);

#endif /* MQ_PRESSURE_H */
