/**
 * The application's Python dependencies: which file lists them
 * (requirements.txt or pyproject.toml), where pip takes them from, and how
 * the build installs them into a virtualenv in its own cached stage.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BuildOptions } from './options.js';

/** The virtualenv in the image, and a stable link to its site-packages (the Python version varies). */
export const VENV = '/opt/venv';
export const VENV_SITE_PACKAGES = `${VENV}/site-packages`;

export interface DependenciesPlan {
  /** Host file listing the dependencies. */
  file: string;
  kind: 'requirements' | 'pyproject';
  /** Host directory of wheels (--wheel-dir), copied into the build context. */
  wheelDir?: string;
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

export function planDependencies(options: BuildOptions, appDir: string | undefined): DependenciesPlan | undefined {
  const file = dependencyFile(options, appDir);
  if (!file) return undefined;
  const sourceArgs = options.wheelDir
    ? ['--no-index', '--find-links', '/tmp/dependencies/wheels']
    : [...(options.indexUrl ? ['--index-url', options.indexUrl] : []), ...options.findLinks.flatMap((url) => ['--find-links', url])];
  return {
    file,
    kind: path.basename(file) === 'pyproject.toml' ? 'pyproject' : 'requirements',
    wheelDir: options.wheelDir ? path.resolve(options.wheelDir) : undefined,
    sourceArgs,
  };
}
