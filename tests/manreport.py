#!/usr/bin/env python3
"""Every key of the JSON reports named on the command line (and of the
--records lines) appears in the REPORT section of the man page, as a
word: prints the missing ones, exits 1 if any. Keys that are data
(mechanism names, reply codes) are left out.

    tests/manreport.py [--whole] MANPAGE REPORT.json...

--whole: anywhere in the man page (the --records lines' keys are
described with the option).
"""
import json, re, sys

DATA_PARENTS = ('mechanisms', 'refused_codes')


def keys_of(v, parent, out):
    if isinstance(v, dict):
        for k, x in v.items():
            if parent in DATA_PARENTS:
                keys_of(x, k if parent == 'mechanisms' else parent, out)
                continue
            out.add(k)
            keys_of(x, k, out)
    elif isinstance(v, list):
        for x in v:
            keys_of(x, parent, out)


def report_section(path, whole=False):
    text, on = [], whole
    for line in open(path):
        if line.startswith('.SH ') and not whole:
            on = line.strip() == '.SH REPORT'
            continue
        if on:
            text.append(line)
    # Font escapes and groff's hyphen/underscore forms out of the way.
    s = re.sub(r'\\f[BIRP]', ' ', ''.join(text)).replace('\\-', '-').replace('\\_', '_')
    return s


def main():
    args = sys.argv[1:]
    whole = args[0] == '--whole'
    if whole:
        args = args[1:]
    man = report_section(args[0], whole)
    keys = set()
    for f in args[1:]:
        for line in open(f):
            line = line.strip()
            if line.startswith('{'):
                keys_of(json.loads(line), '', keys)
    missing = sorted(k for k in keys
                     if not re.search(r'(?<![A-Za-z0-9_])' + re.escape(k) + r'(?![A-Za-z0-9_])', man))
    for k in missing:
        print(k)
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
