// Captured iproute2 output (test/fixtures/ip, made by capture.sh in a sandbox) and the
// reference samples (test/fixtures/ip/samples).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DIR = fileURLToPath(new URL('../../fixtures/ip/', import.meta.url));

export function fixture(name: string): string {
  return readFileSync(DIR + name, 'utf8');
}

export function fixtureJson<T = unknown>(name: string): T {
  return JSON.parse(fixture(name)) as T;
}

export function sample<T = unknown>(name: string): T {
  return fixtureJson<T>(`samples/${name}`);
}
