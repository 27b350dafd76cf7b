"""Writes the image's software bill of materials, CycloneDX 1.5 JSON.

Runs in the assembly stage after assemble-rootfs.py: the Debian packages
(from dpkg's state here) that own a file in ROOTFS, the Python distributions
in ROOTFS and the dependencies virtualenv, and mod_wsgi, Apache httpd,
Python and the base image as the toolchain recorded them. No timestamps or
random serial numbers: the same inputs give the same document.

Usage: sbom.py ROOTFS FILES-LIST OUTPUT BASE-IMAGE APP-NAME MWE-IMAGE-VERSION CONTRACT-JSON
FILES-LIST is assemble-rootfs.py's list of the paths it copied; CONTRACT-JSON the
toolchain's contract.json, whose paths name its directory and the virtualenv.
"""
import importlib.metadata
import json
import os
import re
import sys

DPKG_INFO = '/var/lib/dpkg/info'


def os_release():
    fields = {}
    for path in ('/etc/os-release', '/usr/lib/os-release'):
        if os.path.exists(path):
            with open(path) as handle:
                for line in handle:
                    if '=' in line:
                        key, value = line.rstrip('\n').split('=', 1)
                        fields[key] = value.strip('"')
            break
    return fields


def dpkg_status():
    packages = {}
    with open('/var/lib/dpkg/status') as handle:
        for stanza in handle.read().split('\n\n'):
            fields = dict(line.split(': ', 1) for line in stanza.splitlines() if ': ' in line and not line.startswith(' '))
            if fields.get('Status', '').endswith(' installed') and 'Package' in fields:
                packages[fields['Package']] = fields
    return packages


def owners():
    """Path (as listed and resolved through the merged-/usr links) -> package."""
    owner = {}
    for entry in os.listdir(DPKG_INFO):
        if entry.endswith('.list'):
            package = entry[:-len('.list')].split(':')[0]
            with open(os.path.join(DPKG_INFO, entry)) as handle:
                for line in handle:
                    path = line.rstrip('\n')
                    owner.setdefault(path, package)
                    owner.setdefault(os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path)), package)
    return owner


def purl_quote(text):
    return re.sub(r'[^A-Za-z0-9.+_~-]', lambda match: '%%%02X' % ord(match.group()), text)


def debian_components(copied, distro):
    packages, owner = dpkg_status(), owners()
    names = sorted({owner[path] for path in copied if path in owner} & set(packages))
    components = []
    for name in names:
        fields = packages[name]
        version, arch = fields.get('Version', ''), fields.get('Architecture', '')
        qualifiers = f'?arch={arch}&distro={distro}' if distro else f'?arch={arch}'
        component = {
            'type': 'library' if name.startswith('lib') or fields.get('Section') == 'libs' else 'application',
            'bom-ref': f'deb:{name}',
            'name': name,
            'version': version,
            'purl': f'pkg:deb/debian/{purl_quote(name)}@{purl_quote(version)}{qualifiers}',
        }
        source = fields.get('Source')
        if source:
            component['properties'] = [{'name': 'debian:source', 'value': source}]
        components.append(component)
    return components


def python_components(rootfs, venv_site):
    """Distributions importlib.metadata finds on the image's Python path and in the virtualenv."""
    paths = [path for path in sys.path if path and os.path.isdir(rootfs + path)]
    found = {}
    for location, search in [('image', paths), ('venv', [venv_site])]:
        for distribution in importlib.metadata.distributions(path=[rootfs + path if location == 'image' else path for path in search]):
            name, version = distribution.metadata['Name'], distribution.version
            # mod_wsgi has its own component (below), with the module's path.
            if not name or not version or name.lower().replace('_', '-') == 'mod-wsgi':
                continue
            normalized = re.sub(r'[-_.]+', '-', name).lower()
            key = (normalized, version, location)
            if key in found:
                continue
            found[key] = {
                'type': 'library',
                'bom-ref': f'pypi:{location}:{normalized}@{version}',
                'name': name,
                'version': version,
                'purl': f'pkg:pypi/{purl_quote(normalized)}@{purl_quote(version)}',
                'properties': [{'name': 'mwe-image:location', 'value': venv_site if location == 'venv' else 'image'}],
            }
    return [found[key] for key in sorted(found)]


def server_components(facts, base_image):
    apache = {
        'type': 'application', 'bom-ref': 'apache-httpd', 'name': 'Apache HTTP Server',
        'version': facts['apacheVersion'],
        'properties': [{'name': 'mwe-image:from', 'value': facts['apacheFrom']},
                       {'name': 'mwe-image:executable', 'value': facts['httpdExecutable']}],
    }
    # Debian's Apache is also its apache2-bin package component (with that package URL).
    if facts['apacheFrom'] != 'distro':
        apache['purl'] = 'pkg:generic/apache-httpd@' + purl_quote(facts['apacheVersion'])
    python_version = '.'.join(str(part) for part in sys.version_info[:3])
    python = {
        'type': 'application', 'bom-ref': 'python', 'name': 'CPython', 'version': python_version,
        'purl': 'pkg:generic/cpython@' + python_version,
        'properties': [{'name': 'mwe-image:python-home', 'value': facts['pythonHome']},
                       {'name': 'mwe-image:free-threaded', 'value': str(facts['pythonFreeThreaded']).lower()}],
    }
    mod_wsgi = {
        'type': 'library', 'bom-ref': 'mod_wsgi', 'name': 'mod_wsgi', 'version': facts['modWsgiVersion'],
        'purl': 'pkg:pypi/mod-wsgi@' + purl_quote(facts['modWsgiVersion']),
        'properties': [{'name': 'mwe-image:module', 'value': facts['modulePath']}],
    }
    patches = facts.get('modWsgiPatches') or []
    if patches:
        # images/toolchain/scripts/patch-mod-wsgi.sh, applied to the PyPI source before it was compiled.
        mod_wsgi['pedigree'] = {'patches': [{'type': 'unofficial', 'resolves': [{'type': 'enhancement', 'name': name}]} for name in patches]}
    base = {'type': 'container', 'bom-ref': 'base-image', 'name': base_image}
    return [apache, python, mod_wsgi, base]


def main():
    rootfs, files_list, output, base_image, app_name, tool_version, contract = sys.argv[1:8]
    with open(contract) as handle:
        paths = json.load(handle)['paths']
    with open(files_list) as handle:
        copied = [line.rstrip('\n') for line in handle if line.strip()]
    with open(os.path.join(paths['libDir'], 'toolchain.json')) as handle:
        facts = json.load(handle)
    release = os_release()
    distro = f"{release.get('ID', 'debian')}-{release.get('VERSION_ID', '')}".rstrip('-')
    operating_system = {'type': 'operating-system', 'bom-ref': 'os', 'name': release.get('ID', 'debian'),
                        'version': release.get('VERSION_ID', release.get('VERSION_CODENAME', '')),
                        'description': release.get('PRETTY_NAME', '')}
    components = [operating_system, *server_components(facts, base_image), *debian_components(copied, distro),
                  *python_components(rootfs, os.path.join(paths['venv'], 'site-packages'))]
    document = {
        'bomFormat': 'CycloneDX',
        'specVersion': '1.5',
        'version': 1,
        'metadata': {
            'tools': {'components': [{'type': 'application', 'name': 'mwe-image', 'version': tool_version}]},
            'component': {'type': 'container', 'bom-ref': 'image', 'name': app_name},
        },
        'components': components,
        'dependencies': [{'ref': 'image', 'dependsOn': [component['bom-ref'] for component in components]}],
    }
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, 'w') as handle:
        json.dump(document, handle, indent=1, sort_keys=False)
        handle.write('\n')
    # The toolchain's time, not the build's: the layer is the same whenever it is built.
    latest = os.stat(contract).st_mtime
    path = output
    while path != '/':
        os.utime(path, (latest, latest))
        path = os.path.dirname(path)
    print(f'sbom: {len(components)} components in {output}', file=sys.stderr)


if __name__ == '__main__':
    main()
