/**
 * Ctrl-C for a long command that owns servers and child processes: the first SIGINT (or SIGTERM) asks it
 * to stop cleanly (every phase races `interrupted`), a second one exits at once, leaving the stopping of
 * servers and workers to the exit guard.
 */

export class InterruptedError extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
    this.name = 'InterruptedError';
  }
}

export interface Interrupt {
  /** Rejects with an InterruptedError at the first signal; never resolves. */
  readonly interrupted: Promise<never>;
  /** Whether a signal has arrived. */
  readonly signalled: () => boolean;
  /** Resolves `work`, or rejects when interrupted first. */
  race<T>(work: Promise<T>): Promise<T>;
  /** Removes the signal handlers. */
  dispose(): void;
}

/** A second signal this soon after the first is taken for the same one, delivered twice. */
const DUPLICATE_MS = 1_000;

export function onInterrupt(onSignal?: (signal: NodeJS.Signals, again: boolean) => void): Interrupt {
  let signalled = false;
  let firstAt = 0;
  let reject: (err: InterruptedError) => void = () => undefined;
  const interrupted = new Promise<never>((_, r) => (reject = r));
  interrupted.catch(() => undefined); // no unhandled rejection when nobody races it
  const handler = (signal: NodeJS.Signals): void => {
    if (signalled) {
      // The same Ctrl-C often arrives twice: from the terminal, and forwarded by a parent (npm run).
      if (Date.now() - firstAt < DUPLICATE_MS) return;
      onSignal?.(signal, true);
      // A second Ctrl-C: do not wait for a clean stop. The exit guard signals the servers and workers.
      process.exit(130);
    }
    onSignal?.(signal, false);
    signalled = true;
    firstAt = Date.now();
    reject(new InterruptedError(signal));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    interrupted,
    signalled: () => signalled,
    race: <T>(work: Promise<T>) => Promise.race([work, interrupted]),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
