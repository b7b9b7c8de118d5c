// Golden scenarios (test/golden/<scenario>/, see test/helpers/golden/scenario.ts): the
// pure stages — parseConfig → buildTopology → buildDesired → diff → hold-back → render —
// and the plan formatter, from files/ and observed.json to plan.txt and plan.json.
//
// NK_WRITE_GOLDEN=1 npx vitest run test/unit/plan/golden.test.ts   rewrites plan.txt and
// plan.json (and observed.json, rebuilt on the fake kernel from setup.txt and before/).

import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { observedFromJson, observedToJson } from '../../helpers/golden/observed-json.js';
import { planJson, planText, scenarioObserved, scenarioStages } from '../../helpers/golden/scenario.js';

const ROOT = fileURLToPath(new URL('../../golden/', import.meta.url));
const WRITE = process.env.NK_WRITE_GOLDEN === '1';
const scenarios = readdirSync(ROOT)
  .filter((d) => existsSync(`${ROOT}${d}/files`))
  .sort();

describe('golden scenarios', () => {
  it('are there', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(8);
  });

  for (const name of scenarios) {
    it(name, async () => {
      const dir = ROOT + name;
      if (WRITE) writeFileSync(`${dir}/observed.json`, observedToJson(await scenarioObserved(dir)));
      const text = readFileSync(`${dir}/observed.json`, 'utf8');
      const observed = observedFromJson(text);
      expect(observedToJson(observed), 'observed.json is in its canonical form').toBe(text);
      const stages = scenarioStages(dir, observed);
      if (WRITE) {
        writeFileSync(`${dir}/plan.txt`, planText(stages));
        writeFileSync(`${dir}/plan.json`, planJson(stages));
      }
      expect(planText(stages)).toBe(readFileSync(`${dir}/plan.txt`, 'utf8'));
      expect(planJson(stages)).toBe(readFileSync(`${dir}/plan.json`, 'utf8'));
    });
  }
});
