// The `tenant` metric label. Every distinct JWT tenant would otherwise become new Prometheus series for good;
// API-key tenants (a fixed, configured set) always keep their name, the first `maxOthers` other tenants keep
// theirs too, and any tenant after that is counted as "other". Logs and rate limits still use the real name.
export const OTHER_TENANT = "other";

export class TenantLabels {
  private readonly known: ReadonlySet<string>;
  private readonly others = new Set<string>();

  constructor(
    knownTenants: readonly string[],
    private readonly maxOthers: number,
  ) {
    this.known = new Set(knownTenants);
  }

  of(tenant: string): string {
    if (this.known.has(tenant) || this.others.has(tenant)) return tenant;
    if (this.others.size < this.maxOthers) {
      this.others.add(tenant);
      return tenant;
    }
    return OTHER_TENANT;
  }
}
