/**
 * A token bucket: it holds up to `capacity` tokens and refills at `rate` tokens per second; each
 * event takes one. A viewer connection has one for its messages and one for its invalid messages,
 * so that a burst passes, a sustained flood does not, and what happened long ago is forgiven.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  /** `now`: the clock in milliseconds (performance.now() unless a test drives it). */
  constructor(
    private readonly capacity: number,
    private readonly rate: number,
    now = performance.now(),
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  /** Take a token at time `now` (ms); false when none is left (the event is over the limit). */
  take(now = performance.now()): boolean {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
