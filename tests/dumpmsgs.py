#!/usr/bin/env python3
"""The messages of an smtp-sink -D dump, as the server stored them.

dumpmsgs.py sizes DUMP M   one line per message: "SLOT SIZE", SLOT from its
                           Message-Id's count (M - 1 - count), SIZE its bytes
                           with CRLF line ends (smtp-sink's own lines and the
                           dump's blank separator line left out), by slot.
dumpmsgs.py bodies DUMP M  each message, Date and Message-Id's pid.fd made
                           constant, in slot order: runs that sent the same
                           messages print the same bytes.
"""
import re
import sys


def messages(path, m):
    data = open(path, 'rb').read()
    out = []
    for chunk in re.split(rb'(?m)^X-Client-Addr: ', data)[1:]:
        lines = chunk.split(b'\n')
        if lines and lines[-1] == b'':
            lines.pop()
        if lines and lines[-1] == b'':      # the dump's separator
            lines.pop()
        i = 1
        while i < len(lines) and (lines[i].startswith((b'X-Client-', b'X-Helo-', b'X-Mail-',
                                                       b'X-Rcpt-', b'Received:', b'\t'))):
            i += 1
        body = lines[i:]
        mid = re.search(rb'(?m)^Message-Id: <[0-9a-f]+\.[0-9a-f]+\.([0-9a-f]+)@', chunk)
        slot = m - 1 - int(mid.group(1), 16) if mid else -1
        out.append((slot, body))
    out.sort(key=lambda t: t[0])
    return out


def main():
    mode, path, m = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for slot, body in messages(path, m):
        if mode == 'sizes':
            print(slot, sum(len(line) + 2 for line in body))
        else:
            for line in body:
                line = re.sub(rb'^Date: .*', b'Date: DATE', line)
                line = re.sub(rb'^(Message-Id: <)[0-9a-f]+\.[0-9a-f]+\.', rb'\1PID.FD.', line)
                sys.stdout.buffer.write(line + b'\n')
            sys.stdout.buffer.write(b'-- %d\n' % slot)


if __name__ == '__main__':
    main()
