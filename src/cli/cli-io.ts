/** The streams a CLI run reads and writes; tests pass their own, the bin passes the process's. */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
}

export function processIo(): CliIo {
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}

/** The reader of our output went away (e.g. `| head`): stop quietly, there is nobody to tell. */
export class OutputClosedError extends Error {
  constructor() {
    super('output closed');
    this.name = 'OutputClosedError';
  }
}

export function isOutputClosed(err: unknown): boolean {
  return err instanceof OutputClosedError || (err as NodeJS.ErrnoException | null)?.code === 'EPIPE';
}

/** Resolves on 'drain'; rejects when the stream fails or closes first. */
function drained(out: Writable): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const settle = (err?: Error): void => {
      out.off('drain', onDrain);
      out.off('error', onError);
      out.off('close', onClose);
      if (err === undefined) resolve();
      else reject(err);
    };
    const onDrain = (): void => settle();
    const onError = (err: Error): void => settle(err);
    const onClose = (): void => settle(new OutputClosedError());
    out.on('drain', onDrain);
    out.on('error', onError);
    out.on('close', onClose);
  });
}

/** Writes `text`; when the stream's buffer is full, waits for 'drain' (backpressure). */
export async function writeWithBackpressure(out: Writable, text: string): Promise<void> {
  if (out.destroyed || out.writableEnded) throw out.errored ?? new OutputClosedError();
  if (!out.write(text)) await drained(out);
}

/** Collapses a message to one line, for stderr. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}
