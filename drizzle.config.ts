/**
 * drizzle-kit: `npx drizzle-kit generate` writes SQL migrations for src/adapters/pg/schema.ts into
 * migrations/. The app applies them with `actor-core migrate`, not drizzle-kit, so that concurrent
 * runs are serialized by an advisory lock.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'postgresql',
  schema: './src/adapters/pg/schema.ts',
  out: './migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost:5432/actor_core' },
});
