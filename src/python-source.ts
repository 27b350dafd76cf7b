/**
 * Which Python a toolchain builds for, from --python and --python-from:
 *   distro             the base image's python3 (3.13 on trixie, 3.11 on bookworm)
 *   source             CPython built in the build stage from the upstream tarball
 *                      in Debian's source archive (python.org's for real users: give its URL)
 *   URL or PATH        CPython built from that tarball
 * 3.13t means a free-threaded build (--disable-gil) and is always from source.
 * --python-pgo builds it with PGO and LTO (optimized).
 */
import path from 'node:path';
import { UsageError } from './errors.js';
import * as check from './validate.js';

export type PythonSource =
  | { from: 'distro' }
  | { from: 'debian' | 'url' | 'local'; version: string; freeThreaded: boolean; optimized: boolean; url?: string; path?: string };

export function parsePythonSource(python: string | undefined, pythonFrom: string | undefined, optimized = false): PythonSource {
  const freeThreaded = python?.endsWith('t') ?? false;
  const version = python?.replace(/t$/, '');
  const from = pythonFrom ?? (freeThreaded ? 'source' : 'distro');
  if (from === 'distro') {
    if (freeThreaded)
      throw new UsageError(`--python ${python}: no distribution ships a free-threaded Python; drop --python-from distro to build it from source`);
    if (optimized)
      throw new UsageError('--python-pgo: applies to a CPython built here; add --python-from source (or a tarball URL or path) with --python VERSION');
    return { from: 'distro' };
  }
  if (!version) throw new UsageError('--python-from: give --python VERSION too, e.g. --python 3.13t');
  if (from === 'source') return { from: 'debian', version, freeThreaded, optimized };
  if (/^https?:\/\//.test(from)) {
    check.configText(from, '--python-from');
    return { from: 'url', version, freeThreaded, optimized, url: from };
  }
  check.existingFile(from, '--python-from');
  return { from: 'local', version, freeThreaded, optimized, path: path.resolve(from) };
}

export function checkPythonFrom(value: string, flag: string): void {
  if (value === 'distro' || value === 'source' || /^https?:\/\/\S+$/.test(value)) return;
  check.existingFile(value, flag);
}

export function describePythonSource(source: PythonSource): string {
  if (source.from === 'distro') return 'distro';
  const name = `${source.version}${source.freeThreaded ? 't' : ''}${source.optimized ? ', PGO+LTO' : ''}`;
  return source.from === 'debian' ? `source:${name}` : source.from === 'url' ? `${source.url} (${name})` : `local:${path.basename(source.path!)} (${name})`;
}
