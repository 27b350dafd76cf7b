/**
 * --auth-type, --auth-user-script, --auth-group-script, --auth-group and
 * --host-access-script: Python scripts run in Apache's own processes (as
 * mod_wsgi-express runs them), checked with curl on a published 127.0.0.1
 * port: 401 without or with wrong credentials and for a user outside the
 * group, 200 with the right ones, 403 from the host-access script; Basic and
 * Digest; the readiness path and the health check stay open.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { curl } from '../helpers/curl.js';
import { buildWithCli, execIn, removeContainer, serveImage, type Running } from '../helpers/docker.js';
import { fixture } from '../helpers/paths.js';

const auth = suite('auth');
const running: Running[] = [];
const script = (name: string) => fixture('auth', name);

auth.after(async () => {
  await Promise.all(running.map(removeContainer));
});

auth('Basic: user and group scripts, host access script', async () => {
  const tag = 'mwe-test/tls-auth-basic';
  await buildWithCli([
    script('wsgi.py'),
    '--tag',
    tag,
    '--auth-user-script',
    script('users.py'),
    '--auth-group-script',
    script('groups.py'),
    '--auth-group',
    'admins',
    '--host-access-script',
    script('host_access.py'),
  ]);
  const server = await serveImage(running, tag);

  const anonymous = await curl(server.url('/'));
  assert.is(anonymous.status, 401);
  assert.is(anonymous.headers['www-authenticate'], 'Basic realm="localhost:8000"');
  const alice = await curl(server.url('/'), ['-u', 'alice:secret']);
  assert.is(alice.status, 200, alice.body);
  assert.is(alice.body, 'user=alice');
  assert.is((await curl(server.url('/'), ['-u', 'alice:wrong'])).status, 401, 'wrong password');
  assert.is((await curl(server.url('/'), ['-u', 'mallory:secret'])).status, 401, 'unknown user');
  assert.is((await curl(server.url('/'), ['-u', 'bob:secret'])).status, 401, 'bob is not in admins');
  assert.is((await curl(server.url('/'), ['-u', 'alice:secret', '-H', 'X-Deny-Host: 1'])).status, 403, 'refused by the host access script');

  // Probes send no credentials: readiness and the health check still answer.
  assert.is((await curl(server.url('/.mwe/ready'))).status, 200);
  const health = await execIn(server.container, ['/usr/local/bin/mwe-healthcheck']);
  assert.is(health.code, 0, health.output);
});

auth('Digest: the user script gives the realm hash', async () => {
  const tag = 'mwe-test/tls-auth-digest';
  await buildWithCli([script('wsgi.py'), '--tag', tag, '--auth-type', 'Digest', '--auth-user-script', script('users.py')]);
  const server = await serveImage(running, tag);

  const anonymous = await curl(server.url('/'));
  assert.is(anonymous.status, 401);
  assert.match(anonymous.headers['www-authenticate'] ?? '', /^Digest realm="localhost:8000"/);
  const bob = await curl(server.url('/'), ['--digest', '-u', 'bob:secret']);
  assert.is(bob.status, 200, bob.body);
  assert.is(bob.body, 'user=bob');
  assert.is((await curl(server.url('/'), ['--digest', '-u', 'bob:wrong'])).status, 401);
  assert.is((await curl(server.url('/'), ['-u', 'bob:secret'])).status, 401, 'Basic credentials where Digest is asked for');
});

auth.run();
