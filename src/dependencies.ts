/**
 * The application's Python dependencies: which file lists them
 * (requirements.txt or pyproject.toml), where pip takes them from, and how
 * the build installs them into a virtualenv in its own cached stage.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { BuildOptions } from './options.js';
import type { IndexConfig } from './package-index.js';

/** The virtualenv in the image, and a stable link to its site-packages (the Python version varies). */
export const VENV = '/opt/venv';
export const VENV_SITE_PACKAGES = `${VENV}/site-packages`;

/** Where the build context puts what pip reads, inside the dependencies stage. */
const STAGE_DIR = '/tmp/dependencies';

/** What mod_wsgi-express's --enable-telemetry needs importable next to the app. */
export const TELEMETRY_PACKAGE = 'mod-wsgi-telemetry';

export interface DependenciesPlan {
  /** Host file listing the dependencies; none when only extraRequirements are installed. */
  file?: string;
  kind: 'requirements' | 'pyproject' | 'none';
  /** Requirements the options add (the telemetry ingester). */
  extraRequirements: string[];
  /** Host directory of wheels (--wheel-dir), copied into the build context. */
  wheelDir?: string;
  /** Host directories named by --find-links/PIP_FIND_LINKS, copied into the build context in this order. */
  findLinkDirectories: string[];
  /** The host's CA bundle for the index, copied into the build context (certificates, no secret). */
  caBundle?: string;
  /** Where pip finds distributions, as pip arguments. */
  sourceArgs: string[];
}

/** A pyproject.toml lists dependencies when its [project] table has a dependencies key. */
function pyprojectHasDependencies(file: string): boolean {
  const text = readFileSync(file, 'utf8');
  const project = /^\[project\]\s*$([\s\S]*?)(?=^\[|(?![\s\S]))/m.exec(text);
  return Boolean(project && /^\s*dependencies\s*=/m.test(project[1]));
}

/** The dependency file: --requirements, else requirements.txt, else a pyproject.toml with dependencies, in the app directory. */
function dependencyFile(options: BuildOptions, appDir: string | undefined): string | undefined {
  if (options.requirements) return path.resolve(options.requirements);
  if (options.ignoreRequirements || !appDir) return undefined;
  const requirements = path.join(appDir, 'requirements.txt');
  if (existsSync(requirements)) return requirements;
  const pyproject = path.join(appDir, 'pyproject.toml');
  return existsSync(pyproject) && pyprojectHasDependencies(pyproject) ? pyproject : undefined;
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

export function planDependencies(options: BuildOptions, appDir: string | undefined, index: () => IndexConfig): DependenciesPlan | undefined {
  const file = dependencyFile(options, appDir);
  const extraRequirements = options.enableTelemetry ? [TELEMETRY_PACKAGE] : [];
  if (!file && !extraRequirements.length) return undefined;
  const config = index();
  const findLinkDirectories = options.wheelDir ? [] : config.findLinks.filter((link) => !/^https?:/.test(link) && existsSync(link) && statSync(link).isDirectory());
  return {
    file,
    kind: !file ? 'none' : path.basename(file) === 'pyproject.toml' ? 'pyproject' : 'requirements',
    extraRequirements,
    wheelDir: options.wheelDir ? path.resolve(options.wheelDir) : undefined,
    findLinkDirectories: findLinkDirectories.map((directory) => path.resolve(directory)),
    caBundle: options.wheelDir ? undefined : config.caBundle,
    sourceArgs: pipSourceArgs(options, config, findLinkDirectories),
  };
}
