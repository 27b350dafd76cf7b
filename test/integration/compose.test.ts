/** docker-compose.yml: the local-dev service with the source bind-mounted and --reload-on-changes. */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, httpGet, waitForHttp } from '../helpers/docker.js';
import { ROOT } from '../helpers/paths.js';

const compose = suite('docker-compose local dev');

/** Debian's docker-compose, installed when missing. */
function dockerCompose(): string {
  if (spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status !== 0) {
    const install = spawnSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose'], { encoding: 'utf8' });
    assert.is(install.status, 0, install.stderr);
  }
  return 'docker-compose';
}

compose('docker-compose up serves the example; an edit shows on the next request without a rebuild', async () => {
  const command = dockerCompose();
  // A copy of the project files compose uses, so the edit does not touch the repository.
  const work = mkdtempSync(path.join(tmpdir(), 'mwe-compose-'));
  chmodSync(work, 0o755);
  cpSync(path.join(ROOT, 'docker-compose.yml'), path.join(work, 'docker-compose.yml'));
  cpSync(path.join(ROOT, 'examples'), path.join(work, 'examples'), { recursive: true });
  const run = (...args: string[]) => spawnSync(command, ['-p', 'mwetest', ...args], { cwd: work, encoding: 'utf8' });
  try {
    await buildWithCli([
      path.join(work, 'examples', 'hello', 'wsgi.py'),
      '--reload-on-changes',
      '--url-alias',
      '/static/',
      path.join(work, 'examples', 'hello', 'static') + '/',
      '--tag',
      'mwe-app/hello-dev',
    ]);
    const up = run('up', '-d');
    assert.is(up.status, 0, up.stderr);
    await waitForHttp('http://127.0.0.1:8000/', 30);
    assert.is((await httpGet('http://127.0.0.1:8000/')).body, 'Hello World!');
    assert.match((await httpGet('http://127.0.0.1:8000/static/site.css')).body, /font-family/);
    const script = path.join(work, 'examples', 'hello', 'wsgi.py');
    writeFileSync(script, readFileSync(script, 'utf8').replace("b'Hello World!'", "b'Hello from an edit!'"));
    let body = '';
    for (let attempt = 0; attempt < 40 && body !== 'Hello from an edit!'; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      body = await httpGet('http://127.0.0.1:8000/').then(
        (response) => response.body,
        () => '',
      );
    }
    assert.is(body, 'Hello from an edit!');
  } finally {
    run('down', '--timeout', '10');
    rmSync(work, { recursive: true, force: true });
  }
});

compose.run();
