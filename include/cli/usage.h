/* usage: what the program says about its own command line: the short
 * usage after a usage error (the reference's line, then the long options),
 * --help, and --version. Each prints and exits. */
#ifndef USAGE_H
#define USAGE_H

/* On standard error, exit 1. */
_Noreturn void usage_short(void);

/* On standard output, exit 0 (1 if it cannot be written). */
_Noreturn void usage_help(void);
_Noreturn void usage_version(void);

#endif
