// Plain JSON data (pure): what the content cache may keep, and fresh copies of it.
// Apart from doc-cache.ts so that the shell's cache (src/shell/config-cache.ts) can
// use it without loading the YAML parser: a command whose files are all cached never does.

/** Plain data that JSON gives back as it was: no undefined, no -0, NaN or Infinity, only plain objects and arrays. */
export function jsonSafe(v: unknown): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v) && !Object.is(v, -0);
    case 'object': {
      if (v === null) return true;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) if (!(i in v) || !jsonSafe(v[i])) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(v) as unknown;
      if (proto !== Object.prototype && proto !== null) return false;
      const o = v as Record<string, unknown>;
      const names = Object.getOwnPropertyNames(o);
      let n = 0;
      for (const k in o) {
        if (!jsonSafe(o[k])) return false;
        n++;
      }
      // a non-enumerable or symbol key would not survive JSON
      return n === names.length && Object.getOwnPropertySymbols(o).length === 0;
    }
    default:
      return false;
  }
}

/**
 * A fresh copy of a cached value (callers may keep or change what they are given).
 * Values are plain JSON data (jsonSafe, or JSON.parse's from the disk): copied by hand,
 * ~3× faster than structuredClone on a thousand small documents (issue 16). A key
 * `__proto__` is defined as an own property, as JSON.parse and structuredClone make it;
 * like structuredClone, every object comes out with Object.prototype.
 */
export function copy(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = copy(v[i]);
    return out;
  }
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(o)) {
    if (k === '__proto__') Object.defineProperty(out, k, { value: copy(o[k]), enumerable: true, writable: true, configurable: true });
    else out[k] = copy(o[k]);
  }
  return out;
}
