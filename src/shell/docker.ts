// The Docker Engine API over its unix socket (DOCKER_HOST=unix:///path, default
// /var/run/docker.sock): the networks and the running containers with their
// sandbox namespaces, for `netkeeper import --from docker`. Read only (GET).

import { request } from 'node:http';
import type { DockerContainer, DockerFacts, DockerNetwork } from '../import/input.js';

export class DockerUnavailable extends Error {}

export function dockerSocket(env: Record<string, string | undefined> = process.env): string {
  const h = env.DOCKER_HOST;
  if (!h) return '/var/run/docker.sock';
  if (h.startsWith('unix://')) return h.slice('unix://'.length);
  throw new DockerUnavailable(`DOCKER_HOST=${h}: only a unix:// socket is read (the namespaces must be on this machine)`);
}

function get<T>(socketPath: string, path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'GET', timeout: 10000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        if ((res.statusCode ?? 500) >= 300) return reject(new DockerUnavailable(`GET ${path}: HTTP ${res.statusCode}: ${body.trim()}`));
        try {
          resolve(JSON.parse(body) as T);
        } catch {
          reject(new DockerUnavailable(`GET ${path}: not JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new DockerUnavailable(`GET ${path}: no answer in 10 s`)));
    req.on('error', (e) => reject(e instanceof DockerUnavailable ? e : new DockerUnavailable(`${socketPath}: ${e.message}`)));
    req.end();
  });
}

interface ApiNetwork {
  Id: string;
  Name: string;
  Driver: string;
  Internal?: boolean;
  Options?: Record<string, string>;
  IPAM?: { Config?: { Subnet?: string; Gateway?: string }[] | null };
}

interface ApiContainer {
  Id: string;
  Name: string;
  Config?: { Image?: string };
  State?: { Pid?: number; Running?: boolean };
  HostConfig?: { NetworkMode?: string };
  NetworkSettings?: { SandboxKey?: string; Networks?: Record<string, { IPAddress?: string; MacAddress?: string }> };
}

export async function readDocker(socketPath: string): Promise<DockerFacts> {
  const nets = await get<ApiNetwork[]>(socketPath, '/networks');
  const networks: DockerNetwork[] = nets.map((n) => {
    const o = n.Options ?? {};
    const mtu = Number(o['com.docker.network.driver.mtu']);
    return {
      id: n.Id,
      name: n.Name,
      driver: n.Driver,
      ...(n.Driver === 'bridge' ? { bridge: o['com.docker.network.bridge.name'] ?? `br-${n.Id.slice(0, 12)}` } : {}),
      subnets: (n.IPAM?.Config ?? []).flatMap((c) => (c.Subnet ? [{ subnet: c.Subnet, ...(c.Gateway ? { gateway: c.Gateway } : {}) }] : [])),
      ...(o['com.docker.network.bridge.enable_icc'] !== undefined ? { icc: o['com.docker.network.bridge.enable_icc'] === 'true' } : {}),
      internal: n.Internal === true,
      ...(o['com.docker.network.bridge.host_binding_ipv4'] ? { hostIP: o['com.docker.network.bridge.host_binding_ipv4'] } : {}),
      ...(Number.isFinite(mtu) && mtu > 0 ? { mtu } : {}),
    };
  });
  const list = await get<{ Id: string }[]>(socketPath, '/containers/json');
  const containers: DockerContainer[] = [];
  for (const { Id } of list) {
    const c = await get<ApiContainer>(socketPath, `/containers/${Id}/json`);
    containers.push({
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      ...(c.Config?.Image ? { image: c.Config.Image } : {}),
      pid: c.State?.Pid ?? 0,
      sandboxKey: c.NetworkSettings?.SandboxKey ?? '',
      ...(c.HostConfig?.NetworkMode ? { networkMode: c.HostConfig.NetworkMode } : {}),
      networks: Object.entries(c.NetworkSettings?.Networks ?? {}).map(([network, v]) => ({
        network,
        ...(v.IPAddress ? { ip: v.IPAddress } : {}),
        ...(v.MacAddress ? { mac: v.MacAddress } : {}),
      })),
    });
  }
  return { networks, containers };
}
