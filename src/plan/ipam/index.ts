// IP address management, pure: choosing automatic subnets and handing out
// container addresses. Stability comes from inputs the caller gathers from
// Observed (an existing bridge's subnet, a container's current address); the
// functions here only decide.

export { chooseAutoSubnets, localPool, overlayPool } from './auto-subnets.js';
export type { AutoSubnetChoice, AutoSubnetError, AutoSubnetRequest } from './auto-subnets.js';
export { allocate } from './addresses.js';
export type { IpamAssignment, IpamError, IpamRequest, IpamSubnet, Placement } from './addresses.js';
