/**
 * Renders the Apache configuration and the WSGI handler script for a build
 * plan, from the mustache templates under images/runtime/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Mustache from 'mustache';
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

export interface MpmSettings {
  serverLimit: number;
  threadsPerChild: number;
  startServers: number;
  maxClients: number;
  minSpareThreads: number;
  maxSpareThreads: number;
}

/** Apache worker sizing, computed exactly as mod_wsgi-express does for the event MPM. */
export function mpmSettings(processes: number, threads: number): MpmSettings {
  const wanted = processes * threads;
  const maxClients = 10 + Math.max(10, Math.floor(1.5 * wanted));
  const threadsPerChild = maxClients > 20 ? Math.floor(maxClients / (Math.floor(maxClients / 20) + 1)) : 10;
  const serverLimit = Math.ceil(maxClients / threadsPerChild);
  return {
    serverLimit,
    threadsPerChild,
    startServers: Math.max(1, Math.floor(0.2 * serverLimit)),
    maxClients: serverLimit * threadsPerChild,
    minSpareThreads: Math.max(threadsPerChild, Math.floor(0.2 * serverLimit) * threadsPerChild),
    maxSpareThreads: Math.max(threadsPerChild, Math.floor(0.6 * serverLimit) * threadsPerChild),
  };
}

function template(name: string): string {
  return readFileSync(path.join(imagesDir(), 'runtime', name), 'utf8');
}

/** Values are validated before they get here; templates must not HTML-escape them. */
function render(name: string, view: object): string {
  return Mustache.render(template(name), view, {}, { escape: (text: string) => text });
}

export function httpdConfView(plan: BuildPlan, facts: ToolchainFacts, commandLine: string) {
  const { options } = plan;
  const processes = options.processes ?? 1;
  const host = options.host ?? 'localhost';
  const processGroup = `${host}:${options.port}`;
  return {
    ...EXPRESS_DEFAULTS,
    version: packageVersion(),
    commandLine,
    serverHost: host,
    listen: options.host ? `${options.host.includes(':') ? `[${options.host}]` : options.host}:${options.port}` : String(options.port),
    port: options.port,
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
    multiprocess: options.processes !== undefined,
    processes,
    threads: options.threads,
    pythonPath: '',
    callableObject: options.callableObject,
    logLevel: options.logLevel,
    accessLog: options.accessLog,
    mpm: mpmSettings(processes, options.threads),
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
  return render('httpd.conf.mustache', httpdConfView(plan, facts, commandLine));
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
