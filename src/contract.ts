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
  'unixd', 'authn_core', 'authz_core', 'authz_host', 'mime', 'rewrite',
  'alias', 'dir', 'env', 'headers', 'filter', 'reqtimeout', 'log_config',
] as const;
export const OPTIONAL_APACHE_MODULES = ['autoindex', 'status', 'deflate', 'cgi', 'cgid', 'http2'] as const;
export const APACHE_MPMS = ['event', 'worker', 'prefork'] as const;
