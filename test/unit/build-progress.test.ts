/**
 * Build progress without an engine: BuildKit's trace decoded from a recorded
 * build (test/fixtures/buildkit: a cached step, a step logging to stdout and
 * stderr, a failing step), the same failure through the legacy builder's
 * stream, the plain and tty renderers, and the Dockerfile each builder reads.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import protobuf from 'protobufjs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BuildFollower, dockerfileFor, type BuildMessage } from '../../src/docker/build-stream.js';
import { decodeTrace, TRACE_ID } from '../../src/docker/buildkit-trace.js';
import { PlainRenderer, resolveProgressMode, TtyRenderer } from '../../src/docker/progress.js';
import { RuntimeFailure } from '../../src/errors.js';
import { packageRoot } from '../../src/paths.js';
import { fixture } from '../helpers/paths.js';

const progress = suite('build progress');

const recorded = (name: string): BuildMessage[] =>
  readFileSync(fixture('buildkit', name), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as BuildMessage);

progress('a recorded BuildKit trace decodes into vertexes with times, cached flags, errors and stdout/stderr logs', () => {
  const traces = recorded('failed-build.jsonl')
    .filter((message) => message.id === TRACE_ID)
    .map((message) => decodeTrace(message.aux as string));
  const vertexes = traces.flatMap((trace) => trace.vertexes);
  const last = (name: string) => vertexes.filter((vertex) => vertex.name === name).pop()!;
  assert.ok(last('[2/4] RUN echo cached-step').cached);
  const logged = last('[3/4] RUN echo "hello from the step" && echo "to stderr, recorded" >&2');
  assert.not.ok(logged.cached);
  assert.ok(logged.started! > 1.7e12 && logged.completed! >= logged.started!, 'times in milliseconds since the epoch');
  assert.match(last('[4/4] RUN echo "about to fail" && exit 3').error!, /exit code: 3$/);
  const logs = traces.flatMap((trace) => trace.logs).filter((log) => log.vertex === logged.digest);
  assert.equal(
    logs.map((log) => [log.stream, log.text]),
    [
      [2, 'to stderr, recorded\n'],
      [1, 'hello from the step\n'],
    ],
  );
});

/** Feeds a recorded stream to a follower with a plain renderer: its lines, and the failure it ends with. */
function replay(builder: 'buildkit' | 'legacy', name: string): { lines: string[]; failure: RuntimeFailure } {
  const lines: string[] = [];
  const follower = new BuildFollower(builder, new PlainRenderer((line) => lines.push(line)), 0);
  for (const message of recorded(name)) follower.message(message);
  try {
    follower.finish(0);
  } catch (error) {
    assert.instance(error, RuntimeFailure);
    return { lines, failure: error as RuntimeFailure };
  }
  throw new Error('the recorded build should fail');
}

progress(
  'plain progress of the recorded BuildKit build: a line at each start and end, cached and plumbing steps silent, the failing step named with its output',
  () => {
    const { lines, failure } = replay('buildkit', 'failed-build.jsonl');
    assert.is(lines.length, 5, lines.join('\n'));
    assert.is(lines[0], '#2 [3/4] RUN echo "hello from the step" && echo "to stderr, recorded" >&2');
    assert.match(lines[1], /^#2 done \d+\.\ds$/);
    assert.is(lines[2], '#3 [4/4] RUN echo "about to fail" && exit 3');
    assert.match(lines[3], /^#3 ERROR after \d+\.\ds$/);
    assert.match(lines[4], /^Build failed after /);
    assert.is(failure.message, 'image build failed at RUN echo "about to fail" && exit 3: the command returned a non-zero code: 3');
    assert.is(failure.detail, 'about to fail');
  },
);

progress("the legacy builder's stream gives the same steps, its ANSI colours and container chatter gone", () => {
  const { lines, failure } = replay('legacy', 'failed-build-legacy.jsonl');
  assert.equal(
    lines.filter((line) => !/ (done|ERROR after) /.test(line) && !line.startsWith('Build failed')),
    ['#2 [3/4] RUN echo "hello from the step" && echo "to stderr, recorded (legacy builder)" >&2', '#3 [4/4] RUN echo "about to fail" && exit 3'],
  );
  assert.is(failure.message, 'image build failed at RUN echo "about to fail" && exit 3: the command returned a non-zero code: 3');
  assert.is(failure.detail, 'about to fail');
});

progress("a failing step's own `mwe-image: ...` line leads the reason and is not repeated in the detail; only its last 40 lines are kept", () => {
  const follower = new BuildFollower('legacy', new PlainRenderer(() => undefined), 0);
  const stream = ['Step 1/2 : FROM base\n', 'Step 2/2 : RUN sh build.sh\n', ' ---> Running in 0123\n'];
  for (let line = 1; line <= 60; line += 1) stream.push(`line ${line}\n`);
  stream.push('mwe-image: --apache: httpd configure failed\n');
  for (const text of stream) follower.message({ stream: text });
  follower.message({ error: "The command '/bin/sh -c sh build.sh' returned a non-zero code: 1" });
  try {
    follower.finish(0);
    assert.unreachable();
  } catch (error) {
    const failure = error as RuntimeFailure;
    assert.is(failure.message, 'image build failed at RUN sh build.sh: --apache: httpd configure failed (the command returned a non-zero code: 1)');
    const detail = failure.detail!.split('\n');
    assert.is(detail.length, 39);
    assert.is(detail[0], 'line 22');
    assert.is(detail[38], 'line 60');
    assert.not.ok(failure.detail!.includes('mwe-image:'));
  }
});

/** A trace message as the engine sends it, encoded with the same message definitions. */
function traceMessage(trace: object): BuildMessage {
  const type = protobuf.loadSync(path.join(packageRoot(), 'proto', 'buildkit-status.proto')).lookupType('moby.buildkit.v1.StatusResponse');
  return { id: TRACE_ID, aux: Buffer.from(type.encode(type.fromObject(trace)).finish()).toString('base64') };
}

progress('parallel stages: the failing step is the one whose error failed the build, not a step canceled beside it', () => {
  const follower = new BuildFollower('buildkit', new PlainRenderer(() => undefined), 0);
  const failure = 'executor failed running [/bin/sh -c pip install -r requirements.txt]: exit code: 1';
  follower.message(
    traceMessage({
      vertexes: [
        { digest: 'sha256:a', name: '[stage-2 4/12] RUN apt-get update', started: { seconds: 1 } },
        { digest: 'sha256:b', name: '[dependencies 2/2] RUN pip install -r requirements.txt', started: { seconds: 2 } },
      ],
    }),
  );
  follower.message(
    traceMessage({ logs: [{ vertex: 'sha256:b', stream: 2, msg: Buffer.from('ERROR: No matching distribution found for mwe-greeting==1.0\n') }] }),
  );
  follower.message(
    traceMessage({
      vertexes: [
        { digest: 'sha256:a', name: '[stage-2 4/12] RUN apt-get update', started: { seconds: 1 }, completed: { seconds: 5 }, error: 'context canceled' },
        {
          digest: 'sha256:b',
          name: '[dependencies 2/2] RUN pip install -r requirements.txt',
          started: { seconds: 2 },
          completed: { seconds: 5 },
          error: failure,
        },
      ],
    }),
  );
  follower.message({ error: failure, errorDetail: { message: failure } });
  try {
    follower.finish(5000);
    assert.unreachable();
  } catch (error) {
    assert.is((error as RuntimeFailure).message, 'image build failed at RUN pip install -r requirements.txt: the command returned a non-zero code: 1');
    assert.is((error as RuntimeFailure).detail, 'ERROR: No matching distribution found for mwe-greeting==1.0');
  }
});

progress('plain: a step shows after a second of running, a heartbeat each minute with its last output line; a cached step makes no line', () => {
  const lines: string[] = [];
  const plain = new PlainRenderer((line) => lines.push(line));
  plain.start(1, 'RUN make', 0);
  plain.start(2, 'COPY . /', 0);
  plain.finish(2, { cached: true }, 10);
  plain.tick(500);
  assert.equal(lines, []);
  plain.tick(1000);
  assert.equal(lines, ['#1 RUN make']);
  plain.log(1, 'compiling foo.c');
  plain.tick(30_000);
  plain.tick(60_000);
  assert.is(lines[1], '#1 running 60.0s: compiling foo.c');
  plain.finish(1, { cached: false }, 61_234);
  plain.close('Built in 61.2s: 1 steps run, 1 cached');
  assert.equal(lines.slice(2), ['#1 done 61.2s', 'Built in 61.2s: 1 steps run, 1 cached']);
});

progress('tty: one live line per running step with time and last output, redrawn in place; finished steps collapse to done or cached', () => {
  let screen = '';
  const tty = new TtyRenderer(
    (text) => (screen += text),
    () => 60,
  );
  tty.start(1, 'RUN sh /mwe/scripts/build-python.sh', 0);
  tty.start(2, 'RUN sh /mwe/scripts/build-apache.sh', 0);
  tty.log(1, 'CPython make (about 10 minutes on 2 cores)');
  screen = '';
  tty.tick(12_300);
  assert.ok(screen.startsWith('\x1b[2F\x1b[J'), 'the live block is erased before it is drawn again');
  const live = screen.slice('\x1b[2F\x1b[J'.length).split('\n').filter(Boolean);
  assert.is(live.length, 2);
  assert.ok(
    live.every((line) => line.length <= 60),
    live.join('\n'),
  );
  assert.match(live[0], /^=> #1 RUN sh \/mwe\/scripts\/build-python\.sh 12\.3s \| CPython/);
  assert.is(live[1], '=> #2 RUN sh /mwe/scripts/build-apache.sh 12.3s');
  screen = '';
  tty.finish(2, { cached: false }, 20_000);
  assert.ok(screen.startsWith('\x1b[2F\x1b[J#2 RUN sh /mwe/scripts/build-apache.sh done 20.0s\n=> #1 '), JSON.stringify(screen));
  tty.start(3, 'COPY config/ /etc/mwe-image/', 20_000);
  tty.finish(3, { cached: true }, 20_000);
  assert.match(screen, /#3 COPY config\/ \/etc\/mwe-image\/ cached\n/);
  screen = '';
  tty.close('Built in 25.0s: 2 steps run, 1 cached');
  assert.is(screen, '\x1b[1F\x1b[JBuilt in 25.0s: 2 steps run, 1 cached\n');
});

progress('--progress auto is tty on a terminal and plain elsewhere; --quiet and quiet show nothing', () => {
  assert.is(resolveProgressMode('auto', false, true), 'tty');
  assert.is(resolveProgressMode('auto', false, false), 'plain');
  assert.is(resolveProgressMode('tty', false, false), 'tty');
  assert.is(resolveProgressMode('plain', false, true), 'plain');
  assert.is(resolveProgressMode('quiet', false, true), 'quiet');
  assert.is(resolveProgressMode('tty', true, true), 'quiet');
});

progress('the legacy builder reads RUN lines without --mount flags; a kept secret mount stays; BuildKit gets the Dockerfile as written', () => {
  const dockerfile = [
    'FROM base',
    'RUN --mount=type=cache,id=apt,target=/var/cache/apt,sharing=locked sh install.sh',
    'RUN --mount=type=cache,target=/root/.cache/pip --mount=type=secret,id=mwe-pip-sources ["/bin/sh","x.sh"]',
    'RUN echo --mount=type=cache,target=/x stays in the command',
  ].join('\n');
  assert.is(dockerfileFor('buildkit', dockerfile), dockerfile);
  assert.is(
    dockerfileFor('legacy', dockerfile),
    ['FROM base', 'RUN sh install.sh', 'RUN ["/bin/sh","x.sh"]', 'RUN echo --mount=type=cache,target=/x stays in the command'].join('\n'),
  );
  assert.match(
    dockerfileFor('legacy', dockerfile, (mount) => mount.startsWith('--mount=type=secret,')),
    /\nRUN --mount=type=secret,id=mwe-pip-sources \["\/bin\/sh","x\.sh"\]\n/,
  );
});

progress.run();
