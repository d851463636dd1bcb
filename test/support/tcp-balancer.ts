/**
 * A minimal TCP load balancer for cluster tests, standing in for the one an operator puts in front of
 * the nodes: each new connection goes to the first backend, in list order, that accepts it. When a
 * node dies, clients reconnecting through the balancer land on the next live one.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export class TcpBalancer {
  private server: Server | undefined;
  private readonly open = new Set<Socket>();

  constructor(private readonly backends: number[]) {}

  async listen(): Promise<string> {
    this.server = createServer((client) => this.route(client, 0));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  private route(client: Socket, index: number): void {
    const port = this.backends[index];
    if (port === undefined) return void client.destroy();
    client.pause();
    const upstream = connect(port, '127.0.0.1');
    let linked = false;
    upstream.on('error', () => (linked ? client.destroy() : this.route(client, index + 1)));
    upstream.once('connect', () => {
      linked = true;
      this.open.add(client).add(upstream);
      client.on('error', () => upstream.destroy());
      upstream.on('close', () => (client.destroy(), this.open.delete(upstream)));
      client.on('close', () => (upstream.destroy(), this.open.delete(client)));
      client.pipe(upstream).pipe(client);
      client.resume();
    });
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise((resolve) => (this.server ? this.server.close(resolve) : resolve(undefined)));
  }
}
