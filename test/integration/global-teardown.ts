/** Jest global teardown of the integration project: stops the servers the global setup started. */
import type { LocalServices } from '../../src/local-services';
import { SERVICES_KEY } from './global-setup';

type WithServices = typeof globalThis & { [SERVICES_KEY]?: LocalServices };

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as WithServices;
  const services = holder[SERVICES_KEY];
  if (services === undefined) return;
  delete holder[SERVICES_KEY];
  await services.stop();
}
