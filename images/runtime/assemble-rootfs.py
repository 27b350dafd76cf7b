"""Copies the runtime image's root filesystem out of the assembly stage.

The assembly stage is the toolchain image (the runtime packages are
installed there) with /opt and /usr/local holding only what the toolchain
staged for the runtime (its /out), plus the --system-packages and the
dependencies virtualenv. Only what the server runs reaches ROOTFS (the final image is
FROM scratch): the packages' files (no docs), the Apache modules the
configuration loads, Python, a small shell userland for the image's own
scripts and `docker exec`, the files glibc and Apache read at run time, and
the shared-library closure (ldd) of every executable and module among them.
No perl, apt or dpkg state.

Usage: assemble-rootfs.py DIRECTORY ROOTFS CONTRACT-JSON
(CONTRACT-JSON: the toolchain's contract.json, whose paths name the app directories and the venv)
DIRECTORY holds runtime-packages.txt, system-packages.txt, base-packages.txt
(the base image's packages, recorded by the toolchain before it added any) and modules.txt (the module files Apache loads);
the list of the paths copied is written to DIRECTORY/rootfs-files.txt (sbom.py
reads it).
"""
import json
import os
import re
import shutil
import subprocess
import sys

DPKG_INFO = '/var/lib/dpkg/info'
# Package files that are not run: documentation, translations, packaging metadata.
EXCLUDED_PREFIXES = (
    '/usr/share/doc/', '/usr/share/man/', '/usr/share/info/', '/usr/share/lintian/', '/usr/share/locale/',
    '/usr/share/bug/', '/usr/share/bash-completion/', '/usr/share/menu/', '/usr/share/doc-base/',
)
# Dependencies that are tools, not content: Debian's Apache depends on perl for its scripts.
NOT_CONTENT = re.compile(r'^(perl|perl-base|perl-modules-[0-9.]+|libperl[0-9.]+|debconf|dpkg|apt|init-system-helpers)$')
# The userland kept beside the server: sh for setup-server, apachectl and the
# envvars scripts; what they call; a few tools for `docker exec`.
USERLAND = [
    '/usr/bin/sh', '/usr/bin/dash', '/usr/bin/env', '/usr/bin/cat', '/usr/bin/cp', '/usr/bin/mv', '/usr/bin/rm',
    '/usr/bin/ln', '/usr/bin/mkdir', '/usr/bin/rmdir', '/usr/bin/chmod', '/usr/bin/chgrp', '/usr/bin/chown',
    '/usr/bin/touch', '/usr/bin/tr', '/usr/bin/ls', '/usr/bin/test', '/usr/bin/[', '/usr/bin/echo', '/usr/bin/printf',
    '/usr/bin/true', '/usr/bin/false', '/usr/bin/sleep', '/usr/bin/id', '/usr/bin/whoami', '/usr/bin/uname',
    '/usr/bin/date', '/usr/bin/stat', '/usr/bin/readlink', '/usr/bin/realpath', '/usr/bin/basename',
    '/usr/bin/dirname', '/usr/bin/head', '/usr/bin/tail', '/usr/bin/wc', '/usr/bin/sort', '/usr/bin/cut',
    '/usr/bin/tee', '/usr/bin/dd', '/usr/bin/df', '/usr/bin/du', '/usr/bin/mktemp', '/usr/bin/nproc',
    '/usr/bin/grep', '/usr/bin/sed',
]
# Read by glibc, Apache and Python at run time.
RUNTIME_FILES = [
    '/etc/passwd', '/etc/group', '/etc/nsswitch.conf', '/etc/host.conf', '/etc/gai.conf', '/etc/localtime',
    '/etc/ld.so.conf', '/etc/ld.so.conf.d', '/etc/os-release', '/usr/lib/os-release', '/etc/debian_version',
    '/etc/ssl/certs/ca-certificates.crt', '/usr/share/zoneinfo', '/usr/lib/locale/C.utf8',
    # glibc dlopens libgcc_s for pthread_exit and thread cancellation.
    '/usr/lib/x86_64-linux-gnu/libgcc_s.so.1', '/usr/lib/aarch64-linux-gnu/libgcc_s.so.1',
]
# Empty directories the image needs: (path, mode); the app's two come from the contract's paths.
DIRECTORIES = [('/tmp', 0o1777), ('/var/tmp', 0o1777), ('/run', 0o755), ('/root', 0o700)]
# The mount points a container runtime mounts over, present as in any distribution's image: a build
# step need not create them, so its layer does not carry /etc's or /'s changed times.
MOUNT_POINTS = [('/dev', 0o755), ('/proc', 0o555), ('/sys', 0o555)]
MOUNT_POINT_FILES = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf']


def read_lines(path):
    with open(path) as handle:
        return [line.strip() for text in handle for line in text.split() if line.strip()]


def installed_packages():
    """Package name -> (status fields) from dpkg's status file, installed ones only."""
    packages = {}
    with open('/var/lib/dpkg/status') as handle:
        for stanza in handle.read().split('\n\n'):
            fields, key = {}, None
            for line in stanza.splitlines():
                if line.startswith((' ', '\t')) and key:
                    fields[key] += '\n' + line
                elif ':' in line:
                    key, value = line.split(':', 1)
                    fields[key] = value.strip()
            if fields.get('Status', '').endswith(' installed') and 'Package' in fields:
                packages[fields['Package']] = fields
    return packages


def dependencies(fields, packages):
    """The installed packages a package depends on (first installed alternative)."""
    result = []
    for field in ('Pre-Depends', 'Depends'):
        for clause in filter(None, (part.strip() for part in fields.get(field, '').split(','))):
            for alternative in clause.split('|'):
                name = re.split(r'[\s(:]', alternative.strip(), maxsplit=1)[0]
                if name in packages:
                    result.append(name)
                    break
                provider = next((other for other, info in packages.items()
                                 if re.search(rf'(^|[,\s]){re.escape(name)}([\s(,]|$)', info.get('Provides', ''))), None)
                if provider:
                    result.append(provider)
                    break
    return result


def content_packages(named, packages, base, libraries):
    """The named packages and what they depend on, outside the base image and the tools.
    Library packages (lib*, not libpython*) only with `libraries`; else ldd brings their .so files."""
    seen, queue = set(), [name for name in named if name in packages]
    while queue:
        name = queue.pop()
        if name in seen:
            continue
        seen.add(name)
        for dependency in dependencies(packages[name], packages):
            if dependency in seen or dependency in base or NOT_CONTENT.match(dependency):
                continue
            if not libraries and dependency.startswith('lib') and not dependency.startswith('libpython'):
                continue
            queue.append(dependency)
    return seen


def package_files(name):
    for list_file in (f'{DPKG_INFO}/{name}.list', *(f'{DPKG_INFO}/{entry}' for entry in os.listdir(DPKG_INFO)
                                                    if entry.startswith(f'{name}:') and entry.endswith('.list'))):
        if os.path.exists(list_file):
            for path in read_lines(list_file):
                if not path.startswith(EXCLUDED_PREFIXES) and os.path.lexists(path) and (os.path.islink(path) or not os.path.isdir(path)):
                    yield path


class RootFs:
    def __init__(self, target):
        self.target = target
        self.paths = set()

    def add(self, path, depth=0):
        """The path, each symbolic link on the way to it and its target (/lib -> usr/lib included)."""
        if depth > 40 or not os.path.lexists(path):
            return
        parts = os.path.normpath(path).strip('/').split('/')
        current = '/'
        for index, part in enumerate(parts):
            current = os.path.join(current, part)
            if os.path.islink(current):
                self.paths.add(current)
                resolved = os.path.normpath(os.path.join(os.path.dirname(current), os.readlink(current)))
                rest = parts[index + 1:]
                # A link to a directory (/bin -> usr/bin, listed by packages on a merged-/usr
                # bookworm) is kept as a link; its target's contents are not wanted for it.
                if not rest and os.path.isdir(resolved):
                    return
                self.add(os.path.join(resolved, *rest) if rest else resolved, depth + 1)
                return
        if os.path.isdir(current):
            for root, directories, files in os.walk(current):
                for name in directories + files:
                    entry = os.path.join(root, name)
                    if os.path.islink(entry) or not os.path.isdir(entry):
                        self.add(entry, depth + 1)
        else:
            self.paths.add(current)

    def copy(self):
        for path in sorted(self.paths):
            destination = self.target + path
            self.make_parents(os.path.dirname(path))
            if os.path.islink(path):
                os.symlink(os.readlink(path), destination)
                os.lchown(destination, os.lstat(path).st_uid, os.lstat(path).st_gid)
            else:
                shutil.copy2(path, destination)
                os.chown(destination, os.stat(path).st_uid, os.stat(path).st_gid)

    def make_parents(self, directory):
        destination = self.target + directory
        if os.path.isdir(destination):
            return
        self.make_parents(os.path.dirname(directory))
        status = os.stat(directory)
        os.mkdir(destination)
        os.chmod(destination, status.st_mode & 0o7777)
        os.chown(destination, status.st_uid, status.st_gid)
        os.utime(destination, ns=(status.st_atime_ns, status.st_mtime_ns))


def is_elf(path):
    try:
        with open(path, 'rb') as handle:
            return handle.read(4) == b'\x7fELF'
    except OSError:
        return False


def shared_libraries(files):
    """The libraries (and the dynamic loader) the ELF files load, as ldd resolves them."""
    elves = sorted(path for path in files if not os.path.islink(path) and os.path.isfile(path) and is_elf(path))
    libraries, missing = set(), set()
    for start in range(0, len(elves), 200):
        result = subprocess.run(['ldd', *elves[start:start + 200]], capture_output=True, text=True)
        for line in result.stdout.splitlines():
            match = re.match(r'\s+(\S+) => (/\S+) \(', line) or re.match(r'\s+(/\S+) \(', line)
            if match:
                libraries.add(match.groups()[-1])
            elif re.match(r'\s+\S+ => not found', line):
                missing.add(line.split()[0])
    return libraries, missing


def python_bytecode(files):
    """The __pycache__ entries of the Python source files."""
    for path in list(files):
        if path.endswith('.py'):
            cache = os.path.join(os.path.dirname(path), '__pycache__')
            stem = os.path.basename(path)[:-3] + '.'
            if os.path.isdir(cache):
                for name in os.listdir(cache):
                    if name.startswith(stem) and name.endswith('.pyc'):
                        yield os.path.join(cache, name)


def settle_times(target, since, fixed):
    """What this build made or changed (modified at SINCE or later: directories, the loader's cache,
    /etc/passwd) gets the FIXED time (the toolchain's) whenever it is built, so the layer is the same.
    Packages' files keep their own times (their bytecode records them)."""
    def clamp(path):
        if os.lstat(path).st_mtime >= since:
            os.utime(path, (fixed, fixed), follow_symlinks=False)
    for root, directories, files in os.walk(target):
        for name in directories + files:
            clamp(os.path.join(root, name))
    clamp(target)


def main():
    directory, target, contract = sys.argv[1:4]
    with open(contract) as handle:
        paths = json.load(handle)['paths']
    venv = paths['venv']
    packages = installed_packages()
    base = set(read_lines(f'{directory}/base-packages.txt'))
    runtime = read_lines(f'{directory}/runtime-packages.txt')
    system = read_lines(f'{directory}/system-packages.txt')
    modules = set(read_lines(f'{directory}/modules.txt'))
    chosen = content_packages(runtime, packages, base, libraries=False) | content_packages(system, packages, base, libraries=True)
    rootfs = RootFs(target)
    loaded = modules | {os.path.realpath(module) for module in modules}
    modules_directories = {os.path.dirname(path) for path in loaded}

    def unloaded_module(path):
        return path.endswith('.so') and os.path.dirname(os.path.realpath(path)) in modules_directories \
            and path not in loaded and os.path.realpath(path) not in loaded

    for name in sorted(chosen):
        for path in package_files(name):
            # Of Apache's modules only those the configuration loads.
            if not unloaded_module(path):
                rootfs.add(path)
    # The toolchain's files (entrypoint, module, python3, a CPython or httpd built there) and anything else
    # installed under /usr/local and /opt; the dependencies virtualenv only for its libraries (its own layer).
    for tree in ('/usr/local', '/opt'):
        for entry in sorted(os.listdir(tree)) if os.path.isdir(tree) else []:
            if os.path.join(tree, entry) != venv:
                rootfs.add(os.path.join(tree, entry))
    for module in modules:
        rootfs.add(module)
    for path in USERLAND + RUNTIME_FILES:
        rootfs.add(path)
    # The merged-/usr links (/bin -> usr/bin, ...) themselves.
    rootfs.paths.update(os.path.join('/', name) for name in os.listdir('/') if os.path.islink(os.path.join('/', name)))
    for path in list(python_bytecode(set(rootfs.paths))):
        rootfs.add(path)
    # An httpd built in the toolchain (/opt/apache/modules) keeps only the loaded modules too.
    rootfs.paths = {path for path in rootfs.paths if not unloaded_module(path)}
    venv_files = set()
    if os.path.isdir(venv):
        for root, _, files in os.walk(venv):
            venv_files.update(os.path.join(root, name) for name in files)
    libraries, missing = shared_libraries(rootfs.paths | venv_files)
    for library in libraries:
        if not library.startswith(venv + '/'):
            rootfs.add(library)
    for path, mode in DIRECTORIES + MOUNT_POINTS + [(paths['app'], 0o755), (paths['htdocs'], 0o755)]:
        os.makedirs(target + path, exist_ok=True)
        os.chmod(target + path, mode)
    rootfs.copy()
    for path in MOUNT_POINT_FILES:
        if not os.path.lexists(target + path):
            open(target + path, 'w').close()
    with open(f'{directory}/rootfs-files.txt', 'w') as handle:
        handle.writelines(f'{path}\n' for path in sorted(rootfs.paths))
    # The loader's cache for exactly these libraries.
    subprocess.run(['ldconfig', '-r', target], check=True)
    # base-packages.txt was copied into DIRECTORY first thing in the assembly stage.
    settle_times(target, os.stat(f'{directory}/base-packages.txt').st_mtime, os.stat(contract).st_mtime)
    if missing:
        print('assemble-rootfs: libraries ldd did not find (provided by the files themselves, e.g. a venv\'s bundled libraries): '
              + ' '.join(sorted(missing)), file=sys.stderr)
    print(f'assemble-rootfs: {len(rootfs.paths)} files from {len(chosen)} packages', file=sys.stderr)


if __name__ == '__main__':
    main()
