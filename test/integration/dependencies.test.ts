/** App dependencies: requirements.txt / pyproject.toml / uv, Poetry and Pipenv locks into /opt/venv (offline from a wheelhouse, or from PyPI), in a cached stage. */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { findImage } from '../../src/docker/engine.js';
import { fetchDistribution, findSourceDistribution, indexConfig } from '../../src/package-index.js';
import { buildAppWithoutCache, docker, execIn, removeContainer, runCli, startContainer, waitForHttp, type Running } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';

const deps = suite('app dependencies');
const running: Running[] = [];
const WHEELS = fixture('wheelhouse');

const temporary: string[] = [];

deps.after(async () => {
  await Promise.all(running.map(removeContainer));
  for (const directory of temporary) rmSync(directory, { recursive: true, force: true });
});

/** True when the build answered the dependency install step from the cache: progress shows only the steps that run. */
function installCached(stderr: string): boolean {
  assert.match(stderr, /\nBuilt in [\d.]+s: \d+ steps run, [1-9]\d* cached\n/);
  return !/^#\d+ .*install-dependencies\.sh/m.test(stderr);
}

deps('requirements.txt installed offline from --wheel-dir (with its dependency); the install layer is reused until requirements.txt changes', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mwe-deps-'));
  temporary.push(work);
  const app = path.join(work, 'app');
  cpSync(fixture('deps-app'), app, { recursive: true });
  const build = (): Promise<Awaited<ReturnType<typeof runCli>>> =>
    runCli(['build', path.join(app, 'wsgi.py'), '--wheel-dir', WHEELS, '--tag', 'mwe-test/deps']);
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
  // The virtualenv's own python (its scripts' interpreter) is the runtime image's python3.
  const venvPython = await execIn(server.container, ['/opt/venv/bin/python', '-c', 'import sys, mwe_greeting; print(sys.prefix)']);
  assert.is(venvPython.output.trim(), '/opt/venv');

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

deps('built again with no layer cache, the image with its virtualenv comes out the same: same image ID', async () => {
  const args = [fixture('deps-app', 'wsgi.py'), '--wheel-dir', WHEELS, '--tag', 'mwe-test/deps-no-cache'];
  const first = await buildAppWithoutCache(args);
  const second = await buildAppWithoutCache(args);
  assert.equal(second.layers, first.layers);
  assert.is(second.id, first.id);
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

  await docker
    .getImage('mwe-test/deps-offline')
    .remove()
    .catch(() => undefined);
  // mod_wsgi (the default --mod-wsgi pypi) from a find-links directory, so that only the dependencies lack an index.
  const config = indexConfig({});
  const sdist = await fetchDistribution((await findSourceDistribution('mod_wsgi', undefined, config, '--mod-wsgi')).distribution, config, '--mod-wsgi');
  const links = mkdtempSync(path.join(os.tmpdir(), 'mwe-links-'));
  temporary.push(links);
  cpSync(sdist, path.join(links, path.basename(sdist)));
  const offline = await runCli([
    'build',
    fixture('deps-app', 'wsgi.py'),
    '--index-url',
    'http://127.0.0.1:9/simple/',
    '--find-links',
    links,
    '--tag',
    'mwe-test/deps-offline',
  ]);
  assert.is(offline.code, 1);
  assert.match(offline.stderr, /No matching distribution found for mwe-greeting==1\.0/);
  assert.match(offline.stderr.trimEnd().split('\n').pop()!, /^mwe-image: image build failed at RUN .*install-dependencies\.sh/);
  assert.not.ok(await findImage(docker, 'mwe-test/deps-offline'));
});

deps(
  "a requirement the toolchain's own Python packages meet (packaging: Debian's python3-packaging there) is installed all the same: the runtime image has none of them",
  async () => {
    const app = mkdtempSync(path.join(os.tmpdir(), 'mwe-deps-overlap-'));
    temporary.push(app);
    writeFileSync(path.join(app, 'requirements.txt'), 'packaging\n');
    writeFileSync(
      path.join(app, 'wsgi.py'),
      [
        'import packaging',
        'def application(environ, start_response):',
        '    body = packaging.__file__.encode()',
        "    start_response('200 OK', [('Content-Type', 'text/plain')])",
        '    return [body]',
        '',
      ].join('\n'),
    );
    const result = await runCli(['build', path.join(app, 'wsgi.py'), '--tag', 'mwe-test/deps-overlap']);
    assert.is(result.code, 0, result.stderr.slice(-3000));
    const server = await startContainer('mwe-test/deps-overlap');
    running.push(server);
    assert.is((await waitForHttp(server.url('/'))).body, '/opt/venv/site-packages/packaging/__init__.py');
  },
);

// One build per lock kind: the lock's tool is pip-installed into a throwaway virtualenv of the stage
// (from the same index, with the host's CA bundle), exports the pinned six, and pip installs that with its hashes.
for (const [kind, version, file] of [
  ['uv', '1.15.0', 'uv.lock'],
  ['poetry', '1.14.0', 'poetry.lock'],
  ['pipenv', '1.13.0', 'Pipfile.lock'],
] as const) {
  deps(`${file}: the locked six ${version} (not the newest) is what the image imports, and the ${kind} tool stays out of it`, async () => {
    const tag = `mwe-test/deps-lock-${kind}`;
    const result = await runCli(['build', fixture('lock-apps', kind, 'wsgi.py'), '--tag', tag]);
    assert.is(result.code, 0, result.stderr.slice(-3000));
    assert.match(result.stderr, new RegExp(`Dependencies from \\S+/lock-apps/${kind}/${file.replace('.', '\\.')}: the locked versions, by ${kind}`));
    const server = await startContainer(tag);
    running.push(server);
    assert.is((await waitForHttp(server.url('/'))).body, `six ${version} from /opt/venv/site-packages/six.py`);
    const inside = await execIn(server.container, ['sh', '-c', 'ls /opt/venv/bin /opt/venv/site-packages']);
    assert.match(inside.output, /six-[\d.]+\.dist-info/);
    assert.not.match(inside.output, /\b(uv|poetry|pipenv)\b/);
  });
}

deps.run();
