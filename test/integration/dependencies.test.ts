/** App dependencies: requirements.txt / pyproject.toml into /opt/venv, offline from a wheelhouse, in a cached stage. */
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findImage } from '../../src/docker/engine.js';
import { docker, execIn, removeContainer, runCli, startContainer, waitForHttp, type Running } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';

const deps = suite('app dependencies');
const running: Running[] = [];
const WHEELS = fixture('wheelhouse');

deps.after(async () => {
  await Promise.all(running.map(removeContainer));
});

/** True when the build output shows the dependency install step answered from the cache. */
function installCached(stderr: string): boolean {
  return /install-dependencies\.sh[^\n]*\n ---> Using cache/.test(stderr);
}

deps('requirements.txt installed offline from --wheel-dir (with its dependency); the install layer is reused until requirements.txt changes', async () => {
  const app = path.join(mkdtempSync(path.join(os.tmpdir(), 'mwe-deps-')), 'app');
  cpSync(fixture('deps-app'), app, { recursive: true });
  const build = (): Promise<Awaited<ReturnType<typeof runCli>>> => runCli(['build', path.join(app, 'wsgi.py'), '--wheel-dir', WHEELS, '--tag', 'mwe-test/deps']);
  const first = await build();
  assert.is(first.code, 0, first.stderr.slice(-3000));
  const server = await startContainer('mwe-test/deps');
  running.push(server);
  assert.is((await waitForHttp(server.url('/'))).body, 'Hello from a wheel, requirements!');
  const inside = await execIn(server.container, ['sh', '-c', 'ls /opt/venv/site-packages; command -v gcc pip pip3 || true; ls /tmp/dependencies 2>&1 || true']);
  assert.match(inside.output, /mwe_greeting\.py/);
  assert.match(inside.output, /mwe_words\.py/);
  assert.not.match(inside.output, /\/gcc|\/pip/);
  assert.match(inside.output, /No such file or directory/);

  writeFileSync(path.join(app, 'wsgi.py'), `# an app change\n${readFileSync(path.join(app, 'wsgi.py'), 'utf8')}`);
  const appChanged = await build();
  assert.is(appChanged.code, 0, appChanged.stderr.slice(-3000));
  assert.ok(installCached(appChanged.stderr), 'an app change reuses the installed dependencies');

  // Unique content: the engine's cache also holds earlier runs of this test.
  writeFileSync(path.join(app, 'requirements.txt'), `mwe-greeting==1.0\nmwe-words==1.0  # ${Date.now()}\n`);
  const requirementsChanged = await build();
  assert.is(requirementsChanged.code, 0, requirementsChanged.stderr.slice(-3000));
  assert.not.ok(installCached(requirementsChanged.stderr), 'a requirements change installs again');
});

deps("pyproject.toml's [project] dependencies are installed (the app itself runs from /srv/app)", async () => {
  const result = await runCli(['build', fixture('pyproject-app', 'wsgi.py'), '--wheel-dir', WHEELS, '--tag', 'mwe-test/deps-pyproject']);
  assert.is(result.code, 0, result.stderr.slice(-3000));
  const server = await startContainer('mwe-test/deps-pyproject');
  running.push(server);
  assert.match((await waitForHttp(server.url('/'))).body, /^Hello from a wheel, pyproject! \(\/opt\/venv\/site-packages\/mwe_words\.py\)$/);
});

deps('--ignore-requirements skips them; without a reachable index the build stops at the install step and tags nothing', async () => {
  const ignored = await runCli(['build', fixture('deps-app', 'wsgi.py'), '--ignore-requirements', '--tag', 'mwe-test/deps-ignored', '--json']);
  assert.is(ignored.code, 0, ignored.stderr.slice(-3000));
  assert.not.match(ignored.stderr, /install-dependencies/);

  await docker.getImage('mwe-test/deps-offline').remove().catch(() => undefined);
  const offline = await runCli(['build', fixture('deps-app', 'wsgi.py'), '--index-url', 'http://127.0.0.1:9/simple/', '--tag', 'mwe-test/deps-offline']);
  assert.is(offline.code, 1);
  assert.match(offline.stderr, /No matching distribution found for mwe-greeting==1\.0/);
  assert.match(offline.stderr.trimEnd().split('\n').pop()!, /^mwe-image: image build failed at RUN .*install-dependencies\.sh/);
  assert.not.ok(await findImage(docker, 'mwe-test/deps-offline'));
});

deps.run();
