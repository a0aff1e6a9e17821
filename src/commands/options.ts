/**
 * Option parsers shared by the subcommands. Each throws `InvalidArgumentError`, which commander
 * reports as one line naming the option; the CLI then exits with code 2 before anything runs.
 */
import { InvalidArgumentError } from 'commander';

/** An integer ≥ `min`; accepts scientific notation such as `1e6`. */
export function integerOption(min = 0): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isInteger(n) || n < min) {
      throw new InvalidArgumentError(`expected an integer >= ${min}, got "${value}"`);
    }
    return n;
  };
}

/** A finite number in [min, max]. */
export function numberOption(min = -Infinity, max = Infinity): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a number in [${min}, ${max}], got "${value}"`);
    }
    return n;
  };
}

/** One of a fixed set of words. */
export function choiceOption<T extends string>(choices: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(choices as readonly string[]).includes(value)) {
      throw new InvalidArgumentError(`expected one of ${choices.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
}

/** A comma-separated list, e.g. `--policies random,oracle,runs/A`. */
export function listOption(value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}"`);
  return items;
}

/** Print the figures of a `--json` run: one JSON object as the last line of standard output. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}
