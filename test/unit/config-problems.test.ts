/**
 * config/: a configuration that cannot be used fails with every problem at once, one line each, naming
 * the file and YAML path and/or the variable, and never quoting a secret.
 */
import { ConfigError } from '../../config/config-error';
import { loadSettings } from '../../config/settings';
import { configDir, configProblems, fixture } from '../support/config';

const broken = 'test/fixtures/config/broken.yaml';

/** Problems of a config folder holding default.yaml and `x.yaml` (ENV=x) with `yaml`. */
function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  const dir = configDir({ 'x.yaml': yaml });
  try {
    return configProblems(() => loadSettings({ ENV: 'x', ...env }, dir.dir)).map((line) =>
      line.replace(`${dir.dir}/`, ''),
    );
  } finally {
    dir.cleanup();
  }
}

describe('several problems', () => {
  it('are all reported, each on its own line', () => {
    const problems = configProblems(() => loadSettings({ WORKER_THREADS: '0' }, fixture('broken.yaml')));
    expect(problems).toHaveLength(7);
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
    for (const line of problems) expect(line).not.toContain('\n');
  });

  it('make one ConfigError: INVALID_CONFIG, the lines as its message, the first place as its field', () => {
    let error: unknown;
    try {
      loadSettings({ PORT: 'x', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ code: 'INVALID_CONFIG', field: 'PORT', permanent: true });
    const { problems, message } = error as ConfigError;
    expect(problems).toEqual([
      'PORT must be a port number (1 to 65535), got "x"',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"',
    ]);
    expect(message).toBe(problems.join('\n'));
  });
});

describe('unknown keys', () => {
  it('are rejected with their path and the keys that exist there', () => {
    expect(problemsOf('database:\n  max_conections: 5\n  pool:\n    size: 3\nmetrics: {}\n')).toEqual(
      expect.arrayContaining([
        'x.yaml: database.max_conections is not a setting (database has url, host, port, name, user, password, ssl_mode, max_connections, max_idle_connections, connection_max_lifetime)',
        'x.yaml: database.pool is not a setting (database has url, host, port, name, user, password, ssl_mode, max_connections, max_idle_connections, connection_max_lifetime)',
        'x.yaml: metrics is not a setting (sections are server, database, cache, logging, monitoring, queue, worker, security)',
      ]),
    );
  });

  it('are found at any depth', () => {
    expect(problemsOf('security:\n  rate_limit:\n    burst: 5\n')).toEqual([
      'x.yaml: security.rate_limit.burst is not a setting (security.rate_limit has window_ms, max)',
    ]);
  });
});

describe('${VAR}', () => {
  it('unset, is a problem naming the variable, the path and the file', () => {
    expect(problemsOf('server:\n  host: "${ACTOR_CORE_TEST_NO_HOST}"\n')).toEqual([
      'x.yaml: server.host uses ${ACTOR_CORE_TEST_NO_HOST}, which is not set (set it, or write ${ACTOR_CORE_TEST_NO_HOST:-default})',
    ]);
  });

  it('malformed or unclosed, is a problem too', () => {
    expect(problemsOf('queue:\n  name: "${1X}"\n  prefix: "${OPEN"\n')).toEqual([
      'x.yaml: queue.name has a malformed reference ${1X}: write ${NAME} or ${NAME:-default}',
      'x.yaml: queue.prefix has "${" without a closing "}"',
    ]);
  });
});

describe('invalid values', () => {
  it.each([
    ['server:\n  port: 65536\n', 'server.port must be a port number (1 to 65535), got 65536'],
    ['server:\n  port: "80a"\n', 'server.port must be a port number (1 to 65535), got "80a"'],
    [
      'monitoring:\n  prometheus:\n    worker_sidecar_port: -1\n',
      'monitoring.prometheus.worker_sidecar_port must be a port number (0 to 65535), got -1',
    ],
    ['database:\n  url: "mysql://db/x"\n', 'database.url must use postgres: or postgresql:, got mysql:'],
    ['cache:\n  redis:\n    url: "http://cache"\n', 'cache.redis.url must use redis: or rediss:, got http:'],
    [
      'security:\n  jwks_url: "not a url"\n',
      'security.jwks_url must be a URL (https: or http:), got something that does not parse',
    ],
    [
      'logging:\n  level: LOUD\n',
      'logging.level must be one of fatal, error, warn, info, debug, trace, silent, got "LOUD"',
    ],
    ['logging:\n  format: text\n', 'logging.format must be one of json, got "text"'],
    [
      'database:\n  host: db\n  ssl_mode: maybe\n',
      'database.ssl_mode must be one of disable, prefer, require, verify-ca, verify-full, no-verify, got "maybe"',
    ],
    [
      'security:\n  open_ops_endpoints: sometimes\n',
      'security.open_ops_endpoints must be true or false, got "sometimes"',
    ],
    ['worker:\n  concurrency: 1.5\n', 'worker.concurrency must be an integer from 1 to 1000, got 1.5'],
    ['worker:\n  lane: fast\n', 'worker.lane must be one of all, bulk, interactive, got "fast"'],
    ['worker:\n  warm_up_ms: -1\n', 'worker.warm_up_ms must be an integer from 0 to 60000, got -1'],
    [
      'server: 8080\n',
      'server must be a mapping with port, host, body_limit_bytes, trust_proxy, read_timeout, write_timeout, idle_timeout, got 8080',
    ],
    ['server:\n  port:\n', 'server.port must be a port number (1 to 65535), got an empty value'],
    ['server:\n  host: "not a host!"\n', 'server.host must be a host name or IP address, got "not a host!"'],
    // jose compares `iss`/`aud` only when the expected value is not empty.
    ['security:\n  issuer: ""\n', 'security.issuer must not be empty'],
    ['security:\n  audience: " "\n', 'security.audience must not be empty'],
    [
      'cache:\n  redis:\n    url: "redis://127.0.0.1:6379/abc"\n',
      'cache.redis.url must end in a database number from 0 to 1000 (/0 … /1000) or nothing, got a path that is not one',
    ],
    [
      'cache:\n  redis:\n    url: "redis://127.0.0.1:6379/99999"\n',
      'cache.redis.url must end in a database number from 0 to 1000 (/0 … /1000) or nothing, got a path that is not one',
    ],
    ['cache:\n  redis:\n    url: "redis://"\n', 'cache.redis.url must name a host (redis://HOST…), got none'],
    ['database:\n  url: "postgres://"\n', 'database.url must name a host (postgres://HOST…), got none'],
  ])('%j', (yaml, problem) => {
    expect(problemsOf(yaml)).toEqual([`x.yaml: ${problem}`]);
  });

  it.each([
    ['PORT', '0', 'PORT must be a port number (1 to 65535), got "0"'],
    ['WORKER_SIDECAR_PORT', '65536', 'WORKER_SIDECAR_PORT must be a port number (0 to 65535), got "65536"'],
    [
      'REDIS_URL',
      'redis//nope',
      'REDIS_URL must be a URL (redis: or rediss:), got something that does not parse',
    ],
    [
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      'grpc://j:4317',
      'OTEL_EXPORTER_OTLP_ENDPOINT must use http: or https:, got grpc:',
    ],
    [
      'LOG_LEVEL',
      'verbose',
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
    ['OPEN_OPS_ENDPOINTS', 'maybe', 'OPEN_OPS_ENDPOINTS must be true or false, got "maybe"'],
    [
      'TRUST_PROXY',
      'loopback, haproxy.internal',
      'TRUST_PROXY must be true, false, a hop count, or addresses/subnets and loopback, linklocal, uniquelocal separated by commas; "haproxy.internal" is none of these',
    ],
  ])('%s=%s', (variable, value, problem) => {
    expect(configProblems(() => loadSettings({ [variable]: value }))).toEqual([problem]);
  });
});

describe('URLs that are accepted', () => {
  it.each([
    ['database:\n  url: "postgres:///actor_core?host=/var/run/postgresql"\n', 'a Unix socket folder'],
    ['cache:\n  redis:\n    url: "rediss://:pw@cache:6380/3"\n', 'a database number'],
    ['cache:\n  redis:\n    url: "redis://cache"\n', 'no database number'],
  ])('%j (%s)', (yaml) => {
    const dir = configDir({ 'x.yaml': yaml });
    try {
      expect(() => loadSettings({ ENV: 'x' }, dir.dir)).not.toThrow();
    } finally {
      dir.cleanup();
    }
  });
});

describe('connections given two ways', () => {
  it('a URL and its parts together is a problem', () => {
    expect(problemsOf('database:\n  url: "postgres://a@b/c"\n  host: db\n  user: u\n')).toEqual([
      'x.yaml: database.url and database.host, database.user are both given: give the URL or its parts, not both',
    ]);
  });

  it('parts without a host, or a password without a user, are problems', () => {
    expect(problemsOf('database:\n  password: "x"\ncache:\n  redis:\n    port: 6380\n')).toEqual([
      'x.yaml: database.host is missing: database.password is given without it',
      'x.yaml: cache.redis.host is missing: cache.redis.port is given without it',
      'x.yaml: database.password is given without database.user',
    ]);
  });
});

describe('files', () => {
  it('a YAML syntax error names the file, line and column, without quoting the file', () => {
    const problems = problemsOf('server:\n  port: 8080\n  port: 8081\nsecurity:\n  jwt_secret: "hunter2\n');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatch(/^x\.yaml: line 3, column 3: Map keys must be unique$/);
    expect(problems.join('\n')).not.toContain('hunter2');
  });

  it('a file that is not a mapping is one problem', () => {
    expect(problemsOf('- server\n- database\n')).toEqual([
      'x.yaml must be a mapping of sections (server:, database:, …), got a list',
    ]);
  });

  it('an empty file changes nothing', () => {
    expect(problemsOf('# nothing yet\n', { PORT: 'x' })).toEqual([
      'PORT must be a port number (1 to 65535), got "x"',
    ]);
  });

  it('a CONFIG_FILE that does not exist is named', () => {
    expect(configProblems(() => loadSettings({ CONFIG_FILE: 'test/fixtures/config/nope.yaml' }))).toEqual([
      'test/fixtures/config/nope.yaml cannot be read (ENOENT); CONFIG_FILE points at it',
    ]);
  });
});

describe('secrets', () => {
  it('are never quoted back, from the file or from a variable', () => {
    const problems = [
      ...problemsOf('security:\n  jwt_secret: 271828182\n  encryption_key: [hunter2]\n'),
      ...configProblems(() => loadSettings({ DATABASE_URL: 'postgres://u:hunter2@[bad' })),
      ...problemsOf('database:\n  url: "mysql://u:hunter2@db/x"\n'),
    ];
    expect(problems).toEqual([
      'x.yaml: security.jwt_secret must be text (quote it in YAML); its value is not shown',
      'x.yaml: security.encryption_key must be text (quote it in YAML); its value is not shown',
      'DATABASE_URL must be a URL (postgres: or postgresql:), got something that does not parse',
      'x.yaml: database.url must use postgres: or postgresql:, got mysql:',
    ]);
    expect(problems.join('\n')).not.toMatch(/hunter2|271828182/);
  });

  it('that are too short or malformed are refused by every command, not quoted, and blamed on their source', () => {
    const problems = [
      ...problemsOf('security:\n  jwt_secret: "${MY_SECRET}"\n', { MY_SECRET: 'hunter2' }),
      ...problemsOf('security:\n  encryption_key: "${AT_REST}"\n', { AT_REST: 'k1:hunter2' }),
      ...configProblems(() => loadSettings({ JWT_SECRET: 'hunter2' })),
      ...problemsOf('database:\n  host: db\n  user: u\n  password: "Xy${9hunter2}z"\n'),
    ];
    expect(problems).toEqual([
      'x.yaml: security.jwt_secret (from ${MY_SECRET}) must be at least 32 bytes (HS256 needs a 256-bit key); its value is not shown',
      expect.stringMatching(/^x\.yaml: security\.encryption_key \(from \$\{AT_REST\}\) entry 1 /),
      'JWT_SECRET must be at least 32 bytes (HS256 needs a 256-bit key); its value is not shown',
      'x.yaml: database.password has a malformed reference at character 3 (not shown: a secret): write ${NAME} or ${NAME:-default}',
    ]);
    expect(problems.join('\n')).not.toMatch(/hunter2/);
  });

  it('a Redis password holding a slash is not shown through the URL’s path', () => {
    // 'default:1234/hunter2@…' parses as host 'default', port 1234 and the path '/hunter2@…'.
    const problems = configProblems(() =>
      loadSettings({ REDIS_URL: 'redis://default:1234/hunter2@redis.example.com:6379/0' }),
    );
    expect(problems).toEqual([
      'REDIS_URL must end in a database number from 0 to 1000 (/0 … /1000) or nothing, got a path that is not one',
    ]);
  });
});
