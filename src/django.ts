/**
 * Django projects: what a build needs from a project directory, read on the
 * host without importing Django (the host need not have it): the settings
 * module manage.py names and the WSGI module and callable of WSGI_APPLICATION.
 * Everything that needs the settings evaluated (collectstatic, STATIC_URL,
 * MEDIA_ROOT) happens inside the image build (mod_wsgi.express.prepare).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { IMAGE_PATHS } from './contract.js';
import { UsageError } from './errors.js';

/** Debian's Django, installed in the image when the project lists no dependencies, unless --system-packages names it. */
export const DJANGO_PACKAGE = 'python3-django';
/** Debian packages with /usr/bin/python3, which /opt/venv/bin/python links to; the first is added for Django from the dependencies. */
export const DJANGO_INTERPRETERS = ['python3-minimal', 'python3', DJANGO_PACKAGE];
/** The Apache include the image build writes from the settings (static and media aliases). */
export const DJANGO_CONFIG = `${IMAGE_PATHS.configDir}/django.conf`;

export interface DjangoProject {
  /** The project root on the host: the directory holding manage.py. */
  root: string;
  settingsModule: string;
  wsgiModule: string;
  callableObject: string;
}

const MODULE = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/;

/** The project directory APP names (the directory with manage.py, or manage.py itself), if it is one. */
export function djangoProjectRoot(app: string): string | undefined {
  const absolute = path.resolve(app);
  if (!existsSync(absolute)) return undefined;
  if (statSync(absolute).isDirectory()) return existsSync(path.join(absolute, 'manage.py')) ? absolute : undefined;
  return path.basename(absolute) === 'manage.py' ? path.dirname(absolute) : undefined;
}

/** The source file of a module under the project root, if there is one. */
function moduleFile(root: string, module: string): string | undefined {
  const base = path.join(root, ...module.split('.'));
  return [`${base}.py`, path.join(base, '__init__.py')].find((file) => existsSync(file));
}

function settingsModuleOf(root: string): string {
  const source = readFileSync(path.join(root, 'manage.py'), 'utf8');
  const match = /['"]DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([^'"]+)['"]/.exec(source);
  if (!match || !MODULE.test(match[1])) {
    throw new UsageError(
      `APP: ${path.join(root, 'manage.py')} does not set DJANGO_SETTINGS_MODULE as os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings') does; add that line`,
    );
  }
  return match[1];
}

/** WSGI_APPLICATION from the settings source, else the wsgi module next to the settings (as startproject lays it out). */
function wsgiApplicationOf(root: string, settingsModule: string, settingsFile: string): { wsgiModule: string; callableObject: string } {
  const source = readFileSync(settingsFile, 'utf8');
  const match = /^WSGI_APPLICATION\s*=\s*['"]([^'"]+)['"]/m.exec(source);
  if (match) {
    const parts = match[1].split('.');
    const wsgiModule = parts.slice(0, -1).join('.');
    if (parts.length < 2 || !MODULE.test(match[1])) {
      throw new UsageError(`APP: WSGI_APPLICATION '${match[1]}' in ${settingsFile} is not MODULE.CALLABLE (e.g. mysite.wsgi.application); fix the setting`);
    }
    if (!moduleFile(root, wsgiModule)) {
      throw new UsageError(`APP: WSGI_APPLICATION names module ${wsgiModule}, which is not under ${root}; fix the setting or the project layout`);
    }
    return { wsgiModule, callableObject: parts[parts.length - 1] };
  }
  const packages = settingsModule.split('.').slice(0, -1);
  const candidates = [...new Set([packages.join('.'), packages[0]].filter(Boolean).map((name) => `${name}.wsgi`))];
  const wsgiModule = candidates.find((candidate) => moduleFile(root, candidate));
  if (!wsgiModule) {
    throw new UsageError(
      `APP: no WSGI_APPLICATION in ${settingsFile} and no ${candidates[0] ?? 'wsgi'} module under ${root}; set WSGI_APPLICATION = 'mysite.wsgi.application'`,
    );
  }
  return { wsgiModule, callableObject: 'application' };
}

/** Reads the project at `root` (a directory with manage.py); every problem is one usage line. */
export function readDjangoProject(root: string): DjangoProject {
  const settingsModule = settingsModuleOf(root);
  const settingsFile = moduleFile(root, settingsModule);
  if (!settingsFile) {
    throw new UsageError(
      `APP: manage.py names settings ${settingsModule}, but ${root} has no ${settingsModule.replace(/\./g, '/')}.py; give the directory that holds manage.py and the project package`,
    );
  }
  return { root, settingsModule, ...wsgiApplicationOf(root, settingsModule, settingsFile) };
}

/** One line for the build's progress output. */
export function describeDjangoProject(project: DjangoProject & { dependencyFile?: string; interpreterPackage?: string }, addedPackage: boolean): string {
  const from = project.dependencyFile
    ? `; Django from ${path.basename(project.dependencyFile)}, run by ${IMAGE_PATHS.venv}/bin/python${project.interpreterPackage ? ` (Debian's ${project.interpreterPackage} added to --system-packages)` : ''}`
    : addedPackage
      ? `; Django from Debian's ${DJANGO_PACKAGE} (added to --system-packages)`
      : '';
  return (
    `Django project ${project.root}: settings ${project.settingsModule}, WSGI ${project.wsgiModule}.${project.callableObject}; ` +
    `collectstatic and the STATIC_URL/MEDIA_URL aliases run in the image build${from}`
  );
}
