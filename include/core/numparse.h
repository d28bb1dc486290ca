/* numparse: strict decimal numbers for the command line.
 * The whole string must be a decimal number within [min, max]; no sign
 * games, no trailing junk, no silent wrap-around (unlike atoi). */
#ifndef NUMPARSE_H
#define NUMPARSE_H

/* Returns 0 and stores the value in *out, or -1 if s is not a number in range. */
int num_parse(const char *s, long long min, long long max, long long *out);

#endif
