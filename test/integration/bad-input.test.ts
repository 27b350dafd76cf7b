/**
 * Bad input that only the engine can reveal (issue #7; the rest of the table
 * is test/unit/bad-input.test.ts): an unreachable engine, a base image that is
 * missing, options the toolchain cannot honour, configuration Apache rejects.
 * Each ends with exit 2 (usage) or 1 (runtime), one `mwe-image:` line naming
 * the cause as the last line (a failed build step shows the tail of its output
 * above it), no stack trace, and no image tagged.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, docker, runCli } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';

const badInput = suite('bad input needing the engine');
const APP = example('hello', 'wsgi.py');
const TAG = 'mwe-rel/bad-input';
let work = '';

interface Case {
  name: string;
  argv: () => string[];
  env?: Record<string, string>;
  code: 1 | 2;
  /** What the last line says. */
  pattern: RegExp;
  /** Nothing else on stderr (failures before any build step runs). */
  oneLine: boolean;
}

const UNREACHABLE = { DOCKER_HOST: 'unix:///nonexistent.sock' };
const build =
  (...args: string[]) =>
  () => ['build', APP, '--tag', TAG, ...args];
const file = (name: string, text: string) => {
  const target = path.join(work, name);
  writeFileSync(target, text);
  return target;
};

const CASES: Case[] = [
  {
    name: 'engine socket missing',
    argv: build(),
    env: UNREACHABLE,
    code: 1,
    oneLine: true,
    pattern: /^mwe-image: cannot reach the Docker engine at unix:\/\/\/nonexistent\.sock .*start dockerd or set DOCKER_HOST$/,
  },
  {
    name: 'engine port closed',
    argv: build(),
    env: { DOCKER_HOST: 'tcp://127.0.0.1:1' },
    code: 1,
    oneLine: true,
    pattern: /^mwe-image: cannot reach the Docker engine at tcp:\/\/127\.0\.0\.1:1 /,
  },
  { name: 'config with no engine', argv: () => ['config', APP], env: UNREACHABLE, code: 1, oneLine: true, pattern: /cannot reach the Docker engine/ },
  {
    name: 'start-server with no engine',
    argv: () => ['start-server', APP, '--tag', TAG],
    env: UNREACHABLE,
    code: 1,
    oneLine: true,
    pattern: /cannot reach the Docker engine/,
  },
  {
    name: 'toolchain list with no engine',
    argv: () => ['toolchain', 'list'],
    env: UNREACHABLE,
    code: 1,
    oneLine: true,
    pattern: /cannot reach the Docker engine/,
  },
  {
    name: 'module-location with no engine',
    argv: () => ['module-location', '--output', path.join(work, 'module')],
    env: UNREACHABLE,
    code: 1,
    oneLine: true,
    pattern: /cannot reach the Docker engine/,
  },
  {
    name: 'base image missing and not pullable',
    argv: build('--base-image', 'mwe-rel/no-such-base:1'),
    code: 1,
    oneLine: false,
    pattern:
      /^mwe-image: base image mwe-rel\/no-such-base:1 is not present and cannot be pulled .*mwe-image base bootstrap --suite trixie --tag mwe-rel\/no-such-base:1$/,
  },
  {
    name: '--python the base does not ship',
    argv: build('--python', '3.11', '--base-image', 'debian:trixie-slim'),
    code: 2,
    oneLine: true,
    pattern: /^mwe-image: --python 3\.11: debian:trixie-slim has Python 3\.13/,
  },
  {
    name: '--free-threading with the GIL',
    argv: build('--free-threading'),
    code: 2,
    oneLine: true,
    pattern: /^mwe-image: --free-threading: Python 3\.13 in this toolchain is not a free-threaded build/,
  },
  {
    name: '--telemetry-service on mod_wsgi 5.0.2',
    argv: build('--mod-wsgi', 'debian', '--telemetry-service', 'unix:/tmp/telemetry.sock'),
    code: 2,
    oneLine: true,
    pattern:
      /^mwe-image: --telemetry-service: mod_wsgi 5\.0\.2 has no WSGITelemetryService directive \(telemetry came with mod_wsgi 6\); build with --mod-wsgi pypi \(the default\) or drop --telemetry-service$/,
  },
  {
    name: '--enable-telemetry on mod_wsgi 5.0.2',
    argv: build('--mod-wsgi', 'debian', '--enable-telemetry'),
    code: 2,
    oneLine: true,
    pattern: /^mwe-image: --enable-telemetry: mod_wsgi 5\.0\.2 has no WSGITelemetryService directive/,
  },
  {
    name: '--include-file with an unknown directive',
    argv: () => build('--allow-outside-paths', '--include-file', file('unknown.conf', 'NoSuchDirective on\n'))(),
    code: 1,
    oneLine: false,
    pattern: /^mwe-image: image build failed at RUN MWE_RUNTIME_DIR=\/dev\/shm\/mwe-configtest \/usr\/local\/bin\/mwe-entrypoint configtest/,
  },
  {
    name: '--include-file with an unclosed <Directory',
    argv: () => build('--quiet', '--allow-outside-paths', '--include-file', file('unclosed.conf', '<Directory /srv>\nRequire all granted\n'))(),
    code: 1,
    oneLine: false,
    pattern: /^mwe-image: image build failed at RUN MWE_RUNTIME_DIR=\/dev\/shm\/mwe-configtest \/usr\/local\/bin\/mwe-entrypoint configtest/,
  },
  // Checked in the image when it is built, before the configuration test.
  {
    name: '--httpd-executable that is not there',
    argv: build('--httpd-executable', '/usr/sbin/no-such-httpd'),
    code: 1,
    oneLine: false,
    pattern:
      /^mwe-image: image build failed at RUN \/bin\/sh \/tmp\/mwe-check-paths\.sh.*: --httpd-executable: \/usr\/sbin\/no-such-httpd is not an executable file in the image/,
  },
];

/** Tag -> image id of every image tagged under this task's prefix (other suites may be building concurrently). */
async function ourTags(): Promise<Map<string, string>> {
  const tags = new Map<string, string>();
  for (const image of await docker.listImages()) {
    for (const tag of image.RepoTags ?? []) if (tag.startsWith('mwe-rel/')) tags.set(tag, image.Id);
  }
  return tags;
}

/** The tags as the previous case left them. */
let tagsBefore = new Map<string, string>();

badInput.before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mwe-bad-input-'));
  await docker
    .getImage(TAG)
    .remove({ force: true })
    .catch(() => undefined);
  // The toolchains the cases use exist first, so that a case's output is only its failure.
  for (const source of ['pypi', 'debian']) await buildWithCli([APP, '--mod-wsgi', source, '--tag', `mwe-rel/bad-input-${source}`]);
  tagsBefore = await ourTags();
});

badInput.after(() => {
  rmSync(work, { recursive: true, force: true });
});

for (const testCase of CASES) {
  badInput(`${testCase.name}: exit ${testCase.code}, one line, no image`, async () => {
    const argv = testCase.argv();
    const { code, stdout, stderr } = await runCli(argv, testCase.env);
    const context = `mwe-image ${argv.join(' ')}\n${stderr.slice(-2000)}`;
    assert.is(code, testCase.code, context);
    assert.is(stdout, '', context);
    assert.not.match(stderr, /\n\s+at \S+ \(|\n\s+at file:/, `stack trace: ${context}`);
    const lines = stderr.split('\n').filter((line) => line.trim() !== '');
    const ours = lines.filter((line) => line.startsWith('mwe-image:'));
    assert.is(ours.length, 1, `one mwe-image: line: ${context}`);
    assert.is(lines[lines.length - 1], ours[0], `the error is the last line: ${context}`);
    assert.match(ours[0], testCase.pattern, context);
    if (testCase.oneLine) assert.is(lines.length, 1, context);

    const after = await ourTags();
    const created = [...after].filter(([tag, id]) => tagsBefore.get(tag) !== id);
    tagsBefore = after;
    assert.equal(created, [], `images tagged: ${context}`);
    assert.not.ok(after.has(TAG));
  });
}

badInput.run();
