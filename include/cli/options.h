/* options: the command line, parsed once into an immutable config.
 * The reference's letters (46AcC:df:F:l:Lm:M:Nor:R:s:S:t:T:vw:) with their
 * meanings and error texts, strict numbers, and long-only additions.
 * Bad input ends the program here with "fatal: ..." and exit status 1. */
#ifndef OPTIONS_H
#define OPTIONS_H

#include "core/config.h"

/* Fills cfg from argv, or prints the error and exits 1. */
void options_parse(int argc, char **argv, struct config *cfg);

#endif
