// Moved to src/render/iptables.ts (the render stage). Kept for the imports of the
// firewall's planning code (chainRuleDiff) and tests.
export * from '../render/iptables.js';
