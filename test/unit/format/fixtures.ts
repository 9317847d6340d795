// Shared data for the template tests: trimmed `docker inspect` shapes, plus
// small odd values. Expected outputs in the case tables were checked against
// the real Docker CLI (Go 1.24 text/template) unless a case says `berth`.

export const container = {
  Id: 'f2a1c3d4e5b6',
  Name: '/web',
  Path: 'nginx',
  Args: ['-g', 'daemon off;'],
  State: { Status: 'running', Running: true, Paused: false, Pid: 4242, ExitCode: 0, Health: null },
  Config: {
    Hostname: 'f2a1c3d4e5b6',
    Image: 'nginx:alpine',
    Env: ['PATH=/usr/bin', 'LANG=C'],
    Labels: { 'com.example': 'demo', 'com.example.tier': 'frontend' },
  },
  NetworkSettings: {
    IPAddress: '172.17.0.2',
    Ports: { '80/tcp': [{ HostIp: '0.0.0.0', HostPort: '8080' }] },
    Networks: {
      bridge: { IPAddress: '172.17.0.2', Gateway: '172.17.0.1', MacAddress: '02:42:ac:11:00:02', Aliases: null },
      backend: { IPAddress: '10.0.0.5', Gateway: '10.0.0.1', MacAddress: '02:42:0a:00:00:05', Aliases: ['web', 'www'] },
    },
  },
};

export const network = {
  Name: 'backend',
  Id: '7d86d31b1478',
  Driver: 'bridge',
  Scope: 'local',
  Internal: false,
  EnableIPv6: false,
  IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.0.0/24', Gateway: '10.0.0.1' }] },
  Options: { 'com.docker.network.bridge.name': 'br-7d86d31b1478', 'com.docker.network.driver.mtu': '1500' },
  Labels: {},
  Containers: {
    f2a1c3d4e5b6: { Name: 'web', IPv4Address: '10.0.0.5/24' },
    a9b8c7d6e5f4: { Name: 'db', IPv4Address: '10.0.0.6/24' },
  },
};

export const internalNetwork = { ...network, Name: 'secret', Internal: true };

/** Small values of every kind. */
export const misc = {
  S: 'hello',
  E: '',
  Z: 0,
  N: null,
  T: true,
  F: false,
  I: 42,
  Neg: -7,
  Fl: 2.5,
  L: ['a', 'b', 'c'],
  Nums: [3, 1, 2],
  EL: [],
  M: { b: 2, a: 1, c: 'x' },
  EM: {},
  Nested: { L: [{ K: 'v0' }, { K: 'v1' }], M: { inner: { deep: 'yes' } } },
  Mixed: ['a', 1, 2.5, true, null, ['x'], { k: 'v' }],
  U: 'héllo wörld',
};
