/**
 * A TCP proxy in front of the test Redis, for the tests of a Redis that goes away: `hang()` holds what
 * clients send (a stopped, `kill -STOP`ped server: connected, answering nothing) until `resume()`;
 * `close()` cuts every connection and stops listening (a server that is gone).
 */
import * as net from 'node:net';
import { requiredEnv } from './databases';

export interface RedisProxy {
  port: number;
  hang(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startRedisProxy(): Promise<RedisProxy> {
  const target = new URL(requiredEnv('REDIS_URL'));
  const sockets = new Set<net.Socket>();
  const held: Array<{ upstream: net.Socket; data: Buffer }> = [];
  let hung = false;
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.on('data', (data: Buffer) => {
      if (hung) held.push({ upstream, data });
      else upstream.write(data);
    });
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    hang: () => {
      hung = true;
    },
    resume: () => {
      hung = false;
      for (const { upstream, data } of held.splice(0)) upstream.write(data);
    },
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
