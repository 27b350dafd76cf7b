/**
 * Where a toolchain takes mod_wsgi from, as given to --mod-wsgi:
 *   pypi              the newest release on the configured package index (default): what
 *                     `pip install mod_wsgi` gets; resolved on the host and pinned per build
 *   pypi:VERSION      that release
 *   debian            the base suite's upstream tarball from Debian's source archive
 *   debian:VERSION    that upstream version from the suite's source archive
 *   debian-package    the module Debian compiled for the suite (libapache2-mod-wsgi-py3):
 *                     no compile; needs the suite's own Python and Apache
 *   http(s)://...     a source tarball at a URL
 *   PATH              a local .tar.gz or source tree, sent with the build context
 */
import path from 'node:path';
import { UsageError } from './errors.js';
import { fetchDistribution, findSourceDistribution, type IndexConfig } from './package-index.js';
import * as check from './validate.js';

export type ModWsgiSource =
  | { kind: 'debian'; version?: string }
  | { kind: 'debian-package' }
  /** Without a version: the newest release. `file` is the sdist on the host once resolved. */
  | { kind: 'pypi'; version?: string; file?: string }
  | { kind: 'url'; url: string }
  | { kind: 'local'; path: string };

export const PYPI_PROJECT = 'mod_wsgi';

export function parseModWsgiSource(value: string | undefined, flag = '--mod-wsgi'): ModWsgiSource {
  if (value === undefined || value === 'pypi') return { kind: 'pypi' };
  if (value === 'debian') return { kind: 'debian' };
  if (value === 'debian-package') return { kind: 'debian-package' };
  const debian = /^debian:(\d[\w.+~]*)$/.exec(value);
  if (debian) return { kind: 'debian', version: debian[1] };
  const pypi = /^pypi:(\d+(\.\d+)*([a-z]+\d+)?)$/.exec(value);
  if (pypi) return { kind: 'pypi', version: pypi[1] };
  if (/^(debian|pypi):/.test(value)) {
    throw new UsageError(`${flag}: '${value}' has no usable version; give e.g. pypi:6.1.1 or debian:5.0.2, or pypi for the newest release`);
  }
  if (/^https?:\/\//.test(value)) {
    check.configText(value, flag);
    if (/\s/.test(value)) throw new UsageError(`${flag}: '${value}' is not a URL; remove the spaces`);
    return { kind: 'url', url: value };
  }
  check.existingPath(value, flag);
  return { kind: 'local', path: path.resolve(value) };
}

/** The value check used by the option table. */
export function checkModWsgiSource(value: string, flag: string): void {
  parseModWsgiSource(value, flag);
}

/** How the source is named in labels and progress: stable, without host paths. */
export function describeModWsgiSource(source: ModWsgiSource): string {
  switch (source.kind) {
    case 'debian':
      return source.version ? `debian:${source.version}` : 'debian';
    case 'debian-package':
      return 'debian-package';
    case 'pypi':
      return source.version ? `pypi:${source.version}` : 'pypi';
    case 'url':
      return source.url;
    case 'local':
      return `local:${path.basename(source.path)}`;
  }
}

/**
 * Pins a PyPI source: the newest (or the named) release's sdist on the
 * configured indexes, downloaded on the host, so the toolchain build needs
 * no index access of its own. Other sources are returned as they are.
 */
export async function resolveModWsgiSource(source: ModWsgiSource, config: IndexConfig, progress?: (line: string) => void): Promise<ModWsgiSource> {
  if (source.kind !== 'pypi') return source;
  const { distribution, unreachable } = await findSourceDistribution(PYPI_PROJECT, source.version, config, '--mod-wsgi');
  if (unreachable.length) progress?.(`Note: could not read ${unreachable.join(', ')}; using ${distribution.filename} found elsewhere.`);
  const file = await fetchDistribution(distribution, config, '--mod-wsgi');
  return { kind: 'pypi', version: distribution.version, file };
}
