/** A mistake in what the user typed: one line naming the option, exit code 2. */
export class UsageError extends Error {
  readonly exitCode = 2;
}

/** Something failed while doing the work (engine down, build step failed): exit code 1. */
export class RuntimeFailure extends Error {
  readonly exitCode = 1;
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}
