/**
 * How learner and actors prove who they are to a NATS server: a user and
 * password, or an nkey (an ed25519 key pair: the server knows the public key
 * "U…", the client signs the server's nonce with the seed "SU…", which never
 * travels). Seeds are read from a file so that none sits in a notebook.
 */
import { readFileSync } from "node:fs";
import { nkeyAuthenticator, nkeys, type ConnectionOptions } from "@nats-io/transport-node";

export interface NatsAuth {
  readonly user?: string;
  readonly pass?: string;
  /** A file holding a user nkey seed ("SU…", as `nk -gen user` or `rl.workers.createUserNkey()` writes it). */
  readonly nkeySeedFile?: string;
}

/** Problems of the auth fields (empty: none). `where` names the fields in messages. */
export function natsAuthProblems(auth: NatsAuth, where: { user: string; pass: string; seed: string }): string[] {
  const p: string[] = [];
  if ((auth.user === undefined) !== (auth.pass === undefined)) p.push(`give ${where.user} and ${where.pass} together`);
  if (auth.nkeySeedFile !== undefined) {
    if (typeof auth.nkeySeedFile !== "string" || auth.nkeySeedFile.length === 0) p.push(`${where.seed}: expected the path of a file holding a user nkey seed, got ${JSON.stringify(auth.nkeySeedFile)}`);
    if (auth.user !== undefined) p.push(`give ${where.user}/${where.pass} or ${where.seed}, not both`);
  }
  return p;
}

/** A user nkey seed read from `file`; a clear error when it is not one. */
export function readNkeySeed(file: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`nkey seed file ${file}: ${(error as Error).message}`);
  }
  const seed = text.split(/\s+/).find((w) => w.startsWith("SU"));
  if (!seed) throw new Error(`nkey seed file ${file}: expected a user nkey seed (a word starting "SU"), found none`);
  try {
    nkeys.fromSeed(new TextEncoder().encode(seed)).getPublicKey();
  } catch (error) {
    throw new Error(`nkey seed file ${file}: not a valid nkey seed (${(error as Error).message})`);
  }
  return new TextEncoder().encode(seed);
}

/** The connection options that carry `auth`. */
export function natsAuthOptions(auth: NatsAuth): Partial<ConnectionOptions> {
  if (auth.nkeySeedFile !== undefined) return { authenticator: nkeyAuthenticator(readNkeySeed(auth.nkeySeedFile)) };
  if (auth.user !== undefined) return { user: auth.user, pass: auth.pass };
  return {};
}

/** A new user nkey: its seed (keep it secret: write it to a file for `nkeySeedFile`) and the public key the server is told. */
export function createUserNkey(): { seed: string; publicKey: string } {
  const pair = nkeys.createUser();
  return { seed: new TextDecoder().decode(pair.getSeed()), publicKey: pair.getPublicKey() };
}
