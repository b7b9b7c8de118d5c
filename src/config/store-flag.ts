// --store etcd://host:port[,host:port…][/prefix] and Settings.store → the store to
// use (the flag wins over the files; the prefix, TTL and TLS of the files stay
// unless the flag gives a prefix). Pure.
import type { StoreSpec } from '../model/config.js';

export type StoreFlag = { ok: true; endpoints: string[]; prefix?: string } | { ok: false; message: string };

export function parseStoreFlag(text: string): StoreFlag {
  const m = /^etcd(s?):\/\/([^/]+)(\/.*)?$/.exec(text.trim());
  if (!m) return { ok: false, message: `--store ${text}: expected etcd://host:port[,host:port…][/prefix]` };
  const scheme = m[1] ? 'https' : 'http';
  const endpoints = m[2].split(',').filter(Boolean);
  const bad = endpoints.find((e) => !/^[^\s:/]+:[0-9]{1,5}$|^\[[0-9a-fA-F:]+\]:[0-9]{1,5}$/.test(e));
  if (bad || endpoints.length === 0) return { ok: false, message: `--store ${text}: "${bad ?? ''}" is not host:port` };
  const prefix = m[3] && m[3] !== '/' ? m[3].replace(/\/+$/, '') : undefined;
  return { ok: true, endpoints: endpoints.map((e) => `${scheme}://${e}`), ...(prefix ? { prefix } : {}) };
}

export function resolveStore(files: StoreSpec | undefined, flag: StoreFlag | undefined): StoreSpec['etcd'] | undefined {
  if (flag?.ok) {
    return { prefix: '/netkeeper', ttl: 10, ...files?.etcd, endpoints: flag.endpoints, ...(flag.prefix ? { prefix: flag.prefix } : {}) };
  }
  return files?.etcd;
}
