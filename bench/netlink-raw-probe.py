# Measurement probe for the README Speed section (not used by netkeeper): dump links, addresses,
# proto-77 routes and neighbours of each namespace path read from stdin with the standard
# library only (AF_NETLINK socket + struct), to price a decoder of only the needed attributes.
# In a sandbox: perf stat -e task-clock -- /usr/bin/python3 bench/netlink-raw-probe.py < paths
import os, sys, socket, struct, ctypes
libc = ctypes.CDLL(None, use_errno=True)
seq = 0
def dump(s, typ, body):
    global seq
    seq += 1
    s.send(struct.pack('=IHHII', 16 + len(body), typ, 0x301, seq, 0) + body)
    out = []
    while True:
        data = s.recv(65536)
        off = 0
        while off < len(data):
            ln, t, fl, sq, pid = struct.unpack_from('=IHHII', data, off)
            if t == 3:  # DONE
                return out
            if t == 2:
                return out
            out.append(data[off:off+ln])
            off += (ln + 3) & ~3
def attrs(buf, off):
    a = {}
    while off + 4 <= len(buf):
        ln, t = struct.unpack_from('=HH', buf, off)
        if ln < 4: break
        a[t & 0x3fff] = buf[off+4:off+ln]
        off += (ln + 3) & ~3
    return a
n = 0
for line in sys.stdin:
    p = line.strip()
    fd = os.open(p, os.O_RDONLY); libc.setns(fd, 0x40000000); os.close(fd)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    s.setsockopt(270, 12, 1)
    for m in dump(s, 18, struct.pack('=BBHiII', 0, 0, 0, 0, 0, 0)):
        a = attrs(m, 32); name = a.get(3); mtu = a.get(4); li = a.get(18)
        if li: attrs(li, 0)
        af = a.get(26)
        if af:
            v6 = attrs(af, 0).get(10)
            if v6: attrs(v6, 0).get(8)
    for m in dump(s, 22, struct.pack('=BBBBI', 0, 0, 0, 0, 0)):
        a = attrs(m, 24); socket.inet_ntop(socket.AF_INET if m[16] == 2 else socket.AF_INET6, a.get(2) or a.get(1))
    for m in dump(s, 26, struct.pack('=BBBBBBBBI', 0, 0, 0, 0, 0, 77, 0, 0, 0)):
        a = attrs(m, 28)
    for m in dump(s, 30, struct.pack('=BBHiHBB', 0, 0, 0, 0, 0, 0, 0)):
        a = attrs(m, 28)
    s.close(); n += 1
print(n)
