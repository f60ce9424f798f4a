/** An output's packed form as stored in `subsystems.packed` (NULL when it does not fit the format). */
import { packOutput } from '../../core/packed-outputs';
import { blockText } from '../packed-text';

export function packedParam(output: unknown): string | null {
  const block = packOutput(output);
  return block === undefined ? null : blockText(block);
}
