// A stateful fake of the kernel and tools netkeeper drives (in the spirit of Calico
// Felix's mock dataplane): run the pass against it without root. See README.md here
// for what it models and what it does not.

export { FakeKernel } from './runner.js';
export { KernelState } from './kernel.js';
export { FakeFs, fakeHostFs } from './fs.js';
export { FakeKilled, type LineFault, type CommandFault, type KillFault } from './faults.js';
import type { HostFs } from '../../../src/shell/host-fs.js';
import { fakeHostFs } from './fs.js';
import type { FakeKernel } from './runner.js';

/** The fake file system as the HostFs a pass (and observe) takes. */
export function observeFs(k: FakeKernel): HostFs {
  return fakeHostFs(k.fs);
}
