/**
 * The host pip's configuration: parsed from `pip config list` / `debug`,
 * and kept in the user's cache while the files pip names are unchanged.
 * A `python3` on PATH stands in for pip and counts how often it is asked.
 */
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostPipConfig, parseConfigFiles, parseConfigList } from '../../src/pip-config.js';

const pip = suite('host pip configuration');

const DEBUG = (file: string) => `env_var:
  PIP_CERT='/etc/ssl/certs/ca-certificates.crt'
env:
global:
  /nonexistent/etc/pip.conf, exists: False
  ${file}, exists: True
    global.index-url: https://mirror.example/simple/
site:
  /nonexistent/site/pip.conf, exists: False
`;

pip('parses the values pip lists and the files it reads', () => {
  assert.equal(parseConfigList(":env:.cert='/x.crt'\nglobal.index-url='https://mirror.example/simple/'\ninstall.trusted-host='mirror.example'\n"), {
    'global.index-url': 'https://mirror.example/simple/',
    'install.trusted-host': 'mirror.example',
  });
  assert.equal(parseConfigFiles(DEBUG('/etc/pip.conf')), ['/nonexistent/etc/pip.conf', '/etc/pip.conf', '/nonexistent/site/pip.conf']);
});

pip('asks pip once; again when a file it reads changes or the environment differs', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mwe-pip-config-'));
  const file = path.join(work, 'pip.conf');
  const calls = path.join(work, 'calls');
  writeFileSync(file, '[global]\nindex-url = https://mirror.example/simple/\n');
  writeFileSync(calls, '');
  writeFileSync(
    path.join(work, 'python3'),
    `#!/bin/sh\necho "$*" >> '${calls}'\ncase "$4" in\n  debug) cat <<'EOF'\n${DEBUG(file)}EOF\n;;\n  list) echo "global.index-url='https://mirror.example/simple/'" ;;\nesac\n`,
    { mode: 0o755 },
  );
  const env = { PATH: `${work}:/usr/bin:/bin`, HOME: work, XDG_CACHE_HOME: path.join(work, 'cache') };
  const asked = () => readFileSync(calls, 'utf8').split('\n').filter(Boolean).length;
  const previousCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = env.XDG_CACHE_HOME;
  try {
    const expected = { 'global.index-url': 'https://mirror.example/simple/' };
    assert.equal(hostPipConfig(env), expected);
    assert.is(asked(), 2, 'pip config debug and list');
    assert.equal(hostPipConfig(env), expected);
    assert.is(asked(), 2, 'from the cache');
    const later = new Date(Date.now() + 5000);
    utimesSync(file, later, later);
    assert.equal(hostPipConfig(env), expected);
    assert.is(asked(), 4, 'the file changed');
    assert.equal(hostPipConfig({ ...env, PIP_CONFIG_FILE: file }), expected);
    assert.is(asked(), 6, 'another environment');
    assert.equal(hostPipConfig(env, Date.now() + 11 * 60 * 1000), expected);
    assert.is(asked(), 8, 'older than ten minutes');
    assert.equal(hostPipConfig({ ...env, PATH: '/nonexistent' }), {}, 'no pip: no configuration');
  } finally {
    if (previousCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previousCache;
    rmSync(work, { recursive: true, force: true });
  }
});

pip.run();
