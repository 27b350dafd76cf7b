/**
 * Checks on single option values. Each throws a UsageError whose one line
 * names the option and says what to give instead.
 *
 * Values that reach Apache configuration are written inside single quotes,
 * so anything that could end a quoted word or a line (quotes, backslashes,
 * control characters) is refused rather than escaped. So is `$`: Apache
 * expands ${NAME} when it reads its configuration, as Docker does in a
 * Dockerfile's ENV and LABEL values and a shell does, each its own way, and
 * Apache has no escape for it. A value either reaches the app literally or is
 * refused. (%{...}, Apache's own syntax in --application-group and log
 * formats, is not affected.)
 */
import { existsSync, statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { UsageError } from './errors.js';

const CONTROL = /[\u0000-\u001f\u007f]/;
const QUOTING = /['"\\]/;

export function singleLine(value: string, flag: string): void {
  if (CONTROL.test(value)) {
    throw new UsageError(`${flag}: the value contains a newline or control character; give it on one line`);
  }
}

/** A value Apache (or Docker, or a shell) would expand: refused, not passed on changed. */
export function noDollar(value: string, flag: string): void {
  if (value.includes('$')) {
    throw new UsageError(`${flag}: '${value}' contains $, which Apache and Docker would expand as a variable (\${NAME}), not pass on as typed; remove it`);
  }
}

/** Text that is written quoted into Apache config. */
export function configText(value: string, flag: string): void {
  singleLine(value, flag);
  noDollar(value, flag);
  if (QUOTING.test(value)) {
    throw new UsageError(`${flag}: '${value}' contains a quote or backslash, which Apache config cannot take safely; remove it`);
  }
}

export function urlPath(value: string, flag: string): void {
  configText(value, flag);
  if (!value.startsWith('/') || /[\s<>]/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a URL path; give one that starts with / and has no spaces or < >`);
  }
}

export function existingPath(value: string, flag: string): void {
  configText(value, flag);
  try {
    statSync(value);
  } catch {
    throw new UsageError(`${flag}: '${value}' does not exist; give an existing file or directory`);
  }
}

export function existingDirectory(value: string, flag: string): void {
  existingPath(value, flag);
  if (!statSync(value).isDirectory()) {
    throw new UsageError(`${flag}: '${value}' is not a directory; give a directory`);
  }
}

export function existingFile(value: string, flag: string): void {
  existingPath(value, flag);
  if (!statSync(value).isFile()) {
    throw new UsageError(`${flag}: '${value}' is not a file; give a file`);
  }
}

export function ipAddress(value: string, flag: string): void {
  if (!isIP(value)) {
    throw new UsageError(`${flag}: '${value}' is not an IP address; give one such as 0.0.0.0 or 127.0.0.1`);
  }
}

export function pythonIdentifier(value: string, flag: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a Python name; give a name such as application or app`);
  }
}

export function pythonModuleName(value: string, flag: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a Python module name; give a dotted name such as mod_wsgi.diagnostics.environ`);
  }
}

/** Docker image reference: [registry/]name[:tag]; lower-case name components. */
export function imageReference(value: string, flag: string): void {
  const pattern = /^(?:[a-z0-9.-]+(?::[0-9]+)?\/)?[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;
  if (!pattern.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a valid image name; use lower-case name[:tag], e.g. myapp:1.0`);
  }
}

/** A container name as the engine accepts it. */
export function containerName(value: string, flag: string): void {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a container name; use letters, digits and _ . - (starting with a letter or digit)`);
  }
}

/** A repository path (lower-case components separated by /), e.g. the toolchain prefix. */
export function repositoryPath(value: string, flag: string): void {
  if (!/^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a repository name; use lower-case letters, digits and . _ - / (e.g. ci-job-42 or alice/mwe)`);
  }
}

/** A user or group as Apache's User/Group take it: a system name or #ID. */
export function accountName(value: string, flag: string): void {
  if (!/^(#\d{1,10}|[a-z_][a-z0-9_-]{0,31})$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a user or group name; give a name such as www-data or a number as #33`);
  }
}

export function fileName(value: string, flag: string): void {
  configText(value, flag);
  if (!/^[A-Za-z0-9._-]+$/.test(value) || value === '.' || value === '..') {
    throw new UsageError(`${flag}: '${value}' is not a plain file name; give a name such as index.html, without a directory`);
  }
}

export function imageAbsolutePath(value: string, flag: string): void {
  configText(value, flag);
  if (!value.startsWith('/') || /[\s<>]/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not an absolute path inside the container; give one such as /var/log/app`);
  }
}

const OVERRIDE_TYPES = ['All', 'None', 'AuthConfig', 'FileInfo', 'Indexes', 'Limit', 'Options'];
export function allowOverrideType(value: string, flag: string): void {
  const bare = value.split('=')[0];
  if (!OVERRIDE_TYPES.includes(bare) || !/^[A-Za-z]+(=[A-Za-z,]+)?$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a directive type; give one of ${OVERRIDE_TYPES.join(', ')}`);
  }
}

export function errorStatus(value: string, flag: string): void {
  if (!/^[1-5]\d\d$/.test(value) || Number(value) < 400) {
    throw new UsageError(`${flag}: '${value}' is not an HTTP error status; give one from 400 to 599`);
  }
}

export function fileExtension(value: string, flag: string): void {
  if (!/^\.[A-Za-z0-9_-]+$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a file extension; give one with its dot, such as .tmpl`);
  }
}

export function hostName(value: string, flag: string): void {
  if (!/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a host name; give one such as www.example.com`);
  }
}

export function hostPattern(value: string, flag: string): void {
  if (!/^(\*\.)?[A-Za-z0-9*?]([A-Za-z0-9*?-]{0,61})?(\.[A-Za-z0-9*?]([A-Za-z0-9*?-]{0,61})?)*$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a host name or wildcard; give one such as *.example.com`);
  }
}

export function groupName(value: string, flag: string): void {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a usable name; use letters, digits and . _ : - (up to 64)`);
  }
}

export function applicationGroup(value: string, flag: string): void {
  if (value === '%{GLOBAL}' || /^%\{ENV:[A-Za-z_][A-Za-z0-9_]*\}$/.test(value)) return;
  groupName(value, flag);
}

export function warningSpec(value: string, flag: string): void {
  noDollar(value, flag);
  if (!/^(default|error|ignore|always|module|once)(:[^:\s'"\\]*){0,4}$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a warnings filter; give action[:message[:category[:module[:lineno]]]], e.g. error::DeprecationWarning`);
  }
}

export function localeName(value: string, flag: string): void {
  if (!/^[A-Za-z0-9_.@-]+$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a locale name; give one such as en_US.UTF-8 or C.UTF-8`);
  }
}

export function environmentName(value: string, flag: string): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a variable name; use letters, digits and _`);
  }
}

/** Log formats go inside double quotes: quotes are escaped, backslashes refused. */
export function logFormat(value: string, flag: string): void {
  singleLine(value, flag);
  noDollar(value, flag);
  if (value.includes('\\')) {
    throw new UsageError(`${flag}: backslashes are not accepted in a log format; remove them`);
  }
}

export function unixTarget(value: string, flag: string): void {
  configText(value, flag);
  if (!/^unix:\/\S+$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a unix:/path/to/socket target (remote targets are not supported)`);
  }
}

export function headerName(value: string, flag: string): void {
  if (!/^[A-Za-z0-9-]+$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not an HTTP header name; give one such as X-Forwarded-For`);
  }
}

export function ipOrSubnet(value: string, flag: string): void {
  const [address, bits, ...rest] = value.split('/');
  const version = isIP(address);
  const maxBits = version === 6 ? 128 : 32;
  if (!version || rest.length || (bits !== undefined && (!/^\d+$/.test(bits) || Number(bits) > maxBits))) {
    throw new UsageError(`${flag}: '${value}' is not an IP address or subnet; give one such as 10.0.0.0/8`);
  }
}

export function debianPackage(value: string, flag: string): void {
  if (!/^[a-z0-9][a-z0-9.+-]+$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a Debian package name; give one such as python3-flask`);
  }
}

/** A URL pip may fetch from (--index-url, --find-links). */
export function httpUrl(value: string, flag: string): void {
  singleLine(value, flag);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`${flag}: '${value}' is not a URL; give an http:// or https:// URL`);
  }
  if (!['http:', 'https:'].includes(url.protocol) || /[\s'"\\]/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not an http(s) URL without spaces or quotes; give one`);
  }
}

/** A file to write on this host: its directory exists and it is not a directory itself. */
export function outputFile(value: string, flag: string): void {
  singleLine(value, flag);
  const directory = path.dirname(path.resolve(value));
  if (!existsSync(directory) || !statSync(directory).isDirectory()) {
    throw new UsageError(`${flag}: '${directory}' is not an existing directory; create it or give a file in one`);
  }
  if (existsSync(value) && statSync(value).isDirectory()) {
    throw new UsageError(`${flag}: '${value}' is a directory; give a file name`);
  }
}

/** --find-links: a page URL, or a directory on this host. */
export function httpUrlOrDirectory(value: string, flag: string): void {
  if (/^https?:/i.test(value)) {
    httpUrl(value, flag);
    return;
  }
  try {
    existingDirectory(value, flag);
  } catch {
    throw new UsageError(`${flag}: '${value}' is neither an http(s) URL nor an existing directory; give one of them`);
  }
}

/** pip's --trusted-host: a host name or address, with an optional port. */
export function indexHost(value: string, flag: string): void {
  const [host, port, ...rest] = value.split(':');
  if (rest.length || (port !== undefined && !/^\d{1,5}$/.test(port)) || !(isIP(host) || /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$/.test(host))) {
    throw new UsageError(`${flag}: '${value}' is not a host name; give one such as pypi.example.com or pypi.example.com:8080`);
  }
}

/** WSGITelemetryOptions arguments: [+|-]Flag ... or None or All. */
export function telemetryToggles(value: string, flag: string): void {
  if (!/^[+-]?[A-Za-z]+(\s+[+-]?[A-Za-z]+)*$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a list of capture toggles; give e.g. +CaptureUserAgent, -CaptureUserAgent, None or All`);
  }
}

/** --ssl-certificate: the common path of PATH.crt and PATH.key, both existing files. */
export function certificatePrefix(value: string, flag: string): void {
  configText(value, flag);
  for (const extension of ['.crt', '.key']) {
    try {
      existingFile(`${value}${extension}`, flag);
    } catch {
      throw new UsageError(
        `${flag}: '${value}${extension}' is not a file; give the common path of the .crt and .key files (e.g. certs/server for certs/server.crt and certs/server.key)`,
      );
    }
  }
}

/** A Strict-Transport-Security value, written in double quotes: directives, = values, ; separators. */
export function hstsPolicy(value: string, flag: string): void {
  if (!/^[A-Za-z0-9-]+(=[A-Za-z0-9-]+)?(\s*;\s*[A-Za-z0-9-]+(=[A-Za-z0-9-]+)?)*$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a Strict-Transport-Security policy; give one such as max-age=31536000; includeSubDomains`);
  }
}

/** A URL path a proxy is mounted at: not / (that is --proxy-virtual-host's job or a path under it). */
export function proxyMountPoint(value: string, flag: string): void {
  urlPath(value, flag);
  if (/^\/+$/.test(value)) {
    throw new UsageError(`${flag}: '${value}' would proxy the whole site; give a sub path such as /ws/, or use --proxy-virtual-host for a host name`);
  }
}

/** A backend mod_proxy_http reaches: http(s)://, or a unix socket as unix:/PATH|http://HOST/. */
export function proxyUrl(value: string, flag: string): void {
  configText(value, flag);
  const target = /^unix:\/[^\s|<>]+\|(.*)$/.exec(value)?.[1] ?? value;
  let url: URL | undefined;
  try {
    url = new URL(target);
  } catch {
    url = undefined;
  }
  if (!url || !['http:', 'https:'].includes(url.protocol) || !url.host || /[\s<>]/.test(value)) {
    throw new UsageError(`${flag}: '${value}' is not a backend URL; give http://HOST:PORT/PATH, https://..., or unix:/PATH/TO/SOCKET|http://localhost/`);
  }
}
