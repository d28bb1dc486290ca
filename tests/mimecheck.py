#!/usr/bin/env python3
"""--content=mime messages as a server stored them, read with Python's email
parser; exit 1 naming the first message that is not right.

mimecheck.py sink DUMP M [OPT...]   the messages of an smtp-sink -D dump
                                    (split as dumpmsgs.py does); prints
                                    "SLOT SIZE DIGEST" per message, by slot,
                                    DIGEST its bytes' SHA-1 but for the Date
                                    and the Message-Id's pid.fd: runs that
                                    sent the same messages print the same.
mimecheck.py files [OPT...] -- F... delivered files (Postfix's Maildir: its
                                    three lines and its Received: header
                                    left out); prints each SIZE, sorted.
OPT: utf8 (the texts are UTF-8, 8bit; else US-ASCII, 7bit: no byte above
127), l=N (each message as long as -l N's: its headers without MIME's two
fields, then N + 2 bytes), rec=FILE (each message's size is the one its
--records line gives).

Each message: multipart/mixed, no defect anywhere; a text/plain and a
text/html part in the declared charset and transfer encoding; from 150 KB
on a base64 application/octet-stream attachment in 76-character lines that
fills at least half the message; no line over 998 octets.
"""
import base64
import email.parser
import email.policy
import hashlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dumpmsgs  # noqa: E402

ATTACH_FROM = 150 * 1024


def fail(who, why):
    sys.exit('mimecheck: %s: %s' % (who, why))


def check(who, data, utf8, lsize):
    size = len(data)
    lines = data.split(b'\r\n')
    if max(len(line) for line in lines) > 998:
        fail(who, 'a line of more than 998 octets')
    if not utf8 and any(c > 127 for c in data):
        fail(who, 'a byte above 127 without --8bitmime --smtputf8')
    msg = email.parser.BytesParser(policy=email.policy.default).parsebytes(data)
    if msg['MIME-Version'] != '1.0' or msg.get_content_type() != 'multipart/mixed':
        fail(who, 'not a MIME multipart/mixed: %s' % msg.get_content_type())
    for part in msg.walk():
        if part.defects:
            fail(who, 'defects: %r' % part.defects)
    parts = list(msg.iter_parts())
    want = ['text/plain', 'text/html']
    if size >= ATTACH_FROM:
        want.append('application/octet-stream')
    got = [p.get_content_type() for p in parts]
    if got != want:
        fail(who, 'parts %s, not %s (size %d)' % (got, want, size))
    charset, cte = ('utf-8', '8bit') if utf8 else ('us-ascii', '7bit')
    for p in parts[:2]:
        if p.get_content_charset() != charset or p['Content-Transfer-Encoding'] != cte:
            fail(who, '%s: charset %s, encoding %s' % (p.get_content_type(),
                 p.get_content_charset(), p['Content-Transfer-Encoding']))
        raw = p.get_payload(decode=True)
        try:
            raw.decode(charset)
        except UnicodeDecodeError as e:
            fail(who, '%s: not %s: %s' % (p.get_content_type(), charset, e))
    html = parts[1].get_content().strip()
    if not html.startswith('<!DOCTYPE html>') or not html.endswith('</body></html>'):
        fail(who, 'the html part is not a whole html document')
    if len(parts) == 3:
        att = parts[2]
        if att['Content-Transfer-Encoding'] != 'base64' or att.get_filename() != 'figures.bin':
            fail(who, 'the attachment is not base64 figures.bin')
        text = att.get_payload(decode=False)
        b64 = text.replace('\r\n', '\n').rstrip('\n').split('\n')
        if any(len(line) != 76 for line in b64[:-1]) or not 0 < len(b64[-1]) <= 76:
            fail(who, 'base64 lines are not of 76 characters')
        joined = ''.join(b64)
        if len(joined) % 4:
            fail(who, 'base64 not in whole groups of 4')
        base64.b64decode(joined, validate=True)
        encoded = sum(len(line) + 2 for line in b64)
        if encoded * 2 < size:
            fail(who, 'the attachment (%d bytes) is less than half of %d' % (encoded, size))
    if lsize is not None:
        head = data[:data.index(b'\r\n\r\n') + 4]
        mime = sum(len(line) + 2 for line in head.split(b'\r\n')
                   if line.startswith((b'MIME-Version:', b'Content-Type:')))
        if size != len(head) - mime + lsize + 2:
            fail(who, 'size %d, not -l %d\'s %d' % (size, lsize, len(head) - mime + lsize + 2))
    return size


def delivered(path):
    """A Postfix Maildir file's message: its first three lines (Return-Path,
    X-Original-To, Delivered-To) and Received: header left out, CRLF."""
    out, skip = [], False
    for line in open(path, 'rb').read().split(b'\n')[3:]:
        if skip and line[:1] in (b' ', b'\t'):
            continue
        skip = line.startswith(b'Received: ')
        if not skip:
            out.append(line)
    if out and out[-1] == b'':
        out.pop()
    return b''.join(line + b'\r\n' for line in out)


def main():
    args = sys.argv[1:]
    mode = args.pop(0)
    if mode == 'sink':
        path, m = args.pop(0), int(args.pop(0))
        files = []
    else:
        files = args[args.index('--') + 1:]
        args = args[:args.index('--')]
    utf8 = 'utf8' in args
    lsize = next((int(a[2:]) for a in args if a.startswith('l=')), None)
    rec = next((a[4:] for a in args if a.startswith('rec=')), None)
    drawn = {}
    if rec:
        for line in open(rec):
            r = json.loads(line)
            drawn[r['slot']] = r['size']
    seen8 = False
    if mode == 'sink':
        for slot, body in dumpmsgs.messages(path, m):
            data = b''.join(line + b'\r\n' for line in body)
            size = check('slot %d' % slot, data, utf8, lsize)
            if rec and drawn.get(slot) != size:
                fail('slot %d' % slot, 'size %d, its record says %s' % (size, drawn.get(slot)))
            same = re.sub(rb'(?m)^Date: .*', b'Date: DATE', data)
            same = re.sub(rb'(?m)^(Message-Id: <)[0-9a-f]+\.[0-9a-f]+\.', rb'\1PID.FD.', same)
            print(slot, size, hashlib.sha1(same).hexdigest())
            seen8 = seen8 or any(c > 127 for c in data)
        if rec and len(drawn) != m:
            fail('the run', '%d records, not %d' % (len(drawn), m))
    else:
        sizes = []
        for f in files:
            data = delivered(f)
            sizes.append(check(f, data, utf8, lsize))
            seen8 = seen8 or any(c > 127 for c in data)
        for s in sorted(sizes):
            print(s)
    if utf8 and not seen8:
        fail('the run', 'no UTF-8 text under utf8')


main()
