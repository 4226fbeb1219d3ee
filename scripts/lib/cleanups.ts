/**
 * What a script started, undone in reverse order however the script ends: normally, on an error, or on
 * SIGINT/SIGTERM (then the process exits with 128 + the signal's number once everything is undone).
 * A step that has not finished within `stepTimeoutMs` is reported and left behind, so one stuck undo
 * (a kafkajs client whose disconnect never returns after a broker restart) cannot keep the others, the
 * stack's stop above all, from running.
 */
export class Cleanups {
  readonly #steps: { name: string; undo: () => unknown }[] = [];
  #running: Promise<void> | undefined;
  /** The exit code a signal asked for (130 for SIGINT, 143 for SIGTERM), once one arrived. */
  signalExitCode: number | undefined;

  constructor(
    private readonly log: (line: string) => void = console.error,
    private readonly stepTimeoutMs = 120_000,
  ) {
    for (const [signal, code] of [
      ['SIGINT', 130],
      ['SIGTERM', 143],
    ] as const) {
      process.once(signal, () => {
        this.signalExitCode = code;
        this.log(`\n${signal}: stopping what this run started`);
        void this.run().finally(() => process.exit(code));
      });
    }
  }

  /** Registers an undo step; steps run last-registered first. */
  add(name: string, undo: () => unknown): void {
    this.#steps.push({ name, undo });
  }

  /** Runs every step once (a step that fails is reported, the others still run). */
  run(): Promise<void> {
    this.#running ??= (async () => {
      for (const { name, undo } of this.#steps.splice(0).reverse()) {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<'late'>((resolve) => {
          timer = setTimeout(() => resolve('late'), this.stepTimeoutMs);
          timer.unref();
        });
        try {
          const outcome = await Promise.race([Promise.resolve(undo()), late]);
          if (outcome === 'late')
            this.log(`cleanup "${name}" did not finish within ${this.stepTimeoutMs} ms; left behind`);
        } catch (error) {
          this.log(`cleanup "${name}" failed: ${error instanceof Error ? error.message : String(error)}`);
        } finally {
          clearTimeout(timer);
        }
      }
    })();
    return this.#running;
  }
}
