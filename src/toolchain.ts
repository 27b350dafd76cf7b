/**
 * Toolchain images: the build stage that compiles mod_wsgi and the entrypoint
 * for one (base image, Python, Apache, mod_wsgi source, toolchain recipe) combination. Each is
 * built once, tagged by a key of that combination, and shared by every app.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Docker from 'dockerode';
import { describeApacheSource, type ApacheSource } from './apache-source.js';
import { contractFiles } from './contract-files.js';
import { RuntimeFailure } from './errors.js';
import { buildImage, chooseBuilder, dockerfileFor, type Builder } from './docker/build-stream.js';
import { ContextBuilder } from './docker/context.js';
import type { ProgressMode } from './docker/progress.js';
import { findImage } from './docker/engine.js';
import { readImagePath } from './docker/image-files.js';
import { readRecord, writeRecord } from './host-cache.js';
import { describeModWsgiSource, type ModWsgiSource } from './mod-wsgi-source.js';
import { describePythonSource, type PythonSource } from './python-source.js';
import { imagesDir, packageRoot } from './paths.js';
import { TOOLCHAIN_FACTS_PATH, type ToolchainFacts } from './toolchain-facts.js';
import { repositoryPath } from './validate.js';

/** Toolchains are tagged PREFIX/toolchain:KEY; PREFIX keeps users of a shared engine apart. */
export const DEFAULT_TOOLCHAIN_PREFIX = 'mwe-image';
export const TOOLCHAIN_PREFIX_VARIABLE = 'MWE_TOOLCHAIN_PREFIX';

/** The toolchain repository: --toolchain-prefix, else MWE_TOOLCHAIN_PREFIX, else mwe-image. */
export function toolchainRepository(prefix?: string): string {
  const fromEnvironment = process.env[TOOLCHAIN_PREFIX_VARIABLE] || undefined;
  if (prefix === undefined && fromEnvironment !== undefined) repositoryPath(fromEnvironment, TOOLCHAIN_PREFIX_VARIABLE);
  return `${prefix ?? fromEnvironment ?? DEFAULT_TOOLCHAIN_PREFIX}/toolchain`;
}

export interface ToolchainRequest {
  baseImageId: string;
  baseImage: string;
  modWsgi: ModWsgiSource;
  python: PythonSource;
  apache: ApacheSource;
  /** --toolchain-prefix (not part of the key: the same combination under another prefix is the same build). */
  prefix?: string;
}

export interface Toolchain {
  tag: string;
  facts: ToolchainFacts;
  built: boolean;
}

function hashTree(hash: ReturnType<typeof createHash>, hostPath: string, name: string): void {
  const stat = statSync(hostPath);
  if (stat.isDirectory()) {
    for (const child of readdirSync(hostPath).sort()) hashTree(hash, path.join(hostPath, child), `${name}/${child}`);
  } else {
    hash.update(`${name}\0${stat.mode & 0o111 ? 'x' : '-'}\0`).update(readFileSync(hostPath));
  }
}

function entrypointSource(): string {
  return path.join(packageRoot(), 'entrypoint', 'entrypoint.c');
}

/** Build arguments and labels of a toolchain build; part of its key. */
export function toolchainSettings(request: ToolchainRequest) {
  const source = request.modWsgi;
  return {
    buildArgs: {
      BASE_IMAGE: request.baseImage,
      PYTHON_FROM: request.python.from,
      PYTHON_VERSION: request.python.from === 'distro' ? '' : request.python.version,
      PYTHON_FREE_THREADED: request.python.from !== 'distro' && request.python.freeThreaded ? '1' : '0',
      PYTHON_OPTIMIZED: request.python.from !== 'distro' && request.python.optimized ? '1' : '0',
      PYTHON_URL: request.python.from === 'url' ? request.python.url! : '',
      APACHE_FROM: request.apache.from,
      APACHE_URL: request.apache.from === 'url' ? request.apache.url : '',
      MOD_WSGI_SOURCE: source.kind,
      MOD_WSGI_VERSION: source.kind === 'debian' || source.kind === 'pypi' ? (source.version ?? '') : '',
      MOD_WSGI_URL: source.kind === 'url' ? source.url : '',
    },
    labels: {
      'io.mwe-image.kind': 'toolchain',
      'io.mwe-image.base': request.baseImage,
      // The key covers a local source's content; a path would go stale when another build reuses the image.
      'io.mwe-image.mod-wsgi-source': describeModWsgiSource(source),
      'io.mwe-image.python-source': describePythonSource(request.python),
      'io.mwe-image.apache-source': describeApacheSource(request.apache),
    },
  };
}

/** The tag that names a toolchain: same inputs, same tag. */
export function toolchainTag(request: ToolchainRequest): string {
  const hash = createHash('sha256');
  hash.update(`base\0${request.baseImageId}\0${JSON.stringify(toolchainSettings(request))}\0`);
  hashTree(hash, path.join(imagesDir(), 'toolchain'), 'toolchain');
  hashTree(hash, entrypointSource(), 'entrypoint.c');
  for (const [name, content] of Object.entries(contractFiles())) hash.update(`contract/${name}\0`).update(content);
  if (request.modWsgi.kind === 'local') hashTree(hash, request.modWsgi.path, 'mod_wsgi-src');
  if (request.modWsgi.kind === 'pypi' && request.modWsgi.file) hashTree(hash, request.modWsgi.file, 'mod_wsgi-src');
  if (request.python.from === 'local') hashTree(hash, request.python.path!, 'python-src');
  if (request.apache.from === 'local') hashTree(hash, request.apache.path, 'apache-src');
  return `${toolchainRepository(request.prefix)}:${hash.digest('hex').slice(0, 16)}`;
}

/** The toolchain's build context; its Dockerfile as `builder` reads it (the legacy form builds anywhere). */
export function toolchainContext(request: ToolchainRequest, builder: Builder = 'legacy'): ContextBuilder {
  const context = new ContextBuilder();
  const recipe = path.join(imagesDir(), 'toolchain');
  context.addFile('Dockerfile', dockerfileFor(builder, readFileSync(path.join(recipe, 'Dockerfile'), 'utf8')));
  context.addHostPath('scripts', path.join(recipe, 'scripts'));
  context.addHostPath('diagnostics', path.join(recipe, 'diagnostics'));
  context.addHostPath('express', path.join(recipe, 'express'));
  context.addDirectory('entrypoint').addHostPath('entrypoint/entrypoint.c', entrypointSource());
  // What the C, shell and Python sides read of the option table and the image's paths.
  context.addDirectory('contract');
  for (const [name, content] of Object.entries(contractFiles())) context.addFile(`contract/${name}`, content);
  context.addDirectory('python-src');
  if (request.python.from === 'local') context.addHostPath(`python-src/${path.basename(request.python.path!)}`, request.python.path!);
  context.addDirectory('apache-src');
  if (request.apache.from === 'local') context.addHostPath(`apache-src/${path.basename(request.apache.path)}`, request.apache.path);
  context.addDirectory('mod_wsgi-src');
  if (request.modWsgi.kind === 'local') {
    const source = request.modWsgi.path;
    if (statSync(source).isDirectory()) {
      for (const child of readdirSync(source)) context.addHostPath(`mod_wsgi-src/${child}`, path.join(source, child));
    } else {
      context.addHostPath(`mod_wsgi-src/${path.basename(source)}`, source);
    }
  }
  // The sdist the host resolved and downloaded: the build itself needs no package index.
  if (request.modWsgi.kind === 'pypi' && request.modWsgi.file) {
    context.addHostPath(`mod_wsgi-src/${path.basename(request.modWsgi.file)}`, request.modWsgi.file);
  }
  return context;
}

export async function ensureToolchain(
  docker: Docker,
  request: ToolchainRequest,
  progress?: (line: string) => void,
  display: ProgressMode = 'plain',
): Promise<Toolchain> {
  const tag = toolchainTag(request);
  let built = false;
  let imageId = (await findImage(docker, tag))?.Id;
  if (!imageId) {
    const python =
      request.python.from === 'distro'
        ? ''
        : `, Python ${describePythonSource(request.python)} compiled first (${request.python.optimized ? 'about 35 minutes on 2 cores' : 'about 10 minutes on 2 cores'})`;
    const apache = request.apache.from === 'distro' ? '' : `, Apache httpd from ${describeApacheSource(request.apache)} compiled into /opt/apache`;
    progress?.(
      `Building toolchain ${tag} (mod_wsgi from ${describeModWsgiSource(request.modWsgi)}, base ${request.baseImage}${python}${apache}); this is done once per combination.`,
    );
    const builder = await chooseBuilder(docker, progress);
    ({ imageId } = await buildImage(docker, {
      context: toolchainContext(request, builder).toStream(),
      tag,
      ...toolchainSettings(request),
      progress,
      display,
      builder,
    }));
    built = true;
  }
  return { tag, facts: await toolchainFacts(docker, tag, imageId), built };
}

/**
 * What the toolchain recorded about itself: read out of the image once (a
 * container is created for it), then kept on the host under the image ID,
 * which names the image's content, so a rebuilt toolchain is read anew.
 */
async function toolchainFacts(docker: Docker, tag: string, imageId: string | undefined): Promise<ToolchainFacts> {
  const cached = imageId ? readRecord<ToolchainFacts>('toolchain-facts', imageId) : undefined;
  if (cached) return cached;
  const [file] = await readImagePath(docker, tag, TOOLCHAIN_FACTS_PATH);
  let facts: ToolchainFacts;
  try {
    facts = JSON.parse(file.content.toString('utf8')) as ToolchainFacts;
  } catch {
    throw new RuntimeFailure(`toolchain ${tag} has no readable ${TOOLCHAIN_FACTS_PATH}; remove it with docker rmi ${tag} and build again`);
  }
  if (imageId) writeRecord('toolchain-facts', imageId, facts);
  return facts;
}
