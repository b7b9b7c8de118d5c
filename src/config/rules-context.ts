// Shared state and helpers of the semantic rules (pure).

import type { Config, ContainerSpec, LinkSpec, NetworkSpec, SourcePos } from '../model/config.js';
import { DEFAULT_NETWORK, IMPLICIT_BRIDGE } from '../model/defaults.js';
import type { Diagnostic, DiagnosticCode } from '../model/diagnostic.js';
import type { Path } from './documents.js';
import type { Locator } from './locator.js';

type Named = { kind: string; name?: string };

export function label(o: Named): string {
  return o.name !== undefined ? `${o.kind} ${o.name}` : o.kind;
}

export function where(p: SourcePos | undefined): string {
  return p ? `${p.file}:${p.line}:${p.col}` : 'an earlier file';
}

export class RuleCtx {
  readonly errors: Diagnostic[] = [];
  readonly warnings: Diagnostic[] = [];
  /** first declaration of each name, per kind */
  readonly networks = new Map<string, NetworkSpec>();
  readonly containers = new Map<string, ContainerSpec>();
  readonly hostNames = new Set<string>();
  /** the first declaration of each name: later duplicates are reported once (duplicate-name) and not checked again */
  readonly networkList: NetworkSpec[];
  readonly containerList: ContainerSpec[];
  readonly linkList: LinkSpec[];

  constructor(
    readonly cfg: Config,
    readonly loc: Locator,
  ) {
    for (const n of cfg.networks) if (!this.networks.has(n.name)) this.networks.set(n.name, n);
    for (const c of cfg.containers) if (!this.containers.has(c.name)) this.containers.set(c.name, c);
    for (const h of cfg.hosts) this.hostNames.add(h.name);
    this.networkList = [...this.networks.values()];
    this.containerList = [...this.containers.values()];
    const links = new Map<string, LinkSpec>();
    for (const l of cfg.links) if (!links.has(l.name)) links.set(l.name, l);
    this.linkList = [...links.values()];
  }

  /** A declared network, or the implicit `bridge`. */
  network(name: string): NetworkSpec | undefined {
    return this.networks.get(name) ?? (name === DEFAULT_NETWORK ? IMPLICIT_BRIDGE : undefined);
  }

  pos(obj: object, ...sub: Path): SourcePos | undefined {
    return this.loc.pos(obj, ...sub);
  }

  error(code: DiagnosticCode, owner: Named, at: SourcePos | undefined, message: string): void {
    this.errors.push({ code, message, object: label(owner), ...(at ? { pos: at } : {}) });
  }

  warn(code: DiagnosticCode, owner: Named, at: SourcePos | undefined, message: string): void {
    this.warnings.push({ code, message, object: label(owner), ...(at ? { pos: at } : {}) });
  }

  /** Networks the container's own namespace joins (declared, or the implicit `bridge`). */
  networksOf(c: ContainerSpec): string[] {
    if (c.mode.type !== 'bridge') return c.networks.map((a) => a.network);
    return c.networksDeclared ? c.networks.map((a) => a.network) : [DEFAULT_NETWORK];
  }

  /** The container owning the namespace `c` lives in (follows container:<x>; undefined on a cycle or dangling name). */
  root(c: ContainerSpec): ContainerSpec | undefined {
    const seen = new Set<string>();
    let cur: ContainerSpec | undefined = c;
    while (cur && cur.mode.type === 'container') {
      if (seen.has(cur.name)) return undefined;
      seen.add(cur.name);
      cur = this.containers.get(cur.mode.container);
    }
    return cur;
  }
}

export { attachmentIfnames } from '../model/names.js';
