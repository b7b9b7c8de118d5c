// The netlink writer's python (see nl-writer.ts): the reader's script (nl-reader-py.ts)
// without its main loop, so the read-back after the writes is the reader's very code
// and format, plus the writes: each request (one JSON line: a namespace path, its
// operations as parsed by nl-ops.ts, whether to read it back) enters the namespace with
// setns, opens one netlink socket there and sends each operation as the request
// `ip` sends for its line (built here with struct), going on after a failed one as
// `ip -force` does. Errors are worded as ip words them: the kernel's extended ack
// ("Error: ...."), else "RTNETLINK answers: <strerror>"; an unknown device as ip's
// 'Cannot find device "X"'.

import { NL_READER_PY } from '../observe/nl-reader-py.js';

const READER_MAIN = /\n\nmain\(\)\s*$/;

/** The reader's definitions (its script without the final `main()` call). */
export function readerDefinitions(reader: string = NL_READER_PY): string {
  if (!READER_MAIN.test(reader)) throw new Error('nl-writer: the reader script no longer ends with main()');
  return reader.replace(READER_MAIN, '\n');
}

const WRITER = String.raw`from struct import pack

NLM_F_ACK, NLM_F_REPLACE, NLM_F_EXCL, NLM_F_CREATE = 0x4, 0x100, 0x200, 0x400
RTM_NEWLINK, RTM_DELLINK, RTM_GETLINK = 16, 17, 18
RTM_NEWADDR, RTM_DELADDR = 20, 21
RTM_NEWROUTE, RTM_DELROUTE = 24, 25
RTM_NEWNEIGH, RTM_DELNEIGH = 28, 29
IFF_UP = 0x1


def nla(t, payload):
    ln = 4 + len(payload)
    return pack('=HH', ln, t) + payload + b'\0' * (((ln + 3) & ~3) - ln)


def nla_u32(t, v):
    return nla(t, pack('=I', v))


def nla_str(t, s, z=True):
    return nla(t, s.encode() + (b'\0' if z else b''))


class LineError(Exception):
    pass


class Writer:
    def __init__(self, s):
        self.s = s
        self.seq = 0
        self.index = None

    def talk(self, kind, flags, body):
        self.seq += 1
        msg = pack('=IHHII', 16 + len(body), kind, NLM_F_REQUEST | NLM_F_ACK | flags, self.seq, 0) + body
        self.s.sendto(msg, (0, 0))
        while True:
            data = self.s.recv(1 << 16)
            off = 0
            while off + 16 <= len(data):
                ln, t, fl, seq = unpack_from('=IHHI', data, off)
                if ln < 16:
                    raise NetlinkError('bad netlink message length %d' % ln)
                if seq == self.seq and t == 2:
                    code = unpack_from('=i', data, off + 16)[0]
                    if code == 0:
                        return
                    text = None
                    if fl & 0x200:  # NLM_F_ACK_TLVS: the extended ack (its message)
                        start = off + 20 + (16 if fl & 0x100 else unpack_from('=I', data, off + 20)[0])
                        m = nlas(data[:off + ln], start).get(1)
                        if m:
                            text = asciiz(m)
                    if text:
                        raise LineError('Error: %s%s' % (text, '' if text.endswith('.') else '.'))
                    raise LineError('RTNETLINK answers: %s' % os.strerror(-code))
                off += (ln + 3) & ~3

    def ifindex(self, name):
        if self.index is None:
            self.index = {}
            for m in messages(self.s, REQ_LINK):
                index = unpack_from('=i', m, 20)[0]
                a = nlas(m, 32)
                if IFLA_IFNAME in a:
                    self.index[asciiz(a[IFLA_IFNAME])] = index
        i = self.index.get(name)
        if not i:
            raise LineError('Cannot find device "%s"' % name)
        return i

    def link(self, op):
        i = self.ifindex(op['dev'])
        flags = change = 0
        attrs = b''
        if 'genmode' in op:
            attrs += nla(IFLA_AF_SPEC, nla(AF_INET6, nla(IFLA_INET6_ADDR_GEN_MODE, bytes([op['genmode']]))))
        if 'mtu' in op:
            attrs += nla_u32(IFLA_MTU, op['mtu'])
        if 'address' in op:
            attrs += nla(IFLA_ADDRESS, bytes.fromhex(op['address'].replace(':', '')))
        if 'master' in op:
            m = 0
            if op['master']:
                try:
                    m = self.ifindex(op['master'])
                except LineError:  # as ip words it (ip exits there; the writer goes on)
                    raise LineError('Error: argument "%s" is wrong: Device does not exist' % op['master'])
            attrs += nla_u32(IFLA_MASTER, m)
        if 'alias' in op:
            attrs += nla_str(IFLA_IFALIAS, op['alias'], False)
        if 'up' in op:
            change = IFF_UP
            flags = IFF_UP if op['up'] else 0
        self.talk(RTM_NEWLINK, 0, pack('=BxHiII', 0, 0, i, flags, change) + attrs)

    def linkdel(self, op):
        i = self.ifindex(op['dev'])
        self.talk(RTM_DELLINK, 0, pack('=BxHiII', 0, 0, i, 0, 0))
        self.index = None

    def addr(self, op):
        fam = AF_INET6 if op['family'] == 6 else AF_INET
        raw = socket.inet_pton(fam, op['addr'])
        i = self.ifindex(op['dev'])
        new = op['cmd'] == 'replace'
        fl = 0x02 if op.get('nodad') else 0  # IFA_F_NODAD
        scope = 254 if new and fam == AF_INET and raw[0] == 127 else 0
        attrs = nla(IFA_LOCAL, raw) + nla(IFA_ADDRESS, raw)
        if 'label' in op:
            attrs += nla_str(IFA_LABEL, op['label'])
        if fl:
            attrs += nla_u32(8, fl)  # IFA_FLAGS
        body = pack('=BBBBI', fam, op['plen'], fl, scope, i) + attrs
        if new:
            self.talk(RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE, body)
        else:
            self.talk(RTM_DELADDR, 0, body)

    def route(self, op):
        fam = AF_INET6 if op['family'] == 6 else AF_INET
        new = op['cmd'] == 'replace'
        attrs = b''
        if op['dst'] is not None:
            attrs += nla(RTA_DST, socket.inet_pton(fam, op['dst']))
        if op.get('via'):
            attrs += nla(RTA_GATEWAY, socket.inet_pton(fam, op['via']))
        if op.get('dev'):
            attrs += nla_u32(RTA_OIF, self.ifindex(op['dev']))
        flags = 4 if op.get('onlink') else 0  # RTNH_F_ONLINK
        if new:
            scope = 0 if fam == AF_INET6 or op.get('via') else 253  # universe, or link without a gateway
            body = pack('=BBBBBBBBI', fam, op['plen'], 0, 0, 254, op['proto'], scope, 1, flags)
            self.talk(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, body + attrs)
        else:
            body = pack('=BBBBBBBBI', fam, op['plen'], 0, 0, 254, op['proto'], 255, 0, flags)
            self.talk(RTM_DELROUTE, 0, body + attrs)

    def neigh(self, op):
        fam = AF_INET6 if ':' in op['ip'] else AF_INET
        attrs = nla(NDA_DST, socket.inet_pton(fam, op['ip']))
        i = self.ifindex(op['dev'])
        if op['cmd'] == 'replace':
            attrs += nla(NDA_LLADDR, bytes.fromhex(op['lladdr'].replace(':', '')))
            self.talk(RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, pack('=BxxxiHBB', fam, i, 0x80, 0, 0) + attrs)
        else:
            self.talk(RTM_DELNEIGH, 0, pack('=BxxxiHBB', fam, i, 0, 0, 0) + attrs)


def write_ns(req):
    path = req['path']
    err = enter(path)
    if err:
        return {'path': path, 'error': err}
    s = IPRSocket()
    try:
        s.setsockopt(270, 11, 1)  # NETLINK_EXT_ACK
        s.setsockopt(270, 10, 1)  # NETLINK_CAP_ACK
        w = Writer(s)
        errors = []
        for n, op in enumerate(req['ops'], 1):
            try:
                getattr(w, op['op'])(op)
            except LineError as e:
                errors.append([n, str(e)])
            except (OSError, ValueError, KeyError) as e:
                errors.append([n, 'Error: %s' % e])
        res = {'path': path, 'errors': errors}
        if req.get('read'):
            s.setsockopt(270, 12, 1)  # NETLINK_GET_STRICT_CHK, as the reader
            links, name = read_links(s)
            docs = [links, read_addrs(s, links), read_routes(s, name), read_neigh(s, name), read_netconf(s)]
            res['batch'] = ''.join(json.dumps(d, separators=(',', ':')) + '\n' for d in docs)
    finally:
        s.close()
    return res


def main():
    sys.stdout.write(json.dumps({'ready': True}) + '\n')
    sys.stdout.flush()
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            res = write_ns(req)
        except Exception as e:
            res = {'path': req.get('path'), 'fail': '%s: %s' % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(res, separators=(',', ':')) + '\n')
        sys.stdout.flush()


main()
`;

export const NL_WRITER_PY = readerDefinitions() + WRITER;
