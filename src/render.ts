/**
 * Renders the Apache configuration and the WSGI handler script for a build
 * plan, from the mustache templates under images/runtime/.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Mustache from 'mustache';
import { APACHE_MODULES, type DERIVED_VARIABLES, HTTPD_CONF, RUNTIME_USER, type OPTIONAL_APACHE_MODULES } from './contract.js';
import { CONTRACT_FILES, RUNTIME_SETTINGS, settingVariable } from './contract-files.js';
import { DJANGO_CONFIG } from './django.js';
import { PIP_SOURCES_SECRET, VENV, VENV_LAYER } from './dependencies.js';
import type { BuildOptions } from './options.js';
import { IMAGE_PATHS, READINESS, TELEMETRY, configDirectory, envvarsFile, runtimeDirectory, tlsFile, type BuildPlan } from './plan.js';
import { imagesDir, packageVersion } from './paths.js';
import type { ToolchainFacts } from './toolchain-facts.js';
import type { Builder } from './docker/build-stream.js';
import { shellQuote } from './shell-quote.js';

/** Where every image carries its software bill of materials (CycloneDX 1.5 JSON); --sbom copies it out. */
export const SBOM_PATH = '/usr/share/mwe-image/sbom.cdx.json';

/** The toolchain's contract.json in the image: the image paths the assembly scripts read. */
const CONTRACT_JSON = `${IMAGE_PATHS.libDir}/${CONTRACT_FILES.json}`;

/** RequestReadTimeout as mod_wsgi-express builds it from the header and body settings. */
export function requestReadTimeout(options: BuildOptions): string {
  const parts: string[] = [];
  if (options.headerTimeout > 0) {
    parts.push(
      `header=${options.headerTimeout}${options.headerMaxTimeout > 0 ? `-${options.headerMaxTimeout}` : ''}${options.headerMinRate > 0 ? `,MinRate=${options.headerMinRate}` : ''}`,
    );
  }
  if (options.bodyTimeout > 0) {
    parts.push(
      `body=${options.bodyTimeout}${options.bodyMaxTimeout > 0 ? `-${options.bodyMaxTimeout}` : ''}${options.bodyMinRate > 0 ? `,MinRate=${options.bodyMinRate}` : ''}`,
    );
  }
  return parts.join(' ');
}

/**
 * Locale of the daemon processes: the option, else mod_wsgi-express's chain
 * (en_US.UTF-8, then C.UTF-8, then inherited) over the locales the image has.
 */
export function chooseLocale(options: BuildOptions, facts: ToolchainFacts): string | undefined {
  if (options.locale) return options.locale;
  const available = (facts.locales ?? []).map((name) => name.toLowerCase().replace('utf8', 'utf-8'));
  return ['en_US.UTF-8', 'C.UTF-8'].find((name) => available.includes(name.toLowerCase()));
}

/**
 * Settings the image keeps overridable at run time: the generated config reads
 * them as ${NAME}, the image sets them (ENV) from the build options, and the
 * entrypoint checks them before Apache starts. Empty means unset.
 */
export function runtimeEnvironment(options: BuildOptions, facts?: ToolchainFacts): Record<string, string> {
  const settings = Object.fromEntries(RUNTIME_SETTINGS.map((spec) => [spec.env, environmentValue(options[spec.key as keyof BuildOptions])]));
  const derived: Record<keyof typeof DERIVED_VARIABLES, string> & Record<string, string> = {
    // The health check asks as a client would: the --host address, the --server-name host, the mount point.
    MWE_HOST: options.host ?? '',
    MWE_HEALTHCHECK_HOST: options.serverName ?? 'localhost',
    MWE_HEALTHCHECK_PATH: options.mountPoint,
    // Where the application runs: mod_wsgi daemon processes, or Apache's own children (--embedded-mode).
    MWE_WSGI_MODE: options.embeddedMode ? 'embedded' : 'daemon',
    MWE_STARTUP_LOG: options.startupLog ? (options.logDirectory ? path.posix.join(options.logDirectory, options.startupLogName) : '/dev/stderr') : '',
    MWE_ENVVARS: options.envvarsScript ? envvarsFile(options) : '',
    MWE_DIRECTORIES: [options.serverRoot, options.logDirectory, options.socketPrefix, options.pidFile && path.posix.dirname(options.pidFile)]
      .filter((dir): dir is string => Boolean(dir) && dir !== IMAGE_PATHS.runtimeDir)
      .join(':'),
    MWE_HTTPD: options.httpdExecutable ?? facts?.httpdExecutable ?? '',
    // The configuration the entrypoint starts Apache with (--server-root moves it); a server root written by setup-server has its own.
    MWE_HTTPD_CONF: `${configDirectory(options)}/${path.posix.basename(HTTPD_CONF)}`,
    // Runtime state (pid file, sockets); a server root has its own too.
    MWE_RUNTIME_DIR: runtimeDirectory(options),
    MWE_PID_FILE: options.pidFile ?? '',
    // The #! of the apachectl that the image's setup-server writes.
    MWE_SHELL_EXECUTABLE: options.shellExecutable ?? '',
    // Read by the entrypoint only (its fallback applies).
    MWE_HEALTHCHECK_TIMEOUT: '',
  };
  return { ...settings, ...derived };
}

/** A setting's value in the environment: empty when unset, 1 or 0 for a switch. */
function environmentValue(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'boolean') return value ? '1' : '0';
  return String(value);
}

/** The variable naming the runtime directory: the entrypoint sets it per server. */
const RUNTIME_DIR_VARIABLE: keyof typeof DERIVED_VARIABLES = 'MWE_RUNTIME_DIR';
/** In the config, runtime state lives under ${MWE_RUNTIME_DIR}, set per server. */
const RUNTIME_DIR_REFERENCE = `\${${RUNTIME_DIR_VARIABLE}}`;

/** The dependencies stage's installer (a shell script run on the toolchain image). */
export function installDependenciesScript(): string {
  return template('install-dependencies.sh');
}

/** The image's setup-server command (a shell script; it takes only runtime settings). */
export function setupServerScript(): string {
  return template('setup-server.sh');
}

function template(name: string): string {
  return readFileSync(path.join(imagesDir(), 'runtime', name), 'utf8');
}

/** Values are validated before they get here; templates must not HTML-escape them. */
function render(name: string, view: object, partials: Record<string, string> = {}): string {
  return Mustache.render(template(name), view, partials, { escape: (text: string) => text });
}

/** Where a log goes: the terminal, a file in --log-directory, or a rotatelogs pipe. */
function logTarget(options: BuildOptions, facts: ToolchainFacts, terminal: string, fileName: string): string {
  if (!options.logDirectory) return `'${terminal}'`;
  const file = path.posix.join(options.logDirectory, fileName);
  const rotatelogs = options.rotatelogsExecutable ?? facts.rotatelogsExecutable ?? '/usr/bin/rotatelogs';
  return options.rotateLogs ? `"|${rotatelogs} ${file}.%Y-%m-%d-%H_%M_%S ${options.maxLogSize}M"` : `'${file}'`;
}

const escapeQuotes = (text: string): string => text.replace(/"/g, '\\"');

/** A number as Python's str(float) writes it, as mod_wsgi-express substitutes its float options: 1 -> 1.0. */
const pythonFloat = (value: number): string => (Number.isInteger(value) ? value.toFixed(1) : String(value));

/** The WSGITelemetryService target: the bundled ingester's socket, or --telemetry-service. */
function telemetryTarget(options: BuildOptions): string | undefined {
  return options.enableTelemetry ? `unix:${RUNTIME_DIR_REFERENCE}/${TELEMETRY.socketName}` : options.telemetryService;
}

/**
 * One --proxy-mount-point as mod_wsgi-express 6 writes it: ProxyPass on the
 * path with its trailing slash (added on both sides when not given), the
 * path without it (the prefix, also X-Forwarded-Prefix) redirected there.
 */
function proxyMount(mountPoint: string, url: string) {
  const slash = mountPoint.endsWith('/');
  return {
    path: slash ? mountPoint : `${mountPoint}/`,
    url: slash ? url : `${url.replace(/\/+$/, '')}/`,
    prefix: mountPoint.replace(/\/+$/, ''),
  };
}

/** The HTTPS listener, its certificate files in the image and what its virtual hosts add. */
function httpsView(plan: BuildPlan, listenHost: string | undefined) {
  const { options } = plan;
  if (options.httpsPort === undefined) return undefined;
  return {
    port: options.httpsPort,
    listen: listenHost ? `${listenHost}:${options.httpsPort}` : String(options.httpsPort),
    certificateFile: tlsFile(options, 'certificate'),
    keyFile: tlsFile(options, 'key'),
    chainFile: plan.tls.chain && tlsFile(options, 'chain'),
    caFile: plan.tls.clientCa && tlsFile(options, 'clientCa'),
    hstsPolicy: options.httpsOnly ? options.hstsPolicy : undefined,
    sslEnvironment: options.sslEnvironment,
  };
}

const cgiModuleName = (options: BuildOptions, facts: ToolchainFacts): 'cgi' | 'cgid' | undefined =>
  options.withCgi ? ((facts.apacheModules ?? []).includes('cgid') ? 'cgid' : 'cgi') : undefined;

/** The Apache modules the generated configuration loads (names as in mod_NAME.so). */
function apacheModuleNames(plan: BuildPlan, facts: ToolchainFacts): string[] {
  const { options } = plan;
  const hasProxies = options.proxyMountPoints.length > 0 || options.proxyVirtualHosts.length > 0;
  const optionalModules: ((typeof OPTIONAL_APACHE_MODULES)[number] | undefined)[] = [
    options.directoryListing ? 'autoindex' : undefined,
    options.http2 ? 'http2' : undefined,
    options.serverMetrics || options.serverStatus ? 'status' : undefined,
    options.compressResponses ? 'deflate' : undefined,
    cgiModuleName(options, facts),
    ...(hasProxies ? (['proxy', 'proxy_http'] as const) : []),
    options.httpsPort === undefined ? undefined : 'ssl',
    // As mod_wsgi-express: both schemes' modules and authz_user whenever a user script is given.
    ...(plan.authUserScript ? (['auth_basic', 'auth_digest', 'authz_user'] as const) : []),
  ];
  return [`mpm_${options.serverMpm}`, ...APACHE_MODULES, ...optionalModules.filter((name) => name !== undefined)];
}

/**
 * The module files the image's Apache loads: the generated configuration's,
 * mod_wsgi, and those an --include-file loads. Only these (and the libraries
 * they link to) reach the runtime image.
 */
export function loadedModuleFiles(plan: BuildPlan, facts: ToolchainFacts): string[] {
  const modulesDir = plan.options.modulesDirectory ?? facts.modulesDirectory;
  const included = plan.copies
    .filter((copy) => plan.includeFiles.includes(copy.imagePath))
    .flatMap((copy) => [...readFileSync(copy.hostPath, 'utf8').matchAll(/^\s*LoadModule\s+\S+\s+["']?([^"'\s]+)/gim)].map((match) => match[1]))
    .map((file) => (file.startsWith('/') ? file : path.posix.join(modulesDir, path.posix.basename(file))));
  return [...new Set([...apacheModuleNames(plan, facts).map((name) => `${modulesDir}/mod_${name}.so`), facts.moduleLink, ...included])];
}

export function httpdConfView(plan: BuildPlan, facts: ToolchainFacts, commandLine: string) {
  const { options } = plan;
  const host = options.host ?? 'localhost';
  const processGroup = options.processGroup ?? `${host}:\${PORT}`;
  const listenHost = options.host?.includes(':') ? `[${options.host}]` : options.host;
  const hasApplication = plan.applicationType !== 'static';
  const daemonMode = hasApplication && !options.embeddedMode;
  const locale = chooseLocale(options, facts);
  const hasProxies = options.proxyMountPoints.length > 0 || options.proxyVirtualHosts.length > 0;
  const services = new Map(plan.serviceScripts.map((service) => [service.name, service.imagePath]));
  const serviceSetting = (pairs: [string, string][], name: string) => pairs.find(([service]) => service === name)?.[1];
  // Daemon processes search their home directory; embedded mode has no home, so list it.
  const pythonPathJoined = (options.embeddedMode ? [plan.workingDirectory, ...plan.pythonPath] : plan.pythonPath).join(':');
  const mountDirectory = path.posix.join(plan.documentRoot, options.mountPoint, '/');
  // Two <Directory> sections for one directory: the later one's rewrite rules replace the earlier's.
  const rewriteRulesInMount = hasApplication && mountDirectory === path.posix.join(plan.documentRoot, '/');
  const pythonEggs = options.pythonEggs ?? `${runtimeDirectory(options)}/python-eggs`;
  const nickname = ['common', 'combined'].includes(options.accessLogFormat) ? options.accessLogFormat : 'custom';
  return {
    ...options,
    version: packageVersion(),
    commandLine,
    runtimeEnvironment: Object.entries(runtimeEnvironment(options, facts)).map(([name, value]) => ({ name, value })),
    serverHost: host,
    listen: listenHost ? `${listenHost}:\${PORT}` : '${PORT}',
    runUser: options.user,
    runGroup: options.group,
    runtimeDir: RUNTIME_DIR_REFERENCE,
    configDir: configDirectory(options),
    paths: IMAGE_PATHS,
    modulesDir: options.modulesDirectory ?? facts.modulesDirectory,
    mimeTypes: options.mimeTypes ?? facts.mimeTypes ?? '/etc/mime.types',
    apacheModules: apacheModuleNames(plan, facts).map((name) => ({ name })),
    mpmName: `mpm_${options.serverMpm === 'prefork' ? 'event' : options.serverMpm}`,
    pidFile: options.pidFile ?? `${RUNTIME_DIR_REFERENCE}/httpd.pid`,
    socketPrefix: options.socketPrefix ?? RUNTIME_DIR_REFERENCE,
    destroyInterpreter: options.orphanInterpreter ? 'Off' : 'On',
    serverMetricsFlag: options.serverMetrics ? 'On' : 'Off',
    trustProxyHeaderList: options.trustProxyHeaders.join(' '),
    trustProxyList: options.trustProxies.join(' '),
    moduleLink: facts.moduleLink,
    pythonHome: facts.pythonHome,
    requestReadTimeout: requestReadTimeout(options),
    freeThreadingDirective: options.freeThreading && facts.directives.includes('WSGIFreeThreading'),
    pythonWarnings: options.pythonWarnings,
    // JSON lines are for logs on the terminal (a log collector reads the container's output).
    jsonLogs: !options.logDirectory,
    readyPath: READINESS.path,
    readyFile: READINESS.file,
    telemetryService: telemetryTarget(options),
    telemetryInterval: pythonFloat(options.telemetryInterval),
    slowRequests: options.slowRequests === undefined ? undefined : pythonFloat(options.slowRequests),
    hasSocketRotation: facts.directives.includes('WSGISocketRotation'),
    hasInterruptTimeout: (facts.daemonOptions ?? []).includes('interrupt-timeout'),
    hasResponseFlushDelay: (facts.daemonOptions ?? []).includes('response-flush-delay'),
    switchIntervalValue: options.switchInterval === undefined ? undefined : pythonFloat(options.switchInterval),
    modWsgiPackage: `${facts.sitePackages}/mod_wsgi`,
    hasDestroyInterpreter: facts.directives.includes('WSGIDestroyInterpreter'),
    hasApplication,
    daemonMode,
    embeddedMode: hasApplication && options.embeddedMode,
    processGroup,
    handlerProcessGroup: daemonMode ? processGroup : '%{GLOBAL}',
    // WSGIImportScript needs a fixed group: a per-request %{ENV:...} group cannot be preloaded.
    importHandler: !options.applicationGroup.startsWith('%{ENV:'),
    daemonName: `(wsgi:${processGroup})`,
    workingDirectory: plan.workingDirectory,
    pythonPathJoined,
    pythonEggs,
    locale,
    keepAlive: options.keepAliveTimeout > 0,
    errorLog: logTarget(options, facts, '/dev/stderr', options.errorLogName),
    errorLogFormat: options.errorLogFormat ? escapeQuotes(options.errorLogFormat) : undefined,
    accessLogFormat: nickname === 'custom' ? escapeQuotes(options.accessLogFormat) : '%h %l %u %t \\"%r\\" %>s %b',
    accessLogNickname: nickname,
    accessLogTarget: logTarget(options, facts, '/dev/stdout', options.accessLogName),
    serverName: options.serverName,
    serverAliases: options.serverAliases.join(' '),
    parentDomain: options.serverName?.startsWith('www.') ? options.serverName.slice(4) : undefined,
    allowOverride: options.allowOverride.length ? options.allowOverride.join(' ') : 'None',
    cgiModule: cgiModuleName(options, facts),
    documentRoot: plan.documentRoot,
    mountDirectory,
    rewriteRules: rewriteRulesInMount ? undefined : plan.rewriteRules,
    mountRewriteRules: rewriteRulesInMount ? plan.rewriteRules : undefined,
    aliases: plan.aliases.map((alias) => ({
      ...alias,
      directory: path.posix.dirname(alias.imagePath),
      fileName: path.posix.basename(alias.imagePath),
    })),
    errorDocuments: options.errorDocuments.map(([status, url]) => ({ status, url })),
    setenv: options.setenv.map(([name, value]) => ({ name, value })),
    hasAddHandlers: plan.addHandlers.length > 0,
    addHandlers: plan.addHandlers,
    services: [...services].map(([name, script]) => ({
      name,
      script,
      user: serviceSetting(options.serviceUsers, name),
      group: serviceSetting(options.serviceGroups, name),
      logFile: serviceSetting(options.serviceLogFiles, name)
        ? logTarget(options, facts, '/dev/stderr', serviceSetting(options.serviceLogFiles, name)!)
        : undefined,
      workingDirectory: plan.workingDirectory,
      pythonPathJoined,
      pythonEggs,
      locale,
    })),
    includeFiles: plan.includeFiles,
    proxyTimeout: hasProxies ? options.proxyTimeout : undefined,
    proxyMountPoints: options.proxyMountPoints.map(([mountPoint, url]) => proxyMount(mountPoint, url)),
    proxyVirtualHosts: options.proxyVirtualHosts.map(([hostName, url]) => ({ hostName, url })),
    https: httpsView(plan, listenHost),
    verifyClientPaths: plan.tls.clientCa ? (options.sslVerifyClient.length ? [...options.sslVerifyClient].sort().reverse() : ['/']) : [],
    authUser: plan.authUserScript && {
      type: options.authType,
      realm: `${host}:\${PORT}`,
      script: plan.authUserScript,
      groupScript: plan.authGroupScript,
      group: options.authGroup,
    },
    hostAccessScript: plan.hostAccessScript,
    djangoConfig: plan.django ? DJANGO_CONFIG : undefined,
  };
}

export function renderHttpdConf(plan: BuildPlan, facts: ToolchainFacts, commandLine: string): string {
  return render('httpd.conf.mustache', httpdConfView(plan, facts, commandLine), {
    daemonOptions: template('daemon-options.mustache'),
    sslFiles: template('ssl-files.mustache'),
    refuseOtherHosts: template('refuse-other-hosts.mustache'),
    httpsRedirect: template('https-redirect.mustache'),
  });
}

/** JSON string literals are valid Python string literals. */
const pythonLiteral = (value: string): string => JSON.stringify(value);

export function renderHandlerScript(plan: BuildPlan): string {
  return render('handler.wsgi.mustache', {
    entryPointLiteral: pythonLiteral(plan.entryPoint),
    applicationTypeLiteral: pythonLiteral(plan.applicationType),
    callableObjectLiteral: pythonLiteral(plan.options.callableObject),
    mountPointLiteral: pythonLiteral(plan.options.mountPoint),
    reloadOnChangesVariableLiteral: pythonLiteral(settingVariable('reloadOnChanges')),
    reloadOnChangesLiteral: pythonLiteral(plan.options.reloadOnChanges ? '1' : '0'),
    exitOnStartupFailureVariableLiteral: pythonLiteral(settingVariable('exitOnStartupFailure')),
    runtimeDirVariableLiteral: pythonLiteral(RUNTIME_DIR_VARIABLE),
    runtimeDirLiteral: pythonLiteral(IMAGE_PATHS.runtimeDir),
    disableReloading: plan.options.disableReloading ? 'True' : 'False',
    embeddedMode: plan.options.embeddedMode ? 'True' : 'False',
    cpuAffinityVariableLiteral: pythonLiteral(settingVariable('cpuAffinity')),
    cpuAffinityLiteral: pythonLiteral(plan.options.cpuAffinity ? '1' : '0'),
    threadsVariableLiteral: pythonLiteral(settingVariable('threads')),
    threads: plan.options.threads,
    // Daemon mode only: the handler's watchdog ends a daemon process, which Apache replaces.
    startupTimeout: plan.options.embeddedMode ? 0 : plan.options.startupTimeout,
    exitOnStartupFailureLiteral: pythonLiteral(plan.options.exitOnStartupFailure ? '1' : '0'),
  });
}

/**
 * The Django build step, exec form (no shell: the values are JSON strings):
 * collectstatic and the Apache include for STATIC_URL and MEDIA_URL. With
 * dependencies it runs on the virtualenv's python, where Django was installed.
 */
function djangoPrepareCommand(plan: BuildPlan): string {
  const argv = [
    plan.dependencies ? `${VENV}/bin/python` : 'python3',
    '-m',
    'mod_wsgi.express.prepare',
    '--settings',
    plan.django!.settingsModule,
    '--mount-point',
    plan.options.mountPoint,
    '--output',
    DJANGO_CONFIG,
  ];
  return JSON.stringify(argv);
}

/** The app image's Dockerfile: the runtime settings become its ENV defaults. */
export function renderDockerfile(plan: BuildPlan, facts: ToolchainFacts, labels: Record<string, string> = {}, builder: Builder = 'legacy'): string {
  const environment = runtimeEnvironment(plan.options, facts);
  // A free-threaded Python without WSGIFreeThreading: PYTHON_GIL=0 keeps the GIL off even
  // when the application imports an extension module that does not declare free-threading
  // support (which would otherwise turn the GIL back on for the whole process).
  if (plan.options.freeThreading && !facts.directives.includes('WSGIFreeThreading')) environment.PYTHON_GIL = '0';
  return render('Dockerfile.mustache', {
    paths: IMAGE_PATHS,
    user: RUNTIME_USER,
    ports: [
      plan.options.port,
      ...(plan.options.httpsPort === undefined ? [] : [plan.options.httpsPort]),
      ...(telemetryUiPublished(plan.options) ? [plan.options.telemetryUiPort] : []),
    ].join(' '),
    django: plan.django && { settingsModule: plan.django.settingsModule, command: djangoPrepareCommand(plan) },
    systemPackages: plan.options.systemPackages.join(' '),
    checkPaths: checkPathsScript(plan.options) !== undefined,
    // Apache parses nothing of the app's at configtest (its config files are in the config layer), unless the
    // document root is the app's or Django's step writes an include: elsewhere the check runs before the app is
    // copied, so an app change reuses it from the layer cache.
    configtestBeforeApp: !plan.django && plan.applicationType !== 'static' && !plan.options.documentRoot,
    configDir: configDirectory(plan.options),
    buildkit: builder === 'buildkit',
    configDirWord: shellQuote(configDirectory(plan.options)),
    serverRoot: plan.options.serverRoot,
    // Exec form: the values are JSON strings, no shell sees them.
    sbomCommand: JSON.stringify([
      'python3',
      '/tmp/mwe-assembly/sbom.py',
      '/rootfs',
      '/tmp/mwe-assembly/rootfs-files.txt',
      `/sbom${SBOM_PATH}`,
      plan.options.baseImage,
      plan.appName,
      packageVersion(),
      CONTRACT_JSON,
    ]),
    contractJson: CONTRACT_JSON,
    dependencies: plan.dependencies && {
      file: [plan.dependencies.file && path.basename(plan.dependencies.file), ...plan.dependencies.extraRequirements].filter(Boolean).join(', '),
      // Exec form: the values are JSON strings, no shell sees them.
      command: JSON.stringify([
        '/bin/sh',
        '/tmp/dependencies/install-dependencies.sh',
        `${facts.pythonHome}/bin/python3`,
        `/out${IMAGE_PATHS.libDir}/${CONTRACT_FILES.shell}`,
        VENV_LAYER,
        plan.dependencies.kind,
        ...plan.dependencies.sourceArgs,
      ]),
      venv: VENV,
      venvLayer: VENV_LAYER,
      secret: plan.dependencies.secretSourceArgs ? PIP_SOURCES_SECRET : undefined,
    },
    environment: Object.entries(environment).map(([name, value]) => ({ name, value: dockerfileQuoted(value) })),
    // One LABEL instruction (the engine's labels parameter adds a build step per label).
    labels: Object.entries(labels).map(([name, value]) => ({ name, value: dockerfileQuoted(value) })),
  });
}

/**
 * A value as it goes between double quotes in a Dockerfile ENV or LABEL: Docker
 * expands $NAME there, so $ (with " and \\) is escaped and reaches the image as
 * typed; control characters become spaces.
 */
export function dockerfileQuoted(value: string): string {
  return value.replace(/[\\"$]/g, '\\$&').replace(/[\u0000-\u001f]/g, ' ');
}

/** Paths inside the image that options name, with what each must be there. */
const IMAGE_PATH_OPTIONS: [keyof BuildOptions, string, 'executable' | 'directory' | 'file'][] = [
  ['httpdExecutable', '--httpd-executable', 'executable'],
  ['rotatelogsExecutable', '--rotatelogs-executable', 'executable'],
  ['shellExecutable', '--shell-executable', 'executable'],
  ['modulesDirectory', '--modules-directory', 'directory'],
  ['mimeTypes', '--mime-types', 'file'],
];

/**
 * The build step that checks the in-image paths the options name (a failing
 * check stops the build with one `mwe-image:` line naming the option, rather
 * than Apache failing when a container starts); undefined when none is given.
 */
export function checkPathsScript(options: BuildOptions): string | undefined {
  const checks = IMAGE_PATH_OPTIONS.filter(([key]) => options[key] !== undefined).map(
    ([key, flag, kind]) => `check ${flag} ${kind} ${shellQuote(String(options[key]))}`,
  );
  if (!checks.length) return undefined;
  return [
    '#!/bin/sh',
    '# Paths inside the image that the build options name; run when the image is built.',
    'check() { # FLAG KIND PATH',
    '    case $2 in',
    '        executable) [ -f "$3" ] && [ -x "$3" ] && return; what=\'an executable file\' ;;',
    '        directory) [ -d "$3" ] && return; what=\'a directory\' ;;',
    '        *) [ -f "$3" ] && return; what=\'a file\' ;;',
    '    esac',
    '    echo "mwe-image: $1: $3 is not $what in the image; give a path inside the image (not on the host) or drop $1" >&2',
    '    exit 1',
    '}',
    ...checks,
    '',
  ].join('\n');
}

/** True when the telemetry UI listens where a published port reaches it (not loopback). */
export function telemetryUiPublished(options: BuildOptions): boolean {
  return options.enableTelemetry && !/^(127\.|::1$)/.test(options.telemetryUiHost);
}

/** --enable-telemetry's service script: the ingester and its UI, as mod_wsgi-express 6 generates it. */
export function renderTelemetryScript(plan: BuildPlan): string {
  return render('telemetry-service.py.mustache', {
    socketLiteral: pythonLiteral(TELEMETRY.socketName),
    runtimeDirVariableLiteral: pythonLiteral(RUNTIME_DIR_VARIABLE),
    runtimeDirLiteral: pythonLiteral(IMAGE_PATHS.runtimeDir),
    hostLiteral: pythonLiteral(plan.options.telemetryUiHost),
    portLiteral: pythonLiteral(String(plan.options.telemetryUiPort)),
  });
}

/** The --add-handler dispatcher: extension -> script (mod_wsgi-express calls its copy resource.wsgi). */
export function renderAddHandlerScript(plan: BuildPlan): string {
  return render('add-handler.wsgi.mustache', {
    addHandlersLiteral: JSON.stringify(plan.addHandlers.map((handler) => [handler.name, handler.imagePath])),
  });
}
