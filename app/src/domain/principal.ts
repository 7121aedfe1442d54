// Who is asking: the caller a verified token names. Every use case acts for one principal.

export interface Principal {
  readonly userId: string;
  readonly tenantId: string;
  readonly email?: string;
  readonly roles: readonly string[];
  readonly scopes: readonly string[];
}
