// Options and request body shared by `berth run` and `berth create`, built like the
// Docker CLI builds them (ExposedPorts, HostConfig.PortBindings, NetworkingConfig).
import { formatPortRange, parsePublishOptions, portKey } from '../../model/port-binding.js';
import { isIpv4 } from '../../model/ipv4.js';
import { ApiError } from '../client.js';
import { CliError } from '../errors.js';
import type { OptionSpec } from '../options.js';
import { errorText } from './errors.js';

export const CONTAINER_OPTIONS = [
  { name: 'name', type: 'string', help: 'Assign a name to the container' },
  { name: 'publish', short: 'p', type: 'string', repeatable: true, help: "Publish a container's port(s) to the host" },
  { name: 'publish-all', short: 'P', type: 'bool', help: 'Publish all exposed ports to random ports' },
  { name: 'expose', type: 'string', repeatable: true, help: 'Expose a port or a range of ports' },
  { name: 'network', type: 'string', valueName: 'network', help: 'Connect a container to a network (bridge, host, none, container:NAME, or a network name)' },
  { name: 'net', type: 'string', hidden: true, help: 'Connect a container to a network' },
  { name: 'ip', type: 'string', help: 'IPv4 address (e.g., 172.30.100.104)' },
  { name: 'rm', type: 'bool', help: 'Automatically remove the container when it exits' },
] as const satisfies readonly OptionSpec[];

export interface ContainerOptionValues {
  readonly name: string | undefined;
  readonly publish: readonly string[];
  readonly 'publish-all': boolean;
  readonly expose: readonly string[];
  readonly network: string | undefined;
  readonly net: string | undefined;
  readonly ip: string | undefined;
  readonly rm: boolean;
}

/** Docker's reportError: "berth: <message>." [+ "See 'berth <cmd> --help'."], exit 125. */
export function reportError(command: string, message: string, withHelp: boolean, exitCode = 125): CliError {
  let text = `berth: ${message.replace(/\.$/, '')}.`;
  if (withHelp) text += `\nSee 'berth ${command} --help'.`;
  return new CliError(text, exitCode);
}

/** Docker's runStartContainerErr: 127 for a missing program, 126 for no permission, else 125. */
export function startExitCode(e: unknown): number {
  const msg = e instanceof ApiError ? e.message : errorText(e);
  if (msg.includes('executable file not found') || msg.includes('no such file or directory')) return 127;
  if (msg.includes('permission denied')) return 126;
  return 125;
}

/** The container create body (Docker Engine API shape) for these options and command. */
export function containerCreateBody(command: string, o: ContainerOptionValues, cmd: readonly string[]): Record<string, unknown> {
  let parsed: ReturnType<typeof parsePublishOptions>;
  try {
    parsed = parsePublishOptions({ publish: o.publish, expose: o.expose });
  } catch (e) {
    throw reportError(command, errorText(e), true);
  }
  if (o.ip !== undefined && o.ip !== '' && !isIpv4(o.ip)) throw reportError(command, `invalid IPv4 address: ${o.ip}`, true);
  const networkMode = o.network ?? o.net ?? 'default';
  const exposed: Record<string, Record<string, never>> = {};
  for (const e of parsed.exposed) exposed[portKey(e)] = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const b of parsed.bindings) {
    (bindings[portKey({ port: b.containerPort, proto: b.proto })] ??= []).push({
      HostIp: b.hostIp,
      HostPort: b.hostPort ? formatPortRange(b.hostPort) : '',
    });
  }
  const endpoints: Record<string, unknown> = {};
  if (o.ip) endpoints[networkMode] = { IPAMConfig: { IPv4Address: o.ip } };
  return {
    Cmd: [...cmd],
    Entrypoint: null,
    ExposedPorts: exposed,
    HostConfig: {
      NetworkMode: networkMode,
      PortBindings: bindings,
      PublishAllPorts: o['publish-all'],
      AutoRemove: o.rm,
    },
    NetworkingConfig: { EndpointsConfig: endpoints },
  };
}
