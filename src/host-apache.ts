/**
 * Whether this host's Apache can load a mod_wsgi module built in a toolchain:
 * the libpython it links to, the newest glibc symbol version it needs and the
 * Apache module magic number it was compiled against, read from the module
 * file (ELF) and compared with what the host has. install-module checks this
 * before copying, and says how to build a module that fits.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { PYTHON_SUITES } from './options.js';

export interface ModuleNeeds {
  /** DT_NEEDED names, e.g. libpython3.13.so.1.0. */
  libraries: string[];
  /** The newest GLIBC_x.y symbol version the module asks for, e.g. 2.38. */
  glibc?: string;
  /** Apache module magic number the module was compiled against (module struct version.minor). */
  magic?: { major: number; minor: number };
}

export interface HostApache {
  /** Libraries the dynamic loader finds (ldconfig -p), by name. */
  libraries: Set<string>;
  glibc?: string;
  magic?: { major: number; minor: number };
  httpd?: string;
  /** /etc/os-release ID and VERSION_CODENAME, e.g. debian bookworm. */
  distribution?: { id: string; codename: string; pretty: string };
}

interface Section {
  name: string;
  type: number;
  address: bigint;
  offset: number;
  size: number;
  link: number;
}

const SHT_DYNSYM = 11;
const SHT_DYNAMIC = 6;
const DT_NEEDED = 1n;

function cString(buffer: Buffer, offset: number): string {
  const end = buffer.indexOf(0, offset);
  return buffer.toString('latin1', offset, end < 0 ? buffer.length : end);
}

/** Reads what a 64-bit little-endian ELF shared object needs from its loader and its Apache. */
export function moduleNeeds(file: Buffer): ModuleNeeds {
  if (file.length < 64 || file.toString('latin1', 0, 4) !== '\x7fELF' || file[4] !== 2 || file[5] !== 1) {
    throw new Error('not a 64-bit little-endian ELF file');
  }
  const sectionOffset = Number(file.readBigUInt64LE(0x28));
  const sectionSize = file.readUInt16LE(0x3a);
  const sectionCount = file.readUInt16LE(0x3c);
  const namesIndex = file.readUInt16LE(0x3e);
  const raw = Array.from({ length: sectionCount }, (_, index) => {
    const at = sectionOffset + index * sectionSize;
    return {
      nameOffset: file.readUInt32LE(at),
      type: file.readUInt32LE(at + 4),
      address: file.readBigUInt64LE(at + 16),
      offset: Number(file.readBigUInt64LE(at + 24)),
      size: Number(file.readBigUInt64LE(at + 32)),
      link: file.readUInt32LE(at + 40),
    };
  });
  const names = raw[namesIndex];
  const sections: Section[] = raw.map((section) => ({ ...section, name: cString(file, names.offset + section.nameOffset) }));

  const libraries: string[] = [];
  const dynamic = sections.find((section) => section.type === SHT_DYNAMIC);
  if (dynamic) {
    const strings = sections[dynamic.link];
    for (let at = dynamic.offset; at + 16 <= dynamic.offset + dynamic.size; at += 16) {
      const tag = file.readBigUInt64LE(at);
      if (tag === 0n) break;
      if (tag === DT_NEEDED) libraries.push(cString(file, strings.offset + Number(file.readBigUInt64LE(at + 8))));
    }
  }

  // Symbol version names (GLIBC_2.34, ...) are strings in .dynstr.
  const dynstr = sections.find((section) => section.name === '.dynstr');
  const versions = dynstr
    ? [...file.toString('latin1', dynstr.offset, dynstr.offset + dynstr.size).matchAll(/GLIBC_(\d+\.\d+)/g)].map((match) => match[1])
    : [];
  const glibc = versions.sort(compareVersions).pop();

  let magic: ModuleNeeds['magic'];
  const dynsym = sections.find((section) => section.type === SHT_DYNSYM);
  if (dynsym) {
    const strings = sections[dynsym.link];
    for (let at = dynsym.offset; at + 24 <= dynsym.offset + dynsym.size; at += 24) {
      if (cString(file, strings.offset + file.readUInt32LE(at)) !== 'wsgi_module') continue;
      const address = file.readBigUInt64LE(at + 8);
      // The module struct starts with STANDARD20_MODULE_STUFF: int version (MMN major), int minor_version.
      const holder = sections.find((section) => section.address <= address && address < section.address + BigInt(section.size) && section.type !== 8);
      if (holder) {
        const offset = holder.offset + Number(address - holder.address);
        magic = { major: file.readInt32LE(offset), minor: file.readInt32LE(offset + 4) };
      }
      break;
    }
  }
  return { libraries, glibc, magic };
}

export function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference) return difference;
  }
  return 0;
}

const run = (command: string, args: string[]): string => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return result.error ? '' : `${result.stdout ?? ''}${result.stderr ?? ''}`;
};

/** The host Apache's httpd: apxs's SBINDIR/TARGET, else Debian's or the usual paths. */
export function hostHttpd(): string | undefined {
  const sbin = run('apxs', ['-q', 'SBINDIR']).trim();
  const target = run('apxs', ['-q', 'TARGET']).trim();
  const candidates = [sbin && target ? `${sbin}/${target}` : '', '/usr/sbin/apache2', '/usr/sbin/httpd'].filter(Boolean);
  return candidates.find((candidate) => existsSync(candidate));
}

export function hostApache(): HostApache {
  const libraries = new Set<string>();
  for (const line of run('ldconfig', ['-p']).split('\n')) {
    const name = /^\s+(\S+) \(/.exec(line)?.[1];
    if (name) libraries.add(name);
  }
  const glibc = /glibc (\d+\.\d+)/.exec(run('getconf', ['GNU_LIBC_VERSION']))?.[1];
  const httpd = hostHttpd();
  const mmn = httpd ? /Module Magic Number: (\d+):(\d+)/.exec(run(httpd, ['-V'])) : null;
  let distribution: HostApache['distribution'];
  if (existsSync('/etc/os-release')) {
    const release = Object.fromEntries(
      readFileSync('/etc/os-release', 'utf8')
        .split('\n')
        .map((line) => /^(\w+)="?([^"]*)"?$/.exec(line))
        .filter((match) => match !== null)
        .map((match) => [match![1], match![2]]),
    );
    if (release.ID) distribution = { id: release.ID, codename: release.VERSION_CODENAME ?? '', pretty: release.PRETTY_NAME ?? release.ID };
  }
  return { libraries, glibc, magic: mmn ? { major: Number(mmn[1]), minor: Number(mmn[2]) } : undefined, httpd, distribution };
}

/** The reasons the host's Apache cannot load a module with these needs (none: it can). */
export function loadProblems(needs: ModuleNeeds, host: HostApache): string[] {
  const problems: string[] = [];
  for (const library of needs.libraries.filter((name) => name.startsWith('libpython'))) {
    if (!host.libraries.has(library)) problems.push(`it links to ${library}, which this host's loader does not find`);
  }
  if (needs.glibc && host.glibc && compareVersions(needs.glibc, host.glibc) > 0) {
    problems.push(`it needs glibc ${needs.glibc}, this host has ${host.glibc}`);
  }
  if (needs.magic && host.magic) {
    const built = `${needs.magic.major}:${needs.magic.minor}`;
    const hostMagic = `${host.magic.major}:${host.magic.minor}`;
    if (needs.magic.major !== host.magic.major)
      problems.push(`it was built for Apache module magic number ${built}, this host's Apache is ${hostMagic} (another major API)`);
    else if (needs.magic.minor > host.magic.minor)
      problems.push(`it was built against a newer Apache (module magic number ${built}) than this host's (${hostMagic})`);
  }
  return problems;
}

/** The build options that make a module for this host: its distribution's base image and its Python. */
export function fittingOptions(host: HostApache): string {
  const pythons = [...host.libraries].map((name) => /^libpython(3\.\d+t?)\.so\.1\.0$/.exec(name)?.[1]).filter((version): version is string => Boolean(version));
  const suite = host.distribution?.id === 'debian' && host.distribution.codename ? host.distribution.codename : undefined;
  const python = pythons.find((version) => PYTHON_SUITES[version] === suite) ?? pythons.find((version) => version in PYTHON_SUITES) ?? pythons[0];
  const options = [
    suite ? `--base-image debian:${suite}-slim` : '--base-image IMAGE (one of the same distribution release as this host)',
    python ? (python in PYTHON_SUITES && PYTHON_SUITES[python] === suite ? `--python ${python}` : `--python-from URL-OF-CPython-${python}-source`) : '',
  ].filter(Boolean);
  return options.join(' ');
}
