import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { extractPairOptions, parseBuildArgv } from '../../src/cli.js';
import { OPTION_SPECS, helpText, resolveBuildOptions, type BuildOptions } from '../../src/options.js';
import { fixture } from '../helpers/paths.js';
import { usageError } from '../helpers/usage.js';

test('defaults follow mod_wsgi-express', () => {
  const options = resolveBuildOptions({});
  assert.is(options.port, 8000);
  assert.is(options.threads, 5);
  assert.is(options.processes, undefined);
  assert.is(options.applicationType, 'script');
  assert.is(options.callableObject, 'application');
  assert.is(options.mountPoint, '/');
  assert.is(options.logLevel, 'warn');
  assert.is(options.accessLog, false);
  assert.equal(options.urlAliases, []);
  assert.is(options.baseImage, 'debian:trixie-slim');
});

test('numbers are parsed and range-checked', () => {
  const options = resolveBuildOptions({ port: '8080', processes: '3', threads: '10' });
  assert.is(options.port, 8080);
  assert.is(options.processes, 3);
  assert.is(options.threads, 10);
  usageError(() => resolveBuildOptions({ port: '0' }), /^--port: 0 is out of range/);
  usageError(() => resolveBuildOptions({ port: '65536' }), /^--port: 65536 is out of range/);
  usageError(() => resolveBuildOptions({ port: '80x' }), /^--port: '80x' is not a whole number/);
  usageError(() => resolveBuildOptions({ threads: '0' }), /^--threads:/);
  usageError(() => resolveBuildOptions({ processes: '-1' }), /^--processes:/);
});

test('choices are enforced', () => {
  assert.is(resolveBuildOptions({ applicationType: 'module' }).applicationType, 'module');
  usageError(() => resolveBuildOptions({ applicationType: 'paste' }), /^--application-type: 'paste' is not one of script, module, static/);
  usageError(() => resolveBuildOptions({ logLevel: 'loud' }), /^--log-level:/);
});

test('values that could inject Apache directives are refused', () => {
  usageError(() => resolveBuildOptions({ mountPoint: '/x\nLoadModule evil /x.so' }), /^--mount-point: .*newline/);
  usageError(() => resolveBuildOptions({ mountPoint: "/x' evil" }), /^--mount-point: .*quote/);
  usageError(() => resolveBuildOptions({ mountPoint: '/x</Directory>' }), /^--mount-point:/);
  usageError(() => resolveBuildOptions({ mountPoint: 'relative' }), /^--mount-point: 'relative' is not a URL path/);
  usageError(() => resolveBuildOptions({ urlAliases: [['/s\n</VirtualHost>', fixture('app', 'static')]] }), /^--url-alias:/);
  usageError(() => resolveBuildOptions({ callableObject: 'app; import os' }), /^--callable-object:/);
  usageError(() => resolveBuildOptions({ host: 'example.com' }), /^--host: 'example.com' is not an IP address/);
  usageError(() => resolveBuildOptions({ tag: 'Bad Tag' }), /^--tag:/);
  usageError(() => resolveBuildOptions({ user: 'www-data\nUser root' }), /^--user:/);
  usageError(() => resolveBuildOptions({ group: 'a b' }), /^--group: 'a b' is not a user or group name/);
  usageError(() => resolveBuildOptions({ stopTimeout: '0' }), /^--stop-timeout: 0 is out of range/);
});

test('combinations are checked with the fix named', () => {
  usageError(() => resolveBuildOptions({ serverAliases: ['a.example.com'] }), /^--server-alias needs --server-name/);
  usageError(() => resolveBuildOptions({ allowLocalhost: true }), /^--allow-localhost only matters with --server-name/);
  usageError(() => resolveBuildOptions({ embeddedMode: true, errorOverride: true }), /^--error-override works in daemon mode only/);
  usageError(() => resolveBuildOptions({ enableTelemetry: true, telemetryService: 'unix:/tmp/x.sock' }), /mutually exclusive/);
  usageError(() => resolveBuildOptions({ slowRequests: '2.5' }), /^--slow-requests needs --telemetry-service or --enable-telemetry/);
  usageError(() => resolveBuildOptions({ serviceUsers: [['ghost', 'www-data']] }), /^--service-user: no --service-script named 'ghost'/);
  usageError(() => resolveBuildOptions({ reloadOnChanges: true, disableReloading: true }), /contradict/);
  usageError(() => resolveBuildOptions({ telemetryService: 'udp://host:1' }), /^--telemetry-service: .* is not a unix:\/path\/to\/socket target/);
  usageError(() => resolveBuildOptions({ errorDocuments: [['200', '/ok.html']] }), /^--error-document: '200' is not an HTTP error status/);
  usageError(() => resolveBuildOptions({ setenv: [['BAD KEY', 'x']] }), /^--setenv: 'BAD KEY' is not a variable name/);
  usageError(() => resolveBuildOptions({ setenv: [['KEY', "it's"]] }), /^--setenv: .* quote/);
  usageError(() => resolveBuildOptions({ allowOverride: ['Everything'] }), /^--allow-override: 'Everything' is not a directive type/);
  usageError(() => resolveBuildOptions({ pythonWarnings: ['explode'] }), /^--python-warnings:/);
  usageError(() => resolveBuildOptions({ applicationGroup: '%{ENV:bad name}' }), /^--application-group:/);
  usageError(() => resolveBuildOptions({ telemetryInterval: 'fast' }), /^--telemetry-interval: 'fast' is not a number/);
  usageError(() => resolveBuildOptions({ quiet: true, json: true }), /^--quiet and --json: keep one/);
  usageError(() => resolveBuildOptions({ systemPackages: ['python3-flask; rm -rf /'] }), /^--system-packages: .* is not a Debian package name/);
});

test('every option given on a command line reaches its key in the build options', () => {
  const argv = ['build', 'app.py'];
  const expected: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const sample = spec.kind === 'flag' ? undefined : spec.kind === 'pair' ? ['a', 'b'] : `v-${spec.key}`;
    argv.push(spec.flag, ...(sample === undefined ? [] : Array.isArray(sample) ? sample : [sample]));
    expected[spec.key] = spec.kind === 'flag' ? true : spec.repeatable ? [sample] : sample;
  }
  const { app, raw } = parseBuildArgv(argv);
  assert.is(app, 'v-entryPoint', '--entry-point wins over the APP argument');
  assert.equal(raw, expected);
});

test('option aliases map to the canonical flags', () => {
  const { rest } = extractPairOptions(['build', '--max-requests', '5', '--listen-backlog=7']);
  assert.equal(rest, ['build', '--maximum-requests', '5', '--daemon-backlog=7']);
});

test('paths must exist', () => {
  usageError(() => resolveBuildOptions({ urlAliases: [['/static/', '/no/such/dir']] }), /^--url-alias: '\/no\/such\/dir' does not exist/);
  usageError(() => resolveBuildOptions({ documentRoot: fixture('app', 'wsgi.py') }), /^--document-root: .* is not a directory/);
  usageError(() => resolveBuildOptions({ modWsgi: '/no/such.tar.gz' }), /^--mod-wsgi: '\/no\/such.tar.gz' does not exist/);
});

test('pair options are taken from argv with both values', () => {
  const { rest, pairs } = extractPairOptions(['build', '--url-alias', '/a/', 'x', 'app.py', '--url-alias', '/b', 'y', '--port', '1']);
  assert.equal(rest, ['build', 'app.py', '--port', '1']);
  assert.equal(pairs.urlAliases, [
    ['/a/', 'x'],
    ['/b', 'y'],
  ]);
  usageError(() => extractPairOptions(['build', '--url-alias', '/a/']), /^--url-alias needs two values: <URL-PATH> <FILE-PATH>/);
  usageError(() => extractPairOptions(['build', '--url-alias', '/a/', '--port', '1']), /^--url-alias needs two values/);
});

test('every option has help text and a unique flag and key', () => {
  const flags = new Set(OPTION_SPECS.map((spec) => spec.flag));
  const keys = new Set(OPTION_SPECS.map((spec) => spec.key));
  assert.is(flags.size, OPTION_SPECS.length);
  assert.is(keys.size, OPTION_SPECS.length);
  for (const spec of OPTION_SPECS) assert.ok(spec.help.length > 10, spec.flag);
});

test('help states a default only through the default or defaultText field', () => {
  for (const spec of OPTION_SPECS) {
    assert.not.match(spec.help, /[Dd]efaults? to|by default|The default,/, `${spec.flag}: state it as default or defaultText`);
  }
  const help = (flag: string) => helpText(OPTION_SPECS.find((spec) => spec.flag === flag)!);
  assert.match(help('--port'), /Defaults to 8000\. PORT in the container's environment overrides it at run time\.$/);
  assert.match(help('--reload-on-changes'), /MWE_RELOAD_ON_CHANGES=1 \(or 0\) in the container's environment overrides it/);
  assert.match(help('--user'), /Defaults to the image's app user, #10001\./);
  assert.match(help('--request-timeout'), /Defaults to 60\.$/);
  assert.match(help('--maximum-requests'), /Defaults to 0\. Also spelled --max-requests\.$/);
  assert.not.match(help('--quiet'), /Defaults/);
});

test('BuildOptions is the table: each key typed by its row', () => {
  const options = resolveBuildOptions({ processes: 'auto', addHandlers: [['.tmpl', fixture('app', 'wsgi.py')]] });
  // Compile-time checks: a row's kind, choices, keyword, default and repeatable decide its type.
  const port: number = options.port;
  const processes: number | 'auto' | undefined = options.processes;
  const type: 'script' | 'module' | 'static' = options.applicationType;
  const handlers: [string, string][] = options.addHandlers;
  const aliases: [string, string][] = options.urlAliases;
  const tag: string | undefined = options.tag;
  // @ts-expect-error a row without a default may be absent
  const required: string = options.host;
  // @ts-expect-error no row is called handlerScripts
  options.handlerScripts;
  const keys: (keyof BuildOptions)[] = OPTION_SPECS.map((spec) => spec.key as keyof BuildOptions);
  assert.equal(
    [port, processes, type, handlers, aliases, tag, required],
    [8000, 'auto', 'script', [['.tmpl', fixture('app', 'wsgi.py')]], [], undefined, undefined],
  );
  assert.equal(Object.keys(options).sort(), [...keys].sort());
});

test.run();
