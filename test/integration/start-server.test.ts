/** `mwe-image start-server`: build, run in the foreground, logs here, Ctrl-C stops gracefully. */
import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { docker, httpGet, runCli, waitForHttp } from '../helpers/docker.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execIn } from '../helpers/docker.js';
import { CLI, example, fixture } from '../helpers/paths.js';

const startServer = suite('start-server');

startServer('serves in the foreground with logs on the terminal; Ctrl-C stops it gracefully with status 0', async () => {
  const port = 23000 + Math.floor(Math.random() * 5000);
  const child = spawn(process.execPath, [CLI, 'start-server', example('hello', 'wsgi.py'), '--tag', 'mwe-test/start-server', '--publish-port', String(port)]);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 120);
    assert.is((await httpGet(`http://127.0.0.1:${port}/`)).body, 'Hello World!');
    assert.match(stderr, new RegExp(`Serving mwe-test/start-server as container mwe-test-start-server on http://127\\.0\\.0\\.1:${port}/`));
    // Named after the tag (mwe-test/start-server:latest).
    assert.ok((await docker.getContainer('mwe-test-start-server').inspect()).State.Running);
    assert.match(stderr, /resuming normal operations/);
    child.kill('SIGINT');
    assert.is(await exited, 0);
    assert.match(stderr, /caught SIGWINCH, shutting down gracefully/);
    const left = await docker.listContainers({ all: true, filters: { ancestor: ['mwe-test/start-server'] } });
    assert.is(left.length, 0);
  } finally {
    child.kill('SIGKILL');
  }
});

startServer("the server's exit status is the command's", async () => {
  const result = await runCli([
    'start-server',
    example('hello', 'wsgi.py'),
    '--tag',
    'mwe-test/start-server',
    '--publish-port',
    String(28000 + Math.floor(Math.random() * 1000)),
    '--env',
    'PORT=not-a-port',
  ]);
  assert.is(result.code, 2);
  assert.match(result.stderr, /PORT='not-a-port' is not a whole number/);
});

startServer('--name names the container; a name another container holds is refused with the fix', async () => {
  const taken = await docker.createContainer({ Image: 'mwe-test/start-server', name: 'mwe-test-name-taken' });
  try {
    const refused = await runCli(['start-server', example('hello', 'wsgi.py'), '--tag', 'mwe-test/start-server', '--name', 'mwe-test-name-taken']);
    assert.is(refused.code, 2, refused.stderr);
    assert.match(
      refused.stderr.trim().split('\n').pop()!,
      /^mwe-image: --name: a container named mwe-test-name-taken exists; stop it \(docker rm -f mwe-test-name-taken\) or give another --name$/,
    );
    const badName = await runCli(['start-server', example('hello', 'wsgi.py'), '--name', '-bad/name']);
    assert.is(badName.code, 2);
    assert.match(badName.stderr, /^mwe-image: --name: '-bad\/name' is not a container name/);
  } finally {
    await taken.remove({ force: true });
  }
  const port = 23000 + Math.floor(Math.random() * 5000);
  const child = spawn(process.execPath, [
    CLI,
    'start-server',
    example('hello', 'wsgi.py'),
    '--tag',
    'mwe-test/start-server',
    '--publish-port',
    String(port),
    '--name',
    'mwe-test-named',
  ]);
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 120);
    const info = await docker.getContainer('mwe-test-named').inspect();
    assert.ok(info.State.Running);
    assert.is(info.Config.Image, 'mwe-test/start-server');
    child.kill('SIGTERM');
    assert.is(await exited, 0);
    assert.is(
      await docker
        .getContainer('mwe-test-named')
        .inspect()
        .then(
          () => 'left',
          () => 'gone',
        ),
      'gone',
    );
  } finally {
    child.kill('SIGKILL');
  }
});

startServer('--setup-only builds the image and runs nothing', async () => {
  const result = await runCli(['start-server', example('hello', 'wsgi.py'), '--tag', 'mwe-test/start-server', '--setup-only']);
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /^mwe-test\/start-server sha256:[0-9a-f]{64}\n$/);
  assert.is((await docker.listContainers({ all: true, filters: { ancestor: ['mwe-test/start-server'] } })).length, 0);
});

startServer('--toolchain-prefix and MWE_TOOLCHAIN_PREFIX keep toolchains apart; list and prune see only their own', async () => {
  const prefix = `mwe-test-prefix-${process.pid}`;
  const built = await runCli(['build', example('hello', 'wsgi.py'), '--tag', 'mwe-test/prefixed', '--json'], { MWE_TOOLCHAIN_PREFIX: prefix });
  assert.is(built.code, 0, built.stderr.slice(-2000));
  const toolchain = (JSON.parse(built.stdout) as { toolchain: string }).toolchain;
  assert.match(toolchain, new RegExp(`^${prefix}/toolchain:[0-9a-f]{16}$`));
  try {
    const listed = await runCli(['toolchain', 'list', '--toolchain-prefix', prefix]);
    assert.is(listed.code, 0, listed.stderr);
    assert.equal(
      listed.stdout
        .trim()
        .split('\n')
        .map((line) => line.split(/\s+/)[0]),
      [toolchain],
    );
    const everyone = await runCli(['toolchain', 'list']);
    assert.not.match(everyone.stdout, new RegExp(prefix), 'the default prefix lists none of them');
    // The option wins over the variable; a bad prefix is one line.
    const option = await runCli(['config', example('hello', 'wsgi.py'), '--toolchain-prefix', prefix], { MWE_TOOLCHAIN_PREFIX: 'Not Valid' });
    assert.is(option.code, 0, option.stderr);
    const bad = await runCli(['config', example('hello', 'wsgi.py')], { MWE_TOOLCHAIN_PREFIX: 'Not Valid' });
    assert.is(bad.code, 2);
    assert.match(bad.stderr, /^mwe-image: MWE_TOOLCHAIN_PREFIX: 'Not Valid' is not a repository name/);
    // Pruned once no image of its own uses it (the image under the default prefix is untouched).
    await docker.getImage('mwe-test/prefixed').remove();
    const pruned = await runCli(['toolchain', 'prune', '--toolchain-prefix', prefix]);
    assert.is(pruned.code, 0, pruned.stderr);
    assert.match(pruned.stdout, new RegExp(`^removed ${toolchain} `));
  } finally {
    await docker
      .getImage('mwe-test/prefixed')
      .remove()
      .catch(() => undefined);
    await docker
      .getImage(toolchain)
      .remove()
      .catch(() => undefined);
  }
});

/** Apache's processes in a container as uid and command. */
async function apacheUids(name: string): Promise<string[]> {
  const { output } = await execIn(docker.getContainer(name), ['ps', '-eo', 'uid=,args=']);
  return output
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([, command]) => /apache2|wsgi/.test(command))
    .map(([uid]) => uid);
}

startServer("--port 80 --user/--group: start-server and a server root's apachectl start as root, bind 80 and run the daemons as the account", async () => {
  const options = [fixture('app', 'wsgi.py'), '--tag', 'mwe-test/privileged', '--port', '80', '--user', 'www-data', '--group', 'www-data'];
  const port = 23000 + Math.floor(Math.random() * 5000);
  const child = spawn(process.execPath, [CLI, 'start-server', ...options, '--publish-port', String(port), '--name', 'mwe-test-privileged']);
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  try {
    await waitForHttp(`http://127.0.0.1:${port}/`, 180);
    assert.match((await httpGet(`http://127.0.0.1:${port}/whoami`)).body, /^uid=33 gid=33 /, stderr);
    const uids = await apacheUids('mwe-test-privileged');
    assert.ok(uids.includes('0'), `the parent keeps root to bind port 80: ${uids}`);
    assert.ok(uids.includes('33'), `children and daemons run as www-data: ${uids}`);
    child.kill('SIGINT');
    assert.is(await exited, 0);
  } finally {
    child.kill('SIGKILL');
  }

  const root = path.join(mkdtempSync(path.join(tmpdir(), 'mwe-privileged-')), 'server');
  const setup = await runCli(['setup-server', ...options, '--server-root', root, '--publish-port', String(port + 1), '--name', 'mwe-test-privileged-root']);
  assert.is(setup.code, 0, setup.stderr.slice(-2000));
  try {
    const started = await runCli(['apachectl', '--server-root', root, 'start']);
    assert.is(started.code, 0, started.stderr);
    assert.match((await httpGet(`http://127.0.0.1:${port + 1}/whoami`)).body, /^uid=33 gid=33 /);
    assert.ok((await apacheUids('mwe-test-privileged-root')).includes('0'));
  } finally {
    assert.is((await runCli(['apachectl', '--server-root', root, 'stop'])).code, 0);
    rmSync(path.dirname(root), { recursive: true, force: true });
  }
});

startServer.run();
