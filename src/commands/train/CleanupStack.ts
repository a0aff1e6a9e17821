/**
 * A stack of clean-up steps (Python's `contextlib.ExitStack`): each resource registers how to
 * release it as soon as it exists, and `dispose()` releases them all, the newest first. A set-up
 * that builds many resources then needs no nested try/catch: whatever fails, everything built so
 * far is released.
 *
 *   await CleanupStack.run(async (cleanup) => {
 *     const viewer = await LiveViewer.start();
 *     cleanup.defer(() => viewer.close());
 *     const envs = makeEnvs();            // throws → the viewer is closed
 *     cleanup.defer(() => envs.close());
 *     …
 *   });
 */
export type CleanupStep = () => unknown;

export class CleanupStack {
  private readonly steps: CleanupStep[] = [];

  /**
   * Run `body` with a new stack and dispose it when `body` returns or throws. When `body` throws,
   * its error is the one rethrown: it explains the failure, and a clean-up that fails after it is
   * one of its consequences.
   */
  static async run<T>(body: (cleanup: CleanupStack) => Promise<T>): Promise<T> {
    const cleanup = new CleanupStack();
    let result: T;
    try {
      result = await body(cleanup);
    } catch (err) {
      await cleanup.dispose().catch(() => undefined);
      throw err;
    }
    await cleanup.dispose();
    return result;
  }

  /** Register a clean-up step (it may return a promise, which is awaited). */
  defer(step: CleanupStep): void {
    this.steps.push(step);
  }

  /**
   * Run every step, the last registered first, each once; a step that throws does not stop the
   * others. Throws the error of the one failed step, or an AggregateError of several.
   */
  async dispose(): Promise<void> {
    const errors: unknown[] = [];
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      try {
        await step();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} clean-up steps failed`);
  }
}
