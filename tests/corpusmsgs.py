#!/usr/bin/env python3
"""--corpus's messages in an smtp-sink -D dump, against the corpus files.

corpusmsgs.py check DUMP RECORDS CORPUS MODE M [JSON]
    every message of the dump (MODE fresh: its slot from its Message-Id's
    count, M - 1 - count; keep: the dump's order, one session) is its
    record's corpus file as sent: lines without CR, an mboxrd ">From"
    unquoted once, and (fresh) the header's Date and Message-Id fields
    taken out and two new ones, Date and Message-Id, where the first of
    them was (or at the header's end). Each record's size is the message's
    CRLF size; with JSON, the report's sizes count them all and add up.
    Prints "ok N".
corpusmsgs.py delivered CORPUS RECORDS M FILE...
    the same check (fresh) for mail a Postfix delivered to a Maildir: each
    FILE less the three lines the delivery prepends and Postfix's Received:
    field.
corpusmsgs.py bodies DUMP
    the messages, sorted: runs that sent the same messages print the same.
"""
import json
import os
import re
import sys


def dump_messages(path):
    """Each message of the dump: (its X-Mail-Args, its lines)."""
    data = open(path, 'rb').read()
    out = []
    for chunk in re.split(rb'(?m)^X-Client-Addr: ', data)[1:]:
        lines = chunk.split(b'\n')
        if lines and lines[-1] == b'':
            lines.pop()
        if lines and lines[-1] == b'':      # the dump's separator
            lines.pop()
        i, args = 1, b''
        while i < len(lines) and lines[i].startswith((b'X-Client-', b'X-Helo-', b'X-Mail-',
                                                        b'X-Rcpt-')):
            if lines[i].startswith(b'X-Mail-Args: '):
                args = lines[i]
            i += 1
        # smtp-sink's own Received: and its folded lines.
        i += 1
        while i < len(lines) and lines[i].startswith(b'\t'):
            i += 1
        out.append((args, lines[i:]))
    return out


def mbox_items(path):
    """The messages of an mboxrd file, by their number."""
    data = open(path, 'rb').read()
    starts = [m.start() for m in re.finditer(rb'(?m)^From ', data)]
    items = []
    for n, s in enumerate(starts):
        e = starts[n + 1] if n + 1 < len(starts) else len(data)
        body = data[data.index(b'\n', s) + 1:e]
        if body.endswith(b'\n\n'):
            body = body[:-1]
        items.append(body)
    return items


def expected(raw, fresh, unquote):
    """The lines as sent, and where the fresh fields go (None: keep)."""
    lines = raw.split(b'\n')
    if raw.endswith(b'\n'):
        lines.pop()
    lines = [l[:-1] if l.endswith(b'\r') else l for l in lines]
    if unquote:
        lines = [l[1:] if re.match(rb'^>+From ', l) else l for l in lines]
    if not fresh:
        return lines, None
    out, ins, header, dropping = [], None, True, False
    for l in lines:
        if header:
            if l == b'':
                header = False
                if ins is None:
                    ins = len(out)
            elif dropping and l[:1] in (b' ', b'\t'):
                continue
            elif re.match(rb'(?i)^(date|message-id):', l):
                dropping = True
                if ins is None:
                    ins = len(out)
                continue
            else:
                dropping = False
        out.append(l)
    if ins is None:
        ins = len(out)
    return out, ins


def slot_of(lines, m):
    mid = next(l for l in lines if l.startswith(b'Message-Id: <'))
    return m - 1 - int(re.match(rb'Message-Id: <[0-9a-f]+\.[0-9a-f]+\.([0-9a-f]+)@',
                                mid).group(1), 16)


def check_one(lines, slot, recs, corpus, fresh, items):
    """One message's lines against its record's corpus file; its size."""
    r = recs[slot]
    name = r['corpus_file']
    if items is not None:
        raw = items[int(name.split(':')[1])]
    else:
        raw = open(os.path.join(corpus, name), 'rb').read()
    want, ins = expected(raw, fresh, items is not None)
    got = list(lines)
    if fresh:
        if not (got[ins].startswith(b'Date: ') and got[ins + 1].startswith(b'Message-Id: <')):
            sys.exit('slot %d (%s): no fresh Date and Message-Id at line %d' % (slot, name, ins))
        del got[ins:ins + 2]
    if got != want:
        sys.exit('slot %d (%s) differs:\n got %r\nwant %r' % (slot, name, got, want))
    size = sum(len(l) + 2 for l in lines)
    if r['size'] != size:
        sys.exit('slot %d (%s): record size %d, stored %d' % (slot, name, r['size'], size))
    return size


def load(records, corpus):
    recs = {r['slot']: r for r in (json.loads(l) for l in open(records))}
    items = mbox_items(corpus) if os.path.isfile(corpus) else None
    return recs, items


def check(dump, records, corpus, mode, m, report=None):
    fresh = mode == 'fresh'
    recs, items = load(records, corpus)
    done = 0
    for order, (args, lines) in enumerate(dump_messages(dump)):
        slot = slot_of(lines, m) if fresh else order
        size = check_one(lines, slot, recs, corpus, fresh, items)
        if b'SIZE=' in args and not args.endswith(b' SIZE=%d' % size):
            sys.exit('slot %d: %r, stored %d' % (slot, args, size))
        done += 1
    if report:
        s = json.load(open(report))['workload']['sizes']
        total = sum(r['size'] for r in recs.values())
        if s['count'] != len(recs) or s['total_bytes'] != total:
            sys.exit('report sizes %r, records: %d messages, %d bytes' % (s, len(recs), total))
    print('ok', done)


def delivered(corpus, records, m, files):
    recs, items = load(records, corpus)
    for f in files:
        lines = open(f, 'rb').read().split(b'\n')
        if lines[-1] == b'':
            lines.pop()
        lines = lines[3:]
        i = next(n for n, l in enumerate(lines) if l.startswith(b'Received: '))
        j = i + 1
        while j < len(lines) and lines[j][:1] in (b' ', b'\t'):
            j += 1
        lines = lines[:i] + lines[j:]
        check_one(lines, slot_of(lines, m), recs, corpus, True, items)
    print('ok', len(files))


def main():
    if sys.argv[1] == 'check':
        check(*sys.argv[2:6], int(sys.argv[6]), *sys.argv[7:8])
    elif sys.argv[1] == 'delivered':
        delivered(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:])
    else:
        for body in sorted(b'\n'.join(lines) for _, lines in dump_messages(sys.argv[2])):
            sys.stdout.buffer.write(body + b'\n--\n')


main()
