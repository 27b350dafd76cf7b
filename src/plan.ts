/**
 * Decides where everything the user named on the host goes inside the image:
 * the app, the document root, each --url-alias target. Reads the file system
 * only to resolve the paths named, tell files from directories and walk the
 * copied trees (links that leave them, secrets left out). Refuses what must
 * not reach an image: a system directory, a path outside the build's
 * directories (without --allow-outside-paths), a document root or alias that
 * would serve the app's own directory (without --allow-app-in-document-root).
 */
import { realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_PATHS } from './contract.js';
import { walkHostTree } from './docker/context.js';
import { DJANGO_INTERPRETERS, DJANGO_PACKAGE, djangoProjectRoot, readDjangoProject, type DjangoProject } from './django.js';
import { UsageError } from './errors.js';
import type { BuildOptions } from './options.js';
import * as check from './validate.js';
import { dependencySource, planDependencies, VENV_SITE_PACKAGES, type DependenciesPlan } from './dependencies.js';
import { indexConfig, type IndexConfig } from './package-index.js';
import { parsePythonSource } from './python-source.js';

/** Where --envvars-script lands; the entrypoint sources it before Apache starts. */
export const ENVVARS_FILE = `${IMAGE_PATHS.configDir}/envvars`;

export { IMAGE_PATHS };

/** Apache answers here 200 while serving and 403 once a stop begins: a load balancer's readiness check. */
export const READINESS = {
  path: '/.mwe/ready',
  file: `${IMAGE_PATHS.libDir}/ready`,
} as const;

/** --enable-telemetry: the ingester's service script (rendered) and the socket it listens on. */
export const TELEMETRY = {
  script: `${IMAGE_PATHS.configDir}/telemetry-service.py`,
  socketName: 'telemetry.sock',
} as const;

/** Where --https-port's certificate files go inside the image, and their modes: the key for root and group 0 only. */
export const TLS_FILES = {
  certificate: { imagePath: `${IMAGE_PATHS.configDir}/ssl/server.crt`, mode: 0o644 },
  key: { imagePath: `${IMAGE_PATHS.configDir}/ssl/server.key`, mode: 0o640 },
  chain: { imagePath: `${IMAGE_PATHS.configDir}/ssl/chain.crt`, mode: 0o644 },
  clientCa: { imagePath: `${IMAGE_PATHS.configDir}/ssl/client-ca.crt`, mode: 0o644 },
} as const;

export type TlsRole = keyof typeof TLS_FILES;

/** Where the generated configuration lives in the image: --server-root, else /etc/mwe-image. */
export function configDirectory(options: Pick<BuildOptions, 'serverRoot'>): string {
  return options.serverRoot ?? IMAGE_PATHS.configDir;
}

/** Where the runtime state (pid file, sockets) lives in a container: --server-root, else /tmp/mwe-image. */
export function runtimeDirectory(options: Pick<BuildOptions, 'serverRoot'>): string {
  return options.serverRoot ?? IMAGE_PATHS.runtimeDir;
}

/** Where a --https-port certificate file is in the image: under the configuration directory (--server-root too). */
export function tlsFile(options: Pick<BuildOptions, 'serverRoot'>, role: TlsRole): string {
  return path.posix.join(configDirectory(options), path.posix.relative(IMAGE_PATHS.configDir, TLS_FILES[role].imagePath));
}

/** Where --envvars-script lands in the image. */
export function envvarsFile(options: Pick<BuildOptions, 'serverRoot'>): string {
  return path.posix.join(configDirectory(options), path.posix.basename(ENVVARS_FILE));
}

/** A host path and where it is copied to inside the image. */
export interface CopyItem {
  hostPath: string;
  imagePath: string;
}

export interface AliasPlan {
  url: string;
  imagePath: string;
  isDirectory: boolean;
}

export interface NamedPath {
  name: string;
  imagePath: string;
}

export interface DjangoPlan extends DjangoProject {
  /** True when python3-django was added to --system-packages (a project that lists no dependencies). */
  addedPackage: boolean;
  /** The file Django is pip-installed from with the other dependencies (into /opt/venv), when the project has one. */
  dependencyFile?: string;
  /** Debian's interpreter, added to --system-packages for /opt/venv/bin/python (manage.py, collectstatic) on Debian's Python. */
  interpreterPackage?: string;
}

export interface BuildPlan {
  /** The options as given, except what a Django project decides (callable, python3-django or the interpreter package). */
  options: BuildOptions;
  /** Set when APP is a Django project. */
  django?: DjangoPlan;
  /** Set when the app has dependencies to pip-install (requirements.txt, pyproject.toml, the telemetry ingester). */
  dependencies?: DependenciesPlan;
  /** Working directory of the daemon processes, first on their sys.path. */
  workingDirectory: string;
  pythonPath: string[];
  /** --add-handler: extension and script inside the image. */
  addHandlers: NamedPath[];
  /** --service-script: service name and script inside the image. */
  serviceScripts: NamedPath[];
  includeFiles: string[];
  rewriteRules?: string;
  envvarsScript?: string;
  applicationType: BuildOptions['applicationType'];
  /** Script path or module name as the handler loads it inside the image. */
  entryPoint: string;
  appName: string;
  tag: string;
  copies: CopyItem[];
  documentRoot: string;
  aliases: AliasPlan[];
  /** Host paths left out of the copied trees as likely secrets (the build warns, naming each). */
  leftOut: string[];
  /** --https-port: the certificate files by role (host paths), copied to TLS_FILES with their modes. */
  tls: Partial<Record<TlsRole, string>>;
  /** --auth-user-script, --auth-group-script, --host-access-script inside the image. */
  authUserScript?: string;
  authGroupScript?: string;
  hostAccessScript?: string;
}

function isDirectory(hostPath: string): boolean {
  return statSync(hostPath).isDirectory();
}

function isInside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** A path the user named, absolute and with every symbolic link resolved (a linked directory is copied as the directory). */
function resolved(hostPath: string): string {
  return realpathSync(path.resolve(hostPath));
}

/** Never copied into an image, whatever the flags: the root and the kernel's and devices' file systems. */
const SYSTEM_DIRECTORIES = ['/proc', '/sys', '/dev'];

/** The system directory a path is (or is under), if any. */
export function systemDirectory(hostPath: string): string | undefined {
  return hostPath === '/' ? '/' : SYSTEM_DIRECTORIES.find((directory) => isInside(hostPath, directory));
}

/** Where a host path lands: under /srv/app when it is part of the app, else its own place. */
function imagePathFor(hostPath: string, appDir: string | undefined, ownPlace: string): string {
  const absolute = path.resolve(hostPath);
  if (appDir && isInside(absolute, appDir)) {
    return path.posix.join(IMAGE_PATHS.app, path.relative(appDir, absolute).split(path.sep).join('/'));
  }
  return ownPlace;
}

function imageNameFrom(text: string): string {
  const name = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return name || 'app';
}

/**
 * Pairs trailing slashes the way users write them: `/static/` with a
 * directory always maps to `<dir>/`, and `/static` to `<dir>`. Apache 2.4
 * otherwise joins `/static/x` onto `<dir>x` and answers 403 or 404.
 */
function aliasFor(url: string, hostPath: string, imagePath: string): AliasPlan {
  const directory = isDirectory(hostPath);
  if (!directory) {
    if (url.endsWith('/')) {
      throw new UsageError(`--url-alias: '${url}' ends with / but '${hostPath}' is a file; map a file to a URL without a trailing slash`);
    }
    return { url, imagePath, isDirectory: false };
  }
  const bare = imagePath.replace(/\/+$/, '');
  return { url, imagePath: url.endsWith('/') ? `${bare}/` : bare, isDirectory: true };
}

/**
 * A Django project (APP a directory with manage.py, or --django): the project
 * root is the app directory, the WSGI module of its settings the entry point.
 * Django comes from the project's dependencies (a lock, requirements.txt or
 * pyproject.toml), else from Debian's python3-django.
 */
function planDjango(app: string, options: BuildOptions): DjangoPlan | undefined {
  const root = options.applicationType === 'script' ? djangoProjectRoot(app) : undefined;
  if (!root) {
    if (options.django) throw new UsageError(`--django: '${app}' has no manage.py; give the Django project directory (the one holding manage.py)`);
    return undefined;
  }
  if (options.appDir) throw new UsageError('--app-dir: a Django project directory is itself the app directory; drop --app-dir');
  const project = readDjangoProject(root);
  const builtPython = parsePythonSource(options.python, options.pythonFrom).from !== 'distro';
  const dependencies = dependencySource(options, root);
  if (dependencies) {
    // /opt/venv/bin/python links to the toolchain's interpreter: a built one is in the image, Debian's is a package.
    const hasInterpreter = builtPython || options.systemPackages.some((name) => DJANGO_INTERPRETERS.includes(name));
    return { ...project, addedPackage: false, dependencyFile: dependencies.file, interpreterPackage: hasInterpreter ? undefined : DJANGO_INTERPRETERS[0] };
  }
  if (builtPython) {
    throw new UsageError(
      `APP: a Django project without dependencies runs on Debian's ${DJANGO_PACKAGE}, which needs the distribution's Python; list Django in a requirements.txt (or a uv, Poetry or Pipenv lock) in ${root}, or drop --python ${options.python} and --python-from`,
    );
  }
  return { ...project, addedPackage: !options.systemPackages.includes(DJANGO_PACKAGE) };
}

/** `index`: the package index configuration; by default the host's (flags, PIP_* variables, pip config), read only when needed. */
export function planBuild(app: string, given: BuildOptions, index?: IndexConfig): BuildPlan {
  const django = planDjango(app, given);
  const options = django
    ? {
        ...given,
        callableObject: django.callableObject,
        systemPackages: [
          ...given.systemPackages,
          ...(django.addedPackage ? [DJANGO_PACKAGE] : []),
          ...(django.interpreterPackage ? [django.interpreterPackage] : []),
        ],
      }
    : given;
  const type = django ? 'module' : options.applicationType;
  let appDir = options.appDir ? resolved(options.appDir) : undefined;
  let entryPoint: string;
  let appName: string;

  if (django) {
    appDir = resolved(django.root);
    entryPoint = django.wsgiModule;
    appName = path.basename(django.root);
  } else if (type === 'script') {
    check.existingFile(app, 'APP');
    // The script's directory resolved; the script itself is part of that tree (a link in it stays one).
    const script = path.join(resolved(path.dirname(app)), path.basename(app));
    appDir ??= path.dirname(script);
    if (!isInside(script, appDir)) {
      throw new UsageError(`APP: '${app}' is not inside --app-dir '${options.appDir}'; give a script under that directory`);
    }
    entryPoint = imagePathFor(script, appDir, '');
    appName = path.basename(appDir);
  } else if (type === 'module') {
    check.pythonModuleName(app, 'APP');
    entryPoint = app;
    appName = appDir ? path.basename(appDir) : app;
  } else {
    check.existingDirectory(app, 'APP');
    appDir ??= resolved(app);
    entryPoint = imagePathFor(resolved(app), appDir, '');
    appName = path.basename(resolved(app));
  }

  const copies: CopyItem[] = [];
  const leftOut: string[] = [];
  // The build's directories: a copied path outside them needs --allow-outside-paths.
  const cwd = resolved(process.cwd());
  const buildDirectories = [appDir, cwd].filter((dir): dir is string => dir !== undefined && !systemDirectory(dir));
  /** Refuses a host path (resolved) that `flag` names when it must not reach an image. */
  const admit = (hostPath: string, flag: string): void => {
    const system = systemDirectory(hostPath);
    if (system) {
      throw new UsageError(
        `${flag}: '${hostPath}' is ${system === '/' ? 'the root directory' : `under ${system}`}, which is never copied into an image; give a directory of the application's own`,
      );
    }
    if (!options.allowOutsidePaths && !buildDirectories.some((dir) => isInside(hostPath, dir))) {
      throw new UsageError(
        `${flag}: '${hostPath}' is outside ${appDir ? `the app directory (${appDir}) and ` : ''}the current directory (${cwd}); move it there, or add --allow-outside-paths to copy it into the image`,
      );
    }
  };
  /** Records a copy of a host path (resolved) that `flag` names, walking it when a tree (links leaving it refused, secrets listed). */
  const copy = (hostPath: string, imagePath: string, flag: string): void => {
    admit(hostPath, flag);
    if (isDirectory(hostPath)) leftOut.push(...walkHostTree(hostPath, flag).leftOut);
    copies.push({ hostPath, imagePath });
  };
  /** A directory Apache serves must not be (or contain) the app's: its source and files would be served. */
  const servable = (hostPath: string, flag: string): void => {
    admit(hostPath, flag);
    if (appDir && type !== 'static' && isInside(appDir, hostPath) && !options.allowAppInDocumentRoot) {
      throw new UsageError(
        `${flag}: '${hostPath}' is or contains the app directory (${appDir}), so Apache would serve the application's source and files; give a directory of static files only, or add --allow-app-in-document-root`,
      );
    }
  };
  if (appDir) copy(appDir, IMAGE_PATHS.app, options.appDir ? '--app-dir' : 'APP');

  let documentRoot: string = IMAGE_PATHS.htdocs;
  if (type === 'static') {
    documentRoot = entryPoint;
  }
  if (options.documentRoot) {
    const hostPath = resolved(options.documentRoot);
    servable(hostPath, '--document-root');
    documentRoot = imagePathFor(hostPath, appDir, '/srv/docroot');
    if (documentRoot === '/srv/docroot') copy(hostPath, documentRoot, '--document-root');
  }

  /** A host path's place in the image: under /srv/app when part of the app, else copied to `own`. */
  const place = (given: string, own: string, flag: string): string => {
    const hostPath = resolved(given);
    const imagePath = imagePathFor(hostPath, appDir, own);
    if (imagePath === own) copy(hostPath, own, flag);
    return imagePath;
  };
  const configFile = (given: string, name: string, flag: string): string => {
    const imagePath = path.posix.join(configDirectory(options), name);
    copy(resolved(given), imagePath, flag);
    return imagePath;
  };

  const aliases = options.urlAliases.map(([url, given], index) => {
    const hostPath = resolved(given);
    const directory = isDirectory(hostPath);
    if (directory) servable(hostPath, '--url-alias');
    const own = path.posix.join(IMAGE_PATHS.staticRoot, String(index), directory ? '' : path.basename(hostPath));
    const imagePath = imagePathFor(hostPath, appDir, own);
    if (imagePath === own) copy(hostPath, own.replace(/\/+$/, ''), '--url-alias');
    return aliasFor(url, given, imagePath);
  });
  aliases.sort((a, b) => b.url.length - a.url.length);

  const tlsGiven: Partial<Record<TlsRole, [string, string]>> = {
    certificate: options.sslCertificate
      ? [`${options.sslCertificate}.crt`, '--ssl-certificate']
      : options.sslCertificateFile
        ? [options.sslCertificateFile, '--ssl-certificate-file']
        : undefined,
    key: options.sslCertificate
      ? [`${options.sslCertificate}.key`, '--ssl-certificate']
      : options.sslCertificateKeyFile
        ? [options.sslCertificateKeyFile, '--ssl-certificate-key-file']
        : undefined,
    chain: options.sslCertificateChainFile ? [options.sslCertificateChainFile, '--ssl-certificate-chain-file'] : undefined,
    clientCa: options.sslCaCertificateFile ? [options.sslCaCertificateFile, '--ssl-ca-certificate-file'] : undefined,
  };
  const tls: Partial<Record<TlsRole, string>> = {};
  for (const [role, given] of Object.entries(tlsGiven) as [TlsRole, [string, string] | undefined][]) {
    if (!given) continue;
    const hostPath = resolved(given[0]);
    admit(hostPath, given[1]);
    tls[role] = hostPath;
  }
  const authScript = (given: string | undefined, name: string, flag: string): string | undefined =>
    given ? place(given, `/srv/auth/${name}/${path.basename(given)}`, flag) : undefined;

  const dependencies = planDependencies(options, appDir, () => index ?? indexConfig(options));
  const pythonPath = options.pythonPath.map((dir, index) => place(dir, `/srv/python-path/${index}`, '--python-path'));
  return {
    options,
    django,
    dependencies,
    workingDirectory: options.workingDirectory ? place(options.workingDirectory, '/srv/workdir', '--working-directory') : IMAGE_PATHS.app,
    pythonPath: dependencies ? [...pythonPath, VENV_SITE_PACKAGES] : pythonPath,
    addHandlers: options.addHandlers.map(([extension, script], index) => ({
      name: extension,
      imagePath: place(script, `/srv/add-handler/${index}/${path.basename(script)}`, '--add-handler'),
    })),
    serviceScripts: [
      ...options.serviceScripts.map(([name, script]) => ({
        name,
        imagePath: place(script, `/srv/services/${name}/${path.basename(script)}`, '--service-script'),
      })),
      ...(options.enableTelemetry ? [{ name: 'telemetry', imagePath: path.posix.join(configDirectory(options), path.posix.basename(TELEMETRY.script)) }] : []),
    ],
    includeFiles: options.includeFiles.map((file, index) => configFile(file, `include/${index}-${path.basename(file)}`, '--include-file')),
    rewriteRules: options.rewriteRules ? configFile(options.rewriteRules, 'rewrite.conf', '--rewrite-rules') : undefined,
    envvarsScript: options.envvarsScript ? configFile(options.envvarsScript, path.posix.basename(ENVVARS_FILE), '--envvars-script') : undefined,
    applicationType: type,
    entryPoint,
    appName,
    tag: options.tag ?? `mwe-app/${imageNameFrom(appName)}:latest`,
    copies,
    documentRoot,
    aliases,
    leftOut,
    tls,
    authUserScript: authScript(options.authUserScript, 'user', '--auth-user-script'),
    authGroupScript: authScript(options.authGroupScript, 'group', '--auth-group-script'),
    hostAccessScript: authScript(options.hostAccessScript, 'host-access', '--host-access-script'),
  };
}
