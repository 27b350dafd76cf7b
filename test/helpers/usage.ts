/** Assertions on usage errors: a UsageError whose one-line message matches. */
import * as assert from 'uvu/assert';
import { UsageError } from '../../src/errors.js';

export const usageError = (fn: () => unknown, pattern: RegExp): void => {
  try {
    fn();
  } catch (error) {
    assert.instance(error, UsageError);
    assert.match((error as Error).message, pattern);
    assert.not.match((error as Error).message, /\n/);
    return;
  }
  assert.unreachable(`expected a UsageError matching ${pattern}`);
};
