/**
 * Index credentials in the dependencies stage: the Dockerfile (and so the
 * build cache) shows the pip sources with their userinfo redacted; the full
 * ones are the build secret mwe-pip-sources, mounted only for that step; an
 * emitted context keeps that secret mount and nothing else BuildKit-only.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { appContext, appSecrets } from '../../src/app-image.js';
import { PIP_SOURCES_SECRET } from '../../src/dependencies.js';
import { resolveBuildOptions } from '../../src/options.js';
import { indexConfig } from '../../src/package-index.js';
import { planBuild } from '../../src/plan.js';
import { renderDockerfile } from '../../src/render.js';
import type { Toolchain } from '../../src/toolchain.js';
import { TRIXIE_FACTS as FACTS } from '../helpers/facts.js';
import { fixture } from '../helpers/paths.js';

const credentials = suite('index credentials');
const TOKEN = 's3cr3t-token';
const TOOLCHAIN: Toolchain = { tag: 'mwe-image/toolchain:test', facts: FACTS, built: false };

const FLAGS = { findLinks: [`https://reader:${TOKEN}@links.example/wheels/`] };
const plan = () =>
  planBuild(
    fixture('deps-app', 'wsgi.py'),
    resolveBuildOptions(FLAGS),
    indexConfig(FLAGS, { PIP_INDEX_URL: `https://__token__:${TOKEN}@pypi.example/simple/` }, () => ({})),
  );

credentials('the Dockerfile has the sources redacted and a secret mount; the secret has them whole, one a line', () => {
  const built = plan();
  const dockerfile = renderDockerfile(built, FACTS);
  assert.not.ok(dockerfile.includes(TOKEN), dockerfile);
  assert.match(
    dockerfile,
    /RUN --mount=type=cache,id=mwe-pip-cache,target=\/root\/\.cache\/pip --mount=type=secret,id=mwe-pip-sources \["\/bin\/sh",.*"--index-url","https:\/\/\*\*\*@pypi\.example\/simple\/",.*"--find-links","https:\/\/\*\*\*@links\.example\/wheels\/"/,
  );
  const secret = appSecrets(built).get(PIP_SOURCES_SECRET)!.toString('utf8').split('\n');
  assert.ok(
    secret.includes(`https://__token__:${TOKEN}@pypi.example/simple/`) && secret.includes(`https://reader:${TOKEN}@links.example/wheels/`),
    secret.join('\n'),
  );
  assert.is(secret.pop(), '', 'one argument a line, the last one ended');
});

credentials('no credentials: no secret and no secret mount', () => {
  const built = planBuild(
    fixture('deps-app', 'wsgi.py'),
    resolveBuildOptions({}),
    indexConfig({}, {}, () => ({})),
  );
  assert.is(appSecrets(built).size, 0);
  assert.not.match(renderDockerfile(built, FACTS), /type=secret/);
});

credentials('an emitted context keeps the secret mount only; a legacy build drops both mounts; BuildKit gets both', () => {
  const dockerfile = (builder?: 'buildkit' | 'legacy') => {
    const context = appContext(plan(), TOOLCHAIN, 'mwe-image build', builder) as unknown as { entries: { name: string; content?: string }[] };
    return String(context.entries.find((entry) => entry.name === 'Dockerfile')!.content);
  };
  assert.match(dockerfile(), /\nRUN --mount=type=secret,id=mwe-pip-sources \["\/bin\/sh"/);
  assert.match(dockerfile('legacy'), /\nRUN \["\/bin\/sh"/);
  assert.match(dockerfile('buildkit'), /\nRUN --mount=type=cache,\S+ --mount=type=secret,id=mwe-pip-sources \["\/bin\/sh"/);
  for (const builder of [undefined, 'legacy', 'buildkit'] as const) assert.not.ok(dockerfile(builder).includes(TOKEN));
});

credentials.run();
