/**
 * Reproducible build contexts: the same inputs give the same tar bytes
 * whatever order they were added in, owned by root without names, host files
 * clamped to SOURCE_DATE_EPOCH when one is given; the epoch's default.
 */
import { mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appContext, sourceDateEpoch } from '../../src/app-image.js';
import { resolveBuildOptions } from '../../src/options.js';
import { planBuild } from '../../src/plan.js';
import type { Toolchain } from '../../src/toolchain.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';
import { recordedCommandLine } from '../../src/pipeline.js';
import { ContextBuilder } from '../../src/docker/context.js';
import { UsageError } from '../../src/errors.js';
import { stampedConfiguration, type ImageSettings } from '../../src/docker/image-times.js';

const reproducible = suite('reproducible contexts');

async function bytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function headers(stream: Readable): Promise<tar.Header[]> {
  const found: tar.Header[] = [];
  const extract = tar.extract();
  stream.pipe(extract);
  for await (const entry of extract) {
    found.push(entry.header);
    entry.resume();
  }
  return found;
}

function hostTree(): { directory: string; old: string; recent: string } {
  const directory = mkdtempSync(path.join(os.tmpdir(), 'mwe-repro-'));
  const old = path.join(directory, 'old.py');
  const recent = path.join(directory, 'recent.py');
  writeFileSync(old, 'old\n');
  writeFileSync(recent, 'recent\n');
  utimesSync(old, 1_000_000, 1_000_000);
  utimesSync(recent, 2_000_000, 2_000_000);
  return { directory, old, recent };
}

reproducible('the same entries in another order give the same tar, sorted, owned by root with no user or group names', async () => {
  const { directory } = hostTree();
  const one = new ContextBuilder()
    .addFile('Dockerfile', 'FROM x\n')
    .addDirectory('rootfs')
    .addHostPath('rootfs/app', directory)
    .addFile('config/httpd.conf', 'Listen 80\n');
  const two = new ContextBuilder()
    .addFile('config/httpd.conf', 'Listen 80\n')
    .addDirectory('rootfs')
    .addHostPath('rootfs/app', directory)
    .addFile('Dockerfile', 'FROM x\n');
  assert.ok((await bytes(one.toStream())).equals(await bytes(two.toStream())));
  const entries = await headers(one.toStream());
  const names = entries.map((header) => header.name);
  assert.equal(names, [...names].sort());
  assert.ok(entries.every((header) => header.uid === 0 && header.gid === 0 && !header.uname && !header.gname));
  assert.is(entries.find((header) => header.name === 'Dockerfile')!.mtime!.getTime(), 0, 'generated files at time 0');
});

reproducible('host files keep their time, clamped to SOURCE_DATE_EPOCH when one is given', async () => {
  const { directory } = hostTree();
  const times = async (context: ContextBuilder) =>
    Object.fromEntries((await headers(context.toStream())).map((header) => [header.name, header.mtime!.getTime() / 1000]));
  const kept = await times(new ContextBuilder().addHostPath('app', directory));
  assert.is(kept['app/old.py'], 1_000_000);
  assert.is(kept['app/recent.py'], 2_000_000);
  const clamped = await times(new ContextBuilder().addHostPath('app', directory).clampTimes(1_500_000));
  assert.is(clamped['app/old.py'], 1_000_000);
  assert.is(clamped['app/recent.py'], 1_500_000);
});

reproducible('SOURCE_DATE_EPOCH: taken when set, else the newest host file, else 0; anything but seconds is refused in one line', () => {
  const { directory } = hostTree();
  const context = new ContextBuilder().addFile('Dockerfile', 'FROM x\n').addHostPath('app', directory);
  assert.is(sourceDateEpoch(context, {}), 2_000_000);
  assert.is(sourceDateEpoch(context, { SOURCE_DATE_EPOCH: '1700000000' }), 1_700_000_000);
  assert.is(sourceDateEpoch(new ContextBuilder().addFile('Dockerfile', 'FROM x\n'), {}), 0);
  try {
    sourceDateEpoch(context, { SOURCE_DATE_EPOCH: 'yesterday' });
    assert.unreachable();
  } catch (error) {
    assert.instance(error, UsageError);
    assert.match((error as Error).message, /^SOURCE_DATE_EPOCH: 'yesterday' is not a number of seconds since 1970-01-01; /);
  }
});

reproducible("an app image's epoch is the app's newest file, not the time mwe-image's own scripts were checked out", () => {
  const { directory } = hostTree();
  const app = path.join(directory, 'wsgi.py');
  writeFileSync(app, 'def application(environ, start_response):\n    return []\n');
  utimesSync(app, 3_000_000, 3_000_000);
  const context = appContext(planBuild(app, resolveBuildOptions({})), { tag: 'toolchain', facts: TRIXIE_FACTS } as Toolchain, 'test');
  assert.is(sourceDateEpoch(context, {}), 3_000_000);
});

reproducible('the command line recorded in the image leaves out how progress was shown', () => {
  assert.is(recordedCommandLine(['build', 'app.py', '--progress', 'tty', '--port', '80']), 'mwe-image build app.py --port 80');
  assert.is(recordedCommandLine(['build', 'app.py', '--progress=plain']), 'mwe-image build app.py');
});

// As the engine reports a BuildKit image: history newest first, one entry per instruction.
const BUILT: ImageSettings = {
  Architecture: 'amd64',
  Os: 'linux',
  Config: { User: '10001:0', Env: ['LANG=C.UTF-8'], Cmd: null, Image: '', Volumes: null, Labels: { a: 'b' } },
  RootFS: { Layers: ['sha256:1', 'sha256:2', 'sha256:3'] },
};
const HISTORY = [
  { CreatedBy: 'LABEL a=b', Comment: 'buildkit.dockerfile.v0' },
  { CreatedBy: 'COPY rootfs/ / # buildkit', Comment: 'buildkit.dockerfile.v0' },
  { CreatedBy: 'USER 10001:0', Comment: 'buildkit.dockerfile.v0' },
  { CreatedBy: 'WORKDIR /srv/app', Comment: 'buildkit.dockerfile.v0' },
  { CreatedBy: 'ENV LANG=C.UTF-8', Comment: 'buildkit.dockerfile.v0' },
  { CreatedBy: 'COPY /rootfs/ / # buildkit', Comment: 'buildkit.dockerfile.v0' },
];

reproducible("an image's configuration at fixed times: every time the epoch, a layer per RUN/COPY/ADD/WORKDIR, unset settings left out", () => {
  const configuration = JSON.parse(stampedConfiguration(BUILT, HISTORY, 1_500_000_000) ?? 'null');
  assert.is(configuration.created, '2017-07-14T02:40:00.000Z');
  assert.equal(
    configuration.history.map((entry: { created: string; created_by: string; empty_layer?: boolean }) => [
      entry.created,
      entry.created_by,
      entry.empty_layer ?? false,
    ]),
    [
      ['2017-07-14T02:40:00.000Z', 'COPY /rootfs/ / # buildkit', false],
      ['2017-07-14T02:40:00.000Z', 'ENV LANG=C.UTF-8', true],
      ['2017-07-14T02:40:00.000Z', 'WORKDIR /srv/app', false],
      ['2017-07-14T02:40:00.000Z', 'USER 10001:0', true],
      ['2017-07-14T02:40:00.000Z', 'COPY rootfs/ / # buildkit', false],
      ['2017-07-14T02:40:00.000Z', 'LABEL a=b', true],
    ],
  );
  assert.equal(configuration.config, { User: '10001:0', Env: ['LANG=C.UTF-8'], Labels: { a: 'b' } });
  assert.equal(configuration.rootfs, { type: 'layers', diff_ids: ['sha256:1', 'sha256:2', 'sha256:3'] });
  assert.is(stampedConfiguration(BUILT, HISTORY, 1_500_000_000), stampedConfiguration(BUILT, HISTORY, 1_500_000_000));
  assert.is.not(stampedConfiguration(BUILT, HISTORY, 1_500_000_001), stampedConfiguration(BUILT, HISTORY, 1_500_000_000));
});

reproducible("a history that does not match the image's layers is not rewritten", () => {
  assert.is(stampedConfiguration(BUILT, HISTORY.slice(1, 3), 0), undefined);
  assert.is(stampedConfiguration({ ...BUILT, RootFS: { Layers: ['sha256:1'] } }, HISTORY, 0), undefined);
});

reproducible.run();
