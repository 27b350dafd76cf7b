/** --emit-context: the contexts written to a directory build, with another builder's inputs only, an image that serves. */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildImage } from '../../src/docker/build-stream.js';
import { ContextBuilder } from '../../src/docker/context.js';
import { docker, removeContainer, runCli, startContainer, waitForHttp, type Running } from '../helpers/docker.js';
import { example } from '../helpers/paths.js';

const emit = suite('--emit-context');
let running: Running | undefined;

emit.after(async () => {
  await removeContainer(running);
});

/** A directory as a build context, the way a builder given only that directory sees it. */
function directoryContext(directory: string): ContextBuilder {
  const context = new ContextBuilder();
  for (const child of readdirSync(directory).sort()) context.addHostPath(child, path.join(directory, child), () => false);
  return context;
}

interface Step {
  context: string;
  tag: string;
  buildArgs: Record<string, string>;
  labels?: Record<string, string>;
}

emit('writes toolchain and app contexts that build and serve without mwe-image; refuses a non-empty directory', async () => {
  const directory = path.join(mkdtempSync(path.join(os.tmpdir(), 'mwe-emit-')), 'out');
  const images = (await docker.listImages()).length;
  const result = await runCli([
    'build',
    example('hello', 'wsgi.py'),
    '--emit-context',
    directory,
    '--tag',
    'mwe-test/emitted-app',
    '--url-alias',
    '/static/',
    example('hello', 'static'),
  ]);
  assert.is(result.code, 0, result.stderr.slice(-2000));
  assert.is(result.stdout, `${directory}\n`);
  assert.is((await docker.listImages()).length, images, 'no image is built by --emit-context');
  assert.ok(statSync(path.join(directory, 'build.sh')).mode & 0o100);
  const { steps } = JSON.parse(readFileSync(path.join(directory, 'build.json'), 'utf8')) as { steps: Step[] };
  assert.equal(
    steps.map((step) => step.context),
    ['toolchain', 'app'],
  );
  assert.match(readFileSync(path.join(directory, 'app', 'config', 'httpd.conf'), 'utf8'), /Alias '\/static\/'/);
  assert.ok(statSync(path.join(directory, 'app', 'rootfs', 'srv', 'app', 'wsgi.py')).isFile());

  // Build from the directories with the recorded arguments (as kaniko would), under test tags.
  const toolchainTag = 'mwe-test/emitted-toolchain';
  await buildImage(docker, {
    context: directoryContext(path.join(directory, 'toolchain')).toStream(),
    tag: toolchainTag,
    buildArgs: steps[0].buildArgs,
    labels: steps[0].labels,
  });
  await buildImage(docker, {
    context: directoryContext(path.join(directory, 'app')).toStream(),
    tag: 'mwe-test/emitted-app',
    buildArgs: { ...steps[1].buildArgs, TOOLCHAIN_IMAGE: toolchainTag },
    labels: steps[1].labels,
  });
  running = await startContainer('mwe-test/emitted-app');
  assert.is((await waitForHttp(running.url('/'), 60)).body, 'Hello World!');
  assert.is((await waitForHttp(running.url('/static/'), 10)).status < 500, true);

  // Running it again replaces its own output; any other non-empty directory is refused.
  assert.is((await runCli(['build', example('hello', 'wsgi.py'), '--emit-context', directory])).code, 0);
  writeFileSync(path.join(path.dirname(directory), 'keep.txt'), 'user data');
  const refused = await runCli(['build', example('hello', 'wsgi.py'), '--emit-context', path.dirname(directory)]);
  assert.is(refused.code, 2);
  assert.match(refused.stderr, /^mwe-image: --emit-context: '.*' is not empty; give a new or empty directory\n$/);
  assert.is(readFileSync(path.join(path.dirname(directory), 'keep.txt'), 'utf8'), 'user data');
});

emit.run();
