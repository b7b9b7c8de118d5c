// Where the hosts files shared by the containers of a set of networks live
// (src/plan/shared-hosts.ts): /etc/netns/.hosts/<set>, and the relative link a
// container's /etc/netns/<name>/hosts holds to one. A dot-name: namespace names
// never start with a dot, so the directory cannot be a namespace's.

/** Directory of the shared files, under /etc/netns. */
export const SHARED_HOSTS_DIRNAME = '.hosts';

/** The link target a container's hosts file holds: relative to /etc/netns/<name>/. */
export const sharedHostsLink = (name: string): string => `../${SHARED_HOSTS_DIRNAME}/${name}`;

/** A link a container's hosts file may hold that is netkeeper's: straight into the shared directory. */
export function isSharedHostsLink(link: string): boolean {
  const prefix = sharedHostsLink('');
  return link.startsWith(prefix) && link.length > prefix.length && !link.slice(prefix.length).includes('/');
}

/** The path a container's hosts link names: /etc/netns/<name>/../.hosts/<set> is /etc/netns/.hosts/<set>. */
export function sharedHostsTarget(path: string, link: string): string {
  return `${path.slice(0, path.lastIndexOf('/'))}/${link}`.replace(/\/[^/]+\/\.\.\//, '/');
}

/** A shared hosts file's own path: /etc/netns/.hosts/<set>. */
export function isSharedHostsPath(path: string): boolean {
  const dir = path.slice(0, path.lastIndexOf('/'));
  return dir.slice(dir.lastIndexOf('/') + 1) === SHARED_HOSTS_DIRNAME;
}
