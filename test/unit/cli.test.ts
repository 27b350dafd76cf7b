import { spawnSync } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI, example } from '../helpers/paths.js';

const run = (args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

const oneLineUsageError = (args: string[], pattern: RegExp): void => {
  const result = run(args);
  assert.is(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
  assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, pattern);
  assert.not.match(result.stderr, /    at /);
};

test('--help explains build and exits 0', () => {
  const result = run(['build', '--help']);
  assert.is(result.code, 0);
  assert.match(result.stdout, /--url-alias <URL-PATH> <FILE-PATH>/);
  assert.match(result.stdout, /Defaults to\s+8000/);
});

test('usage errors are one line naming the option, exit 2', () => {
  const app = example('hello', 'wsgi.py');
  oneLineUsageError(['build', app, '--port', 'http'], /^mwe-image: --port: 'http' is not a whole number/);
  oneLineUsageError(['build', app, '--threads', '0'], /--threads: 0 is out of range/);
  oneLineUsageError(['build', app, '--url-alias', '/static/'], /--url-alias needs two values/);
  oneLineUsageError(['build', app, '--mount-point', "/x'\nListen 1"], /--mount-point/);
  oneLineUsageError(['build', app, '--no-such-option'], /unknown option '--no-such-option'/);
  oneLineUsageError(['build'], /build: give APP .* or --entry-point/);
  oneLineUsageError(['build', '/no/such/app.py'], /APP: '\/no\/such\/app.py' does not exist/);
  oneLineUsageError(['frobnicate'], /unknown command 'frobnicate'/);
  oneLineUsageError(['base', 'bootstrap', '--suite', 'sid'], /--suite/);
  oneLineUsageError(['build', app, '--python', '2.7'], /--python: '2.7' is not one of/);
  oneLineUsageError(['module-config', '--mod-wsgi', 'pypi:'], /--mod-wsgi: 'pypi:' has no usable version/);
  oneLineUsageError(['install-module', '--url-alias', '/a', app], /--url-alias is an option of build, config, start-server, setup-server/);
  oneLineUsageError(['toolchain', 'explode'], /unknown command 'explode'/);
  oneLineUsageError(['start-server', app, '--publish-port', '70000'], /--publish-port: '70000' is not a port/);
  oneLineUsageError(['start-server', app, '--publish-host', 'localhost'], /--publish-host: 'localhost' is not an IP address/);
  oneLineUsageError(['start-server', app, '--env', 'NOEQUALS'], /--env: 'NOEQUALS' is not KEY=VALUE/);
});

test('an unreachable engine is one line and exit 1', () => {
  const result = run(['build', example('hello', 'wsgi.py')], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
  assert.is(result.code, 1);
  assert.is(result.stderr.trim().split('\n').length, 1, result.stderr);
  assert.match(result.stderr, /cannot reach the Docker engine at unix:\/\/\/nonexistent\/docker.sock/);
});

test.run();
