/**
 * Which Apache httpd a toolchain builds mod_wsgi against and the runtime image
 * runs, from --apache (the same vocabulary as --python-from):
 *   distro        the base image's apache2 packages (Debian paths)
 *   source        httpd built in the build stage into /opt/apache from the apache2
 *                 upstream tarball in Debian's source archive (apache.org's for real users: give its URL)
 *   URL or PATH   httpd built from that tarball
 * A source build links Debian's APR, APR-util and PCRE2 (see build-apache.sh).
 */
import path from 'node:path';
import { UsageError } from './errors.js';
import * as check from './validate.js';

export type ApacheSource = { from: 'distro' | 'debian' } | { from: 'url'; url: string } | { from: 'local'; path: string };

export function parseApacheSource(value: string | undefined, flag = '--apache'): ApacheSource {
  if (value === undefined || value === 'distro') return { from: 'distro' };
  if (value === 'source') return { from: 'debian' };
  if (/^https?:\/\//.test(value)) {
    check.configText(value, flag);
    if (/\s/.test(value)) throw new UsageError(`${flag}: '${value}' is not a URL; remove the spaces`);
    return { from: 'url', url: value };
  }
  if (!/\.(tar(\.\w+)?|tgz|tbz2?|txz)$/.test(value)) {
    throw new UsageError(
      `${flag}: '${value}' is not distro, source, an http(s) URL or a .tar.* file; e.g. --apache source, or --apache https://downloads.apache.org/httpd/httpd-2.4.65.tar.bz2`,
    );
  }
  check.existingFile(value, flag);
  return { from: 'local', path: path.resolve(value) };
}

/** The value check used by the option table. */
export function checkApacheSource(value: string, flag: string): void {
  parseApacheSource(value, flag);
}

/** How the source is named in labels and progress: stable, without host paths. */
export function describeApacheSource(source: ApacheSource): string {
  switch (source.from) {
    case 'distro':
      return 'distro';
    case 'debian':
      return 'source';
    case 'url':
      return source.url;
    case 'local':
      return `local:${path.basename(source.path)}`;
  }
}
