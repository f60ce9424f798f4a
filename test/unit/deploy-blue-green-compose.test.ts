/**
 * deploy/docker-compose.blue-green.yml's networks: HAProxy's runtime API (level admin, no password)
 * listens on HAProxy's network, so only the API colours may share it; every service still reaches
 * what it talks to.
 */
import * as d from '../support/deploy-files';

interface Service extends d.ComposeService {
  networks?: string[];
}

const compose = d.yamlDoc<{ services: Record<string, Service>; networks?: Record<string, unknown> }>(
  'deploy/docker-compose.blue-green.yml',
);
const services = compose.services;

function networksOf(name: string): string[] {
  const networks = services[name]?.networks;
  if (networks === undefined) throw new Error(`${name} names no networks (it would join "default")`);
  return networks;
}

function reaches(from: string, to: string): boolean {
  return networksOf(from).some((network) => networksOf(to).includes(network));
}

it('declares every network its services join', () => {
  const declared = Object.keys(compose.networks ?? {});
  const used = new Set(Object.keys(services).flatMap(networksOf));
  expect([...used].filter((n) => !declared.includes(n))).toEqual([]);
});

it('puts no service but the API colours on a network with HAProxy', () => {
  const neighbours = Object.keys(services).filter((name) => name !== 'haproxy' && reaches(name, 'haproxy'));
  expect(neighbours.sort()).toEqual(['api-blue', 'api-green']);
});

it('lets HAProxy reach both colours, and every actor-core service Postgres and Redis', () => {
  const env = d.composeServiceEnv(services.haproxy!);
  const backends = [env.BLUE_ADDR, env.GREEN_ADDR].map((address) => address!.split(':')[0]!);
  expect(backends.sort()).toEqual(['api-blue', 'api-green']);
  for (const backend of backends) expect(reaches('haproxy', backend)).toBe(true);
  const actorCore = Object.keys(services).filter((name) => services[name]!.image?.startsWith('actor-core:'));
  expect(actorCore.sort()).toEqual(['api-blue', 'api-green', 'migrate', 'worker']);
  for (const name of actorCore) {
    expect([name, reaches(name, 'postgres'), reaches(name, 'redis')]).toEqual([name, true, true]);
  }
});
