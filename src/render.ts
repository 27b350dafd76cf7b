/**
 * Renders the Apache configuration and the WSGI handler script for a build
 * plan, from the mustache templates under images/runtime/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Mustache from 'mustache';
import type { BuildOptions } from './options.js';
import { IMAGE_PATHS, type BuildPlan } from './plan.js';
import { imagesDir, packageVersion } from './paths.js';
import type { ToolchainFacts } from './toolchain-facts.js';

/** mod_wsgi-express 5.0.2 defaults for the settings this tool does not expose yet. */
export const EXPRESS_DEFAULTS = {
  maximumRequests: 0,
  daemonBacklog: 100,
  serverBacklog: 500,
  queueTimeout: 45,
  socketTimeout: 60,
  connectTimeout: 15,
  requestTimeout: 60,
  inactivityTimeout: 0,
  startupTimeout: 15,
  deadlockTimeout: 60,
  gracefulTimeout: 15,
  evictionTimeout: 0,
  restartInterval: 0,
  cpuTimeLimit: 0,
  shutdownTimeout: 5,
  keepAliveTimeout: 2,
  limitRequestBody: 10485760,
  requestReadTimeout: 'header=15-30,MinRate=500 body=15,MinRate=500',
  locale: 'C.UTF-8',
} as const;

/** Apache modules the generated config relies on (mpm first); loaded unless built in. */
export const APACHE_MODULES = [
  'mpm_event', 'unixd', 'authn_core', 'authz_core', 'authz_host', 'mime', 'rewrite',
  'alias', 'dir', 'env', 'headers', 'filter', 'reqtimeout', 'log_config',
];

/**
 * Settings the image keeps overridable at run time: the generated config reads
 * them as ${NAME}, the image sets them (ENV) from the build options, and the
 * entrypoint checks them before Apache starts. Empty means unset.
 */
export function runtimeEnvironment(options: BuildOptions): Record<string, string> {
  return {
    PORT: String(options.port),
    MWE_PROCESSES: options.processes === undefined ? '' : String(options.processes),
    MWE_THREADS: String(options.threads),
    MWE_LOG_LEVEL: options.logLevel,
    MWE_STOP_TIMEOUT: String(options.stopTimeout),
  };
}

function template(name: string): string {
  return readFileSync(path.join(imagesDir(), 'runtime', name), 'utf8');
}

/** Values are validated before they get here; templates must not HTML-escape them. */
function render(name: string, view: object, partials: Record<string, string> = {}): string {
  return Mustache.render(template(name), view, partials, { escape: (text: string) => text });
}

export function httpdConfView(plan: BuildPlan, facts: ToolchainFacts, commandLine: string) {
  const { options } = plan;
  const host = options.host ?? 'localhost';
  const processGroup = `${host}:\${PORT}`;
  const listenHost = options.host?.includes(':') ? `[${options.host}]` : options.host;
  return {
    ...EXPRESS_DEFAULTS,
    version: packageVersion(),
    commandLine,
    runtimeEnvironment: Object.entries(runtimeEnvironment(options)).map(([name, value]) => ({ name, value })),
    serverHost: host,
    listen: listenHost ? `${listenHost}:\${PORT}` : '${PORT}',
    runUser: options.user,
    runGroup: options.group,
    runtimeDir: IMAGE_PATHS.runtimeDir,
    configDir: IMAGE_PATHS.configDir,
    modulesDir: facts.modulesDirectory,
    apacheModules: APACHE_MODULES.map((name) => ({ name })),
    moduleLink: facts.moduleLink,
    pythonHome: facts.pythonHome,
    hasSocketRotation: facts.directives.includes('WSGISocketRotation'),
    hasDestroyInterpreter: facts.directives.includes('WSGIDestroyInterpreter'),
    daemonMode: plan.applicationType !== 'static',
    processGroup,
    daemonName: `(wsgi:${processGroup})`,
    workingDirectory: IMAGE_PATHS.app,
    pythonPath: '',
    callableObject: options.callableObject,
    accessLog: options.accessLog,
    documentRoot: plan.documentRoot,
    mountDirectory: path.posix.join(plan.documentRoot, options.mountPoint, '/'),
    aliases: plan.aliases.map((alias) => ({
      ...alias,
      directory: path.posix.dirname(alias.imagePath),
      fileName: path.posix.basename(alias.imagePath),
    })),
  };
}

export function renderHttpdConf(plan: BuildPlan, facts: ToolchainFacts, commandLine: string): string {
  return render('httpd.conf.mustache', httpdConfView(plan, facts, commandLine), { daemonOptions: template('daemon-options.mustache') });
}

/** JSON string literals are valid Python string literals. */
const pythonLiteral = (value: string): string => JSON.stringify(value);

export function renderHandlerScript(plan: BuildPlan): string {
  return render('handler.wsgi.mustache', {
    entryPointLiteral: pythonLiteral(plan.entryPoint),
    applicationTypeLiteral: pythonLiteral(plan.applicationType),
    callableObjectLiteral: pythonLiteral(plan.options.callableObject),
    mountPointLiteral: pythonLiteral(plan.options.mountPoint),
  });
}
