// The published ports of one benchmark sandbox: `count` TCP ports from `first`,
// each host port mapped to the same container port, written either as one range
// (`-p 10000-10999:10000-10999`) or as separate mappings (`-p 10000:10000 ...`).

export interface PortSet {
  readonly first: number;
  readonly count: number;
  readonly form: 'range' | 'separate';
}

/** Every port of the set, in order. */
export function portList(ports: PortSet): number[] {
  return Array.from({ length: ports.count }, (_, i) => ports.first + i);
}

/** The `-p` flags docker and berth take for the set. */
export function publishFlags(ports: PortSet): string[] {
  const last = ports.first + ports.count - 1;
  if (ports.form === 'range' && ports.count > 1) return ['-p', `${ports.first}-${last}:${ports.first}-${last}`];
  return portList(ports).flatMap((p) => ['-p', `${p}:${p}`]);
}

/** "1 port", "100 ports as a range", "100 ports as separate mappings". */
export function describePorts(ports: PortSet): string {
  if (ports.count === 1) return '1 port';
  return `${ports.count.toLocaleString('en-US')} ports ${ports.form === 'range' ? 'as a range' : 'as separate mappings'}`;
}
