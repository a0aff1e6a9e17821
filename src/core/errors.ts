/**
 * Errors with a literal `code`, so callers (the CLI, the WebSocket server) can branch on
 * the kind of failure without parsing messages.
 */

/** Bad input from a user: CLI flags, config files, scene files. The CLI exits with code 2. */
export class UsageError extends Error {
  readonly code = 'usage' as const;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A value outside a space (an action, an observation) — names the space and the value. */
export class SpaceError extends Error {
  readonly code = 'space' as const;
  constructor(message: string) {
    super(message);
    this.name = 'SpaceError';
  }
}

/** The Env was used out of order: `step` before `reset`, or after a terminal step. */
export class EnvStateError extends Error {
  readonly code = 'env-state' as const;
  constructor(message: string) {
    super(message);
    this.name = 'EnvStateError';
  }
}

/** A file that exists but cannot be used (corrupt model, truncated shard): names the file. */
export class FileFormatError extends Error {
  readonly code = 'file-format' as const;
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'FileFormatError';
  }
}
