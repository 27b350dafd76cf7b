/** The entrypoint as PID 1 and not: reaping, exec, exit status. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, docker, execIn, httpGet, removeContainer, startContainer, until, waitForHttp, type Running } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';

const entrypoint = suite('entrypoint');
const IMAGE = 'mwe-test/app';
const running: Running[] = [];

entrypoint.before(async () => {
  await buildWithCli([fixture('app', 'wsgi.py'), '--tag', IMAGE, '--url-alias', '/static/', fixture('app', 'static')]);
});

entrypoint.after(async () => {
  await Promise.all(running.map(removeContainer));
});

async function processTable(server: Running): Promise<string[][]> {
  const { output } = await execIn(server.container, ['ps', '-eo', 'pid=,ppid=,stat=,args=']);
  return output
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));
}

/** Runs a container to completion and returns its exit code and output. */
async function runToExit(options: { cmd?: string[]; env?: string[] }): Promise<{ code: number; stdout: string; stderr: string }> {
  const container = await docker.createContainer({ Image: IMAGE, Cmd: options.cmd, Env: options.env });
  try {
    await container.start();
    const result = await container.wait();
    const stdout = (await container.logs({ stdout: true, stderr: false })).toString();
    const stderr = (await container.logs({ stdout: false, stderr: true })).toString();
    return { code: result.StatusCode, stdout, stderr };
  } finally {
    await container.remove({ force: true });
  }
}

entrypoint('orphaned grandchildren are reaped by PID 1, no zombie stays', async () => {
  const server = await startContainer(IMAGE);
  running.push(server);
  await waitForHttp(server.url('/'));
  const pids: string[] = [];
  for (let round = 0; round < 3; round += 1) {
    const response = await httpGet(server.url('/orphan'));
    assert.is(response.status, 200);
    pids.push(response.body.trim());
  }
  // The orphans exit after 0.5 s; PID 1 must reap them: wait until none is listed, zombie or not.
  let table: string[][] = [];
  await until('the orphans reaped', 15, async () => {
    table = await processTable(server);
    return !table.some(([pid, , stat]) => pids.includes(pid) || stat.startsWith('Z'));
  }).catch(() => undefined);
  const zombies = table.filter(([, , stat]) => stat.startsWith('Z'));
  assert.equal(zombies, [], JSON.stringify(table));
  for (const pid of pids)
    assert.not.ok(
      table.some(([candidate]) => candidate === pid),
      `orphan ${pid} still listed`,
    );
});

entrypoint('when not PID 1 (docker run --init) it execs Apache and adds no process', async () => {
  const server = await startContainer(IMAGE, { hostConfig: { Init: true } });
  running.push(server);
  const response = await waitForHttp(server.url('/'));
  assert.is(response.body, 'Hello World!');
  const table = await processTable(server);
  assert.match(table.find(([pid]) => pid === '1')![3], /docker-init/);
  assert.not.ok(
    table.some((row) => row[3].includes('mwe-entrypoint')),
    JSON.stringify(table),
  );
  const apacheParent = table.find((row) => row[3].endsWith('apache2') && row[1] === '1');
  assert.ok(apacheParent, `Apache should be the direct child of the init: ${JSON.stringify(table)}`);
});

entrypoint('Apache failing to start gives a non-zero exit and its error on stderr', async () => {
  const result = await runToExit({ env: ['MWE_HTTPD_CONF=/etc/mwe-image/missing.conf'] });
  assert.is.not(result.code, 0);
  assert.match(result.stderr, /missing\.conf/);
});

entrypoint('a command given as arguments runs instead of Apache and its status is passed through', async () => {
  const result = await runToExit({ cmd: ['sh', '-c', 'echo from-command; exit 3'] });
  assert.is(result.code, 3);
  assert.match(result.stdout, /from-command/);
});

entrypoint.run();
