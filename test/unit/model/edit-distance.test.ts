import { describe, expect, it } from 'vitest';
import { editDistance } from '../../../src/model/edit-distance.js';

describe('editDistance', () => {
  it.each([
    ['web', 'web', 0],
    ['web', 'webb', 1],
    ['wbe', 'web', 2],
    ['', 'abc', 3],
    ['frontend', 'backend', 5],
  ])('%s → %s is %i', (a, b, d) => {
    expect(editDistance(a, b)).toBe(d);
    expect(editDistance(b, a)).toBe(d);
  });
});
