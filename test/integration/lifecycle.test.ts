/**
 * The entrypoint's stop, health and runtime-state rules: SIGTERM at any moment
 * from the entrypoint's first step (also while an envvars script runs) ends an idle
 * container with 0; MWE_STOP_DELAY fails the health check while requests are
 * still served; the health check asks as a client would (--server-name);
 * the runtime directory is group-writable and a root-owned volume on it does
 * not stop the server; an OOM-killed daemon process is reported.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type Docker from 'dockerode';
import {
  buildWithCli,
  containerOutput,
  docker,
  execIn,
  httpGet,
  until,
  removeContainer,
  startContainer,
  waitFor200,
  waitForHttp,
  type Running,
} from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';

const lifecycle = suite('lifecycle');
const APP = fixture('app', 'wsgi.py');
const IMAGE = 'mwe-test/lifecycle';
const running: Running[] = [];

lifecycle.before(async () => {
  await buildWithCli([APP, '--tag', IMAGE]);
});

lifecycle.after(async () => {
  await Promise.all(running.map(removeContainer));
});

/** Waits (bounded) for the container to exit; resolves to its status, or undefined after `seconds`. */
async function exitWithin(container: { wait: () => Promise<{ StatusCode: number }> }, seconds: number): Promise<number | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), seconds * 1000);
  });
  try {
    return await Promise.race([container.wait().then((result) => result.StatusCode), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once the container's PID 1 has a child, polled every millisecond: the entrypoint blocks
 * signals before it starts anything. A SIGTERM sent earlier can reach runc's init or the dynamic loader,
 * and the kernel drops it for a namespace's init without a handler: no entrypoint can see it. (Its
 * SigBlk is no observable: sigtimedwait unblocks the signals it waits for while it sleeps.)
 */
async function entrypointStarted(container: Docker.Container): Promise<void> {
  const pid = (await container.inspect()).State.Pid;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim()) return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`PID 1 of the container (host PID ${pid}) started no process within 5 s`);
}

lifecycle('SIGTERM at a random moment of the first second: every container exits 0, none waits for a hard kill (100 starts)', async () => {
  const slow: string[] = [];
  for (let batch = 0; batch < 50; batch += 1) {
    await Promise.all(
      [0, 1].map(async () => {
        const container = await docker.createContainer({ Image: IMAGE });
        try {
          await container.start();
          const started = Date.now();
          await entrypointStarted(container);
          const moment = Math.floor(Math.random() * 1000);
          await new Promise((resolve) => setTimeout(resolve, Math.max(0, moment - (Date.now() - started))));
          const sent = Date.now();
          await container.kill({ signal: 'SIGTERM' }).catch(() => undefined); // already gone is fine: its status is checked below
          const status = await exitWithin(container, 5);
          const took = Date.now() - sent;
          if (status !== 0) {
            const logs = (await container.logs({ stdout: true, stderr: true })).toString();
            slow.push(`SIGTERM after ${moment} ms: status ${status ?? 'still running after 5 s'}\n${logs.slice(-800)}`);
          } else if (took > 2000) {
            slow.push(`SIGTERM after ${moment} ms: exit 0 but ${took} ms later`);
          }
        } finally {
          await container.remove({ force: true });
        }
      }),
    );
  }
  assert.ok(slow.length === 0, slow.join('\n'));
});

lifecycle("SIGTERM while an --envvars-script runs: exit 0 without waiting for the script's sleep to matter", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'mwe-envvars-'));
  writeFileSync(path.join(dir, 'envvars'), 'sleep 3\nexport GREETING=late\n');
  await buildWithCli([APP, '--envvars-script', path.join(dir, 'envvars'), '--allow-outside-paths', '--tag', 'mwe-test/lifecycle-envvars']);
  const container = await docker.createContainer({ Image: 'mwe-test/lifecycle-envvars' });
  try {
    await container.start();
    // The envvars script is running (its sleep is in the process table).
    await until('the envvars script running', 10, async () => (await execIn(container, ['pgrep', '-x', 'sleep'])).code === 0);
    await container.kill({ signal: 'SIGTERM' });
    const status = await exitWithin(container, 6);
    assert.is(status, 0, `status ${status}: ${(await container.logs({ stdout: true, stderr: true })).toString().slice(-800)}`);
    const logs = (await container.logs({ stdout: true, stderr: true })).toString();
    assert.not.match(logs, /resuming normal operations/, 'Apache was never started');
  } finally {
    await container.remove({ force: true });
  }
});

lifecycle('MWE_STOP_DELAY: after SIGTERM the health check and /.mwe/ready fail at once, requests still get 200, then a graceful stop with 0', async () => {
  const server = await startContainer(IMAGE, { env: ['MWE_STOP_DELAY=4'] });
  running.push(server);
  await waitFor200(server.url('/'), 30);
  assert.is((await execIn(server.container, ['/usr/local/bin/mwe-healthcheck'])).code, 0);
  assert.is((await httpGet(server.url('/.mwe/ready'))).status, 200);
  const stopped = Date.now();
  await server.container.kill({ signal: 'SIGTERM' });
  let health = await execIn(server.container, ['/usr/local/bin/mwe-healthcheck']);
  for (let tries = 0; health.code === 0 && tries < 10; tries += 1) health = await execIn(server.container, ['/usr/local/bin/mwe-healthcheck']);
  assert.is(health.code, 1);
  assert.match(health.output, /unhealthy: stopping \(SIGTERM received\)/);
  for (let i = 0; i < 5; i += 1) assert.is((await httpGet(server.url('/'))).status, 200);
  assert.is((await httpGet(server.url('/.mwe/ready'))).status, 403, 'the readiness path tells load balancers to stop sending');
  assert.is(await exitWithin(server.container, 15), 0);
  assert.ok(Date.now() - stopped >= 4000, `stopped after ${Date.now() - stopped} ms, before the 4 s delay ran out`);
  const logs = (await server.container.logs({ stdout: true, stderr: true })).toString();
  assert.match(logs, /SIGTERM: health check failing, serving 4s more before the graceful stop/);
});

lifecycle('the health check asks with the --server-name host (the deny-all default host would hide a failing app)', async () => {
  await buildWithCli([APP, '--tag', 'mwe-test/lifecycle-named', '--server-name', 'app.example']);
  const server = await startContainer('mwe-test/lifecycle-named');
  running.push(server);
  await waitForHttp(server.url('/'));
  const healthy = await execIn(server.container, ['/usr/local/bin/mwe-healthcheck']);
  assert.is(healthy.code, 0, healthy.output);
  assert.match(healthy.output, /healthy: http:\/\/app\.example\/ \(127\.0\.0\.1 port 8000\) answered 200/);
  const failing = await execIn(server.container, ['env', 'MWE_HEALTHCHECK_PATH=/status?code=500', '/usr/local/bin/mwe-healthcheck']);
  assert.is(failing.code, 1, failing.output);
  assert.match(failing.output, /unhealthy: http:\/\/app\.example\/status\?code=500 .* answered 500/);
});

lifecycle('runtime directory: group-writable for any UID in group 0; a root-owned volume on it does not stop the server', async () => {
  const server = await startContainer(IMAGE);
  running.push(server);
  await waitForHttp(server.url('/'));
  const mode = await execIn(server.container, ['stat', '-c', '%a %g', '/tmp/mwe-image']);
  assert.match(mode.output.trim(), /^2775 0$/);
  const volume = `mwe-test-runtime-${process.pid}`;
  const onVolume = await startContainer(IMAGE, { hostConfig: { Binds: [`${volume}:/tmp/mwe-image`] } });
  running.push(onVolume);
  try {
    assert.is((await waitFor200(onVolume.url('/'), 30)).status, 200);
    const where = await execIn(onVolume.container, ['sh', '-c', 'ls /tmp/mwe-image-10001/httpd.pid']);
    assert.is(where.code, 0, where.output);
    assert.is((await execIn(onVolume.container, ['/usr/local/bin/mwe-healthcheck'])).code, 0);
  } finally {
    await removeContainer(onVolume);
    await docker
      .getVolume(volume)
      .remove()
      .catch(() => undefined);
  }
});

lifecycle('a full /tmp does not stop a running server, also through a graceful restart (SIGHUP)', async () => {
  const server = await startContainer(IMAGE, { hostConfig: { ReadonlyRootfs: true, Tmpfs: { '/tmp': 'size=4m' } } });
  running.push(server);
  await waitFor200(server.url('/'), 30);
  const fill = await execIn(server.container, ['sh', '-c', 'dd if=/dev/zero of=/tmp/filler bs=64k 2>&1; df -k /tmp | tail -1']);
  assert.match(fill.output, /No space left on device/);
  const daemon = async () => (await httpGet(server.url('/whoami'))).body.match(/pid=(\d+)/)?.[1];
  const before = await daemon();
  await server.container.kill({ signal: 'SIGHUP' });
  await until('a new daemon process answering', 30, async () => (await daemon()) !== before);
  for (let i = 0; i < 5; i += 1) assert.is((await httpGet(server.url('/'))).status, 200);
  assert.ok((await server.container.inspect()).State.Running, 'the container is still up');
});

lifecycle('a daemon process the kernel OOM-kills is reported in one line, and replaced', async () => {
  const server = await startContainer(IMAGE, { hostConfig: { Memory: 160 * 1024 * 1024, MemorySwap: 160 * 1024 * 1024 } });
  running.push(server);
  await waitFor200(server.url('/'), 30);
  await httpGet(server.url('/allocate?mb=400'), 30000).catch(() => undefined);
  const deadline = Date.now() + 20000;
  let logs = '';
  while (Date.now() < deadline) {
    logs = (await server.container.logs({ stdout: true, stderr: true })).toString();
    if (/OOM killer ended/.test(logs)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.match(logs, /mwe-entrypoint: the kernel's OOM killer ended 1 process in this container/);
  assert.is((await waitFor200(server.url('/'), 30)).status, 200);
});

lifecycle("--processes auto: daemon processes from the container's CPU quota and memory limit, decided at start", async () => {
  await buildWithCli([APP, '--processes', 'auto', '--tag', 'mwe-test/lifecycle-auto']);
  const env = (await docker.getImage('mwe-test/lifecycle-auto').inspect()).Config.Env ?? [];
  assert.ok(env.includes('MWE_PROCESSES=auto'), env.join(' '));
  const cases: [string, Record<string, number>, number][] = [
    ['--cpus 1 --memory 256m', { NanoCpus: 1e9, Memory: 256 * 2 ** 20, MemorySwap: 256 * 2 ** 20 }, 1],
    ['--cpus 2', { NanoCpus: 2e9 }, 2],
    ['--cpus 2 --memory 200m', { NanoCpus: 2e9, Memory: 200 * 2 ** 20, MemorySwap: 200 * 2 ** 20 }, 1],
  ];
  for (const [flags, hostConfig, expected] of cases) {
    const server = await startContainer('mwe-test/lifecycle-auto', { hostConfig });
    running.push(server);
    await waitFor200(server.url('/'), 30);
    const daemons = await execIn(server.container, ['sh', '-c', 'ps -eo args= | grep -c "^(wsgi:localhost"']);
    assert.is(daemons.output.trim(), String(expected), `${flags}: ${daemons.output}`);
    const logs = (await server.container.logs({ stdout: true, stderr: true })).toString();
    assert.match(logs, new RegExp(`MWE_PROCESSES=auto: ${expected} daemon process(es)? for`), flags);
    await removeContainer(server);
  }
});

lifecycle('--log-format json (and MWE_LOG_FORMAT=json at run time): every log line is a JSON object a collector can parse', async () => {
  await buildWithCli([APP, '--access-log', '--log-format', 'json', '--tag', 'mwe-test/lifecycle-json']);
  for (const [image, env] of [
    ['mwe-test/lifecycle-json', []],
    [IMAGE, ['MWE_LOG_FORMAT=json', 'MWE_LOG_LEVEL=info']],
  ] as [string, string[]][]) {
    const server = await startContainer(image, { env });
    running.push(server);
    await waitFor200(server.url('/'), 30);
    await httpGet(server.url('/missing?x="1"'), 5000, { 'User-Agent': 'json "probe"\ttab' });
    await httpGet(server.url('/crash'), 10000).catch(() => undefined); // a daemon process dies: Apache logs errors about it
    const deadline = Date.now() + 10000;
    let stdout = '';
    let stderr = '';
    while (Date.now() < deadline && !(stderr.includes('"module":"wsgi"') && (image === IMAGE || stdout.includes('"path":"/missing"')))) {
      ({ stdout, stderr } = await containerOutput(server.container));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const parse = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.trim())
        .map((line) => {
          try {
            return JSON.parse(line) as Record<string, unknown>;
          } catch {
            throw new Error(`${image}: not a JSON line: ${line}`);
          }
        });
    const errors = parse(stderr);
    assert.ok(
      errors.some((entry) => entry.log === 'error' && /resuming normal operations/.test(String(entry.message))),
      stderr.slice(-1500),
    );
    assert.ok(
      errors.some((entry) => entry.module === 'wsgi' && entry.level === 'error' && typeof entry.pid === 'number' && String(entry.message).length > 0),
      stderr.slice(-1500),
    );
    if (image === IMAGE) {
      assert.not.match(stdout, /"log":"access"/, 'the text image has no access log');
      continue;
    }
    const access = parse(stdout);
    const probe = access.find((entry) => entry.path === '/missing');
    assert.ok(probe, stdout.slice(-1500));
    assert.is(probe!.status, 200, 'the app answers every path');
    assert.is(probe!.method, 'GET');
    assert.is(typeof probe!.duration_us, 'number');
    // As Apache logs it: its escapes kept, so the line stays one line.
    assert.match(String(probe!.user_agent), /^json \\"probe\\"\\ttab$/);
    assert.ok(access.some((entry) => entry.path === '/' && entry.status === 200));
  }
});

lifecycle.run();
