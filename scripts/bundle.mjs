// The CLI as one ES module (dist/mwe-image.mjs), which bin/mwe-image.js loads:
// node resolves and reads one file instead of about 220 CommonJS modules
// (dockerode, gRPC, protobufjs), so a command starts in about half the time.
// ssh2 stays a package of its own: its optional native bindings cannot be
// bundled, and only an ssh:// DOCKER_HOST uses it.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli.js'],
  outfile: 'dist/mwe-image.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2'],
  // The CommonJS packages inside call require(): give the module one.
  banner: { js: "import { createRequire as mweCreateRequire } from 'node:module'; const require = mweCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
