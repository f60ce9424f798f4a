/**
 * Gathering one actor's SubsystemOutput[] into its workspace, validating as it goes: the first invalid
 * field throws, in input order (outputs, then each one's primary, derived and caps), so nothing
 * partial is ever returned. `resolveSnapshot` and `explain` both gather here.
 */
import { ActorWorkspace, DERIVED, PRIMARY } from './actor-workspace';
import { wrongType } from './check';
import { ActorCoreError, type ErrorLocation } from './errors';
import type { CompiledRegistries } from './registries';
import type { SubsystemOutput } from './types';
import { checkEnvelope, diagnoseCap, diagnoseContribution } from './validate-output';

export interface GatheredActor {
  outputs: SubsystemOutput[];
  /** Valid until the next gather with the same registries: read it, do not keep it. */
  work: ActorWorkspace;
}

const workspaces = new WeakMap<CompiledRegistries, ActorWorkspace>();

export function gatherActor(outputs: unknown, registries: CompiledRegistries): GatheredActor {
  if (!Array.isArray(outputs)) notAnArray(outputs);
  const list = outputs as SubsystemOutput[];
  let work = workspaces.get(registries);
  if (work === undefined) workspaces.set(registries, (work = new ActorWorkspace(registries)));
  work.begin(list);
  for (let i = 0; i < list.length; i++) {
    const output = checkEnvelope(list[i], i);
    let bad = work.addContributions(output.primary, PRIMARY, i);
    if (bad >= 0)
      diagnoseContribution(output.primary[bad], `subsystems[${i}].primary[${bad}]`, where(output));
    bad = work.addContributions(output.derived, DERIVED, i);
    if (bad >= 0)
      diagnoseContribution(output.derived[bad], `subsystems[${i}].derived[${bad}]`, where(output));
    bad = work.addCaps(output.caps, i);
    if (bad >= 0) diagnoseCap(output.caps[bad], `subsystems[${i}].caps[${bad}]`, where(output), registries);
  }
  return { outputs: list, work };
}

function where(output: SubsystemOutput): ErrorLocation {
  return { subsystem: output.meta.system };
}

function notAnArray(outputs: unknown): never {
  throw new ActorCoreError(
    outputs === undefined ? 'MISSING_FIELD' : 'INVALID_TYPE',
    wrongType('subsystems', 'an array of SubsystemOutput', outputs),
    { field: 'subsystems' },
  );
}
