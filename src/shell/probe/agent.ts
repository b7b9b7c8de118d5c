// The small program a probe runs inside a namespace (`nsenter --net=PATH node -e
// AGENT_SCRIPT -- ...`): node is the one tool netkeeper can count on, and it does
// TCP and UDP without netcat or socat being installed.
//
//   listen tcp|udp PORT      bind the port on every address; print "ready" (or
//                            "busy" and exit when something already holds it);
//                            accept (tcp) or echo (udp) until stdin closes, so a
//                            listener never outlives the netkeeper that started it
//                            (and at most 120 s in any case)
//   probe tcp|udp ADDR PORT TIMEOUT_MS [SRC]
//                            print one JSON line {verdict, detail}: tcp connects;
//                            udp sends a datagram and waits for the echo

export const AGENT_SCRIPT = String.raw`
const net = require('node:net'), dgram = require('node:dgram');
const [mode, proto, a1, a2, a3, a4] = process.argv.slice(1);
const out = (o) => process.stdout.write((typeof o === 'string' ? o : JSON.stringify(o)) + '\n');
if (mode === 'listen') {
  const port = Number(a1);
  const quit = () => process.exit(0);
  process.stdin.on('end', quit); process.stdin.on('close', quit); process.stdin.resume();
  setTimeout(quit, 120000).unref();
  const failed = (e) => { out(e && e.code === 'EADDRINUSE' ? 'busy' : 'error ' + (e && e.code || e)); process.exit(0); };
  const tryBind = (hosts) => {
    const host = hosts[0];
    if (proto === 'tcp') {
      const s = net.createServer((c) => { c.on('error', () => {}); c.end(); });
      s.once('error', (e) => (e.code === 'EAFNOSUPPORT' || e.code === 'EADDRNOTAVAIL') && hosts.length > 1 ? tryBind(hosts.slice(1)) : failed(e));
      s.listen({ port, host, ipv6Only: false, exclusive: true }, () => out('ready'));
    } else {
      const s = dgram.createSocket({ type: host === '::' ? 'udp6' : 'udp4', ipv6Only: false });
      s.once('error', (e) => (e.code === 'EAFNOSUPPORT' || e.code === 'EADDRNOTAVAIL') && hosts.length > 1 ? tryBind(hosts.slice(1)) : failed(e));
      s.on('message', (m, r) => s.send(m, r.port, r.address));
      s.bind({ port, address: host, exclusive: true }, () => out('ready'));
    }
  };
  tryBind(['::', '0.0.0.0']);
} else if (mode === 'probe') {
  const addr = a1, port = Number(a2), timeout = Number(a3), src = a4 || undefined;
  const done = (verdict, detail) => { out({ verdict, detail }); process.exit(0); };
  if (proto === 'tcp') {
    const s = net.connect({ host: addr, port, localAddress: src });
    s.setTimeout(timeout, () => done('unreachable', 'no answer within ' + timeout + ' ms'));
    s.on('connect', () => done('reachable', 'connected'));
    s.on('error', (e) => done('unreachable', e.code === 'ECONNREFUSED' ? 'connection refused' : e.code || String(e)));
  } else {
    const s = dgram.createSocket(net.isIPv6(addr) ? 'udp6' : 'udp4');
    s.on('error', (e) => done('unreachable', e.code === 'ECONNREFUSED' ? 'port unreachable (ICMP)' : e.code || String(e)));
    s.on('message', () => done('reachable', 'answered'));
    setTimeout(() => done('silent', 'no answer within ' + timeout + ' ms'), timeout);
    s.bind({ address: src, port: 0 }, () => s.connect(port, addr, () => s.send('netkeeper-probe')));
  }
} else { out('usage'); process.exit(2); }
`;
