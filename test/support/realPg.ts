/**
 * Real PostgreSQL for integration tests: every test file that uses it creates its own database
 * (`orchestrate_test_<random>`) and drops it afterwards, so runs never collide (STACK-NOTES).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Admin DSN: `DATABASE_URL` when set, else the machine's trust-auth server. */
export function adminDsn(env: NodeJS.ProcessEnv = process.env): string {
  return env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

/** True when a server answers `SELECT 1` on the admin DSN within 3 s. */
export async function realPgReachable(dsn = adminDsn()): Promise<boolean> {
  const client = new pg.Client({ connectionString: dsn, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A throwaway database on the real server: its DSN and a `drop()` that removes it. */
export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates `orchestrate_test_<random>` on the admin server. */
export async function createTestDatabase(dsn = adminDsn()): Promise<TestDatabase> {
  const name = `orchestrate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: dsn });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(dsn);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: dsn });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
