import { describe, expect, it } from 'vitest';
import { eachLimited, fileSteps } from '../../../../src/shell/apply/files-order.js';

const S = '/etc/netns/.hosts';
const f = (path: string) => ({ path });

describe('fileSteps: /etc/netns writes side by side, in the order that matters', () => {
  it('keeps each directory in order, the shared hosts files before (and after) the rest, and runs directories together', () => {
    const files = [
      f(`${S}/a`),
      f(`${S}/b`),
      f('/etc/netns/web/hosts'),
      f('/etc/netns/db/hosts'),
      f('/etc/netns/web/resolv.conf'),
      f('/etc/netns/web/hostname'),
      f('/etc/netns/db/hostname'),
      f(`${S}/old`),
    ];
    expect(fileSteps(files, S).map((step) => step.map((g) => g.map((x) => x.path)))).toEqual([
      [[`${S}/a`, `${S}/b`]],
      [
        ['/etc/netns/web/hosts', '/etc/netns/web/resolv.conf', '/etc/netns/web/hostname'],
        ['/etc/netns/db/hosts', '/etc/netns/db/hostname'],
      ],
      [[`${S}/old`]],
    ]);
    expect(fileSteps([], S)).toEqual([]);
  });

  it('eachLimited runs everything, never more than the limit at once', async () => {
    let now = 0;
    let most = 0;
    const seen: number[] = [];
    await eachLimited([1, 2, 3, 4, 5, 6, 7], 3, async (x) => {
      most = Math.max(most, ++now);
      await new Promise((r) => setTimeout(r, 5));
      seen.push(x);
      now--;
    });
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(most).toBe(3);
  });
});
