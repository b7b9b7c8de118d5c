// Saved plans: fingerprints of the files and the kernel, and what a refusal says.
import { describe, expect, it } from 'vitest';
import { filesFingerprint, kernelFingerprint, staleReason } from '../../../src/shell/fingerprint.js';
import { parseConfig } from '../../../src/config/index.js';
import type { Observed } from '../../../src/model/plan.js';
import { key, type Resource } from '../../../src/model/resources.js';
import { progressPrinter } from '../../../src/commands/plan-view.js';

const cfg = (text: string) => {
  const r = parseConfig([{ path: 'networks.d/a.yaml', text }]);
  if (!r.ok) throw new Error('bad');
  return r.value;
};
const NET = 'kind: Network\nname: app\nsubnets: [{subnet: 172.20.0.0/24}]\n';
const br = (mtu: number): Resource => ({
  kind: 'link',
  key: key.link('host', 'br-app'),
  ns: 'host',
  owned: true,
  ifname: 'br-app',
  type: 'bridge',
  up: true,
  mtu,
  ifindex: 7,
});
const other: Resource = { kind: 'link', key: key.link('host', 'eth9'), ns: 'host', owned: false, ifname: 'eth9', type: 'other', up: true };
const obs = (rs: Resource[]): Observed => ({
  resources: new Map(rs.map((r) => [r.key, r])),
  facts: { foreignRoutes: [], resolvConf: '', hostname: 'h', linkMtu: {} },
});

describe('fingerprints', () => {
  it('files: by declared object, blind to comments and positions', () => {
    const a = filesFingerprint(cfg(NET));
    expect(filesFingerprint(cfg(`# a comment\n\n${NET}`))).toEqual(a);
    const b = filesFingerprint(cfg(NET.replace('172.20', '172.21')));
    expect(b.digest).not.toBe(a.digest);
    expect(staleReason({ files: a, kernel: a, changes: [] }, { files: b, kernel: a }, [])).toBe(
      'the files changed since the plan was made: Network app (changed); nothing was changed: run netkeeper plan again',
    );
  });

  it('kernel: what netkeeper owns or the files name; an unrelated interface or a new ifindex does not count', () => {
    const a = kernelFingerprint(obs([br(1500)]), [br(1500)]);
    expect(kernelFingerprint(obs([{ ...br(1500), ifindex: 9 } as Resource, other]), [br(1500)])).toEqual(a);
    const b = kernelFingerprint(obs([br(1400)]), [br(1500)]);
    expect(staleReason({ files: a, kernel: a, changes: [] }, { files: a, kernel: b }, [])).toBe(
      'the kernel changed since the plan was made: link:host/br-app (changed); nothing was changed: run netkeeper plan again',
    );
  });

  it('equal fingerprints and an equal plan: no reason to refuse; a different plan is refused anyway', () => {
    const f = filesFingerprint(cfg(NET));
    expect(staleReason({ files: f, kernel: f, changes: [{ a: 1 }] }, { files: f, kernel: f }, [{ a: 1 }])).toBeUndefined();
    expect(staleReason({ files: f, kernel: f, changes: [{ a: 1 }] }, { files: f, kernel: f }, [{ a: 2 }])).toContain(
      'the plan made now differs from the saved one',
    );
  });
});

describe('progress while applying', () => {
  it('without a terminal: a line at least every 2 s, with namespaces done of total and the time', async () => {
    const out: string[] = [];
    let t = 0;
    const p = progressPrinter(
      (s) => out.push(s),
      false,
      () => t,
    );
    p.update(24, 300);
    t = 2100;
    await new Promise((r) => setTimeout(r, 600));
    p.stop();
    expect(out).toEqual(['applying: 24/300 namespaces, 2.1s elapsed\n']);
  });

  it('on a terminal: one line rewritten in place', () => {
    const out: string[] = [];
    const p = progressPrinter(
      (s) => out.push(s),
      true,
      () => 1500,
    );
    p.update(48, 300);
    p.stop();
    expect(out[0]).toBe('\r\x1b[Kapplying: 48/300 namespaces, 0.0s elapsed');
    expect(out.at(-1)).toBe('\r\x1b[K');
  });
});
