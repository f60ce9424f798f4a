/**
 * Debian's chromium for the browser tests (playwright-core drives it; it downloads no browser of its
 * own). A missing one is installed with apt-get when we may (root on Debian/Ubuntu, e.g. CI); otherwise
 * the caller skips with the reason.
 */
import * as fs from 'node:fs';
import { canInstallPackages, installDebianPackage } from '../../src/local-services/install-package';

export const CHROMIUM_PATH = '/usr/bin/chromium';

export type ChromiumLookup = { path: string } | { skip: string };

export async function ensureChromium(log: (line: string) => void = () => undefined): Promise<ChromiumLookup> {
  if (fs.existsSync(CHROMIUM_PATH)) return { path: CHROMIUM_PATH };
  if (!canInstallPackages()) {
    return {
      skip: `${CHROMIUM_PATH} is missing and apt-get needs root: install it with "sudo apt-get install -y chromium"`,
    };
  }
  try {
    await installDebianPackage('chromium', { log });
  } catch (err) {
    return { skip: `chromium could not be installed with apt-get: ${String(err)}` };
  }
  return fs.existsSync(CHROMIUM_PATH)
    ? { path: CHROMIUM_PATH }
    : { skip: `apt-get installed chromium but ${CHROMIUM_PATH} is missing` };
}
