/**
 * The blue-green deployment's files, checked without running them: HAProxy accepts deploy/haproxy.cfg
 * (`haproxy -c`), and the compose file gives HAProxy every variable the config reads and the APIs only
 * variables the configuration knows. (The deployment itself: blue-green.test.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import YAML from 'yaml';
import { ENV_OVERRIDES } from '../../config/env-overrides';
import { checkHaproxyConfig, haproxyConfig } from '../support/haproxy';
import { repoRoot } from '../support/shared';

describe('the deployment files', () => {
  it('haproxy -c accepts deploy/haproxy.cfg, with the test addresses and with the compose defaults', () => {
    const local = checkHaproxyConfig({
      HAPROXY_BIND: '127.0.0.1:18080',
      BLUE_ADDR: '127.0.0.1:18081',
      GREEN_ADDR: '127.0.0.1:18082',
      HAPROXY_SOCKET: '/tmp/actor-core-check.sock',
      HAPROXY_STATE_FILE: '/nonexistent/server-state',
    });
    expect(local.code).toBe(0);
    expect(local.output).toContain('Configuration file is valid');
    expect(local.output).not.toContain('[ALERT]');
    const defaults = checkHaproxyConfig({
      HAPROXY_BIND: undefined,
      BLUE_ADDR: undefined,
      GREEN_ADDR: undefined,
      HAPROXY_SOCKET: undefined,
      HAPROXY_STATE_FILE: undefined,
    });
    expect(defaults.code).toBe(0);
    expect(defaults.output).toContain('Configuration file is valid');
  });

  it('docker-compose.blue-green.yml gives HAProxy every variable of haproxy.cfg and the APIs known variables', () => {
    const file = path.join(repoRoot, 'deploy', 'docker-compose.blue-green.yml');
    const compose = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true }) as {
      services: Record<
        string,
        { image: string; command?: string[]; environment?: Record<string, string>; volumes?: string[] }
      >;
    };
    const { haproxy, 'api-blue': blue, 'api-green': green } = compose.services;
    const directives = fs
      .readFileSync(haproxyConfig, 'utf8')
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .join('\n');
    const cfgVariables = [...directives.matchAll(/"\$\{([A-Z_]+)-/g)].map((m) => m[1]);
    expect(Object.keys(haproxy!.environment!).sort()).toEqual([...new Set(cfgVariables)].sort());
    expect(haproxy!.volumes).toContain('./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro');
    expect(haproxy!.environment!.BLUE_ADDR).toBe(`api-blue:${blue!.environment!.PORT}`);
    expect(haproxy!.environment!.GREEN_ADDR).toBe(`api-green:${green!.environment!.PORT}`);
    const known = new Set(ENV_OVERRIDES.map((o) => o.variable));
    for (const api of [blue!, green!]) {
      expect(api.command).toEqual(['api']);
      expect(Object.keys(api.environment!).filter((name) => !known.has(name))).toEqual([]);
      expect(api.environment!.OPEN_OPS_ENDPOINTS).toBe('true');
    }
    expect(blue!.image).not.toBe(green!.image);
  });
});
