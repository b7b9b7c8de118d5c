// The string formats the schemas name (JSON Schema `format`), checked by the model's own
// address parsers (pure). Used by the precompiled validators (validators.gen.ts) and by
// the generator that writes them (schema-code.ts).

import { parseCidr, parseIP } from '../model/ip.js';

export interface StringFormat {
  type: 'string';
  validate: (s: string) => boolean;
}

export const FORMATS: Record<string, StringFormat> = {
  ipv4: { type: 'string', validate: (s: string) => parseIP(s)?.family === 4 },
  ipv6: { type: 'string', validate: (s: string) => parseIP(s)?.family === 6 },
  'ip-address': { type: 'string', validate: (s: string) => parseIP(s) !== undefined },
  cidr: { type: 'string', validate: (s: string) => parseCidr(s) !== undefined },
  'route-destination': { type: 'string', validate: (s: string) => s === 'default' || parseCidr(s) !== undefined },
};
