/* workload_opts: the command line's workload options (--seed, --size,
 * --rcpts, ...), kept apart from options.c: their table, their parsing
 * (a file they name is read here, before any connection), and their checks
 * against the reference's options. Bad input: one fatal line naming the
 * option, exit 1. */
#ifndef WORKLOAD_OPTS_H
#define WORKLOAD_OPTS_H

#include "core/config.h"

#include <getopt.h>

/* getopt_long's values of these options start here. */
#define WORKLOAD_OPT_FIRST 512

/* base's options (ended by a zero entry), then these, in one table for
 * getopt_long. */
const struct option *workload_options_with(const struct option *base);

/* 1 if ch is one of these options (then handled), else 0. */
int workload_opt(int ch, const char *arg);

/* Once every option is read: checks them with the others and points
 * cfg->wl at the workload (NULL when none was given); the seed is chosen
 * here when --seed was not. */
void workload_finish(struct config *cfg);

#endif
