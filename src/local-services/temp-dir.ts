/**
 * Temporary server folders: created under the OS temp folder with our PID in them, removed by their
 * owner at stop or at exit (exit guard). A process killed outright leaves its folder behind, so each new
 * one first sweeps away the folders of owners that no longer run.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { guardDir, processExists } from './exit-guard';

/** Every temp folder of ours starts with this, so the sweep touches nothing else. */
const PREFIX = 'actor-core-';
const OWNER_FILE = 'owner.pid';

export interface TempDir {
  dir: string;
  /** Removes the folder (idempotent). */
  remove(): void;
}

/** A new `<tmpdir>/actor-core-<kind>-XXXXXX`, removed at exit unless `remove()` was called first. */
export function makeTempDir(kind: string): TempDir {
  sweepStaleTempDirs();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${PREFIX}${kind}-`));
  fs.writeFileSync(path.join(dir, OWNER_FILE), String(process.pid));
  const release = guardDir(dir);
  return {
    dir,
    remove: () => {
      fs.rmSync(dir, { recursive: true, force: true });
      release();
    },
  };
}

/** Removes the temp folders whose owner process is gone (the servers in them died with it). */
export function sweepStaleTempDirs(tmp = os.tmpdir()): void {
  let names: string[];
  try {
    names = fs.readdirSync(tmp).filter((name) => name.startsWith(PREFIX));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = path.join(tmp, name);
    let owner: number;
    try {
      owner = Number(fs.readFileSync(path.join(dir, OWNER_FILE), 'utf8'));
    } catch {
      continue; // not one of ours, or not finished being created
    }
    if (!Number.isInteger(owner) || owner <= 0 || processExists(owner)) continue;
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {
      // someone else's to clean
    }
  }
}
