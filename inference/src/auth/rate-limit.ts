// Per-tenant limits on requests per minute and tokens per minute, as token buckets that refill continuously.
// A request is admitted when both buckets hold at least one unit; its tokens are charged when it ends (the
// count is only known then), so a big request may leave the tenant in debt until the bucket refills.
import { ApiError } from "../errors.js";

interface Bucket {
  level: number;
  at: number;
}

/** Buckets kept before full ones are swept: JWT tenants are unbounded, and a full bucket equals a new one. */
const SWEEP_ABOVE = 10_000;

class BucketSet {
  private readonly buckets = new Map<string, Bucket>();
  constructor(private readonly perMinute: number) {}

  private refill(b: Bucket, now: number): Bucket {
    b.level = Math.min(this.perMinute, b.level + ((now - b.at) / 60_000) * this.perMinute);
    b.at = now;
    return b;
  }

  private bucket(tenant: string, now: number): Bucket {
    const b = this.buckets.get(tenant);
    if (b) return this.refill(b, now);
    if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
    const fresh = { level: this.perMinute, at: now };
    this.buckets.set(tenant, fresh);
    return fresh;
  }

  private sweep(now: number): void {
    for (const [tenant, b] of this.buckets) {
      if (this.refill(b, now).level >= this.perMinute) this.buckets.delete(tenant);
    }
  }

  get size(): number {
    return this.buckets.size;
  }

  /** Seconds until the tenant has one unit, 0 if it has one now. */
  waitSeconds(tenant: string, now: number): number {
    const b = this.bucket(tenant, now);
    return b.level >= 1 ? 0 : ((1 - b.level) / this.perMinute) * 60;
  }

  take(tenant: string, n: number, now: number): void {
    this.bucket(tenant, now).level -= n;
  }
}

export class TenantRateLimiter {
  private readonly requests: BucketSet | undefined;
  private readonly tokens: BucketSet | undefined;

  constructor(
    requestsPerMinute: number,
    tokensPerMinute: number,
    private readonly onLimited: (tenant: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.requests = requestsPerMinute > 0 ? new BucketSet(requestsPerMinute) : undefined;
    this.tokens = tokensPerMinute > 0 ? new BucketSet(tokensPerMinute) : undefined;
  }

  /** Takes one request from the tenant's budget or throws 429 with Retry-After. */
  admit(tenant: string): void {
    const now = this.now();
    const wait = Math.max(
      this.requests?.waitSeconds(tenant, now) ?? 0,
      this.tokens?.waitSeconds(tenant, now) ?? 0,
    );
    if (wait > 0) {
      this.onLimited(tenant);
      throw new ApiError(429, `Rate limit reached for tenant ${tenant}. Retry after ${Math.ceil(wait)}s.`, {
        code: "rate_limit_exceeded",
        retryAfter: wait,
      });
    }
    this.requests?.take(tenant, 1, now);
  }

  /** Tenants with a bucket (tests: the sweep keeps this bounded). */
  get trackedTenants(): number {
    return Math.max(this.requests?.size ?? 0, this.tokens?.size ?? 0);
  }

  /** Charges the tokens a finished request used. */
  charge(tenant: string, tokens: number): void {
    this.tokens?.take(tenant, tokens, this.now());
  }
}
