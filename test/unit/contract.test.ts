/**
 * The cross-language contract: the option table's runtime settings (rows with
 * `env`) and src/contract.ts are the only place their names, defaults,
 * ranges, the image paths, the app user and the Apache modules are written.
 * Each consumer in C, shell, Python and the templates either reads the
 * generated files (src/contract-files.ts) or gets the values rendered in; this
 * fails when one restates a value or uses a name nobody declared.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  APACHE_MODULES,
  APACHE_MPMS,
  DERIVED_VARIABLES,
  HTTPD_DEFINES,
  IMAGE_PATHS,
  OPTIONAL_APACHE_MODULES,
  RUNTIME_USER,
  WORKER_POOL_VARIABLES,
} from '../../src/contract.js';
import {
  CONTRACT_FILES,
  IMAGE_COMMAND_SETTINGS,
  RUNTIME_SETTINGS,
  apacheModulesFile,
  contractFiles,
  contractHeader,
  contractJson,
  contractShell,
} from '../../src/contract-files.js';
import { resolveBuildOptions } from '../../src/options.js';
import { packageRoot } from '../../src/paths.js';
import { planBuild } from '../../src/plan.js';
import { renderDockerfile, renderHttpdConf, runtimeEnvironment } from '../../src/render.js';
import { TRIXIE_FACTS } from '../helpers/facts.js';
import { example, fixture } from '../helpers/paths.js';

const source = (...parts: string[]): string => readFileSync(path.join(packageRoot(), ...parts), 'utf8');
const RUNTIME = (name: string) => source('images', 'runtime', name);
const TOOLCHAIN_SCRIPT = (name: string) => source('images', 'toolchain', 'scripts', name);
const RUNMODWSGI = () => source('images', 'toolchain', 'express', 'management', 'commands', 'runmodwsgi.py');

/** Every variable name the contract declares: settings, derived, set by the entrypoint. */
const DECLARED = new Set<string>([
  ...RUNTIME_SETTINGS.map((spec) => spec.env),
  ...Object.keys(DERIVED_VARIABLES),
  ...WORKER_POOL_VARIABLES,
  ...Object.values(HTTPD_DEFINES),
]);

/** The values only src/contract.ts may write down. */
const CONTRACT_VALUES = [
  IMAGE_PATHS.configDir,
  IMAGE_PATHS.runtimeDir,
  IMAGE_PATHS.venv,
  IMAGE_PATHS.app,
  IMAGE_PATHS.libDir,
  IMAGE_PATHS.entrypoint,
  IMAGE_PATHS.healthcheck,
  String(RUNTIME_USER.uid),
];

const withoutComments = {
  c: (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, ''),
  shell: (text: string) => text.replace(/^\s*#.*$/gm, ''),
  python: (text: string) => text.replace(/"""[\s\S]*?"""/g, '').replace(/^\s*#.*$/gm, ''),
  ts: (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, ''),
};

/** The contract values a file's code (comments aside) restates, but `allowed`. */
function restated(code: string, allowed: string[] = []): string[] {
  return CONTRACT_VALUES.filter(
    (value) => !allowed.includes(value) && new RegExp(`(^|[^\\w/.-])${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(?![\\w-])`, 'm').test(code),
  );
}

test('the generated files carry every runtime setting of the table with its default and range', () => {
  const header = contractHeader();
  for (const spec of RUNTIME_SETTINGS) {
    assert.ok(header.includes(`#define ${spec.env}_NAME "${spec.env}"`), spec.flag);
    if (typeof spec.default === 'number') assert.match(header, new RegExp(`#define ${spec.env}_DEFAULT ${spec.default}`), spec.flag);
    if (spec.min !== undefined) assert.match(header, new RegExp(`#define ${spec.env}_MIN ${spec.min}`), spec.flag);
    if (spec.max !== undefined) assert.match(header, new RegExp(`#define ${spec.env}_MAX ${spec.max}`), spec.flag);
  }
  assert.match(header, /#define MWE_LOG_LEVEL_TRACE8 "trace8"/);
  const json = JSON.parse(contractJson()) as { paths: Record<string, string>; settings: { flag: string; env: string; choices?: string[] }[] };
  assert.equal(
    json.settings.map((setting) => setting.flag),
    IMAGE_COMMAND_SETTINGS.map((spec) => spec.flag),
  );
  assert.equal(json.settings.find((setting) => setting.flag === '--log-level')!.choices!.slice(-1), ['trace8']);
  assert.equal(json.paths, IMAGE_PATHS);
  for (const spec of IMAGE_COMMAND_SETTINGS) assert.ok(contractShell().includes(`        ${spec.flag}) setting_env=${spec.env} `), spec.flag);
  assert.equal(Object.keys(contractFiles()).sort(), Object.values(CONTRACT_FILES).sort());
  // The image's ENV holds every runtime setting and derived variable, and nothing undeclared.
  const environment = Object.keys(runtimeEnvironment(resolveBuildOptions({})));
  for (const name of [...RUNTIME_SETTINGS.map((spec) => spec.env), ...Object.keys(DERIVED_VARIABLES)]) assert.ok(environment.includes(name), name);
  for (const name of environment) assert.ok(DECLARED.has(name), name);
});

test('the entrypoint takes names, defaults, ranges and paths from contract.h only', () => {
  const text = source('entrypoint', 'entrypoint.c');
  const code = withoutComments.c(text);
  assert.match(code, /#include "contract\.h"/);
  assert.equal(restated(code), []);
  // A quoted variable name or a number range next to one would restate the table.
  for (const literal of code.match(/"[^"\n]*"/g) ?? []) {
    assert.not.ok(DECLARED.has(literal.slice(1, -1)), `${literal}: use its _NAME macro from contract.h`);
  }
  assert.not.match(code, /env_number\("|env_decimal\("|env_or\("/);
  // Every MWE_ word (messages and comments too) is a declared variable, one of its macros, or a declared prefix.
  const macroSuffix = /_(NAME|DEFAULT|MIN|MAX|KEYWORD|FALLBACK|DEFINE|TEXT|JSON|EMBEDDED|DAEMON)$/;
  for (const word of new Set(text.match(/\bMWE_[A-Z0-9_]*[A-Z0-9]\b/g) ?? [])) {
    const name = word.replace(macroSuffix, '');
    const known = DECLARED.has(word) || DECLARED.has(name) || [...DECLARED].some((declared) => declared.startsWith(`${word}_`));
    assert.ok(known, `${word} in entrypoint.c is not declared in src/contract.ts or the option table`);
  }
});

test('the entrypoint compiles against the generated header', () => {
  if (spawnSync('gcc', ['--version']).status !== 0) return; // the toolchain build compiles it in any case
  const directory = mkdtempSync(path.join(tmpdir(), 'mwe-contract-'));
  try {
    writeFileSync(path.join(directory, CONTRACT_FILES.header), contractHeader());
    const result = spawnSync(
      'gcc',
      ['-fsyntax-only', '-Wall', '-Wextra', '-Werror', `-I${directory}`, path.join(packageRoot(), 'entrypoint', 'entrypoint.c')],
      { encoding: 'utf8' },
    );
    assert.is(result.status, 0, result.stderr);
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
});

test("the generated config reads only declared variables and defines, and loads only the contract's modules", () => {
  const template = RUNTIME('httpd.conf.mustache');
  for (const [, name] of template.matchAll(/\$\{([A-Z_][A-Z0-9_]*)\}/g)) assert.ok(DECLARED.has(name), `\${${name}} in httpd.conf.mustache`);
  for (const [, name] of template.matchAll(/<IfDefine !?([A-Za-z_]+)>/g)) assert.ok(Object.values(HTTPD_DEFINES).includes(name as never), `<IfDefine ${name}>`);
  const everything = resolveBuildOptions({
    directoryListing: true,
    http2: true,
    serverStatus: true,
    compressResponses: true,
    withCgi: true,
    documentRoot: fixture('site', 'public'),
  });
  const allowed = new Set([...APACHE_MODULES, ...OPTIONAL_APACHE_MODULES, ...APACHE_MPMS.map((mpm) => `mpm_${mpm}`)]);
  for (const mpm of APACHE_MPMS) {
    const conf = renderHttpdConf(planBuild(example('hello', 'wsgi.py'), { ...everything, serverMpm: mpm }), { ...TRIXIE_FACTS, apacheModules: ['cgi'] }, 'x');
    const loaded = [...conf.matchAll(new RegExp(`^\\s*LoadModule (\\w+)_module '${TRIXIE_FACTS.modulesDirectory}/mod_\\w+\\.so'`, 'gm'))].map(
      ([, name]) => name,
    );
    for (const name of loaded) assert.ok(allowed.has(name), `LoadModule ${name}`);
    for (const name of ['autoindex', 'http2', 'status', 'deflate', 'cgi', `mpm_${mpm}`])
      assert.ok(loaded.includes(name), `${name} with every option that loads one`);
  }
  assert.match(apacheModulesFile(), new RegExp(`^${APACHE_MODULES.join(' ')} ${OPTIONAL_APACHE_MODULES.join(' ')}\n${APACHE_MPMS.join(' ')}\n$`));
});

test('--apache source builds the modules of apache-modules.txt, none of its own', () => {
  const code = withoutComments.shell(TOOLCHAIN_SCRIPT('build-apache.sh'));
  assert.match(code, /\/build\/contract\/apache-modules\.txt/);
  for (const name of [...APACHE_MODULES, ...OPTIONAL_APACHE_MODULES, ...APACHE_MPMS]) {
    assert.not.match(code, new RegExp(`(^|[\\s"'])(mpm_)?${name}([\\s"']|$)`, 'm'), `build-apache.sh names ${name}`);
  }
});

test("the image's setup-server and runmodwsgi read the runtime settings from the generated files", () => {
  const shell = withoutComments.shell(RUNTIME('setup-server.sh'));
  assert.match(shell, new RegExp(`^\\. ${IMAGE_PATHS.libDir}/${CONTRACT_FILES.shell}$`, 'm'));
  assert.equal(restated(shell.replace(`${IMAGE_PATHS.libDir}/${CONTRACT_FILES.shell}`, '')), []);
  const python = withoutComments.python(RUNMODWSGI());
  assert.match(python, new RegExp(`^CONTRACT = '${IMAGE_PATHS.libDir}/${CONTRACT_FILES.json}'$`, 'm'));
  assert.equal(restated(python.replace(`${IMAGE_PATHS.libDir}/${CONTRACT_FILES.json}`, '')), []);
  const assigned = new Set([...contractShell().matchAll(/^(\w+)=/gm)].map(([, name]) => name));
  for (const spec of RUNTIME_SETTINGS) {
    for (const [name, code] of [
      ['setup-server.sh', shell],
      ['runmodwsgi.py', python],
    ]) {
      assert.not.ok(new RegExp(`(^|[^\\w-])${spec.flag}(?![\\w-])`).test(code), `${name} names ${spec.flag}: it comes from the contract`);
      assert.not.ok(new RegExp(`\\b${spec.env}\\b`).test(code), `${name} names ${spec.env}: it comes from the contract`);
    }
  }
  // The other MWE_ names setup-server uses: the contract's assignments and the variables the entrypoint reads.
  for (const word of new Set(shell.match(/\bMWE_[A-Z0-9_]*[A-Z0-9]\b/g) ?? [])) {
    assert.ok(assigned.has(word) || DECLARED.has(word), `${word} in setup-server.sh is not declared`);
  }
});

test('templates and scripts get the image paths and the user rendered in, never written down', () => {
  const runtime = path.join(packageRoot(), 'images', 'runtime');
  for (const name of readdirSync(runtime)) {
    const text = RUNTIME(name);
    const code = name.endsWith('.sh')
      ? withoutComments.shell(text)
      : name.endsWith('.wsgi.mustache') || name.endsWith('.py.mustache')
        ? withoutComments.python(text)
        : text;
    const allowed = name === 'setup-server.sh' ? [IMAGE_PATHS.libDir] : [];
    assert.equal(restated(code.replace(`${IMAGE_PATHS.libDir}/${CONTRACT_FILES.shell}`, ''), allowed), [], name);
  }
  for (const name of readdirSync(path.join(packageRoot(), 'images', 'toolchain', 'scripts'))) {
    assert.equal(restated(withoutComments.shell(TOOLCHAIN_SCRIPT(name))), [], name);
  }
  const dockerfile = renderDockerfile(planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({})), TRIXIE_FACTS);
  assert.match(dockerfile, new RegExp(`^USER ${RUNTIME_USER.uid}:${RUNTIME_USER.gid}$`, 'm'));
  assert.match(dockerfile, new RegExp(`^WORKDIR ${IMAGE_PATHS.app}$`, 'm'));
  assert.match(dockerfile, new RegExp(`^ENTRYPOINT \\["${IMAGE_PATHS.entrypoint}"\\]$`, 'm'));
});

test('the TypeScript side takes the image paths and the user from src/contract.ts', () => {
  const sources = path.join(packageRoot(), 'src');
  const files = readdirSync(sources, { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts') && name !== 'contract.ts');
  for (const name of files) {
    assert.equal(restated(withoutComments.ts(readFileSync(path.join(sources, name), 'utf8'))), [], name);
  }
});

test.run();
