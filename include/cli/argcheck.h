/* argcheck: the command line's shape, for the usage errors: an unknown
 * option named with the nearest valid one, a long option's value given
 * with a space where it needs '=', an option after the target, a missing
 * target. Each prints one line saying what is wrong, then the short usage,
 * and exits 1. The reference's letters keep getopt's own lines. */
#ifndef ARGCHECK_H
#define ARGCHECK_H

#include <getopt.h>

/* getopt_long returned '?' (with opterr 0) for the element argv[at]:
 * shorts is its option string, longs its table. */
_Noreturn void argcheck_bad_option(char *const *argv, int at, const char *shorts,
                                   const struct option *longs);

/* A long option whose value is required came without '=': next is the
 * element after it (NULL at the end), what a user would have meant. */
_Noreturn void argcheck_no_value(const char *name, const char *next);

/* The operands argv[first..argc) of a run: exactly one, the target.
 * json_bare is the index after a --json without '=' (0 if none). */
void argcheck_target(int argc, char *const *argv, int first, int json_bare);

/* The operands of --merge: files; an option among them is a mistake. */
void argcheck_merge(int argc, char *const *argv, int first);

#endif
