/**
 * The option set of `mwe-image build` (and the commands that build): the one
 * table that CLI parsing, validation, config rendering and the docs read.
 */
import { UsageError } from './errors.js';
import * as check from './validate.js';

export type OptionKind = 'flag' | 'int' | 'string' | 'choice' | 'pair';

export interface OptionSpec {
  /** Long flag as typed, e.g. `--url-alias`. */
  flag: string;
  /** Property name in the parsed options. */
  key: string;
  kind: OptionKind;
  /** Metavariables shown in help: one for values, two for pairs. */
  metavars?: string[];
  repeatable?: boolean;
  default?: string | number | boolean;
  choices?: string[];
  min?: number;
  max?: number;
  /** Option group, for help and docs. */
  group: 'image' | 'server' | 'application' | 'static' | 'logging';
  help: string;
  /** Extra checks on one value (after kind checks); throws UsageError. */
  check?: (value: string, flag: string) => void;
  /** Checks on the second value of a pair. */
  checkSecond?: (value: string, flag: string) => void;
}

export const OPTION_SPECS: OptionSpec[] = [
  // What image to make and from what.
  { flag: '--tag', key: 'tag', kind: 'string', metavars: ['NAME[:TAG]'], group: 'image',
    help: 'Name of the image to create. Defaults to mwe-app/<app name>:latest.',
    check: check.imageReference },
  { flag: '--base-image', key: 'baseImage', kind: 'string', metavars: ['IMAGE'], group: 'image',
    default: 'debian:trixie-slim',
    help: 'Debian-based image to build on. Made locally by `mwe-image base bootstrap` where nothing can be pulled.',
    check: check.imageReference },
  { flag: '--mod-wsgi-source', key: 'modWsgiSource', kind: 'string', metavars: ['PATH'], group: 'image',
    help: "mod_wsgi source: a local .tar.gz or source directory. Defaults to the upstream tarball from Debian's source archive for the base image's suite.",
    check: check.existingPath },
  { flag: '--app-dir', key: 'appDir', kind: 'string', metavars: ['DIRECTORY'], group: 'image',
    help: 'Directory copied into the image as /srv/app (the working directory and first Python path entry). Defaults to the directory holding a script APP, to APP itself for --application-type static, and to nothing for module.',
    check: check.existingDirectory },

  // Where and how Apache listens and runs the daemon processes.
  { flag: '--port', key: 'port', kind: 'int', metavars: ['NUMBER'], group: 'server', default: 8000, min: 1, max: 65535,
    help: 'Port Apache listens on inside the container (also EXPOSEd). Defaults to 8000.' },
  { flag: '--host', key: 'host', kind: 'string', metavars: ['IP-ADDRESS'], group: 'server',
    help: 'Interface Apache binds inside the container. Defaults to all interfaces, which is what a published port needs.',
    check: check.ipAddress },
  { flag: '--processes', key: 'processes', kind: 'int', metavars: ['NUMBER'], group: 'server', min: 1, max: 1000,
    help: 'Number of daemon-mode worker processes. Defaults to 1.' },
  { flag: '--threads', key: 'threads', kind: 'int', metavars: ['NUMBER'], group: 'server', default: 5, min: 1, max: 1000,
    help: 'Threads per worker process. Defaults to 5.' },
  { flag: '--user', key: 'user', kind: 'string', metavars: ['USERNAME'], group: 'server', default: '#10001',
    help: "Account Apache's children and the daemon processes switch to when the container starts as root (e.g. to bind port 80); ignored otherwise. A name from the image's /etc/passwd or #UID. Defaults to the image's app user, #10001.",
    check: check.accountName },
  { flag: '--group', key: 'group', kind: 'string', metavars: ['GROUP'], group: 'server', default: '#0',
    help: 'Group for --user when the container starts as root; ignored otherwise. A name or #GID. Defaults to #0 (root group, no privileges: OpenShift style).',
    check: check.accountName },
  { flag: '--stop-timeout', key: 'stopTimeout', kind: 'int', metavars: ['SECONDS'], group: 'server', default: 8, min: 1, max: 86400,
    help: "How long a graceful stop (SIGTERM) waits for requests in flight before Apache stops hard. Defaults to 8, inside docker stop's 10; keep it below Kubernetes' terminationGracePeriodSeconds." },

  // What the WSGI application is.
  { flag: '--application-type', key: 'applicationType', kind: 'choice', metavars: ['TYPE'], group: 'application',
    default: 'script', choices: ['script', 'module', 'static'],
    help: 'script: APP is a WSGI script file; module: APP is a Python module name (e.g. mod_wsgi.diagnostics.environ); static: APP is a directory of files served by Apache alone. Defaults to script.' },
  { flag: '--callable-object', key: 'callableObject', kind: 'string', metavars: ['NAME'], group: 'application',
    default: 'application',
    help: 'Name of the WSGI callable in the script or module (Flask apps: app). Defaults to application.',
    check: check.pythonIdentifier },
  { flag: '--mount-point', key: 'mountPoint', kind: 'string', metavars: ['URL-PATH'], group: 'application', default: '/',
    help: 'URL prefix the WSGI application is mounted at. Defaults to /.',
    check: check.urlPath },

  // Static files.
  { flag: '--url-alias', key: 'urlAliases', kind: 'pair', metavars: ['URL-PATH', 'FILE-PATH'], group: 'static', repeatable: true,
    help: 'Serve a local file or directory (copied into the image) at URL-PATH, from Apache without entering the application. Repeatable; longer URL prefixes win whatever the order. A trailing slash on one side is matched on the other.',
    check: check.urlPath, checkSecond: check.existingPath },
  { flag: '--document-root', key: 'documentRoot', kind: 'string', metavars: ['DIRECTORY'], group: 'static',
    help: 'Local directory copied into the image and used as DocumentRoot: its files are served at their URL paths, other URLs go to the application.',
    check: check.existingDirectory },

  // Logging.
  { flag: '--log-level', key: 'logLevel', kind: 'choice', metavars: ['NAME'], group: 'logging', default: 'warn',
    choices: ['emerg', 'alert', 'crit', 'error', 'warn', 'notice', 'info', 'debug', 'trace1', 'trace2', 'trace3', 'trace4', 'trace5', 'trace6', 'trace7', 'trace8'],
    help: 'Apache LogLevel. Defaults to warn.' },
  { flag: '--access-log', key: 'accessLog', kind: 'flag', group: 'logging', default: false,
    help: 'Write an access log (common format) to standard output.' },
];

export type ApplicationType = 'script' | 'module' | 'static';

export interface UrlAlias {
  url: string;
  path: string;
}

/** What the build options are once parsed and validated. */
export interface BuildOptions {
  tag?: string;
  baseImage: string;
  modWsgiSource?: string;
  appDir?: string;
  port: number;
  host?: string;
  processes?: number;
  threads: number;
  user: string;
  group: string;
  stopTimeout: number;
  applicationType: ApplicationType;
  callableObject: string;
  mountPoint: string;
  urlAliases: UrlAlias[];
  documentRoot?: string;
  logLevel: string;
  accessLog: boolean;
}

export function specFor(flag: string): OptionSpec | undefined {
  return OPTION_SPECS.find((spec) => spec.flag === flag);
}

/** The metavariable part of an option as shown in help, e.g. `<URL-PATH> <FILE-PATH>`. */
export function metavarText(spec: OptionSpec): string {
  return (spec.metavars ?? []).map((name) => `<${name}>`).join(' ');
}

function parseInt10(spec: OptionSpec, value: string): number {
  if (!/^\d+$/.test(value)) {
    throw new UsageError(`${spec.flag}: '${value}' is not a whole number; give one from ${spec.min} to ${spec.max}`);
  }
  const number = Number(value);
  if ((spec.min !== undefined && number < spec.min) || (spec.max !== undefined && number > spec.max)) {
    throw new UsageError(`${spec.flag}: ${value} is out of range; give a number from ${spec.min} to ${spec.max}`);
  }
  return number;
}

/** Converts and checks one raw value of an option. Pairs arrive as two strings. */
export function convertValue(spec: OptionSpec, raw: string | [string, string]): unknown {
  if (spec.kind === 'pair') {
    const [first, second] = raw as [string, string];
    spec.check?.(first, spec.flag);
    spec.checkSecond?.(second, spec.flag);
    return [first, second];
  }
  const value = raw as string;
  check.singleLine(value, spec.flag);
  switch (spec.kind) {
    case 'int':
      return parseInt10(spec, value);
    case 'choice':
      if (!spec.choices!.includes(value)) {
        throw new UsageError(`${spec.flag}: '${value}' is not one of ${spec.choices!.join(', ')}`);
      }
      return value;
    default:
      spec.check?.(value, spec.flag);
      return value;
  }
}

/**
 * Turns raw values keyed by option key (as the CLI collected them) into
 * BuildOptions, applying defaults and the checks that involve several options.
 */
export function resolveBuildOptions(raw: Record<string, unknown>): BuildOptions {
  const values: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const given = raw[spec.key];
    if (given === undefined) {
      values[spec.key] = spec.repeatable ? [] : spec.default;
    } else if (spec.kind === 'flag') {
      values[spec.key] = Boolean(given);
    } else if (spec.repeatable) {
      values[spec.key] = (given as (string | [string, string])[]).map((item) => convertValue(spec, item));
    } else {
      values[spec.key] = convertValue(spec, given as string);
    }
  }
  const options = values as unknown as BuildOptions;
  options.urlAliases = (values.urlAliases as [string, string][]).map(([url, path]) => ({ url, path }));
  return options;
}
