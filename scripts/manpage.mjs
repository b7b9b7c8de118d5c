// Writes docs/netkeeper.1 from the command definitions (src/cli/program.ts), through the build in dist/.
// Run with `npm run man`; test/unit/cli/manpage.test.ts checks that the committed file is current.
import { readFileSync, writeFileSync } from 'node:fs';
import { manPage } from '../dist/cli/manpage.js';

const root = new URL('../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
writeFileSync(new URL('docs/netkeeper.1', root), manPage(version));
