import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adoptIntended, fileIntent, intendedKeys, INTENT_FILE } from '../../../src/shell/intent.js';
import type { Change, Observed } from '../../../src/model/plan.js';
import type { Resource } from '../../../src/model/resources.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'nk-intent-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const netns = (name: string, owned: boolean): Resource => ({
  kind: 'netns',
  key: `netns:${name}`,
  ns: name,
  owned,
  name,
  origin: 'named',
  path: `/run/netns/${name}`,
});
const link = (ns: string, ifname: string, owned: boolean): Resource => ({
  kind: 'link',
  key: `link:${ns}/${ifname}`,
  ns,
  owned,
  ifname,
  type: 'veth',
  up: false,
});
const addr = (ns: string, cidr: string): Resource => ({ kind: 'addr', key: `addr:${ns}/eth0/${cidr}`, ns, owned: false, ifname: 'eth0', cidr });

function observed(rs: Resource[]): Observed {
  return { resources: new Map(rs.map((r) => [r.key, r])), facts: { foreignRoutes: [], resolvConf: '', hostname: 'h', linkMtu: {} } };
}

const create = (r: Resource): Change => ({ action: 'create', key: r.key, after: r, reason: 'declared' });

describe('crash journal', () => {
  it('lists the namespaces and interfaces a plan creates or replaces, and the namespaces it deletes', () => {
    const changes: Change[] = [
      create(netns('web', true)),
      create(link('host', 'nk1', true)),
      create(link('web', 'eth0', true)),
      create(addr('web', '10.0.0.2/24')),
      { action: 'replace', key: 'link:host/br-x', before: link('host', 'br-x', true), after: link('host', 'br-x', true), reason: 'type' },
      { action: 'delete', key: 'netns:old', before: netns('old', true), reason: 'gone' },
      create({ ...netns('ext', true), origin: 'adopted' } as Resource),
    ];
    // a namespace deleted too: `ip netns delete` killed after its unmount leaves an unmarked file
    expect(intendedKeys(changes)).toEqual(['netns:web', 'link:host/nk1', 'link:web/eth0', 'link:host/br-x', 'netns:old']);
  });

  it('adopts listed objects that exist without their mark, with the addresses in an adopted namespace', () => {
    const o = observed([netns('web', false), link('web', 'eth0', false), addr('web', '10.0.0.2/24'), netns('user', false), link('host', 'mine', true)]);
    const adopted = adoptIntended(o, new Set(['netns:web', 'link:web/eth0', 'link:host/mine', 'netns:gone']));
    expect([...adopted].sort()).toEqual(['link:web/eth0', 'netns:web']);
    expect(o.resources.get('netns:web')!.owned).toBe(true);
    expect(o.resources.get('link:web/eth0')!.owned).toBe(true);
    expect(o.resources.get('addr:web/eth0/10.0.0.2/24')!.owned).toBe(true);
    // not listed: the user's namespace stays unowned
    expect(o.resources.get('netns:user')!.owned).toBe(false);
  });

  it('a killed pass leaves its list; the next adopts what is unmarked, keeps it while it matters, and empties it once in sync', async () => {
    const d = join(dir, 'run');
    const path = join(d, INTENT_FILE);
    // pass 1 plans web and records it, then is "killed"
    const p1 = fileIntent(d);
    await p1.adopt(observed([]));
    await p1.record([create(netns('web', true)), create(link('web', 'eth0', true))]);
    expect(JSON.parse(await readFile(path, 'utf8')).keys).toEqual(['link:web/eth0', 'netns:web']);

    // pass 2 finds web made but unmarked (eth0 never made): adopts web
    const p2 = fileIntent(d);
    const o = observed([netns('web', false)]);
    await p2.adopt(o);
    expect(o.resources.get('netns:web')!.owned).toBe(true);
    // it plans db, is killed too: the list keeps web (still unmarked) and adds db; eth0 (absent) is dropped…
    await p2.record([create(link('web', 'eth0', true)), create(netns('db', true))]);
    expect(JSON.parse(await readFile(path, 'utf8')).keys).toEqual(['link:web/eth0', 'netns:db', 'netns:web']);

    // pass 3 converges: the journal goes away
    const p3 = fileIntent(d);
    await p3.adopt(observed([netns('web', false), netns('db', false), link('web', 'eth0', false)]));
    await p3.record([]);
    await p3.settle({ changes: [], conflicts: [] });
    expect(existsSync(path)).toBe(false);
  });

  it('is kept when the pass did not converge', async () => {
    const d = join(dir, 'run2');
    const p = fileIntent(d);
    await p.adopt(observed([]));
    await p.record([create(netns('web', true))]);
    await p.settle({ changes: [create(netns('web', true))], conflicts: [] });
    expect(JSON.parse(await readFile(join(d, INTENT_FILE), 'utf8')).keys).toEqual(['netns:web']);
  });
});
