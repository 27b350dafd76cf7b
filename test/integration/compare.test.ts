/**
 * Side by side with the real mod_wsgi-express 6 from PyPI (installed on this
 * host by scripts/reference-express.sh, the same mod_wsgi version our image was
 * built with): same options, same requests, same status and key headers, and
 * the same generated telemetry and free-threading directives. Where the seed
 * says otherwise (an --url-alias missing its trailing slash) the difference is
 * asserted: ours must do what the seed describes.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  buildWithCli,
  httpGet,
  removeContainer,
  runCli,
  startContainer,
  startOnHostNetwork,
  waitForHttp,
  type HttpResponse,
  type Running,
} from '../helpers/docker.js';
import { fixture, ROOT } from '../helpers/paths.js';

const compare = suite('against mod_wsgi-express 6');
const SITE = fixture('site');
const site = (...parts: string[]) => path.join(SITE, ...parts);
/** Where scripts/reference-express.sh keeps its venv (one version at a time, reinstalled when the version changes). */
const REFERENCE_DIR = '/tmp/mwe-reference';
let express = '';
let version = '';
let work = '';
const running: Running[] = [];
const servers: ChildProcess[] = [];

compare.before(async () => {
  work = mkdtempSync(path.join(tmpdir(), 'mwe-compare-'));
  chmodSync(work, 0o755); // Apache's children (www-data) read the server roots under it
  // Ours takes the default mod_wsgi source (the newest release on PyPI); the reference is the version it resolved to.
  const built = await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/compare-base', '--json']);
  version = (JSON.parse(built.stdout) as { modWsgi: string }).modWsgi;
  assert.match(version, /^6\.\d+\.\d+$/, `our image reports mod_wsgi ${version}`);
  const reference = spawnSync('bash', [path.join(ROOT, 'scripts', 'reference-express.sh'), version, REFERENCE_DIR], { encoding: 'utf8' });
  assert.is(reference.status, 0, reference.stderr.slice(-2000));
  express = reference.stdout.trim().split('\n').pop()!;
});

compare.after(async () => {
  for (const server of servers)
    if (server.pid)
      try {
        process.kill(-server.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
  await Promise.all(running.map(removeContainer));
  rmSync(work, { recursive: true, force: true });
});

/** Starts mod_wsgi-express on 127.0.0.1 with the options; resolves to its base URL. */
async function startExpress(options: string[]): Promise<string> {
  const port = 21000 + Math.floor(Math.random() * 9000);
  const child = spawn(
    express,
    [
      'start-server',
      site('wsgi.py'),
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--user',
      'www-data',
      '--group',
      'www-data',
      '--log-to-terminal',
      '--working-directory',
      SITE,
      '--server-root',
      path.join(work, `root-${port}`),
      ...options,
    ],
    { detached: true, stdio: 'ignore' },
  );
  servers.push(child);
  const base = `http://127.0.0.1:${port}`;
  await waitForHttp(`${base}/`, 30);
  return base;
}

async function startOurs(tag: string, options: string[]): Promise<string> {
  await buildWithCli([site('wsgi.py'), '--tag', tag, ...options]);
  const server = await startContainer(tag);
  running.push(server);
  await waitForHttp(server.url('/'));
  return `http://127.0.0.1:${server.port}`;
}

const KEY_HEADERS = ['content-type', 'content-encoding', 'location'];
/** Status and key headers; the port in a Location differs by construction. */
const summary = (response: HttpResponse): Record<string, string | number> => ({
  status: response.status,
  ...Object.fromEntries(KEY_HEADERS.map((name) => [name, String(response.headers[name] ?? '').replace(/:\d+\//, ':PORT/')])),
});

interface Case {
  name: string;
  options: string[];
  requests: { path: string; headers?: Record<string, string> }[];
}

const CASES: Case[] = [
  {
    name: 'url-alias',
    options: ['--url-alias', '/static/', site('public') + '/'],
    requests: [{ path: '/static/index.html' }, { path: '/static/missing.txt' }, { path: '/app/hello' }],
  },
  {
    name: 'document-root',
    options: ['--document-root', site('public'), '--directory-index', 'index.html'],
    requests: [{ path: '/' }, { path: '/index.html' }, { path: '/app/hello' }],
  },
  {
    name: 'error-override',
    options: ['--document-root', site('public'), '--error-document', '500', '/errors/500.html', '--error-override'],
    requests: [{ path: '/app/error' }],
  },
  { name: 'compress', options: ['--compress-responses'], requests: [{ path: '/app/big', headers: { 'Accept-Encoding': 'gzip' } }, { path: '/app/big' }] },
  { name: 'setenv', options: ['--setenv', 'SETENV_KEY', 'some value'], requests: [{ path: '/app/environ' }] },
  {
    name: 'server-name',
    options: ['--server-name', 'www.example.test'],
    requests: [
      { path: '/app/hello', headers: { Host: 'www.example.test' } },
      { path: '/app/hello', headers: { Host: 'example.test' } },
    ],
  },
];

for (const testCase of CASES) {
  compare(`${testCase.name}: same status and key headers`, async () => {
    const theirs = await startExpress(testCase.options);
    const ours = await startOurs(`mwe-test/compare-${testCase.name}`, testCase.options);
    for (const request of testCase.requests) {
      const expected = await httpGet(`${theirs}${request.path}`, 15000, request.headers);
      const actual = await httpGet(`${ours}${request.path}`, 15000, request.headers);
      const label = `${request.path} ${JSON.stringify(request.headers ?? {})}`;
      assert.equal(summary(actual), summary(expected), label);
      if (testCase.name === 'setenv') assert.match(actual.body, /^SETENV_KEY=some value$/m);
    }
  });
}

compare('--url-alias without the trailing slash: mod_wsgi-express 6 answers 403, ours serves the file', async () => {
  const options = ['--url-alias', '/static/', site('public')];
  const theirs = await startExpress(options);
  const ours = await startOurs('mwe-test/compare-alias-slash', options);
  // Express writes Alias '/static/' 'DIR': /static/index.html maps to DIRindex.html.
  assert.is((await httpGet(`${theirs}/static/index.html`)).status, 403);
  const response = await httpGet(`${ours}/static/index.html`);
  assert.is(response.status, 200);
  assert.match(response.body, /site index/);
});

compare('--allow-localhost: loopback clients get in, as with mod_wsgi-express 6', async () => {
  const options = ['--server-name', 'www.example.test', '--allow-localhost'];
  const theirs = await startExpress(options);
  const expected = await httpGet(`${theirs}/app/hello`, 15000, { Host: 'localhost' });
  await buildWithCli([site('wsgi.py'), '--tag', 'mwe-test/compare-localhost', ...options]);
  const ours = await startOnHostNetwork('mwe-test/compare-localhost');
  running.push(ours);
  const actual = await httpGet(ours.url('/app/hello'), 15000, { Host: 'localhost' });
  assert.equal(summary(actual), summary(expected));
  assert.is(actual.status, 200);
});

const TELEMETRY = [
  '--telemetry-service',
  'unix:/tmp/x.sock',
  '--telemetry-interval',
  '2.5',
  '--slow-requests',
  '3',
  '--telemetry-options',
  '+CaptureUserAgent',
];
const DIRECTIVE = /^\s*(WSGITelemetryService|WSGISlowRequests|WSGITelemetryOptions|WSGIFreeThreading)\b/;

/**
 * The directive lines (trimmed) of a configuration that Apache would read:
 * with `defines`, <IfDefine NAME>/<IfDefine !NAME> blocks count only when
 * they hold for those -D names (express enables its optional directives so).
 */
function directives(config: string, defines?: Set<string>): string[] {
  const active: boolean[] = [];
  const lines: string[] = [];
  for (const line of config.split('\n')) {
    const open = /^\s*<IfDefine\s+(!?)([\w.-]+)\s*>/i.exec(line);
    if (open) {
      active.push(!defines || defines.has(open[2]) !== (open[1] === '!'));
    } else if (/^\s*<\/IfDefine\s*>/i.test(line)) {
      active.pop();
    } else if (active.every(Boolean) && DIRECTIVE.test(line)) {
      lines.push(line.trim().replace(/\s+/g, ' '));
    }
  }
  return lines;
}

compare('generated telemetry and free-threading directives match mod_wsgi-express 6', async () => {
  const root = path.join(work, 'setup-telemetry');
  const setup = spawnSync(express, ['setup-server', site('wsgi.py'), '--server-root', root, ...TELEMETRY], { encoding: 'utf8' });
  assert.is(setup.status, 0, setup.stderr);
  const httpdArgs = /^HTTPD_ARGS="(.*)"$/m.exec(readFileSync(path.join(root, 'apachectl'), 'utf8'))?.[1] ?? '';
  const defines = new Set([...httpdArgs.matchAll(/-D(\S+)/g)].map((match) => match[1]));
  const theirs = directives(readFileSync(path.join(root, 'httpd.conf'), 'utf8'), defines);
  assert.ok(theirs.length >= 3, `mod_wsgi-express ${version} enabled no telemetry directives (-D: ${[...defines].join(' ')})`);

  const config = await runCli(['config', site('wsgi.py'), ...TELEMETRY]);
  const ours = config.code === 0 ? directives(config.stdout) : [`(mwe-image config exited ${config.code}: ${config.stderr.trim().split('\n').pop()})`];
  // Apache reads different directives in any order; repeated ones (WSGITelemetryOptions) in theirs.
  const byName = (lines: string[]) => [...lines].sort((a, b) => a.split(' ')[0].localeCompare(b.split(' ')[0]));
  const sides = `\nmod_wsgi-express ${version}:\n  ${theirs.join('\n  ')}\nmwe-image config:\n  ${ours.join('\n  ')}\n`;
  assert.equal(byName(ours), byName(theirs), sides);

  // Neither turns the GIL off on a Python that has one: express refuses, and so does ours.
  const theirsFree = spawnSync(express, ['setup-server', site('wsgi.py'), '--server-root', path.join(work, 'setup-free'), '--free-threading'], {
    encoding: 'utf8',
  });
  assert.is(theirsFree.status, 2, theirsFree.stderr);
  assert.match(theirsFree.stderr, /--free-threading requires a Python build with free-threading support/);
  const oursFree = await runCli(['config', site('wsgi.py'), '--free-threading']);
  assert.is(oursFree.code, 2, oursFree.stderr);
  assert.match(oursFree.stderr.trim().split('\n').pop()!, /--free-threading: Python 3\.\d+t? in this toolchain is not a free-threaded build/);
});

/**
 * The lines of a configuration that the proxy, HTTPS and auth options
 * produce, each with the sections it sits in, normalized so the two sides
 * compare: quotes dropped, the port and the files named by their base names
 * (express writes host paths, ours the image's), express's `ServerName _wsgi_`
 * (ours refuses other names without naming the catch-all) and the readiness
 * path ours keeps open (over HTTP and without credentials) left out.
 */
function featureLines(config: string, port: string, defines?: Set<string>): string[] {
  const active: boolean[] = [];
  const sections: string[] = [];
  const lines: string[] = [];
  const normal = (line: string) =>
    line
      .trim()
      .replace(/\s+/g, ' ')
      .replace(/['"]/g, '')
      .replaceAll('${PORT}', port)
      .replace(/(^|\s)\S*\/([\w.-]+\.(crt|key|py))\b/g, '$1$2')
      .replace(/^(LoadModule \w+).*/, '$1');
  for (const raw of config.split('\n')) {
    const line = raw.trim();
    const define = /^<IfDefine\s+(!?)([\w.-]+)\s*>/i.exec(line);
    if (define) {
      active.push(!defines || defines.has(define[2]) !== (define[1] === '!'));
      continue;
    }
    if (/^<\/IfDefine\s*>/i.test(line)) {
      active.pop();
      continue;
    }
    if (!active.every(Boolean) || !line || line.startsWith('#') || /^<\/?IfModule/i.test(line)) continue;
    const open = /^<(VirtualHost|Location|LocationMatch|Directory|RequireAll)\b/i.exec(line);
    if (open) {
      sections.push(normal(line));
      continue;
    }
    if (/^<\//.test(line)) {
      sections.pop();
      continue;
    }
    const inHost = sections.some((section) => /^<(VirtualHost|Location)/i.test(section));
    const wanted =
      /^(SSL\w+|Header set Strict-Transport-Security|Proxy\w+|RequestHeader|Auth\w+|WSGIAuth\w+|WSGIAccessScript|Require (valid-user|wsgi-group)|Redirect)\b/.test(
        line,
      ) ||
      /^LoadModule (ssl|proxy|proxy_http|auth_basic|auth_digest|authz_user)_module\b/.test(line) ||
      (/^Listen\b/.test(line) && !sections.length) ||
      (inHost && /^(Rewrite\w+|ServerName|ServerAlias)\b/.test(line));
    const context = sections.join(' > ');
    if (!wanted || line === 'ServerName _wsgi_' || line.includes('/.mwe/ready') || context.includes('/.mwe/ready')) continue;
    lines.push(`${context ? `${context} | ` : ''}${normal(line)}`);
  }
  return lines.sort();
}

compare('generated proxy, HTTPS and auth configuration matches mod_wsgi-express 6 directive by directive', async () => {
  const files = path.join(work, 'feature-files');
  mkdirSync(files, { recursive: true });
  for (const name of ['server.crt', 'server.key', 'chain.crt', 'client-ca.crt']) writeFileSync(path.join(files, name), 'placeholder\n');
  const auth = (name: string) => fixture('auth', name);
  const cases: Record<string, string[]> = {
    proxy: [
      '--proxy-mount-point',
      '/ws/',
      'http://127.0.0.1:9000/',
      '--proxy-mount-point',
      '/api',
      'http://127.0.0.1:9001/',
      '--proxy-virtual-host',
      'echo.test',
      'http://127.0.0.1:9002/',
      '--proxy-timeout',
      '120',
    ],
    https: [
      '--server-name',
      'www.example.test',
      '--server-alias',
      'alias.example.test',
      '--https-port',
      '8443',
      '--https-only',
      '--hsts-policy',
      'max-age=300',
      '--ssl-certificate',
      path.join(files, 'server'),
      '--ssl-certificate-chain-file',
      path.join(files, 'chain.crt'),
      '--ssl-ca-certificate-file',
      path.join(files, 'client-ca.crt'),
      '--ssl-verify-client',
      '/secure',
      '--ssl-verify-client',
      '/admin',
      '--ssl-environment',
    ],
    'https-whole-site': [
      '--server-name',
      'example.test',
      '--https-port',
      '8443',
      '--ssl-certificate-file',
      path.join(files, 'server.crt'),
      '--ssl-certificate-key-file',
      path.join(files, 'server.key'),
      '--ssl-ca-certificate-file',
      path.join(files, 'client-ca.crt'),
    ],
    auth: [
      '--auth-type',
      'Digest',
      '--auth-user-script',
      auth('users.py'),
      '--auth-group-script',
      auth('groups.py'),
      '--auth-group',
      'admins',
      '--host-access-script',
      auth('host_access.py'),
    ],
    'auth-basic': ['--auth-user-script', auth('users.py')],
  };
  for (const [name, options] of Object.entries(cases)) {
    const root = path.join(work, `setup-${name}`);
    const setup = spawnSync(express, ['setup-server', site('wsgi.py'), '--server-root', root, ...options], { encoding: 'utf8' });
    assert.is(setup.status, 0, setup.stderr);
    const httpdArgs = /^HTTPD_ARGS="(.*)"$/m.exec(readFileSync(path.join(root, 'apachectl'), 'utf8'))?.[1] ?? '';
    const defines = new Set([...httpdArgs.matchAll(/-D(\S+)/g)].map((match) => match[1]));
    const theirs = featureLines(readFileSync(path.join(root, 'httpd.conf'), 'utf8'), '8000', defines);
    const config = await runCli(['config', site('wsgi.py'), '--allow-outside-paths', ...options]);
    assert.is(config.code, 0, config.stderr);
    const ours = featureLines(config.stdout, '8000');
    assert.ok(theirs.length > 3, `${name}: mod_wsgi-express ${version} wrote none of these directives`);
    assert.equal(ours, theirs, `${name}:\nmod_wsgi-express ${version}:\n  ${theirs.join('\n  ')}\nmwe-image config:\n  ${ours.join('\n  ')}\n`);
  }
});

/** Directive lines with their continuation lines joined, one string each, as Apache reads them. */
const joined = (config: string): string => config.replace(/\\\n\s*/g, ' ');

/** The options of the first WSGIDaemonProcess (the application's) among `names`, as name=value. */
function daemonOptions(config: string, names: string[], defines?: Set<string>): string[] {
  const line = activeLines(joined(config), defines).find((candidate) => /^WSGIDaemonProcess\b/.test(candidate)) ?? '';
  return line
    .split(/\s+/)
    .filter((word) => names.includes(word.split('=')[0]))
    .sort();
}

/** Lines (trimmed, spaces squeezed) inside the <IfDefine> blocks that hold for `defines` (all, without them). */
function activeLines(config: string, defines?: Set<string>): string[] {
  const active: boolean[] = [];
  const lines: string[] = [];
  for (const line of config.split('\n')) {
    const open = /^\s*<IfDefine\s+(!?)([\w.-]+)\s*>/i.exec(line);
    if (open) active.push(!defines || defines.has(open[2]) !== (open[1] === '!'));
    else if (/^\s*<\/IfDefine\s*>/i.test(line)) active.pop();
    else if (active.every(Boolean) && line.trim()) lines.push(line.trim().replace(/\s+/g, ' '));
  }
  return lines;
}

/** What express's setup-server writes for these options: the configuration and the -D names its apachectl passes. */
function expressSetup(name: string, options: string[]): { config: string; defines: Set<string> } {
  const root = path.join(work, name);
  const setup = spawnSync(express, ['setup-server', site('wsgi.py'), '--server-root', root, ...options], { encoding: 'utf8' });
  assert.is(setup.status, 0, setup.stderr);
  const httpdArgs = /^HTTPD_ARGS="(.*)"$/m.exec(readFileSync(path.join(root, 'apachectl'), 'utf8'))?.[1] ?? '';
  return { config: readFileSync(path.join(root, 'httpd.conf'), 'utf8'), defines: new Set([...httpdArgs.matchAll(/-D(\S+)/g)].map((match) => match[1])) };
}

async function oursConfig(options: string[]): Promise<string> {
  const config = await runCli(['config', site('wsgi.py'), ...options]);
  assert.is(config.code, 0, config.stderr.trim().split('\n').pop());
  return config.stdout;
}

/** mod_wsgi 6's daemon options and directives that mwe-image renders, by default and when given. */
const MWSGI6_DAEMON_OPTIONS = ['interrupt-timeout', 'response-flush-delay', 'switch-interval'];
const MWSGI6_CASES: [string, string[]][] = [
  ['defaults', []],
  ['given', ['--interrupt-timeout', '7', '--response-flush-delay', '20', '--switch-interval', '0.002']],
  ['whole-second switch interval', ['--switch-interval', '1']],
];

for (const [name, options] of MWSGI6_CASES) {
  compare(`mod_wsgi 6 daemon options and WSGISwitchInterval (${name}) match mod_wsgi-express 6`, async () => {
    const theirs = expressSetup(`setup-mwsgi6-${name.replace(/\W+/g, '-')}`, options);
    const ours = await oursConfig(options);
    const sides = (a: string[], b: string[]) => `\nmod_wsgi-express ${version}: ${a.join(' ')}\nmwe-image config: ${b.join(' ')}\n`;
    const theirsOptions = daemonOptions(theirs.config, MWSGI6_DAEMON_OPTIONS, theirs.defines);
    const oursOptions = daemonOptions(ours, MWSGI6_DAEMON_OPTIONS);
    assert.ok(theirsOptions.length >= 2, `express ${version} wrote no mod_wsgi 6 daemon options`);
    assert.equal(oursOptions, theirsOptions, sides(theirsOptions, oursOptions));
    const switchLines = (lines: string[]) => lines.filter((line) => line.startsWith('WSGISwitchInterval'));
    const theirsSwitch = switchLines(activeLines(theirs.config, theirs.defines));
    assert.equal(switchLines(activeLines(ours)), theirsSwitch, sides(theirsSwitch, switchLines(activeLines(ours))));
  });
}

compare('--enable-docs aliases /__wsgi__/docs and /__wsgi__/images to the mod_wsgi package as mod_wsgi-express 6 does', async () => {
  // The package directory differs (the host's venv, the image's site-packages): compare below it.
  const docs = (lines: string[]) =>
    lines
      .filter((line) => /^Alias \/__wsgi__\//.test(line) || line === 'DirectoryIndex index.html')
      .map((line) => line.replace(/'[^']*\/mod_wsgi\//, "'MOD_WSGI/"));
  const theirs = expressSetup('setup-docs', ['--enable-docs']);
  const expected = docs(activeLines(theirs.config, theirs.defines));
  assert.equal(expected, ["Alias /__wsgi__/docs 'MOD_WSGI/docs'", "Alias /__wsgi__/images 'MOD_WSGI/images'", 'DirectoryIndex index.html']);
  assert.equal(docs(activeLines(await oursConfig(['--enable-docs']))), expected);
  assert.equal(docs(activeLines(await oursConfig([]))), [], 'no aliases without --enable-docs');
});

compare.run();
