# Light servers and probes across network namespaces, for kernel tests that need
# many of them (test/kernel/explain.test.ts). One process: each thread enters its
# namespace with setns(2) (per thread), so a socket opened there stays there.
#   serve  SPEC...   SPEC = NSPATH,tcp|udp,PORT  — listen on 0.0.0.0; prints "ready"; runs until stdin closes
#   probe            stdin: JSON [{ns, proto, ip, port}]; prints JSON [true|false] (reached and answered)
import ctypes, json, os, socket, subprocess, sys, threading

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000

def enter(path):
    if not path or path == 'host':
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), 'setns ' + path)
    finally:
        os.close(fd)

def serve_one(path, proto, port, ready):
    enter(path)
    if proto == 'tcp':
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(('0.0.0.0', port)); s.listen(64); ready.release()
        while True:
            c, _ = s.accept()
            try: c.sendall(b'ok\n')
            except OSError: pass
            c.close()
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(('0.0.0.0', port)); ready.release()
        while True:
            m, a = s.recvfrom(2048)
            s.sendto(b'ok', a)

def probe_one(p, out, i, timeout):
    try:
        if p['proto'] == 'icmp':
            args = ['ping', '-n', '-q', '-c1', '-W%d' % max(1, int(timeout)), p['ip']]
            if p['ns'] and p['ns'] != 'host': args = ['nsenter', '--net=' + p['ns']] + args
            out[i] = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
            return
        enter(p['ns'])
        if p['proto'] == 'tcp':
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM); s.settimeout(timeout)
            s.connect((p['ip'], p['port'])); out[i] = s.recv(8).startswith(b'ok'); s.close()
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(timeout)
            s.sendto(b'ping', (p['ip'], p['port'])); m, _ = s.recvfrom(64); out[i] = m == b'ok'; s.close()
    except OSError:
        out[i] = False

if sys.argv[1] == 'serve':
    ready = threading.Semaphore(0)
    specs = [a.split(',') for a in sys.argv[2:]]
    for path, proto, port in specs:
        threading.Thread(target=serve_one, args=(path, proto, int(port), ready), daemon=True).start()
    for _ in specs: ready.acquire()
    print('ready', flush=True)
    sys.stdin.read()
else:
    probes = json.load(sys.stdin)
    timeout = float(os.environ.get('PROBE_TIMEOUT', '1'))
    out = [False] * len(probes)
    ts = [threading.Thread(target=probe_one, args=(p, out, i, timeout)) for i, p in enumerate(probes)]
    for t in ts: t.start()
    for t in ts: t.join()
    print(json.dumps(out))
