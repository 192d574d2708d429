// A TCP port on 127.0.0.1 that the kernel had free a moment ago, for a server under test that
// cannot bind port 0 and tell us what it got (haproxy, a container's published port, Prometheus).
import * as net from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
