/**
 * The option set of `mwe-image build` (and the commands that build): the one
 * table that CLI parsing, validation, config rendering, the docs, the
 * BuildOptions type and the image's runtime settings read.
 */
import { UsageError } from './errors.js';
import { checkApacheSource } from './apache-source.js';
import { APACHE_MPMS, IMAGE_PATHS, RUNTIME_USER } from './contract.js';
import { checkModWsgiSource } from './mod-wsgi-source.js';
import { checkPythonFrom, parsePythonSource } from './python-source.js';
import * as check from './validate.js';

/** Distribution Pythons and the Debian suite (slim image) that ships each. */
export const PYTHON_SUITES: Record<string, string> = { '3.13': 'trixie', '3.11': 'bookworm', '3.13t': 'trixie' };

export type OptionKind = 'flag' | 'int' | 'number' | 'string' | 'choice' | 'pair';

/** The commands that take APP and build options; `module` stands for module-location, module-config and install-module. */
export const APP_COMMANDS = ['build', 'config', 'start-server', 'setup-server'] as const;
export type OptionCommand = (typeof APP_COMMANDS)[number] | 'module';
/** The options that choose a toolchain: also taken by the module commands. */
const TOOLCHAIN_COMMANDS = [...APP_COMMANDS, 'module'] as const;

export interface OptionSpec {
  /** Long flag as typed, e.g. `--url-alias`. */
  flag: string;
  /** Property name in the parsed options. */
  key: string;
  kind: OptionKind;
  /** Metavariables shown in help: one for values, two for pairs. */
  metavars?: readonly string[];
  repeatable?: boolean;
  /** The value when the option is not given; help and docs show it. */
  default?: string | number | boolean;
  /** A default that is not one plain value (decided from other options or the toolchain), as help shows it. */
  defaultText?: string;
  choices?: readonly string[];
  min?: number;
  max?: number;
  /** Option group, for help and docs. */
  group: OptionGroup;
  help: string;
  /** The commands that take it; all of APP_COMMANDS when absent. */
  commands?: readonly OptionCommand[];
  /**
   * A runtime setting: the image's ENV variable the option becomes, which
   * `docker run -e`, the image's setup-server and `manage.py runmodwsgi`
   * override and the entrypoint checks (src/contract-files.ts generates what they read).
   */
  env?: string;
  /**
   * What becomes of the mod_wsgi-express 6 option in an image: rendered as
   * express renders it (the default), adapted to a container, refused (given,
   * the build stops with `why`), or mwe-image's own (no such express option).
   */
  fidelity?: Fidelity;
  /** Why an option is adapted or refused: for refused ones the one-line reason and the alternative. */
  why?: string;
  /** Extra checks on one value (after kind checks); throws UsageError. */
  check?: (value: string, flag: string) => void;
  /** A word accepted besides numbers (int and number kinds), e.g. auto. */
  keyword?: string;
  /** Checks on the second value of a pair. */
  checkSecond?: (value: string, flag: string) => void;
}

export type Fidelity = 'rendered' | 'adapted' | 'refused' | 'own';

export type OptionGroup =
  | 'image'
  | 'server'
  | 'application'
  | 'static'
  | 'handlers'
  | 'vhost'
  | 'groups'
  | 'environment'
  | 'logging'
  | 'custom'
  | 'services'
  | 'telemetry'
  | 'tuning'
  | 'https'
  | 'proxy'
  | 'auth'
  | 'debugging';

const int = <const Flag extends string, const Key extends string>(flag: Flag, key: Key, fallback: number, help: string, min = 0, max = 2147483647) =>
  ({
    flag,
    key,
    kind: 'int',
    metavars: [flag.includes('size') ? 'BYTES' : flag.includes('timeout') || flag.includes('interval') || flag.includes('limit') ? 'SECONDS' : 'NUMBER'],
    group: 'tuning',
    default: fallback,
    min,
    max,
    help,
  }) as const;

const OPTION_ROWS = [
  // What image to make and from what.
  {
    flag: '--tag',
    key: 'tag',
    kind: 'string',
    metavars: ['NAME[:TAG]'],
    group: 'image',
    fidelity: 'own',
    defaultText: 'mwe-app/<app name>:latest',
    help: 'Name of the image to create.',
    check: check.imageReference,
  },
  {
    flag: '--base-image',
    key: 'baseImage',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'string',
    metavars: ['IMAGE'],
    group: 'image',
    fidelity: 'own',
    defaultText: 'debian:trixie-slim (Python 3.13), or debian:bookworm-slim with --python 3.11',
    help: 'Debian-based image to build on. Made locally by `mwe-image base bootstrap` where nothing can be pulled.',
    check: check.imageReference,
  },
  {
    flag: '--python',
    key: 'python',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'choice',
    metavars: ['VERSION'],
    group: 'image',
    fidelity: 'own',
    choices: Object.keys(PYTHON_SUITES),
    help: "Python the module is built for and runs on: the distribution's (3.13 on trixie, 3.11 on bookworm), or 3.13t, a free-threaded CPython built from source. Picks the base image when --base-image is not given; checked against it when it is.",
  },
  {
    flag: '--python-from',
    key: 'pythonFrom',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'string',
    metavars: ['SOURCE'],
    group: 'image',
    fidelity: 'own',
    help: "distro (the base image's python3), source (CPython built in the build stage from the upstream tarball in Debian's source archive), or the URL or local path of a CPython source tarball (e.g. from python.org).",
    defaultText: 'distro, and source for 3.13t',
    check: checkPythonFrom,
  },
  {
    flag: '--python-pgo',
    key: 'pythonPgo',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'flag',
    group: 'image',
    fidelity: 'own',
    default: false,
    help: "Build the CPython of --python-from with profile-guided and link-time optimisation (configure --enable-optimizations --with-lto), as python.org's and Debian's python3 executables are built (Debian's libpython, which an embedded interpreter loads, is not). Python code runs faster in the server; the toolchain's CPython compile takes about 35 minutes on 2 cores instead of about 10, once.",
  },
  {
    flag: '--apache',
    key: 'apache',
    kind: 'string',
    metavars: ['SOURCE'],
    group: 'image',
    fidelity: 'own',
    default: 'distro',
    help: "Apache httpd: distro (the base image's apache2 packages), source (httpd built in the build stage into /opt/apache, with only the modules the config loads, from the apache2 upstream tarball in Debian's source archive; linked to Debian's APR, APR-util and PCRE2), or the URL or local path of an httpd source tarball (e.g. from downloads.apache.org).",
    check: checkApacheSource,
  },
  {
    flag: '--mod-wsgi',
    key: 'modWsgi',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'string',
    metavars: ['SOURCE'],
    group: 'image',
    fidelity: 'own',
    default: 'pypi',
    help: "mod_wsgi source: pypi (the newest release on the package index, what pip install mod_wsgi gets: resolved and downloaded on this host with the index options and pip's PIP_* settings, pinned in the toolchain), pypi:VERSION, debian (the upstream tarball in Debian's source archive for the base suite), debian:VERSION, an http(s) URL of a tarball, or a local .tar.gz or source directory. Or debian-package: the module Debian compiled for the base suite (libapache2-mod-wsgi-py3, e.g. 4.9.4 on bookworm), not compiled here, for the suite's own Python and Apache only.",
    check: checkModWsgiSource,
  },
  {
    flag: '--system-packages',
    key: 'systemPackages',
    kind: 'string',
    metavars: ['PACKAGE'],
    group: 'image',
    fidelity: 'own',
    repeatable: true,
    help: 'Debian package the application needs at run time (e.g. python3-flask), installed in the image in a cached layer. Repeatable.',
    check: check.debianPackage,
  },
  {
    flag: '--requirements',
    key: 'requirements',
    kind: 'string',
    metavars: ['FILE'],
    group: 'image',
    fidelity: 'own',
    help: `The dependencies to pip-install into a virtualenv (${IMAGE_PATHS.venv}) in a cached layer, rebuilt only when the file (or --wheel-dir) changes: a requirements file, a pyproject.toml (its [project] dependencies), or a lock, told by its name: uv.lock or poetry.lock (with the pyproject.toml beside it) or Pipfile.lock, exported by its own tool (uv export, poetry export, pipenv requirements; the tool pip-installed from the same sources into the build stage only) with the locked versions and hashes. Given, it wins over every file in the app directory; else the first of uv.lock, poetry.lock, Pipfile.lock, requirements.txt and pyproject.toml there.`,
    check: check.existingFile,
  },
  {
    flag: '--ignore-requirements',
    key: 'ignoreRequirements',
    kind: 'flag',
    group: 'image',
    fidelity: 'own',
    default: false,
    help: 'Install nothing from a lock, requirements.txt or pyproject.toml found in the app directory (e.g. when --system-packages provides it all).',
  },
  {
    flag: '--wheel-dir',
    key: 'wheelDir',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'image',
    fidelity: 'own',
    help: 'Install the dependencies from the wheels in this host directory only (pip --no-index --find-links), for offline builds; e.g. made with pip wheel -r requirements.txt -w DIRECTORY.',
    check: check.existingDirectory,
  },
  {
    flag: '--index-url',
    key: 'indexUrl',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'string',
    metavars: ['URL'],
    group: 'image',
    fidelity: 'own',
    help: 'Python package index for mod_wsgi (--mod-wsgi pypi) and the dependencies. Credentials in it are used, never recorded in the image.',
    defaultText: "PIP_INDEX_URL, else the host's pip configuration, else PyPI",
    check: check.httpUrl,
  },
  {
    flag: '--extra-index-url',
    key: 'extraIndexUrls',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'string',
    metavars: ['URL'],
    group: 'image',
    fidelity: 'own',
    repeatable: true,
    help: 'Another index searched besides --index-url. Repeatable.',
    defaultText: 'PIP_EXTRA_INDEX_URL (space-separated)',
    check: check.httpUrl,
  },
  {
    flag: '--find-links',
    key: 'findLinks',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'string',
    metavars: ['URL|DIRECTORY'],
    group: 'image',
    fidelity: 'own',
    repeatable: true,
    help: 'Page URL or host directory of sdists and wheels used besides the indexes (a directory makes an offline build possible). Repeatable.',
    defaultText: 'PIP_FIND_LINKS',
    check: check.httpUrlOrDirectory,
  },
  {
    flag: '--trusted-host',
    key: 'trustedHosts',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'string',
    metavars: ['HOST'],
    group: 'image',
    fidelity: 'own',
    repeatable: true,
    help: 'Index host reached over plain HTTP or without verifying its certificate, as pip --trusted-host. Repeatable.',
    defaultText: 'PIP_TRUSTED_HOST',
    check: check.indexHost,
  },
  {
    flag: '--toolchain-prefix',
    key: 'toolchainPrefix',
    commands: TOOLCHAIN_COMMANDS,
    kind: 'string',
    metavars: ['NAME'],
    group: 'image',
    fidelity: 'own',
    defaultText: 'MWE_TOOLCHAIN_PREFIX, else mwe-image',
    help: 'Repository the toolchain images are tagged in, as NAME/toolchain:KEY, so that users or CI jobs sharing an engine keep theirs apart (toolchain list and prune see only theirs).',
    check: check.repositoryPath,
  },
  {
    flag: '--build-network',
    key: 'buildNetwork',
    kind: 'choice',
    metavars: ['MODE'],
    group: 'image',
    fidelity: 'own',
    default: 'default',
    choices: ['default', 'host'],
    help: "Network of the app image build's steps (pip in the dependencies stage): default (a bridge of their own, as docker build), or host (the host's network, for a package index or proxy on 127.0.0.1). The images are the same either way.",
  },
  {
    flag: '--quiet',
    key: 'quiet',
    kind: 'flag',
    group: 'image',
    fidelity: 'own',
    default: false,
    commands: ['build'],
    help: 'Print only the image id on stdout and no progress (for CI scripts).',
  },
  {
    flag: '--progress',
    key: 'progress',
    kind: 'choice',
    metavars: ['MODE'],
    group: 'image',
    fidelity: 'own',
    default: 'auto',
    choices: ['auto', 'tty', 'plain', 'quiet'],
    help: "How build steps are shown on stderr, as docker buildx shows them: tty (a live line per running step with its time and last output line, finished steps one line each), plain (a line when a step starts and when it ends, a heartbeat each minute of a long step, cached steps only counted), quiet (none), auto (tty on a terminal, else plain). A failing step's last 40 lines are printed in every mode.",
  },
  {
    flag: '--json',
    key: 'json',
    kind: 'flag',
    group: 'image',
    fidelity: 'own',
    default: false,
    commands: ['build'],
    help: 'Print a JSON summary on stdout: image, tag, id, size, toolchain, versions, timings.',
  },
  {
    flag: '--sbom',
    key: 'sbom',
    commands: ['build'],
    kind: 'string',
    metavars: ['FILE'],
    group: 'image',
    fidelity: 'own',
    help: "Also write the image's software bill of materials to FILE: CycloneDX 1.5 JSON listing the Debian packages (with versions, from the build's dpkg state), the Python distributions in the image and its virtualenv, mod_wsgi, Apache, Python and the base image. Every image carries the same document at /usr/share/mwe-image/sbom.cdx.json (label io.mwe-image.sbom).",
    check: check.outputFile,
  },
  {
    flag: '--emit-context',
    key: 'emitContext',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'image',
    fidelity: 'own',
    commands: ['build'],
    help: "Instead of building the app image, write its build context and the toolchain's (Dockerfiles, generated config, app files) to DIRECTORY with build.sh and build.json, for CI builders without a Docker daemon (kaniko, buildx). The toolchain is built (or reused) once here, because the generated config depends on what it contains. DIRECTORY must be new, empty, or an earlier --emit-context output.",
    check: check.singleLine,
  },
  {
    flag: '--app-dir',
    key: 'appDir',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'image',
    fidelity: 'own',
    help: `Directory copied into the image as ${IMAGE_PATHS.app} (the working directory and first Python path entry).`,
    defaultText: 'the directory holding a script APP, APP itself for --application-type static, and nothing for module',
    check: check.existingDirectory,
  },
  {
    flag: '--allow-outside-paths',
    key: 'allowOutsidePaths',
    kind: 'flag',
    group: 'image',
    fidelity: 'own',
    default: false,
    help: 'Let the options copy host paths from outside the app directory and the current directory into the image (--document-root, --url-alias, --python-path, --include-file and the other local paths). Without it such a path is refused. /, /proc, /sys and /dev are refused even so.',
  },

  // Where and how Apache listens and runs the daemon processes.
  {
    flag: '--port',
    key: 'port',
    kind: 'int',
    metavars: ['NUMBER'],
    group: 'server',
    fidelity: 'adapted',
    why: "Apache listens on it inside the container (EXPOSEd); the host reaches it through a published port (docker run -p, start-server's --publish-port); PORT changes it at run time.",
    default: 8000,
    min: 1,
    max: 65535,
    env: 'PORT',
    help: 'Port Apache listens on inside the container (also EXPOSEd).',
  },
  {
    flag: '--host',
    key: 'host',
    kind: 'string',
    metavars: ['IP-ADDRESS'],
    group: 'server',
    help: 'Interface Apache binds inside the container.',
    defaultText: 'all interfaces, which is what a published port needs',
    check: check.ipAddress,
  },
  {
    flag: '--processes',
    key: 'processes',
    kind: 'int',
    metavars: ['NUMBER|auto'],
    group: 'server',
    fidelity: 'adapted',
    why: "Adds auto (sized from the container's CPU quota and memory limit when it starts) and MWE_PROCESSES at run time; a number renders as express renders it.",
    min: 1,
    max: 1000,
    keyword: 'auto',
    env: 'MWE_PROCESSES',
    defaultText: '1 (and no multiprocess WSGI environ)',
    help: "Number of daemon-mode worker processes. auto (container-specific, opt-in): one per CPU of the container's cgroup quota (docker run --cpus; the host's CPUs without one), at most one per 128 MiB of its memory limit, decided when the container starts; Apache's worker pool follows.",
  },
  {
    flag: '--threads',
    key: 'threads',
    kind: 'int',
    metavars: ['NUMBER'],
    group: 'server',
    default: 5,
    min: 1,
    max: 1000,
    env: 'MWE_THREADS',
    help: 'Threads per worker process.',
  },
  {
    flag: '--user',
    key: 'user',
    kind: 'string',
    metavars: ['USERNAME'],
    group: 'server',
    fidelity: 'adapted',
    why: `Used only when the container starts as root (to bind a privileged port): Apache binds, then its children and the daemon processes switch to this account; the default is the image's app user (#${RUNTIME_USER.uid}), not the account running the command.`,
    default: `#${RUNTIME_USER.uid}`,
    defaultText: `the image's app user, #${RUNTIME_USER.uid}`,
    help: "Account Apache's children and the daemon processes switch to when the container starts as root (e.g. to bind port 80); ignored otherwise. A name from the image's /etc/passwd or #UID.",
    check: check.accountName,
  },
  {
    flag: '--group',
    key: 'group',
    kind: 'string',
    metavars: ['GROUP'],
    group: 'server',
    fidelity: 'adapted',
    why: "Used only when the container starts as root; the default is group 0 (an arbitrary UID in group 0 still writes the runtime state), not the invoking user's group.",
    default: `#${RUNTIME_USER.gid}`,
    defaultText: `#${RUNTIME_USER.gid} (root group, no privileges: OpenShift style)`,
    help: 'Group for --user when the container starts as root; ignored otherwise. A name or #GID.',
    check: check.accountName,
  },
  {
    flag: '--stop-timeout',
    key: 'stopTimeout',
    kind: 'int',
    metavars: ['SECONDS'],
    group: 'server',
    fidelity: 'own',
    default: 8,
    min: 1,
    max: 86400,
    env: 'MWE_STOP_TIMEOUT',
    help: "How long a graceful stop (SIGTERM) waits for requests in flight before Apache stops hard; keep it inside docker stop's 10 seconds and below Kubernetes' terminationGracePeriodSeconds.",
  },

  {
    flag: '--stop-delay',
    key: 'stopDelay',
    kind: 'int',
    metavars: ['SECONDS'],
    group: 'server',
    fidelity: 'own',
    default: 0,
    min: 0,
    max: 3600,
    env: 'MWE_STOP_DELAY',
    help: "Seconds between SIGTERM and the graceful stop: the health check fails at once (readiness probes, HEALTHCHECK) while requests are still served, so a load balancer stops sending before Apache stops accepting. Add it to the stop timeout in docker stop -t and Kubernetes' terminationGracePeriodSeconds.",
  },
  {
    flag: '--server-root',
    key: 'serverRoot',
    commands: ['build', 'config', 'start-server'],
    defaultText: `${IMAGE_PATHS.configDir} for the configuration and ${IMAGE_PATHS.runtimeDir} for the runtime state`,
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'server',
    fidelity: 'adapted',
    why: 'A directory inside the container, not on the host (setup-server keeps the host meaning: where it writes httpd.conf and apachectl); a volume, so a read-only root still has it writable.',
    help: 'Directory inside the container that holds the generated configuration (httpd.conf, handler.wsgi) and the runtime state (pid file, sockets), group-0 writable and declared a VOLUME, so a read-only root and an arbitrary UID in group 0 still work. setup-server takes it as the host directory it writes the server root to.',
    check: check.imageAbsolutePath,
  },
  {
    flag: '--setup-only',
    key: 'setupOnly',
    kind: 'flag',
    group: 'server',
    default: false,
    fidelity: 'adapted',
    why: 'The setup is the image: start-server builds it and exits without running it (as build does); run it later with docker run or a setup-server root.',
    help: 'start-server: build the image and exit without starting it. build, config and setup-server never start a server and take it for compatibility.',
  },
  {
    flag: '--shell-executable',
    key: 'shellExecutable',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'server',
    fidelity: 'adapted',
    why: "The shell of the apachectl that the image's own setup-server writes (inside the container), checked when the image is built.",
    help: 'Shell inside the image that runs the apachectl the in-image setup-server writes (its #! line).',
    defaultText: '/bin/sh',
    check: check.imageAbsolutePath,
  },

  // What the WSGI application is.
  {
    flag: '--application-type',
    key: 'applicationType',
    kind: 'choice',
    metavars: ['TYPE'],
    group: 'application',
    default: 'script',
    choices: ['script', 'module', 'static'],
    help: 'script: APP is a WSGI script file; module: APP is a Python module name (e.g. mod_wsgi.diagnostics.environ); static: APP is a directory of files served by Apache alone.',
  },
  {
    flag: '--entry-point',
    key: 'entryPoint',
    kind: 'string',
    metavars: ['FILE-PATH|MODULE'],
    group: 'application',
    help: 'APP given as an option (a script file, Django project directory, module name or static directory, per --application-type); wins over the APP argument when both are given.',
    check: check.singleLine,
  },
  {
    flag: '--callable-object',
    key: 'callableObject',
    kind: 'string',
    metavars: ['NAME'],
    group: 'application',
    default: 'application',
    help: 'Name of the WSGI callable in the script or module (Flask apps: app).',
    check: check.pythonIdentifier,
  },
  {
    flag: '--django',
    key: 'django',
    kind: 'flag',
    group: 'application',
    fidelity: 'own',
    default: false,
    help: `APP is a Django project directory (the one with manage.py; also detected without this flag): the WSGI entry is WSGI_APPLICATION of the settings manage.py names, Django comes from the project's dependencies (see --requirements; manage.py and the build step then run on ${IMAGE_PATHS.venv}/bin/python, and on Debian's Python python3-minimal is added to --system-packages for it), or, when it lists none, Debian's python3-django is added to --system-packages unless named there; collectstatic runs in the image build and STATIC_URL and MEDIA_URL become Apache aliases of STATIC_ROOT and MEDIA_ROOT (MEDIA_ROOT writable at run time). Inside the image \`python3 manage.py runmodwsgi\` (with mod_wsgi.express in INSTALLED_APPS) starts the server.`,
  },
  {
    flag: '--mount-point',
    key: 'mountPoint',
    kind: 'string',
    metavars: ['URL-PATH'],
    group: 'application',
    default: '/',
    help: 'URL prefix the WSGI application is mounted at.',
    check: check.urlPath,
  },

  // Static files.
  {
    flag: '--url-alias',
    key: 'urlAliases',
    kind: 'pair',
    metavars: ['URL-PATH', 'FILE-PATH'],
    group: 'static',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    repeatable: true,
    help: 'Serve a local file or directory (copied into the image) at URL-PATH, from Apache without entering the application. Repeatable; longer URL prefixes win whatever the order. A trailing slash on one side is matched on the other.',
    check: check.urlPath,
    checkSecond: check.existingPath,
  },
  {
    flag: '--document-root',
    key: 'documentRoot',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'static',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    help: 'Local directory copied into the image and used as DocumentRoot: its files are served at their URL paths, other URLs go to the application.',
    check: check.existingDirectory,
  },
  {
    flag: '--allow-app-in-document-root',
    key: 'allowAppInDocumentRoot',
    kind: 'flag',
    group: 'static',
    fidelity: 'own',
    default: false,
    help: "Let --document-root (or a --url-alias directory) be or contain the app directory, so Apache serves the application's source and every file beside it. Refused without it.",
  },

  {
    flag: '--directory-index',
    key: 'directoryIndex',
    kind: 'string',
    metavars: ['FILE-NAME'],
    group: 'static',
    help: 'Index resource Apache serves when a request maps to a directory (DirectoryIndex), e.g. index.html.',
    check: check.fileName,
  },
  {
    flag: '--directory-listing',
    key: 'directoryListing',
    kind: 'flag',
    group: 'static',
    default: false,
    help: 'Let Apache list a directory that has no --directory-index file (Options +Indexes).',
  },
  {
    flag: '--allow-override',
    key: 'allowOverride',
    kind: 'string',
    metavars: ['DIRECTIVE-TYPE'],
    group: 'static',
    repeatable: true,
    help: 'Let .htaccess files in the document root and alias directories override this directive type (AllowOverride): All, AuthConfig, FileInfo, Indexes, Limit, Options. Repeatable.',
    defaultText: 'None',
    check: check.allowOverrideType,
  },
  {
    flag: '--error-document',
    key: 'errorDocuments',
    kind: 'pair',
    metavars: ['STATUS', 'URL-PATH'],
    group: 'static',
    repeatable: true,
    help: "Serve URL-PATH instead of Apache's page for an HTTP error status (ErrorDocument). Repeatable.",
    check: check.errorStatus,
    checkSecond: check.urlPath,
  },
  {
    flag: '--error-override',
    key: 'errorOverride',
    kind: 'flag',
    group: 'static',
    default: false,
    help: "Let --error-document pages replace the application's own error responses (WSGIErrorOverride). Daemon mode only.",
  },
  {
    flag: '--enable-docs',
    key: 'enableDocs',
    kind: 'flag',
    group: 'static',
    default: false,
    help: "Alias /__wsgi__/docs and /__wsgi__/images to the mod_wsgi package's docs and images directories, as mod_wsgi-express does (the package from PyPI ships images but no docs: /__wsgi__/docs answers 404 there too).",
  },

  // Handlers and CGI.
  {
    flag: '--add-handler',
    key: 'addHandlers',
    kind: 'pair',
    metavars: ['EXTENSION', 'SCRIPT-PATH'],
    group: 'handlers',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    repeatable: true,
    help: 'Handle files with EXTENSION (with the dot, e.g. .tmpl) under the document root with the WSGI script at SCRIPT-PATH (copied into the image): its application or handle_request callable, optional reload_required(resource); SCRIPT_NAME is the matched file. Repeatable.',
    check: check.fileExtension,
    checkSecond: check.existingFile,
  },
  {
    flag: '--with-cgi',
    key: 'withCgi',
    kind: 'flag',
    group: 'handlers',
    default: false,
    help: 'Run executable .cgi files under the document root as CGI scripts (mod_cgid, or mod_cgi where cgid is missing).',
  },

  // Server name and virtual hosts.
  {
    flag: '--server-name',
    key: 'serverName',
    kind: 'string',
    metavars: ['HOSTNAME'],
    group: 'vhost',
    help: 'Host name the server answers to (ServerName); requests for other names get 403. A name starting with www. also redirects the parent domain to it.',
    check: check.hostName,
  },
  {
    flag: '--server-alias',
    key: 'serverAliases',
    kind: 'string',
    metavars: ['HOSTNAME'],
    group: 'vhost',
    repeatable: true,
    help: 'Another host name served by the application (ServerAlias); wildcards such as *.example.com are accepted. Repeatable. Needs --server-name.',
    check: check.hostPattern,
  },
  {
    flag: '--allow-localhost',
    key: 'allowLocalhost',
    kind: 'flag',
    group: 'vhost',
    default: false,
    help: 'With --server-name, still let loopback clients (127.0.0.1, ::1: health checks, sidecars) in whatever Host they send.',
  },

  // HTTPS (mod_ssl).
  {
    flag: '--https-port',
    key: 'httpsPort',
    kind: 'int',
    metavars: ['NUMBER'],
    group: 'https',
    min: 1,
    max: 65535,
    help: 'Port Apache accepts HTTPS on inside the container (also EXPOSEd), with the certificate of --ssl-certificate or --ssl-certificate-file and --ssl-certificate-key-file. With --server-name as mod_wsgi-express 6 renders it; without one (where mod_wsgi-express 6 sets up no HTTPS listener) one HTTPS virtual host answers for every host name.',
  },
  {
    flag: '--https-only',
    key: 'httpsOnly',
    kind: 'flag',
    group: 'https',
    default: false,
    help: 'Redirect every plain HTTP request to the same URL on --https-port; the readiness path /.mwe/ready is still answered over HTTP, for load balancers.',
  },
  {
    flag: '--hsts-policy',
    key: 'hstsPolicy',
    kind: 'string',
    metavars: ['PARAMS'],
    group: 'https',
    help: 'Strict-Transport-Security header sent on HTTPS responses with --https-only, e.g. max-age=31536000; includeSubDomains.',
    check: check.hstsPolicy,
  },
  {
    flag: '--ssl-certificate',
    key: 'sslCertificate',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'https',
    fidelity: 'adapted',
    why: 'The host file is copied into the image when it is built (the key readable by root and group 0 only, so an arbitrary UID in group 0 still starts); the image never reads the host at run time.',
    help: 'Common path of the certificate and its key: FILE-PATH.crt and FILE-PATH.key, both copied into the image (the key mode 0640, owner root, group 0: readable by Apache under any UID in group 0, never by others).',
    check: check.certificatePrefix,
  },
  {
    flag: '--ssl-certificate-file',
    key: 'sslCertificateFile',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'https',
    fidelity: 'adapted',
    why: 'The host file is copied into the image when it is built (the key readable by root and group 0 only, so an arbitrary UID in group 0 still starts); the image never reads the host at run time.',
    help: 'Server certificate (PEM), copied into the image. With --ssl-certificate-key-file, instead of --ssl-certificate.',
    check: check.existingFile,
  },
  {
    flag: '--ssl-certificate-key-file',
    key: 'sslCertificateKeyFile',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'https',
    fidelity: 'adapted',
    why: 'The host file is copied into the image when it is built (the key readable by root and group 0 only, so an arbitrary UID in group 0 still starts); the image never reads the host at run time.',
    help: 'Private key of --ssl-certificate-file (PEM, unencrypted), copied into the image with mode 0640, owner root, group 0.',
    check: check.existingFile,
  },
  {
    flag: '--ssl-certificate-chain-file',
    key: 'sslCertificateChainFile',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'https',
    fidelity: 'adapted',
    why: 'The host file is copied into the image when it is built (the key readable by root and group 0 only, so an arbitrary UID in group 0 still starts); the image never reads the host at run time.',
    help: 'Intermediate CA certificates sent with the server certificate (SSLCertificateChainFile), copied into the image.',
    check: check.existingFile,
  },
  {
    flag: '--ssl-ca-certificate-file',
    key: 'sslCaCertificateFile',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'https',
    fidelity: 'adapted',
    why: 'The host file is copied into the image when it is built (the key readable by root and group 0 only, so an arbitrary UID in group 0 still starts); the image never reads the host at run time.',
    help: 'CA certificates client certificates are verified against, copied into the image: every HTTPS request then needs a client certificate one of them signed, unless --ssl-verify-client names the URL paths that do.',
    check: check.existingFile,
  },
  {
    flag: '--ssl-verify-client',
    key: 'sslVerifyClient',
    kind: 'string',
    metavars: ['URL-PATH'],
    group: 'https',
    repeatable: true,
    help: 'Require a client certificate (verified against --ssl-ca-certificate-file) for HTTPS requests under URL-PATH only, instead of the whole site. Repeatable.',
    check: check.urlPath,
  },
  {
    flag: '--ssl-environment',
    key: 'sslEnvironment',
    kind: 'flag',
    group: 'https',
    default: false,
    help: 'Pass the SSL variables (HTTPS, SSL_PROTOCOL, SSL_CLIENT_S_DN, ...) in the WSGI environ of HTTPS requests (SSLOptions +StdEnvVars).',
  },

  // Reverse proxies (mod_proxy, mod_proxy_http).
  {
    flag: '--proxy-mount-point',
    key: 'proxyMountPoints',
    kind: 'pair',
    metavars: ['URL-PATH', 'URL'],
    group: 'proxy',
    repeatable: true,
    help: 'Proxy requests under URL-PATH to URL (http://, https://, or unix:/SOCKET|http://HOST/), WebSocket upgrades included, e.g. to a --service-script server in the same container: --proxy-mount-point /ws/ http://127.0.0.1:9000/. URL-PATH without its trailing slash redirects to it. The backend gets X-Forwarded-Port, X-Forwarded-Scheme (https) and X-Forwarded-Prefix. Repeatable.',
    check: check.proxyMountPoint,
    checkSecond: check.proxyUrl,
  },
  {
    flag: '--proxy-virtual-host',
    key: 'proxyVirtualHosts',
    kind: 'pair',
    metavars: ['HOSTNAME', 'URL'],
    group: 'proxy',
    repeatable: true,
    help: 'Proxy every request for host name HOSTNAME (a name-based virtual host on --port) to URL, WebSocket upgrades included. Repeatable.',
    check: check.hostName,
    checkSecond: check.proxyUrl,
  },
  {
    flag: '--proxy-timeout',
    key: 'proxyTimeout',
    kind: 'int',
    metavars: ['SECONDS'],
    group: 'proxy',
    min: 1,
    max: 86400,
    help: 'Timeout of connections to a proxied backend (ProxyTimeout); raise it for idle WebSocket clients that heartbeat less often.',
    defaultText: '--socket-timeout',
  },

  // Authentication and host access (Python scripts run in Apache's processes, not the daemon processes).
  {
    flag: '--auth-type',
    key: 'authType',
    kind: 'choice',
    metavars: ['TYPE'],
    group: 'auth',
    default: 'Basic',
    choices: ['Basic', 'Digest'],
    help: 'HTTP authentication scheme of --auth-user-script: Basic or Digest.',
  },
  {
    flag: '--auth-user-script',
    key: 'authUserScript',
    kind: 'string',
    metavars: ['SCRIPT-PATH'],
    group: 'auth',
    fidelity: 'adapted',
    why: 'The host script is copied into the image when it is built; the image never reads the host at run time.',
    help: "Python script that authenticates users for the whole site (WSGIAuthUserScript, in Apache's own processes as mod_wsgi-express runs it): check_password(environ, user, password) for Basic, get_realm_hash(environ, user, realm) for Digest. The readiness path /.mwe/ready stays open, for load balancers.",
    check: check.existingFile,
  },
  {
    flag: '--auth-group-script',
    key: 'authGroupScript',
    kind: 'string',
    metavars: ['SCRIPT-PATH'],
    group: 'auth',
    fidelity: 'adapted',
    why: 'The host script is copied into the image when it is built; the image never reads the host at run time.',
    help: 'Python script with groups_for_user(environ, user) (WSGIAuthGroupScript): an authenticated user must also be in --auth-group. Needs --auth-user-script.',
    check: check.existingFile,
  },
  {
    flag: '--auth-group',
    key: 'authGroup',
    kind: 'string',
    metavars: ['NAME'],
    group: 'auth',
    default: 'wsgi',
    help: 'Group --auth-group-script must report for a user (Require wsgi-group).',
    check: check.groupName,
  },
  {
    flag: '--host-access-script',
    key: 'hostAccessScript',
    kind: 'string',
    metavars: ['SCRIPT-PATH'],
    group: 'auth',
    fidelity: 'adapted',
    why: 'The host script is copied into the image when it is built; the image never reads the host at run time.',
    help: 'Python script with allow_access(environ, host) deciding which clients may reach the site (WSGIAccessScript); refused ones get 403.',
    check: check.existingFile,
  },

  // Process and application groups.
  {
    flag: '--process-group',
    key: 'processGroup',
    kind: 'string',
    metavars: ['NAME'],
    group: 'groups',
    help: 'Name of the daemon process group (shown as (wsgi:NAME) in ps).',
    defaultText: '<host>:<port>',
    check: check.groupName,
  },
  {
    flag: '--application-group',
    key: 'applicationGroup',
    kind: 'string',
    metavars: ['NAME'],
    group: 'groups',
    default: '%{GLOBAL}',
    help: 'Application group (sub-interpreter) of the application; %{GLOBAL} is the main interpreter, %{ENV:VARIABLE} picks one per request.',
    check: check.applicationGroup,
  },
  {
    flag: '--embedded-mode',
    key: 'embeddedMode',
    kind: 'flag',
    group: 'groups',
    default: false,
    help: "Run the application inside Apache's own worker processes instead of daemon processes: one Apache child per process, --threads of its threads in the application at once.",
  },
  {
    flag: '--free-threading',
    key: 'freeThreading',
    kind: 'flag',
    group: 'groups',
    default: false,
    help: 'Run Python without the GIL (PEP 703). Needs a free-threaded Python build in the image; refused at build time otherwise.',
  },

  // Environment.
  {
    flag: '--working-directory',
    key: 'workingDirectory',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'environment',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    help: "Local directory (copied into the image, or a part of --app-dir) that is the application's working directory and searched for imports.",
    defaultText: IMAGE_PATHS.app,
    check: check.existingDirectory,
  },
  {
    flag: '--python-path',
    key: 'pythonPath',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'environment',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    repeatable: true,
    help: 'Local directory (copied into the image) added to sys.path; .pth files in it are not processed. Repeatable.',
    check: check.existingDirectory,
  },
  {
    flag: '--python-eggs',
    key: 'pythonEggs',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'environment',
    fidelity: 'adapted',
    why: 'A directory inside the container, writable at run time; defaults to the runtime directory instead of the server root.',
    default: `${IMAGE_PATHS.runtimeDir}/python-eggs`,
    help: 'Directory inside the container for unpacking Python eggs; must be writable at run time.',
    check: check.imageAbsolutePath,
  },
  {
    flag: '--python-warnings',
    key: 'pythonWarnings',
    kind: 'string',
    metavars: ['SPEC'],
    group: 'environment',
    repeatable: true,
    help: 'Python warnings filter entry in -W syntax (action:message:category:module:lineno), one WSGIPythonWarnings each. Repeatable.',
    check: check.warningSpec,
  },
  {
    flag: '--locale',
    key: 'locale',
    kind: 'string',
    metavars: ['NAME'],
    group: 'environment',
    help: 'Locale of the daemon processes (LC_ALL).',
    defaultText: 'en_US.UTF-8 where the image has it, else C.UTF-8',
    check: check.localeName,
  },
  {
    flag: '--setenv',
    key: 'setenv',
    kind: 'pair',
    metavars: ['KEY', 'VALUE'],
    group: 'environment',
    repeatable: true,
    help: "Add KEY=VALUE to every request's WSGI environ (SetEnv). Repeatable.",
    check: check.environmentName,
    checkSecond: check.configText,
  },
  {
    flag: '--passenv',
    key: 'passenv',
    kind: 'string',
    metavars: ['KEY'],
    group: 'environment',
    repeatable: true,
    help: "Copy the container's environment variable KEY (docker run -e KEY=...) into every request's WSGI environ (PassEnv). Only the name is baked into the image. Repeatable.",
    check: check.environmentName,
  },
  {
    flag: '--compress-responses',
    key: 'compressResponses',
    kind: 'flag',
    group: 'environment',
    default: false,
    help: 'Compress text responses (plain, HTML, XML, CSS, JavaScript, JSON) for clients that accept gzip or deflate (mod_deflate).',
  },

  // Logging.
  {
    flag: '--log-level',
    key: 'logLevel',
    kind: 'choice',
    metavars: ['NAME'],
    group: 'logging',
    default: 'warn',
    env: 'MWE_LOG_LEVEL',
    choices: [
      'emerg',
      'alert',
      'crit',
      'error',
      'warn',
      'notice',
      'info',
      'debug',
      'trace1',
      'trace2',
      'trace3',
      'trace4',
      'trace5',
      'trace6',
      'trace7',
      'trace8',
    ],
    help: 'Apache LogLevel.',
  },
  {
    flag: '--access-log',
    key: 'accessLog',
    kind: 'flag',
    group: 'logging',
    default: false,
    help: 'Write an access log (standard output, or --log-directory).',
  },
  {
    flag: '--log-to-terminal',
    key: 'logToTerminal',
    kind: 'flag',
    group: 'logging',
    fidelity: 'adapted',
    why: "Always on: a container's logs are its standard output and error; --log-directory writes files instead.",
    default: true,
    help: 'Logs go to standard output and error; always the case in a container unless --log-directory is given. Accepted for compatibility.',
  },
  {
    flag: '--startup-log',
    key: 'startupLog',
    kind: 'flag',
    group: 'logging',
    default: false,
    help: "Capture Apache's startup-phase output (httpd -E) in the startup log (stderr, or --log-directory).",
  },
  {
    flag: '--log-directory',
    key: 'logDirectory',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'logging',
    fidelity: 'adapted',
    why: 'A directory inside the container (mount a volume to keep the files); express defaults to the server root.',
    help: 'Directory inside the container the logs are written to as files instead of the terminal (mount a volume there).',
    check: check.imageAbsolutePath,
  },
  {
    flag: '--access-log-name',
    key: 'accessLogName',
    kind: 'string',
    metavars: ['FILE-NAME'],
    group: 'logging',
    default: 'access_log',
    help: 'Access log file name in --log-directory.',
    check: check.fileName,
  },
  {
    flag: '--error-log-name',
    key: 'errorLogName',
    kind: 'string',
    metavars: ['FILE-NAME'],
    group: 'logging',
    default: 'error_log',
    help: 'Error log file name in --log-directory.',
    check: check.fileName,
  },
  {
    flag: '--startup-log-name',
    key: 'startupLogName',
    kind: 'string',
    metavars: ['FILE-NAME'],
    group: 'logging',
    default: 'startup_log',
    help: 'Startup log file name in --log-directory.',
    check: check.fileName,
  },
  {
    flag: '--log-format',
    key: 'logFormat',
    kind: 'choice',
    metavars: ['FORMAT'],
    group: 'logging',
    fidelity: 'own',
    default: 'text',
    choices: ['text', 'json'],
    env: 'MWE_LOG_FORMAT',
    help: "text: Apache's log lines; json (container-specific): one JSON object per line for log collectors, access lines (with --access-log) on stdout with time, client, method, path, query, protocol, status, bytes, duration_us, referer, user_agent and host, error lines on stderr with time, level, module, pid, tid, client and message; values as Apache escapes them. Logs on the terminal only (not with --log-directory).",
  },
  {
    flag: '--access-log-format',
    key: 'accessLogFormat',
    kind: 'string',
    metavars: ['FORMAT'],
    group: 'logging',
    default: 'common',
    help: 'Access log format: the nicknames common or combined, or a LogFormat string.',
    check: check.logFormat,
  },
  {
    flag: '--error-log-format',
    key: 'errorLogFormat',
    kind: 'string',
    metavars: ['FORMAT'],
    group: 'logging',
    help: 'Error log format (ErrorLogFormat).',
    check: check.logFormat,
  },
  {
    flag: '--rotate-logs',
    key: 'rotateLogs',
    kind: 'flag',
    group: 'logging',
    default: false,
    help: "Rotate log files through Apache's rotatelogs at --max-log-size. No effect on terminal logging.",
  },
  {
    flag: '--max-log-size',
    key: 'maxLogSize',
    kind: 'int',
    metavars: ['MB'],
    group: 'logging',
    default: 5,
    min: 1,
    max: 100000,
    help: 'Size in megabytes at which --rotate-logs rotates.',
  },
  {
    flag: '--rotatelogs-executable',
    key: 'rotatelogsExecutable',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'logging',
    fidelity: 'adapted',
    why: 'A path inside the image (not on the host), checked when the image is built.',
    help: 'rotatelogs inside the image.',
    defaultText: "the toolchain's: /usr/bin/rotatelogs with Debian's Apache, /opt/apache/bin/rotatelogs with --apache source",
    check: check.imageAbsolutePath,
  },

  // Custom configuration.
  {
    flag: '--include-file',
    key: 'includeFiles',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'custom',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    repeatable: true,
    help: 'Local file of Apache directives (copied into the image) appended to the generated configuration. Repeatable.',
    check: check.existingFile,
  },
  {
    flag: '--rewrite-rules',
    key: 'rewriteRules',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'custom',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    help: 'Local file of mod_rewrite rules (copied into the image) included in the document root section.',
    check: check.existingFile,
  },
  {
    flag: '--envvars-script',
    key: 'envvarsScript',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'custom',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    help: 'Local shell script (copied into the image) sourced before Apache starts, to set process environment variables.',
    check: check.existingFile,
  },

  // Service scripts.
  {
    flag: '--service-script',
    key: 'serviceScripts',
    kind: 'pair',
    metavars: ['SERVICE', 'SCRIPT-PATH'],
    group: 'services',
    fidelity: 'adapted',
    why: 'The host path is copied into the image when it is built; the image never reads the host at run time.',
    repeatable: true,
    help: 'Run the Python script at SCRIPT-PATH (copied into the image) in its own daemon process group (service:SERVICE), supervised by Apache. Repeatable.',
    check: check.groupName,
    checkSecond: check.existingFile,
  },
  {
    flag: '--service-user',
    key: 'serviceUsers',
    kind: 'pair',
    metavars: ['SERVICE', 'USERNAME'],
    group: 'services',
    repeatable: true,
    help: 'Account the service runs as when the container starts as root; ignored otherwise.',
    check: check.groupName,
    checkSecond: check.accountName,
  },
  {
    flag: '--service-group',
    key: 'serviceGroups',
    kind: 'pair',
    metavars: ['SERVICE', 'GROUP'],
    group: 'services',
    repeatable: true,
    help: 'Group the service runs as when the container starts as root; ignored otherwise.',
    check: check.groupName,
    checkSecond: check.accountName,
  },
  {
    flag: '--service-log-file',
    key: 'serviceLogFiles',
    kind: 'pair',
    metavars: ['SERVICE', 'FILE-NAME'],
    group: 'services',
    repeatable: true,
    help: "Send the service's log to FILE-NAME in --log-directory instead of the shared error log.",
    check: check.groupName,
    checkSecond: check.fileName,
  },

  // Telemetry (mod_wsgi 6 and later: WSGITelemetryService, WSGISlowRequests, WSGITelemetryOptions).
  {
    flag: '--enable-telemetry',
    key: 'enableTelemetry',
    kind: 'flag',
    group: 'telemetry',
    default: false,
    help: 'Run the telemetry ingester and its web UI (the mod_wsgi-telemetry package, pip-installed into the image from the package index) in a service daemon process next to the application, and point the WSGI processes at it. Needs mod_wsgi 6 or later.',
  },
  {
    flag: '--telemetry-ui-port',
    key: 'telemetryUiPort',
    kind: 'int',
    metavars: ['NUMBER'],
    group: 'telemetry',
    default: 8888,
    min: 1,
    max: 65535,
    help: 'Port of the telemetry web UI inside the container with --enable-telemetry.',
  },
  {
    flag: '--telemetry-ui-host',
    key: 'telemetryUiHost',
    kind: 'string',
    metavars: ['IP-ADDRESS'],
    group: 'telemetry',
    fidelity: 'own',
    default: '127.0.0.1',
    help: 'Address the telemetry web UI binds inside the container (container-specific). 127.0.0.1 is what mod_wsgi-express binds, and docker run -p cannot reach it: use --network host, docker exec, or 0.0.0.0 with -p 127.0.0.1:PORT:PORT. The UI has no authentication; a non-loopback address gets a warning.',
    check: check.ipAddress,
  },
  {
    flag: '--telemetry-service',
    key: 'telemetryService',
    kind: 'string',
    metavars: ['unix:PATH'],
    group: 'telemetry',
    help: 'Report to an ingester not run by this server, at a unix:/path/to/socket target inside the container.',
    check: check.unixTarget,
  },
  {
    flag: '--telemetry-interval',
    key: 'telemetryInterval',
    kind: 'number',
    metavars: ['SECONDS'],
    group: 'telemetry',
    default: 1.0,
    min: 0.5,
    max: 3600,
    help: 'Reporter sampling interval (the interval= of WSGITelemetryService; 0.5 at the least).',
  },
  {
    flag: '--slow-requests',
    key: 'slowRequests',
    kind: 'number',
    metavars: ['SECONDS'],
    group: 'telemetry',
    min: 0,
    max: 86400,
    help: 'Report requests still running after this many seconds (WSGISlowRequests). Needs --telemetry-service or --enable-telemetry.',
  },
  {
    flag: '--telemetry-options',
    key: 'telemetryOptions',
    kind: 'string',
    metavars: ['ARGS'],
    group: 'telemetry',
    repeatable: true,
    help: 'Capture toggles passed verbatim to a WSGITelemetryOptions directive, e.g. +CaptureUserAgent. Repeatable.',
    check: check.telemetryToggles,
  },

  // Reloading and tuning (mod_wsgi-express 5.0.2 names and defaults).
  {
    flag: '--reload-on-changes',
    key: 'reloadOnChanges',
    kind: 'flag',
    group: 'tuning',
    default: false,
    env: 'MWE_RELOAD_ON_CHANGES',
    help: 'Restart the daemon process when any imported Python module changes (polled once a second). Development only.',
  },
  {
    flag: '--disable-reloading',
    key: 'disableReloading',
    kind: 'flag',
    group: 'tuning',
    default: false,
    help: 'Never reload, not even when the WSGI script file changes.',
  },
  int('--request-timeout', 'requestTimeout', 60, 'Seconds a request may run before the daemon process is restarted.'),
  int(
    '--interrupt-timeout',
    'interruptTimeout',
    0,
    'When a request outlasts --request-timeout, interrupt only its thread (a mod_wsgi.RequestTimeout exception, answered 504) and wait this many seconds for it to unwind before restarting the process (0: no interruption). Needs a mod_wsgi that knows interrupt-timeout (6.0 and later).',
  ),
  int(
    '--startup-timeout',
    'startupTimeout',
    15,
    'Seconds the application may take to load (when the daemon process starts, or on the first request) before the daemon process is restarted, with the stack of the hang in the log; 0: no limit.',
  ),
  {
    flag: '--exit-on-startup-failure',
    key: 'exitOnStartupFailure',
    kind: 'flag',
    group: 'tuning',
    fidelity: 'own',
    default: false,
    env: 'MWE_EXIT_ON_STARTUP_FAILURE',
    help: 'Stop the server when the application failed to load 3 times in a row (each hung past --startup-timeout, raised or exited): the container exits with status 3 so that its orchestrator restarts it, instead of staying up unhealthy. Daemon mode only.',
  },
  int('--graceful-timeout', 'gracefulTimeout', 15, 'Seconds a daemon process waits for requests to finish when it restarts.'),
  int('--shutdown-timeout', 'shutdownTimeout', 5, 'Seconds a daemon process waits for requests to finish when it shuts down.'),
  int('--maximum-requests', 'maximumRequests', 0, 'Requests after which a daemon process restarts (0: never).'),
  int('--restart-interval', 'restartInterval', 0, 'Seconds after which a daemon process restarts (0: never).'),
  int('--cpu-time-limit', 'cpuTimeLimit', 0, 'CPU seconds after which a daemon process restarts (0: no limit).'),
  int('--eviction-timeout', 'evictionTimeout', 0, 'Seconds a daemon process waits when evicted by a signal (0: the graceful timeout).'),
  int('--deadlock-timeout', 'deadlockTimeout', 60, 'Seconds the GIL may stay held before the daemon process is declared deadlocked.'),
  int('--inactivity-timeout', 'inactivityTimeout', 0, 'Seconds without requests after which a daemon process restarts (0: never).'),
  int('--connect-timeout', 'connectTimeout', 15, 'Seconds an Apache child tries to connect to a daemon process.'),
  int('--socket-timeout', 'socketTimeout', 60, 'Seconds of socket inactivity before a connection is dropped (Timeout).'),
  int('--queue-timeout', 'queueTimeout', 45, 'Seconds a request may wait for a free daemon thread before it is refused.'),
  int('--header-timeout', 'headerTimeout', 15, 'Seconds to receive request headers (RequestReadTimeout).'),
  int('--header-max-timeout', 'headerMaxTimeout', 30, 'Most seconds for request headers at the minimum rate.'),
  int('--header-min-rate', 'headerMinRate', 500, 'Bytes a second that extend the header timeout.'),
  int('--body-timeout', 'bodyTimeout', 15, 'Seconds to receive the request body.'),
  int('--body-max-timeout', 'bodyMaxTimeout', 0, 'Most seconds for the request body at the minimum rate (0: no limit).'),
  int('--body-min-rate', 'bodyMinRate', 500, 'Bytes a second that extend the body timeout.'),
  int('--server-backlog', 'serverBacklog', 500, "Listen backlog of Apache's socket (ListenBacklog)."),
  int('--daemon-backlog', 'daemonBacklog', 100, "Listen backlog of the daemon processes' socket."),
  int('--send-buffer-size', 'sendBufferSize', 0, 'Send buffer of the daemon socket (0: the system default).'),
  int('--receive-buffer-size', 'receiveBufferSize', 0, 'Receive buffer of the daemon socket (0: the system default).'),
  int('--header-buffer-size', 'headerBufferSize', 0, 'Largest response header block from a daemon process (0: the default).'),
  int('--response-buffer-size', 'responseBufferSize', 0, 'Response buffering between daemon and Apache (0: the default).'),
  int('--response-socket-timeout', 'responseSocketTimeout', 0, 'Seconds to wait for a client to take a response (0: the socket timeout).'),
  {
    flag: '--response-flush-delay',
    key: 'responseFlushDelay',
    kind: 'int',
    metavars: ['MILLISECONDS'],
    group: 'tuning',
    default: 5,
    min: 0,
    max: 60000,
    help: 'Milliseconds mod_wsgi waits for more response data from a daemon process before flushing what it has to the client (0: flush on any stall). Needs a mod_wsgi that knows response-flush-delay (6.0 and later).',
  },
  int('--limit-request-body', 'limitRequestBody', 10485760, 'Largest request body in bytes (LimitRequestBody).'),
  int('--keep-alive-timeout', 'keepAliveTimeout', 2, 'Seconds a kept-alive connection waits for the next request (0: no keep-alive).'),
  {
    flag: '--map-head-to-get',
    key: 'mapHeadToGet',
    kind: 'choice',
    metavars: ['MODE'],
    group: 'tuning',
    default: 'Auto',
    choices: ['Off', 'On', 'Auto'],
    help: 'Turn HEAD into GET for the application (WSGIMapHEADToGET).',
  },
  { flag: '--enable-sendfile', key: 'enableSendfile', kind: 'flag', group: 'tuning', default: false, help: 'Let Apache and wsgi.file_wrapper use sendfile().' },
  {
    flag: '--chunked-request',
    key: 'chunkedRequest',
    kind: 'flag',
    group: 'tuning',
    default: false,
    help: 'Accept chunked request bodies (WSGIChunkedRequest).',
  },
  {
    flag: '--max-clients',
    key: 'maxClients',
    kind: 'int',
    metavars: ['NUMBER'],
    group: 'tuning',
    min: 1,
    max: 100000,
    env: 'MWE_MAX_CLIENTS',
    help: "Most concurrent requests Apache's front end accepts.",
    defaultText: '10 + 1.5 x processes x threads (at least 20)',
  },
  {
    flag: '--initial-workers',
    key: 'initialWorkers',
    kind: 'number',
    metavars: ['FRACTION'],
    group: 'tuning',
    min: 0,
    max: 1,
    env: 'MWE_INITIAL_WORKERS',
    help: 'Share of the Apache front-end workers started at once (0 to 1).',
    defaultText: '0.2',
  },
  {
    flag: '--minimum-spare-workers',
    key: 'minimumSpareWorkers',
    kind: 'number',
    metavars: ['FRACTION'],
    group: 'tuning',
    min: 0,
    max: 1,
    env: 'MWE_MINIMUM_SPARE_WORKERS',
    help: 'Share of front-end workers kept idle at the least (0 to 1).',
    defaultText: '--initial-workers',
  },
  {
    flag: '--maximum-spare-workers',
    key: 'maximumSpareWorkers',
    kind: 'number',
    metavars: ['FRACTION'],
    group: 'tuning',
    min: 0,
    max: 1,
    env: 'MWE_MAXIMUM_SPARE_WORKERS',
    help: 'Share of front-end workers kept idle at the most (0 to 1).',
    defaultText: '0.6',
  },
  {
    flag: '--server-mpm',
    key: 'serverMpm',
    kind: 'choice',
    metavars: ['NAME'],
    group: 'tuning',
    default: 'event',
    choices: APACHE_MPMS,
    help: 'Apache MPM of the front end.',
  },
  {
    flag: '--cpu-affinity',
    key: 'cpuAffinity',
    kind: 'flag',
    group: 'tuning',
    fidelity: 'own',
    default: false,
    env: 'MWE_CPU_AFFINITY',
    help: "Bind each process that runs the application (daemon processes; Apache's children in --embedded-mode) to one CPU of the container's CPU set, spread evenly, so that the handoffs between its threads stay on one core's caches. For CPUs the container has to itself (docker run --cpuset-cpus, Kubernetes' static CPU manager) or a host of its own: on a host shared without a CPU set, other containers' processes crowd the same CPUs.",
  },
  { flag: '--http2', key: 'http2', kind: 'flag', group: 'tuning', default: false, help: 'Speak HTTP/2 as well (mod_http2; h2c over plain HTTP).' },
  {
    flag: '--server-metrics',
    key: 'serverMetrics',
    kind: 'flag',
    group: 'tuning',
    default: false,
    help: 'Collect server metrics for mod_wsgi.server_metrics() (WSGIServerMetrics, ExtendedStatus).',
  },
  {
    flag: '--server-status',
    key: 'serverStatus',
    kind: 'flag',
    group: 'tuning',
    default: false,
    help: "Serve Apache's /server-status page, to loopback clients only.",
  },
  {
    flag: '--orphan-interpreter',
    key: 'orphanInterpreter',
    kind: 'flag',
    group: 'tuning',
    default: false,
    help: 'Skip destroying the Python interpreter on process shutdown (WSGIDestroyInterpreter Off).',
  },
  {
    flag: '--switch-interval',
    key: 'switchInterval',
    kind: 'number',
    metavars: ['SECONDS'],
    group: 'tuning',
    min: 0.000001,
    max: 3600,
    help: "Python's GIL switch interval (sys.setswitchinterval), above 0: WSGISwitchInterval for embedded mode and switch-interval on the daemon processes. Needs mod_wsgi 6.",
    defaultText: "Python's 0.005",
  },
  {
    flag: '--ignore-activity',
    key: 'ignoreActivity',
    kind: 'string',
    metavars: ['URL-PATH'],
    group: 'tuning',
    repeatable: true,
    help: 'Requests under URL-PATH (e.g. a health check) do not count as activity for --inactivity-timeout. Repeatable.',
    check: check.urlPath,
  },
  {
    flag: '--trust-proxy-header',
    key: 'trustProxyHeaders',
    kind: 'string',
    metavars: ['HEADER-NAME'],
    group: 'tuning',
    repeatable: true,
    help: 'Trusted header from a front proxy (e.g. X-Forwarded-For) that mod_wsgi applies to the WSGI environ. Repeatable.',
    check: check.headerName,
  },
  {
    flag: '--trust-proxy',
    key: 'trustProxies',
    kind: 'string',
    metavars: ['IP-ADDRESS'],
    group: 'tuning',
    repeatable: true,
    help: 'Address or subnet (CIDR) of a proxy whose --trust-proxy-header values are trusted. Repeatable.',
    check: check.ipOrSubnet,
  },
  {
    flag: '--socket-prefix',
    key: 'socketPrefix',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'tuning',
    fidelity: 'adapted',
    why: `A directory inside the container; defaults to the runtime directory (${IMAGE_PATHS.runtimeDir}, so a read-only root with a tmpfs on /tmp works).`,
    help: 'Directory inside the container for the daemon sockets.',
    defaultText: IMAGE_PATHS.runtimeDir,
    check: check.imageAbsolutePath,
  },
  {
    flag: '--pid-file',
    key: 'pidFile',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'tuning',
    fidelity: 'adapted',
    why: `A file inside the container; defaults to the runtime directory (${IMAGE_PATHS.runtimeDir}).`,
    help: "Apache's PID file inside the container.",
    defaultText: `${IMAGE_PATHS.runtimeDir}/httpd.pid`,
    check: check.imageAbsolutePath,
  },
  {
    flag: '--process-name',
    key: 'processName',
    kind: 'string',
    metavars: ['NAME'],
    group: 'tuning',
    env: 'MWE_PROCESS_NAME',
    help: "Name Apache's processes show in ps.",
    defaultText: "the httpd executable's name",
    check: check.groupName,
  },
  {
    flag: '--httpd-executable',
    key: 'httpdExecutable',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'tuning',
    fidelity: 'adapted',
    why: 'A path inside the image (not on the host), checked when the image is built.',
    help: 'Apache binary inside the image.',
    defaultText: 'the one the toolchain found (/usr/sbin/apache2 on Debian, /opt/apache/bin/httpd with --apache source)',
    check: check.imageAbsolutePath,
  },
  {
    flag: '--modules-directory',
    key: 'modulesDirectory',
    kind: 'string',
    metavars: ['DIRECTORY'],
    group: 'tuning',
    fidelity: 'adapted',
    why: 'A path inside the image (not on the host), checked when the image is built.',
    help: 'Apache modules directory inside the image.',
    defaultText: "the toolchain's (apxs LIBEXECDIR)",
    check: check.imageAbsolutePath,
  },
  {
    flag: '--mime-types',
    key: 'mimeTypes',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'tuning',
    fidelity: 'adapted',
    why: 'A path inside the image (not on the host), checked when the image is built.',
    help: 'MIME types file inside the image (TypesConfig).',
    defaultText: "the toolchain's: /etc/mime.types with Debian's Apache, /opt/apache/conf/mime.types with --apache source",
    check: check.imageAbsolutePath,
  },
  {
    flag: '--debug-mode',
    key: 'debugMode',
    kind: 'flag',
    group: 'debugging',
    fidelity: 'refused',
    why: "one Apache process with pdb on your terminal needs a TTY attached to Apache itself, which the image's supervised, detached Apache never has; debug on the host with mod_wsgi-express start-server --debug-mode, or use a remote debugger (debugpy from --requirements, docker run -it -p 127.0.0.1:5678:5678 IMAGE)",
    help: 'Refused: one Apache process with the Python debugger on the terminal (mod_wsgi-express --debug-mode).',
  },
  {
    flag: '--enable-debugger',
    key: 'enableDebugger',
    kind: 'flag',
    group: 'debugging',
    fidelity: 'refused',
    why: "pdb post-mortem needs --debug-mode's Apache on a terminal (a TTY), which the image's daemon processes never have; use a remote debugger such as debugpy from --requirements, published with docker run -it -p 127.0.0.1:5678:5678, or mod_wsgi-express --enable-debugger on the host",
    help: 'Refused: post-mortem pdb on the terminal for exceptions from the application.',
  },
  {
    flag: '--debugger-startup',
    key: 'debuggerStartup',
    kind: 'flag',
    group: 'debugging',
    fidelity: 'refused',
    why: "pdb at startup needs --debug-mode's Apache on a terminal (a TTY), which the image's daemon processes never have; use a remote debugger such as debugpy (docker run -it -p 127.0.0.1:5678:5678) or mod_wsgi-express --debugger-startup on the host",
    help: 'Refused: pdb on the terminal when the server starts.',
  },
  {
    flag: '--enable-profiler',
    key: 'enableProfiler',
    kind: 'flag',
    group: 'debugging',
    fidelity: 'refused',
    why: 'mod_wsgi-express profiles only in --debug-mode (one process on a terminal), which an image does not run; profile on the host with mod_wsgi-express --enable-profiler --profiler-directory DIR, or run cProfile in the app and write to a volume (docker run -v DIR:/profiles)',
    help: 'Refused: cProfile data of the --debug-mode process.',
  },
  {
    flag: '--profiler-directory',
    key: 'profilerDirectory',
    kind: 'string',
    metavars: ['DIRECTORY-PATH'],
    group: 'debugging',
    fidelity: 'refused',
    why: 'it takes effect only with --enable-profiler in --debug-mode, which an image does not run; write profiles from the app to a volume (docker run -v DIR:/profiles) or use mod_wsgi-express on the host',
    help: 'Refused: where --enable-profiler writes.',
  },
  {
    flag: '--enable-recorder',
    key: 'enableRecorder',
    kind: 'flag',
    group: 'debugging',
    fidelity: 'refused',
    why: 'mod_wsgi-express records requests only in --debug-mode (one process on a terminal), which an image does not run; record on the host with mod_wsgi-express --enable-recorder --recorder-directory DIR',
    help: 'Refused: request recording in --debug-mode.',
  },
  {
    flag: '--recorder-directory',
    key: 'recorderDirectory',
    kind: 'string',
    metavars: ['DIRECTORY-PATH'],
    group: 'debugging',
    fidelity: 'refused',
    why: 'it takes effect only with --enable-recorder in --debug-mode, which an image does not run; record on the host with mod_wsgi-express, or have the app write to a volume (docker run -v DIR:/recordings)',
    help: 'Refused: where --enable-recorder writes.',
  },
  {
    flag: '--enable-coverage',
    key: 'enableCoverage',
    kind: 'flag',
    group: 'debugging',
    fidelity: 'refused',
    why: 'mod_wsgi-express measures coverage only in --debug-mode (one process on a terminal), which an image does not run; measure on the host with mod_wsgi-express --enable-coverage --coverage-directory DIR (coverage from PyPI)',
    help: 'Refused: coverage of the --debug-mode process.',
  },
  {
    flag: '--coverage-directory',
    key: 'coverageDirectory',
    kind: 'string',
    metavars: ['DIRECTORY-PATH'],
    group: 'debugging',
    fidelity: 'refused',
    why: 'it takes effect only with --enable-coverage in --debug-mode, which an image does not run; measure on the host with mod_wsgi-express, or have the app write coverage data to a volume (docker run -v DIR:/coverage)',
    help: 'Refused: where --enable-coverage writes its HTML report.',
  },
  {
    flag: '--enable-gdb',
    key: 'enableGdb',
    kind: 'flag',
    group: 'debugging',
    fidelity: 'refused',
    why: "gdb on --debug-mode's Apache needs a terminal and gdb, and the image has neither; attach from the host (gdb -p PID of the container's process, as root) or run docker run -it --cap-add SYS_PTRACE with a debug image",
    help: 'Refused: Apache run under gdb in --debug-mode.',
  },
  {
    flag: '--gdb-executable',
    key: 'gdbExecutable',
    kind: 'string',
    metavars: ['FILE-PATH'],
    group: 'debugging',
    fidelity: 'refused',
    why: "it takes effect only with --enable-gdb, which an image does not run (no gdb, no terminal); attach gdb from the host to the container's process instead",
    help: 'Refused: the gdb that --enable-gdb runs.',
  },
] as const satisfies readonly OptionSpec[];

/** The option table, one row per option. */
export const OPTION_SPECS: readonly OptionSpec[] = OPTION_ROWS;

/** Alternative spellings in use for some options, next to mod_wsgi-express's names. */
export const OPTION_ALIASES: Record<string, string> = {
  '--max-requests': '--maximum-requests',
  '--listen-backlog': '--daemon-backlog',
  '--mod-wsgi-source': '--mod-wsgi',
  '--ssl-port': '--https-port',
  '--proxy-url-alias': '--proxy-mount-point',
};

type Row = (typeof OPTION_ROWS)[number];

/** One value of a row, from its kind (and choices, keyword). */
type ValueOf<R> = R extends { kind: 'flag' }
  ? boolean
  : R extends { kind: 'pair' }
    ? [string, string]
    : R extends { kind: 'choice'; choices: readonly (infer C)[] }
      ? C
      : R extends { kind: 'int' | 'number'; keyword: infer W }
        ? number | W
        : R extends { kind: 'int' | 'number' }
          ? number
          : string;

/** Rows that always have a value: repeatable (an empty list) or with a default. */
type Given = { repeatable: true } | { default: unknown };

type TableOptions = { [R in Row as R extends Given ? R['key'] : never]: R extends { repeatable: true } ? ValueOf<R>[] : ValueOf<R> } & {
  [R in Row as R extends Given ? never : R['key']]?: ValueOf<R>;
};

/** What the build options are once parsed and validated: the table's rows, each typed by its kind. */
export type BuildOptions = Omit<TableOptions, 'baseImage'> & {
  /** Decided from --python when not given. */
  baseImage: string;
};

export type ApplicationType = BuildOptions['applicationType'];

/** An option's help as shown: its text, its default, its other spelling. */
export function helpText(spec: OptionSpec): string {
  const shown = spec.defaultText ?? (spec.kind === 'flag' || spec.default === undefined ? undefined : String(spec.default));
  const alias = Object.keys(OPTION_ALIASES).find((name) => OPTION_ALIASES[name] === spec.flag);
  const runtime = spec.env && `${spec.env}${spec.kind === 'flag' ? '=1 (or 0)' : ''} in the container's environment overrides it at run time.`;
  return [spec.help, shown === undefined ? '' : `Defaults to ${shown}.`, runtime, alias ? `Also spelled ${alias}.` : ''].filter(Boolean).join(' ');
}

/** True when `command` takes the option. */
export function takesOption(spec: OptionSpec, command: OptionCommand): boolean {
  return (spec.commands ?? APP_COMMANDS).includes(command);
}

/** The metavariable part of an option as shown in help, e.g. `<URL-PATH> <FILE-PATH>`. */
export function metavarText(spec: OptionSpec): string {
  return (spec.metavars ?? []).map((name) => `<${name}>`).join(' ');
}

function parseNumber(spec: OptionSpec, value: string): number | string {
  if (spec.keyword && value === spec.keyword) return value;
  const pattern = spec.kind === 'int' ? /^\d+$/ : /^\d+(\.\d+)?$/;
  if (!pattern.test(value)) {
    throw new UsageError(
      `${spec.flag}: '${value}' is not a ${spec.kind === 'int' ? 'whole ' : ''}number; give one from ${spec.min} to ${spec.max}${spec.keyword ? ` or ${spec.keyword}` : ''}`,
    );
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
    check.singleLine(first, spec.flag);
    check.singleLine(second, spec.flag);
    spec.check?.(first, spec.flag);
    spec.checkSecond?.(second, spec.flag);
    return [first, second];
  }
  const value = raw as string;
  check.singleLine(value, spec.flag);
  switch (spec.kind) {
    case 'int':
    case 'number':
      return parseNumber(spec, value);
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
 * BuildOptions, applying defaults and the checks that involve several
 * options. An option the command does not take is refused.
 */
export function resolveBuildOptions(raw: Record<string, unknown>, command: OptionCommand = 'build'): BuildOptions {
  const values: Record<string, unknown> = {};
  for (const spec of OPTION_SPECS) {
    const given = raw[spec.key];
    if (given !== undefined && !takesOption(spec, command)) {
      const commands = spec.commands ?? APP_COMMANDS;
      throw new UsageError(`${spec.flag} is an option of ${commands.join(', ')} only; drop it from ${command === 'module' ? 'this command' : command}`);
    }
    if (given !== undefined && spec.fidelity === 'refused') throw new UsageError(`${spec.flag}: ${spec.why}`);
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
  const options = values as BuildOptions;
  options.baseImage ??= `debian:${PYTHON_SUITES[options.python ?? '3.13']}-slim`;
  checkCombinations(options);
  return options;
}

/** Checks that involve more than one option; each failure names them and the fix. */
function checkCombinations(options: BuildOptions): void {
  const fail = (message: string): never => {
    throw new UsageError(message);
  };
  if (options.quiet && options.json) fail('--quiet and --json: keep one');
  if (options.emitContext && options.sbom)
    fail('--emit-context builds no image to take an SBOM from: drop --sbom (the image carries it at /usr/share/mwe-image/sbom.cdx.json)');
  if (options.wheelDir && (options.indexUrl || options.findLinks.length))
    fail('--wheel-dir installs from that directory only; drop --index-url/--find-links or --wheel-dir');
  if (options.ignoreRequirements && options.requirements) fail('--ignore-requirements and --requirements contradict each other; keep one');
  if (options.emitContext && (options.quiet || options.json)) fail('--emit-context builds no image: drop --quiet/--json');
  const python = parsePythonSource(options.python, options.pythonFrom, options.pythonPgo); // --python with --python-from, before the engine is asked
  if (options.modWsgi === 'debian-package' && (python.from !== 'distro' || options.apache !== 'distro')) {
    fail("--mod-wsgi debian-package is Debian's module for the suite's own Python and Apache; drop it, or --python-from/--apache");
  }
  checkHttps(options, fail);
  if (options.proxyTimeout !== undefined && !options.proxyMountPoints.length && !options.proxyVirtualHosts.length) {
    fail('--proxy-timeout applies to proxied requests only; add --proxy-mount-point or --proxy-virtual-host, or drop it');
  }
  if (options.authGroupScript && !options.authUserScript)
    fail('--auth-group-script checks users --auth-user-script authenticated; add --auth-user-script SCRIPT-PATH');
  if (options.authGroup !== 'wsgi' && !options.authGroupScript) fail('--auth-group is checked by --auth-group-script; add --auth-group-script SCRIPT-PATH');
  if (options.authType !== 'Basic' && !options.authUserScript) fail('--auth-type is the scheme of --auth-user-script; add --auth-user-script SCRIPT-PATH');
  if (options.serverAliases.length && !options.serverName) fail('--server-alias needs --server-name; add --server-name HOSTNAME');
  if (options.allowLocalhost && !options.serverName) fail('--allow-localhost only matters with --server-name; add --server-name or drop it');
  if (options.embeddedMode) {
    if (options.errorOverride) fail('--error-override works in daemon mode only; drop --embedded-mode or --error-override');
    if (options.processGroup) fail('--process-group has no effect with --embedded-mode; drop one of them');
    if (options.reloadOnChanges) fail('--reload-on-changes restarts daemon processes; it does not work with --embedded-mode');
    if (options.serviceScripts.length) fail('--service-script runs in daemon processes; it does not work with --embedded-mode');
    if (options.exitOnStartupFailure) fail('--exit-on-startup-failure watches daemon processes; it does not work with --embedded-mode');
  }
  if (options.django && options.applicationType !== 'script')
    fail(
      `--django: APP is a project directory, not ${options.applicationType === 'module' ? 'a module name' : 'a static directory'}; drop --application-type or --django`,
    );
  if (options.applicationType === 'static' && options.embeddedMode) fail('--embedded-mode has no application to run with --application-type static');
  if (options.applicationType === 'static' && options.cpuAffinity)
    fail('--cpu-affinity binds the processes that run the application; --application-type static has none');
  if (options.applicationType === 'static' && options.exitOnStartupFailure)
    fail('--exit-on-startup-failure has no application to start with --application-type static');
  if (options.exitOnStartupFailure && options.startupTimeout === 0)
    fail('--exit-on-startup-failure counts loads that outlast --startup-timeout; give --startup-timeout a number of seconds above 0');
  if (options.reloadOnChanges && options.disableReloading) fail('--reload-on-changes and --disable-reloading contradict each other; keep one');
  const services = new Set(options.serviceScripts.map(([name]) => name));
  if (services.size !== options.serviceScripts.length) fail('--service-script: each SERVICE name may be given once');
  for (const [flag, pairs] of [
    ['--service-user', options.serviceUsers],
    ['--service-group', options.serviceGroups],
    ['--service-log-file', options.serviceLogFiles],
  ] as const) {
    for (const [name] of pairs)
      if (!services.has(name)) fail(`${flag}: no --service-script named '${name}'; declare it with --service-script ${name} SCRIPT-PATH`);
  }
  if (options.logFormat === 'json' && options.logDirectory) fail('--log-format json is for logs on the terminal; drop --log-directory or --log-format json');
  if (options.serviceLogFiles.length && !options.logDirectory) fail('--service-log-file writes into --log-directory; add --log-directory DIRECTORY');
  if (options.enableTelemetry && options.telemetryService) fail('--enable-telemetry and --telemetry-service are mutually exclusive; keep one');
  if (options.enableTelemetry && services.has('telemetry')) fail("--enable-telemetry runs its own 'telemetry' service; drop --service-script telemetry");
  if (options.slowRequests !== undefined && !options.enableTelemetry && !options.telemetryService) {
    fail('--slow-requests needs --telemetry-service or --enable-telemetry');
  }
}

/** The HTTPS options together: a port needs a certificate and key, everything else needs the port. */
function checkHttps(options: BuildOptions, fail: (message: string) => never): void {
  if (options.sslCertificate && (options.sslCertificateFile || options.sslCertificateKeyFile)) {
    fail('--ssl-certificate names both files; drop it or --ssl-certificate-file/--ssl-certificate-key-file');
  }
  const files = [
    options.sslCertificate,
    options.sslCertificateFile,
    options.sslCertificateKeyFile,
    options.sslCertificateChainFile,
    options.sslCaCertificateFile,
  ];
  if (options.httpsPort === undefined) {
    if (files.some(Boolean)) fail('--https-port must be given with the SSL certificate options; add --https-port NUMBER');
    if (options.httpsOnly || options.hstsPolicy || options.sslEnvironment || options.sslVerifyClient.length) {
      fail('--https-only, --hsts-policy, --ssl-environment and --ssl-verify-client need HTTPS; add --https-port NUMBER and a certificate');
    }
    return;
  }
  if (!options.sslCertificate && !(options.sslCertificateFile && options.sslCertificateKeyFile)) {
    fail('--https-port needs a certificate and key; add --ssl-certificate PATH (PATH.crt, PATH.key) or --ssl-certificate-file and --ssl-certificate-key-file');
  }
  if (options.httpsPort === options.port) fail(`--https-port ${options.httpsPort} is also --port; give them different ports`);
  if (options.hstsPolicy && !options.httpsOnly) fail('--hsts-policy is sent with --https-only (as mod_wsgi-express does); add --https-only');
  if (options.sslVerifyClient.length && !options.sslCaCertificateFile) fail('--ssl-verify-client verifies against --ssl-ca-certificate-file; add it');
}

/** True when any telemetry option is in use. */
export function wantsTelemetry(options: BuildOptions): boolean {
  return options.enableTelemetry || options.telemetryService !== undefined;
}
