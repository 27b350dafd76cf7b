/**
 * Bad input (issue #7): a table of invalid command lines run through the real
 * CLI, in this process (its main with the output captured; cli.test.ts runs
 * the executable itself). Each must end with exit code 2 and one line on
 * stderr that names the option, with no stack trace. DOCKER_HOST points
 * nowhere: an invocation that got past validation would reach for the engine
 * and fail with exit 1 instead, so none of these can build anything. (The ones
 * that need the engine are in test/integration/bad-input.test.ts.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { main } from '../../src/cli.js';
import { example, fixture } from '../helpers/paths.js';

const APP = example('hello', 'wsgi.py');
const FILE = fixture('app', 'wsgi.py');
const DIRECTORY = fixture('app');
const MISSING = '/nonexistent/mwe-image/missing';

/** [what is wrong, argv, what stderr must match (the option's name at least)] */
type Case = [string, string[], RegExp];

const build = (...args: string[]): string[] => ['build', APP, ...args];

export const USAGE_CASES: Case[] = [
  // Ports and numbers.
  ['port 0', build('--port', '0'), /--port: 0 is out of range/],
  ['port 70000', build('--port', '70000'), /--port: 70000 is out of range/],
  ['port abc', build('--port', 'abc'), /--port: 'abc' is not a whole number/],
  ['negative port', build('--port', '-1'), /--port/],
  ['fractional port', build('--port', '8000.5'), /--port: '8000.5' is not a whole number/],
  ['telemetry UI port 0', build('--telemetry-ui-port', '0'), /--telemetry-ui-port/],
  ['publish port 0', ['start-server', APP, '--publish-port', '0'], /--publish-port: '0' is not a port/],
  ['publish port abc', ['start-server', APP, '--publish-port', 'abc'], /--publish-port: 'abc' is not a port/],
  ['zero threads', build('--threads', '0'), /--threads: 0 is out of range/],
  ['too many processes', build('--processes', '1001'), /--processes: 1001 is out of range/],
  ['initial workers above 1', build('--initial-workers', '1.5'), /--initial-workers: 1.5 is out of range/],
  ['request timeout as text', build('--request-timeout', '10s'), /--request-timeout: '10s' is not a whole number/],
  ['max log size 0', build('--max-log-size', '0'), /--max-log-size: 0 is out of range/],

  // Missing or wrong-kind files.
  ['missing APP script', ['build', `${MISSING}.py`], /APP: '.*missing\.py' does not exist/],
  ['missing --url-alias target', build('--url-alias', '/static', MISSING), /--url-alias: '.*missing' does not exist/],
  ['missing --document-root', build('--document-root', MISSING), /--document-root: '.*missing' does not exist/],
  ['--document-root is a file', build('--document-root', FILE), /--document-root: '.*wsgi\.py' is not a directory/],
  ['missing --include-file', build('--include-file', MISSING), /--include-file: '.*missing' does not exist/],
  ['--include-file is a directory', build('--include-file', DIRECTORY), /--include-file: '.*app' is not a file/],
  ['missing --rewrite-rules', build('--rewrite-rules', MISSING), /--rewrite-rules: /],
  ['missing --envvars-script', build('--envvars-script', MISSING), /--envvars-script: /],
  ['missing --python-path', build('--python-path', MISSING), /--python-path: /],
  ['missing --app-dir', build('--app-dir', MISSING), /--app-dir: /],
  ['missing --add-handler script', build('--add-handler', '.tmpl', MISSING), /--add-handler: '.*missing' does not exist/],
  ['missing --service-script', build('--service-script', 'svc', MISSING), /--service-script: /],
  ['missing local --mod-wsgi tarball', build('--mod-wsgi', `${MISSING}.tar.gz`), /--mod-wsgi: '.*missing\.tar\.gz' does not exist/],
  ['missing --python-from tarball', build('--python', '3.13t', '--python-from', `${MISSING}.tgz`), /--python-from: /],

  // Options that contradict or need each other.
  ['--quiet with --json', build('--quiet', '--json'), /--quiet and --json/],
  ['--sbom in a missing directory', build('--sbom', `${MISSING}/sbom.json`), /--sbom: '\/nonexistent\/mwe-image\/missing' is not an existing directory/],
  ['--sbom naming a directory', build('--sbom', DIRECTORY), /--sbom: '.*' is a directory; give a file name/],
  [
    '--sbom with --emit-context',
    build('--emit-context', '/tmp/x', '--sbom', '/tmp/sbom.json'),
    /--emit-context builds no image to take an SBOM from: drop --sbom/,
  ],
  ['--server-alias without --server-name', build('--server-alias', 'a.example.com'), /--server-alias needs --server-name/],
  ['--allow-localhost without --server-name', build('--allow-localhost'), /--allow-localhost only matters with --server-name/],
  ['--embedded-mode with --process-group', build('--embedded-mode', '--process-group', 'g'), /--process-group has no effect with --embedded-mode/],
  ['--reload-on-changes with --disable-reloading', build('--reload-on-changes', '--disable-reloading'), /--reload-on-changes and --disable-reloading/],
  [
    '--enable-telemetry with --telemetry-service',
    build('--enable-telemetry', '--telemetry-service', 'unix:/tmp/t.sock'),
    /--enable-telemetry and --telemetry-service/,
  ],
  ['--slow-requests without telemetry', build('--slow-requests', '2'), /--slow-requests needs --telemetry-service/],
  ['--service-user for no service', build('--service-user', 'svc', 'www-data'), /--service-user: no --service-script named 'svc'/],
  [
    '--service-log-file without --log-directory',
    build('--service-script', 'svc', FILE, '--service-log-file', 'svc', 'svc.log'),
    /--service-log-file writes into --log-directory/,
  ],
  ['static app in embedded mode', ['build', DIRECTORY, '--application-type', 'static', '--embedded-mode'], /--embedded-mode has no application/],
  ['--exit-on-startup-failure in embedded mode', build('--embedded-mode', '--exit-on-startup-failure'), /--exit-on-startup-failure watches daemon processes/],
  [
    '--exit-on-startup-failure for a static app',
    ['build', DIRECTORY, '--application-type', 'static', '--exit-on-startup-failure'],
    /--exit-on-startup-failure has no application to start/,
  ],
  [
    '--cpu-affinity for a static app',
    ['build', DIRECTORY, '--application-type', 'static', '--cpu-affinity'],
    /--cpu-affinity binds the processes that run the application; --application-type static has none/,
  ],
  [
    '--exit-on-startup-failure without a startup timeout',
    build('--exit-on-startup-failure', '--startup-timeout', '0'),
    /--exit-on-startup-failure counts loads that outlast --startup-timeout/,
  ],
  ['--url-alias given one value', build('--url-alias', '/static'), /--url-alias needs two values/],
  [
    'build option on module-location',
    ['module-location', '--url-alias', '/a', DIRECTORY],
    /--url-alias is an option of build, config, start-server, setup-server/,
  ],

  // Values that would inject Apache configuration.
  ['newline in --mount-point', build('--mount-point', '/x\nListen 9999'), /--mount-point: the value contains a newline/],
  ['newline in --setenv value', build('--setenv', 'KEY', 'a\nInclude /etc/passwd'), /--setenv: the value contains a newline/],
  ['quote in --setenv value', build('--setenv', 'KEY', "x' Include '/etc/passwd"), /--setenv: .* contains a quote/],
  ['<Directory in --server-name', build('--server-name', '<Directory />'), /--server-name: '<Directory \/>' is not a host name/],
  ['<Directory in --url-alias', build('--url-alias', '/a<Directory', DIRECTORY), /--url-alias: .* is not a URL path/],
  ['quote in --process-group', build('--process-group', 'g" Include x'), /--process-group: .* is not a usable name/],
  ['Apache syntax in --application-group', build('--application-group', '%{GLOBAL}>\n<Location /'), /--application-group: the value contains a newline/],
  ['backslash in --access-log-format', build('--access-log-format', '%h \\" x'), /--access-log-format: backslashes are not accepted/],
  ['newline in --error-log-format', build('--error-log-format', 'x\nInclude y'), /--error-log-format: the value contains a newline/],
  ['space in --passenv name', build('--passenv', 'A B'), /--passenv: 'A B' is not a variable name/],
  ['newline in --callable-object', build('--callable-object', 'app\n'), /--callable-object: the value contains a newline/],
  ['path in --directory-index', build('--directory-index', '../etc/passwd'), /--directory-index: .* is not a plain file name/],
  ['relative --log-directory', build('--log-directory', 'logs'), /--log-directory: 'logs' is not an absolute path/],
  ['newline in --locale', build('--locale', 'C.UTF-8\nInclude x'), /--locale: the value contains a newline/],
  ['newline in --trust-proxy-header', build('--trust-proxy-header', 'X-Real-IP\nRequire all granted'), /--trust-proxy-header: the value contains a newline/],
  ['quote in --python-warnings', build('--python-warnings', "error' x"), /--python-warnings: .* is not a warnings filter/],
  ['newline in --telemetry-options', build('--telemetry-options', 'a\nb'), /--telemetry-options: the value contains a newline/],
  [
    'directive text in --telemetry-options',
    build('--telemetry-options', '+CaptureUserAgent ${HOME}'),
    /--telemetry-options: .* is not a list of capture toggles/,
  ],
  ["--telemetry-interval below mod_wsgi 6's 0.5", build('--telemetry-interval', '0.2'), /--telemetry-interval/],
  ['--telemetry-ui-host not an address', build('--telemetry-ui-host', 'localhost'), /--telemetry-ui-host: 'localhost' is not an IP address/],
  [
    '--find-links neither URL nor directory',
    build('--find-links', '/no/such/wheels'),
    /--find-links: '\/no\/such\/wheels' is neither an http\(s\) URL nor an existing directory/,
  ],
  ['--trusted-host with a path', build('--trusted-host', 'pypi.example/simple'), /--trusted-host: 'pypi\.example\/simple' is not a host name/],
  ['--extra-index-url not http', build('--extra-index-url', 'file:///tmp'), /--extra-index-url: 'file:\/\/\/tmp' is not an http\(s\) URL/],
  ['--mod-wsgi pypi:latest', build('--mod-wsgi', 'pypi:latest'), /--mod-wsgi: 'pypi:latest' has no usable version/],
  ['Apache syntax in --user', build('--user', 'app>\nUser root'), /--user: the value contains a newline/],
  ['remote --telemetry-service', build('--telemetry-service', 'tcp://10.0.0.1:80'), /--telemetry-service: .* is not a unix:/],
  ['quote in --mod-wsgi URL', build('--mod-wsgi', "https://example.com/x'.tar.gz"), /--mod-wsgi: .* contains a quote/],

  // $ would be expanded by Apache (${NAME}), Docker (ENV, LABEL) or a shell: refused, never passed on changed.
  ['$ in --setenv value', build('--setenv', 'KEY', 'a${HOME}'), /--setenv: 'a\$\{HOME\}' contains \$, which Apache and Docker would expand/],
  ['${IFS} in --log-directory', build('--log-directory', '/var/log/${IFS}app'), /--log-directory: .* contains \$/],
  ['$ in --mount-point', build('--mount-point', '/${PORT}/'), /--mount-point: .* contains \$/],
  ['$ in --url-alias URL', build('--url-alias', '/s$x', DIRECTORY), /--url-alias: .* contains \$/],
  ['$ in --access-log-format', build('--access-log-format', '%h ${USER}'), /--access-log-format: .* contains \$/],
  ['$ in --error-log-format', build('--error-log-format', '[%t] $x'), /--error-log-format: .* contains \$/],
  ['$ in --python-warnings', build('--python-warnings', 'error:${X}'), /--python-warnings: .* contains \$/],
  ['$ in --pid-file', build('--pid-file', '/tmp/$$.pid'), /--pid-file: .* contains \$/],

  // Host paths the image must not get.
  ['--document-root /', build('--document-root', '/'), /--document-root: '\/' is the root directory, which is never copied into an image/],
  [
    '--url-alias of /proc, even allowed outside',
    build('--url-alias', '/p', '/proc/self', '--allow-outside-paths'),
    /--url-alias: '\/proc\/.*' is under \/proc, which is never copied/,
  ],
  ['--url-alias of /dev', build('--url-alias', '/null', '/dev/null'), /--url-alias: '\/dev\/null' is under \/dev/],
  [
    '--url-alias of /etc',
    build('--url-alias', '/x', '/etc'),
    /--url-alias: '\/etc' is outside the app directory \(.*\) and the current directory \(.*\); move it there, or add --allow-outside-paths/,
  ],
  ['--python-path outside', build('--python-path', '/usr/lib'), /--python-path: '\/usr\/lib' is outside the app directory .* add --allow-outside-paths/],
  ['--include-file outside', build('--include-file', '/etc/hostname'), /--include-file: '\/etc\/hostname' is outside .* add --allow-outside-paths/],
  [
    '--document-root is the app directory',
    build('--document-root', example('hello')),
    /--document-root: '.*hello' is or contains the app directory \(.*hello\), so Apache would serve the application's source and files; .* add --allow-app-in-document-root/,
  ],
  ['--url-alias of the app directory', build('--url-alias', '/src/', `${example('hello')}/`), /--url-alias: '.*hello' is or contains the app directory/],

  // Names and choices.
  ['space in --tag', build('--tag', 'Bad Tag'), /--tag: 'Bad Tag' is not a valid image name/],
  ['upper case --tag', build('--tag', 'MyApp:1'), /--tag: 'MyApp:1' is not a valid image name/],
  ['upper case --system-packages', build('--system-packages', 'Flask'), /--system-packages: 'Flask' is not a Debian package name/],
  ['bad --host', build('--host', '999.1.1.1'), /--host: '999\.1\.1\.1' is not an IP address/],
  ['bad --trust-proxy', build('--trust-proxy', '10.0.0.0/40'), /--trust-proxy: '10\.0\.0\.0\/40' is not an IP address or subnet/],
  ['bad --publish-host', ['start-server', APP, '--publish-host', 'localhost'], /--publish-host: 'localhost' is not an IP address/],
  ['bad --env', ['start-server', APP, '--env', 'NOEQUALS'], /--env: 'NOEQUALS' is not KEY=VALUE/],
  ['--error-document for a 200', build('--error-document', '200', '/x.html'), /--error-document: '200' is not an HTTP error status/],
  ['--add-handler extension without dot', build('--add-handler', 'tmpl', FILE), /--add-handler: 'tmpl' is not a file extension/],
  ['--ignore-activity without slash', build('--ignore-activity', 'health'), /--ignore-activity: 'health' is not a URL path/],
  ['unknown --log-level', build('--log-level', 'verbose'), /--log-level: 'verbose' is not one of/],
  ['unknown --application-type', build('--application-type', 'wsgi'), /--application-type: 'wsgi' is not one of/],
  ['bad module name as APP', ['build', 'not a module!', '--application-type', 'module'], /APP: .*not a module!.* is not a Python module name/],
  ['unknown --server-mpm', build('--server-mpm', 'threads'), /--server-mpm: 'threads' is not one of/],

  // Versions and sources.
  ['unknown --python 2.7', build('--python', '2.7'), /--python: '2\.7' is not one of 3\.13, 3\.11, 3\.13t/],
  ['unknown --python 3.14', build('--python', '3.14'), /--python: '3\.14' is not one of/],
  [
    'free-threaded Python from the distribution',
    build('--python', '3.13t', '--python-from', 'distro'),
    /--python 3\.13t: no distribution ships a free-threaded Python/,
  ],
  ['--python-from without --python', build('--python-from', 'source'), /--python-from: give --python VERSION too/],
  [
    'unknown --mod-wsgi scheme',
    build('--mod-wsgi', 'ftp://example.com/mod_wsgi.tar.gz'),
    /--mod-wsgi: 'ftp:\/\/example\.com\/mod_wsgi\.tar\.gz' does not exist/,
  ],
  ['--mod-wsgi pypi without version', build('--mod-wsgi', 'pypi:'), /--mod-wsgi: 'pypi:' has no usable version/],
  ['--mod-wsgi debian with a bad version', build('--mod-wsgi', 'debian:latest'), /--mod-wsgi: 'debian:latest' has no usable version/],
  ['--mod-wsgi-source alias checked too', build('--mod-wsgi-source', 'pypi:x'), /--mod-wsgi: 'pypi:x' has no usable version/],
  ['unknown base bootstrap suite', ['base', 'bootstrap', '--suite', 'sid'], /--suite/],

  // The command line itself.
  ['unknown option', build('--no-such-option'), /unknown option '--no-such-option'/],
  ['no APP', ['build'], /^mwe-image: build: give APP .* or --entry-point/],
  ['a refused debugging option', build('--enable-debugger'), /^mwe-image: --enable-debugger: pdb post-mortem needs .*docker run -it/],
  ['--switch-interval 0', build('--switch-interval', '0'), /^mwe-image: --switch-interval: 0 is out of range/],
  ['--server-root relative', build('--server-root', 'srv'), /^mwe-image: --server-root:/],
  ['unknown command', ['frobnicate'], /unknown command 'frobnicate'/],
  ['option without its value', build('--port'), /option '--port <NUMBER>' argument missing/],
  ['wheel dir missing', build('--wheel-dir', MISSING), /--wheel-dir: '.*' does not exist/],
  ['wheel dir with an index', build('--wheel-dir', DIRECTORY, '--index-url', 'https://pypi.example/simple/'), /--wheel-dir installs from that directory only/],
  ['index URL not http', build('--index-url', 'file:///srv'), /--index-url: 'file:\/\/\/srv' is not an http\(s\) URL/],
  ['requirements file missing', build('--requirements', MISSING), /--requirements: '.*' does not exist/],
  ['emit context with --json', build('--emit-context', '/tmp/x', '--json'), /--emit-context builds no image: drop --quiet\/--json/],
  ['setup-server without --server-root', ['setup-server', APP], /required option '--server-root <DIRECTORY>' not specified/],
  ['setup-server root with a newline', ['setup-server', APP, '--server-root', '/tmp/a\nb'], /--server-root: the value contains a newline/],
  ['apachectl unknown action', ['apachectl', '--server-root', DIRECTORY, 'reload'], /'reload' is invalid for argument 'ACTION'/],
  [
    'apachectl on a directory setup-server never wrote',
    ['apachectl', '--server-root', DIRECTORY, 'start'],
    /has no server\.json; write it with mwe-image setup-server/,
  ],
  // Proxies, HTTPS and auth (issue #15).
  ['proxy URL with a quote', build('--proxy-mount-point', '/ws/', "http://127.0.0.1:9000/' x"), /--proxy-mount-point: .* contains a quote/],
  ['proxy URL not http', build('--proxy-mount-point', '/ws/', 'ftp://example.com/'), /--proxy-mount-point: 'ftp:\/\/example.com\/' is not a backend URL/],
  ['proxy URL with a space', build('--proxy-virtual-host', 'echo.test', 'http://a b/'), /--proxy-virtual-host: .* is not a backend URL/],
  ['proxy URL with $', build('--proxy-mount-point', '/ws/', 'http://${HOST}/'), /--proxy-mount-point: .* contains \$/],
  ['proxy at /', build('--proxy-mount-point', '/', 'http://127.0.0.1:9000/'), /--proxy-mount-point: '\/' would proxy the whole site/],
  ['proxy host name with a newline', build('--proxy-virtual-host', 'a\nb', 'http://127.0.0.1/'), /--proxy-virtual-host/],
  ['proxy timeout alone', build('--proxy-timeout', '30'), /--proxy-timeout applies to proxied requests only/],
  ['https port without certificate', build('--https-port', '8443'), /--https-port needs a certificate and key/],
  ['certificate without https port', build('--ssl-certificate-file', FILE, '--ssl-certificate-key-file', FILE), /--https-port must be given/],
  ['certificate prefix missing', build('--https-port', '8443', '--ssl-certificate', MISSING), /--ssl-certificate: '.*missing\.crt' is not a file/],
  [
    'certificate file missing',
    build('--https-port', '8443', '--ssl-certificate-file', MISSING, '--ssl-certificate-key-file', FILE),
    /--ssl-certificate-file: .* does not exist/,
  ],
  [
    'https port is the port',
    build('--https-port', '8000', '--ssl-certificate-file', FILE, '--ssl-certificate-key-file', FILE),
    /--https-port 8000 is also --port/,
  ],
  ['https-only without https', build('--https-only'), /--https-only, --hsts-policy.* need HTTPS/],
  [
    'hsts without https-only',
    build('--https-port', '8443', '--ssl-certificate-file', FILE, '--ssl-certificate-key-file', FILE, '--hsts-policy', 'max-age=1'),
    /--hsts-policy is sent with --https-only/,
  ],
  ['hsts injection', build('--hsts-policy', 'max-age=1" env=x'), /--hsts-policy: .* is not a Strict-Transport-Security policy/],
  [
    'verify client without CA',
    build('--https-port', '8443', '--ssl-certificate-file', FILE, '--ssl-certificate-key-file', FILE, '--ssl-verify-client', '/secure'),
    /--ssl-verify-client verifies against --ssl-ca-certificate-file/,
  ],
  ['verify client not a path', build('--ssl-verify-client', "/a'b"), /--ssl-verify-client: .* contains a quote/],
  ['auth type unknown', build('--auth-type', 'NTLM'), /--auth-type: 'NTLM' is not one of Basic, Digest/],
  ['auth group script alone', build('--auth-group-script', FILE), /--auth-group-script checks users --auth-user-script authenticated/],
  ['auth group alone', build('--auth-group', 'admins'), /--auth-group is checked by --auth-group-script/],
  ['auth group injection', build('--auth-group', "admins' x"), /--auth-group: .* is not a usable name/],
  ['auth user script missing', build('--auth-user-script', MISSING), /--auth-user-script: .* does not exist/],
  ['host access script is a directory', build('--host-access-script', DIRECTORY), /--host-access-script: .* is not a file/],
  // Options of one command only (the table's `commands`), refused elsewhere instead of ignored.
  ['--quiet on config', ['config', APP, '--quiet'], /--quiet is an option of build only; drop it from config/],
  ['--json on start-server', ['start-server', APP, '--json'], /--json is an option of build only; drop it from start-server/],
  [
    '--emit-context on setup-server',
    ['setup-server', APP, '--server-root', '/tmp/x', '--emit-context', '/tmp/y'],
    /--emit-context is an option of build only; drop it from setup-server/,
  ],
  ['a runtime option on module-config', ['module-config', '--port', '80'], /unknown option '--port'/],
];

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command line through the CLI's main, with its output captured. */
async function runInProcess(argv: string[]): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, { out: (text) => (stdout += text), err: (text) => (stderr += text) });
  return { code, stdout, stderr };
}

/** Runs the table one case after another, with the engine unreachable. */
async function runAll(cases: Case[], env: Record<string, string>): Promise<CliResult[]> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    const results: CliResult[] = [];
    for (const [, argv] of cases) results.push(await runInProcess(argv));
    return results;
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

test(`${USAGE_CASES.length} invalid command lines: exit 2, one line naming the option, no stack trace`, async () => {
  assert.ok(USAGE_CASES.length >= 40);
  const results = await runAll(USAGE_CASES, { DOCKER_HOST: 'unix:///nonexistent.sock' });
  const failures: string[] = [];
  USAGE_CASES.forEach(([name, argv, pattern], index) => {
    const { code, stdout, stderr } = results[index];
    const lines = stderr.split('\n').filter((line) => line !== '');
    const problems = [
      code !== 2 && `exit ${code}`,
      lines.length !== 1 && `${lines.length} lines`,
      !stderr.startsWith('mwe-image: ') && 'no mwe-image: prefix',
      !pattern.test(stderr) && `does not match ${pattern}`,
      /\n\s+at /.test(stderr) && 'stack trace',
      stdout !== '' && 'output on stdout',
    ].filter(Boolean);
    if (problems.length) failures.push(`${name} (${JSON.stringify(argv.slice(2))}): ${problems.join(', ')}\n    ${stderr.trim().replace(/\n/g, '\n    ')}`);
  });
  assert.is(failures.length, 0, `\n${failures.join('\n')}`);
});

test.run();
