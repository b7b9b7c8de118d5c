// The netlink reader (see nl-reader.ts): one python3 process that enters each namespace
// in turn (setns) and dumps it over netlink (pyroute2 opens the socket and encodes the
// requests; the few attributes read are decoded here with struct), printing for each namespace
// the same JSON documents as the NS_BATCH of `ip -j -d -N -batch` (only the fields the
// parsers in src/observe read). Kept as text so the package ships it inside dist/.

export const NL_READER_PY = String.raw`import sys, os, json, ctypes, types, importlib.util, socket

# pyroute2's own __init__ loads its whole stack (ndb, asyncio, multiprocessing: ~1 s on
# a loaded VM); only its netlink codec is needed, so the package is entered without it.
spec = importlib.util.find_spec('pyroute2')
if spec is None:
    sys.stdout.write(json.dumps({'ready': False, 'error': 'python3 module pyroute2 not found'}) + '\n')
    sys.stdout.flush()
    sys.exit(3)
pkg = types.ModuleType('pyroute2')
pkg.__path__ = list(spec.submodule_search_locations)
sys.modules['pyroute2'] = pkg
from pyroute2.netlink import NLM_F_REQUEST, NLM_F_DUMP, nlmsg
from pyroute2.netlink.rtnl import RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH, RTM_GETNETCONF
from pyroute2.netlink.rtnl.iprsocket import IPRSocket
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.rtmsg import rtmsg
from pyroute2.netlink.rtnl.ndmsg import ndmsg
from struct import unpack_from

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
ROUTE_PROTO = int(sys.argv[1]) if len(sys.argv) > 1 else 77
DUMP = NLM_F_REQUEST | NLM_F_DUMP
AF_INET, AF_INET6 = socket.AF_INET, socket.AF_INET6

IFF = [(0x1, 'UP'), (0x2, 'BROADCAST'), (0x8, 'LOOPBACK'), (0x10, 'POINTOPOINT'), (0x80, 'NOARP'), (0x1000, 'MULTICAST'), (0x10000, 'LOWER_UP')]
LINK_TYPES = {1: 'ether', 772: 'loopback', 776: 'sit', 768: 'ipip', 778: 'gre', 65534: 'none'}
GEN_MODES = {0: 'eui64', 1: 'none', 2: 'stable_secret', 3: 'random'}
MACVLAN_MODES = {0: 'none', 1: 'private', 2: 'vepa', 4: 'bridge', 8: 'passthru', 16: 'source'}
RT_FLAGS = [(1, 'dead'), (2, 'pervasive'), (4, 'onlink'), (8, 'offload'), (16, 'linkdown'), (32, 'unresolved')]

# Requests: encoded once by pyroute2's message classes (the same requests as before),
# sent as bytes on each namespace's IPRSocket. Answers: only the attributes read are
# decoded, here, with struct (pyroute2's generic decoding builds an object for every
# attribute of every message: ~4 ms of CPU per namespace against ~0.3 ms).


def request(msg, kind, flags, fields=(), nla=()):
    msg['family'] = 0
    for k, v in fields:
        msg[k] = v
    if nla:
        msg['attrs'] = list(nla)
    msg['header']['type'] = kind
    msg['header']['flags'] = flags
    msg['header']['sequence_number'] = 1
    msg['header']['pid'] = 0
    msg.encode()
    return bytes(msg.data)


class netconfmsg(nlmsg):
    # struct netconfmsg { u8 family; } and NETCONFA_IFINDEX (the kernel's RTM_GETNETCONF)
    prefix = 'NETCONFA_'
    fields = (('family', 'B'), ('__pad', '3x'))
    nla_map = (('NETCONFA_UNSPEC', 'none'), ('NETCONFA_IFINDEX', 'int32'))


REQ_LINK = request(ifinfmsg(), RTM_GETLINK, DUMP)
REQ_ADDR = request(ifaddrmsg(), RTM_GETADDR, DUMP)
# strict checking lets the kernel filter the dump on the protocol (as iproute2 asks it to)
REQ_ROUTE = request(rtmsg(), RTM_GETROUTE, DUMP, (('proto', ROUTE_PROTO),))
REQ_NEIGH = request(ndmsg(), RTM_GETNEIGH, DUMP)
# forwarding of 'all' per family (NETCONFA_IFINDEX_ALL = -1), as 'ip netconf show' reads it
REQ_NETCONF = [(fam, request(netconfmsg(), RTM_GETNETCONF, NLM_F_REQUEST, (('family', af),), (('NETCONFA_IFINDEX', -1),)))
               for fam, af in (('inet', AF_INET), ('inet6', AF_INET6))]


class NetlinkError(Exception):
    pass


def messages(s, req):
    """The messages answering req (bytes of each, header included); a dump ends at NLMSG_DONE."""
    s.sendto(req, (0, 0))
    dump = unpack_from('=H', req, 6)[0] & NLM_F_DUMP == NLM_F_DUMP
    out = []
    while True:
        data = s.recv(1 << 17)
        off = 0
        while off + 16 <= len(data):
            ln, t = unpack_from('=IH', data, off)
            if ln < 16:
                raise NetlinkError('bad netlink message length %d' % ln)
            if t == 3:  # NLMSG_DONE
                return out
            if t == 2:  # NLMSG_ERROR
                code = unpack_from('=i', data, off + 16)[0]
                if code:
                    raise NetlinkError('netlink error %d (%s)' % (-code, os.strerror(-code)))
                return out
            out.append(data[off:off + ln])
            off += (ln + 3) & ~3
        if not dump:
            return out


def nlas(buf, off):
    """Attributes from off on: {type: bytes}, the first of each type (as pyroute2's get_attr)."""
    a = {}
    end = len(buf)
    while off + 4 <= end:
        ln, t = unpack_from('=HH', buf, off)
        if ln < 4:
            break
        t &= 0x3fff  # without NLA_F_NESTED / NLA_F_NET_BYTEORDER
        if t not in a:
            a[t] = buf[off + 4:off + ln]
        off += (ln + 3) & ~3
    return a


def u8(v):
    return v[0]


def u32(v):
    return unpack_from('=I', v)[0]


def i32(v):
    return unpack_from('=i', v)[0]


def asciiz(v):
    v = v.split(b'\0', 1)[0]
    try:
        return v.decode('utf-8')
    except UnicodeDecodeError:
        return v.decode('utf-8', 'replace')


def hexbytes(v):
    return ':'.join('%02x' % x for x in v)


def ipaddr(family, v):
    return socket.inet_ntop(family, v)


def lladdr(v, ifi_type):
    # as iproute2's ll_addr_n2a: tunnels' 4- and 16-byte addresses as IP addresses
    if len(v) == 4 and ifi_type in (768, 776, 778):
        return socket.inet_ntop(AF_INET, v)
    if len(v) == 16 and ifi_type in (769, 823):
        return socket.inet_ntop(AF_INET6, v)
    return hexbytes(v)


def neigh_lladdr(v):
    # pyroute2's lladdr type: a MAC, an IPv4 or IPv6 address by length, else hex
    if len(v) == 4:
        return socket.inet_ntop(AF_INET, v)
    if len(v) == 16:
        return socket.inet_ntop(AF_INET6, v)
    return hexbytes(v)


# attribute numbers (linux/if_link.h, if_addr.h, rtnetlink.h, neighbour.h, netconf.h)
IFLA_ADDRESS, IFLA_IFNAME, IFLA_MTU, IFLA_LINK, IFLA_MASTER = 1, 3, 4, 5, 10
IFLA_LINKINFO, IFLA_IFALIAS, IFLA_AF_SPEC, IFLA_LINK_NETNSID = 18, 20, 26, 37
IFLA_INFO_KIND, IFLA_INFO_DATA, IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA = 1, 2, 4, 5
IFLA_VXLAN_ID, IFLA_VXLAN_LINK, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LEARNING = 1, 3, 4, 7
IFLA_VXLAN_PROXY, IFLA_VXLAN_PORT, IFLA_VXLAN_LOCAL6 = 11, 15, 17
IFLA_MACVLAN_MODE = 1
IFLA_BRPORT_MODE, IFLA_BRPORT_LEARNING = 4, 8
IFLA_INET6_ADDR_GEN_MODE = 8
IFA_ADDRESS, IFA_LOCAL, IFA_LABEL = 1, 2, 3
RTA_DST, RTA_OIF, RTA_GATEWAY, RTA_PRIORITY, RTA_TABLE, RTA_VIA, RTA_PREF = 1, 4, 5, 6, 15, 18, 20
NDA_DST, NDA_LLADDR = 1, 2
NETCONFA_FORWARDING = 2


def read_links(s):
    out = []
    for m in messages(s, REQ_LINK):
        # struct ifinfomsg: family, pad, type (u16), index (i32), flags (u32), change
        ifi_type, index, flags = unpack_from('=HiI', m, 18)
        out.append((index, ifi_type, flags, nlas(m, 32)))
    names = dict((index, asciiz(a[IFLA_IFNAME]) if IFLA_IFNAME in a else None) for index, _, _, a in out)

    def name(i):
        return names.get(i) or 'if%d' % i

    links = []
    for index, t, flags, a in out:
        l = {'ifindex': index, 'ifname': names[index]}
        l['flags'] = [n for bit, n in IFF if flags & bit]
        if IFLA_MTU in a:
            l['mtu'] = u32(a[IFLA_MTU])
        if IFLA_MASTER in a:
            l['master'] = name(u32(a[IFLA_MASTER]))
        l['link_type'] = LINK_TYPES.get(t, str(t))
        if IFLA_ADDRESS in a:
            l['address'] = lladdr(a[IFLA_ADDRESS], t)
        if IFLA_IFALIAS in a:
            l['ifalias'] = asciiz(a[IFLA_IFALIAS])
        if IFLA_LINK in a:
            il = u32(a[IFLA_LINK])
            if not il:
                l['link'] = None
            elif IFLA_LINK_NETNSID in a:
                l['link_index'] = il
            else:
                l['link'] = name(il)
        if IFLA_LINK_NETNSID in a:
            l['link_netnsid'] = i32(a[IFLA_LINK_NETNSID])
        info = a.get(IFLA_LINKINFO)
        if info is not None:
            ia = nlas(info, 0)
            li = {}
            kind = asciiz(ia[IFLA_INFO_KIND]) if IFLA_INFO_KIND in ia else None
            if kind:
                li['info_kind'] = kind
            data = ia.get(IFLA_INFO_DATA)
            if kind == 'vxlan' and data is not None:
                d = nlas(data, 0)
                dd = {}
                if IFLA_VXLAN_ID in d:
                    dd['id'] = u32(d[IFLA_VXLAN_ID])
                if IFLA_VXLAN_LOCAL in d and d[IFLA_VXLAN_LOCAL] != bytes(4):
                    dd['local'] = ipaddr(AF_INET, d[IFLA_VXLAN_LOCAL])
                if IFLA_VXLAN_LOCAL6 in d and d[IFLA_VXLAN_LOCAL6] != bytes(16):
                    dd['local6'] = ipaddr(AF_INET6, d[IFLA_VXLAN_LOCAL6])
                if IFLA_VXLAN_LINK in d and u32(d[IFLA_VXLAN_LINK]):
                    dd['link'] = name(u32(d[IFLA_VXLAN_LINK]))
                if IFLA_VXLAN_PORT in d:
                    dd['port'] = unpack_from('>H', d[IFLA_VXLAN_PORT])[0]
                if IFLA_VXLAN_LEARNING in d:
                    dd['learning'] = bool(u8(d[IFLA_VXLAN_LEARNING]))
                if IFLA_VXLAN_PROXY in d and u8(d[IFLA_VXLAN_PROXY]):
                    dd['proxy'] = True
                li['info_data'] = dd
            elif kind == 'macvlan' and data is not None:
                d = nlas(data, 0)
                if IFLA_MACVLAN_MODE in d:
                    mode = u32(d[IFLA_MACVLAN_MODE])
                    li['info_data'] = {'mode': MACVLAN_MODES.get(mode, str(mode))}
            skind = asciiz(ia[IFLA_INFO_SLAVE_KIND]) if IFLA_INFO_SLAVE_KIND in ia else None
            if skind:
                li['info_slave_kind'] = skind
                sdata = ia.get(IFLA_INFO_SLAVE_DATA)
                if skind == 'bridge' and sdata is not None:
                    d = nlas(sdata, 0)
                    sd = {}
                    if IFLA_BRPORT_MODE in d:
                        sd['hairpin'] = bool(u8(d[IFLA_BRPORT_MODE]))
                    if IFLA_BRPORT_LEARNING in d:
                        sd['learning'] = bool(u8(d[IFLA_BRPORT_LEARNING]))
                    li['info_slave_data'] = sd
            l['linkinfo'] = li
        af = a.get(IFLA_AF_SPEC)
        if af is not None:
            v6 = nlas(af, 0).get(AF_INET6)
            if v6 is not None:
                mode = nlas(v6, 0).get(IFLA_INET6_ADDR_GEN_MODE)
                if mode is not None:
                    l['inet6_addr_gen_mode'] = GEN_MODES.get(u8(mode), str(u8(mode)))
        links.append(l)
    return links, name


def read_addrs(s, links):
    by = dict((l['ifindex'], []) for l in links)
    for m in messages(s, REQ_ADDR):
        # struct ifaddrmsg: family, prefixlen, flags, scope (u8 each), index (u32)
        fam, prefixlen, _, scope, index = unpack_from('=BBBBI', m, 16)
        a = nlas(m, 24)
        raw = a.get(IFA_LOCAL, a.get(IFA_ADDRESS))
        e = {'family': 'inet' if fam == AF_INET else 'inet6' if fam == AF_INET6 else str(fam)}
        if raw is not None:
            e['local'] = ipaddr(fam, raw)
        e['prefixlen'] = prefixlen
        e['scope'] = str(scope)
        if IFA_LABEL in a:
            e['label'] = asciiz(a[IFA_LABEL])
        by.setdefault(index, []).append(e)
    return [{'ifindex': l['ifindex'], 'ifname': l['ifname'], 'addr_info': by.get(l['ifindex'], [])} for l in links]


def read_routes(s, name):
    out = []
    for m in messages(s, REQ_ROUTE):
        # struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags (u32)
        fam, dst_len, _, _, table, proto, scope, typ, flags = unpack_from('=BBBBBBBBI', m, 16)
        if proto != ROUTE_PROTO or flags & 0x200:  # RTM_F_CLONED
            continue
        a = nlas(m, 28)
        r = {'type': str(typ)}
        if dst_len == 0:
            r['dst'] = 'default'
        elif RTA_DST in a:
            full = 32 if fam == AF_INET else 128
            dst = ipaddr(fam, a[RTA_DST])
            r['dst'] = dst if dst_len == full else '%s/%d' % (dst, dst_len)
        if RTA_GATEWAY in a:
            r['gateway'] = ipaddr(fam, a[RTA_GATEWAY])
        if RTA_VIA in a:
            v = a[RTA_VIA]
            vfam = unpack_from('=H', v)[0]
            addr = v[2:]
            if (vfam == AF_INET and len(addr) == 4) or (vfam == AF_INET6 and len(addr) == 16):
                addr = socket.inet_ntop(vfam, addr)
            else:
                addr = hexbytes(addr) if addr else addr.decode()
            r['via'] = {'family': 'inet6' if vfam == AF_INET6 else 'inet', 'host': addr}
        if RTA_OIF in a:
            r['dev'] = name(u32(a[RTA_OIF]))
        r['table'] = str(u32(a[RTA_TABLE]) if RTA_TABLE in a else table)
        r['scope'] = str(scope)
        if RTA_PRIORITY in a:
            r['metric'] = u32(a[RTA_PRIORITY])
        if RTA_PREF in a:
            r['pref'] = str(u8(a[RTA_PREF]))
        r['flags'] = [n for bit, n in RT_FLAGS if flags & bit]
        out.append(r)
    return out


def read_neigh(s, name):
    out = []
    for m in messages(s, REQ_NEIGH):
        # struct ndmsg: family, pad (3), ifindex (i32), state (u16), flags, type (u8)
        fam, ifindex, state = unpack_from('=B3xiH', m, 16)
        if fam not in (AF_INET, AF_INET6) or not (state & 0x80):
            continue
        a = nlas(m, 28)
        n = {}
        if NDA_DST in a:
            n['dst'] = ipaddr(fam, a[NDA_DST])
        n['dev'] = name(ifindex)
        if NDA_LLADDR in a:
            n['lladdr'] = neigh_lladdr(a[NDA_LLADDR])
        n['state'] = ['PERMANENT']
        out.append(n)
    return out


def read_netconf(s):
    # over netlink, not /proc/sys: opening a sysctl file costs ~1 ms per namespace
    out = []
    for fam, req in REQ_NETCONF:
        try:
            got = messages(s, req)
        except NetlinkError:  # the family is not there (no IPv6)
            continue
        for m in got:
            a = nlas(m, 20)
            if NETCONFA_FORWARDING in a:
                out.append({'family': fam, 'interface': 'all', 'forwarding': u32(a[NETCONFA_FORWARDING]) == 1})
    return out


def enter(path):
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError as e:
        return 'nsenter: cannot open %s: %s' % (path, e.strerror)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            err = ctypes.get_errno()
            return "nsenter: reassociate to namespace 'ns/net' failed: %s" % os.strerror(err)
    finally:
        os.close(fd)
    return None


def read_ns(path):
    err = enter(path)
    if err:
        return {'path': path, 'error': err}
    s = IPRSocket()
    s.setsockopt(270, 12, 1)  # SOL_NETLINK, NETLINK_GET_STRICT_CHK
    try:
        links, name = read_links(s)
        docs = [links, read_addrs(s, links), read_routes(s, name), read_neigh(s, name), read_netconf(s)]
    finally:
        s.close()
    return {'path': path, 'batch': ''.join(json.dumps(d, separators=(',', ':')) + '\n' for d in docs)}


def main():
    sys.stdout.write(json.dumps({'ready': True}) + '\n')
    sys.stdout.flush()
    for line in sys.stdin:
        path = line.rstrip('\n')
        if not path:
            continue
        try:
            res = read_ns(path)
        except Exception as e:  # a read that failed: Node falls back to ip for this namespace
            res = {'path': path, 'fail': '%s: %s' % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(res, separators=(',', ':')) + '\n')
        sys.stdout.flush()


main()`;
