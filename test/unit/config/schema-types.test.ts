// The raw document types are derived from the schemas (src/config/schema-types.ts):
// these assertions are checked by `npm run typecheck` (tsconfig.test.json).
import { describe, expectTypeOf, test } from 'vitest';
import type { RawContainer, RawHost, RawLink, RawNetwork, RawSettings } from '../../../src/config/schemas.js';

describe('raw document types follow the schemas', () => {
  test('required fields are required, the rest optional, enums are unions', () => {
    expectTypeOf<RawNetwork['kind']>().toEqualTypeOf<'Network'>();
    expectTypeOf<RawNetwork['name']>().toEqualTypeOf<string>();
    expectTypeOf<RawNetwork['driver']>().toEqualTypeOf<'bridge' | 'macvlan' | 'overlay' | undefined>();
    expectTypeOf<RawNetwork['gatewayMode']>().toEqualTypeOf<'nat' | 'routed' | 'isolated' | undefined>();
    expectTypeOf<NonNullable<RawNetwork['subnets']>[number]>().toEqualTypeOf<{
      subnet: string;
      gateway?: string;
      ipRange?: string;
      reserved?: string[];
    }>();
    expectTypeOf<RawHost>().toEqualTypeOf<{ kind: 'Host'; name: string; address: string }>();
    expectTypeOf<RawSettings['name']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<RawLink['endpoints'][number]['ifname']>().toEqualTypeOf<string>();
  });

  test('no field falls through to unknown (every schema construct is understood)', () => {
    type Unknowns<T> = unknown extends T
      ? 'unknown'
      : T extends (infer I)[]
        ? Unknowns<I>
        : T extends object
          ? { [K in keyof T]-?: Unknowns<T[K]> }[keyof T]
          : never;
    expectTypeOf<Unknowns<RawNetwork | RawContainer | RawLink | RawHost | RawSettings>>().toEqualTypeOf<never>();
  });

  test('if/then/else unions give both shapes', () => {
    expectTypeOf<RawContainer['netns']>().toEqualTypeOf<string | { path?: string; pid?: number } | undefined>();
    expectTypeOf<NonNullable<RawContainer['networks']>[number]>().toExtend<string | { network: string }>();
    type Port = NonNullable<RawContainer['ports']>[number];
    expectTypeOf<Extract<Port, object>['containerPort']>().toEqualTypeOf<number | string>();
    expectTypeOf<Extract<Port, object>['protocol']>().toEqualTypeOf<'tcp' | 'udp' | undefined>();
    expectTypeOf<Exclude<Port, object>>().toEqualTypeOf<number | string>();
  });
});
