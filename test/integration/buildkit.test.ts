/**
 * Builds on BuildKit: the image is BuildKit's, an unchanged rebuild runs no
 * step, prints at most 15 lines in plain mode and gives the same image ID, as
 * one built again with no layer cache does (its times are the epoch's, not
 * the build's); a changed app file gives another, building only the app's
 * layer; the creation label and time are the app's newest file time or
 * SOURCE_DATE_EPOCH; DOCKER_BUILDKIT=0 falls back to the legacy
 * builder with one notice line; a failing step shows its last lines and one
 * reason line.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildAppWithoutCache, docker, runCli, serveImage, removeContainer, type CliResult, type Running } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';
import { findImage } from '../../src/docker/engine.js';

const buildkit = suite('BuildKit builds');
const IMAGE = 'mwe-test/buildkit-app';
const app = path.join(mkdtempSync(path.join(tmpdir(), 'mwe-buildkit-')), 'hello');
const running: Running[] = [];

const build = (args: string[] = [], env: Record<string, string> = {}): Promise<CliResult> =>
  runCli(['build', path.join(app, 'wsgi.py'), '--tag', IMAGE, '--progress', 'plain', ...args], env);

/** The image ID a successful build printed (`TAG ID` on stdout). */
function imageId(result: CliResult): string {
  assert.is(result.code, 0, result.stderr.slice(-3000));
  const [tag, id] = result.stdout.trim().split(' ');
  assert.is(tag, IMAGE);
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  return id;
}

let first = '';

/** Every file of the app at `time`, wsgi.py at `newest`: the creation label's default is the newest. */
function setTimes(time: number, newest: number): void {
  for (const entry of readdirSync(app, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) utimesSync(path.join(entry.parentPath, entry.name), time, time);
  }
  utimesSync(path.join(app, 'wsgi.py'), newest, newest);
}

const NEWEST = 1_650_000_000;

buildkit.before(async () => {
  cpSync(example('hello'), app, { recursive: true });
  setTimes(1_600_000_000, NEWEST);
  first = imageId(await build());
});

buildkit.after(async () => {
  for (const server of running) await removeContainer(server);
});

buildkit('the image is built by BuildKit, serves, and is labelled with its newest file time, not the clock', async () => {
  const image = await docker.getImage(IMAGE).inspect();
  assert.is(image.Id, first);
  const history = await docker.getImage(IMAGE).history();
  assert.ok(
    history.some((entry: { Comment?: string }) => entry.Comment === 'buildkit.dockerfile.v0'),
    JSON.stringify(history.slice(0, 3)),
  );
  assert.is(image.Config.Labels['org.opencontainers.image.created'], new Date(NEWEST * 1000).toISOString());
  await serveImage(running, IMAGE, { ok: true });
});

buildkit('an unchanged rebuild runs no step, prints at most 15 lines in plain mode and gives the same image ID', async () => {
  const again = await build();
  assert.is(imageId(again), first);
  const lines = again.stderr.trimEnd().split('\n');
  assert.ok(lines.length <= 15, `${lines.length} lines:\n${again.stderr}`);
  assert.match(again.stderr, /\nBuilt in [\d.]+s: 0 steps run, \d+ cached\n/);
  assert.not.match(again.stderr, /\x1b\[/, 'no escape sequences without a terminal');
});

buildkit('built again with no layer cache, every step run again, the image comes out the same: same layers, same ID', async () => {
  const args = [path.join(app, 'wsgi.py'), '--tag', 'mwe-test/buildkit-no-cache'];
  const dangling = async () => (await docker.listImages({ filters: { dangling: ['true'] } })).map((image) => image.Id);
  // Besides the dangling ones, the image an earlier run tagged, which a new build's tag leaves dangling.
  const previous = (await findImage(docker, 'mwe-test/buildkit-no-cache'))?.Id;
  const danglingBefore = [...(await dangling()), ...(previous ? [previous] : [])];
  const first = await buildAppWithoutCache(args);
  const second = await buildAppWithoutCache(args);
  assert.equal(second.layers, first.layers);
  assert.is(second.id, first.id);
  const image = await docker.getImage(second.id).inspect();
  assert.is(image.Created, new Date(NEWEST * 1000).toISOString().replace('.000Z', 'Z'), "created at the app's newest file time, not the build's");
  const history = await docker.getImage(second.id).history();
  assert.equal([...new Set(history.map((entry: { Created: number }) => entry.Created))], [NEWEST]);
  // The image as BuildKit exported it (its own times) is removed, not left behind untagged.
  assert.equal(
    (await dangling()).filter((id) => !danglingBefore.includes(id)),
    [],
  );
  await serveImage(running, 'mwe-test/buildkit-no-cache', { ok: true });
});

buildkit('a changed app file gives another image ID; SOURCE_DATE_EPOCH sets the creation label', async () => {
  writeFileSync(path.join(app, 'wsgi.py'), `# changed\n${readFileSync(example('hello', 'wsgi.py'), 'utf8')}`);
  setTimes(1_600_000_000, NEWEST);
  const rebuilt = await build();
  const changed = imageId(rebuilt);
  assert.is.not(changed, first);
  // Only the app's layer is built again: the configtest before it comes from the cache.
  assert.match(rebuilt.stderr, /\nBuilt in [\d.]+s: 1 steps run, \d+ cached\n/);
  assert.match(rebuilt.stderr, /COPY rootfs\/ \//);
  assert.not.match(rebuilt.stderr, /configtest/);
  const dated = imageId(await build([], { SOURCE_DATE_EPOCH: '1500000000' }));
  const datedImage = await docker.getImage(dated).inspect();
  assert.is(datedImage.Config.Labels['org.opencontainers.image.created'], '2017-07-14T02:40:00.000Z');
  assert.is(datedImage.Created, '2017-07-14T02:40:00Z');
  assert.is(imageId(await build([], { SOURCE_DATE_EPOCH: '1500000000' })), dated, 'reproducible with SOURCE_DATE_EPOCH too');
  const bad = await build([], { SOURCE_DATE_EPOCH: 'yesterday' });
  assert.is(bad.code, 2);
  assert.match(bad.stderr, /^mwe-image: SOURCE_DATE_EPOCH: 'yesterday' is not a number of seconds since 1970-01-01; .*\n$/m);
});

buildkit('DOCKER_BUILDKIT=0: the legacy builder, announced in one line, builds the same Dockerfile without its cache mounts', async () => {
  const legacy = await runCli(['build', path.join(app, 'wsgi.py'), '--tag', 'mwe-test/buildkit-legacy', '--progress', 'plain'], { DOCKER_BUILDKIT: '0' });
  assert.is(legacy.code, 0, legacy.stderr.slice(-3000));
  const notices = legacy.stderr.split('\n').filter((line) => /legacy builder/.test(line));
  assert.equal(notices, ['Notice: DOCKER_BUILDKIT=0: building with the legacy builder (no parallel stages, cache mounts or build secrets)'], legacy.stderr);
  const history = await docker.getImage('mwe-test/buildkit-legacy').history();
  assert.not.ok(history.some((entry: { Comment?: string }) => entry.Comment === 'buildkit.dockerfile.v0'));
  assert.not.match(JSON.stringify(history), /--mount=/);
});

buildkit('a failing step: its last lines, then one line with the step and the reason, exit 1', async () => {
  const failed = await build(['--system-packages', 'mwe-no-such-package']);
  assert.is(failed.code, 1, failed.stderr.slice(-2000));
  const lines = failed.stderr.trimEnd().split('\n');
  assert.match(
    lines[lines.length - 1],
    /^mwe-image: image build failed at RUN apt-get update .*mwe-no-such-package.*: the command returned a non-zero code: 100$/,
  );
  assert.ok(
    lines.some((line) => /Unable to locate package mwe-no-such-package/.test(line)),
    failed.stderr.slice(-2000),
  );
  assert.not.match(failed.stderr, /\n\s+at /, 'no stack trace');
});

buildkit.run();
