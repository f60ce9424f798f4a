/**
 * A one-line progress display for long commands, redrawn in place on a terminal (stderr) and at most
 * ten times a second; off when stderr is not a terminal, so logs and pipes stay clean.
 */
import type { Writable } from 'node:stream';

export interface ProgressBar {
  update(done: number, fraction: number | undefined, unit: string): void;
  finish(): void;
}

const WIDTH = 30;

export function progressBar(out: Writable & { isTTY?: boolean }, enabled = out.isTTY === true): ProgressBar {
  const started = Date.now();
  let lastDraw = 0;
  let drawn = false;
  return {
    update(done, fraction, unit) {
      if (!enabled) return;
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      const seconds = (now - started) / 1000;
      const rate = seconds > 0 ? Math.round(done / seconds) : 0;
      let bar = '';
      if (fraction !== undefined) {
        const f = Math.max(0, Math.min(1, fraction));
        const filled = Math.round(f * WIDTH);
        bar = `[${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${(f * 100).toFixed(0).padStart(3)}% `;
      }
      out.write(`\r${bar}${done.toLocaleString('en')} ${unit}, ${rate.toLocaleString('en')}/s\x1b[K`);
      drawn = true;
    },
    finish() {
      if (drawn) out.write('\r\x1b[K');
    },
  };
}
