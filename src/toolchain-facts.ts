import { IMAGE_PATHS } from './contract.js';

/** What a toolchain image records about itself in /usr/local/lib/mwe-image/toolchain.json. */
export interface ToolchainFacts {
  pythonVersion: string;
  pythonHome: string;
  pythonFreeThreaded: boolean;
  apacheVersion: string;
  /** distro: Debian's apache2 packages; source: httpd built into /opt/apache (older toolchains: absent, distro). */
  apacheFrom?: 'distro' | 'source';
  modWsgiVersion: string;
  modulePath: string;
  moduleLink: string;
  modulesDirectory: string;
  httpdExecutable: string;
  /** TypesConfig file and rotatelogs of that Apache (older toolchains: absent, Debian's). */
  mimeTypes?: string;
  rotatelogsExecutable?: string;
  sitePackages: string;
  /** Optional mod_wsgi directives the built module knows. */
  directives: string[];
  /** Optional WSGIDaemonProcess options the module knows (interrupt-timeout, ...; older toolchains: absent, none). */
  daemonOptions?: string[];
  /** Patches applied to mod_wsgi's source before it was compiled (images/toolchain/scripts/patch-mod-wsgi.sh; older toolchains: absent, none). */
  modWsgiPatches?: string[];
  /** Apache modules available as .so files (cgid, cgi, deflate, ...). */
  apacheModules?: string[];
  /** `locale -a` of the base image. */
  locales?: string[];
}

export const TOOLCHAIN_FACTS_PATH = `/out${IMAGE_PATHS.libDir}/toolchain.json`;
