/** Locations inside this package (templates, Dockerfiles, the entrypoint source). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: the nearest directory above this module with package.json (src/, dist/src/ and the bundle in dist/ all find it). */
export const packageRoot = (() => {
  let directory = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(directory, 'package.json')) && path.dirname(directory) !== directory) directory = path.dirname(directory);
  return () => directory;
})();

export function imagesDir(): string {
  return path.join(packageRoot(), 'images');
}

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8'));
  return manifest.version as string;
}

/** The CLI's launcher, which generated scripts (a server root's apachectl) call back. */
export const CLI_PATH = path.join(packageRoot(), 'bin', 'mwe-image.js');
