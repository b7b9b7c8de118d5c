// A host with nothing on it, answering the read commands of a pass (observe and the
// RA guard) and nothing else: for the pass and observe-stage tests.
import { parseConfig } from '../../../src/config/index.js';
import type { Config } from '../../../src/model/config.js';
import type { Runner } from '../../../src/shell/runner.js';

export function files(text: string): Config {
  const r = parseConfig([{ path: 'networks.d/a.yaml', text }]);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r.value;
}

export const SAVE = '*nat\n:PREROUTING ACCEPT [0:0]\n:NK-PORTS - [0:0]\n-A PREROUTING -m addrtype --dst-type LOCAL -j NK-PORTS\nCOMMIT\n';

/** A host with nothing on it; IPv6 forwarding as given. */
export function fakeHost(v6forwarding: 0 | 1): Runner & { calls: string[][] } {
  const calls: string[][] = [];
  const netconf = JSON.stringify([
    { family: 'inet', interface: 'all', forwarding: 1 },
    { family: 'inet6', interface: 'all', forwarding: v6forwarding },
  ]);
  return {
    calls,
    async run(cmd, args) {
      calls.push([cmd, ...args]);
      if (cmd === 'ip' && args.includes('-batch')) return { stdout: ['[]', '[]', '[]', '[]', netconf, '[]'].join('\n') + '\n', stderr: '', exitCode: 0 };
      if (cmd === 'iptables-save') return { stdout: SAVE, stderr: '', exitCode: 0 };
      if (cmd === 'ip6tables-save') return { stdout: '', stderr: '', exitCode: 0 };
      if (cmd === 'ip' && args.join(' ') === '-6 -j route show default')
        return { stdout: JSON.stringify([{ dst: 'default', dev: 'eth0', protocol: 'ra' }]), stderr: '', exitCode: 0 };
      throw new Error(`unexpected ${cmd} ${args.join(' ')}`);
    },
  };
}

export const WEB = 'kind: Network\nname: front\nsubnets:\n  - subnet: 172.30.0.0/24\n---\nkind: Container\nname: web\nnetworks: [{network: front}]\n';
