/**
 * Facts an image's TypeScript, C, shell and Python sides share: its fixed
 * paths, its user and the Apache modules a configuration may load. Declared
 * here once; the runtime settings are the option table's rows with an `env`
 * (src/options.ts). src/contract-files.ts turns both into what the other
 * languages read (a C header, a shell file, a JSON file), generated at build time.
 */

/** Fixed locations inside the image. */
export const IMAGE_PATHS = {
  app: '/srv/app',
  htdocs: '/srv/htdocs',
  staticRoot: '/srv/static',
  configDir: '/etc/mwe-image',
  runtimeDir: '/tmp/mwe-image',
  /** The virtualenv the dependencies stage installs into. */
  venv: '/opt/venv',
  /** What the toolchain installs beside the module: toolchain.json, the contract files, runtime-packages.txt. */
  libDir: '/usr/local/lib/mwe-image',
  entrypoint: '/usr/local/bin/mwe-entrypoint',
  healthcheck: '/usr/local/bin/mwe-healthcheck',
  setupServer: '/usr/local/bin/setup-server',
} as const;

/** The generated Apache configuration, read by the entrypoint and the image's setup-server. */
export const HTTPD_CONF = `${IMAGE_PATHS.configDir}/httpd.conf`;

/** The app user every image runs as: in group 0, so an arbitrary UID in group 0 works too (OpenShift style). */
export const RUNTIME_USER = { name: 'app', uid: 10001, gid: 0 } as const;

/**
 * Apache modules every generated config loads (unless built in), and the
 * optional ones an option adds; `--apache source` builds exactly these.
 */
export const APACHE_MODULES = [
  'unixd',
  'authn_core',
  'authz_core',
  'authz_host',
  'mime',
  'rewrite',
  'alias',
  'dir',
  'env',
  'headers',
  'filter',
  'reqtimeout',
  'log_config',
] as const;
export const OPTIONAL_APACHE_MODULES = [
  'autoindex',
  'status',
  'deflate',
  'cgi',
  'cgid',
  'http2',
  'proxy',
  'proxy_http',
  'ssl',
  'auth_basic',
  'auth_digest',
  'authz_user',
] as const;
export const APACHE_MPMS = ['event', 'worker', 'prefork'] as const;

/**
 * Runtime variables that are not one option each: decided from several
 * options at build time (the image's ENV, by runtimeEnvironment in
 * src/render.ts), or read by the entrypoint only. `fallback` is what the
 * entrypoint assumes when the variable is unset or empty.
 */
export const DERIVED_VARIABLES = {
  /** The --host address: where the health check connects. */
  MWE_HOST: { fallback: '' },
  /** The Host header of the health check: --server-name, else localhost. */
  MWE_HEALTHCHECK_HOST: { fallback: 'localhost' },
  /** The path the health check asks for: the mount point. */
  MWE_HEALTHCHECK_PATH: { fallback: '/' },
  /** Seconds the health check waits for an answer (the entrypoint only). */
  MWE_HEALTHCHECK_TIMEOUT: { fallback: 3, min: 1, max: 300 },
  /** Where the application runs: daemon processes, or Apache's own children (--embedded-mode). */
  MWE_WSGI_MODE: { fallback: 'daemon', choices: ['daemon', 'embedded'] },
  MWE_STARTUP_LOG: { fallback: '' },
  /** Colon-separated scripts sourced before Apache starts (--envvars-script, a server root's envvars). */
  MWE_ENVVARS: { fallback: '' },
  /** Colon-separated directories the configuration writes into (made group-0 writable). */
  MWE_DIRECTORIES: { fallback: '' },
  MWE_HTTPD: { fallback: '/usr/sbin/apache2' },
  MWE_HTTPD_CONF: { fallback: HTTPD_CONF },
  MWE_RUNTIME_DIR: { fallback: IMAGE_PATHS.runtimeDir },
  MWE_PID_FILE: { fallback: '' },
  /** The #! of the apachectl the image's setup-server writes (--shell-executable). */
  MWE_SHELL_EXECUTABLE: { fallback: '/bin/sh' },
} as const;

/** Variables the entrypoint sets for the generated config: Apache's worker pool, sized from the settings. */
export const WORKER_POOL_VARIABLES = [
  'MWE_MPM_SERVER_LIMIT',
  'MWE_MPM_THREADS_PER_CHILD',
  'MWE_MPM_START_SERVERS',
  'MWE_MPM_MAX_REQUEST_WORKERS',
  'MWE_MPM_MIN_SPARE_THREADS',
  'MWE_MPM_MAX_SPARE_THREADS',
  'MWE_MPM_PREFORK_MAX_CLIENTS',
  'MWE_MPM_PREFORK_START_SERVERS',
  'MWE_MPM_PREFORK_MIN_SPARE_SERVERS',
  'MWE_MPM_PREFORK_MAX_SPARE_SERVERS',
] as const;

/** The -D names the entrypoint passes Apache for the config's <IfDefine> sections. */
export const HTTPD_DEFINES = {
  /** MWE_PROCESSES is set: mod_wsgi's processes= (a multiprocess WSGI environ). */
  multiprocess: 'MWE_MULTIPROCESS',
  /** MWE_LOG_FORMAT=json: logs through the entrypoint's JSON logger. */
  jsonLogs: 'MWE_JSON_LOGS',
} as const;
