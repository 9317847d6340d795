// The userland proxy, served by berthd itself: one listener per published port
// inside this one process (dockerd starts a docker-proxy process per port and
// address family). It carries what the NAT rules do not: connections from the
// host to its own loopback addresses, and hairpin traffic when the userland
// proxy mode is on.
import net from 'node:net';
import dgram from 'node:dgram';
import { conflict } from '../model/errors.js';

export interface ProxySpec {
  readonly proto: 'tcp' | 'udp' | 'sctp';
  readonly hostIp: string; // '' = all addresses
  readonly hostPort: number;
  readonly containerIp: string;
  readonly containerPort: number;
}

export interface Proxy {
  close(): Promise<void>;
}

const UDP_IDLE_MS = 90_000; // docker-proxy's UDP "connection" timeout

function bindError(spec: ProxySpec, err: NodeJS.ErrnoException): Error {
  const family = spec.proto === 'udp' ? 'udp4' : 'tcp4';
  const reason = err.code === 'EADDRINUSE' ? 'bind: address already in use' : err.message;
  return conflict(`Error starting userland proxy: listen ${family} ${spec.hostIp || '0.0.0.0'}:${spec.hostPort}: ${reason}`, err);
}

export async function startProxy(spec: ProxySpec): Promise<Proxy | null> {
  if (spec.proto === 'tcp') return startTcp(spec);
  if (spec.proto === 'udp') return startUdp(spec);
  return null; // Node has no SCTP sockets: SCTP ports are served by the NAT rules only
}

function startTcp(spec: ProxySpec): Promise<Proxy> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const upstream = net.connect({ host: spec.containerIp, port: spec.containerPort, allowHalfOpen: true });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(bindError(spec, e)));
    server.listen({ host: spec.hostIp || '0.0.0.0', port: spec.hostPort, exclusive: true }, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function startUdp(spec: ProxySpec): Promise<Proxy> {
  const socket = dgram.createSocket({ type: 'udp4', reuseAddr: false });
  const flows = new Map<string, { upstream: dgram.Socket; timer: NodeJS.Timeout }>();
  const drop = (key: string): void => {
    const f = flows.get(key);
    if (!f) return;
    clearTimeout(f.timer);
    f.upstream.close();
    flows.delete(key);
  };
  socket.on('message', (msg, from) => {
    const key = `${from.address}:${from.port}`;
    let flow = flows.get(key);
    if (!flow) {
      const upstream = dgram.createSocket('udp4');
      upstream.on('message', (reply) => socket.send(reply, from.port, from.address));
      upstream.on('error', () => drop(key));
      upstream.connect(spec.containerPort, spec.containerIp);
      flow = { upstream, timer: setTimeout(() => drop(key), UDP_IDLE_MS) };
      flows.set(key, flow);
      const f = flow;
      upstream.once('connect', () => f.upstream.send(msg));
      return;
    }
    flow.timer.refresh();
    try {
      flow.upstream.send(msg);
    } catch {
      drop(key); // not yet connected: the first datagram is still on its way; drop this one
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('error', (e) => reject(bindError(spec, e)));
    socket.bind({ address: spec.hostIp || '0.0.0.0', port: spec.hostPort, exclusive: true }, () => {
      socket.removeAllListeners('error');
      socket.on('error', () => undefined);
      resolve({
        close: () =>
          new Promise<void>((done) => {
            for (const key of [...flows.keys()]) drop(key);
            socket.close(() => done());
          }),
      });
    });
  });
}
