/** `mwe-image base bootstrap` makes a usable slim base image. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { docker, runCli } from '../helpers/docker.js';

const base = suite('base bootstrap');
const TAG = 'mwe-test/bootstrapped:trixie';

base('bootstrap imports a slim Debian image that runs', async () => {
  const result = await runCli(['base', 'bootstrap', '--suite', 'trixie', '--tag', TAG]);
  assert.is(result.code, 0, result.stderr.slice(-2000));
  assert.match(result.stdout, /^mwe-test\/bootstrapped:trixie sha256:/);
  const container = await docker.createContainer({
    Image: TAG,
    Cmd: [
      'sh',
      '-c',
      'cat /etc/debian_version; ls /usr/share/man | wc -l; ls /var/cache/apt/archives/*.deb 2>/dev/null | wc -l; cat /etc/dpkg/dpkg.cfg.d/docker-slim /etc/dpkg/dpkg.cfg.d/docker-apt-speedup; /usr/sbin/policy-rc.d; echo "policy-rc.d $?"; apt-config dump | grep -i "^Acquire::Languages"',
    ],
  });
  try {
    await container.start();
    assert.is((await container.wait()).StatusCode, 0);
    const lines = (await container.logs({ stdout: true }))
      .toString()
      .replace(/[\u0000-\u0008]/g, '')
      .split('\n');
    assert.match(lines.join('\n'), /^\S*13\.\d+/m);
    assert.match(lines.join('\n'), /path-exclude \/usr\/share\/doc\/\*/);
    // As Debian's official images: dpkg without fsync, no translations, no services started by package scripts.
    assert.match(lines.join('\n'), /force-unsafe-io\n/);
    assert.match(lines.join('\n'), /policy-rc\.d 101\n/);
    assert.match(lines.join('\n'), /Acquire::Languages:: "none";/);
  } finally {
    await container.remove({ force: true });
  }
  const image = await docker.getImage(TAG).inspect();
  assert.ok(image.Size < 150 * 1024 * 1024, `base image is ${image.Size} bytes`);
});

base.run();
