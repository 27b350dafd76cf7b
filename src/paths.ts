/** Locations inside this package (templates, Dockerfiles, the entrypoint source). */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root: dist/src/paths.js and src/paths.ts both sit two levels below it. */
export function packageRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const up = path.basename(path.dirname(here)) === 'dist' ? '../..' : '..';
  return path.resolve(here, up);
}

export function imagesDir(): string {
  return path.join(packageRoot(), 'images');
}

export function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8'));
  return manifest.version as string;
}

/** The CLI's launcher, which generated scripts (a server root's apachectl) call back. */
export const CLI_PATH = path.join(packageRoot(), 'bin', 'mwe-image.js');
