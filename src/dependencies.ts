/**
 * The application's Python dependencies: which file lists them (a lock file
 * of uv, Poetry or Pipenv, requirements.txt or pyproject.toml), where pip
 * takes them from, and how the build installs them into a virtualenv in its
 * own cached stage.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_PATHS } from './contract.js';
import { UsageError } from './errors.js';
import type { BuildOptions } from './options.js';
import { redactUrl, type IndexConfig } from './package-index.js';

/** The virtualenv in the image, and a stable link to its site-packages (the Python version varies). */
export const VENV = IMAGE_PATHS.venv;
export const VENV_SITE_PACKAGES = `${VENV}/site-packages`;
/** Where the dependencies stage leaves the virtualenv at its path, for the runtime image's COPY onto /. */
export const VENV_LAYER = '/tmp/mwe-venv-layer';

/** Where the build context puts what pip reads, inside the dependencies stage. */
const STAGE_DIR = '/tmp/dependencies';

/** What mod_wsgi-express's --enable-telemetry needs importable next to the app. */
export const TELEMETRY_PACKAGE = 'mod-wsgi-telemetry';

/** How the dependency file is read: pip -r, pyproject's [project] dependencies, or a lock exported by its tool. */
export type DependencyKind = 'requirements' | 'pyproject' | LockKind;
export type LockKind = 'uv' | 'poetry' | 'pipenv';

export interface LockFormat {
  file: string;
  kind: LockKind;
  /** The project file the tool reads next to the lock. */
  project?: string;
  /** What the stage pip-installs (into a throwaway virtualenv) to export the lock. */
  tool: string[];
  /** The export, as the build output names it. */
  exportCommand: string;
}

/**
 * Lock files in the order the app directory is searched, before requirements.txt
 * and pyproject.toml: a lock decides every version (and hash).
 */
export const LOCK_FORMATS: LockFormat[] = [
  { file: 'uv.lock', kind: 'uv', project: 'pyproject.toml', tool: ['uv'], exportCommand: 'uv export --frozen --no-emit-project --no-dev' },
  { file: 'poetry.lock', kind: 'poetry', project: 'pyproject.toml', tool: ['poetry', 'poetry-plugin-export'], exportCommand: 'poetry export --without-urls' },
  { file: 'Pipfile.lock', kind: 'pipenv', tool: ['pipenv'], exportCommand: 'pipenv requirements --hash' },
];

/** Where the dependencies come from on the host. */
export interface DependencySource {
  file: string;
  kind: DependencyKind;
  /** pyproject.toml beside a uv or Poetry lock. */
  projectFile?: string;
}

export interface DependenciesPlan {
  /** Host file listing the dependencies; none when only extraRequirements are installed. */
  file?: string;
  kind: DependencyKind | 'none';
  /** pyproject.toml beside a uv or Poetry lock, copied with it. */
  projectFile?: string;
  /** Requirements the options add (the telemetry ingester). */
  extraRequirements: string[];
  /** Host directory of wheels (--wheel-dir), copied into the build context. */
  wheelDir?: string;
  /** Host directories named by --find-links/PIP_FIND_LINKS, copied into the build context in this order. */
  findLinkDirectories: string[];
  /** The host's CA bundle for the index, copied into the build context (certificates, no secret). */
  caBundle?: string;
  /** Where pip finds distributions, as pip arguments; URL credentials redacted (what the Dockerfile shows). */
  sourceArgs: string[];
  /** The same arguments with their credentials, when any URL has some: a build secret, never a layer. */
  secretSourceArgs?: string[];
}

/** A pyproject.toml lists dependencies when its [project] table has a dependencies key. */
function pyprojectHasDependencies(file: string): boolean {
  const text = readFileSync(file, 'utf8');
  const project = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text);
  return Boolean(project && /^\s*dependencies\s*=/m.test(project[1]));
}

/** What a dependency file is, by its name: a lock, pyproject.toml, else a requirements file. */
function sourceOf(file: string, flag: string): DependencySource {
  const name = path.basename(file);
  if (name === 'pyproject.toml') return { file, kind: 'pyproject' };
  const lock = LOCK_FORMATS.find((format) => format.file === name);
  if (!lock) return { file, kind: 'requirements' };
  if (!lock.project) return { file, kind: lock.kind };
  const projectFile = path.join(path.dirname(file), lock.project);
  if (!existsSync(projectFile)) {
    throw new UsageError(
      `${flag}: ${file} needs the ${lock.project} beside it (${lock.tool[0]} export reads both); add it, or give --requirements with another file`,
    );
  }
  return { file, kind: lock.kind, projectFile };
}

/**
 * The dependency file: --requirements (a requirements file, pyproject.toml or
 * a lock, told by its name), else in the app directory the first of uv.lock,
 * poetry.lock, Pipfile.lock, requirements.txt, and a pyproject.toml with
 * [project] dependencies.
 */
export function dependencySource(options: BuildOptions, appDir: string | undefined): DependencySource | undefined {
  if (options.requirements) return sourceOf(path.resolve(options.requirements), '--requirements');
  if (options.ignoreRequirements || !appDir) return undefined;
  for (const name of [...LOCK_FORMATS.map((format) => format.file), 'requirements.txt']) {
    const file = path.join(appDir, name);
    if (existsSync(file)) return sourceOf(file, 'APP');
  }
  const pyproject = path.join(appDir, 'pyproject.toml');
  return existsSync(pyproject) && pyprojectHasDependencies(pyproject) ? sourceOf(pyproject, 'APP') : undefined;
}

/** The files the stage reads, as [name in the build context's dependencies/, host path]. */
export function stageFiles(plan: DependenciesPlan): [string, string][] {
  if (!plan.file) return [];
  const lock = LOCK_FORMATS.find((format) => format.kind === plan.kind);
  if (lock) return [[lock.file, plan.file], ...(lock.project && plan.projectFile ? [[lock.project, plan.projectFile] as [string, string]] : [])];
  return [[plan.kind === 'pyproject' ? 'pyproject.toml' : 'requirements.txt', plan.file]];
}

/** One line for the build's progress output: which file the dependencies come from, and how. */
export function describeDependencies(plan: DependenciesPlan): string {
  const lock = LOCK_FORMATS.find((format) => format.kind === plan.kind);
  const how = lock
    ? `: the locked versions, by ${lock.exportCommand} (${lock.tool.join(' and ')} installed in the build stage only)`
    : plan.kind === 'pyproject'
      ? ': its [project] dependencies'
      : '';
  const files = [plan.file, ...plan.extraRequirements].filter(Boolean).join(' and ');
  return `Dependencies from ${files}${how}; pip-installed into ${VENV} in a cached build stage`;
}

/** pip's arguments for the stage, from the host's index configuration; local directories as the context holds them. */
function pipSourceArgs(options: BuildOptions, index: IndexConfig, findLinkDirectories: string[]): string[] {
  if (options.wheelDir) return ['--no-index', '--find-links', `${STAGE_DIR}/wheels`];
  const args = index.noIndex ? ['--no-index'] : ['--index-url', index.indexUrl, ...index.extraIndexUrls.flatMap((url) => ['--extra-index-url', url])];
  for (const link of index.findLinks) {
    const directory = findLinkDirectories.indexOf(link);
    if (directory >= 0) args.push('--find-links', `${STAGE_DIR}/find-links/${directory}`);
    else if (/^https?:/.test(link)) args.push('--find-links', link);
  }
  args.push(...index.trustedHosts.flatMap((host) => ['--trusted-host', host]));
  if (index.caBundle) args.push('--cert', `${STAGE_DIR}/ca-bundle.crt`);
  return args;
}

/** The build secret (BuildKit) that carries credentialed pip arguments; install-dependencies.sh reads /run/secrets/ + it. */
export const PIP_SOURCES_SECRET = 'mwe-pip-sources';

/** The arguments as the Dockerfile may show them, and as a secret when they hold credentials. */
function sourceArguments(args: string[]): Pick<DependenciesPlan, 'sourceArgs' | 'secretSourceArgs'> {
  const redacted = args.map(redactUrl);
  return redacted.some((arg, index) => arg !== args[index]) ? { sourceArgs: redacted, secretSourceArgs: args } : { sourceArgs: args };
}

export function planDependencies(options: BuildOptions, appDir: string | undefined, index: () => IndexConfig): DependenciesPlan | undefined {
  const source = dependencySource(options, appDir);
  const extraRequirements = options.enableTelemetry ? [TELEMETRY_PACKAGE] : [];
  if (!source && !extraRequirements.length) return undefined;
  const config = index();
  const findLinkDirectories = options.wheelDir
    ? []
    : config.findLinks.filter((link) => !/^https?:/.test(link) && existsSync(link) && statSync(link).isDirectory());
  return {
    file: source?.file,
    kind: source?.kind ?? 'none',
    projectFile: source?.projectFile,
    extraRequirements,
    wheelDir: options.wheelDir ? path.resolve(options.wheelDir) : undefined,
    findLinkDirectories: findLinkDirectories.map((directory) => path.resolve(directory)),
    caBundle: options.wheelDir ? undefined : config.caBundle,
    ...sourceArguments(pipSourceArgs(options, config, findLinkDirectories)),
  };
}
