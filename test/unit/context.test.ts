import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ContextBuilder } from '../../src/docker/context.js';

test('a directory\'s .dockerignore leaves out what it names; caches and VCS data never go in', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'mwe-context-'));
  try {
    for (const dir of ['node_modules/x', 'logs', '.git', 'src/__pycache__', 'secrets']) mkdirSync(path.join(root, dir), { recursive: true });
    for (const file of ['wsgi.py', 'logs/a.log', 'src/mod.py', 'src/__pycache__/mod.cpython-313.pyc', 'secrets/key.pem', 'notes.tmp', 'keep.tmp', '.git/HEAD', 'node_modules/x/i.js']) {
      writeFileSync(path.join(root, file), 'x');
    }
    writeFileSync(path.join(root, '.dockerignore'), '# local only\nlogs\nsecrets/\n*.tmp\n!keep.tmp\n');
    const names = new ContextBuilder().addHostPath('app', root).names();
    assert.equal(names, ['app', 'app/.dockerignore', 'app/keep.tmp', 'app/src', 'app/src/mod.py', 'app/wsgi.py']);
    rmSync(path.join(root, '.dockerignore'));
    assert.ok(new ContextBuilder().addHostPath('app', root).names().includes('app/logs/a.log'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test.run();
