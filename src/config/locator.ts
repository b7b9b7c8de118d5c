// Remembers where each typed object came from, so rules can point at a field.

import type { SourcePos } from '../model/config.js';
import { posAt, type Path, type RawDoc } from './documents.js';

export class Locator {
  private readonly where = new WeakMap<object, { raw: RawDoc; path: Path }>();

  set(obj: object, raw: RawDoc, path: Path): void {
    this.where.set(obj, { raw, path });
  }

  /** Position of `obj` itself, or of a field under it (the object when the field is absent). */
  pos(obj: object, ...sub: Path): SourcePos | undefined {
    const w = this.where.get(obj);
    return w ? posAt(w.raw, [...w.path, ...sub]) : undefined;
  }

  /** true when the field was written in the file (not a default). */
  has(obj: object, field: string): boolean {
    const w = this.where.get(obj);
    if (!w) return false;
    let v: unknown = w.raw.value;
    for (const seg of [...w.path, field]) {
      if (v === null || typeof v !== 'object') return false;
      v = (v as Record<string | number, unknown>)[seg];
    }
    return v !== undefined;
  }
}
