/**
 * What a script started, undone in reverse order however the script ends: normally, on an error, or on
 * SIGINT/SIGTERM (then the process exits with 128 + the signal's number once everything is undone).
 */
export class Cleanups {
  readonly #steps: { name: string; undo: () => unknown }[] = [];
  #running: Promise<void> | undefined;
  /** The exit code a signal asked for (130 for SIGINT, 143 for SIGTERM), once one arrived. */
  signalExitCode: number | undefined;

  constructor(private readonly log: (line: string) => void = console.error) {
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
        try {
          await undo();
        } catch (error) {
          this.log(`cleanup "${name}" failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.#running;
  }
}
