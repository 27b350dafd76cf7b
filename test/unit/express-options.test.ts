/**
 * Every option of mod_wsgi-express 6's start-server (its --help, kept in
 * test/fixtures/reference) is known to the CLI: accepted by build, config,
 * start-server and setup-server, each rendered, adapted or refused as the
 * option table says.
 */
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildProgram } from '../../src/cli.js';
import { OPTION_ALIASES, OPTION_SPECS, resolveBuildOptions } from '../../src/options.js';
import { fixture } from '../helpers/paths.js';
import { usageError } from '../helpers/usage.js';

const HELP = readFileSync(fixture('reference', 'mod_wsgi-express-6.0.5-start-server-help.txt'), 'utf8');
/** The long options the help lists, one per option line (`  --name ARG` or `  -h, --help`). */
const EXPRESS_OPTIONS = [...new Set([...HELP.matchAll(/^ {2}(?:-\w, )?(--[a-z0-9-]+)/gm)].map((match) => match[1]))].filter((flag) => flag !== '--help');

test('the help file lists 147 options besides --help', () => {
  assert.is(EXPRESS_OPTIONS.length, 147);
});

for (const command of ['build', 'config', 'start-server', 'setup-server']) {
  test(`${command} knows every mod_wsgi-express 6 start-server option`, () => {
    const known = new Set(
      buildProgram()
        .commands.find((candidate) => candidate.name() === command)!
        .options.map((option) => option.long),
    );
    for (const alias of Object.keys(OPTION_ALIASES)) known.add(alias);
    const missing = EXPRESS_OPTIONS.filter((flag) => !known.has(flag));
    assert.equal(missing, [], `${command} lacks ${missing.length} of mod_wsgi-express 6's options: ${missing.join(' ')}`);
  });
}

test('the table says of each option whether express has it: own options are not in the help, the others are', () => {
  const express = new Set(EXPRESS_OPTIONS);
  for (const spec of OPTION_SPECS) {
    if (spec.fidelity === 'own') assert.not.ok(express.has(spec.flag), `${spec.flag} is mod_wsgi-express's, not mwe-image's own`);
    else assert.ok(express.has(spec.flag), `${spec.flag} is not a mod_wsgi-express 6 option: mark it fidelity: 'own'`);
    if (spec.fidelity === 'adapted' || spec.fidelity === 'refused') assert.ok(spec.why, `${spec.flag} says no why`);
    if (spec.why) assert.not.match(spec.why, /\n/, spec.flag);
  }
});

test('a refused option stops with its one-line reason and the alternative', () => {
  for (const spec of OPTION_SPECS.filter((candidate) => candidate.fidelity === 'refused')) {
    const raw = { [spec.key]: spec.kind === 'flag' ? true : '/tmp/x' };
    usageError(() => resolveBuildOptions(raw), new RegExp(`^${spec.flag}: .*(docker run|host|volume)`));
  }
});

test.run();
