/**
 * --apache source: Apache httpd built in the toolchain from the apache2
 * upstream tarball in Debian's source archive, installed at /opt/apache, with
 * mod_wsgi compiled against its apxs; the runtime image carries only what runs.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { buildWithCli, docker, execIn, httpGet, removeContainer, runCli, serveImage, startContainer, waitForHttp, type Running } from '../helpers/docker.js';
import { curl } from '../helpers/curl.js';
import { readImagePath } from '../../src/docker/image-files.js';
import type { ToolchainFacts } from '../../src/toolchain-facts.js';
import { assertStopLetsRequestFinish } from '../helpers/graceful.js';
import { example, fixture } from '../helpers/paths.js';

const apache = suite('Apache built from source');
const running: Running[] = [];
const HELLO = 'mwe-apache/hello-source';
const APP = 'mwe-apache/app-source';

const serve = (image: string): Promise<Running> => serveImage(running, image);

/** Runs a shell command in a container of the image (no server) and returns its output. */
async function probe(image: string, script: string): Promise<string> {
  const server = await startContainer(image);
  try {
    return (await execIn(server.container, ['sh', '-c', script])).output;
  } finally {
    await removeContainer(server);
  }
}

async function toolchainFacts(image: string): Promise<ToolchainFacts> {
  const [file] = await readImagePath(docker, image, '/usr/local/lib/mwe-image/toolchain.json');
  return JSON.parse(file.content.toString('utf8')) as ToolchainFacts;
}

apache.before(async () => {
  await buildWithCli([example('hello', 'wsgi.py'), '--apache', 'source', '--tag', HELLO]);
  await buildWithCli([fixture('app', 'wsgi.py'), '--apache', 'source', '--url-alias', '/static/', fixture('app', 'static'), '--tag', APP]);
});

apache.after(async () => {
  await Promise.all(running.map(removeContainer));
});

apache('the example app answers 200 on 127.0.0.1 from the httpd at /opt/apache', async () => {
  const facts = await toolchainFacts(HELLO);
  assert.is(facts.apacheFrom, 'source');
  assert.is(facts.httpdExecutable, '/opt/apache/bin/httpd');
  assert.match(facts.apacheVersion, /^2\.4\.\d+$/);
  const server = await serve(HELLO);
  const response = await httpGet(server.url('/'));
  assert.is(response.status, 200);
  assert.is(response.body, 'Hello World!');
  assert.is(response.headers.server, 'Apache');
  // The Server header stays ProductOnly; apachectl -v and the startup line name the build.
  const version = await execIn(server.container, ['/opt/apache/bin/apachectl', '-v']);
  assert.is(version.code, 0, version.output);
  assert.match(version.output, new RegExp(`^Server version: Apache/${facts.apacheVersion.replace(/\./g, '\\.')} \\(Unix\\)$`, 'm'));
  const exe = await execIn(server.container, ['sh', '-c', 'for pid in $(pgrep -x httpd); do readlink /proc/$pid/exe; done | sort -u']);
  assert.is(exe.output.trim(), '/opt/apache/bin/httpd');
  const logs = (await server.container.logs({ stdout: true, stderr: true })).toString();
  assert.match(
    logs,
    new RegExp(
      `Apache/${facts.apacheVersion.replace(/\./g, '\\.')} \\(Unix\\) mod_wsgi/${facts.modWsgiVersion.replace(/\./g, '\\.')} Python/3\\.13 configured`,
    ),
  );
});

apache("the runtime image has no compiler, headers, apxs or Debian apache2, only /opt/apache's runtime files", async () => {
  const output = await probe(
    HELLO,
    [
      'command -v gcc cc make apxs apxs2 || echo no-build-tools',
      'ls /opt/apache',
      'ls /opt/apache/include /usr/include/apr-1.0 /usr/include/apache2 /opt/apache/manual /usr/sbin/apache2 2>&1 | grep -c "No such file"',
      'dpkg-query -W -f "\\${Package}\\n" | grep -E -- "-dev$|^apache2" || echo no-dev-or-apache2-packages',
    ].join('; '),
  );
  assert.match(output, /^no-build-tools$/m);
  assert.match(output, /^bin\nconf\nmodules$/m);
  assert.match(output, /^5$/m);
  assert.match(output, /^no-dev-or-apache2-packages$/m);
});

apache('static files get their type from /opt/apache/conf/mime.types; a graceful stop lets a request finish', async () => {
  const server = await serve(APP);
  const file = await httpGet(server.url('/static/marker.txt'));
  assert.is(file.status, 200);
  assert.is(file.headers['content-type'], 'text/plain');
  const conf = await execIn(server.container, ['grep', '^TypesConfig', '/etc/mwe-image/httpd.conf']);
  assert.is(conf.output.trim(), "TypesConfig '/opt/apache/conf/mime.types'");
  await assertStopLetsRequestFinish(server);
});

apache('toolchain list shows the source-built Apache version', async () => {
  const { apacheVersion, modWsgiVersion } = await toolchainFacts(HELLO);
  const toolchain = (await docker.getImage(HELLO).inspect()).Config.Labels['io.mwe-image.toolchain'];
  const list = await runCli(['toolchain', 'list']);
  assert.is(list.code, 0, list.stderr);
  const line = list.stdout.split('\n').find((row) => row.startsWith(`${toolchain} `));
  assert.ok(line, list.stdout);
  assert.match(modWsgiVersion, /^([6-9]|\d\d)\./, 'the default mod_wsgi, from PyPI');
  assert.match(line!, new RegExp(`\\sApache ${apacheVersion.replace(/\./g, '\\.')} \\(source\\)\\s+mod_wsgi ${modWsgiVersion.replace(/\./g, '\\.')} `));
});

apache('an --apache URL that cannot be fetched fails the build with one line naming it', async () => {
  const url = 'http://127.0.0.1:9/httpd-2.4.99.tar.bz2';
  const result = await runCli(['build', example('hello', 'wsgi.py'), '--apache', url, '--tag', 'mwe-apache/never', '--quiet']);
  assert.is(result.code, 1);
  assert.is(result.stdout, '');
  assert.match(
    result.stderr.trim().split('\n').pop()!,
    new RegExp(
      `^mwe-image: image build failed at RUN sh /mwe/scripts/build-apache\\.sh compile: --apache: could not download ${url} \\(.*\\); check the URL \\(.*non-zero code: 1\\)$`,
    ),
  );
});

apache('mod_ssl, mod_proxy_http and the auth modules are built: HTTPS, a proxied path and Basic auth work', async () => {
  const tls = mkdtempSync(path.join(tmpdir(), 'mwe-source-tls-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'server.key',
        '-out',
        'server.crt',
        '-days',
        '2',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { cwd: tls, stdio: 'pipe' },
    );
    const tag = 'mwe-apache/features-source';
    // /via/ is proxied back to this Apache's own port: the credentials travel with the request.
    await buildWithCli([
      fixture('auth', 'wsgi.py'),
      '--apache',
      'source',
      '--tag',
      tag,
      '--allow-outside-paths',
      '--https-port',
      '8443',
      '--ssl-certificate',
      path.join(tls, 'server'),
      '--auth-user-script',
      fixture('auth', 'users.py'),
      '--proxy-mount-point',
      '/via/',
      'http://127.0.0.1:8000/',
    ]);
    const server = await startContainer(tag, {
      hostConfig: {
        PortBindings: {
          '8000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
          '8443/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }],
        },
      },
    });
    running.push(server);
    await waitForHttp(server.url('/'));
    assert.is((await curl(server.url('/'))).status, 401);
    assert.is((await curl(server.url('/'), ['-u', 'alice:secret'])).body, 'user=alice');
    assert.is((await curl(server.url('/via/'), ['-u', 'alice:secret'])).body, 'user=alice');
    const httpsPort = (await server.container.inspect()).NetworkSettings.Ports['8443/tcp']![0].HostPort;
    const secure = await curl(`https://127.0.0.1:${httpsPort}/`, ['--cacert', path.join(tls, 'server.crt'), '-u', 'bob:secret']);
    assert.is(secure.status, 200, secure.stderr);
    assert.is(secure.body, 'user=bob');
  } finally {
    rmSync(tls, { recursive: true, force: true });
  }
});

apache.run();
