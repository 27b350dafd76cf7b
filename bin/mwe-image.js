#!/usr/bin/env node
import { main } from '../dist/mwe-image.mjs';

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
