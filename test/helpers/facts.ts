/** Toolchain facts as a trixie toolchain with mod_wsgi 5.0.2 records them. */
import type { ToolchainFacts } from '../../src/toolchain-facts.js';

export const TRIXIE_FACTS: ToolchainFacts = {
  pythonVersion: '3.13',
  pythonHome: '/usr',
  pythonFreeThreaded: false,
  apacheVersion: '2.4.66-1',
  modWsgiVersion: '5.0.2',
  modulePath: '/usr/local/lib/python3.13/dist-packages/mod_wsgi/server/mod_wsgi-py313.cpython-313-x86_64-linux-gnu.so',
  moduleLink: '/usr/local/lib/mwe-image/mod_wsgi.so',
  modulesDirectory: '/usr/lib/apache2/modules',
  httpdExecutable: '/usr/sbin/apache2',
  sitePackages: '/usr/local/lib/python3.13/dist-packages',
  directives: ['WSGIPythonWarnings', 'WSGISocketRotation', 'WSGIDestroyInterpreter'],
};

/** The same with --apache source: httpd built into /opt/apache. */
export const SOURCE_APACHE_FACTS: ToolchainFacts = {
  ...TRIXIE_FACTS,
  apacheVersion: '2.4.68',
  apacheFrom: 'source',
  modulesDirectory: '/opt/apache/modules',
  httpdExecutable: '/opt/apache/bin/httpd',
  mimeTypes: '/opt/apache/conf/mime.types',
  rotatelogsExecutable: '/opt/apache/bin/rotatelogs',
};
