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

/** The part of a zod error the formatter reads (structural, so this module needs no zod import). */
export interface ValidationIssues {
  readonly issues: ReadonlyArray<{ readonly path: readonly PropertyKey[]; readonly message: string }>;
}

/**
 * The first issue of a failed validation as one line: `<subject>: <path>: <message>`, e.g.
 * `room.json: primitives[3].size[1]: Too small`; the subject or the path is left out when empty,
 * and a root-level issue without a subject reads `(root): <message>`. Every boundary that
 * validates with zod (CLI configs, scene, episode and run files, WebSocket messages) reports
 * through this.
 */
export function formatZodError(error: ValidationIssues, subject = ''): string {
  const issue = error.issues[0];
  const message = issue?.message ?? 'invalid';
  const path = (issue?.path ?? [])
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  const where = [subject, path].filter((part) => part !== '');
  return `${where.length > 0 ? where.join(': ') : '(root)'}: ${message}`;
}
