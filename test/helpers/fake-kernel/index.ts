// A stateful fake of the kernel and tools netkeeper drives (in the spirit of Calico
// Felix's mock dataplane): run the pass against it without root. See README.md here
// for what it models and what it does not.

export { FakeKernel } from './runner.js';
export { KernelState } from './kernel.js';
export { FakeFs } from './fs.js';
export { FakeKilled, type LineFault, type CommandFault, type KillFault } from './faults.js';
import type { ObserveFs } from '../../../src/shell/observe.js';
import type { FakeKernel } from './runner.js';

/** The fake file system as the ObserveFs observe() takes. */
export function observeFs(k: FakeKernel): ObserveFs {
  return {
    readFile: async (p) => k.fs.readFile(p),
    readdir: async (p) => k.fs.readdir(p),
    stat: async (p) => k.fs.stat(p),
  };
}
