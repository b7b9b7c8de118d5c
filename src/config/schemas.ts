// The JSON Schemas of networks.d, one per kind: the public contract, and the one
// source of the raw document types (RawDocument<K>, derived by schema-types.ts).
// The kinds live in schema-network.ts, schema-container.ts, schema-small-kinds.ts;
// shared definitions and patterns in schema-defs.ts; defaults in src/model/defaults.ts.
// schemas/*.schema.json are the editor form of these (editor-schema.ts; a unit test
// keeps them equal; regenerate with `NK_WRITE_SCHEMAS=1 npx vitest run test/unit/config/schemas.test.ts`).
// Custom formats (schema-formats.ts): "ip-address" (IPv4 or IPv6
// literal), "cidr" (address/prefix), "route-destination" ("default" or a CIDR).

import type { Schema } from './schema-defs.js';
import { type containerBody, containerSchema } from './schema-container.js';
import { type networkBody, networkSchema } from './schema-network.js';
import { type expectBody, expectSchema } from './schema-expect.js';
import { type hostBody, hostSchema, type linkBody, linkSchema, type settingsBody, settingsSchema } from './schema-small-kinds.js';
import type { FromSchema } from './schema-types.js';

export { IFNAME_PATTERN, MAC_PATTERN, NAME_PATTERN, PORT_STRING_PATTERN } from './schema-defs.js';
export { containerSchema, expectSchema, hostSchema, linkSchema, networkSchema, settingsSchema };

export const KINDS = ['Network', 'Container', 'Link', 'Host', 'Settings', 'Expect'] as const;
export type Kind = (typeof KINDS)[number];

export function isKind(v: unknown): v is Kind {
  return typeof v === 'string' && (KINDS as readonly string[]).includes(v);
}

export const SCHEMAS: Record<Kind, Schema> = {
  Network: networkSchema,
  Container: containerSchema,
  Link: linkSchema,
  Host: hostSchema,
  Settings: settingsSchema,
  Expect: expectSchema,
};

/** A document of each kind as written, valid against its schema (before defaults). */
export interface RawDocuments {
  Network: FromSchema<typeof networkBody>;
  Container: FromSchema<typeof containerBody>;
  Link: FromSchema<typeof linkBody>;
  Host: FromSchema<typeof hostBody>;
  Settings: FromSchema<typeof settingsBody>;
  Expect: FromSchema<typeof expectBody>;
}
export type RawNetwork = RawDocuments['Network'];
export type RawContainer = RawDocuments['Container'];
export type RawLink = RawDocuments['Link'];
export type RawHost = RawDocuments['Host'];
export type RawSettings = RawDocuments['Settings'];
export type RawExpect = RawDocuments['Expect'];

/** File name under schemas/ for each kind. */
export const SCHEMA_FILES: Record<Kind, string> = {
  Network: 'network.schema.json',
  Container: 'container.schema.json',
  Link: 'link.schema.json',
  Host: 'host.schema.json',
  Settings: 'settings.schema.json',
  Expect: 'expect.schema.json',
};
