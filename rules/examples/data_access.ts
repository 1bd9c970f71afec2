// Annotated examples for the `data-access` and `pagination` categories in TypeScript.
import { Pool } from "pg";

const pool = new Pool();

// category: data-access
export async function findOrderById(id: string) {
  const result = await pool.query("SELECT id, status, total_cents FROM orders WHERE id = $1", [id]);
  return result.rows[0] ?? null;
}

// category: pagination
export function paginate<T>(items: T[], page: number, pageSize = 25) {
  const totalPages = Math.max(1, Math.ceil(items.length / pageSize));
  const current = Math.min(Math.max(1, page), totalPages);
  const offset = (current - 1) * pageSize;
  return { items: items.slice(offset, offset + pageSize), page: current, totalPages, hasNext: current < totalPages };
}

// category: feature-flags
export function isFeatureEnabled(flags: Record<string, { enabled: boolean; rollout: number }>, flag: string, userHash: number): boolean {
  const entry = flags[flag];
  return !!entry && entry.enabled && userHash % 100 < entry.rollout;
}
