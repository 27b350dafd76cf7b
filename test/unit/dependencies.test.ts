import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/errors.js';
import { resolveBuildOptions } from '../../src/options.js';
import { planBuild } from '../../src/plan.js';
import { renderDockerfile, renderHttpdConf } from '../../src/render.js';
import { example, fixture } from '../helpers/paths.js';
import { TRIXIE_FACTS as FACTS } from '../helpers/facts.js';

test('requirements.txt in the app directory is found; the venv joins the python path; pip gets the wheel directory only', () => {
  const plan = planBuild(fixture('deps-app', 'wsgi.py'), resolveBuildOptions({ wheelDir: fixture('wheelhouse') }));
  assert.is(plan.dependencies?.kind, 'requirements');
  assert.is(plan.dependencies?.file, fixture('deps-app', 'requirements.txt'));
  assert.equal(plan.dependencies?.sourceArgs, ['--no-index', '--find-links', '/tmp/dependencies/wheels']);
  assert.equal(plan.pythonPath, ['/opt/venv/site-packages']);
  assert.match(renderHttpdConf(plan, FACTS, 'mwe-image build'), /python-path='\/opt\/venv\/site-packages'/);
  const dockerfile = renderDockerfile(plan, FACTS);
  assert.match(dockerfile, /FROM toolchain AS dependencies\nCOPY dependencies\/ \/tmp\/dependencies\/\nRUN \["\/bin\/sh","\/tmp\/dependencies\/install-dependencies\.sh","\/usr\/bin\/python3","requirements","--no-index","--find-links","\/tmp\/dependencies\/wheels"\]/);
  assert.match(dockerfile, /COPY --from=dependencies \/opt\/venv \/opt\/venv\nENV PATH=\/opt\/venv\/bin:/);
});

test('pyproject.toml counts only with [project] dependencies; --index-url and --find-links reach pip; no file, no stage', () => {
  const plan = planBuild(fixture('pyproject-app', 'wsgi.py'), resolveBuildOptions({ indexUrl: 'https://pypi.example/simple/', findLinks: ['https://wheels.example/'] }));
  assert.is(plan.dependencies?.kind, 'pyproject');
  assert.equal(plan.dependencies?.sourceArgs, ['--index-url', 'https://pypi.example/simple/', '--find-links', 'https://wheels.example/']);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mwe-pyproject-'));
  writeFileSync(path.join(dir, 'wsgi.py'), '');
  writeFileSync(path.join(dir, 'pyproject.toml'), '[project]\nname = "x"\n\n[tool.other]\ndependencies = ["not-these"]\n');
  assert.is(planBuild(path.join(dir, 'wsgi.py'), resolveBuildOptions({})).dependencies, undefined);
  const hello = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({}));
  assert.is(hello.dependencies, undefined);
  assert.not.match(renderDockerfile(hello, FACTS), /dependencies/);
});

test('--requirements names the file; --ignore-requirements skips detection; contradictions are usage errors', () => {
  const named = planBuild(example('hello', 'wsgi.py'), resolveBuildOptions({ requirements: fixture('deps-app', 'requirements.txt') }));
  assert.is(named.dependencies?.file, fixture('deps-app', 'requirements.txt'));
  assert.is(planBuild(fixture('deps-app', 'wsgi.py'), resolveBuildOptions({ ignoreRequirements: true })).dependencies, undefined);
  const usage = (raw: Record<string, unknown>, pattern: RegExp): void => {
    assert.throws(() => resolveBuildOptions(raw), (error: Error) => error instanceof UsageError && pattern.test(error.message));
  };
  usage({ wheelDir: fixture('wheelhouse'), indexUrl: 'https://pypi.example/simple/' }, /^--wheel-dir installs from that directory only/);
  usage({ ignoreRequirements: true, requirements: fixture('deps-app', 'requirements.txt') }, /^--ignore-requirements and --requirements contradict/);
  usage({ indexUrl: 'ftp://x/' }, /^--index-url: 'ftp:\/\/x\/' is not an http\(s\) URL/);
  usage({ findLinks: ['https://x/\nRUN rm -rf /'] }, /^--find-links: the value contains a newline/);
  usage({ wheelDir: '/nonexistent/wheels' }, /^--wheel-dir: '\/nonexistent\/wheels' does not exist/);
});

test.run();
