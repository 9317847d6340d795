// Names and IDs: container and network names, random IDs and container names, kernel
// interface names, and Docker's "ID, name or ID prefix" lookups.
//
// Learned from moby v20.10.27:
// - daemon/names.go + daemon/names/names.go: container names match
//   ^/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$, else `Invalid container name (NAME), only
//   [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`; the conflict message of daemon/errors.go.
// - libnetwork: a network name only has to be non-blank (`invalid name: NAME`); the
//   predefined ones (bridge, host, none, default) give `operation is not permitted on
//   predefined NAME network ` (sic, trailing space); a duplicate is `network with name
//   NAME already exists`. berth also refuses names that are unsafe in shells and files.
// - pkg/stringid: IDs are 32 random bytes in hex, redrawn when the 12-char short form is
//   all digits; TruncateID keeps 12 chars after any `algo:` prefix.
// - bridge driver: `br-` + the first 12 chars of the network ID; veths are `veth` + 7
//   hex chars (netutils.GenerateIfaceName), up to 3 draws.
// - daemon.GetContainer / FindNetwork: exact ID, then exact name, then unique ID prefix;
//   `No such container: X`, `network X not found`, `Multiple IDs found with provided
//   prefix: X`, `network X is ambiguous (N matches found on name|based on ID prefix)`,
//   `invalid name or ID supplied: ""`.

import { randomBytes, randomInt } from 'node:crypto';

import { type BerthError, conflict, forbidden, invalid, notFound, systemError } from './errors.js';

export const CONTAINER_NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]';
const CONTAINER_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Validates a container name (leading '/' allowed) and returns it without the '/'. */
export function validateContainerName(name: string): string {
  const bare = name.startsWith('/') ? name.slice(1) : name;
  if (!CONTAINER_NAME_RE.test(bare)) {
    throw invalid(`Invalid container name (${name}), only ${CONTAINER_NAME_CHARS} are allowed`);
  }
  return bare;
}

/** Docker's message when a container name is taken (409). */
export function containerNameConflict(name: string, byId: string): BerthError {
  const bare = name.startsWith('/') ? name : `/${name}`;
  return conflict(
    `Conflict. The container name "${bare}" is already in use by container "${byId}". ` +
      'You have to remove (or rename) that container to be able to reuse that name.',
  );
}

export const PREDEFINED_NETWORK_NAMES: readonly string[] = ['bridge', 'host', 'none', 'default'];

export const MAX_NETWORK_NAME_LENGTH = 255;

// Characters a shell treats specially, plus the path separator.
const NETWORK_NAME_FORBIDDEN = new Set([...'/\\`$&|;<>()\'"*?[]{}!#~']);

/**
 * Validates the name of a network to create: Docker's rules (non-blank, not a
 * predefined name unless `allowPredefined`), then berth's: no whitespace or control
 * characters, no '/' or shell metacharacters, at most 255 bytes.
 */
export function validateNetworkName(name: string, opts: { readonly allowPredefined?: boolean } = {}): string {
  if (!opts.allowPredefined && PREDEFINED_NETWORK_NAMES.includes(name)) {
    throw forbidden(`operation is not permitted on predefined ${name} network `);
  }
  if (name.trim() === '') throw invalid(`invalid name: ${name}`);
  const bad = (why: string): never => {
    throw invalid(`invalid network name ${JSON.stringify(name)}: ${why}`);
  };
  if (Buffer.byteLength(name, 'utf8') > MAX_NETWORK_NAME_LENGTH) bad(`longer than ${MAX_NETWORK_NAME_LENGTH} bytes`);
  for (const ch of name) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f)) bad('control characters (such as newlines) are not allowed');
    if (/\s/u.test(ch)) bad('whitespace is not allowed');
    if (ch === '/') bad("'/' is not allowed");
    if (NETWORK_NAME_FORBIDDEN.has(ch)) bad(`the shell metacharacter '${ch}' is not allowed`);
  }
  return name;
}

/** Docker's message for a duplicate network name (403). */
/** dockerd answers 409 Conflict for a second network of the same name. */
export function networkNameConflict(name: string): BerthError {
  return conflict(`network with name ${name} already exists`);
}

type RandomBytes = (n: number) => Uint8Array;
const defaultRandomBytes: RandomBytes = (n) => randomBytes(n);

/** A new 64-hex-char ID (pkg/stringid.GenerateRandomID). */
export function generateId(rand: RandomBytes = defaultRandomBytes): string {
  for (;;) {
    const id = Buffer.from(rand(32)).toString('hex');
    if (!/^[0-9]{12}$/.test(id.slice(0, 12))) return id;
  }
}

export function isFullId(s: string): boolean {
  return /^[a-f0-9]{64}$/.test(s);
}

/** The 12-char short ID (pkg/stringid.TruncateID). */
export function shortId(id: string): string {
  const colon = id.indexOf(':');
  const bare = colon >= 0 ? id.slice(colon + 1) : id;
  return bare.length > 12 ? bare.slice(0, 12) : bare;
}

/** The bridge device of a user-defined network: `br-` + 12 chars of its ID. */
export function bridgeNameForNetwork(networkId: string): string {
  return `br-${networkId.slice(0, 12)}`;
}

export const IFNAMSIZ = 16; // the kernel's limit, including the terminating NUL

/**
 * Checks an interface name as the kernel's dev_valid_name does: 1..15 bytes, not `.` or
 * `..`, no '/', ':' or whitespace. `what` names the setting in the message.
 */
export function validateInterfaceName(name: string, what = 'interface name'): string {
  const bad = (why: string): never => {
    throw invalid(`invalid ${what} ${JSON.stringify(name)}: ${why}`);
  };
  if (name === '') bad('must not be empty');
  if (Buffer.byteLength(name, 'utf8') > IFNAMSIZ - 1) bad(`must be at most ${IFNAMSIZ - 1} bytes`);
  if (name === '.' || name === '..') bad("must not be '.' or '..'");
  if (name.includes('/')) bad("must not contain '/'");
  if (name.includes(':')) bad("must not contain ':'");
  if (/\s/u.test(name)) bad('must not contain whitespace');
  for (const ch of name) {
    const c = ch.codePointAt(0) as number;
    if (c < 0x20 || c === 0x7f) bad('must not contain control characters');
  }
  return name;
}

/**
 * A host-side veth name, `veth` + 7 hex chars; redrawn (3 tries, as Docker) while the
 * name is in `taken`.
 */
export function generateVethName(taken: ReadonlySet<string> = new Set(), rand: RandomBytes = defaultRandomBytes): string {
  for (let i = 0; i < 3; i++) {
    const name = `veth${Buffer.from(rand(4)).toString('hex').slice(0, 7)}`;
    if (!taken.has(name)) return name;
  }
  throw systemError('could not generate interface name');
}

// berth's own word lists (not Docker's): adjectives and famous scientists/engineers.
const ADJECTIVES = [
  'agile', 'amber', 'ample', 'brave', 'bright', 'brisk', 'calm', 'candid', 'clever', 'cosmic',
  'crisp', 'daring', 'deft', 'eager', 'earnest', 'fervent', 'fleet', 'gentle', 'glad', 'golden',
  'hardy', 'humble', 'jolly', 'keen', 'lively', 'lucid', 'mellow', 'merry', 'mighty', 'nimble',
  'noble', 'patient', 'placid', 'plucky', 'polite', 'proud', 'quiet', 'rapid', 'sage', 'serene',
  'sharp', 'silent', 'snug', 'spry', 'steady', 'sturdy', 'sunny', 'swift', 'tidy', 'vivid',
  'warm', 'wise', 'witty', 'zesty',
] as const;

const SURNAMES = [
  'agnesi', 'babbage', 'banach', 'bohr', 'boole', 'cantor', 'carver', 'cauchy', 'curie', 'dirac',
  'euler', 'faraday', 'fermat', 'fermi', 'feynman', 'fourier', 'franklin', 'galois', 'gauss', 'germain',
  'goedel', 'hamming', 'hertz', 'hilbert', 'hopper', 'huffman', 'hypatia', 'jacobi', 'joule', 'kepler',
  'knuth', 'lamarr', 'laplace', 'leibniz', 'lovelace', 'maxwell', 'meitner', 'mendel', 'noether', 'ohm',
  'pascal', 'planck', 'poincare', 'ramanujan', 'riemann', 'shannon', 'somerville', 'tesla', 'turing', 'volta',
  'wiles', 'yalow',
] as const;

export const RANDOM_NAME_ADJECTIVES: readonly string[] = ADJECTIVES;
export const RANDOM_NAME_SURNAMES: readonly string[] = SURNAMES;

type RandomInt = (max: number) => number; // 0 <= n < max
const defaultRandomInt: RandomInt = (max) => randomInt(max);

/** namesgenerator.GetRandomName: `adjective_surname`, plus a digit when `retry` > 0. */
export function randomName(retry = 0, rand: RandomInt = defaultRandomInt): string {
  const name = `${ADJECTIVES[rand(ADJECTIVES.length)]}_${SURNAMES[rand(SURNAMES.length)]}`;
  return retry > 0 ? `${name}${rand(10)}` : name;
}

/**
 * A random name for a new container (daemon.generateNewName): up to 6 draws (the later
 * ones with a digit) avoiding `taken`, then the container's short ID.
 */
export function generateContainerName(
  taken: ReadonlySet<string>,
  containerId: string,
  rand: RandomInt = defaultRandomInt,
): string {
  for (let i = 0; i < 6; i++) {
    const name = randomName(i, rand);
    if (!taken.has(name) && !taken.has(`/${name}`)) return name;
  }
  return shortId(containerId);
}

export interface Named {
  readonly id: string;
  readonly name: string;
}

/**
 * Finds a container like daemon.GetContainer: exact ID, exact name (with or without the
 * leading '/'), then a unique ID prefix.
 */
export function resolveContainer<T extends Named>(items: readonly T[], term: string): T {
  if (term === '') throw invalid('invalid name or ID supplied: ""');
  const byId = items.find((c) => c.id === term);
  if (byId !== undefined) return byId;
  const bare = (n: string) => (n.startsWith('/') ? n.slice(1) : n);
  const byName = items.find((c) => bare(c.name) === bare(term));
  if (byName !== undefined) return byName;
  const byPrefix = items.filter((c) => c.id.startsWith(term));
  if (byPrefix.length === 1) return byPrefix[0] as T;
  if (byPrefix.length > 1) throw systemError(`Multiple IDs found with provided prefix: ${term}`);
  throw notFound(`No such container: ${term}`);
}

/**
 * Finds a network like daemon.FindNetwork: exact ID, then exact name, then unique ID
 * prefix; ambiguity is an invalid-parameter error as in Docker.
 */
export function resolveNetwork<T extends Named>(items: readonly T[], term: string): T {
  if (term === '') throw invalid('invalid name or ID supplied: ""');
  const byId = items.find((n) => n.id === term);
  if (byId !== undefined) return byId;
  const byName = items.filter((n) => n.name === term);
  if (byName.length === 1) return byName[0] as T;
  if (byName.length > 1) throw invalid(`network ${term} is ambiguous (${byName.length} matches found on name)`);
  const byPrefix = items.filter((n) => n.id.startsWith(term));
  if (byPrefix.length === 1) return byPrefix[0] as T;
  if (byPrefix.length > 1) throw invalid(`network ${term} is ambiguous (${byPrefix.length} matches found based on ID prefix)`);
  throw notFound(`network ${term} not found`);
}
