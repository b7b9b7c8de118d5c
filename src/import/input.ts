// What `netkeeper import` reads of the live host, as plain data: the observe stage's
// resources (links, addresses, veth peers, forwarding), plus what observe does not
// keep because netkeeper never owns it — every route of each namespace's main table,
// the whole iptables-save text, the FDB of every VXLAN device — and, with
// `--from docker`, what the Docker daemon says. Read by src/shell/import-read.ts;
// turned into documents by ./index.ts (pure).

import type { Observed } from '../model/plan.js';
import type { FdbEntry, IpRoute } from '../observe/ip-json.js';

/** A namespace import reads: a named one (/run/netns/NAME) or a Docker container's sandbox. */
export interface ImportNamespace {
  /** the name it was observed under (the Container's name) */
  name: string;
  /** the file that enters it */
  path: string;
  origin: 'named' | 'docker';
  /** docker: the container's pid, id and image */
  pid?: number;
  dockerId?: string;
  image?: string;
  /** could not be entered */
  broken?: string;
}

export interface DockerNetwork {
  id: string;
  name: string;
  driver: string;
  /** the Linux bridge (docker0, br-<id>) */
  bridge?: string;
  subnets: { subnet: string; gateway?: string }[];
  icc?: boolean;
  internal: boolean;
  /** com.docker.network.bridge.host_binding_ipv4 */
  hostIP?: string;
  mtu?: number;
}

export interface DockerContainer {
  id: string;
  name: string;
  image?: string;
  pid: number;
  sandboxKey: string;
  networkMode?: string;
  /** by network name */
  networks: { network: string; ip?: string; mac?: string }[];
}

export interface DockerFacts {
  networks: DockerNetwork[];
  containers: DockerContainer[];
}

export interface ImportInput {
  observed: Observed;
  namespaces: ImportNamespace[];
  /** `ip -j route show table main` (IPv4) by namespace name ('host' for the host) */
  routes: Map<string, IpRoute[]>;
  /** `iptables-save` of the host ('' when iptables could not be read) */
  iptables: string;
  /** `bridge -j fdb show dev D` by VXLAN device of the host */
  fdb: Map<string, FdbEntry[]>;
  /** the machine's hostname: the name of its Host document when there is an overlay */
  hostname: string;
  docker?: DockerFacts;
}

/** One document to write: its body in the order to print, comments above it (guesses, notes). */
export interface ImportedDoc {
  kind: 'Network' | 'Container' | 'Link' | 'Host';
  name: string;
  body: Record<string, unknown>;
  notes: string[];
}

/** Something seen on the host that the documents do not express. */
export interface ReportItem {
  /** "Network bridge", "Container web", "iptables", "host" */
  object: string;
  message: string;
  /** the document kind whose file it goes into (default: networks) */
  kind?: ImportedDoc['kind'];
}

export interface ImportResult {
  docs: ImportedDoc[];
  report: ReportItem[];
}
