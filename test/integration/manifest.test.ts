/**
 * `mwe-image manifest` against real consumers: the Kubernetes output under
 * `podman kube play` (Debian's podman, the image moved over through the Engine
 * API's image export), the compose output under Debian's docker-compose;
 * deploy/kubernetes.yaml as the command writes it for the example app; the
 * failures that need the engine.
 *
 * podman on this kind of machine (rootful, no CAP_SYS_RESOURCE, cgroup v1 with
 * a cgroup2 hierarchy holding hugetlb, no systemd) needs a containers.conf,
 * written to the test's own directory and named by CONTAINERS_CONF:
 * - default_ulimits within the limits podman itself runs with: rootful podman
 *   asks 1048576 open files and processes for every container (the pod's
 *   infra container too), which the runtime cannot set without
 *   CAP_SYS_RESOURCE ("error setting rlimit type 7"), and podman lowers its
 *   own RLIMIT_NPROC to 32768 before it starts the runtime;
 * - runtime runc: Debian's crun 1.8 refuses the hybrid cgroup layout
 *   ("cgroups in hybrid mode not supported");
 * - cgroup_manager cgroupfs (no systemd to ask).
 * Stopping: `podman kube down` before podman 5.1 kills the containers at once
 * (podman issues 19135, 21767, 22397), and podman 4.3's `pod stop` stops the
 * infra container, and with it the pod's network, alongside the app container,
 * so the answer to a request in flight never leaves the pod. The app container
 * is stopped first as the kubelet stops it, SIGTERM and at most
 * terminationGracePeriodSeconds (`podman stop -t`; the infra container follows
 * by the pod's exit policy), then `kube down` removes the pod.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, docker, httpGet, runCli, until, waitFor200 } from '../helpers/docker.js';
import { freePort } from '../helpers/ports.js';
import { example, fixture, ROOT } from '../helpers/paths.js';

const manifest = suite('mwe-image manifest: podman kube play, docker-compose');
const IMAGE = 'mwe-manifest/app:latest';
/** The test image's stop delay and timeout, so the grace period is 1 + 8 + 5. */
const STOP_DELAY = 1;
const GRACE = 14;
let appPort = 0;

manifest.before(async () => {
  appPort = await freePort();
  await buildWithCli([fixture('app', 'wsgi.py'), '--tag', IMAGE, '--port', String(appPort), '--stop-delay', String(STOP_DELAY)]);
});

/** A GET whose connection is known to be established (`connected`) before its answer (`response`, never rejected). */
function slowRequest(url: string): { connected: Promise<void>; response: Promise<{ status: number; body: string; error: string }> } {
  let connected!: () => void;
  const connection = new Promise<void>((resolve) => (connected = resolve));
  const response = new Promise<{ status: number; body: string; error: string }>((resolve) => {
    const request = http.get(url, { agent: false, timeout: 30000 }, (answer) => {
      let body = '';
      answer.on('data', (chunk) => (body += chunk));
      answer.on('end', () => resolve({ status: answer.statusCode ?? 0, body, error: '' }));
    });
    request.on('socket', (socket) => socket.on('connect', connected));
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', (error) => {
      connected();
      resolve({ status: 0, body: '', error: error.message });
    });
  });
  return { connected: connection, response };
}

function expectOk(result: SpawnSyncReturns<string>, what: string): string {
  assert.is(result.status, 0, `${what} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

manifest('deploy/kubernetes.yaml is what the command writes for examples/hello built with its default tag', async () => {
  await buildWithCli([example('hello', 'wsgi.py')]);
  const result = await runCli(['manifest', 'mwe-app/hello:latest', '--kubernetes']);
  assert.is(result.code, 0, result.stderr);
  assert.fixture(readFileSync(path.join(ROOT, 'deploy', 'kubernetes.yaml'), 'utf8'), result.stdout);
  assert.match(result.stdout, /^# mwe-image manifest mwe-app\/hello:latest --kubernetes\n/);
  // --output writes the same text and says so on stderr; the image id names the image by its tag.
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-manifest-'));
  try {
    const id = (await docker.getImage('mwe-app/hello:latest').inspect()).Id;
    const written = await runCli(['manifest', id.slice('sha256:'.length, 19), '--output', path.join(work, 'k.yaml')]);
    assert.is(written.code, 0, written.stderr);
    assert.is(written.stdout, '');
    assert.match(written.stderr, /^wrote .*k\.yaml: Deployment and Service 'hello' for mwe-app\/hello:latest\n$/);
    assert.fixture(readFileSync(path.join(work, 'k.yaml'), 'utf8'), result.stdout);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

manifest('failures: unknown image, an image mwe-image did not build, a toolchain, an unwritable output: one line, exit 1', async () => {
  const base = process.env.MWE_BASE_IMAGE || 'debian:trixie-slim';
  const toolchain = (await docker.listImages({ filters: { label: ['io.mwe-image.kind=toolchain'] } }))
    .flatMap((image) => image.RepoTags ?? [])
    .find((tag) => tag.startsWith('mwe-image/toolchain:'))!;
  const cases: [string[], RegExp][] = [
    [['manifest', 'mwe-manifest/no-such-image:1'], /^mwe-image: no image 'mwe-manifest\/no-such-image:1' in the Docker engine/],
    [['manifest', base, '--compose'], /^mwe-image: image '.*' was not built by mwe-image build \(no io\.mwe-image\.port label\)/],
    [['manifest', toolchain], /is a mwe-image toolchain, not an app image/],
    [['manifest', IMAGE, '--output', '/nonexistent/mwe-image/k.yaml'], /^mwe-image: --output: cannot write '\/nonexistent\/mwe-image\/k\.yaml': ENOENT/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runCli(args);
    assert.is(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
    assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, pattern);
    assert.is(result.stdout, '');
  }
  const malformed = await runCli(['manifest', '<none>:<none>']);
  assert.is(malformed.code, 2, malformed.stderr);
  assert.match(malformed.stderr, /^mwe-image: IMAGE: '<none>:<none>' is not an image name or id \(the engine says: .*invalid reference format/);
  assert.is(malformed.stderr.trim().split('\n').length, 1, malformed.stderr);
});

/** Hard limit of this process for a /proc/self/limits row ("Max open files"). */
function hardLimit(row: string): number {
  const line = readFileSync('/proc/self/limits', 'utf8')
    .split('\n')
    .find((candidate) => candidate.startsWith(row))!;
  const hard = line.split(/\s{2,}/)[2];
  return hard === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(hard);
}

/** podman with the test's containers.conf (see the top of this file), in `work`. */
function podmanIn(work: string): { env: NodeJS.ProcessEnv; podman: (...args: string[]) => SpawnSyncReturns<string> } {
  assert.is(spawnSync('podman', ['--version']).status, 0, 'podman is missing: run scripts/provision.sh');
  const conf = path.join(work, 'containers.conf');
  writeFileSync(
    conf,
    [
      '[containers]',
      `default_ulimits = ["nofile=${Math.min(hardLimit('Max open files'), 1048576)}:${Math.min(hardLimit('Max open files'), 1048576)}", ` +
        `"nproc=${Math.min(hardLimit('Max processes'), 32768)}:${Math.min(hardLimit('Max processes'), 32768)}"]`,
      '[engine]',
      'runtime = "runc"',
      'cgroup_manager = "cgroupfs"',
      '',
    ].join('\n'),
  );
  const env = { ...process.env, CONTAINERS_CONF: conf };
  return { env, podman: (...args: string[]) => spawnSync('podman', args, { env, encoding: 'utf8' }) };
}

/** The image, from Docker's engine into podman's storage. */
async function loadIntoPodman(image: string, env: NodeJS.ProcessEnv): Promise<void> {
  const exported = await docker.getImage(image).get();
  const load = spawn('podman', ['load'], { env, stdio: ['pipe', 'ignore', 'pipe'] });
  let loadErrors = '';
  load.stderr.on('data', (chunk) => (loadErrors += chunk));
  exported.pipe(load.stdin);
  assert.is(await new Promise((resolve) => load.on('close', resolve)), 0, loadErrors);
}

/** The one change to a generated manifest: the port published on the host's loopback (in a cluster the Service does that). */
function publishedOnLoopback(manifest: string, hostPort: number): string {
  const published = manifest.replace(/^(\s+)containerPort: (\d+)$/m, `$&\n$1hostPort: ${hostPort}\n$1hostIP: 127.0.0.1`);
  assert.is.not(published, manifest);
  return published;
}

manifest('the Kubernetes manifest runs under podman kube play: ready, 200 on 127.0.0.1, non-root, read-only root, clean stop', async () => {
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-podman-'));
  const { env, podman } = podmanIn(work);
  const kubeFile = path.join(work, 'kube.yaml');
  const name = 'mwe-manifest-test';
  try {
    await loadIntoPodman(IMAGE, env);

    const generated = await runCli(['manifest', IMAGE, '--kubernetes', '--name', name, '--replicas', '1']);
    assert.is(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, new RegExp(`terminationGracePeriodSeconds: ${GRACE}\\n`));
    const hostPort = await freePort();
    writeFileSync(kubeFile, publishedOnLoopback(generated.stdout, hostPort));
    expectOk(podman('kube', 'play', '--replace', kubeFile), 'podman kube play');
    const pod = expectOk(podman('pod', 'ps', '--filter', `label=app.kubernetes.io/name=${name}`, '--format', '{{.Name}}'), 'pod ps').trim();
    const container = expectOk(podman('ps', '--filter', `label=app.kubernetes.io/name=${name}`, '--format', '{{.Names}}'), 'ps').trim();
    assert.ok(pod && container, `pod '${pod}', container '${container}'`);

    // Ready as the readiness probe sees it, then the app and the liveness probe as podman took it from the manifest.
    const url = (p: string) => `http://127.0.0.1:${hostPort}${p}`;
    await waitFor200(url('/.mwe/ready'), 60);
    const hello = await httpGet(url('/'));
    assert.is(hello.status, 200);
    assert.is(hello.body, 'Hello World!');
    expectOk(podman('healthcheck', 'run', container), 'podman healthcheck run (the livenessProbe)');

    // Non-root, read-only root with a writable /tmp, no capabilities, no new privileges, seccomp on.
    assert.is(expectOk(podman('exec', container, 'id', '-u'), 'id -u').trim(), '10001');
    assert.is(expectOk(podman('exec', container, 'id', '-g'), 'id -g').trim(), '0');
    const rootWrite = podman('exec', container, 'touch', '/probe');
    assert.is.not(rootWrite.status, 0);
    assert.match(rootWrite.stderr, /Read-only file system/);
    expectOk(podman('exec', container, 'touch', '/tmp/probe'), 'touch /tmp/probe');
    const status = expectOk(podman('exec', container, 'cat', '/proc/1/status'), 'cat /proc/1/status');
    assert.match(status, /^CapEff:\s+0+$/m);
    assert.match(status, /^NoNewPrivs:\s+1$/m);
    assert.match(status, /^Seccomp:\s+2$/m);
    const limits = expectOk(podman('inspect', container, '--format', '{{.HostConfig.Memory}} {{.HostConfig.ReadonlyRootfs}}'), 'inspect');
    assert.is(limits.trim(), `${512 * 2 ** 20} true`);

    // Stopped as the kubelet stops a container: SIGTERM, at most the grace period. The
    // readiness path turns 403 at once (the stop delay), the request in flight finishes.
    const slow = slowRequest(url('/slow?seconds=3'));
    await slow.connected;
    const stop = spawn('podman', ['stop', '-t', String(GRACE), container], { env, stdio: 'ignore' });
    const stopped = new Promise((resolve) => stop.on('close', resolve));
    await until('readiness 403 after SIGTERM', 5, async () => (await httpGet(url('/.mwe/ready'), 2000)).status === 403);
    const response = await slow.response;
    assert.is(response.status, 200, response.error);
    assert.is(response.body, 'slow done');
    assert.is(await stopped, 0);
    assert.is(expectOk(podman('inspect', container, '--format', '{{.State.ExitCode}}'), 'inspect').trim(), '0');
    expectOk(podman('kube', 'down', kubeFile), 'podman kube down');
    assert.is.not(podman('pod', 'exists', pod).status, 0, 'the pod is gone');
  } finally {
    podman('kube', 'down', kubeFile);
    podman('rmi', '--force', `localhost/${IMAGE}`);
    rmSync(work, { recursive: true, force: true });
  }
});

manifest('--server-root under podman kube play: an emptyDir at the server root, filled from the image by the init container, read-only root', async () => {
  const image = 'mwe-test/gaps-manifest-server-root:latest';
  const serverRoot = '/srv/mwe-root';
  await buildWithCli([fixture('app', 'wsgi.py'), '--tag', image, '--port', String(appPort), '--server-root', serverRoot]);
  const declared = Object.keys((await docker.getImage(image).inspect()).Config.Volumes ?? {});
  assert.equal(declared, [serverRoot], 'the build declares the server root a VOLUME');
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-podman-'));
  const { env, podman } = podmanIn(work);
  const kubeFile = path.join(work, 'kube.yaml');
  const name = 'mwe-manifest-server-root';
  const started = Math.floor(Date.now() / 1000);
  try {
    await loadIntoPodman(image, env);
    const generated = await runCli(['manifest', image, '--kubernetes', '--name', name, '--replicas', '1']);
    assert.is(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, new RegExp(`- name: image-volume-1\\n\\s+mountPath: ${serverRoot}\\n`));
    assert.match(generated.stdout, new RegExp(`command:\\n\\s+- cp\\n\\s+- "-R"\\n\\s+- ${serverRoot}/\\.\\n`));
    const hostPort = await freePort();
    // Podman 4.3 restarts an init container by the pod's restart policy (podman issue 16343), so
    // removing a finished "once" one (the default) races its restart: "failed to remove once init
    // container ... as it is running" (issue 18477). "always" keeps it; it runs to completion
    // before the app container starts (and again, by the same bug, copying the same files).
    // Podman 4.3 takes a Deployment's annotations from its own metadata, later ones from the template's.
    const keepInit = generated.stdout.replace(
      /^metadata:\n|^(\s+)template:\n(\s+)metadata:\n/gm,
      (line, _indent, inner = '') => `${line}${inner}  annotations:\n${inner}    io.podman.annotations.init.container.type: always\n`,
    );
    assert.is(keepInit.match(/init\.container\.type: always/g)?.length, 3);
    writeFileSync(kubeFile, publishedOnLoopback(keepInit, hostPort));
    expectOk(podman('kube', 'play', '--replace', kubeFile), 'podman kube play');
    // The app container (podman lists the init container too: kube play names them pod-container).
    const container = expectOk(podman('ps', '-a', '--filter', `label=app.kubernetes.io/name=${name}`, '--format', '{{.Names}}'), 'ps')
      .split('\n')
      .find((line) => line.endsWith(`-${name}`));
    assert.ok(container, 'the app container runs');

    const url = (p: string) => `http://127.0.0.1:${hostPort}${p}`;
    await waitFor200(url('/.mwe/ready'), 60);
    const hello = await httpGet(url('/'));
    assert.is(hello.status, 200);
    assert.is(hello.body, 'Hello World!');
    // The server root is the emptyDir, the rest read-only; its files are the init container's copy
    // (written now), not the image's (dated by the build) nor an empty directory.
    const mounts = expectOk(podman('inspect', container!, '--format', '{{range .Mounts}}{{.Destination}} {{end}}'), 'inspect mounts');
    assert.ok(mounts.split(' ').includes(serverRoot), `mounts: ${mounts}`);
    assert.match(podman('exec', container!, 'touch', '/probe').stderr, /Read-only file system/);
    expectOk(podman('exec', container!, 'touch', `${serverRoot}/probe`), `touch ${serverRoot}/probe`);
    const copied = Number(expectOk(podman('exec', container!, 'stat', '-c', '%Y', `${serverRoot}/httpd.conf`), 'stat httpd.conf').trim());
    assert.ok(copied >= started - 5, `httpd.conf dated ${copied}, the test started at ${started}`);
    expectOk(podman('healthcheck', 'run', container!), 'podman healthcheck run');
    // podman 4.3 can find the restarting init container's shm still mounted ("device or resource busy"): it goes on the next try.
    await until('podman kube down', 30, async () => podman('kube', 'down', kubeFile).status === 0);
  } finally {
    podman('kube', 'down', kubeFile);
    podman('rmi', '--force', `localhost/${image}`);
    rmSync(work, { recursive: true, force: true });
  }
});

/** Resolves with the first engine event `match` accepts from a stream opened before the action. */
function nextEvent(stream: NodeJS.ReadableStream, match: (event: Record<string, any>) => boolean, seconds: number): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`no matching engine event within ${seconds} s`)), seconds * 1000);
    const onData = (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines.filter(Boolean)) {
        const event = JSON.parse(line);
        if (match(event)) {
          clearTimeout(timer);
          stream.removeListener('data', onData);
          resolve(event);
          return;
        }
      }
    };
    stream.on('data', onData);
  });
}

manifest('the compose output runs under docker-compose: healthy, 200 on 127.0.0.1, down stops it with exit 0', async () => {
  if (spawnSync('docker-compose', ['version']).status !== 0) {
    const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose'], { encoding: 'utf8' });
    assert.is(install.status, 0, install.stderr);
  }
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-compose-manifest-'));
  const project = 'mwemanifest';
  const compose = (...args: string[]) => spawnSync('docker-compose', ['-p', project, ...args], { cwd: work, encoding: 'utf8' });
  const events = (await docker.getEvents({ filters: { label: [`com.docker.compose.project=${project}`], type: ['container'] } })) as NodeJS.ReadableStream;
  try {
    const generated = await runCli(['manifest', IMAGE, '--compose', '--name', 'app', '--output', path.join(work, 'docker-compose.yml')]);
    assert.is(generated.code, 0, generated.stderr);
    const file = readFileSync(path.join(work, 'docker-compose.yml'), 'utf8');
    assert.match(file, new RegExp(`- "127\\.0\\.0\\.1:${appPort}:${appPort}"`));
    assert.match(file, new RegExp(`stop_grace_period: "${GRACE}s"`));

    const healthy = nextEvent(events, (event) => event.Action === 'health_status: healthy', 90);
    expectOk(compose('up', '-d'), 'docker-compose up');
    const id: string = (await healthy).Actor.ID;
    const hello = await httpGet(`http://127.0.0.1:${appPort}/`);
    assert.is(hello.status, 200);
    assert.is(hello.body, 'Hello World!');
    const info = await docker.getContainer(id).inspect();
    assert.ok(info.HostConfig.ReadonlyRootfs);
    assert.equal(info.HostConfig.CapDrop, ['ALL']);
    assert.equal(info.HostConfig.SecurityOpt, ['no-new-privileges:true']);
    assert.equal(Object.keys(info.HostConfig.Tmpfs ?? {}), ['/tmp']);
    assert.is((info.Config as { StopTimeout?: number }).StopTimeout, GRACE);
    assert.equal(info.HostConfig.PortBindings[`${appPort}/tcp`], [{ HostIp: '127.0.0.1', HostPort: String(appPort) }]);

    const died = nextEvent(events, (event) => event.Action === 'die' && event.Actor?.ID === id, 60);
    expectOk(compose('down'), 'docker-compose down');
    assert.is((await died).Actor.Attributes.exitCode, '0');
  } finally {
    compose('down', '--timeout', '1');
    (events as unknown as { destroy?: () => void }).destroy?.();
    rmSync(work, { recursive: true, force: true });
  }
});

manifest.run();
