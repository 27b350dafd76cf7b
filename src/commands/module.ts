/**
 * The commands for wiring the container-built module into a system
 * Apache: module-location, module-config and install-module. Each selects a
 * toolchain with the build options (--base-image, --python, --mod-wsgi),
 * builds it if needed, and exports the module from it to the host.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { readImagePath } from '../docker/image-files.js';
import { RuntimeFailure, UsageError } from '../errors.js';
import type { BuildOptions } from '../options.js';
import type { ToolchainFacts } from '../toolchain-facts.js';
import { fittingOptions, hostApache, loadProblems, moduleNeeds } from '../host-apache.js';
import { prepareToolchain } from '../pipeline.js';

export const MODULE_COMMANDS = ['module-location', 'module-config', 'install-module'];

interface ExportedModule {
  hostPath: string;
  facts: ToolchainFacts;
}

async function exportModule(options: BuildOptions, directory: string, progress: (line: string) => void): Promise<ExportedModule> {
  const { docker, toolchain } = await prepareToolchain(options, progress);
  // The toolchain stages the runtime tree under /out.
  const [module] = await readImagePath(docker, toolchain.tag, `/out${toolchain.facts.modulePath}`);
  if (!module) throw new RuntimeFailure(`toolchain ${toolchain.tag} has no ${toolchain.facts.modulePath}`);
  mkdirSync(directory, { recursive: true });
  const hostPath = path.resolve(directory, path.basename(toolchain.facts.modulePath));
  writeFileSync(hostPath, module.content, { mode: 0o644 });
  progress(
    `mod_wsgi ${toolchain.facts.modWsgiVersion} for Python ${pythonBuild(toolchain.facts)} (${options.baseImage}); the host Apache needs that Python's shared library (${libpythonName(toolchain.facts)}).`,
  );
  return { hostPath, facts: toolchain.facts };
}

/** The Python the module was built for: 3.13, or 3.13t for a free-threaded build. */
const pythonBuild = (facts: ToolchainFacts): string => `${facts.pythonVersion}${facts.pythonFreeThreaded ? 't' : ''}`;

/** The shared library the module links to: libpython3.13, libpython3.13t for a free-threaded build. */
export function libpythonName(facts: ToolchainFacts): string {
  return `libpython${pythonBuild(facts)}`;
}

/**
 * Refuses a module this host's Apache cannot load (its libpython, glibc and
 * module magic number, then the host's httpd -t loading it), naming the
 * options that build one that fits.
 */
function checkHostCanLoad(modulePath: string, options: BuildOptions, facts: ToolchainFacts): void {
  const host = hostApache();
  const fits = `build one that fits this host (${host.distribution?.pretty ?? 'its distribution'}): mwe-image install-module ${fittingOptions(host)}`;
  const problems = loadProblems(moduleNeeds(readFileSync(modulePath)), host);
  const built = `mod_wsgi ${facts.modWsgiVersion} for Python ${pythonBuild(facts)} on ${options.baseImage}`;
  if (problems.length) throw new RuntimeFailure(`install-module: this host's Apache cannot load ${built}: ${problems.join('; ')}; ${fits}`);
  if (!host.httpd) return;
  // What the loader says: the host's httpd checks a configuration that loads the module.
  const modulesDirectory = hostModulesDirectory();
  const mpm = ['event', 'worker', 'prefork'].map((name) => path.join(modulesDirectory, `mod_mpm_${name}.so`)).find((file) => existsSync(file));
  const root = mkdtempSync(path.join(tmpdir(), 'mwe-install-check-'));
  try {
    writeFileSync(
      path.join(root, 'httpd.conf'),
      [
        `ServerRoot "${root}"`,
        'ServerName localhost',
        `PidFile "${root}/httpd.pid"`,
        'ErrorLog /dev/stderr',
        ...(mpm ? [`LoadModule mpm_${/mod_mpm_(\w+)\.so$/.exec(mpm)![1]}_module "${mpm}"`] : []),
        `LoadModule wsgi_module "${modulePath}"`,
        '',
      ].join('\n'),
    );
    const test = spawnSync(host.httpd, ['-t', '-f', path.join(root, 'httpd.conf')], { encoding: 'utf8' });
    const output = `${test.stdout ?? ''}${test.stderr ?? ''}`.trim();
    if (test.status !== 0) {
      const reason = output.split('\n').find((line) => /Cannot load|error/i.test(line)) ?? output.split('\n').pop();
      throw new RuntimeFailure(`install-module: ${host.httpd} cannot load ${built}: ${reason}; ${fits}`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** The lines mod_wsgi-express prints for a module at `modulePath`. */
export function moduleConfigLines(modulePath: string, facts: ToolchainFacts): string {
  return `LoadModule wsgi_module "${modulePath}"\nWSGIPythonHome "${facts.pythonHome}"\n`;
}

export async function runModuleLocation(options: BuildOptions, output: string, progress: (line: string) => void): Promise<number> {
  const { hostPath } = await exportModule(options, output, progress);
  process.stdout.write(`${hostPath}\n`);
  return 0;
}

export async function runModuleConfig(options: BuildOptions, output: string, progress: (line: string) => void): Promise<number> {
  const { hostPath, facts } = await exportModule(options, output, progress);
  process.stdout.write(moduleConfigLines(hostPath, facts));
  return 0;
}

/** The host Apache's modules directory, as apxs knows it. */
export function hostModulesDirectory(): string {
  const apxs = spawnSync('apxs', ['-q', 'LIBEXECDIR'], { encoding: 'utf8' });
  if (apxs.status === 0 && apxs.stdout.trim()) return apxs.stdout.trim();
  if (existsSync('/usr/lib/apache2/modules')) return '/usr/lib/apache2/modules';
  throw new UsageError('install-module: no Apache modules directory found on this host (no apxs); give --modules-directory DIRECTORY');
}

export async function runInstallModule(options: BuildOptions, modulesDirectory: string | undefined, progress: (line: string) => void): Promise<number> {
  const target = modulesDirectory ?? hostModulesDirectory();
  if (!existsSync(target)) throw new UsageError(`--modules-directory: '${target}' does not exist; give an existing directory`);
  const staging = path.join(target, '.mwe-image-export');
  const { hostPath, facts } = await exportModule(options, staging, progress);
  try {
    checkHostCanLoad(hostPath, options, facts);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
  }
  const installed = path.join(target, path.basename(hostPath));
  copyFileSync(hostPath, installed);
  rmSync(staging, { recursive: true, force: true });
  process.stdout.write(moduleConfigLines(installed, facts));
  return 0;
}
