import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { optionsMarkdown } from '../../src/docs.js';
import { OPTION_SPECS } from '../../src/options.js';
import { ROOT } from '../helpers/paths.js';

test('docs/options.md is generated from the option table and up to date (npm run docs)', () => {
  const committed = readFileSync(path.join(ROOT, 'docs', 'options.md'), 'utf8');
  assert.fixture(committed, optionsMarkdown());
  for (const spec of OPTION_SPECS) assert.ok(committed.includes(`\`${spec.flag}`), spec.flag);
});

test.run();
