// Every diagnostic code netkeeper emits, with one line of meaning each. Codes are
// stable: tests and users' scripts match on them. A producer can only use a code
// listed here (Diagnostic.code is a DiagnosticCode), and docs/diagnostics.md lists
// them all for users (a unit test keeps the two equal).
//
// `stage` says who decides: `files` — the files alone (`netkeeper validate` reports
// it, and so does every `plan`/`reconcile`, before the kernel is read); `kernel` —
// the files together with what the kernel holds now (only `plan`/`reconcile`).

export interface CodeInfo {
  stage: 'files' | 'kernel';
  meaning: string;
}

export const DIAGNOSTIC_CODES = {
  // --- reading the files
  yaml: { stage: 'files', meaning: 'The file is not valid YAML.' },
  schema: { stage: 'files', meaning: "A document does not match its kind's JSON Schema (schemas/): unknown field, wrong type, missing field." },
  'invalid-name': { stage: 'files', meaning: 'An object name is not as Docker allows it: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters.' },
  'ifname-invalid': { stage: 'files', meaning: 'An interface name has characters the kernel refuses.' },
  'ifname-too-long': { stage: 'files', meaning: 'An interface name is longer than the 15 bytes the kernel allows.' },
  'invalid-mac': { stage: 'files', meaning: 'A MAC address is malformed, multicast or all zeros.' },
  'invalid-port': { stage: 'files', meaning: 'A published port or port range is malformed or out of range.' },
  'invalid-subnet': { stage: 'files', meaning: 'A subnet has host bits set.' },
  'invalid-ip-range': { stage: 'files', meaning: 'An ipRange has host bits set.' },
  'invalid-route': { stage: 'files', meaning: 'A route destination has host bits set, or the route has neither via nor dev.' },
  'invalid-extra-host': { stage: 'files', meaning: 'An extraHosts entry is not "name:address".' },
  'link-endpoints': { stage: 'files', meaning: 'A Link does not have exactly two endpoints.' },
  'not-a-directory': { stage: 'files', meaning: '--dir is not a directory.' },
  'unreadable-path': { stage: 'files', meaning: 'A folder or file under --dir cannot be read; what it declared is unknown.' },
  'not-a-file': { stage: 'files', meaning: 'A *.yaml path under --dir is a pipe, socket or device, never read.' },
  'symlink-loop': { stage: 'files', meaning: 'A symbolic link under --dir cannot be followed: it loops.' },
  'dangling-symlink': { stage: 'files', meaning: 'A symbolic link under --dir points at nothing; what it declared is unknown.' },
  'too-many-diagnostics': { stage: 'files', meaning: 'The count of further errors after the first 50 shown.' },

  // --- objects and references
  'duplicate-name': { stage: 'files', meaning: 'Two objects of one kind have the same name.' },
  'duplicate-settings': { stage: 'files', meaning: 'More than one Settings document.' },
  'unknown-reference': { stage: 'files', meaning: 'A reference names a Network, Container, Host or interface that is not declared.' },
  'reserved-name': { stage: 'files', meaning: 'A Container is named "host", which Link endpoints use for the host\'s namespace.' },

  // --- Hosts
  'duplicate-address': { stage: 'files', meaning: 'Two Hosts have the same underlay address.' },
  'host-address-in-subnet': { stage: 'files', meaning: "A Host's underlay address lies inside a subnet the hosts route into a bridge." },

  // --- Networks
  'driver-field': { stage: 'files', meaning: "A field is set that the network's driver does not use (e.g. vni on a bridge)." },
  'missing-parent': { stage: 'files', meaning: 'A macvlan network has no parent interface.' },
  'missing-vni': { stage: 'files', meaning: 'An overlay network has no vni.' },
  'macvlan-no-subnet': { stage: 'files', meaning: 'A macvlan network has no subnets (an automatic one means nothing on a real LAN).' },
  'duplicate-vni': { stage: 'files', meaning: 'Two overlay networks have the same VNI.' },
  'duplicate-interface': { stage: 'files', meaning: 'Two networks name the same bridge interface.' },
  'name-clash': {
    stage: 'files',
    meaning: "An interface name in the host's namespace is also a name netkeeper derives for another object (br-<net>, nk0, vx-<net>, a veth).",
  },
  'reserved-ifname': { stage: 'files', meaning: 'An interface name is one the kernel reserves (all, default, lo).' },
  'subnet-overlap': { stage: 'files', meaning: 'Two subnets overlap (allowed only between isolated networks).' },
  'subnet-too-small': { stage: 'files', meaning: 'A subnet cannot hold its gateway and a member: a /32 (/128), or a /31 (/127) with a gateway.' },
  'gateway-outside-subnet': { stage: 'files', meaning: 'A gateway is not inside its subnet.' },
  'gateway-unusable': { stage: 'files', meaning: 'A gateway is the network or broadcast address of its subnet.' },
  'ip-range-outside-subnet': { stage: 'files', meaning: 'An ipRange is not inside its subnet.' },
  'reserved-outside-subnet': { stage: 'files', meaning: 'A reserved address is not inside its subnet.' },
  'bridge-full': { stage: 'files', meaning: 'More than 1023 ports on one bridge on one host: the Linux limit.' },
  'unusable-address': {
    stage: 'files',
    meaning: 'A subnet or address the kernel or the network cannot use: multicast, link-local, loopback, IPv4-mapped, unspecified.',
  },
  'ipv6-mtu-too-small': { stage: 'files', meaning: 'An MTU below 1280 where IPv6 is used.' },

  // --- Containers
  'mode-conflict': { stage: 'files', meaning: "A field is set that the container's mode does not allow (e.g. ports with mode host)." },
  'mode-cycle': { stage: 'files', meaning: 'container:<name> modes form a cycle.' },
  'mode-target-host': { stage: 'files', meaning: 'mode container:<name> names a container in mode host.' },
  'mode-host-mismatch': { stage: 'files', meaning: 'A container shares the namespace of a container that runs on another host.' },
  'netns-taken': { stage: 'files', meaning: 'Two containers own the same namespace (use mode container:<name> to share one).' },
  'duplicate-ifname': { stage: 'files', meaning: 'Two interfaces of one namespace have the same name.' },
  'duplicate-attachment': { stage: 'files', meaning: 'A container is attached to one network twice.' },
  'overlay-host-required': { stage: 'files', meaning: 'A container on an overlay network must say which Host runs it when several Hosts are declared.' },
  'fixed-ip-auto-subnet': { stage: 'files', meaning: 'A fixed address on a network without declared subnets.' },
  'address-outside-subnet': { stage: 'files', meaning: "A fixed address is outside its network's subnets." },
  'address-unusable': { stage: 'files', meaning: 'A fixed address is the network or broadcast address of its subnet.' },
  'address-taken': { stage: 'files', meaning: 'A fixed address is already taken: by another member, the gateway, a reserved entry or a Host.' },
  'mac-taken': { stage: 'files', meaning: 'Two members of one network would have the same MAC address.' },
  'macvlan-passthru-shared': { stage: 'files', meaning: 'More than one container on one host joins a passthru macvlan network.' },
  'ipam-exhausted': { stage: 'files', meaning: 'More members need an address than the ipRange holds (with kernel-held automatic subnets, also at plan time).' },
  'link-self': { stage: 'files', meaning: 'A Link or container link joins a thing to itself.' },
  'link-no-common-network': { stage: 'files', meaning: 'Warning: linked containers share no network, so the alias has no address.' },
  'link-endpoint-mode': { stage: 'files', meaning: "A Link endpoint is a container in mode host or container:<name> (name the namespace's owner)." },
  'link-cross-host': { stage: 'files', meaning: 'A Link joins containers that run on different hosts.' },
  'route-gateway-unreachable': {
    stage: 'files',
    meaning: "A route's next hop is on no subnet or route of its namespace (at plan time, also against automatic subnets).",
  },

  // --- published ports
  'port-no-network': { stage: 'files', meaning: 'A published port on a container without network attachments.' },
  'port-internal': { stage: 'files', meaning: 'A published port on an internal network.' },
  'port-unroutable': { stage: 'files', meaning: 'A published port on a network the host does not route (isolated, macvlan).' },
  'port-conflict': { stage: 'files', meaning: 'A host port is published twice on overlapping host addresses.' },
  'port-family': { stage: 'files', meaning: "A port's host address is of a family (IPv4/IPv6) the target network has no subnet of." },
  'port-no-iptables': { stage: 'files', meaning: 'Published ports with Settings.iptables: false (nothing would publish them).' },
  'port-no-target': { stage: 'kernel', meaning: 'A published port has no container address to forward to.' },
  'port-exhausted': { stage: 'kernel', meaning: 'No free host port (block) is left in 49153-65535 for a port declared without one.' },

  // --- Expect
  'expect-port': { stage: 'files', meaning: 'An Expect has a port with protocol icmp, or no port with tcp or udp.' },
  'expect-endpoint': { stage: 'files', meaning: 'An Expect starts from or aims at an address no probe can use (unspecified, multicast).' },

  // --- what the kernel holds now (plan/reconcile only)
  'auto-subnet-exhausted': { stage: 'kernel', meaning: 'No free private subnet is left for a network without declared subnets.' },
  'auto-subnet-route-conflict': { stage: 'kernel', meaning: "An overlay's automatic subnet overlaps a host route; declare its subnets." },
  'unknown-self-host': { stage: 'kernel', meaning: 'This machine (--host, default its hostname) is not one of the declared Hosts.' },
  'ipv6-forwarding-drops-ra-route': { stage: 'kernel', meaning: 'Turning IPv6 forwarding on would drop a default route learned from router advertisements.' },
  'overlay-no-self-host': { stage: 'kernel', meaning: 'Warning: overlays are declared but no Host is this host (--host).' },
  'unowned-in-the-way': { stage: 'kernel', meaning: "An object netkeeper would make exists and is not netkeeper's; nothing is applied." },
  'adopt-mismatch': {
    stage: 'kernel',
    meaning:
      'adopt: a live object differs from the files in an essential attribute (type, veth peer, VXLAN/macvlan settings); left alone unless --adopt=replace.',
  },
  'adopted-netns-gone': {
    stage: 'kernel',
    meaning: 'Warning: an adopted namespace (path or pid) no longer exists; nothing is made for it until it exists again.',
  },
  'netns-is-host': { stage: 'kernel', meaning: "An adopted namespace is the host's own network namespace." },
  'netns-not-network': { stage: 'kernel', meaning: 'An adopted namespace path is not a network namespace.' },
  'netns-shared-twice': { stage: 'kernel', meaning: "An adopted namespace is already another container's (share it with mode container:<name>)." },
  'subnet-overlaps-host-route': {
    stage: 'kernel',
    meaning: 'A declared subnet overlaps a host route netkeeper does not own (allow with allowHostOverlap: true).',
  },
  'subnet-overlaps-auto-subnet': { stage: 'kernel', meaning: 'A declared subnet overlaps the automatic subnet another network holds now.' },
  'macvlan-parent-missing': { stage: 'kernel', meaning: "A macvlan network's parent interface does not exist on this host." },
  'macvlan-parent-down': { stage: 'kernel', meaning: "A macvlan network's parent interface is down: its containers would have no link." },
  'port-in-use': {
    stage: 'kernel',
    meaning: 'A new published port is a host port a process on the host listens on: the DNAT rule would silently take its connections.',
  },
  'bridge-ports-full': {
    stage: 'kernel',
    meaning: "With the interfaces already attached to it by hand, a network's bridge would have more than the 1023 ports a Linux bridge takes.",
  },
  'mtu-too-big': {
    stage: 'kernel',
    meaning: "A declared MTU is more than the interface under it carries: an overlay's underlay MTU less the 50 bytes of VXLAN, or a macvlan's parent MTU.",
  },
  'vxlan-in-use': {
    stage: 'kernel',
    meaning: "An overlay's VNI, or its UDP port, is already taken by a VXLAN device netkeeper does not own or by a process on the host.",
  },
  'redundant-foreign-rule': {
    stage: 'kernel',
    meaning:
      "Warning: a hand-written DNAT rule (Docker's DOCKER chain, a script's) does what netkeeper's NK-PORTS chain now does for a published port; left alone, with the command that removes it.",
  },
  'foreign-chain': { stage: 'kernel', meaning: "Warning: an iptables chain is named like netkeeper's (NK-*) but is not one it makes; left alone." },

  // --- the fleet store (Settings.store, --store; src/plan/fleet.ts)
  'store-no-self-host': { stage: 'kernel', meaning: 'A store is configured but the files declare no Host for this machine (its name and underlay address).' },
  'store-address-taken': { stage: 'kernel', meaning: "An overlay address this host's container needs is claimed in the store by another host." },
  'store-name-clash': {
    stage: 'kernel',
    meaning: "Warning: another host registers a container under a name this host's files use; the remote one is left out.",
  },
  'store-unreachable': { stage: 'kernel', meaning: 'The store cannot be reached and no membership was read yet; nothing is applied.' },
  'routed-subnet': {
    stage: 'files',
    meaning: 'A routed overlay (fabric: routed) needs exactly one IPv4 subnet, without gateway or ipRange, shorter than its hostSubnetSize.',
  },
  'routed-needs-store': {
    stage: 'kernel',
    meaning: "A routed overlay's per-host subnet comes from the store, and no store is configured (Settings.store or --store).",
  },
  'store-subnets-exhausted': { stage: 'kernel', meaning: 'Every per-host subnet of a routed overlay is claimed in the store by other hosts.' },
  'store-tls-file': {
    stage: 'kernel',
    meaning:
      'A TLS file of Settings.store.etcd.tls cannot be read or is not PEM (or a client certificate lacks its key); the store is not dialled, nothing is applied.',
  },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof DIAGNOSTIC_CODES;
