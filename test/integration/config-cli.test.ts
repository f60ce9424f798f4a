/**
 * The built CLI with a configuration it cannot use: exit code 2 and one stderr line per problem, each
 * naming the file and YAML path or the variable, so that an operator fixes them all in one pass.
 */
import { assertBuilt, linesOf, runCli } from '../support/cli';

const broken = 'test/fixtures/config/broken.yaml';

beforeAll(() => assertBuilt());

describe('actor-core with a broken configuration', () => {
  it('exits 2 and prints every problem on its own line', () => {
    const result = runCli(['migrate'], '', { CONFIG_FILE: broken, WORKER_THREADS: '0' });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    const lines = linesOf(result.stderr);
    expect(lines).toHaveLength(7);
    for (const line of lines) expect(line).toMatch(/^actor-core: INVALID_CONFIG: /);
    const problems = lines.map((line) => line.replace(/^actor-core: INVALID_CONFIG: /, ''));
    expect(problems).toEqual(
      expect.arrayContaining([
        `${broken}: security.jwt_secret uses \${ACTOR_CORE_TEST_NEVER_SET}, which is not set (set it, or write \${ACTOR_CORE_TEST_NEVER_SET:-default})`,
        `${broken}: server.port must be a port number (1 to 65535), got 70000`,
        `${broken}: server.request_timeout is not a setting (server has port, host, body_limit_bytes, trust_proxy, read_timeout, write_timeout, idle_timeout)`,
        `${broken}: logging.level must be one of fatal, error, warn, info, debug, trace, silent, got "loud"`,
        `${broken}: monitoring.tracing.endpoint must use http: or https:, got ftp:`,
        `${broken}: queue.name must be letters, digits, _ . -, got "a:b"`,
        'WORKER_THREADS must be an integer from 1 to 256 (or auto), got "0"',
      ]),
    );
  });

  it('exits 2 naming CONFIG_FILE when it points at nothing', () => {
    const result = runCli(['migrate'], '', { CONFIG_FILE: 'test/fixtures/config/missing.yaml' });
    expect(result.code).toBe(2);
    expect(linesOf(result.stderr)).toEqual([
      'actor-core: INVALID_CONFIG: test/fixtures/config/missing.yaml cannot be read (ENOENT); CONFIG_FILE points at it',
    ]);
  });
});
