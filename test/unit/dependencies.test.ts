import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appContext } from '../../src/app-image.js';
import { describeDependencies, stageFiles } from '../../src/dependencies.js';
import { UsageError } from '../../src/errors.js';
import { resolveBuildOptions } from '../../src/options.js';
import { indexConfig, type IndexConfig } from '../../src/package-index.js';
import { planBuild } from '../../src/plan.js';
import { renderDockerfile, renderHttpdConf } from '../../src/render.js';
import { example, fixture } from '../helpers/paths.js';
import { TRIXIE_FACTS as FACTS } from '../helpers/facts.js';
import { usageError } from '../helpers/usage.js';

/** PyPI without this machine's PIP_* variables or pip configuration. */
const PYPI: IndexConfig = indexConfig({}, {}, () => ({}));
const LOCKS = (kind: string, ...parts: string[]): string => fixture('lock-apps', kind, ...parts);

test('requirements.txt in the app directory is found; the venv joins the python path; pip gets the wheel directory only', () => {
  const plan = planBuild(fixture('deps-app', 'wsgi.py'), resolveBuildOptions({ wheelDir: fixture('wheelhouse') }), {
    ...PYPI,
    caBundle: '/etc/ssl/certs/ca-certificates.crt',
  });
  assert.is(plan.dependencies?.kind, 'requirements');
  assert.is(plan.dependencies?.file, fixture('deps-app', 'requirements.txt'));
  assert.equal(plan.dependencies?.sourceArgs, ['--no-index', '--find-links', '/tmp/dependencies/wheels']);
  assert.is(plan.dependencies?.caBundle, undefined, 'an offline build needs no CA bundle');
  assert.equal(plan.pythonPath, ['/opt/venv/site-packages']);
  assert.match(renderHttpdConf(plan, FACTS, 'mwe-image build'), /python-path='\/opt\/venv\/site-packages'/);
  const dockerfile = renderDockerfile(plan, FACTS);
  assert.match(
    dockerfile,
    /FROM toolchain AS dependencies\nCOPY dependencies\/ \/tmp\/dependencies\/\nRUN --mount=type=cache,id=mwe-pip-cache,target=\/root\/.cache\/pip \["\/bin\/sh","\/tmp\/dependencies\/install-dependencies\.sh","\/usr\/bin\/python3","\/out\/usr\/local\/lib\/mwe-image\/contract\.sh","\/tmp\/mwe-venv-layer","requirements","--no-index","--find-links","\/tmp\/dependencies\/wheels"\]/,
  );
  assert.match(dockerfile, /COPY --from=dependencies \/tmp\/mwe-venv-layer\/ \/\nENV PATH=\/opt\/venv\/bin:/);
  assert.equal(stageFiles(plan.dependencies!), [['requirements.txt', fixture('deps-app', 'requirements.txt')]]);
});

test('pyproject.toml counts only with [project] dependencies; the index configuration reaches pip (CA bundle, find-links directory copied); no file, no stage', () => {
  const linksDir = mkdtempSync(path.join(os.tmpdir(), 'mwe-links-'));
  const options = resolveBuildOptions({ indexUrl: 'https://pypi.example/simple/', findLinks: ['https://wheels.example/', linksDir] });
  const plan = planBuild(fixture('pyproject-app', 'wsgi.py'), options, {
    ...indexConfig(options, {}, () => ({})),
    caBundle: '/etc/ssl/certs/ca-certificates.crt',
  });
  assert.is(plan.dependencies?.kind, 'pyproject');
  assert.equal(plan.dependencies?.sourceArgs, [
    '--index-url',
    'https://pypi.example/simple/',
    '--find-links',
    'https://wheels.example/',
    '--find-links',
    '/tmp/dependencies/find-links/0',
    '--cert',
    '/tmp/dependencies/ca-bundle.crt',
  ]);
  assert.equal(plan.dependencies?.findLinkDirectories, [linksDir]);
  assert.is(plan.dependencies?.caBundle, '/etc/ssl/certs/ca-certificates.crt');
  assert.equal(stageFiles(plan.dependencies!), [['pyproject.toml', fixture('pyproject-app', 'pyproject.toml')]]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwe-pyproject-'));
  writeFileSync(path.join(dir, 'wsgi.py'), '');
  writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "x"\n\n[tool.other]\ndependencies = ["not-these"]\n');
  assert.is(planBuild(path.join(dir, 'wsgi.py'), resolveBuildOptions({}), PYPI).dependencies, undefined);
  const hello = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({}), PYPI);
  assert.is(hello.dependencies, undefined);
  assert.not.match(renderDockerfile(hello, FACTS), /dependencies/);
  rmSync(dir, { recursive: true, force: true });
  rmSync(linksDir, { recursive: true, force: true });
});

test('--requirements names the file; --ignore-requirements skips detection; contradictions are usage errors', () => {
  const named = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({ requirements: fixture('deps-app', 'requirements.txt') }), PYPI);
  assert.is(named.dependencies?.file, fixture('deps-app', 'requirements.txt'));
  assert.is(planBuild(fixture('deps-app', 'wsgi.py'), resolveBuildOptions({ ignoreRequirements: true }), PYPI).dependencies, undefined);
  const usage = (raw: Record<string, unknown>, pattern: RegExp): void => {
    assert.throws(
      () => resolveBuildOptions(raw),
      (error: Error) => error instanceof UsageError && pattern.test(error.message),
    );
  };
  usage({ wheelDir: fixture('wheelhouse'), indexUrl: 'https://pypi.example/simple/' }, /^--wheel-dir installs from that directory only/);
  usage({ ignoreRequirements: true, requirements: fixture('deps-app', 'requirements.txt') }, /^--ignore-requirements and --requirements contradict/);
  usage({ indexUrl: 'ftp://x/' }, /^--index-url: 'ftp:\/\/x\/' is not an http\(s\) URL/);
  usage({ findLinks: ['https://x/\nRUN rm -rf /'] }, /^--find-links: /);
  usage({ wheelDir: '/nonexistent/wheels' }, /^--wheel-dir: '\/nonexistent\/wheels' does not exist/);
});

test('the app directory: uv.lock, poetry.lock, Pipfile.lock, requirements.txt, then pyproject.toml; --requirements wins over all of them', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwe-locks-'));
  const files = ['uv.lock', 'poetry.lock', 'Pipfile.lock', 'requirements.txt'];
  for (const name of ['wsgi.py', ...files]) writeFileSync(path.join(dir, name), '');
  writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "x"\ndependencies = ["six"]\n');
  const found = (options: Record<string, unknown> = {}) => planBuild(path.join(dir, 'wsgi.py'), resolveBuildOptions(options), PYPI).dependencies;
  const order: string[] = [];
  for (const name of files) {
    const dependencies = found()!;
    order.push(`${dependencies.kind}:${path.basename(dependencies.file!)}`);
    rmSync(path.join(dir, name));
  }
  order.push(`${found()!.kind}:${path.basename(found()!.file!)}`);
  assert.equal(order, ['uv:uv.lock', 'poetry:poetry.lock', 'pipenv:Pipfile.lock', 'requirements:requirements.txt', 'pyproject:pyproject.toml']);

  for (const name of files) writeFileSync(path.join(dir, name), '');
  const explicit = found({ requirements: path.join(dir, 'requirements.txt') })!;
  assert.is(explicit.kind, 'requirements', '--requirements wins over the locks');
  // A lock named by --requirements is read as that lock, with the pyproject.toml beside it.
  const poetry = found({ requirements: path.join(dir, 'poetry.lock') })!;
  assert.is(poetry.kind, 'poetry');
  assert.equal(stageFiles(poetry), [
    ['poetry.lock', path.join(dir, 'poetry.lock')],
    ['pyproject.toml', path.join(dir, 'pyproject.toml')],
  ]);
  assert.equal(stageFiles(found({ requirements: path.join(dir, 'Pipfile.lock') })!), [['Pipfile.lock', path.join(dir, 'Pipfile.lock')]]);
  assert.is(found({ ignoreRequirements: true }), undefined);

  rmSync(path.join(dir, 'pyproject.toml'));
  usageError(() => found(), /^APP: .*uv\.lock needs the pyproject\.toml beside it \(uv export reads both\)/);
  usageError(
    () => found({ requirements: path.join(dir, 'poetry.lock') }),
    /^--requirements: .*poetry\.lock needs the pyproject\.toml beside it \(poetry export reads both\)/,
  );
  rmSync(path.join(dir, 'uv.lock'));
  rmSync(path.join(dir, 'poetry.lock'));
  assert.is(found()!.kind, 'pipenv', 'Pipfile.lock needs nothing beside it');
  rmSync(dir, { recursive: true, force: true });
});

test('a lock goes to the stage with its project file and the kind tells the installer which tool exports it', () => {
  for (const [kind, files, tool] of [
    ['uv', ['uv.lock', 'pyproject.toml'], /uv export --frozen --no-emit-project --no-dev \(uv installed in the build stage only\)/],
    ['poetry', ['poetry.lock', 'pyproject.toml'], /poetry export --without-urls \(poetry and poetry-plugin-export installed in the build stage only\)/],
    ['pipenv', ['Pipfile.lock'], /pipenv requirements --hash \(pipenv installed in the build stage only\)/],
  ] as const) {
    const plan = planBuild(LOCKS(kind, 'wsgi.py'), resolveBuildOptions({}), { ...PYPI, caBundle: '/etc/ssl/certs/ca-certificates.crt' });
    const dependencies = plan.dependencies!;
    assert.is(dependencies.kind, kind);
    assert.equal(
      stageFiles(dependencies).map(([name]) => name),
      files,
    );
    assert.match(describeDependencies(dependencies), tool);
    assert.ok(
      renderDockerfile(plan, FACTS).includes(
        `RUN --mount=type=cache,id=mwe-pip-cache,target=/root/.cache/pip ["/bin/sh","/tmp/dependencies/install-dependencies.sh","/usr/bin/python3","/out/usr/local/lib/mwe-image/contract.sh","/tmp/mwe-venv-layer","${kind}","--index-url","https://pypi.org/simple/","--cert","/tmp/dependencies/ca-bundle.crt"]`,
      ),
      kind,
    );
    const names = appContext(plan, { tag: 'mwe-image/toolchain:test', facts: FACTS, built: false }, 'mwe-image build').names();
    assert.equal(
      names.filter((name) => name.startsWith('dependencies/') && !/^dependencies\/(wheels|find-links)$/.test(name)).sort(),
      [
        'dependencies/ca-bundle.crt',
        'dependencies/extra-requirements.txt',
        'dependencies/install-dependencies.sh',
        ...files.map((name) => `dependencies/${name}`),
      ].sort(),
    );
  }
});

test('the telemetry ingester alone makes a stage with no dependency file', () => {
  const plan = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({ enableTelemetry: true }), PYPI);
  assert.is(plan.dependencies?.kind, 'none');
  assert.equal(plan.dependencies?.extraRequirements, ['mod-wsgi-telemetry']);
  assert.equal(stageFiles(plan.dependencies!), []);
  assert.match(describeDependencies(plan.dependencies!), /^Dependencies from mod-wsgi-telemetry; pip-installed into \/opt\/venv/);
});

test.run();
