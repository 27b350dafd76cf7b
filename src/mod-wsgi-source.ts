/**
 * Where a toolchain takes mod_wsgi from, as given to --mod-wsgi:
 *   debian            the base suite's upstream tarball from Debian's source archive (default, works offline of PyPI)
 *   debian:VERSION    that upstream version from the suite's source archive
 *   debian-package    the module Debian compiled for the suite (libapache2-mod-wsgi-py3):
 *                     no compile; needs the suite's own Python and Apache
 *   pypi:VERSION      `pip download mod_wsgi==VERSION` (sdist) in the build stage: what real users fetch
 *   http(s)://...     a source tarball at a URL
 *   PATH              a local .tar.gz or source tree, sent with the build context
 */
import path from 'node:path';
import { UsageError } from './errors.js';
import * as check from './validate.js';

export type ModWsgiSource =
  | { kind: 'debian'; version?: string }
  | { kind: 'debian-package' }
  | { kind: 'pypi'; version: string }
  | { kind: 'url'; url: string }
  | { kind: 'local'; path: string };

export function parseModWsgiSource(value: string | undefined, flag = '--mod-wsgi'): ModWsgiSource {
  if (value === undefined || value === 'debian') return { kind: 'debian' };
  if (value === 'debian-package') return { kind: 'debian-package' };
  const debian = /^debian:(\d[\w.+~]*)$/.exec(value);
  if (debian) return { kind: 'debian', version: debian[1] };
  const pypi = /^pypi:(\d+(\.\d+)*([a-z]+\d+)?)$/.exec(value);
  if (pypi) return { kind: 'pypi', version: pypi[1] };
  if (/^(debian|pypi):/.test(value)) {
    throw new UsageError(`${flag}: '${value}' has no usable version; give e.g. debian:5.0.2 or pypi:5.0.2`);
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
      return `pypi:${source.version}`;
    case 'url':
      return source.url;
    case 'local':
      return `local:${path.basename(source.path)}`;
  }
}
