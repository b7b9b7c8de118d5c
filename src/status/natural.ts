// Natural order for names a person reads: `c2` before `c10`. Pure.

const PARTS = /(\d+)|(\D+)/g;

export function naturalCompare(a: string, b: string): number {
  const pa = a.match(PARTS) ?? [];
  const pb = b.match(PARTS) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const nx = /^\d/.test(x);
    const ny = /^\d/.test(y);
    if (nx && ny) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      if (x.length !== y.length) return x.length - y.length; // 2 before 02
    }
    return x < y ? -1 : 1;
  }
  return pa.length - pb.length;
}

export const byName = <T extends { name: string }>(a: T, b: T): number => naturalCompare(a.name, b.name);
