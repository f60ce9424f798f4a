/** An output's packed form as a bytea parameter (NULL when it does not fit the format). */
import { packOutput } from '../../core/packed-outputs';

export function packedParam(output: unknown): Buffer | null {
  const block = packOutput(output);
  return block === undefined ? null : Buffer.from(block.buffer, block.byteOffset, block.byteLength);
}
