// The words after `status`: which view. Pure.

export type ListView = 'overview' | 'networks' | 'containers' | 'ports';

export type StatusRequest = { view: ListView } | { view: 'inspect'; name: string } | { view: 'detail' };

const LISTS: Record<string, ListView> = { networks: 'networks', containers: 'containers', ports: 'ports' };

export function statusRequest(args: string[], opts: { detail?: boolean; out?: string }): { ok: true; value: StatusRequest } | { ok: false; error: string } {
  if (opts.out !== undefined) return { ok: false, error: 'status takes no --out (that saves a plan: netkeeper plan --out FILE)' };
  if (args.length > 1)
    return { ok: false, error: `status takes at most one word: networks, containers, ports or the name of a network or container (got: ${args.join(' ')})` };
  if (opts.detail) {
    if (args.length)
      return {
        ok: false,
        error: `status --detail lists every kernel object netkeeper owns and takes no view or name (got: ${args[0]}); drop --detail for the view of ${args[0]}`,
      };
    return { ok: true, value: { view: 'detail' } };
  }
  if (args.length === 0) return { ok: true, value: { view: 'overview' } };
  const list = LISTS[args[0]];
  return { ok: true, value: list ? { view: list } : { view: 'inspect', name: args[0] } };
}
