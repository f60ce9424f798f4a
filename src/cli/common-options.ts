/** Options shared by `resolve` and `explain`: the registries and the actor's version. */
import { InvalidArgumentError, type Command } from 'commander';
import { loadRegistries, type LoadedRegistries } from '../registry';

export interface RegistryOptions {
  registry?: string;
  capLayers?: string;
}

export function addRegistryOptions(command: Command): Command {
  return command
    .option(
      '--registry <file>',
      "combiner registry, YAML or JSON (default: the package's own config/registry.yaml, not one in the current folder)",
      parseRegistryFile,
    )
    .option(
      '--cap-layers <file>',
      "cap layer registry, YAML or JSON (default: the package's own config/cap-layers.yaml)",
      parseRegistryFile,
    );
}

/** Commander parser of a registry path: a file name (standard input is for the actors' outputs). */
export function parseRegistryFile(text: string): string {
  if (text === '-')
    throw new InvalidArgumentError('a registry is read from a file; standard input ("-") is for the input.');
  if (text.trim() === '') throw new InvalidArgumentError('the file name is empty.');
  return text;
}

export function addVersionOption(command: Command): Command {
  return command.option(
    '--version <n>',
    "the actor's version, an integer from 1 to 2^53 − 1 (default: 1)",
    parseVersion,
  );
}

/** Commander parser of `--version`: an integer from 1 to 2^53 − 1, written in plain digits. */
export function parseVersion(text: string): number {
  const version = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(version) || version < 1) {
    throw new InvalidArgumentError('the version must be an integer from 1 to 2^53 − 1.');
  }
  return version;
}

/** Both registries, from the given files or the package's defaults; errors name the registry file. */
export function loadCliRegistries(options: RegistryOptions): LoadedRegistries {
  return loadRegistries({ registry: options.registry, capLayers: options.capLayers });
}
