import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nlOp, nlOps } from '../../../../src/shell/apply/nl-ops.js';
import { readerDefinitions, NL_WRITER_PY } from '../../../../src/shell/apply/nl-writer-py.js';
import { writerFromEnv } from '../../../../src/shell/apply/nl-writer.js';
import { NL_READER_PY } from '../../../../src/shell/observe/nl-reader-py.js';

const GOLDEN = join(import.meta.dirname, '../../../golden');

describe('nlOp: rendered namespace lines as netlink operations', () => {
  it('knows every namespace line of the golden scenarios', () => {
    const lines: string[] = [];
    for (const d of readdirSync(GOLDEN, { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      let plan: { commands?: { nsPre?: Record<string, string[]>; nsPost?: Record<string, string[]> } };
      try {
        plan = JSON.parse(readFileSync(join(GOLDEN, d.name, 'plan.json'), 'utf8'));
      } catch {
        continue;
      }
      for (const m of [plan.commands?.nsPre, plan.commands?.nsPost]) for (const l of Object.values(m ?? {})) lines.push(...l);
    }
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.filter((l) => !nlOp(l))).toEqual([]);
  });

  it('parses each form as ip reads it', () => {
    expect(nlOp('link set dev eth0 addrgenmode none')).toEqual({ op: 'link', dev: 'eth0', genmode: 1 });
    expect(nlOp('link set dev eth0 addrgenmode eui64')).toEqual({ op: 'link', dev: 'eth0', genmode: 0 });
    expect(nlOp('link set dev eth0 mtu 1400 address 02:42:AC:12:00:0a master br0 alias nk:veth:host/x up')).toEqual({
      op: 'link',
      dev: 'eth0',
      mtu: 1400,
      address: '02:42:AC:12:00:0a',
      master: 'br0',
      alias: 'nk:veth:host/x',
      up: true,
    });
    expect(nlOp('link set dev eth0 nomaster down')).toEqual({ op: 'link', dev: 'eth0', master: null, up: false });
    expect(nlOp('link del dev eth0')).toEqual({ op: 'linkdel', dev: 'eth0' });
    expect(nlOp('addr replace 10.0.0.1/32 dev lo label lo:nk')).toEqual({
      op: 'addr',
      cmd: 'replace',
      family: 4,
      addr: '10.0.0.1',
      plen: 32,
      dev: 'lo',
      label: 'lo:nk',
    });
    expect(nlOp('addr replace fd00::1/64 dev eth0 nodad')).toEqual({
      op: 'addr',
      cmd: 'replace',
      family: 6,
      addr: 'fd00::1',
      plen: 64,
      dev: 'eth0',
      nodad: true,
    });
    expect(nlOp('addr del 172.18.0.10/24 dev eth0')).toEqual({ op: 'addr', cmd: 'del', family: 4, addr: '172.18.0.10', plen: 24, dev: 'eth0' });
    expect(nlOp('route replace default via 10.0.0.2 proto 77')).toEqual({
      op: 'route',
      cmd: 'replace',
      family: 4,
      dst: null,
      plen: 0,
      via: '10.0.0.2',
      proto: 77,
    });
    expect(nlOp('route replace default via fd00::1 dev eth0 proto 77')).toMatchObject({ family: 6, dst: null, dev: 'eth0' });
    expect(nlOp('route replace ::/0 via fd00::1 dev eth0 proto 77')).toMatchObject({ family: 6, dst: '::', plen: 0 });
    expect(nlOp('route replace 10.2.0.0/16 via 10.99.0.1 dev eth0 proto 77 onlink')).toMatchObject({ dst: '10.2.0.0', plen: 16, onlink: true });
    expect(nlOp('route del 10.0.0.2/32 dev r1 proto 77')).toEqual({ op: 'route', cmd: 'del', family: 4, dst: '10.0.0.2', plen: 32, dev: 'r1', proto: 77 });
    expect(nlOp('neigh replace 10.0.0.9 lladdr 02:00:00:00:00:09 dev eth0 nud permanent')).toEqual({
      op: 'neigh',
      cmd: 'replace',
      ip: '10.0.0.9',
      lladdr: '02:00:00:00:00:09',
      dev: 'eth0',
    });
    expect(nlOp('neigh del fd00::9 dev eth0')).toEqual({ op: 'neigh', cmd: 'del', ip: 'fd00::9', dev: 'eth0' });
  });

  it('fails closed: any other form (and with it the whole namespace) is left to ip', () => {
    for (const text of [
      'address flush dev lo',
      'link set dev eth0 type bridge_slave learning off',
      'link set dev eth0',
      'link set dev eth0 up down',
      'link set dev eth0 mtu 0',
      'link set dev eth0 alias "a b"',
      'link set dev eth0 name other',
      'link add name x type dummy',
      'addr add 10.0.0.1/24 dev eth0',
      'addr replace 10.0.0.1/33 dev eth0',
      'addr replace 10.0.0.1 dev eth0',
      'addr replace 10.0.0.1/24 dev eth0 nodad',
      'route replace default via 10.0.0.1 dev eth0',
      'route replace default via fd00::1 proto 77 table 100',
      'route replace 10.0.0.0/8 via fd00::1 proto 77',
      'route del default via 10.0.0.1 proto 77',
      'route replace blackhole 10.0.0.0/8 proto 77',
      'neigh replace 10.0.0.9 lladdr 02:00:00:00:00:09 dev eth0 nud stale',
      'neigh replace 10.0.0.9 lladdr 02:00:00:00:00:09 dev eth0',
      'link set dev eth0 up # comment',
      'link set dev a/b up',
    ])
      expect([text, nlOp(text)]).toEqual([text, undefined]);
    expect(
      nlOps([
        { text: 'link set dev lo up', key: 'a' },
        { text: 'address flush dev lo', key: 'b' },
      ]),
    ).toBeUndefined();
    expect(nlOps([{ text: 'link set dev lo up', key: 'a' }])).toEqual([{ op: 'link', dev: 'lo', up: true }]);
    expect(nlOps([])).toEqual([]);
  });
});

describe('the writer script', () => {
  it("is the reader's definitions (its main loop left out) plus the writes, and says so when the reader changes shape", () => {
    expect(NL_WRITER_PY.startsWith(readerDefinitions())).toBe(true);
    expect(readerDefinitions()).not.toMatch(/\nmain\(\)\s*$/);
    expect(NL_WRITER_PY).toMatch(/\nmain\(\)\s*$/);
    expect(NL_READER_PY.length).toBeGreaterThan(1000);
    expect(() => readerDefinitions('print(1)\n')).toThrow(/no longer ends with main\(\)/);
  });

  it('NETKEEPER_WRITER=ip forces nsenter ip -batch', () => {
    expect(writerFromEnv({ NETKEEPER_WRITER: 'ip' })).toBe('ip');
    expect(writerFromEnv({})).toBe('netlink');
  });
});
