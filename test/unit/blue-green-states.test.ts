/**
 * deploy/blue-green.sh reading HAProxy's answers, against a stand-in runtime API on a unix socket that
 * gives canned answers (the script with real HAProxy: test/integration/blue-green.test.ts). Canned,
 * because what is tested here is HAProxy's transient output: a health check in progress, which
 * `show stat` reports as "* " before the last finished check's status.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { runBlueGreen } from '../support/haproxy';

// The columns the script reads, under HAProxy's header names; HAProxy sends many more, in this order.
const SERVERS_STATE = [
  '1',
  '# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state',
  '3 actor_core 1 blue 127.0.0.1 2 0',
  '3 actor_core 2 green 127.0.0.1 0 0',
  '',
].join('\n');

function stat(greenCheck: string): string {
  return [
    '# pxname,svname,qcur,scur,status,check_status,check_code,',
    'actor_core,blue,0,3,UP,L7OK,200,',
    `actor_core,green,0,0,DOWN,${greenCheck},,`,
    '',
  ].join('\n');
}

/** A runtime API that answers `show servers state` and `show stat` as given, and logs each command. */
async function fakeRuntimeApi(
  socketPath: string,
  answers: { serversState: string; stat: string },
): Promise<{ commands: string[]; close: () => Promise<void> }> {
  const commands: string[] = [];
  const server = net.createServer((socket) => {
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('utf8');
      if (!received.includes('\n')) return;
      const command = received.trim();
      commands.push(command);
      if (command.startsWith('show servers state')) socket.end(answers.serversState);
      else if (command.startsWith('show stat')) socket.end(answers.stat);
      else socket.end(`Unknown command: '${command}'\n`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, resolve);
  });
  return {
    commands,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('deploy/blue-green.sh reading HAProxy statistics', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'blue-green-states-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function status(greenCheck: string): Promise<string> {
    const socketPath = path.join(dir, 'admin.sock');
    const api = await fakeRuntimeApi(socketPath, { serversState: SERVERS_STATE, stat: stat(greenCheck) });
    try {
      const run = await runBlueGreen(['status'], {
        HAPROXY_SOCKET: socketPath,
        HAPROXY_BACKEND: 'actor_core',
      });
      expect(run.code).toBe(0);
      expect(api.commands).toEqual(['show servers state actor_core', 'show stat actor_core 4 -1']);
      return run.stdout;
    } finally {
      await api.close();
    }
  }

  it('reports the last finished check, without the "* " HAProxy puts before it while a check runs', async () => {
    const stdout = await status('* L4CON');
    const green = stdout.split('\n').find((line) => line.startsWith('green'));
    expect(green).toMatch(/^green\s+admin=ready\s+status=DOWN\s+check=L4CON\s+sessions=0$/);
  });

  it('reports the same line when no check is running', async () => {
    const running = await status('* L4CON');
    const idle = await status('L4CON');
    expect(idle).toBe(running);
    expect(idle.split('\n')[0]).toMatch(/^blue\s+admin=ready\s+status=UP\s+check=L7OK\/200\s+sessions=3$/);
    expect(idle.trim().split('\n').pop()).toBe('live: blue green');
  });
});
