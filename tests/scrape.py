#!/usr/bin/env python3
"""The tests' HTTP clients of --metrics (bats/metrics.bats, bench/metrics).

  scrape.py get PORT [ACCEPT]   one GET /metrics; prints the whole response
  scrape.py raw PORT            sends standard input as it is; prints the reply
  scrape.py stuck PORT N READY  N connections that send a GET and never read
                                (tiny receive buffers), held until killed;
                                READY is written once all are connected
Each reply is read to the server's close (at most 10 s).
"""
import socket
import sys
import time


def connect(port, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect(('127.0.0.1', port))
    return s


def read_all(s):
    out = b''
    while True:
        try:
            b = s.recv(65536)
        except ConnectionResetError:
            out += b'\n[reset]\n'
            break
        if not b:
            break
        out += b
    return out


def main():
    cmd, port = sys.argv[1], int(sys.argv[2])
    if cmd == 'get':
        s = connect(port)
        accept = sys.argv[3] if len(sys.argv) > 3 else None
        head = 'GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n' % port
        if accept:
            head += 'Accept: %s\r\n' % accept
        s.sendall((head + '\r\n').encode())
        sys.stdout.buffer.write(read_all(s))
    elif cmd == 'raw':
        s = connect(port)
        s.sendall(sys.stdin.buffer.read())
        sys.stdout.buffer.write(read_all(s))
    elif cmd == 'stuck':
        n, ready = int(sys.argv[3]), sys.argv[4]
        held = []
        for _ in range(n):
            s = connect(port, rcvbuf=1024)
            s.sendall(b'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')
            held.append(s)
        open(ready, 'w').write('ready\n')
        time.sleep(3600)


main()
