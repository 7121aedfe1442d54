// The roles a token can carry (in `roles`, `scope` or `scopes`), and what each may do: a
// tenant admin reads its own tenant's usage (and, later, feedback); a platform admin manages
// every tenant's budget and the prompt templates, and reads any tenant's usage.
import type { Principal } from '../domain/kernel.js';

export const roles = ['tenant_admin', 'platform_admin'] as const;

export type Role = (typeof roles)[number];

/** Whether the token grants any of `wanted`, as a role or as a scope of the same name. */
export function hasAnyRole(principal: Principal, wanted: readonly Role[]): boolean {
  return wanted.some((role) => principal.roles.includes(role) || principal.scopes.includes(role));
}
