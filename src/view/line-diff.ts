// A unified diff of two small texts (the /etc/netns files: a few lines each). Pure.

/** `--- a/PATH`, `+++ b/PATH`, then every line: ' ' kept, '-' removed, '+' added. Empty when equal. */
export function fileDiff(path: string, before: string, after: string): string[] {
  if (before === after) return [];
  const a = before === '' ? [] : before.replace(/\n$/, '').split('\n');
  const b = after === '' ? [] : after.replace(/\n$/, '').split('\n');
  // longest common subsequence table (files are small)
  const n = a.length;
  const m = b.length;
  const L: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = a[i] === b[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const out = [before === '' ? '--- /dev/null' : `--- ${path}`, after === '' ? '+++ /dev/null' : `+++ ${path}`];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push(` ${a[i]}`);
      i++;
      j++;
    } else if (j < m && (i >= n || L[i][j + 1] >= L[i + 1][j])) out.push(`+${b[j++]}`);
    else out.push(`-${a[i++]}`);
  }
  return out;
}
