/**
 * How packed outputs (src/core/packed-outputs.ts) are stored and carried: each output's block in
 * base64 (`subsystems.packed`), an actor's as `P` and its blocks joined by commas
 * (`actor_inputs.packed`). Text, so that Postgres sends it and a thread receives it as cheaply as the
 * JSON; the blocks are decoded into one reused buffer. JSON text always starts with `[`, so the two
 * forms never mix up.
 */
import { unpackOutputs } from '../core/packed-outputs';
import type { SubsystemOutput } from '../core/types';

const PACKED = 'P';
let scratch = Buffer.alloc(64 * 1024);

/** One output's block as stored in `subsystems.packed`. */
export function blockText(block: Uint8Array): string {
  return Buffer.from(block.buffer, block.byteOffset, block.byteLength).toString('base64');
}

/** Whether an actor's outputs text is the packed form (else it is their JSON). */
export function isPackedText(text: string): boolean {
  return text.startsWith(PACKED);
}

/** An actor's outputs from its packed text (INVALID_PACKED_INPUT when damaged). */
export function unpackText(text: string): SubsystemOutput[] {
  // base64 is at most 3 bytes per 4 characters
  const most = Math.ceil((text.length * 3) / 4);
  if (scratch.length < most) scratch = Buffer.alloc(Math.max(most, scratch.length * 2));
  let bytes = 0;
  for (const block of text.slice(PACKED.length).split(',')) {
    if (block !== '') bytes += scratch.write(block, bytes, 'base64');
  }
  return unpackOutputs(scratch.subarray(0, bytes));
}
