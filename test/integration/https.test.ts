/**
 * --https-port and the SSL options: a CA, a server and a client certificate
 * made here with openssl, the image serving HTTPS on a published 127.0.0.1
 * port, checked with curl --cacert: 200 over HTTPS, the --https-only redirect
 * and HSTS header, client certificates required under --ssl-verify-client,
 * the key's mode in the image, an arbitrary UID in group 0, and a server root
 * written by setup-server --https-port whose apachectl start publishes HTTPS.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { curl } from '../helpers/curl.js';
import { buildWithCli, docker, execIn, removeContainer, runCli, until, type Running } from '../helpers/docker.js';
import { freePort } from '../helpers/ports.js';

const https = suite('HTTPS');
const TAG = 'mwe-test/tls-https';
let work = '';
let tls = '';
const running: Running[] = [];

const APP = `def application(environ, start_response):
    keys = ('wsgi.url_scheme', 'SSL_PROTOCOL', 'SSL_CLIENT_S_DN_CN', 'SSL_CLIENT_VERIFY')
    body = '\\n'.join('%s=%s' % (key, environ.get(key)) for key in keys).encode()
    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])
    return [body]
`;

const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { cwd: tls, stdio: 'pipe' });
};

/** A certificate for `name` signed by the test CA, with these subjectAltNames. */
function signed(name: string, altNames: string, usage: string): void {
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`);
  writeFileSync(path.join(tls, `${name}.ext`), `subjectAltName=${altNames}\nextendedKeyUsage=${usage}\n`);
  openssl(
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    path.join(work, 'ca', 'ca.crt'),
    '-CAkey',
    path.join(work, 'ca', 'ca.key'),
    '-CAcreateserial',
    '-out',
    `${name}.crt`,
    '-days',
    '2',
    '-extfile',
    `${name}.ext`,
  );
}

https.before(() => {
  work = mkdtempSync(path.join(tmpdir(), 'mwe-https-'));
  const ca = path.join(work, 'ca');
  tls = path.join(work, 'app', 'tls');
  mkdirSync(ca);
  mkdirSync(tls, { recursive: true });
  writeFileSync(path.join(work, 'app', 'wsgi.py'), APP);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=mwe-test CA'], {
    cwd: ca,
    stdio: 'pipe',
  });
  signed('server', 'IP:127.0.0.1,DNS:localhost', 'serverAuth');
  signed('client', 'DNS:client', 'clientAuth');
  execFileSync('cp', [path.join(ca, 'ca.crt'), path.join(tls, 'ca.crt')]);
});

https.after(async () => {
  await Promise.all(running.map(removeContainer));
  rmSync(work, { recursive: true, force: true });
});

interface TlsServer extends Running {
  httpsPort: number;
}

/** Starts the image with both ports published on 127.0.0.1 and waits until HTTPS answers. */
async function start(user?: string): Promise<TlsServer> {
  const container = await docker.createContainer({
    Image: TAG,
    User: user,
    ExposedPorts: { '8000/tcp': {}, '8443/tcp': {} },
    HostConfig: { PortBindings: { '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }], '8443/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
  });
  await container.start();
  const ports = (await container.inspect()).NetworkSettings.Ports;
  const port = Number(ports['8000/tcp']![0].HostPort);
  const httpsPort = Number(ports['8443/tcp']![0].HostPort);
  const server = { container, port, httpsPort, url: (urlPath = '/') => `http://127.0.0.1:${port}${urlPath}` };
  running.push(server);
  await until('HTTPS answers', 60, async () => (await curl(`https://127.0.0.1:${httpsPort}/`, ['--cacert', path.join(tls, 'ca.crt')])).status === 200);
  return server;
}

const CA = () => ['--cacert', path.join(tls, 'ca.crt')];

https('HTTPS with the test CA, --https-only redirect, HSTS, client certificates under --ssl-verify-client', async () => {
  await buildWithCli([
    path.join(work, 'app', 'wsgi.py'),
    '--tag',
    TAG,
    '--https-port',
    '8443',
    '--https-only',
    '--hsts-policy',
    'max-age=300; includeSubDomains',
    '--ssl-certificate',
    path.join(tls, 'server'),
    '--ssl-ca-certificate-file',
    path.join(tls, 'ca.crt'),
    '--ssl-verify-client',
    '/secure',
    '--ssl-environment',
  ]);
  const server = await start();
  const base = `https://127.0.0.1:${server.httpsPort}`;

  const secure = await curl(`${base}/hello`, CA());
  assert.is(secure.status, 200, secure.stderr);
  assert.match(secure.body, /^wsgi\.url_scheme=https$/m);
  assert.match(secure.body, /^SSL_PROTOCOL=TLSv1\.[23]$/m, '--ssl-environment passes the SSL variables');
  assert.is(secure.headers['strict-transport-security'], 'max-age=300; includeSubDomains');

  // Plain HTTP is redirected to the HTTPS port (the one inside the container), readiness excepted.
  const plain = await curl(server.url('/some/path?x=1'));
  assert.is(plain.status, 302);
  assert.is(plain.headers.location, 'https://127.0.0.1:8443/some/path?x=1');
  assert.is((await curl(server.url('/.mwe/ready'))).status, 200);

  // Without the CA the certificate is not trusted; without a client certificate /secure is refused.
  const untrusted = await curl(`${base}/hello`);
  assert.is(untrusted.exit, 60, `curl without --cacert: ${untrusted.stderr}`);
  const anonymous = await curl(`${base}/secure/page`, CA());
  assert.ok(anonymous.status !== 200, `no client certificate: ${anonymous.status} ${anonymous.stderr}`);
  assert.ok(anonymous.status === 403 || anonymous.exit !== 0, `refused by status or handshake: ${anonymous.status} ${anonymous.stderr}`);
  const withCertificate = await curl(`${base}/secure/page`, [...CA(), '--cert', path.join(tls, 'client.crt'), '--key', path.join(tls, 'client.key')]);
  assert.is(withCertificate.status, 200, withCertificate.stderr);
  assert.match(withCertificate.body, /^SSL_CLIENT_S_DN_CN=client$/m);
  assert.match(withCertificate.body, /^SSL_CLIENT_VERIFY=SUCCESS$/m);

  // The key: owner root, group 0, mode 0640; left out of the app's copy.
  const modes = await execIn(server.container, [
    'stat',
    '-c',
    '%a %u %g %n',
    '/etc/mwe-image/ssl/server.key',
    '/etc/mwe-image/ssl/server.crt',
    '/etc/mwe-image/ssl/client-ca.crt',
  ]);
  assert.is(
    modes.output
      .trim()
      .split('\n')
      .map((line) => line.trim())
      .join('\n'),
    '640 0 0 /etc/mwe-image/ssl/server.key\n644 0 0 /etc/mwe-image/ssl/server.crt\n644 0 0 /etc/mwe-image/ssl/client-ca.crt',
  );
  assert.is((await execIn(server.container, ['test', '-e', '/srv/app/tls/server.key'])).code, 1, 'the key is not in /srv/app');
  const health = await execIn(server.container, ['/usr/local/bin/mwe-healthcheck']);
  assert.is(health.code, 0, health.output);
});

https('an arbitrary UID in group 0 reads the key and serves HTTPS', async () => {
  const server = await start('12345:0');
  const response = await curl(`https://127.0.0.1:${server.httpsPort}/`, CA());
  assert.is(response.status, 200, response.stderr);
  const whoami = await execIn(server.container, ['id', '-u']);
  assert.is(whoami.output.trim(), '12345');
  const health = await execIn(server.container, ['/usr/local/bin/mwe-healthcheck']);
  assert.is(health.code, 0, health.output);
});

https("setup-server --https-port: the server root's apachectl start publishes the HTTPS port too", async () => {
  const root = path.join(work, 'server-root');
  const [port, httpsPort] = [await freePort(), await freePort()];
  const name = 'mwe-test-tls-setup-server';
  const written = await runCli([
    'setup-server',
    path.join(work, 'app', 'wsgi.py'),
    '--server-root',
    root,
    '--tag',
    'mwe-test/tls-setup-server',
    '--name',
    name,
    '--port',
    String(port),
    '--https-port',
    String(httpsPort),
    '--ssl-certificate',
    path.join(tls, 'server'),
  ]);
  assert.is(written.code, 0, written.stderr.slice(-3000));
  assert.is(JSON.parse(readFileSync(path.join(root, 'server.json'), 'utf8')).httpsPort, httpsPort);
  try {
    const started = await runCli(['apachectl', '--server-root', root, 'start']);
    assert.is(started.code, 0, started.stderr);
    assert.match(started.stderr, new RegExp(`on http://127\\.0\\.0\\.1:${port}/ and https://127\\.0\\.0\\.1:${httpsPort}/;`));
    const secure = await curl(`https://127.0.0.1:${httpsPort}/`, CA());
    assert.is(secure.status, 200, secure.stderr);
    assert.match(secure.body, /^wsgi\.url_scheme=https$/m);
    assert.is((await curl(`http://127.0.0.1:${port}/`)).status, 200);
    const status = await runCli(['apachectl', '--server-root', root, 'status']);
    assert.match(status.stdout, new RegExp(`and https://127\\.0\\.0\\.1:${httpsPort}/; healthy`));
  } finally {
    assert.is((await runCli(['apachectl', '--server-root', root, 'stop'])).code, 0);
  }
  const refused = await curl(`https://127.0.0.1:${httpsPort}/`, CA());
  assert.is(refused.exit, 7, `after apachectl stop: ${refused.status} ${refused.stderr}`);
  assert.is(
    await docker
      .getContainer(name)
      .inspect()
      .then(
        () => true,
        () => false,
      ),
    false,
    'apachectl stop removes the container',
  );
});

https.run();
