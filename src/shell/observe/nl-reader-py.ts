// The netlink reader (see nl-reader.ts): one python3 process that enters each namespace
// in turn (setns) and dumps it with pyroute2's netlink codec, printing for each namespace
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
from pyroute2.netlink import NLM_F_REQUEST, NLM_F_DUMP
from pyroute2.netlink.rtnl import RTM_GETLINK, RTM_GETADDR, RTM_GETROUTE, RTM_GETNEIGH
from pyroute2.netlink.rtnl.iprsocket import IPRSocket
from pyroute2.netlink.rtnl.ifinfmsg import ifinfmsg
from pyroute2.netlink.rtnl.ifaddrmsg import ifaddrmsg
from pyroute2.netlink.rtnl.rtmsg import rtmsg
from pyroute2.netlink.rtnl.ndmsg import ndmsg

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
ROUTE_PROTO = int(sys.argv[1]) if len(sys.argv) > 1 else 77
DUMP = NLM_F_REQUEST | NLM_F_DUMP

IFF = [(0x1, 'UP'), (0x2, 'BROADCAST'), (0x8, 'LOOPBACK'), (0x10, 'POINTOPOINT'), (0x80, 'NOARP'), (0x1000, 'MULTICAST'), (0x10000, 'LOWER_UP')]
LINK_TYPES = {1: 'ether', 772: 'loopback', 776: 'sit', 768: 'ipip', 778: 'gre', 65534: 'none'}
GEN_MODES = {0: 'eui64', 1: 'none', 2: 'stable_secret', 3: 'random'}
MACVLAN_MODES = {1: 'private', 2: 'vepa', 4: 'bridge', 8: 'passthru', 16: 'source'}
RT_FLAGS = [(1, 'dead'), (2, 'pervasive'), (4, 'onlink'), (8, 'offload'), (16, 'linkdown'), (32, 'unresolved')]


def attrs(msg):
    return dict((a[0], a[1]) for a in msg.get('attrs', []))


LINK_ATTRS = ('IFLA_IFNAME', 'IFLA_MTU', 'IFLA_MASTER', 'IFLA_ADDRESS', 'IFLA_IFALIAS', 'IFLA_LINK', 'IFLA_LINK_NETNSID', 'IFLA_LINKINFO', 'IFLA_AF_SPEC')


def pick(msg, names):
    # only the attributes read: pyroute2 decodes an attribute when it is asked for
    # (a link's statistics and per-family configuration are most of its bytes)
    out = {}
    for n in names:
        v = msg.get_attr(n)
        if v is not None:
            out[n] = v
    return out


def dump(s, msg, kind):
    msg['family'] = 0
    return s.nlm_request(msg, msg_type=kind, msg_flags=DUMP)


def dump_routes(s):
    # strict checking lets the kernel filter the dump on the protocol (as iproute2 asks it to)
    m = rtmsg()
    m['family'] = 0
    m['proto'] = ROUTE_PROTO
    return s.nlm_request(m, msg_type=RTM_GETROUTE, msg_flags=DUMP)


def lladdr(v, ifi_type):
    # as iproute2's ll_addr_n2a: tunnels' 4- and 16-byte addresses as IP addresses
    if v is None:
        return None
    raw = bytes(int(x, 16) for x in v.split(':')) if isinstance(v, str) and ':' in v else None
    if raw is not None and len(raw) == 4 and ifi_type in (768, 776, 778):
        return socket.inet_ntop(socket.AF_INET, raw)
    if raw is not None and len(raw) == 16 and ifi_type in (769, 823):
        return socket.inet_ntop(socket.AF_INET6, raw)
    return v


def read_links(s):
    out = []
    for m in dump(s, ifinfmsg(), RTM_GETLINK):
        a = pick(m, LINK_ATTRS)
        out.append((m, a))
    names = dict((m['index'], a.get('IFLA_IFNAME')) for m, a in out)

    def name(i):
        return names.get(i) or 'if%d' % i

    links = []
    for m, a in out:
        l = {'ifindex': m['index'], 'ifname': a.get('IFLA_IFNAME')}
        l['flags'] = [n for bit, n in IFF if m['flags'] & bit]
        if 'IFLA_MTU' in a:
            l['mtu'] = a['IFLA_MTU']
        if 'IFLA_MASTER' in a:
            l['master'] = name(a['IFLA_MASTER'])
        t = m['ifi_type']
        l['link_type'] = LINK_TYPES.get(t, str(t))
        addr = lladdr(a.get('IFLA_ADDRESS'), t)
        if addr is not None:
            l['address'] = addr
        if a.get('IFLA_IFALIAS') is not None:
            l['ifalias'] = a['IFLA_IFALIAS']
        if 'IFLA_LINK' in a:
            il = a['IFLA_LINK']
            if not il:
                l['link'] = None
            elif 'IFLA_LINK_NETNSID' in a:
                l['link_index'] = il
            else:
                l['link'] = name(il)
        if 'IFLA_LINK_NETNSID' in a:
            l['link_netnsid'] = a['IFLA_LINK_NETNSID']
        info = a.get('IFLA_LINKINFO')
        if info is not None:
            ia = attrs(info)
            li = {}
            kind = ia.get('IFLA_INFO_KIND')
            if kind:
                li['info_kind'] = kind
            data = ia.get('IFLA_INFO_DATA')
            if kind == 'vxlan' and data is not None:
                d = attrs(data) if not isinstance(data, str) else {}
                dd = {}
                if 'IFLA_VXLAN_ID' in d:
                    dd['id'] = d['IFLA_VXLAN_ID']
                if d.get('IFLA_VXLAN_LOCAL') not in (None, '0.0.0.0'):
                    dd['local'] = d['IFLA_VXLAN_LOCAL']
                if d.get('IFLA_VXLAN_LOCAL6') not in (None, '::'):
                    dd['local6'] = d['IFLA_VXLAN_LOCAL6']
                if d.get('IFLA_VXLAN_LINK'):
                    dd['link'] = name(d['IFLA_VXLAN_LINK'])
                if 'IFLA_VXLAN_PORT' in d:
                    dd['port'] = d['IFLA_VXLAN_PORT']
                if 'IFLA_VXLAN_LEARNING' in d:
                    dd['learning'] = bool(d['IFLA_VXLAN_LEARNING'])
                if d.get('IFLA_VXLAN_PROXY'):
                    dd['proxy'] = True
                li['info_data'] = dd
            elif kind == 'macvlan' and data is not None:
                d = attrs(data) if not isinstance(data, str) else {}
                if 'IFLA_MACVLAN_MODE' in d:
                    li['info_data'] = {'mode': MACVLAN_MODES.get(d['IFLA_MACVLAN_MODE'], str(d['IFLA_MACVLAN_MODE']))}
            skind = ia.get('IFLA_INFO_SLAVE_KIND')
            if skind:
                li['info_slave_kind'] = skind
                sdata = ia.get('IFLA_INFO_SLAVE_DATA')
                if skind == 'bridge' and sdata is not None and not isinstance(sdata, str):
                    d = attrs(sdata)
                    sd = {}
                    if 'IFLA_BRPORT_MODE' in d:
                        sd['hairpin'] = bool(d['IFLA_BRPORT_MODE'])
                    if 'IFLA_BRPORT_LEARNING' in d:
                        sd['learning'] = bool(d['IFLA_BRPORT_LEARNING'])
                    li['info_slave_data'] = sd
            l['linkinfo'] = li
        af = a.get('IFLA_AF_SPEC')
        if af is not None:
            v6 = af.get_attr('AF_INET6')
            if v6 is not None:
                mode = v6.get_attr('IFLA_INET6_ADDR_GEN_MODE')
                if mode is not None:
                    l['inet6_addr_gen_mode'] = GEN_MODES.get(mode, str(mode))
        links.append(l)
    return links, name


def read_addrs(s, links):
    by = dict((l['ifindex'], []) for l in links)
    for m in dump(s, ifaddrmsg(), RTM_GETADDR):
        a = pick(m, ('IFA_LOCAL', 'IFA_ADDRESS', 'IFA_LABEL'))
        fam = m['family']
        local = a.get('IFA_LOCAL', a.get('IFA_ADDRESS'))
        e = {'family': 'inet' if fam == socket.AF_INET else 'inet6' if fam == socket.AF_INET6 else str(fam)}
        if local is not None:
            e['local'] = local
        e['prefixlen'] = m['prefixlen']
        e['scope'] = str(m['scope'])
        if 'IFA_LABEL' in a:
            e['label'] = a['IFA_LABEL']
        by.setdefault(m['index'], []).append(e)
    return [{'ifindex': l['ifindex'], 'ifname': l['ifname'], 'addr_info': by.get(l['ifindex'], [])} for l in links]


def read_routes(s, name):
    out = []
    for m in dump_routes(s):
        if m['proto'] != ROUTE_PROTO or m['flags'] & 0x200:  # RTM_F_CLONED
            continue
        a = attrs(m)
        fam = m['family']
        r = {'type': str(m['type'])}
        if m['dst_len'] == 0:
            r['dst'] = 'default'
        elif 'RTA_DST' in a:
            full = 32 if fam == socket.AF_INET else 128
            r['dst'] = a['RTA_DST'] if m['dst_len'] == full else '%s/%d' % (a['RTA_DST'], m['dst_len'])
        if 'RTA_GATEWAY' in a:
            r['gateway'] = a['RTA_GATEWAY']
        if 'RTA_VIA' in a:
            via = a['RTA_VIA']
            if isinstance(via, dict):
                r['via'] = {'family': 'inet6' if via.get('family') == socket.AF_INET6 else 'inet', 'host': via.get('addr')}
        if 'RTA_OIF' in a:
            r['dev'] = name(a['RTA_OIF'])
        r['table'] = str(a.get('RTA_TABLE', m['table']))
        r['scope'] = str(m['scope'])
        if 'RTA_PRIORITY' in a:
            r['metric'] = a['RTA_PRIORITY']
        if 'RTA_PREF' in a:
            r['pref'] = str(a['RTA_PREF'])
        r['flags'] = [n for bit, n in RT_FLAGS if m['flags'] & bit]
        out.append(r)
    return out


def read_neigh(s, name):
    out = []
    for m in dump(s, ndmsg(), RTM_GETNEIGH):
        if m['family'] not in (socket.AF_INET, socket.AF_INET6) or not (m['state'] & 0x80):
            continue
        a = pick(m, ('NDA_DST', 'NDA_LLADDR'))
        n = {}
        if 'NDA_DST' in a:
            n['dst'] = a['NDA_DST']
        n['dev'] = name(m['ifindex'])
        if 'NDA_LLADDR' in a:
            n['lladdr'] = a['NDA_LLADDR']
        n['state'] = ['PERMANENT']
        out.append(n)
    return out


def read_netconf():
    out = []
    for fam, path in (('inet', '/proc/sys/net/ipv4/conf/all/forwarding'), ('inet6', '/proc/sys/net/ipv6/conf/all/forwarding')):
        try:
            with open(path) as f:
                out.append({'family': fam, 'interface': 'all', 'forwarding': f.read().strip() == '1'})
        except OSError:
            pass
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
        docs = [links, read_addrs(s, links), read_routes(s, name), read_neigh(s, name), read_netconf()]
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
