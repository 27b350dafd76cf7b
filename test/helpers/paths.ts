import path from 'node:path';
import { packageRoot } from '../../src/paths.js';

export const ROOT = packageRoot();
export const fixture = (...parts: string[]): string => path.join(ROOT, 'test', 'fixtures', ...parts);
export const example = (...parts: string[]): string => path.join(ROOT, 'examples', ...parts);
export const CLI = path.join(ROOT, 'bin', 'mwe-image.js');
