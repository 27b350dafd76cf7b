import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ContextBuilder, SECRET_PATTERNS, walkHostTree } from '../../src/docker/context.js';
import { usageError } from '../helpers/usage.js';

/** A fresh directory for one test, removed after it. */
function withTree(run: (root: string) => void): void {
  const root = mkdtempSync(path.join(tmpdir(), 'mwe-context-'));
  try {
    run(root);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

function write(root: string, files: string[]): void {
  for (const file of files) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), 'x');
  }
}

test("a directory's .dockerignore leaves out what it names; caches and VCS data never go in", () => {
  withTree((root) => {
    for (const dir of ['node_modules/x', 'logs', '.git', 'src/__pycache__', 'secrets']) mkdirSync(path.join(root, dir), { recursive: true });
    write(root, [
      'wsgi.py',
      'logs/a.log',
      'src/mod.py',
      'src/__pycache__/mod.cpython-313.pyc',
      'secrets/key.pem',
      'notes.tmp',
      'keep.tmp',
      '.git/HEAD',
      'node_modules/x/i.js',
    ]);
    writeFileSync(path.join(root, '.dockerignore'), '# local only\nlogs\nsecrets/\n*.tmp\n!keep.tmp\n');
    const names = new ContextBuilder().addHostPath('app', root).names();
    assert.equal(names, ['app', 'app/.dockerignore', 'app/keep.tmp', 'app/src', 'app/src/mod.py', 'app/wsgi.py']);
    rmSync(path.join(root, '.dockerignore'));
    assert.ok(new ContextBuilder().addHostPath('app', root).names().includes('app/logs/a.log'));
  });
});

test("host permission bits are kept as Docker's COPY keeps them (no widening, no setuid; the copied directory itself 0755), owner root", () => {
  withTree((root) => {
    write(root, ['secret.txt', 'run.sh', 'public.txt', 'private/inner.txt', 'setuid']);
    chmodSync(path.join(root, 'secret.txt'), 0o600);
    chmodSync(path.join(root, 'run.sh'), 0o750);
    chmodSync(path.join(root, 'public.txt'), 0o644);
    chmodSync(path.join(root, 'private'), 0o700);
    chmodSync(path.join(root, 'setuid'), 0o4755);
    chmodSync(root, 0o751);
    const context = new ContextBuilder().addDirectory('rootfs').addHostPath('rootfs/app', root).addHostPath('one.txt', path.join(root, 'secret.txt'));
    assert.equal(context.modes(), {
      rootfs: 0o755,
      'rootfs/app': 0o755,
      'rootfs/app/private': 0o700,
      'rootfs/app/private/inner.txt': 0o644,
      'rootfs/app/public.txt': 0o644,
      'rootfs/app/run.sh': 0o750,
      'rootfs/app/secret.txt': 0o600,
      'rootfs/app/setuid': 0o755,
      'one.txt': 0o600,
    });
    // A directory given again (a parent added for a later copy) keeps the host's mode.
    context.addDirectory('rootfs/app/private');
    assert.is(context.modes()['rootfs/app/private'], 0o700);
    // --emit-context writes the same modes.
    const out = path.join(root, 'out');
    context.writeTo(out);
    assert.is(statSync(path.join(out, 'rootfs', 'app', 'secret.txt')).mode & 0o7777, 0o600);
    assert.is(statSync(path.join(out, 'rootfs', 'app', 'private')).mode & 0o7777, 0o700);
    // The copied directory itself is 0755, as Docker's COPY of a directory's contents makes it.
    assert.is(statSync(path.join(out, 'rootfs', 'app')).mode & 0o7777, 0o755);
  });
});

test('likely secrets are left out at any depth and reported; a .dockerignore negation brings one back', () => {
  withTree((root) => {
    write(root, [
      'wsgi.py',
      '.env',
      '.env.production',
      'id_rsa',
      'id_ed25519.pub',
      'conf/id_ecdsa',
      'conf/site.key',
      'tls/server.pem',
      '.ssh/config',
      '.aws/credentials',
      '.netrc',
      '.pypirc',
      'pkg/.env.local',
      'environment.py',
      'keys.py',
      'pem.txt',
    ]);
    const tree = walkHostTree(root);
    const copied = tree.entries.map((entry) => entry.relative);
    assert.equal(copied, ['', 'conf', 'environment.py', 'keys.py', 'pem.txt', 'pkg', 'tls', 'wsgi.py']);
    assert.equal(tree.leftOut.map((hostPath) => path.relative(root, hostPath)).sort(), [
      '.aws',
      '.env',
      '.env.production',
      '.netrc',
      '.pypirc',
      '.ssh',
      'conf/id_ecdsa',
      'conf/site.key',
      'id_ed25519.pub',
      'id_rsa',
      'pkg/.env.local',
      'tls/server.pem',
    ]);
    // The tree's .dockerignore: a negation brings one back, its own patterns are not reported as secrets.
    writeFileSync(path.join(root, '.dockerignore'), '!.env\n!tls/server.pem\nkeys.py\n');
    const negated = walkHostTree(root);
    assert.ok(negated.entries.some((entry) => entry.relative === '.env'));
    assert.ok(negated.entries.some((entry) => entry.relative === 'tls/server.pem'));
    assert.not.ok(negated.entries.some((entry) => entry.relative === 'keys.py' || entry.relative === '.env.production'));
    assert.not.ok(negated.leftOut.some((hostPath) => hostPath.endsWith('keys.py') || hostPath.endsWith(`${path.sep}.env`)));
    const context = new ContextBuilder().addHostPath('app', root);
    assert.ok(context.names().includes('app/.env'));
    assert.ok(context.leftOut.some((hostPath) => hostPath.endsWith('id_rsa')));
  });
  assert.ok(SECRET_PATTERNS.includes('.env*') && SECRET_PATTERNS.includes('*.pem'));
});

test('links inside the tree stay links (absolute ones made relative); links leaving it are refused, naming the link', () => {
  withTree((root) => {
    const tree = path.join(root, 'site');
    write(tree, ['css/site.css', 'index.html']);
    write(root, ['outside.txt']);
    symlinkSync('css/site.css', path.join(tree, 'style.css'));
    symlinkSync(path.join(tree, 'index.html'), path.join(tree, 'css', 'home.html'));
    symlinkSync('css', path.join(tree, 'styles'));
    symlinkSync('missing.txt', path.join(tree, 'dangling'));
    const context = new ContextBuilder().addHostPath('site', tree);
    assert.is(context.modes()['site/style.css'], '-> css/site.css');
    assert.is(context.modes()['site/css/home.html'], '-> ../index.html');
    assert.is(context.modes()['site/styles'], '-> css');
    assert.is(context.modes()['site/dangling'], '-> missing.txt');
    context.writeTo(path.join(root, 'out'));
    assert.is(readlinkSync(path.join(root, 'out', 'site', 'css', 'home.html')), '../index.html');

    symlinkSync('../../outside.txt', path.join(tree, 'css', 'leak.txt'));
    usageError(
      () => walkHostTree(tree, '--url-alias'),
      /^--url-alias: '.*site\/css\/leak\.txt' is a symbolic link to '\.\.\/\.\.\/outside\.txt', outside '.*site'.*\.dockerignore/,
    );
    rmSync(path.join(tree, 'css', 'leak.txt'));
    symlinkSync('/etc/passwd', path.join(tree, 'passwd'));
    usageError(() => new ContextBuilder().addHostPath('site', tree), /'.*site\/passwd' is a symbolic link to '\/etc\/passwd', outside/);
    // Left out by .dockerignore: not copied, so not refused.
    writeFileSync(path.join(tree, '.dockerignore'), 'passwd\n');
    assert.not.ok(new ContextBuilder().addHostPath('site', tree).names().includes('site/passwd'));
    // Through a linked directory that leaves the tree.
    rmSync(path.join(tree, 'passwd'));
    mkdirSync(path.join(root, 'elsewhere'));
    symlinkSync(path.join(root, 'elsewhere'), path.join(tree, 'more'));
    usageError(() => walkHostTree(tree), /'.*site\/more' is a symbolic link to/);
  });
});

test('a host path that is itself a link is followed: the directory or file it names is copied', () => {
  withTree((root) => {
    write(root, ['real/a.txt', 'file.txt']);
    symlinkSync(path.join(root, 'real'), path.join(root, 'alias'));
    symlinkSync('file.txt', path.join(root, 'file-link'));
    const context = new ContextBuilder().addHostPath('static', path.join(root, 'alias')).addHostPath('one.txt', path.join(root, 'file-link'));
    assert.equal(context.names(), ['static', 'static/a.txt', 'one.txt']);
    assert.ok(lstatSync(path.join(root, 'alias')).isSymbolicLink());
  });
});

test.run();
