/**
 * mod_wsgi from the package index, end to end: the default build resolves the
 * newest release on the host; an index that refuses connections stops the
 * build with one line (flag or PIP_INDEX_URL alike) and tags nothing; a
 * directory of sdists builds offline.
 */
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, docker, runCli } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';
import { userCacheDirectory } from '../../src/host-cache.js';

const packages = suite('mod_wsgi from the package index');
const APP = example('hello', 'wsgi.py');
const REFUSING_INDEX = 'http://127.0.0.1:9/simple/';
const CACHE = userCacheDirectory('distributions');
let newest = '';

const tagged = async (tag: string): Promise<boolean> =>
  docker
    .getImage(tag)
    .inspect()
    .then(
      () => true,
      () => false,
    );

packages.before(async () => {
  const built = JSON.parse((await buildWithCli([APP, '--tag', 'mwe-test/index-default', '--json'])).stdout) as { modWsgi: string };
  newest = built.modWsgi;
});

packages('the default build takes the newest mod_wsgi release, 6.x or later, and says so in labels and toolchain list', async () => {
  assert.match(newest, /^([6-9]|\d\d)\.\d+\.\d+$/);
  const labels = (await docker.getImage('mwe-test/index-default').inspect()).Config.Labels;
  assert.is(labels['io.mwe-image.mod-wsgi-version'], newest);
  assert.is((await docker.getImage(labels['io.mwe-image.toolchain']).inspect()).Config.Labels['io.mwe-image.mod-wsgi-source'], `pypi:${newest}`);
  assert.ok(existsSync(path.join(CACHE, `mod_wsgi-${newest}.tar.gz`)), 'the sdist is cached on the host');
  const list = await runCli(['toolchain', 'list']);
  assert.match(list.stdout, new RegExp(`mod_wsgi ${newest.replace(/\./g, '\\.')} \\(pypi:${newest.replace(/\./g, '\\.')}\\)`));
});

packages('an index that refuses connections: one line naming it and the offline way, exit 1, no image (flag and PIP_INDEX_URL)', async () => {
  for (const [args, env] of [
    [['--index-url', REFUSING_INDEX], {}],
    [[], { PIP_INDEX_URL: REFUSING_INDEX }],
  ] as const) {
    const result = await runCli(['build', APP, ...args, '--tag', 'mwe-test/never-index'], env);
    assert.is(result.code, 1, result.stderr);
    const last = result.stderr.trim().split('\n').pop()!;
    assert.match(last, /^mwe-image: --mod-wsgi: cannot reach http:\/\/127\.0\.0\.1:9\/simple\/ \(ECONNREFUSED\) to find mod_wsgi; .*--find-links DIRECTORY/);
    assert.not.match(result.stderr, /\n\s+at /, 'no stack trace');
    assert.not.ok(await tagged('mwe-test/never-index'));
  }
});

packages('a directory of sdists builds offline when the index is unreachable', async () => {
  const wheelhouse = mkdtempSync(path.join(tmpdir(), 'mwe-sdists-'));
  const sdist = readdirSync(CACHE).find((name) => name === `mod_wsgi-${newest}.tar.gz`)!;
  copyFileSync(path.join(CACHE, sdist), path.join(wheelhouse, sdist));
  const result = await runCli(['build', APP, '--index-url', REFUSING_INDEX, '--find-links', wheelhouse, '--tag', 'mwe-test/index-offline', '--json']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stderr, /Note: could not read http:\/\/127\.0\.0\.1:9\/simple\/ \(ECONNREFUSED\); using mod_wsgi-[\d.]+\.tar\.gz found elsewhere/);
  assert.is(JSON.parse(result.stdout).modWsgi, newest);
});

packages.run();
